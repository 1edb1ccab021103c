/**
 * End to end, in one process: ESMEs → Hub's SMPP gateway → router → connector worker → simulated SMSCs,
 * and receipts / MO back. Real redis-server, real sockets, the real services `hub start` runs.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type Bus,
  createBus,
  createRedisConnection,
  jobIdFor,
  Queues,
  type RedisClient,
  type RedisConnection,
} from '@hub/bus';
import { connectorStateKey, createConnectorWorkerService } from '@hub/connector-worker';
import { createSmppGatewayService } from '@hub/gateway-smpp';
import { createRouterService } from '@hub/router';
import { type RunningHub, startHub } from '@hub/runtime';
import { encodeText, SmppClient } from '@hub/smpp';
import { hashSecret, MessageStore } from '@hub/store';
import { EsmeClient, freePort, RedisServer, SmscSimulator, waitFor } from '@hub/testkit';
import { e164, hubConfig, log, moRoute, mtRoute, receiptFor } from './fixture.fixture.js';

let redis: RedisServer;
let smscA: SmscSimulator;
let smscB: SmscSimulator;
let smscT: SmscSimulator;
let hub: RunningHub;
let acme: EsmeClient;
let beta: EsmeClient;
let smppPort: number;
/** The test's own clients on the hub's Redis (message records, and the bus an operator retry uses). */
let conn: RedisConnection;
let redisClient: RedisClient;
let messages: MessageStore;
let opsBus: Bus;
const STATE_INTERVAL_MS = 200;

before(async () => {
  redis = await RedisServer.start({ appendonly: false });
  [smscA, smscB, smscT] = await Promise.all([
    SmscSimulator.start({
      systemId: 'huba',
      password: 'pa',
      accounts: [
        { systemId: 'hubsar', password: 'pa' },
        { systemId: 'hubpay', password: 'pa' },
      ],
    }),
    SmscSimulator.start({ systemId: 'hubb', password: 'pb', messageIdStyle: 'dec' }),
    // Every third submit is answered ESME_RTHROTTLED.
    SmscSimulator.start({ systemId: 'hubt', password: 'pt', throttleEvery: 3 }),
  ]);
  const downPort = await freePort(); // nothing listens here
  smppPort = await freePort();
  const hash = await hashSecret('secret');
  const config = hubConfig({
    redisUrl: redis.url,
    prefix: 'e2e',
    instance: 'e2e-inproc',
    smppPort,
    accounts: [
      { id: 'acme', password: 'secret', hash },
      { id: 'beta', password: 'secret', hash },
    ],
    connectors: [
      { id: 'a', port: smscA.port, systemId: 'huba', password: 'pa' },
      { id: 'a-sar', port: smscA.port, systemId: 'hubsar', password: 'pa', extra: { longMessages: 'sar' } },
      {
        id: 'a-pay',
        port: smscA.port,
        systemId: 'hubpay',
        password: 'pa',
        extra: { longMessages: 'payload' },
      },
      {
        id: 'b',
        port: smscB.port,
        systemId: 'hubb',
        password: 'pb',
        extra: { submitIdBase: 'dec', receiptIdBase: 'dec' },
      },
      { id: 't', port: smscT.port, systemId: 'hubt', password: 'pt' },
      { id: 'down', port: downPort, systemId: 'x', password: 'x' },
    ],
    routes: [
      mtRoute('to-a', 10, '4917', { type: 'connector', connector: 'a' }),
      mtRoute('to-sar', 20, '4916', { type: 'connector', connector: 'a-sar' }),
      mtRoute('to-pay', 30, '4914', { type: 'connector', connector: 'a-pay' }),
      mtRoute('failover', 40, '4918', { type: 'failover', connectors: ['down', 'b'] }),
      mtRoute('throttled', 50, '4919', { type: 'connector', connector: 't' }),
      mtRoute('nowhere', 60, '4915', { type: 'connector', connector: 'down' }),
      moRoute('mo-acme', 10, '7777', 'acme'),
      moRoute('mo-beta', 20, '8888', 'beta'),
    ],
    workers: { connectorStateIntervalMs: STATE_INTERVAL_MS },
  });
  hub = await startHub({
    config,
    services: [
      ['router', createRouterService],
      ['connectors', createConnectorWorkerService],
      ['smpp', createSmppGatewayService],
    ],
    log,
    shutdownTimeoutMs: 5_000,
  });
  [acme, beta] = await Promise.all([
    EsmeClient.connect({ port: smppPort, systemId: 'acme', password: 'secret' }),
    EsmeClient.connect({ port: smppPort, systemId: 'beta', password: 'secret' }),
  ]);
  await Promise.all([smscA.waitForBound(3), smscB.waitForBound(1), smscT.waitForBound(1)]);
  conn = createRedisConnection({ url: redis.url, prefix: 'e2e' });
  redisClient = conn.client();
  messages = new MessageStore({ redis: redisClient, prefix: 'e2e' });
  opsBus = createBus({ connection: conn });
});

after(async () => {
  await opsBus?.close();
  redisClient?.disconnect();
  await Promise.allSettled([acme?.close(), beta?.close()]);
  await hub?.stop();
  await Promise.allSettled([smscA?.stop(), smscB?.stop(), smscT?.stop()]);
  await redis?.stop();
});

async function submitOk(esme: EsmeClient, s: Parameters<EsmeClient['submit']>[0]): Promise<string> {
  const r = await esme.submit(s);
  assert.equal(r.status, 0, `submit accepted (status 0x${r.status.toString(16)})`);
  assert.ok(r.messageId);
  return r.messageId;
}

function submitsTo(sim: SmscSimulator, to: string) {
  return sim.submits.filter((s) => s.destinationAddr === to);
}

test('GSM, UCS-2 and dc 14 reach the SMSC byte-exact; receipts come back in the exact format with the submit ids', async () => {
  const cases = [
    {
      to: '491700000001',
      dataCoding: 0,
      text: 'Hello {world} €5 ñ',
      bytes: encodeText(0, 'Hello {world} €5 ñ'),
    },
    { to: '491700000002', dataCoding: 8, text: 'Привет, мир 👋', bytes: encodeText(8, 'Привет, мир 👋') },
    { to: '491700000003', dataCoding: 14, bytes: Buffer.from([0xb3, 0xc8, 0xb3, 0xe7]) },
  ];
  const ids: string[] = [];
  for (const c of cases) {
    ids.push(await submitOk(acme, { ...e164(c.to), dataCoding: c.dataCoding, bytes: c.bytes }));
  }
  for (const [i, c] of cases.entries()) {
    await waitFor(() => submitsTo(smscA, c.to).length > 0, { timeoutMs: 10_000, what: `submit to ${c.to}` });
    const got = submitsTo(smscA, c.to);
    assert.equal(got.length, 1);
    assert.equal(got[0]?.dataCoding, c.dataCoding);
    assert.deepEqual(got[0]?.body, Buffer.from(c.bytes), `bytes of dc ${c.dataCoding}`);
    assert.equal(got[0]?.destAddrTon, 1);
    await receiptFor(acme, ids[i] as string, 'DELIVRD');
  }
});

test('long messages: ESME UDH parts → one message → upstream split per connector (UDH, SAR, payload)', async () => {
  const text = 'The quick brown fox jumps over the lazy dog. '.repeat(5).slice(0, 200);
  const whole = encodeText(0, text);
  // (1) The ESME sends two UDH parts; Hub reassembles and connector a re-splits with 8-bit UDH.
  const udh = (seq: number) => Uint8Array.from([5, 0, 3, 0x42, 2, seq]);
  const p1 = await submitOk(acme, {
    ...e164('491700000010'),
    bytes: whole.subarray(0, 153),
    udh: udh(1),
    registeredDelivery: 0,
  });
  const p2 = await submitOk(acme, { ...e164('491700000010'), bytes: whole.subarray(153), udh: udh(2) });
  assert.equal(p1, p2, 'both parts answered with the id of the one message');
  // (2) One submit with message_payload → connector a-sar splits with SAR TLVs.
  const sarId = await submitOk(acme, { ...e164('491600000010'), bytes: whole, payload: true });
  // (3) → connector a-pay sends one submit_sm with message_payload.
  const payId = await submitOk(acme, { ...e164('491400000010'), bytes: whole, payload: true });

  await waitFor(() => submitsTo(smscA, '491700000010').length === 2, {
    timeoutMs: 10_000,
    what: 'udh segments',
  });
  const udhParts = submitsTo(smscA, '491700000010');
  assert.ok(udhParts.every((s) => (s.esmClass & 0x40) !== 0 && s.udh?.[0] === 5 && s.udh[4] === 2));
  assert.deepEqual(Buffer.concat(udhParts.map((s) => s.body)), Buffer.from(whole));

  await waitFor(() => submitsTo(smscA, '491600000010').length === 2, {
    timeoutMs: 10_000,
    what: 'sar segments',
  });
  const sarParts = submitsTo(smscA, '491600000010');
  assert.deepEqual(
    sarParts.map((s) => s.tlvs.get(0x020e)?.[0]),
    [2, 2],
    'sar_total_segments',
  );
  assert.deepEqual(
    sarParts.map((s) => s.tlvs.get(0x020f)?.[0]),
    [1, 2],
    'sar_segment_seqnum',
  );
  assert.deepEqual(Buffer.concat(sarParts.map((s) => s.body)), Buffer.from(whole));

  await waitFor(() => submitsTo(smscA, '491400000010').length === 1, {
    timeoutMs: 10_000,
    what: 'payload submit',
  });
  const pay = submitsTo(smscA, '491400000010')[0];
  assert.deepEqual(pay?.messagePayload, Buffer.from(whole));
  assert.equal(pay?.shortMessage.length, 0);

  // One receipt per message, though the SMSC sent one per segment.
  await receiptFor(acme, p1, 'DELIVRD');
  await receiptFor(acme, sarId, 'DELIVRD');
  await receiptFor(acme, payId, 'DELIVRD');
  await sleep(300);
  assert.equal(acme.receipts.filter((r) => r.id === p1).length, 1);
  assert.equal(acme.receipts.filter((r) => r.id === sarId).length, 1);
});

test('MO from the SMSC reaches the ESME its short code routes to', async () => {
  assert.equal(
    await smscA.sendMo({ from: '491701112222', to: '7777', text: 'JOIN news', systemId: 'huba' }),
    0,
  );
  assert.equal(await smscB.sendMo({ from: '491701113333', to: '8888', text: 'STOP', systemId: 'hubb' }), 0);
  await acme.waitForMos(1, 10_000);
  await beta.waitForMos(1, 10_000);
  assert.equal(acme.mos[0]?.text, 'JOIN news');
  assert.equal(acme.mos[0]?.destinationAddr, '7777');
  assert.equal(acme.mos[0]?.sourceAddr, '491701112222');
  assert.equal(beta.mos[0]?.text, 'STOP');
  assert.equal(acme.mos.length, 1, 'the other account’s MO did not go to acme');
});

test('failover: the first connector is down, the router sends straight to the second and its receipt comes back', async () => {
  // The connector workers publish "down" as not up and "b" as up; the router reads them every 200 ms.
  const published = async (id: string) => {
    const json = await redisClient.get(connectorStateKey('e2e', id));
    return json === null ? undefined : (JSON.parse(json) as { up: boolean }).up;
  };
  await waitFor(async () => (await published('down')) === false && (await published('b')) === true, {
    timeoutMs: 10_000,
    what: 'connector states published',
  });
  await sleep(STATE_INTERVAL_MS * 3); // a router refresh after the states appeared
  const id = await submitOk(acme, { ...e164('491800000001'), text: 'failover' });
  await waitFor(() => submitsTo(smscB, '491800000001').length === 1, {
    timeoutMs: 10_000,
    what: 'submit on b',
  });
  await receiptFor(acme, id, 'DELIVRD');
  const rec = await messages.get(id);
  const routed = rec?.history.filter((h) => h.hop === 'routed') ?? [];
  assert.equal(routed[0]?.connector, 'b', 'the router picked b: down was published as down');
  assert.ok(!routed.some((h) => /failover from/.test(h.detail ?? '')), 'no failover by the connector worker');
});

test('operator retry: a message the SMSC rejected is retried under a fresh job id and delivered', async () => {
  const to = '491700000777';
  smscA.behaviour.failStatus = (pdu) => (pdu.destination_addr === to ? 0x45 : undefined); // ESME_RSUBMITFAIL
  let id: string;
  try {
    id = await submitOk(acme, { ...e164(to), text: 'retry me' });
    await receiptFor(acme, id, 'REJECTD');
    assert.equal((await messages.get(id))?.state, 'rejected');
  } finally {
    smscA.behaviour.failStatus = undefined;
  }
  // What POST /v1/messages/:id/retry does (@hub/api): back to accepted (hop retry), then the record without
  // its route on the route queue under `m-<id>-r<n>` (the first job may be retained as failed).
  await messages.transition(
    id,
    'accepted',
    'retry',
    { by: 'api:ops', detail: 'operator retry 1' },
    { retry: true },
  );
  const fresh = await messages.get(id);
  assert.ok(fresh);
  const { route: _route, ...payload } = fresh;
  await opsBus.enqueue(Queues.route, payload, { jobId: `${jobIdFor(id)}-r1` });
  await waitFor(() => submitsTo(smscA, to).some((s) => s.status === 0), {
    timeoutMs: 10_000,
    what: 'the retried submit accepted at the SMSC',
  });
  await waitFor(() => acme.receipts.some((r) => r.id === id && r.text.includes('stat:DELIVRD')), {
    timeoutMs: 15_000,
    what: 'DELIVRD receipt after the retry',
  });
  const rec = await messages.get(id);
  assert.equal(rec?.state, 'delivered');
  assert.equal(rec?.attempts, 1, 'the rejected try');
  assert.equal(submitsTo(smscA, to).length, 2, 'one rejected submit, one accepted');
});

test('upstream throttling (ESME_RTHROTTLED) slows sending but loses nothing', async () => {
  const n = 30;
  const to = (i: number) => `4919${String(10_000 + i)}9`; // never ending in 0000 (the simulator's UNDELIV)
  const res = await acme.submitMany(n, (i) => ({ ...e164(to(i)), text: `t${i}` }), { collectIds: true });
  assert.equal(res.ok, n);
  await waitFor(() => smscT.acceptedCount >= n, {
    timeoutMs: 20_000,
    what: `${n} accepted at the throttling SMSC`,
  });
  assert.ok(smscT.submitCount > smscT.acceptedCount, 'some submits were throttled');
  for (let i = 0; i < n; i++)
    assert.equal(smscT.submits.filter((s) => s.destinationAddr === to(i) && s.status === 0).length, 1);
  for (const id of res.messageIds ?? []) await receiptFor(acme, id as string, 'DELIVRD');
});

test('a scheduled message cancelled with cancel_sm never reaches the SMSC', async () => {
  const c = new SmppClient({
    host: '127.0.0.1',
    port: smppPort,
    bindType: 'tx',
    systemId: 'acme',
    password: 'secret',
    reconnect: false,
  });
  c.on('failure', () => {});
  c.start();
  try {
    await c.whenBound(5_000);
    const resp = await c.submit({
      source_addr: '4930123',
      dest_addr_ton: 1,
      dest_addr_npi: 1,
      destination_addr: '491700000099',
      schedule_delivery_time: '000000000003000R', // in 3 s
      registered_delivery: 1,
      data_coding: 0,
      short_message: Buffer.from('scheduled'),
    });
    assert.equal(resp.status, 0);
    const id = String(resp.fields.message_id);
    const cancel = await c.request('cancel_sm', {
      message_id: id,
      source_addr: '4930123',
      dest_addr_ton: 1,
      dest_addr_npi: 1,
      destination_addr: '491700000099',
    });
    assert.equal(cancel.status, 0, 'cancel_sm accepted');
    await sleep(4_000);
    assert.equal(submitsTo(smscA, '491700000099').length, 0, 'never sent upstream');
  } finally {
    await c.stop();
  }
});

test('an expired message is not sent and yields an EXPIRED receipt', async () => {
  // Route "nowhere": its only connector is down, so the message waits in backoff until it expires.
  const id = await submitOk(acme, {
    ...e164('491500000001'),
    text: 'too late',
    validityPeriod: '000000000002000R',
  });
  const r = await receiptFor(acme, id, 'EXPIRED', 20_000);
  assert.equal(r.messageState, 3);
});

test('no route → REJECTD receipt', async () => {
  const id = await submitOk(acme, { ...e164('12025550100'), text: 'nowhere to go' });
  const r = await receiptFor(acme, id, 'REJECTD');
  assert.equal(r.messageState, 8);
});
