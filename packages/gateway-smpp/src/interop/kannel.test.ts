/**
 * Interop of the whole gateway: Kannel (Debian `kannel`) as the ESME. bearerbox binds as a transceiver to
 * the real SmppGateway (real redis-server), MT goes in through smsbox's sendsms with a dlr-url, the test
 * puts receipts for the stored messages on the account's outbox (as the router would), and Kannel must
 * match each receipt to its message and call the dlr-url. Needs bearerbox, smsbox and redis-server; run
 * scripts/install-peers.sh to get Kannel.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import { Queues } from '@hub/bus';
import { buildReport, formatId, type HubMessage, IdGenerator } from '@hub/message';
import type { ServerSession } from '@hub/smpp';
import { findKannel, hasRedisServer, Kannel, poll, startDlrSink, within } from '@hub/testkit';
import { account, Harness, PASSWORD } from '../harness.fixture.js';

const TEMPLATE = new URL('./kannel.fixture.conf', import.meta.url);
const RECEIPT =
  /^id:(\S+) sub:001 dlvrd:00([01]) submit date:(\d{10}) done date:(\d{10}) stat:([A-Z]{7}) err:(\d{3}) text:(.{0,20})$/;

test('Kannel bearerbox ⇄ SmppGateway + Redis: sendsms MT (GSM, UCS-2) stored, our receipts fire Kannel’s dlr-url', async (t) => {
  const boxes = findKannel();
  if (!boxes) {
    t.skip('Kannel (bearerbox/smsbox) not installed: run scripts/install-peers.sh');
    return;
  }
  if (!hasRedisServer()) {
    t.skip('redis-server not installed');
    return;
  }
  const systemId = 'kannel-esme'; // SMPP 3.4: system_id ≤ 15 octets, password ≤ 8
  // Everything started from here on is undone in the finally block, in reverse order.
  const cleanup: Array<() => Promise<void> | void> = [];
  try {
    const h = await Harness.start();
    cleanup.push(() => h.close());
    const g = await h.gateway([await account(systemId)]);

    // Kannel calls this back with each delivery report it matched to a message it sent.
    const { port: dlrPort, dlrs, close: closeDlrs } = await startDlrSink();
    cleanup.push(closeDlrs);
    // Config in a temp dir; its cleanup stops the boxes in reverse start order (smsbox, then bearerbox,
    // which unbinds from Hub).
    const kannel = await Kannel.create({
      template: TEMPLATE,
      hubPort: g.port,
      systemId,
      password: PASSWORD,
      dirPrefix: 'hub-kannel-gw-',
    });
    cleanup.push(() => kannel.close());
    const withLogs = kannel.withLogs;

    // ---- Kannel binds to the gateway with the account's credentials ----
    const bound = within(
      once(g.gateway.server, 'bound').then(([s]) => s as ServerSession),
      15_000,
      'Kannel to bind',
    ).catch(withLogs);
    kannel.start(boxes.bearerbox);
    const session = await bound;
    assert.equal(session.bindType, 'trx');
    assert.equal(session.systemId, systemId);
    assert.equal(session.interfaceVersion, 0x34);

    // ---- MT through smsbox's sendsms, each asking for a final receipt ----
    kannel.start(boxes.smsbox);
    const dlrUrl = (tag: string): string =>
      `http://127.0.0.1:${dlrPort}/dlr?tag=${tag}&type=%d&smsc=%i&id=%F&reply=%A`;
    const sendsms = (params: Record<string, string>) =>
      kannel.send({ from: '12345', charset: 'UTF-8', 'dlr-mask': '3', ...params });
    const gsmText = 'Hello @ £ € from Kannel';
    const ucsText = 'Привет ✓';
    const r1 = await poll(
      () => sendsms({ to: '447700900001', text: gsmText, 'dlr-url': dlrUrl('gsm') }),
      10_000,
      'smsbox sendsms',
    ).catch(withLogs);
    assert.ok(r1.status === 202 || r1.status === 200, `sendsms answered ${r1.status}: ${r1.body}`);
    const r2 = await within(
      sendsms({ to: '447700900002', text: ucsText, coding: '2', 'dlr-url': dlrUrl('ucs2') }),
      5_000,
      'sendsms UCS-2',
    );
    assert.ok(r2 && (r2.status === 202 || r2.status === 200), `sendsms answered ${r2?.status}: ${r2?.body}`);

    // ---- the gateway stored both, decoded, with a receipt requested ----
    const recs = await poll(
      async () => {
        const ids = await h.store.listByAccount(systemId);
        if (ids.length < 2) return undefined;
        const all = await Promise.all(ids.map((id) => h.record(id)));
        return all.filter((r): r is HubMessage => r !== undefined);
      },
      10_000,
      'both messages in Redis',
    ).catch(withLogs);
    const byTo = (to: string): HubMessage => {
      const r = recs.find((x) => x.to[0]?.value.replace(/^\+/, '') === to);
      assert.ok(r, `a record to ${to}: ${recs.map((x) => x.to[0]?.value).join(', ')}`);
      return r;
    };
    const gsm = byTo('447700900001');
    const ucs = byTo('447700900002');
    assert.ok(gsm.content.type === 'sms' && ucs.content.type === 'sms');
    assert.equal(gsm.content.text, gsmText);
    assert.equal(gsm.content.dataCoding, 0);
    assert.equal(ucs.content.text, ucsText);
    assert.equal(ucs.content.dataCoding, 8);
    assert.equal(gsm.options.receipt, 'final', 'dlr-mask 3 → registered_delivery 1');
    assert.equal(gsm.origin.systemId, systemId);

    // ---- receipts: the router's job, done by the test; Kannel matches each and calls its dlr-url ----
    const reportIds = new IdGenerator(991);
    for (const rec of [gsm, ucs]) {
      await h.bus.enqueue(
        Queues.outbox(systemId),
        buildReport(rec, { state: 'delivered', at: Date.now() }, reportIds.next()),
      );
    }
    await poll(() => (dlrs.length >= 2 ? true : undefined), 10_000, 'Kannel to call both dlr-urls').catch(
      withLogs,
    );
    for (const [tag, rec] of [
      ['gsm', gsm],
      ['ucs2', ucs],
    ] as const) {
      const dlr = dlrs.find((d) => d.get('tag') === tag);
      assert.ok(dlr, `a DLR for the ${tag} message`);
      assert.equal(dlr.get('type'), '1', 'DLR type 1 = delivered: Kannel matched our receipt to its MT');
      assert.equal(dlr.get('smsc'), 'hub');
      // msg-id-type 3: Kannel reads our hex ids and reports them in decimal.
      assert.equal(dlr.get('id'), BigInt(`0x${rec.id}`).toString(), 'the id Kannel matched on is ours');
      const m = RECEIPT.exec(dlr.get('reply') ?? '');
      assert.ok(m, `receipt text format: ${dlr.get('reply')}`);
      assert.equal(m[1], formatId(rec.id, 'hex'), 'receipt id = the submit_sm_resp id');
      assert.equal(m[5], 'DELIVRD');
    }
    assert.equal(dlrs.length, 2, 'one DLR per message, nothing unmatched');
  } finally {
    for (const undo of cleanup.reverse()) await undo();
  }
});
