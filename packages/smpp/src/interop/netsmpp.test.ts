/**
 * Interop: Net::SMPP (Perl, Debian libnet-smpp-perl) as the ESME against Hub's SmppServer. A recording proxy
 * sits between them so the assertions cover the bytes on the wire, what the hooks received, and what Perl
 * decoded. Needs `perl -MNet::SMPP`; run scripts/install-peers.sh to get it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type Frame, hasNetSmpp, type PerlLine, parseSm, runPerl, WireTap, within } from '@hub/interop-kit';
import type { SmppPdu } from '../session/node-smpp.js';
import {
  type BindDecision,
  type BindRequest,
  type ServerSession,
  SmppServer,
} from '../session/server-session.js';
import type { RequestDecision, SmppSession } from '../session/session.js';
import { SessionState } from '../session/state.js';

const SCRIPT = fileURLToPath(new URL('./netsmpp-esme.pl', import.meta.url));
const ACCOUNT = { systemId: 'perl-esme', password: 's3cret!' };

interface Received {
  readonly systemId: string | undefined;
  readonly bindType: string | undefined;
  readonly pdu: SmppPdu;
  readonly messageId: string;
}

/** What Perl printed, one JSON object per line. */
type Line = PerlLine;

function hex(s: string): Buffer {
  return Buffer.from(s, 'hex');
}

// The payloads netsmpp-esme.pl sends, restated here so a change on either side shows.
const GSM = hex('48692000200120' + '1b65' + '20' + '1b28' + '1b29'); // "Hi @ £ € {}" unpacked GSM 03.38
const UCS2 = Buffer.from('Привет ✓ 😀', 'utf16le').swap16(); // UTF-16BE, surrogate pair included
const LONG1 = Buffer.concat([
  hex('050003a70201'),
  Buffer.from('0123456789'.repeat(16).slice(0, 153), 'latin1'),
]);
const LONG2 = Buffer.concat([hex('050003a70202'), Buffer.from('tail of the long one', 'latin1')]);

test('Net::SMPP ESME ⇄ Hub SmppServer: binds, submits (GSM, UCS-2, UDH), enquire_link, receipt, unbind, 3.3', async (t) => {
  if (!hasNetSmpp()) {
    t.skip('Net::SMPP not installed: run scripts/install-peers.sh');
    return;
  }
  assert.equal(UCS2.toString('hex'), '041f0440043804320435044200202713' + '0020d83dde00');

  const received: Received[] = [];
  const binds: BindRequest[] = [];
  let counter = 0;
  const server = new SmppServer({
    onBind: (req): BindDecision => {
      binds.push(req);
      if (req.systemId !== ACCOUNT.systemId) return { ok: false, status: 0x0f };
      if (req.password !== ACCOUNT.password) return { ok: false, status: 0x0e };
      return { ok: true, context: { account: req.systemId } };
    },
    onRequest: (session: SmppSession, pdu): RequestDecision => {
      const s = session as ServerSession;
      const messageId = `hub-${++counter}`;
      received.push({ systemId: s.systemId, bindType: s.bindType, pdu, messageId });
      return { status: 0, fields: { message_id: messageId } };
    },
    sessionInitTimeoutMs: 10_000,
    enquireLinkIntervalMs: 0, // Hub's pings are sent explicitly below, so the transcript is deterministic.
    responseTimeoutMs: 5_000,
  });
  // Cleanup is registered as each resource comes up, so a failure anywhere leaves nothing running.
  const { port } = await server.listen({ port: 0 });
  t.after(() => within(server.close(), 10_000, 'server close'));
  const tap = await WireTap.start(port);
  t.after(() => tap.close());

  let hubSide: Promise<{ deliver: SmppPdu; enquire: SmppPdu }> | undefined;
  let hubUnbind: Promise<void> | undefined;
  const perl = runPerl(
    SCRIPT,
    ['127.0.0.1', String(tap.port), ACCOUNT.systemId, ACCOUNT.password],
    (line) => {
      if (line.step === 'await_deliver') {
        hubSide = pushFromHub();
        hubSide.catch(() => {}); // awaited (and asserted) below; never an unhandled rejection meanwhile
      }
      if (line.step === 'await_unbind') {
        const rx = [...server.sessions].find((s) => s.state === SessionState.BOUND_RX);
        hubUnbind = rx
          ? within(rx.unbind(), 5_000, 'Hub unbind')
          : Promise.reject(new Error('no receiver session'));
        hubUnbind.catch(() => {});
      }
    },
  );
  t.after(() => perl.close());
  const { lines } = perl;

  // Hub-originated traffic on the transceiver session: a receipt for the first submit, then a ping.
  const receiptText =
    'id:hub-1 sub:001 dlvrd:001 submit date:2501011200 done date:2501011201 stat:DELIVRD err:000 text:Hi @';
  async function pushFromHub(): Promise<{ deliver: SmppPdu; enquire: SmppPdu }> {
    const session = [...server.sessions].find((s) => s.state === SessionState.BOUND_TRX);
    assert.ok(session, 'the transceiver session is bound');
    const deliver = await session.request(
      'deliver_sm',
      {
        source_addr_ton: 1,
        source_addr_npi: 1,
        source_addr: '447700900001',
        dest_addr_ton: 1,
        dest_addr_npi: 1,
        destination_addr: '4915123456789',
        esm_class: 0x04,
        data_coding: 0x00,
        short_message: Buffer.from(receiptText, 'latin1'),
      },
      { tlvs: { receipted_message_id: 'hub-1', message_state: 2 }, timeoutMs: 5_000 },
    );
    const enquire = await session.request('enquire_link', {}, { timeoutMs: 5_000 });
    return { deliver, enquire };
  }

  const code = await perl.exit(30_000, 'the Perl ESME to finish');
  assert.equal(code, 0, `perl exited ${code}; ${perl.transcript()}`);
  const step = (name: string): Line => {
    const l = lines.find((x) => x.step === name);
    assert.ok(l, `Perl printed step ${name}`);
    return l;
  };
  assert.ok(hubSide, 'Perl asked for the receipt');
  const { deliver, enquire } = await within(hubSide, 5_000, 'Hub-side requests');

  // ---- binds, as Perl saw them ----
  const wrong = step('bind_wrong_password');
  assert.equal(wrong.cmd, 'bind_transceiver_resp');
  assert.equal(wrong.status, 0x0e, 'wrong password → ESME_RINVPASWD');
  assert.equal(wrong.body_hex, '', 'an error bind_resp has no body');
  const trx = step('bind_trx');
  assert.equal(trx.status, 0, 'the retry on the same connection binds (session stayed OPEN)');
  assert.equal(trx.system_id, 'hub');
  assert.equal(trx.sc_interface_version, 0x34, 'sc_interface_version = min(Hub 0x50, ESME 0x34)');
  assert.equal(step('bind_tx').status, 0);
  assert.equal(step('bind_unknown_id').status, 0x0f, 'unknown system_id → ESME_RINVSYSID');
  const v33 = step('bind_v33');
  assert.equal(v33.status, 0);
  assert.equal(v33.tlv_bytes, 0, 'a 3.3 bind_resp carries no TLV (no sc_interface_version)');
  assert.equal(v33.body_hex, Buffer.from('hub\0').toString('hex'));

  // ---- binds, as the hook saw them ----
  assert.deepEqual(
    binds.map((b) => [
      b.systemId,
      b.password === ACCOUNT.password,
      b.bindType,
      b.interfaceVersion,
      b.systemType,
    ]),
    [
      ['perl-esme', false, 'trx', 0x34, 'NETSMPP'],
      ['perl-esme', true, 'trx', 0x34, 'NETSMPP'],
      ['perl-esme', true, 'tx', 0x34, 'NETSMPP'],
      ['perl-esme', true, 'tx', 0x33, 'NETSMPP'],
      ['nobody', true, 'trx', 0x34, 'NETSMPP'],
      ['perl-esme', true, 'rx', 0x34, 'NETSMPP'],
    ],
  );

  // ---- submits: Perl got our ids, the hook got the exact bytes ----
  // Ids are handed out in arrival order: 1–4 on the transceiver, 5 + 5 pipelined (6–10) on the transmitter, 11 on 3.3.
  const submits = ['submit_gsm', 'submit_ucs2', 'submit_long_1', 'submit_long_2', 'submit_tx', 'submit_v33'];
  const ids = [1, 2, 3, 4, 5, 11];
  submits.forEach((name, i) => {
    const l = step(name);
    assert.equal(l.cmd, 'submit_sm_resp', name);
    assert.equal(l.status, 0, name);
    assert.equal(l.message_id, `hub-${ids[i]}`, name);
  });
  assert.equal(
    step('submit_v33').body_hex,
    Buffer.from('hub-11\0').toString('hex'),
    '3.3 submit_sm_resp: no TLV',
  );
  assert.deepEqual(
    received.map((r) => `${r.pdu.command}/${r.bindType}`),
    [...Array(4).fill('submit_sm/trx'), ...Array(7).fill('submit_sm/tx')],
  );
  assert.ok(received.every((r) => r.systemId === ACCOUNT.systemId));
  const expected: Array<[Buffer, number, number]> = [
    [GSM, 0x00, 0x00],
    [UCS2, 0x08, 0x00],
    [LONG1, 0x00, 0x40],
    [LONG2, 0x00, 0x40],
  ];
  expected.forEach(([sm, dc, esm], i) => {
    const r = received[i];
    assert.ok(r);
    assert.ok(Buffer.isBuffer(r.pdu.fields.short_message), 'short_message is a Buffer');
    assert.equal((r.pdu.fields.short_message as Buffer).toString('hex'), sm.toString('hex'), submits[i]);
    assert.equal(r.pdu.fields.data_coding, dc, submits[i]);
    assert.equal(r.pdu.fields.esm_class, esm, submits[i]);
    assert.equal(r.pdu.fields.destination_addr, '447700900001');
    assert.equal(r.pdu.fields.source_addr, '4915123456789');
    assert.equal(r.pdu.fields.dest_addr_ton, 1);
    assert.equal(step(submits[i] as string).sent_hex, sm.toString('hex'), 'Perl sent what the test expects');
  });
  assert.equal(received[0]?.pdu.fields.registered_delivery, 1);
  assert.equal(
    (received[4]?.pdu.fields.short_message as Buffer | undefined)?.toString('latin1'),
    'plain ASCII from a transmitter',
  );

  // ---- the same submits on the wire, parsed independently ----
  const wireSubmits = tap.frames.filter((f) => f.dir === 'in' && f.command === 'submit_sm');
  assert.equal(wireSubmits.length, 11);
  expected.forEach(([sm, dc, esm], i) => {
    const body = parseSm((wireSubmits[i] as Frame).raw);
    assert.deepEqual(body.shortMessage, sm);
    assert.equal(body.dataCoding, dc);
    assert.equal(body.esmClass, esm);
  });
  for (const f of tap.frames.filter((x) => x.dir === 'out' && x.command === 'submit_sm_resp')) {
    assert.equal(f.status, 0);
    const end = f.raw.indexOf(0, 16);
    assert.equal(end, f.raw.length - 1, 'submit_sm_resp to a 3.4 ESME: message_id only, no TLV');
  }

  // ---- enquire_link both ways ----
  const el = step('enquire_link');
  assert.equal(el.cmd, 'enquire_link_resp');
  assert.equal(el.status, 0);
  assert.equal(step('hub_enquire_link').body_len, 0);
  assert.equal(enquire.command, 'enquire_link_resp');
  assert.equal(enquire.status, 0);

  // ---- Hub's receipt, as Perl decoded it, and Perl's answer ----
  const dlv = step('deliver_sm');
  assert.equal(dlv.esm_class, 0x04);
  assert.equal(dlv.data_coding, 0);
  assert.equal(dlv.source_addr, '447700900001');
  assert.equal(dlv.destination_addr, '4915123456789');
  assert.equal(dlv.short_message, receiptText);
  assert.equal(
    dlv.receipted_message_id_hex,
    Buffer.from('hub-1\0').toString('hex'),
    'C-octet string TLV, NUL included',
  );
  assert.equal(dlv.message_state, 2);
  assert.equal(deliver.command, 'deliver_sm_resp');
  assert.equal(deliver.status, 0);
  assert.equal(deliver.sequence, dlv.seq);
  const wireDeliver = await tap.waitFor(
    (f) => f.dir === 'out' && f.command === 'deliver_sm',
    1000,
    'deliver_sm',
  );
  const dBody = parseSm(wireDeliver.raw);
  assert.deepEqual(
    dBody.tlvs.map(([tag, v]) => [tag, v.toString('hex')]),
    [
      [0x001e, Buffer.from('hub-1\0').toString('hex')],
      [0x0427, '02'],
    ],
  );

  // ---- unbinds: answered, then the server closes ----
  for (const name of ['unbind_trx', 'unbind_tx', 'unbind_v33']) {
    const u = step(name);
    assert.equal(u.cmd, 'unbind_resp', name);
    assert.equal(u.status, 0, name);
    assert.equal(u.closed, true, `${name}: the server closed after unbind_resp`);
  }
  // Hub-initiated unbind on the receiver session.
  assert.equal(step('bind_rx').status, 0);
  assert.ok(hubUnbind, 'Perl waited for Hub to unbind');
  await hubUnbind;
  const hu = step('hub_unbind');
  assert.equal(hu.cmd, 'unbind');
  assert.equal(hu.closed, true, 'Hub closed after unbind_resp');
  assert.deepEqual(tap.transcript(5), [
    'in:bind_receiver',
    'out:bind_receiver_resp',
    'out:unbind',
    'in:unbind_resp',
  ]);

  // Pipelined submits: each response carries its own request's sequence and a distinct id.
  const pipe = step('pipelined') as Line & {
    sent_seqs: number[];
    responses: Record<string, { cmd: string; status: number; message_id: string }>;
  };
  assert.equal(pipe.sent_seqs.length, 5);
  assert.deepEqual(Object.keys(pipe.responses).map(Number).sort(), [...pipe.sent_seqs].sort());
  const pipeIds = Object.values(pipe.responses).map((r) => {
    assert.equal(r.cmd, 'submit_sm_resp');
    assert.equal(r.status, 0);
    return r.message_id;
  });
  assert.equal(new Set(pipeIds).size, 5);

  assert.equal(lines.at(-1)?.step, 'done');
  assert.ok(!lines.some((l) => l.step === 'unexpected'), 'no unexpected PDU reached Perl');

  // ---- the full transcript of the transceiver connection ----
  assert.deepEqual(tap.transcript(1), [
    'in:bind_transceiver',
    'out:bind_transceiver_resp',
    'in:bind_transceiver',
    'out:bind_transceiver_resp',
    'in:submit_sm',
    'out:submit_sm_resp',
    'in:submit_sm',
    'out:submit_sm_resp',
    'in:submit_sm',
    'out:submit_sm_resp',
    'in:submit_sm',
    'out:submit_sm_resp',
    'in:enquire_link',
    'out:enquire_link_resp',
    'out:deliver_sm',
    'in:deliver_sm_resp',
    'out:enquire_link',
    'in:enquire_link_resp',
    'in:unbind',
    'out:unbind_resp',
  ]);
  // Every response on conn 1 echoes its request's sequence_number.
  const conn1 = tap.frames.filter((f) => f.conn === 1);
  for (const resp of conn1.filter((f) => (f.id & 0x80000000) !== 0)) {
    const req = conn1.find(
      (f) => f.id === (resp.id & 0x7fffffff) && f.dir !== resp.dir && f.sequence === resp.sequence,
    );
    assert.ok(req, `${resp.dir}:${resp.command} seq ${resp.sequence} answers a request`);
  }
  assert.deepEqual(tap.transcript(3), [
    'in:bind_transmitter',
    'out:bind_transmitter_resp',
    'in:submit_sm',
    'out:submit_sm_resp',
    'in:unbind',
    'out:unbind_resp',
  ]);
  const v33Resp = tap.frames.find((f) => f.conn === 3 && f.command === 'bind_transmitter_resp');
  assert.equal(v33Resp?.raw.length, 16 + 4, '3.3 bind_resp on the wire: header + "hub\\0"');
});
