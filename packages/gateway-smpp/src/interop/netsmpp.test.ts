/**
 * Interop of the whole gateway: Net::SMPP (Perl, Debian libnet-smpp-perl) binds as a transceiver to the real
 * SmppGateway backed by a real redis-server, submits GSM 03.38 and UCS-2 messages asking for receipts, and
 * receives the receipts the test puts on the account's outbox (as the router would). Needs
 * `perl -MNet::SMPP` and redis-server; run scripts/install-peers.sh to get the former.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Queues } from '@hub/bus';
import { buildReport, type HubMessage, IdGenerator, parseId } from '@hub/message';
import { hasNetSmpp, hasRedisServer, type PerlLine, runPerl, waitFor } from '@hub/testkit';
import { account, Harness, PASSWORD } from '../harness.fixture.js';

const SCRIPT = fileURLToPath(new URL('./netsmpp-gateway.pl', import.meta.url));
const RECEIPT =
  /^id:(\S+) sub:001 dlvrd:00([01]) submit date:(\d{10}) done date:(\d{10}) stat:([A-Z]{7}) err:(\d{3}) text:(.{0,20})$/;

/** What Perl printed, one JSON object per line. */
type Line = PerlLine;

test('Net::SMPP transceiver ⇄ SmppGateway + Redis: GSM and UCS-2 submits, receipts carry the submit_sm_resp ids', async (t) => {
  if (!hasNetSmpp()) {
    t.skip('Net::SMPP not installed: run scripts/install-peers.sh');
    return;
  }
  if (!hasRedisServer()) {
    t.skip('redis-server not installed');
    return;
  }
  const h = await Harness.start();
  t.after(() => h.close());
  const g = await h.gateway([await account('perl-esme')]);
  const reportIds = new IdGenerator(990);

  const records = new Map<string, HubMessage>();
  let receiptsQueued: Promise<void> | undefined;

  // What the router does once the carrier reported: a receipt for each submit on the account's outbox.
  async function queueReceipts(): Promise<void> {
    for (const l of lines.filter((x) => x.step.startsWith('submit_'))) {
      const id = parseId(String(l.message_id));
      assert.ok(id !== undefined, `Net::SMPP got a Hub id: ${String(l.message_id)}`);
      const rec = await h.record(id);
      assert.ok(rec, `record ${id} in Redis`);
      records.set(String(l.message_id), rec);
      await h.bus.enqueue(
        Queues.outbox('perl-esme'),
        buildReport(rec, { state: 'delivered', at: Date.now() }, reportIds.next()),
      );
    }
  }
  const perl = runPerl(SCRIPT, ['127.0.0.1', String(g.port), 'perl-esme', PASSWORD], (line) => {
    if (line.step === 'await_receipts') {
      receiptsQueued = queueReceipts();
      receiptsQueued.catch(() => {}); // awaited (and asserted) below
    }
  });
  t.after(() => perl.close());
  const { lines } = perl;

  const code = await perl.exit(20_000, 'the Perl ESME to finish');
  assert.equal(code, 0, `perl exited ${code}; ${perl.transcript()}`);
  assert.ok(receiptsQueued, 'Perl asked for its receipts');
  await receiptsQueued;
  const step = (name: string): Line => {
    const l = lines.find((x) => x.step === name);
    assert.ok(l, `Perl printed step ${name}`);
    return l;
  };

  assert.equal(step('bind').status, 0);
  assert.equal(step('bind').system_id, 'hub');

  // ---- submits: accepted with 16-hex-digit ids, stored with the decoded text ----
  const gsm = step('submit_gsm');
  const ucs2 = step('submit_ucs2');
  for (const s of [gsm, ucs2]) {
    assert.equal(s.cmd, 'submit_sm_resp');
    assert.equal(s.status, 0);
    assert.match(String(s.message_id), /^[0-9A-F]{16}$/);
  }
  const gsmRec = records.get(String(gsm.message_id));
  const ucsRec = records.get(String(ucs2.message_id));
  assert.ok(gsmRec?.content.type === 'sms' && ucsRec?.content.type === 'sms');
  assert.equal(gsmRec.content.text, 'Hi @ £ € {}');
  assert.equal(gsmRec.content.dataCoding, 0);
  assert.equal(ucsRec.content.text, 'Привет ✓ 😀');
  assert.equal(ucsRec.content.dataCoding, 8);
  assert.equal(gsmRec.options.receipt, 'final');
  assert.equal(gsmRec.origin.account, 'perl-esme');

  // ---- receipts, as Net::SMPP decoded them ----
  const delivers = lines.filter((l) => l.step === 'deliver_sm');
  assert.equal(delivers.length, 2);
  const byId = new Map<string, { text: string; line: Line }>();
  for (const d of delivers) {
    assert.equal(d.esm_class, 0x04, 'esm_class: SMSC delivery receipt');
    assert.equal(d.data_coding, 0);
    assert.equal(d.source_addr, '447700900001', 'from the original destination');
    assert.equal(d.destination_addr, '4915123456789', 'to the original sender');
    assert.equal(d.message_state, 2, 'message_state DELIVERED');
    const text = Buffer.from(String(d.short_message_hex), 'hex').toString('latin1');
    const m = RECEIPT.exec(text);
    assert.ok(m, `receipt text format: ${text}`);
    assert.equal(m[2], '1', 'dlvrd');
    assert.equal(m[5], 'DELIVRD');
    assert.equal(m[6], '000');
    assert.equal(
      String(d.receipted_message_id_hex),
      Buffer.from(`${m[1]}\0`, 'latin1').toString('hex'),
      'receipted_message_id = the id in the text (C-octet string)',
    );
    byId.set(m[1] as string, { text, line: d });
  }
  // The id in each receipt is exactly what Net::SMPP got in submit_sm_resp.
  assert.deepEqual([...byId.keys()].sort(), [String(gsm.message_id), String(ucs2.message_id)].sort());
  // text: the original's first 20 characters, ASCII only (the receipt is data_coding 0).
  assert.match(byId.get(String(gsm.message_id))?.text ?? '', / text:Hi @ \? \? \{\}$/);
  assert.match(byId.get(String(ucs2.message_id))?.text ?? '', / text:\?{6} \? \?$/);

  // Hub noted that each receipt was acknowledged.
  for (const rec of [gsmRec, ucsRec]) {
    await waitFor(async () => (await h.record(rec.id))?.history.some((e) => e.hop === 'receipt_delivered'), {
      what: `receipt_delivered on ${rec.id}`,
    });
  }

  const unbind = step('unbind');
  assert.equal(unbind.cmd, 'unbind_resp');
  assert.equal(unbind.status, 0);
  assert.equal(lines.at(-1)?.step, 'done');
  assert.ok(!lines.some((l) => l.step === 'unexpected'), 'no unexpected PDU reached Perl');
});
