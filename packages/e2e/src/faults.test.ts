/**
 * Fault injection, counting every message (issue 9, "Faults"). Each test runs a bounded load, injects one
 * fault, ends it, waits (bounded) and checks accepted = delivered + failed-with-reason with zero lost.
 * Duplicates are counted at the upstream (SMSC, VASP, peer MMSC) and at the ESME, printed as one
 * `[faults]` line per test, and held to the bound the test's comment explains. docs/reliability.md holds
 * the durability model and the latest counts.
 *
 * Run: `node scripts/test.mjs packages/e2e/src/faults.test.ts` (HUB_E2E_LOG=warn to see Hub's logs).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { HubConfig as HubConfigSchema } from '@hub/config';
import { createConnectorWorkerService } from '@hub/connector-worker';
import { createMm7GatewayService } from '@hub/gateway-mm7';
import { createSmppGatewayService } from '@hub/gateway-smpp';
import {
  type DecodedMm7Request,
  decodeMm7Request,
  encodeDeliveryReportRsp,
  encodeSubmitReq,
  mm7NamespaceFor,
} from '@hub/mm7';
import { createRouterService } from '@hub/router';
import { type RunningHub, startHub } from '@hub/runtime';
import { hashSecret } from '@hub/store';
import { EsmeClient, freePort, RedisServer, SmscSimulator, SmtpPeer, waitFor } from '@hub/testkit';
import {
  describeTally,
  explainMessages,
  type HubChild,
  killChild,
  mm7ServiceWithDeliveryTimeout,
  pacedSubmits,
  type SubmitOutcome,
  startHubChild,
  statusCounts,
  tallySmpp,
  writeConfig,
} from './faults.fixture.js';
import { e164, hubConfig, log } from './fixture.fixture.js';

/** Short locks: a killed process's jobs (and jobs stalled by a Redis outage) come back within ~4 s. */
const WORKERS = { lockDurationMs: 3_000, stalledIntervalMs: 1_000, connectorStateIntervalMs: 200 };
/**
 * Longer than a command client's retry budget (`commandRetries`, ~3 s): submits during the outage get a
 * non-zero status instead of waiting for Redis.
 */
const REDIS_DOWN_MS = 4_000;
/** The SMSC re-sends a receipt the hub answered with an error (a real SMSC retries for hours). */
const SMSC_RECEIPT_RETRY = { receiptMaxAttempts: 100, receiptRetryDelayMs: 200 };

let passwordHash: string;
before(async () => {
  passwordHash = await hashSecret('secret');
});

/** The ids (→ text) of the submits answered status 0. */
function acceptedIds(outcomes: readonly SubmitOutcome[], text: (i: number) => string): Map<string, string> {
  const m = new Map<string, string>();
  for (const o of outcomes) if (o.status === 0 && o.messageId !== undefined) m.set(o.messageId, text(o.i));
  return m;
}

/** True when `id` has a DELIVRD receipt among `receipts`. */
function isDelivered(receipts: readonly { id: string | undefined; text: string }[], id: string): boolean {
  return receipts.some((r) => r.id === id && r.text.includes('stat:DELIVRD'));
}

/** Waits (bounded) until every accepted id has a receipt in `receipts()`; never throws (the tally says). */
async function awaitReceipts(
  ids: Iterable<string>,
  receipts: () => readonly { id: string | undefined }[],
  timeoutMs: number,
): Promise<void> {
  const want = [...ids];
  await waitFor(
    () => {
      const got = new Set(receipts().map((r) => r.id));
      return want.every((id) => got.has(id));
    },
    { timeoutMs, intervalMs: 100, what: 'receipts' },
  ).catch(() => undefined);
}

test('Redis SIGKILL and restart under load: every submit answered, every accepted message delivered and receipted', async () => {
  const redis = await RedisServer.start({ appendonly: true });
  const smsc = await SmscSimulator.start({
    systemId: 'hubr',
    password: 'pr',
    responseDelayMs: 5,
    ...SMSC_RECEIPT_RETRY,
  });
  const smppPort = await freePort();
  let hub: RunningHub | undefined;
  let esme: EsmeClient | undefined;
  try {
    hub = await startHub({
      config: hubConfig({
        redisUrl: redis.url,
        prefix: 'fr',
        instance: 'faults-redis',
        smppPort,
        accounts: [{ id: 'acme', password: 'secret', hash: passwordHash }],
        connectors: [{ id: 'c', port: smsc.port, systemId: 'hubr', password: 'pr' }],
        routes: [{ id: 'all', order: 0, table: 'mt', action: { type: 'connector', connector: 'c' } }],
        workers: WORKERS,
      }),
      services: [
        ['router', createRouterService],
        ['connectors', createConnectorWorkerService],
        ['smpp', createSmppGatewayService],
      ],
      log,
      shutdownTimeoutMs: 5_000,
    });
    esme = await EsmeClient.connect({
      port: smppPort,
      systemId: 'acme',
      password: 'secret',
      window: 20,
      responseTimeoutMs: 20_000,
    });
    await smsc.waitForBound(1);
    const N = 400;
    const text = (i: number) => `redis ${i}`;
    const c = esme;
    // ~100 msg/s for 4 s; Redis is down for REDIS_DOWN_MS of it.
    const load = pacedSubmits(
      () => c,
      N,
      (i) => ({ ...e164(`4917${String(200_000 + i)}1`), text: text(i) }),
      {
        perTick: 5,
        tickMs: 50,
      },
    );
    await smsc.waitForSubmits(60, 10_000, { accepted: true });
    await redis.kill();
    const killedAt = Date.now();
    await sleep(REDIS_DOWN_MS);
    await redis.restart();
    const downMs = Date.now() - killedAt;
    const outcomes = await load;
    const counts = statusCounts(outcomes);
    // Never a hang: every submit got a submit_sm_resp (OK, or a non-zero status while Redis was down).
    assert.equal(counts.timeout, undefined, `no submit left unanswered: ${JSON.stringify(counts)}`);
    assert.equal(counts.closed, undefined, `the session stayed up: ${JSON.stringify(counts)}`);
    const accepted = acceptedIds(outcomes, text);
    assert.ok(accepted.size > 0 && accepted.size <= N);
    await awaitReceipts(accepted.keys(), () => c.receipts, 45_000);
    const t = tallySmpp({
      accepted,
      texts: new Set(Array.from({ length: N }, (_, i) => text(i))),
      receipts: c.receipts,
      smsc,
    });
    const slowest = Math.max(...outcomes.map((o) => o.ms));
    console.log(
      describeTally(
        'redis-kill',
        t,
        `submit answers ${JSON.stringify(counts)}, slowest answer ${slowest} ms, Redis down ${downMs} ms`,
      ),
    );
    const notDelivered = [...accepted.keys()].filter(
      (id) => t.lost.includes(id) || !isDelivered(c.receipts, id),
    );
    if (notDelivered.length > 0) console.log(await explainMessages(redis.url, 'fr', notDelivered));
    assert.deepEqual(t.lost, [], 'no accepted message lost');
    assert.equal(t.accepted, t.delivered + t.failed);
    // A Redis outage is no reason to fail a message: every one is delivered once Redis is back.
    assert.equal(t.delivered, t.accepted, `delivered: ${JSON.stringify(t.reasons)}`);
    // Duplicates come only from submits the SMSC accepted whose `submitted` transition could not be written
    // while Redis was down (then retried): at most the connector window (10) per stalled/failed batch.
    assert.ok(t.smscDuplicates <= 30, `SMSC duplicates ${t.smscDuplicates}`);
    assert.ok(t.esmeDuplicates <= 30, `ESME duplicates ${t.esmeDuplicates}`);
  } finally {
    await esme?.close();
    await hub?.stop();
    await smsc.stop();
    await redis.stop();
  }
});

test('SIGKILL of the SMPP gateway under load: the ESME rebinds, every acknowledged message is delivered, held receipts reach the new session', async () => {
  const redis = await RedisServer.start({ appendonly: true });
  const smsc = await SmscSimulator.start({ systemId: 'hubg', password: 'pg', responseDelayMs: 5 });
  const smppPort = await freePort();
  const base = {
    redisUrl: redis.url,
    prefix: 'fg',
    smppPort,
    accounts: [{ id: 'acme', password: 'secret', hash: passwordHash }],
    connectors: [{ id: 'c', port: smsc.port, systemId: 'hubg', password: 'pg' }],
    routes: [{ id: 'all', order: 0, table: 'mt', action: { type: 'connector', connector: 'c' } }],
    workers: WORKERS,
  };
  const configFile = writeConfig(hubConfig({ ...base, instance: 'faults-gw' }), 'gw');
  let hub: RunningHub | undefined;
  let child: HubChild | undefined;
  const esmes: EsmeClient[] = [];
  const connect = async (): Promise<EsmeClient> =>
    await waitFor(
      () =>
        EsmeClient.connect({
          port: smppPort,
          systemId: 'acme',
          password: 'secret',
          window: 20,
          responseTimeoutMs: 10_000,
          connectTimeoutMs: 1_000,
        }),
      { timeoutMs: 20_000, intervalMs: 100, what: 'an ESME bind to the gateway' },
    );
  try {
    hub = await startHub({
      config: hubConfig({ ...base, instance: 'faults-rc' }),
      services: [
        ['router', createRouterService],
        ['connectors', createConnectorWorkerService],
      ],
      log,
      shutdownTimeoutMs: 5_000,
    });
    child = startHubChild(['smpp'], configFile, redis.url);
    await waitFor(() => child?.out().includes('Hub is running'), {
      timeoutMs: 30_000,
      what: 'gateway banner',
    });
    esmes.push(await connect());
    await smsc.waitForBound(1);
    const N = 300;
    const text = (i: number) => `gw ${i}`;
    const load = pacedSubmits(
      () => esmes.at(-1),
      N,
      (i) => ({ ...e164(`4917${String(300_000 + i)}1`), text: text(i) }),
      { perTick: 5, tickMs: 50 },
    );
    await smsc.waitForSubmits(80, 10_000, { accepted: true });
    await killChild(child);
    const receiptsBeforeRestart = esmes[0]?.receipts.length ?? 0;
    child = startHubChild(['smpp'], configFile, redis.url);
    await waitFor(() => child?.out().includes('Hub is running'), {
      timeoutMs: 30_000,
      what: 'gateway restart',
    });
    esmes.push(await connect());
    const outcomes = await load;
    const counts = statusCounts(outcomes);
    assert.equal(
      counts.timeout,
      undefined,
      `no submit left unanswered on a live session: ${JSON.stringify(counts)}`,
    );
    const accepted = acceptedIds(outcomes, text);
    const all = () => esmes.flatMap((e) => e.receipts);
    await awaitReceipts(accepted.keys(), all, 45_000);
    const t = tallySmpp({
      accepted,
      texts: new Set(Array.from({ length: N }, (_, i) => text(i))),
      receipts: all(),
      smsc,
    });
    const toNew = esmes[1]?.receipts.filter((r) => r.id !== undefined && accepted.has(r.id)).length ?? 0;
    console.log(
      describeTally(
        'smpp-gateway-kill',
        t,
        `submit answers ${JSON.stringify(counts)} ('closed' = in flight or sent while the gateway was down); ` +
          `receipts on the first session ${receiptsBeforeRestart}, on the new session ${toNew}`,
      ),
    );
    assert.deepEqual(t.lost, [], 'no acknowledged message lost');
    assert.equal(t.accepted, t.delivered + t.failed);
    assert.ok(toNew > 0, 'receipts held for the account went to the new session');
    // The gateway is not upstream of the SMSC: its crash cannot make a submit_sm go out twice.
    assert.equal(t.smscDuplicates, 0, 'no duplicate at the SMSC');
    // A receipt written to the old session just before the kill, whose deliver_sm_resp the gateway never
    // recorded, is sent again to the new session: at most the gateway's per-session window (50).
    assert.ok(t.esmeDuplicates <= 50, `ESME duplicates ${t.esmeDuplicates}`);
  } finally {
    await Promise.allSettled(esmes.map((e) => e.close()));
    await killChild(child);
    await hub?.stop();
    await smsc.stop();
    await redis.stop();
  }
});

describe('upstream SMSC faults', () => {
  const WINDOW = 10;
  const RESPONSE_TIMEOUT_MS = 600;
  let redis: RedisServer;
  let smsc: SmscSimulator;
  let hub: RunningHub;
  let esme: EsmeClient;

  before(async () => {
    redis = await RedisServer.start({ appendonly: false });
    smsc = await SmscSimulator.start({ systemId: 'hubu', password: 'pu' });
    const smppPort = await freePort();
    hub = await startHub({
      config: hubConfig({
        redisUrl: redis.url,
        prefix: 'fu',
        instance: 'faults-up',
        smppPort,
        accounts: [{ id: 'acme', password: 'secret', hash: passwordHash }],
        connectors: [
          {
            id: 'c',
            port: smsc.port,
            systemId: 'hubu',
            password: 'pu',
            extra: {
              windowSize: WINDOW,
              responseTimeoutMs: RESPONSE_TIMEOUT_MS,
              retries: {
                throttled: { attempts: 100, delayMs: 100, maxDelayMs: 500 },
                temporary: { attempts: 20, delayMs: 200, maxDelayMs: 1_000 },
                permanent: { attempts: 1, delayMs: 0, maxDelayMs: 0 },
              },
            },
          },
        ],
        routes: [{ id: 'all', order: 0, table: 'mt', action: { type: 'connector', connector: 'c' } }],
        workers: WORKERS,
      }),
      services: [
        ['router', createRouterService],
        ['connectors', createConnectorWorkerService],
        ['smpp', createSmppGatewayService],
      ],
      log,
      shutdownTimeoutMs: 5_000,
    });
    esme = await EsmeClient.connect({ port: smppPort, systemId: 'acme', password: 'secret', window: 20 });
    await smsc.waitForBound(1);
  });

  after(async () => {
    await esme?.close();
    await hub?.stop();
    await smsc?.stop();
    await redis?.stop();
  });

  /** Runs `n` paced submits tagged `tag`, calls `fault` once `faultAfter` of them were accepted upstream. */
  async function run(
    tag: string,
    n: number,
    faultAfter: number,
    fault: () => Promise<void>,
    noReceiptExpected: () => string | undefined = () => undefined,
  ) {
    const text = (i: number) => `${tag} ${i}`;
    const texts = new Set(Array.from({ length: n }, (_, i) => text(i)));
    const accepted0 = smsc.submits.filter(
      (s) => s.status === 0 && texts.has(s.body.toString('latin1')),
    ).length;
    const load = pacedSubmits(
      () => esme,
      n,
      (i) => ({ ...e164(`4916${String(100_000 + i)}1`), text: text(i) }),
      {
        perTick: 5,
        tickMs: 50,
      },
    );
    await waitFor(
      () =>
        smsc.submits.filter((s) => s.status === 0 && texts.has(s.body.toString('latin1'))).length >=
        accepted0 + faultAfter,
      { timeoutMs: 10_000, what: `${faultAfter} ${tag} submits upstream` },
    );
    await fault();
    const outcomes = await load;
    assert.deepEqual(statusCounts(outcomes), { '0x0': n }, 'the ESME side never sees an upstream fault');
    const accepted = acceptedIds(outcomes, text);
    const skip = noReceiptExpected();
    await awaitReceipts(
      [...accepted].filter(([, txt]) => txt !== skip).map(([id]) => id),
      () => esme.receipts,
      30_000,
    );
    const t = tallySmpp({ accepted, texts, receipts: esme.receipts, smsc });
    if (t.lost.length > 0) console.log(await explainMessages(redis.url, 'fu', t.lost));
    return { t, accepted };
  }

  test('SMSC drops the connection twice mid-run (one submit unanswered, one answered then dropped)', async () => {
    const drops0 = smsc.drops;
    let answeredThenDropped = -1;
    const { t, accepted } = await run(
      'drop',
      150,
      20,
      async () => {
        smsc.dropAfter(5);
        await waitFor(() => smsc.drops > drops0, { timeoutMs: 10_000, what: 'first drop' });
        await smsc.waitForBound(1, 10_000);
        // The 20th submit from here is accepted and answered, then the connection goes: the simulator sends
        // no receipt for it (as an SMSC that loses its receipt), so Hub must hold it as submitted.
        answeredThenDropped = smsc.submits.length + 19;
        smsc.dropAfter(20, { answerLast: true });
        await waitFor(() => smsc.drops > drops0 + 1, { timeoutMs: 10_000, what: 'second drop' });
      },
      () => smsc.submits[answeredThenDropped]?.body.toString('latin1'),
    );
    const withheld = smsc.submits[answeredThenDropped];
    assert.ok(
      withheld !== undefined && withheld.status === 0,
      'the answered-then-dropped submit was accepted',
    );
    const withheldText = withheld.body.toString('latin1');
    // Accounted: its submit_sm_resp reached Hub (state `submitted`, waiting for a receipt that never comes).
    const waiting = t.lost.filter((id) => accepted.get(id) === withheldText);
    if (waiting.length === 1) {
      const rec = await explainMessages(redis.url, 'fu', waiting);
      assert.match(rec, /: submitted,/, `held as submitted: ${rec}`);
    }
    const others = t.lost.filter((id) => !waiting.includes(id));
    console.log(
      describeTally(
        'smsc-disconnect',
        { ...t, lost: others },
        `${smsc.drops - drops0} drops; + ${waiting.length} accepted by the SMSC whose receipt it withheld (held as submitted)`,
      ),
    );
    assert.deepEqual(others, [], 'every other message receipted');
    assert.equal(t.accepted, t.delivered + t.failed + waiting.length);
    // In flight at each drop: at most the window's submits the SMSC had accepted whose answers were lost.
    assert.ok(t.smscDuplicates <= 2 * WINDOW, `SMSC duplicates ${t.smscDuplicates}`);
    assert.equal(t.esmeDuplicates, 0, 'one receipt per message at the ESME');
  });

  test('SMSC throttles everything for 1.5 s (ESME_RTHROTTLED), then accepts again', async () => {
    let throttledFrom = 0;
    const { t } = await run('thr', 150, 20, async () => {
      throttledFrom = smsc.submitCount - smsc.acceptedCount;
      smsc.behaviour.throttle = true;
      await sleep(1_500);
      smsc.behaviour.throttle = false;
    });
    const refused = smsc.submitCount - smsc.acceptedCount - throttledFrom;
    console.log(describeTally('smsc-throttle', t, `${refused} submits answered ESME_RTHROTTLED`));
    assert.ok(refused > 0, 'the SMSC did throttle');
    assert.deepEqual(t.lost, []);
    assert.equal(t.accepted, t.delivered + t.failed);
    // A throttled submit was not accepted, so resending it is no duplicate.
    assert.equal(t.smscDuplicates, 0);
    assert.equal(t.esmeDuplicates, 0);
  });

  test(`SMSC answers slower than the connector's ${RESPONSE_TIMEOUT_MS} ms response timeout for 1.5 s`, async () => {
    let slowFrom = 0;
    let slowTo = 0;
    const { t } = await run('slow', 150, 20, async () => {
      slowFrom = Date.now();
      smsc.behaviour.responseDelayMs = RESPONSE_TIMEOUT_MS + 400;
      await sleep(1_500);
      smsc.behaviour.responseDelayMs = 0;
      slowTo = Date.now();
    });
    // Submits the SMSC accepted while slow: each may have timed out at the connector and been sent again.
    const slowAccepted = smsc.submits.filter(
      (s) =>
        s.status === 0 &&
        s.receivedAt >= slowFrom &&
        s.receivedAt <= slowTo &&
        s.body.toString('latin1').startsWith('slow '),
    ).length;
    console.log(describeTally('smsc-slow', t, `${slowAccepted} submits accepted while answering late`));
    assert.deepEqual(t.lost, []);
    assert.equal(t.accepted, t.delivered + t.failed);
    // Every duplicate is a submit the SMSC accepted but answered after the timeout (at-least-once).
    assert.ok(t.smscDuplicates <= slowAccepted, `SMSC duplicates ${t.smscDuplicates} ≤ ${slowAccepted}`);
    // The receipt of a timed-out copy carries an SMSC id Hub never recorded: it cannot reach the ESME.
    assert.equal(t.esmeDuplicates, 0);
  });
});

// ---- MM7 and MM4 ----------------------------------------------------------------------------------------

const NS = mm7NamespaceFor('REL-6-MM7-1-4');

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const a = server.address();
  return typeof a === 'object' && a !== null ? a.port : 0;
}

/** Posts one text-only MM7 SubmitReq as `vasp1` and returns the MessageID of a 1000 SubmitRsp. */
async function submitMm7(url: string, i: number, tag: string): Promise<string | undefined> {
  const e = encodeSubmitReq(
    { transactionId: `${tag}-${i}`, namespace: NS, version: '6.8.0' },
    {
      senderIdentification: { vaspId: 'VASP1', senderAddress: { kind: 'ShortCode', value: '12345' } },
      recipients: { to: [{ kind: 'Number', value: `+4917640${String(10_000 + i)}` }], cc: [], bcc: [] },
      deliveryReport: true,
      subject: `${tag} ${i}`,
    },
    [{ contentType: 'text/plain; charset=utf-8', body: `${tag} ${i}` }],
  );
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': e.contentType,
      authorization: `Basic ${Buffer.from('vasp1:secret').toString('base64')}`,
    },
    body: e.body,
    signal: AbortSignal.timeout(10_000),
  });
  const d = decodeMm7Request(
    res.headers.get('content-type') ?? undefined,
    Buffer.from(await res.arrayBuffer()),
  );
  return d.message.type === 'SubmitRsp' && d.message.status.code === 1000 ? d.message.messageId : undefined;
}

/** `n` SubmitReqs, `concurrency` at a time; the ids of the accepted ones (others: undefined). */
async function submitMm7Many(
  url: string,
  n: number,
  tag: string,
  concurrency = 10,
): Promise<(string | undefined)[]> {
  const ids = new Array<string | undefined>(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        const i = next++;
        ids[i] = await submitMm7(url, i, tag).catch(() => undefined);
      }
    }),
  );
  return ids;
}

async function mmsHubConfig(o: {
  redisUrl: string;
  prefix: string;
  mm7Port: number;
  dataDir: string;
  deliveryUrl?: string;
  connectors: Record<string, unknown>[];
  routeTo: string;
}) {
  return HubConfigSchema.parse({
    instance: `faults-${o.prefix}`,
    dataDir: o.dataDir,
    workers: WORKERS,
    redis: { url: o.redisUrl, prefix: o.prefix },
    listeners: {
      smpp: { enabled: false, port: 0 },
      mm7: { host: '127.0.0.1', port: o.mm7Port, path: '/mm7' },
      mm4: { enabled: false, port: 0 },
      api: { enabled: false, port: 0 },
      metrics: { enabled: false, port: 0 },
    },
    accounts: [
      {
        id: 'vasp1',
        mm7: {
          vaspId: 'VASP1',
          username: 'vasp1',
          passwordHash: await hashSecret('secret', { N: 1024, r: 8, p: 1 }),
          ...(o.deliveryUrl === undefined ? {} : { deliveryUrl: o.deliveryUrl }),
        },
      },
    ],
    connectors: o.connectors,
    routes: [
      {
        id: 'vasp-out',
        order: 10,
        table: 'mt',
        filters: [
          { type: 'kind', kind: 'mms' },
          { type: 'account', accounts: ['vasp1'] },
        ],
        action: { type: 'connector', connector: o.routeTo },
      },
    ],
  });
}

test('MM7: the VASP answers 500, then times out, then recovers: every DeliveryReportReq arrives', async () => {
  const DELIVERY_TIMEOUT_MS = 800;
  const redis = await RedisServer.start({ appendonly: false });
  const smsc = await SmscSimulator.start({ systemId: 'hubm', password: 'pm' });
  let mode: 'fail500' | 'hang' | 'ok' = 'fail500';
  /** DeliveryReportReqs by MessageID and by the VASP's answer. */
  const seen = new Map<string, { fail500: number; hang: number; ok: number; mmStatus: string[] }>();
  const hung = new Set<ServerResponse>();
  const vasp = createServer((req, res) => {
    void readBody(req).then((body) => {
      const d: DecodedMm7Request = decodeMm7Request(req.headers['content-type'], body);
      const m = d.message;
      if (m.type !== 'DeliveryReportReq') {
        res.writeHead(400).end();
        return;
      }
      const s = seen.get(m.messageId) ?? { fail500: 0, hang: 0, ok: 0, mmStatus: [] };
      seen.set(m.messageId, s);
      s[mode]++;
      if (mode === 'fail500') {
        res.writeHead(500, { 'content-type': 'text/html' }).end('<html>busy</html>');
      } else if (mode === 'hang') {
        hung.add(res); // never answered: Hub's POST times out
        res.on('close', () => hung.delete(res));
      } else {
        s.mmStatus.push(m.mmStatus);
        const rsp = encodeDeliveryReportRsp({
          transactionId: d.envelope.transactionId,
          namespace: d.envelope.namespace,
          version: d.envelope.version,
        });
        res.writeHead(200, { 'content-type': rsp.contentType }).end(rsp.body);
      }
    });
  });
  const vaspPort = await listen(vasp);
  const mm7Port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'hub-faults-mm7-'));
  let hub: RunningHub | undefined;
  try {
    hub = await startHub({
      config: await mmsHubConfig({
        redisUrl: redis.url,
        prefix: 'fm7',
        mm7Port,
        dataDir,
        deliveryUrl: `http://127.0.0.1:${vaspPort}/vasp`,
        connectors: [
          {
            id: 'sms',
            kind: 'smpp',
            host: '127.0.0.1',
            port: smsc.port,
            systemId: 'hubm',
            password: 'pm',
            reconnectDelayMs: 100,
          },
        ],
        routeTo: 'sms',
      }),
      services: [
        ['router', createRouterService],
        ['connectors', createConnectorWorkerService],
        ['mm7', mm7ServiceWithDeliveryTimeout(DELIVERY_TIMEOUT_MS)],
      ],
      log,
      shutdownTimeoutMs: 5_000,
    });
    await smsc.waitForBound(1);
    const N = 100;
    const ids = await submitMm7Many(`http://127.0.0.1:${mm7Port}/mm7`, N, 'mm7');
    const accepted = ids.filter((x): x is string => x !== undefined);
    assert.equal(accepted.length, N, 'every SubmitReq answered 1000');
    // 500 until every report was refused at least once, then 2 s of no answer, then normal service.
    await waitFor(() => accepted.every((id) => (seen.get(id)?.fail500 ?? 0) > 0), {
      timeoutMs: 20_000,
      what: 'every report refused with 500 once',
    });
    mode = 'hang';
    await sleep(2_000);
    mode = 'ok';
    await waitFor(() => accepted.every((id) => (seen.get(id)?.ok ?? 0) > 0), {
      timeoutMs: 30_000,
      intervalMs: 100,
      what: 'every DeliveryReportReq acknowledged',
    }).catch(() => undefined);
    let delivered = 0;
    let failed = 0;
    let okDuplicates = 0;
    let hangs = 0;
    let refusals = 0;
    const lost: string[] = [];
    const reasons: Record<string, number> = {};
    for (const id of accepted) {
      const s = seen.get(id);
      if (s === undefined || s.ok === 0) {
        lost.push(id);
        continue;
      }
      if (s.mmStatus[0] === 'Retrieved') delivered++;
      else {
        failed++;
        const why = `MMStatus ${s.mmStatus[0]}`;
        reasons[why] = (reasons[why] ?? 0) + 1;
      }
      okDuplicates += s.ok - 1;
      hangs += s.hang;
      refusals += s.fail500;
    }
    console.log(
      `[faults] mm7-vasp-outage: accepted ${accepted.length} = reported delivered ${delivered} + failed ${failed} ${JSON.stringify(reasons)} + lost ${lost.length}; ` +
        `VASP saw ${refusals} POSTs answered 500, ${hangs} left unanswered (timed out after ${DELIVERY_TIMEOUT_MS} ms), ` +
        `duplicates among acknowledged reports ${okDuplicates}; SMSC duplicates ${smsc.acceptedCount - N}`,
    );
    assert.deepEqual(lost, [], 'every DeliveryReportReq reached the VASP');
    assert.equal(accepted.length, delivered + failed);
    // The SMSC simulator answers UNDELIV for destinations ending in 0000 (message 0): that is the only failure.
    assert.equal(failed, 1);
    // An acknowledged report is never sent again; the VASP does see a report twice when it processed a POST
    // it never answered (the `hang` count): Hub cannot tell that from a POST that never arrived.
    assert.equal(okDuplicates, 0);
    assert.equal(smsc.acceptedCount, N, 'one SMS per MM7 SubmitReq');
  } finally {
    for (const r of hung) r.destroy();
    vasp.closeAllConnections();
    await new Promise((r) => vasp.close(r));
    await hub?.stop();
    await smsc.stop();
    await redis.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('MM4: the peer MMSC answers 451 for 1.5 s, then accepts: every MM4_forward.REQ arrives', async () => {
  const redis = await RedisServer.start({ appendonly: false });
  const peer = new SmtpPeer();
  const peerPort = await peer.listen();
  const BUSY = 10_000;
  for (let i = 0; i < BUSY; i++) peer.replies.push([451, '4.3.0 busy, try later']);
  const mm7Port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'hub-faults-mm4-'));
  let hub: RunningHub | undefined;
  try {
    hub = await startHub({
      config: await mmsHubConfig({
        redisUrl: redis.url,
        prefix: 'fm4',
        mm7Port,
        dataDir,
        connectors: [
          {
            id: 'peer',
            kind: 'mm4',
            host: '127.0.0.1',
            port: peerPort,
            domain: 'mms.peer.example',
            originatorSystem: 'system-user@mms.hub.example',
            // No .RES comes from this peer; a long wait keeps .RES timeouts (and their resends) out of the run.
            resTimeoutMs: 600_000,
            retries: {
              throttled: { attempts: 50, delayMs: 100, maxDelayMs: 1_000 },
              temporary: { attempts: 20, delayMs: 200, maxDelayMs: 1_000 },
              permanent: { attempts: 1, delayMs: 0, maxDelayMs: 0 },
            },
          },
        ],
        routeTo: 'peer',
      }),
      services: [
        ['router', createRouterService],
        ['connectors', createConnectorWorkerService],
        ['mm7', createMm7GatewayService],
      ],
      log,
      shutdownTimeoutMs: 5_000,
    });
    const N = 60;
    const ids = await submitMm7Many(`http://127.0.0.1:${mm7Port}/mm7`, N, 'mm4');
    assert.equal(ids.filter((x) => x !== undefined).length, N, 'every SubmitReq answered 1000');
    await waitFor(() => peer.replies.length < BUSY, { timeoutMs: 15_000, what: 'the first 451' });
    await sleep(1_500);
    const refused = BUSY - peer.replies.length;
    peer.replies.length = 0;
    const subjects = () => {
      const m = new Map<string, number>();
      for (const mail of peer.mails) {
        const s = /^Subject: (.*)$/im.exec(mail.mail.toString('latin1'))?.[1]?.trim() ?? '';
        m.set(s, (m.get(s) ?? 0) + 1);
      }
      return m;
    };
    await waitFor(() => Array.from({ length: N }, (_, i) => `mm4 ${i}`).every((s) => subjects().has(s)), {
      timeoutMs: 30_000,
      intervalMs: 100,
      what: 'every forward at the peer',
    }).catch(() => undefined);
    const got = subjects();
    const lost = Array.from({ length: N }, (_, i) => `mm4 ${i}`).filter((s) => !got.has(s));
    const duplicates = [...got.values()].reduce((n, c) => n + c - 1, 0);
    console.log(
      `[faults] mm4-peer-4xx: accepted ${N} = forwarded ${N - lost.length} + failed 0 + lost ${lost.length}; ` +
        `${refused} DATA answered 451 before the peer recovered; duplicates at the peer ${duplicates}`,
    );
    assert.ok(refused > 0, 'the peer did refuse');
    assert.deepEqual(lost, [], 'every forward reached the peer');
    // A 451 means the peer did not take the mail: resending it is no duplicate.
    assert.equal(duplicates, 0);
  } finally {
    await hub?.stop();
    await peer.close();
    await redis.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
