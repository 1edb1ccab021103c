/**
 * SIGKILL of the router + connectors process mid-run loses no message.
 *
 * The SMPP gateway runs in this process (the ESME stays bound); `hub start router connectors` runs as a
 * child process (node + tsx on the sources, like `hub` in development) against an external redis-server
 * with appendonly. N messages are submitted; the child is SIGKILLed while they flow, restarted, and every
 * accepted message must reach the SMSC and every receipt the ESME.
 *
 * Duplicates at the SMSC are allowed (at-least-once): a submit the SMSC accepted just before the kill,
 * whose `submitted` transition did not reach Redis, is sent again after recovery. They are counted and
 * printed, and bounded by what can be in flight at the kill (the connector window).
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createRedisConnection } from '@hub/bus';
import { createSmppGatewayService } from '@hub/gateway-smpp';
import { type RunningHub, startHub } from '@hub/runtime';
import { hashSecret, MessageStore } from '@hub/store';
import { EsmeClient, freePort, RedisServer, SmscSimulator, waitFor } from '@hub/testkit';
import { e164, hubConfig, log } from './fixture.fixture.js';

const MAIN = new URL('../../../apps/hub/src/main.ts', import.meta.url).pathname;
const N = 300;
const WINDOW = 10;

let redis: RedisServer;
let smsc: SmscSimulator;
let gateway: RunningHub;
let esme: EsmeClient;
let configFile: string;
function diag() {
  return createRedisConnection({ url: redis.url }).client();
}
let child: { proc: ChildProcess; out: () => string; exited: Promise<number | null> } | undefined;

function startChild(): NonNullable<typeof child> {
  const proc = spawn(
    process.execPath,
    [
      '--conditions=@hub/source',
      '--import',
      'tsx',
      MAIN,
      'start',
      'router',
      'connectors',
      '--config',
      configFile,
    ],
    {
      env: { ...process.env, HUB_LOG_LEVEL: process.env.HUB_E2E_LOG ?? 'error', HUB_REDIS_URL: redis.url },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  proc.stderr?.on('data', (d: Buffer) => {
    if (process.env.HUB_E2E_LOG !== undefined) process.stderr.write(d);
  });
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  return { proc, out: () => out, exited };
}

before(async () => {
  redis = await RedisServer.start({ appendonly: true });
  // A slow SMSC keeps messages flowing long enough to kill the child mid-run.
  smsc = await SmscSimulator.start({ systemId: 'hubc', password: 'pc', responseDelayMs: 20 });
  const smppPort = await freePort();
  const hash = await hashSecret('secret');
  const base = {
    redisUrl: redis.url,
    prefix: 'crash',
    smppPort,
    accounts: [{ id: 'acme', password: 'secret', hash }],
    connectors: [
      { id: 'c', port: smsc.port, systemId: 'hubc', password: 'pc', extra: { windowSize: WINDOW } },
    ],
    routes: [{ id: 'default', order: 0, table: 'mt', action: { type: 'connector', connector: 'c' } }],
    // A short lock: the killed process's route and connector jobs are taken over within a few seconds
    // (lock expiry + one stalled check) instead of the 30 s default.
    workers: { lockDurationMs: 3_000, stalledIntervalMs: 1_000 },
  };
  const dir = mkdtempSync(join(tmpdir(), 'hub-crash-'));
  configFile = join(dir, 'hub.json');
  writeFileSync(configFile, JSON.stringify(hubConfig(base)));
  gateway = await startHub({
    config: hubConfig({ ...base, instance: 'crash-gw' }),
    services: [['smpp', createSmppGatewayService]],
    log,
  });
  esme = await EsmeClient.connect({ port: smppPort, systemId: 'acme', password: 'secret', window: WINDOW });
});

after(async () => {
  if (child !== undefined && child.proc.exitCode === null) {
    child.proc.kill('SIGKILL');
    await child.exited;
  }
  await esme?.close();
  await gateway?.stop();
  await smsc?.stop();
  await redis?.stop();
});

test(`SIGKILL of router + connectors mid-run, then a restart: all ${N} messages reach the SMSC and every receipt the ESME`, async () => {
  child = startChild();
  await waitFor(() => child?.out().includes('Hub is running'), {
    timeoutMs: 30_000,
    what: 'child start banner',
  });
  await smsc.waitForBound(1, 10_000);

  const text = (i: number) => `crash ${i}`;
  const run = esme.submitMany(N, (i) => ({ ...e164(`4917${String(100_000 + i)}1`), text: text(i) }), {
    collectIds: true,
  });
  // Kill once a part of the messages went upstream, while the rest are queued or in flight.
  await smsc.waitForSubmits(Math.floor(N / 5), 20_000);
  child.proc.kill('SIGKILL');
  assert.equal(await child.exited, null, 'killed by the signal');
  const atKill = smsc.acceptedCount;
  const submitted = await run;
  assert.equal(submitted.ok, N, 'the gateway (still up) accepted every submit');
  assert.ok(atKill < N, `killed mid-run (${atKill} of ${N} upstream)`);

  child = startChild();
  await waitFor(() => child?.out().includes('Hub is running'), {
    timeoutMs: 30_000,
    what: 'child restart banner',
  });

  const ids = new Set(submitted.messageIds as string[]);
  assert.equal(ids.size, N);
  // Bounded: stalled route and connector jobs come back after the 3 s lock plus one 1 s stalled check.
  try {
    await waitFor(
      () => {
        const got = new Set(esme.receipts.map((r) => r.id));
        return [...ids].every((id) => got.has(id));
      },
      { timeoutMs: 60_000, intervalMs: 100, what: `receipts for all ${N} messages` },
    );
  } catch (err) {
    // Say where each missing message is, so a failure explains itself.
    const got = new Set(esme.receipts.map((r) => r.id));
    const missing = [...ids].filter((id) => !got.has(id));
    const store = new MessageStore({ redis: diag(), prefix: 'crash' });
    const where = await Promise.all(
      missing.slice(0, 5).map(async (id) => {
        const m = await store.get(id.toUpperCase().padStart(16, '0'));
        return `${id}: ${m?.state ?? 'no record'} ${JSON.stringify(m?.history.map((h) => `${h.hop}/${h.state ?? ''}/${h.outcome ?? ''}`))}`;
      }),
    );
    throw new Error(`${missing.length} of ${N} receipts missing; first: ${where.join(' | ')}`, {
      cause: err,
    });
  }
  const perText = new Map<string, number>();
  for (const s of smsc.submits)
    if (s.status === 0)
      perText.set(s.body.toString('latin1'), (perText.get(s.body.toString('latin1')) ?? 0) + 1);
  for (let i = 0; i < N; i++) assert.ok((perText.get(text(i)) ?? 0) >= 1, `message ${i} reached the SMSC`);
  const smscDuplicates = [...perText.values()].reduce((n, c) => n + c - 1, 0);
  const esmeDuplicates = esme.receipts.length - new Set(esme.receipts.map((r) => r.id)).size;
  // Only messages the killed process had taken can be sent twice: it takes at most its concurrency for the
  // connector (3 × window × binds, connector-worker.ts) at a time, and any of them may have been answered
  // by the SMSC without `submitted` recorded yet (a starved event loop widens that gap; quiet runs: the
  // window in flight, 10).
  assert.ok(smscDuplicates <= WINDOW * 3, `duplicates at the SMSC: ${smscDuplicates}`);
  console.log(
    `crash test: ${N} accepted, ${atKill} upstream at the kill, ${smsc.acceptedCount} submits accepted by the SMSC ` +
      `(${smscDuplicates} duplicates: sent before the kill, not yet recorded as submitted), ` +
      `${esme.receipts.length} receipts at the ESME (${esmeDuplicates} duplicates)`,
  );
});
