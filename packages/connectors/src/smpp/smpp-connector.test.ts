import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { isHubError } from '@hub/errors';
import { buildUdh, concatElement, encodeGsm7, encodeUcs2, SmppStatus } from '@hub/smpp';
import { freePort, SmscSimulator, waitFor } from '@hub/testkit';
import { smppConfig, sms } from '../testing.fixture.js';
import type { ConnectorDeps, ConnectorEvent, UpstreamMo, UpstreamReport } from '../types.js';
import { SmppConnector } from './smpp-connector.js';

const sims: SmscSimulator[] = [];
const connectors: SmppConnector[] = [];
after(async () => {
  await Promise.all(connectors.map((c) => c.stop()));
  await Promise.all(sims.map((s) => s.stop()));
});

async function setup(
  config: Record<string, unknown> = {},
  deps: ConnectorDeps = {},
  simOpts: Partial<Parameters<typeof SmscSimulator.start>[0]> = {},
): Promise<{ sim: SmscSimulator; conn: SmppConnector; events: ConnectorEvent[] }> {
  const sim = await SmscSimulator.start({ systemId: 'hub', password: 'secret', ...simOpts });
  sims.push(sim);
  const events: ConnectorEvent[] = [];
  const conn = new SmppConnector(
    smppConfig({
      port: sim.port,
      reconnectDelayMs: 50,
      reconnectMaxDelayMs: 200,
      responseTimeoutMs: 2000,
      ...config,
    }),
    {
      startWaitMs: 3000,
      onEvent: async (ev) => {
        events.push(ev);
      },
      ...deps,
    },
  );
  connectors.push(conn);
  await conn.start();
  assert.equal(conn.state().up, true);
  return { sim, conn, events };
}

test('short GSM, UCS-2 and dc 14 bytes arrive byte-exact at the SMSC', async () => {
  const { sim, conn } = await setup();
  const r1 = await conn.send(sms({ text: 'Hello @£{}' }));
  await conn.send(sms({ text: 'Grüße 😀', dataCoding: 8, bytes: encodeUcs2('Grüße 😀') }));
  await conn.send(sms({ text: '한글A', dataCoding: 14, bytes: Buffer.from('c7d1b1db41', 'hex') }));
  assert.equal(sim.submits.length, 3);
  const [a, b, c] = sim.submits;
  assert.equal(a!.dataCoding, 0);
  assert.equal(a!.shortMessage.toString('hex'), encodeGsm7('Hello @£{}').toString('hex'));
  assert.equal(a!.sourceAddr, '4915100000001');
  assert.deepEqual([a!.destAddrTon, a!.destAddrNpi, a!.destinationAddr], [1, 1, '4915112345678']);
  assert.equal(b!.dataCoding, 8);
  assert.equal(b!.shortMessage.toString('hex'), encodeUcs2('Grüße 😀').toString('hex'));
  assert.equal(c!.dataCoding, 14);
  assert.equal(c!.shortMessage.toString('hex'), 'c7d1b1db41');
  assert.deepEqual(r1.upstreamIds, [a!.messageId]);
  assert.equal(r1.segments, 1);
});

test('long messages: udh8 and udh16 headers, SAR TLVs, message_payload — checked at the SMSC', async () => {
  const text = 'L'.repeat(300);
  const udh8 = await setup({ longMessages: 'udh8' });
  const r = await udh8.conn.send(sms({ text }));
  assert.equal(r.segments, 2);
  assert.equal(r.upstreamIds.length, 2);
  const ref = udh8.sim.submits[0]!.udh![3]!;
  udh8.sim.submits.forEach((s, i) => {
    assert.equal(s.esmClass & 0x40, 0x40);
    assert.equal(s.udh!.toString('hex'), `050003${ref.toString(16).padStart(2, '0')}020${i + 1}`);
  });
  assert.equal(Buffer.concat(udh8.sim.submits.map((s) => s.body)).toString('latin1'), text);

  const udh16 = await setup({ longMessages: 'udh16' });
  await udh16.conn.send(sms({ text }));
  assert.deepEqual(
    udh16.sim.submits.map((s) => s.udh!.subarray(0, 3).toString('hex')),
    ['060804', '060804'],
  );
  assert.deepEqual(
    udh16.sim.submits.map((s) => s.body.length),
    [152, 148],
  );

  const sar = await setup({ longMessages: 'sar' });
  await sar.conn.send(sms({ text }));
  assert.equal(sar.sim.submits.length, 2);
  const refs = new Set<string>();
  sar.sim.submits.forEach((s, i) => {
    assert.equal(s.udh, undefined);
    refs.add(s.tlvs.get(0x020c)!.toString('hex'));
    assert.equal(s.tlvs.get(0x020e)!.toString('hex'), '02');
    assert.equal(s.tlvs.get(0x020f)!.toString('hex'), `0${i + 1}`);
  });
  assert.equal(refs.size, 1);

  const payload = await setup({ longMessages: 'payload' });
  const p = await payload.conn.send(sms({ text }));
  assert.equal(p.segments, 1);
  assert.equal(payload.sim.submits[0]!.shortMessage.length, 0);
  assert.equal(payload.sim.submits[0]!.messagePayload!.toString('latin1'), text);
});

test('receipts become report events with the right state; hex submit ids meet decimal receipt ids', async () => {
  const { sim, conn, events } = await setup(
    { submitIdBase: 'hex', receiptIdBase: 'dec' },
    {},
    { messageIdStyle: 'hex', receiptIdStyle: 'dec' },
  );
  const ok = await conn.send(sms({ options: { receipt: 'final' } }));
  const ko = await conn.send(sms({ to: '+4915112340000', options: { receipt: 'failure' } }));
  const none = await conn.send(sms({ options: { receipt: 'none' } }));
  await waitFor(() => events.length >= 2, { timeoutMs: 5000, what: 'two reports' });
  const reports = events
    .filter((e): e is { type: 'report'; report: UpstreamReport } => e.type === 'report')
    .map((e) => e.report);
  const byId = new Map(reports.map((r) => [r.upstreamId, r]));
  assert.equal(byId.get(ok.upstreamIds[0]!)?.state, 'delivered');
  assert.equal(byId.get(ko.upstreamIds[0]!)?.state, 'undeliverable');
  assert.equal(byId.get(ko.upstreamIds[0]!)?.error, '001');
  assert.equal(byId.has(none.upstreamIds[0]!), false);
  // The SMSC wrote the id in hex in submit_sm_resp and in decimal in the receipt: normalised, they match.
  const hexId = sim.submits[0]!.messageId!;
  assert.match(hexId, /^[0-9A-F]{10}$/);
  assert.equal(byId.get(ok.upstreamIds[0]!)!.raw.id, BigInt(`0x${hexId}`).toString(10));
});

test('MO single and concatenated (UDH and SAR) → one mo event each, acked per part', async () => {
  const { sim, events } = await setup();
  assert.equal(await sim.sendMo({ from: '4915112345678', to: '12345', text: 'hello hub' }), 0);
  const text = 'Привет, Hub! '.repeat(12);
  const bytes = encodeUcs2(text);
  const cut = [bytes.subarray(0, 134), bytes.subarray(134, 268), bytes.subarray(268)];
  for (const seq of [1, 3, 2]) {
    const st = await sim.sendMo({
      from: '4915112345678',
      to: '12345',
      dataCoding: 8,
      bytes: cut[seq - 1]!,
      udh: buildUdh([concatElement({ reference: 77, total: 3, seq })]),
    });
    assert.equal(st, 0);
  }
  for (const seq of [2, 1]) {
    await sim.sendMo({
      from: '4915112345679',
      to: '12345',
      text: seq === 1 ? 'first half, ' : 'second half',
      extra: { sar_msg_ref_num: 513, sar_total_segments: 2, sar_segment_seqnum: seq },
    });
  }
  await waitFor(() => events.length >= 3, { timeoutMs: 5000, what: 'three MOs' });
  const mos = events.filter((e): e is { type: 'mo'; mo: UpstreamMo } => e.type === 'mo').map((e) => e.mo);
  assert.equal(mos.length, 3);
  const texts = mos.map((m) => (m.message.content.type === 'sms' ? m.message.content.text : undefined));
  assert.deepEqual(texts, ['hello hub', text, 'first half, second half']);
  assert.equal(mos[1]!.message.content.type === 'sms' && mos[1]!.message.content.segments, 3);
  assert.deepEqual(mos[0]!.message.from, {
    kind: 'e164',
    value: '+4915112345678',
    original: '4915112345678',
    ton: 1,
    npi: 1,
  });
  assert.equal(mos[0]!.message.direction, 'mo');
});

test('deliver_sm_resp is withheld until onEvent resolves; a rejection answers ESME_RX_T_APPN', async () => {
  let release: (() => void) | undefined;
  let fail = false;
  const seen: ConnectorEvent[] = [];
  const { sim, conn } = await setup(
    {},
    {
      onEvent: (ev) => {
        seen.push(ev);
        if (fail) return Promise.reject(new Error('store down'));
        return new Promise<void>((resolve) => {
          release = resolve;
        });
      },
    },
  );
  await conn.send(sms({ options: { receipt: 'final' } }));
  await waitFor(() => seen.length === 1, { timeoutMs: 5000, what: 'the report event' });
  assert.equal(sim.receiptsSent, 1);
  assert.equal(sim.receiptsAcked, 0, 'not acked while the event is unresolved');
  release!();
  await sim.waitForReceiptsAcked(1, 5000);
  fail = true;
  assert.equal(
    await sim.sendMo({ from: '4915112345678', to: '12345', text: 'x' }),
    SmppStatus.ESME_RX_T_APPN,
  );
});

test('ESME_RTHROTTLED → throttled error and the rate backs off; congestion_state ≥ 80 backs off too', async () => {
  const { sim, conn } = await setup({ messagesPerSecond: 100 });
  sim.behaviour.throttle = true;
  await assert.rejects(
    conn.send(sms()),
    (e) =>
      isHubError(e, 'HUB_ERR_CONNECTOR_THROTTLED') &&
      e.recovery === 'throttled' &&
      e.details?.upstreamStatus === 0x58,
  );
  assert.ok((conn.state().rate.current ?? 0) < 100);
  assert.equal(conn.state().rate.configured, 100);

  const c = await setup({ messagesPerSecond: 40 }, {}, { congestionState: 90 });
  await c.conn.send(sms());
  assert.equal(c.conn.state().congestion, 90);
  assert.ok((c.conn.state().rate.current ?? 0) <= 20);
});

test('permanent upstream refusal → permanent error with the status', async () => {
  const { conn } = await setup(
    {},
    {},
    { failStatus: (p) => (p.destination_addr === '4915100000333' ? SmppStatus.ESME_RINVDSTADR : undefined) },
  );
  await assert.rejects(
    conn.send(sms({ to: '+4915100000333' })),
    (e) => isHubError(e, 'HUB_ERR_CONNECTOR_REJECTED') && e.recovery === 'permanent',
  );
});

test('connection drop: the in-flight send fails temporary, the connector reconnects and sends again', async () => {
  const { sim, conn } = await setup();
  sim.dropAfter(1); // destroy the connection without answering the next submit
  await assert.rejects(conn.send(sms()), (e) => isHubError(e) && e.recovery === 'temporary');
  await waitFor(() => conn.state().up, { timeoutMs: 5000, what: 'reconnect' });
  const r = await conn.send(sms({ text: 'after' }));
  assert.equal(r.upstreamIds.length, 1);
  assert.ok(sim.binds.length >= 2);
});

test('state() up/down for failover: down while the SMSC is gone (send fails temporary), up after it returns', async () => {
  const port = await freePort();
  const sim = await SmscSimulator.start({ systemId: 'hub', password: 'secret', port });
  const conn = new SmppConnector(
    smppConfig({ port, reconnectDelayMs: 50, reconnectMaxDelayMs: 100, binds: 2 }),
    { startWaitMs: 3000 },
  );
  connectors.push(conn);
  await conn.start();
  await waitFor(() => conn.state().sessions.bound === 2, { timeoutMs: 5000, what: 'two binds' });
  assert.deepEqual(conn.state().sessions, { configured: 2, bound: 2 });
  await sim.stop();
  await waitFor(() => !conn.state().up, { timeoutMs: 5000, what: 'down' });
  await assert.rejects(
    conn.send(sms()),
    (e) => isHubError(e, 'HUB_ERR_CONNECTOR_DOWN') && e.recovery === 'temporary',
  );
  const back = await SmscSimulator.start({ systemId: 'hub', password: 'secret', port });
  sims.push(back);
  await waitFor(() => conn.state().up, { timeoutMs: 5000, what: 'up again' });
  await conn.send(sms());
  // `up` needs one session; the other may still be in its reconnect backoff (under load, for a while).
  await waitFor(() => conn.state().sessions.bound === 2, { timeoutMs: 5000, what: 'two binds again' });
  // Round-robin: sends alternate between the two sessions, whose sequence numbers count separately.
  for (let i = 0; i < 4; i++) await conn.send(sms());
  const seqs = back.submits.map((s) => s.sequenceNumber);
  assert.ok(new Set(seqs).size < seqs.length, `sequence numbers ${seqs.join(',')} come from two sessions`);
});

test('transmitter + receiver binds; stop() unbinds and later sends fail temporary', async () => {
  const { sim, conn, events } = await setup({ bindType: 'transmitter' });
  await waitFor(() => sim.boundCount('hub', 'rx') === 1 && sim.boundCount('hub', 'tx') === 1, {
    timeoutMs: 5000,
    what: 'tx + rx',
  });
  await conn.send(sms({ options: { receipt: 'final' } }));
  await waitFor(() => events.length === 1, { timeoutMs: 5000, what: 'receipt on the receiver' });
  await conn.stop();
  assert.equal(conn.state().up, false);
  await assert.rejects(
    conn.send(sms()),
    (e) => isHubError(e, 'HUB_ERR_CONNECTOR_STOPPED') && e.recovery === 'temporary',
  );
  await waitFor(() => sim.boundCount() === 0, { timeoutMs: 5000, what: 'unbound' });
});
