import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { CommandId, normalizeUpstreamId, SmppStatus } from '@hub/smpp';
import { waitFor } from '../wait.js';
import { SmppSimError } from './errors.js';
import { EsmeClient, type EsmeClientOptions } from './esme.js';
import { buildFrame, rawSocket } from './raw-socket.js';
import { NOT_ANSWERED, SmscSimulator, type SmscSimulatorOptions } from './smsc.js';
import { TEST_TLS_CERT, TEST_TLS_KEY } from './tls.fixture.js';

const RECEIPT_RE =
  /^id:(\S+) sub:001 dlvrd:00([01]) submit date:\d{10} done date:\d{10} stat:(DELIVRD|UNDELIV) err:(\d{3}) text:(.{0,20})$/;

// Every simulator and client made here is closed at the end, even when a test fails midway.
const cleanups: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

async function smsc(opts: Partial<SmscSimulatorOptions> = {}): Promise<SmscSimulator> {
  const sim = await SmscSimulator.start({ systemId: 'hub', password: 'secret', ...opts });
  cleanups.push(() => sim.stop());
  return sim;
}

async function esme(sim: SmscSimulator, opts: Partial<EsmeClientOptions> = {}): Promise<EsmeClient> {
  const c = await EsmeClient.connect({ port: sim.port, systemId: 'hub', password: 'secret', ...opts });
  cleanups.push(() => c.close());
  return c;
}

describe('bind', () => {
  it('binds a transceiver and reports the SMSC system_id and sc_interface_version', async () => {
    const sim = await smsc();
    const c = await esme(sim);
    assert.equal(c.peerSystemId, 'SMSCSIM');
    assert.equal(c.scInterfaceVersion, 0x34);
    assert.deepEqual(sim.binds, [{ systemId: 'hub', bindType: 'trx', interfaceVersion: 0x34, status: 0 }]);
    assert.equal(sim.boundCount('hub', 'trx'), 1);
    assert.equal(await c.enquireLink(), 0);
    assert.equal(await c.unbind(), 0);
    assert.equal(c.closed, true);
    await waitFor(() => sim.boundCount() === 0, { timeoutMs: 5_000, what: 'unbound' });
  });

  it('binds and submits over TLS with the certificate verified', async () => {
    const sim = await smsc({ tls: { key: TEST_TLS_KEY, cert: TEST_TLS_CERT } });
    const c = await esme(sim, { tls: { ca: TEST_TLS_CERT, rejectUnauthorized: true } });
    const r = await c.submit({ to: '1', text: 'over tls' });
    assert.equal(r.status, 0);
    await c.waitForReceipts(1, 5_000);
    assert.equal(c.receipts[0]?.id, r.messageId);
  });

  it('refuses a wrong password with ESME_RINVPASWD and an unknown system_id with ESME_RINVSYSID', async () => {
    const sim = await smsc();
    await assert.rejects(
      EsmeClient.connect({ port: sim.port, systemId: 'hub', password: 'nope' }),
      (e: unknown) =>
        e instanceof SmppSimError && e.kind === 'bind-failed' && e.status === SmppStatus.ESME_RINVPASWD,
    );
    await assert.rejects(
      EsmeClient.connect({ port: sim.port, systemId: 'who', password: 'secret', bindType: 'tx' }),
      (e: unknown) =>
        e instanceof SmppSimError && e.kind === 'bind-failed' && e.status === SmppStatus.ESME_RINVSYSID,
    );
    assert.equal(sim.boundCount(), 0);
  });
});

describe('submit and receipts', () => {
  it('answers with a hex id and sends the receipt right away, text exact and TLVs present', async () => {
    const sim = await smsc();
    const c = await esme(sim);
    const r = await c.submit({ from: 'HUB', to: '447700900001', text: 'Hello world' });
    assert.equal(r.status, 0);
    assert.match(r.messageId ?? '', /^[0-9A-F]{10}$/);
    await c.waitForReceipts(1, 5_000);
    const rc = c.receipts[0];
    assert.ok(rc);
    const m = RECEIPT_RE.exec(rc.text);
    assert.ok(m, rc.text);
    assert.equal(m[1], r.messageId);
    assert.equal(m[2], '1');
    assert.equal(m[3], 'DELIVRD');
    assert.equal(m[4], '000');
    assert.equal(m[5], 'Hello world');
    assert.equal(rc.esmClass, 0x04);
    assert.equal(rc.receiptedMessageId, r.messageId);
    assert.equal(rc.messageState, 2);
    assert.equal(rc.id, r.messageId);
    assert.equal(rc.parsed?.stat, 'DELIVRD');
    assert.equal(rc.sourceAddr, '447700900001');
    assert.equal(rc.destinationAddr, 'HUB');
    await sim.waitForReceiptsAcked(1, 5_000);
    const sub = sim.submits[0];
    assert.ok(sub);
    assert.equal(sub.messageId, r.messageId);
    assert.equal(sub.destinationAddr, '447700900001');
    assert.equal(sub.registeredDelivery, 1);
    assert.deepEqual(sub.shortMessage, Buffer.from('Hello world', 'latin1'));
  });

  it('delays receipts, reports UNDELIV for *0000, and skips them when not requested', async () => {
    const sim = await smsc({ receiptDelayMs: 150 });
    const c = await esme(sim);
    const ok = await c.submit({ to: '111', text: 'a' });
    const bad = await c.submit({ to: '4477000000', text: 'b' });
    const none = await c.submit({ to: '222', text: 'c', registeredDelivery: 0 });
    assert.deepEqual([ok.status, bad.status, none.status], [0, 0, 0]);
    await c.waitForReceipts(2, 5_000);
    const byId = new Map(c.receipts.map((x) => [x.id, x]));
    assert.equal(byId.get(ok.messageId)?.parsed?.stat, 'DELIVRD');
    const undeliv = byId.get(bad.messageId);
    assert.equal(undeliv?.parsed?.stat, 'UNDELIV');
    assert.equal(undeliv?.parsed?.err, '001');
    assert.equal(undeliv?.messageState, 5);
    await sim.waitForReceiptsAcked(2, 5_000);
    assert.equal(sim.receiptsSent, 2);
  });

  it('routes receipts to a receiver bind of the same system_id, holding them until it binds', async () => {
    const sim = await smsc({ accounts: [{ systemId: 'other', password: 'pw' }] });
    const tx = await esme(sim, { bindType: 'tx' });
    const otherRx = await esme(sim, { bindType: 'rx', systemId: 'other', password: 'pw' });
    const r = await tx.submit({ to: '123', text: 'x' });
    assert.equal(r.status, 0);
    await sim.waitForBound(2);
    assert.equal(sim.receiptsQueued, 1);
    const rx = await esme(sim, { bindType: 'rx' });
    await rx.waitForReceipts(1, 5_000);
    assert.equal(rx.receipts[0]?.id, r.messageId);
    assert.equal(otherRx.receiptCount, 0);
    assert.equal(tx.receiptCount, 0);
  });

  it('can leave the TLVs out and write the receipt id in decimal', async () => {
    const sim = await smsc({ receiptedMessageIdTlv: false, messageStateTlv: false, receiptIdStyle: 'dec' });
    const c = await esme(sim);
    const r = await c.submit({ to: '1', text: 'x' });
    await c.waitForReceipts(1, 5_000);
    const rc = c.receipts[0];
    assert.ok(rc && r.messageId !== undefined);
    assert.equal(rc.receiptedMessageId, undefined);
    assert.equal(rc.messageState, undefined);
    assert.equal(rc.tlvs.size, 0);
    assert.match(rc.id ?? '', /^\d+$/);
    assert.equal(normalizeUpstreamId(rc.id ?? '', 'dec'), normalizeUpstreamId(r.messageId, 'hex'));
    assert.equal(rc.state, 2); // from the text
  });

  it('hands out decimal and uuid-ish ids', async () => {
    const dec = await smsc({ messageIdStyle: 'dec', firstMessageId: 913121205 });
    const c1 = await esme(dec);
    assert.equal((await c1.submit({ to: '1', text: 'x', registeredDelivery: 0 })).messageId, '913121205');
    const uuid = await smsc({ messageIdStyle: 'uuid-ish' });
    const c2 = await esme(uuid);
    const id = (await c2.submit({ to: '1', text: 'x' })).messageId ?? '';
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/);
    await c2.waitForReceipts(1, 5_000);
    assert.equal(c2.receipts[0]?.id, id);
  });

  it('re-sends a receipt answered with an error, up to receiptMaxAttempts', async () => {
    const sim = await smsc({ receiptMaxAttempts: 3, receiptRetryDelayMs: 10 });
    const c = await esme(sim, { deliverSmRespStatus: SmppStatus.ESME_RX_T_APPN });
    await c.submit({ to: '1', text: 'x' });
    await c.waitForReceipts(1, 5_000);
    c.deliverSmRespStatus = 0;
    await sim.waitForReceiptsAcked(1, 5_000);
    assert.equal(sim.receiptsNacked >= 1, true);
    assert.equal(c.receipts[0]?.respStatus, SmppStatus.ESME_RX_T_APPN);
    assert.equal(c.receipts.at(-1)?.respStatus, 0);
    assert.equal(new Set(c.receipts.map((x) => x.id)).size, 1);
  });
});

describe('misbehaviour', () => {
  it('throttles every Nth submit and while the flag is on, and fails by destination', async () => {
    const sim = await smsc({
      throttleEvery: 2,
      failStatus: (pdu) => (pdu.destination_addr === '333' ? SmppStatus.ESME_RSUBMITFAIL : undefined),
    });
    const c = await esme(sim);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await c.submit({ to: '1', text: `m${i}` })).status);
    assert.deepEqual(statuses, [0, SmppStatus.ESME_RTHROTTLED, 0, SmppStatus.ESME_RTHROTTLED]);
    const fail = await c.submit({ to: '333', text: 'x' });
    assert.equal(fail.status, SmppStatus.ESME_RSUBMITFAIL);
    assert.equal(fail.messageId, undefined);
    sim.behaviour.throttleEvery = 0;
    sim.behaviour.throttle = true;
    assert.equal((await c.submit({ to: '1', text: 'x' })).status, SmppStatus.ESME_RTHROTTLED);
    sim.behaviour.throttle = false;
    assert.equal((await c.submit({ to: '1', text: 'x' })).status, 0);
    assert.deepEqual(
      sim.submits.map((s) => s.status),
      [0, 0x58, 0, 0x58, 0x45, 0x58, 0],
    );
    await c.waitForReceipts(3, 5_000); // only the accepted ones
    await sim.waitForReceiptsAcked(3, 5_000);
    assert.equal(sim.receiptsSent, 3);
  });

  it('adds congestion_state to responses', async () => {
    const sim = await smsc({ congestionState: 85 });
    const c = await esme(sim);
    const r = await c.submit({ to: '1', text: 'x', registeredDelivery: 0 });
    assert.equal(r.congestionState, 85);
  });

  it('drops the connection after n submits and the client sees it', async () => {
    const sim = await smsc();
    const c = await esme(sim);
    sim.dropAfter(2);
    assert.equal((await c.submit({ to: '1', text: 'a', registeredDelivery: 0 })).status, 0);
    await assert.rejects(
      c.submit({ to: '1', text: 'b', registeredDelivery: 0 }),
      (e: unknown) => e instanceof SmppSimError && e.kind === 'closed',
    );
    await c.waitForClose(5_000);
    assert.equal(sim.drops, 1);
    assert.equal(sim.submitCount, 2);
    assert.deepEqual(
      sim.submits.map((s) => s.status),
      [0, NOT_ANSWERED],
    );
    // The fault is one-shot: a new connection works.
    const c2 = await esme(sim);
    assert.equal((await c2.submit({ to: '1', text: 'c', registeredDelivery: 0 })).status, 0);
  });

  it('times a submit out when the SMSC is too slow', async () => {
    const sim = await smsc({ responseDelayMs: 5_000 });
    const c = await esme(sim, { responseTimeoutMs: 100 });
    await assert.rejects(
      c.submit({ to: '1', text: 'x' }),
      (e: unknown) => e instanceof SmppSimError && e.kind === 'timeout',
    );
    assert.equal(c.outstanding, 0);
  });
});

describe('MO', () => {
  it('delivers an MO and resolves with the deliver_sm_resp status', async () => {
    const sim = await smsc();
    const c = await esme(sim, { bindType: 'rx' });
    assert.equal(await sim.sendMo({ from: '447700900123', to: '5555', text: 'Hi {there}' }), 0);
    const ucs2 = Buffer.from('00480069d83dde00', 'hex'); // "Hi😀" in UTF-16BE
    c.deliverSmRespStatus = (_pdu, kind) => (kind === 'mo' ? SmppStatus.ESME_RX_P_APPN : 0);
    assert.equal(
      await sim.sendMo({ from: '1', to: '2', bytes: ucs2, dataCoding: 8 }),
      SmppStatus.ESME_RX_P_APPN,
    );
    await c.waitForMos(2, 5_000);
    const [a, b] = c.mos;
    assert.equal(a?.text, 'Hi {there}');
    assert.equal(a?.sourceAddr, '447700900123');
    assert.equal(a?.esmClass, 0);
    assert.deepEqual(b?.body, ucs2);
    assert.equal(b?.text, 'Hi😀');
    assert.equal(b?.dataCoding, 8);
    assert.equal(c.receiptCount, 0);
  });

  it('refuses an MO when no receiver is bound', async () => {
    const sim = await smsc();
    await esme(sim, { bindType: 'tx' });
    await assert.rejects(
      sim.sendMo({ from: '1', to: '2', text: 'x' }),
      (e: unknown) => e instanceof SmppSimError && e.kind === 'no-receiver',
    );
  });
});

describe('byte exactness', () => {
  it('records UCS-2, dc 14, UDH and message_payload octets as sent', async () => {
    const sim = await smsc();
    const c = await esme(sim, { window: 4 });
    const ucs2 = Buffer.from('d55cad6d00200041', 'hex'); // "한국 A" UTF-16BE
    const ksc = Buffer.from('c7d1b1b920', 'hex'); // "한국 " in KS C 5601 (EUC-KR)
    const udh = Buffer.from('050003a70201', 'hex');
    const long = Buffer.alloc(400, 0x41);
    const results = await Promise.all([
      c.submit({ to: '1', bytes: ucs2, dataCoding: 8 }),
      c.submit({ to: '2', bytes: ksc, dataCoding: 14 }),
      c.submit({ to: '3', bytes: Buffer.from('part one'), dataCoding: 0, udh }),
      c.submit({ to: '4', bytes: long, dataCoding: 4, payload: true }),
      c.submit({ to: '5', bytes: Buffer.from('data'), dataCoding: 3, command: 'data_sm' }),
    ]);
    assert.deepEqual(
      results.map((r) => r.status),
      [0, 0, 0, 0, 0],
    );
    const byDest = new Map(sim.submits.map((s) => [s.destinationAddr, s]));
    assert.deepEqual(byDest.get('1')?.shortMessage, ucs2);
    assert.equal(byDest.get('1')?.dataCoding, 8);
    assert.deepEqual(byDest.get('2')?.shortMessage, ksc);
    assert.equal(byDest.get('2')?.dataCoding, 14);
    const withUdh = byDest.get('3');
    assert.equal(withUdh?.esmClass, 0x40);
    assert.deepEqual(withUdh?.udh, udh);
    assert.deepEqual(withUdh?.body, Buffer.from('part one'));
    assert.deepEqual(withUdh?.shortMessage, Buffer.concat([udh, Buffer.from('part one')]));
    const payload = byDest.get('4');
    assert.equal(payload?.shortMessage.length, 0);
    assert.deepEqual(payload?.messagePayload, long);
    assert.deepEqual(payload?.tlvs.get(0x0424), long);
    const dataSm = byDest.get('5');
    assert.equal(dataSm?.command, 'data_sm');
    assert.deepEqual(dataSm?.body, Buffer.from('data'));
    assert.match(results[4]?.messageId ?? '', /^[0-9A-F]{10}$/);
  });
});

describe('window', () => {
  it('never has more than `window` submits unanswered', async () => {
    let maxUnanswered = 0;
    let client: EsmeClient | undefined;
    const sim = await smsc({
      responseDelayMs: 2,
      failStatus: () => {
        // Received by the SMSC minus answered at the client bounds what the client has outstanding.
        maxUnanswered = Math.max(maxUnanswered, sim.submitCount - (client?.responseCount ?? 0));
        return undefined;
      },
    });
    client = await esme(sim, { window: 3 });
    const c = client;
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => c.submit({ to: '1', text: `w${i}`, registeredDelivery: 0 })),
    );
    assert.equal(results.filter((r) => r.status === 0).length, 20);
    assert.equal(maxUnanswered <= 3, true, `max unanswered ${maxUnanswered}`);
    assert.equal(maxUnanswered >= 1, true);
    assert.equal(c.outstanding, 0);
  });
});

describe('load', () => {
  it('submitMany keeps a window and counts outcomes without records', async () => {
    const sim = await smsc({ record: false, throttleEvery: 100 });
    const c = await esme(sim, { record: false });
    const res = await c.submitMany(2_000, (i) => ({ to: `44${i}`, text: 'load test' }), {
      window: 50,
      collectIds: true,
    });
    assert.equal(res.sent, 2_000);
    assert.equal(res.ok, 1_980);
    assert.equal(res.byStatus.get(SmppStatus.ESME_RTHROTTLED), 20);
    assert.equal(res.messageIds?.filter((x) => x !== undefined).length, 1_980);
    assert.equal(sim.submits.length, 0);
    assert.equal(sim.submitCount, 2_000);
    await c.waitForReceipts(1_980, 10_000);
    assert.equal(c.receipts.length, 0);
  });
});

describe('raw socket', () => {
  it('gets generic_nack for an unknown command, RINVBNDSTS before bind, and RINVCMDLEN then close for a bad length', async () => {
    const sim = await smsc();
    const s = await rawSocket(sim.port);
    cleanups.push(async () => s.close());
    s.send(buildFrame({ commandId: 0x0000_0999, sequenceNumber: 7 }));
    s.send(buildFrame({ commandId: CommandId.enquire_link, sequenceNumber: 8 }));
    s.sendHex(
      // submit_sm before bind: empty service_type, ton/npi, "1", ton/npi, "2", 8 zero octets, sm_length 0
      buildFrame({
        commandId: CommandId.submit_sm,
        sequenceNumber: 9,
        body: '00 0101 3100 0101 3200 00000000000000000000',
      }).toString('hex'),
    );
    const first = await s.readPdus(3, 5_000);
    assert.deepEqual(
      first.map((p) => [p.command, p.commandStatus, p.sequenceNumber]),
      [
        ['generic_nack', SmppStatus.ESME_RINVCMDID, 7],
        ['enquire_link_resp', 0, 8],
        ['submit_sm_resp', SmppStatus.ESME_RINVBNDSTS, 9],
      ],
    );
    s.sendHex('ffffffff 00000004 00000000 0000000a');
    const all = await s.readPdus(4, 5_000);
    assert.equal(all[3]?.command, 'generic_nack');
    assert.equal(all[3]?.commandStatus, SmppStatus.ESME_RINVCMDLEN);
    await s.waitForClose(5_000);
    assert.equal(sim.framingErrors, 1);
  });
});
