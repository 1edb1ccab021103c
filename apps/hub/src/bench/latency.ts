import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createRedisConnection } from '@hub/bus';
import { hashSecret } from '@hub/store';
import { freePort, RedisServer } from '@hub/testkit';
import { type SmscChild, startSmscChild } from './e2e.js';
import { type HubChild, startHubChild } from './hub-process.js';
import { LeanEsme } from './lean-esme.js';
import { percentiles, procStats, type Row, selfStats } from './measure.js';

/** Options of {@link smppLatency} (`pnpm bench smpp-latency --rate R --sessions S`). */
export interface LatencyBenchOptions {
  /** Offered submit_sm per second, on a clock (open loop). */
  readonly rate: number;
  /** Client binds (transceivers); the sends go round-robin over them. */
  readonly sessions: number;
  /** Seconds measured, after {@link LatencyBenchOptions.warmupSeconds} at the same rate. */
  readonly seconds: number;
  readonly warmupSeconds: number;
}

/** What one open-loop run measured (only sends scheduled after the warm-up count). */
interface OpenLoopResult {
  /** submit → submit_sm_resp, from the moment the PDU was handed to the socket, ms. */
  readonly lat: number[];
  /** Scheduled time → submit_sm_resp, ms: includes the client's own lateness (no coordinated omission). */
  readonly fromSchedule: number[];
  /** How late the client handed each PDU over, ms. */
  readonly sendLag: number[];
  readonly sent: number;
  readonly ok: number;
  readonly failed: number;
  readonly unanswered: number;
  readonly firstError: string | undefined;
  /** First measured send → last measured response, s. */
  readonly seconds: number;
}

/**
 * Sends submit_sm at `rate` per second on a 1 ms clock, without waiting for responses (each client's
 * window is sized for a second of traffic, so it never closes the loop), for warm-up + measured time;
 * then waits up to 30 s for the responses still due.
 */
async function openLoop(
  clients: readonly LeanEsme[],
  o: LatencyBenchOptions,
  registeredDelivery: number,
  onMeasureStart: () => void,
): Promise<OpenLoopResult> {
  const interval = 1000 / o.rate;
  const total = Math.round(o.rate * (o.warmupSeconds + o.seconds));
  const firstMeasured = Math.round(o.rate * o.warmupSeconds);
  const lat: number[] = [];
  const fromSchedule: number[] = [];
  const sendLag: number[] = [];
  let ok = 0;
  let failed = 0;
  let answered = 0;
  let firstError: string | undefined;
  let lastResp = 0;
  let k = 0;
  const start = performance.now() + 5;
  const measuredFrom = start + firstMeasured * interval;
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const now = performance.now();
      const due = Math.min(total, Math.floor((now - start) / interval) + 1);
      for (; k < due; k++) {
        const i = k;
        const scheduled = start + i * interval;
        const c = clients[i % clients.length]!;
        const t0 = performance.now();
        const measured = i >= firstMeasured;
        if (i === firstMeasured) onMeasureStart();
        if (measured) sendLag.push(t0 - scheduled);
        c.submit(
          `4915${String(1_000_000 + (i % 9_000_000))}`,
          'HUB',
          `latency probe ${i}`,
          registeredDelivery,
          (status) => {
            if (!measured) return;
            const t1 = performance.now();
            answered++;
            if (status === -1) {
              failed++;
              firstError ??= 'connection closed';
              return;
            }
            lastResp = t1;
            lat.push(t1 - t0);
            fromSchedule.push(t1 - scheduled);
            if (status === 0) ok++;
            else {
              failed++;
              firstError ??= `status 0x${status.toString(16)}`;
            }
          },
        );
      }
      if (k >= total) {
        clearInterval(timer);
        resolve();
      }
    };
    const timer = setInterval(tick, 1);
  });
  const sent = total - firstMeasured;
  const deadline = Date.now() + 30_000;
  while (answered < sent && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  return {
    lat,
    fromSchedule,
    sendLag,
    sent,
    ok,
    failed,
    unanswered: sent - answered,
    firstError,
    seconds: ((lastResp || performance.now()) - measuredFrom) / 1000,
  };
}

async function connectClients(port: number, systemId: string, o: LatencyBenchOptions): Promise<LeanEsme[]> {
  const clients: LeanEsme[] = [];
  for (let i = 0; i < o.sessions; i++)
    clients.push(await LeanEsme.connect({ port, systemId, password: 'bench' }));
  return clients;
}

/** CPU seconds of `pids` now, for deltas over the measured run. */
function cpuOf(pids: ReadonlyArray<readonly [string, number | undefined]>): Map<string, number> {
  const m = new Map<string, number>();
  for (const [name, pid] of pids) {
    const s = pid === undefined ? undefined : procStats(pid);
    if (s !== undefined) m.set(name, s.cpuSeconds);
  }
  return m;
}

/** What one client process is asked to run: the binds and the open loop against one system. */
interface ClientJob {
  readonly port: number;
  readonly systemId: string;
  readonly o: LatencyBenchOptions;
  readonly registeredDelivery: number;
}

/** Messages of a client process to this one. */
type ClientMessage =
  | { readonly kind: 'measuring' }
  | {
      readonly kind: 'done';
      readonly result: OpenLoopResult;
      readonly receipts: number;
      /** The client's own CPU seconds over the measured window. */
      readonly cpuSeconds: number;
    }
  | { readonly kind: 'failed'; readonly error: string };

/** argv flag of a client process (this file as the entry). */
const CLIENT_FLAG = '--smpp-latency-client';

/**
 * Runs one system's ESMEs and open loop in a fresh Node process (this file, see {@link clientMain}), calling
 * `onMeasureStart` when the measured sends begin. One process for every system made the load generator's
 * own garbage collection part of the figures: the heap left by the first system made V8 run a major GC
 * in the client every ~2 s during the next one, each a stall of 5–15 ms that landed in that system's p99
 * (Hub parked measured after the reference: p99 8–17 ms; alone, or with a larger young generation in
 * the client: 5–7 ms).
 */
async function runClients(
  job: ClientJob,
  onMeasureStart: () => void,
): Promise<Extract<ClientMessage, { kind: 'done' }>> {
  const child = fork(fileURLToPath(import.meta.url), [CLIENT_FLAG], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  try {
    return await new Promise((resolve, reject) => {
      child.on('message', (m: ClientMessage) => {
        if (m.kind === 'measuring') onMeasureStart();
        else if (m.kind === 'done') resolve(m);
        else reject(new Error(`latency client: ${m.error}`));
      });
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`latency client exited with ${code}`)));
      child.send(job);
    });
  } finally {
    // It unbinds and exits by itself once done; a failed or stuck one is killed.
    if (child.exitCode === null)
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => {
          clearTimeout(t);
          resolve();
        });
      });
  }
}

/** The client process: runs the job it is sent, answers with the result, and exits. */
async function clientMain(): Promise<void> {
  const send = (m: ClientMessage) => new Promise<void>((resolve) => process.send?.(m, () => resolve()));
  const job = await new Promise<ClientJob>((resolve) =>
    process.once('message', (m) => resolve(m as ClientJob)),
  );
  const clients: LeanEsme[] = [];
  try {
    clients.push(...(await connectClients(job.port, job.systemId, job.o)));
    let cpu0 = 0;
    const result = await openLoop(clients, job.o, job.registeredDelivery, () => {
      cpu0 = selfStats().cpuSeconds;
      void send({ kind: 'measuring' });
    });
    const cpuSeconds = selfStats().cpuSeconds - cpu0;
    const receipts = clients.reduce((a, c) => a + c.receipts, 0);
    await send({ kind: 'done', result, receipts, cpuSeconds });
  } catch (err) {
    await send({ kind: 'failed', error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  } finally {
    await Promise.all(clients.map((c) => c.close()));
  }
  process.exit(0);
}

function row(
  system: string,
  o: LatencyBenchOptions,
  r: OpenLoopResult,
  before: Map<string, number>,
  after: Map<string, number>,
  rss: string,
  extra: string[] = [],
): Row {
  const cpu = [...after]
    .map(([name, v]) => `${name} ${(v - (before.get(name) ?? 0)).toFixed(1)}`)
    .join(' / ');
  const lag = percentiles(r.sendLag);
  const sched = percentiles(r.fromSchedule);
  return {
    scenario: `smpp-latency ${o.rate}/s`,
    system,
    messages: r.ok,
    seconds: r.seconds,
    rate: r.ok / r.seconds,
    ...percentiles(r.lat),
    cpu,
    rss,
    note: [
      `max ${percentiles(r.lat).max.toFixed(1)} ms`,
      r.failed + r.unanswered === 0
        ? `all ${r.sent} answered OK`
        : `${r.failed} failed, ${r.unanswered} unanswered of ${r.sent}${r.firstError === undefined ? '' : ` (first: ${r.firstError})`}`,
      `from schedule p99 ${sched.p99.toFixed(1)} max ${sched.max.toFixed(1)} ms`,
      `client send lag p99 ${lag.p99.toFixed(1)} ms`,
      ...extra,
    ].join('; '),
  };
}

function hubConfig(
  redisUrl: string,
  port: number,
  hash: string,
  o: LatencyBenchOptions,
  smscPort?: number,
): string {
  const route = smscPort === undefined ? 'parked' : 'sim';
  return `redis: { url: ${redisUrl}, prefix: bench }
listeners:
  smpp: { host: 127.0.0.1, port: ${port}, windowSize: 50 }
  mm7: { enabled: false, port: 0 }
  mm4: { enabled: false, port: 0 }
  api: { enabled: false, port: 0 }
  metrics: { enabled: false, port: 0 }
accounts:
  - id: bench
    queueHighWater: 10000000
    smpp: { systemId: bench, passwordHash: "${hash}", maxBinds: ${o.sessions + 2} }
${smscPort === undefined ? '' : `connectors:\n  - { id: sim, kind: smpp, host: 127.0.0.1, port: ${smscPort}, systemId: hub, password: bench, windowSize: 50 }\n`}limits: { routeQueueHighWater: 10000000 }
routes:
  - { id: default, table: mt, order: 0, action: { type: connector, connector: ${route} } }
`;
}

/** Process groups of the pipeline case unless `BENCH_APPS` is set (the same default as smpp-e2e). */
const PIPELINE_APPS = 'smpp/router,connectors';

/**
 * AOF rewrites Redis started during the measured window, with the fork time of the last one: Redis forks
 * and the child rewrites the whole dataset while competing for the same two cores. A fresh appendonly
 * Redis first rewrites at 64 MB of AOF (`auto-aof-rewrite-min-size`); at about 3 KB of AOF per parked
 * message a 2,000/s run gets there some 10 s in, inside the window, and on a busy machine that rewrite
 * has held up a few hundred responses by 10–90 ms, enough to move the p99 (`BENCH_REDIS_ARGS` moves it).
 */
class AofWatch {
  readonly #redis;
  #start: Promise<number | undefined> | undefined;

  constructor(url: string) {
    this.#redis = createRedisConnection({ url, commandRetries: 1 }).client();
  }

  /** Notes the count now (not awaited: called on the send clock). */
  start(): void {
    this.#start = this.#rewrites();
  }

  /** `AOF rewrites in the window: N (last fork X ms)`, or undefined when Redis could not say. */
  async end(): Promise<string | undefined> {
    const [a, b] = await Promise.all([this.#start, this.#rewrites()]);
    if (a === undefined || b === undefined) return undefined;
    const stats = await this.#redis.info('stats').catch(() => '');
    const fork = /^latest_fork_usec:(\d+)/m.exec(stats)?.[1];
    return `AOF rewrites in the window: ${b - a}${b > a && fork !== undefined ? ` (fork ${(Number(fork) / 1000).toFixed(1)} ms)` : ''}`;
  }

  close(): void {
    this.#redis.disconnect();
  }

  async #rewrites(): Promise<number | undefined> {
    const info = await this.#redis.info('persistence').catch(() => undefined);
    const n = info === undefined ? undefined : /^aof_rewrites:(\d+)/m.exec(info)?.[1];
    return n === undefined ? undefined : Number(n);
  }
}

/**
 * `smpp-latency`: submit_sm at a fixed offered rate (open loop: sends on a clock, never waiting for a
 * response first) for a warm-up and then the measured seconds; prints the achieved rate and the
 * submit_sm_resp latency percentiles. Three systems in one run: the SMSC simulator in its own process
 * (the client and codec floor), Hub's gateway + router with messages parked (the durable-ack path
 * alone), and the whole pipeline (the gateway in one process, router + connectors in another unless
 * `BENCH_APPS` groups them otherwise, forwarding to the simulator, receipts 1 s later flowing back to the
 * client while it sends). Every Hub row notes the AOF rewrites Redis started in the measured window.
 */
export async function smppLatency(o: LatencyBenchOptions): Promise<Row[]> {
  const rows: Row[] = [];
  const hash = await hashSecret('bench');
  const only = (process.env.BENCH_LATENCY_ONLY ?? 'reference,parked,pipeline').split(',');

  if (only.includes('reference')) {
    console.error('  reference: SMSC simulator ...');
    const sim = await startSmscChild({ systemId: 'bench', password: 'bench', receiptDelayMs: 1000 });
    try {
      let before = new Map<string, number>();
      const done = await runClients({ port: sim.port, systemId: 'bench', o, registeredDelivery: 0 }, () => {
        before = cpuOf([['smsc', sim.pid]]);
      });
      const after = cpuOf([['smsc', sim.pid]]).set('client', done.cpuSeconds);
      rows.push(
        row(
          'reference: SMSC simulator (own process)',
          o,
          done.result,
          before,
          after,
          `smsc ${procStats(sim.pid)?.peakRssMiB.toFixed(0) ?? '?'}`,
          ['no storage'],
        ),
      );
    } finally {
      await sim.stop();
    }
  }

  for (const mode of ['parked', 'pipeline'] as const) {
    if (!only.includes(mode)) continue;
    // One process per group, as smpp-e2e: the pipeline's gateway apart from router + connectors unless
    // `BENCH_APPS` says otherwise (`router,connectors,smpp` for all in one process).
    const groups =
      mode === 'parked'
        ? [['router', 'smpp']]
        : (process.env.BENCH_APPS ?? PIPELINE_APPS).split('/').map((g) => g.split(','));
    const names = groups.map((g) => (groups.length === 1 ? 'hub' : g.join('+')));
    console.error(`  Hub (${mode}: ${groups.map((g) => g.join(',')).join(' / ')}) ...`);
    const redis = await RedisServer.start({
      appendonly: true,
      // e.g. `--auto-aof-rewrite-min-size 1gb` to see the figures without a rewrite in the window.
      args: (process.env.BENCH_REDIS_ARGS ?? '').split(' ').filter(Boolean),
    });
    let sim: SmscChild | undefined;
    const hubs: HubChild[] = [];
    const aof = new AofWatch(redis.url);
    try {
      if (mode === 'pipeline')
        sim = await startSmscChild({ systemId: 'hub', password: 'bench', receiptDelayMs: 1000 });
      const port = await freePort();
      const config = hubConfig(redis.url, port, hash, o, sim?.port);
      for (const g of groups) hubs.push(await startHubChild(config, g));
      await sim?.waitBound(30_000);
      const pids = [
        ...hubs.map((h, k) => [names[k] ?? 'hub', h.pid] as const),
        ['redis', redis.pid] as const,
        ...(sim === undefined ? [] : [['smsc', sim.pid] as const]),
      ];
      let before = new Map<string, number>();
      const done = await runClients(
        { port, systemId: 'bench', o, registeredDelivery: mode === 'pipeline' ? 1 : 0 },
        () => {
          before = cpuOf(pids);
          aof.start();
        },
      );
      const after = cpuOf(pids).set('client', done.cpuSeconds);
      const rewrites = await aof.end();
      const rss = [...hubs.map((h, k) => [names[k], h.pid] as const), ['redis', redis.pid] as const]
        .map(([n, pid]) => `${n} ${pid === undefined ? '?' : (procStats(pid)?.peakRssMiB.toFixed(0) ?? '?')}`)
        .join(' / ');
      rows.push(
        row(
          mode === 'parked'
            ? 'Hub gateway + router, parked (appendonly Redis)'
            : `Hub ${groups.map((g) => g.join('+')).join(' / ')} → simulator, receipts +1 s`,
          o,
          done.result,
          before,
          after,
          rss,
          [
            ...(mode === 'pipeline' ? [`${done.receipts} receipts reached the client by the end`] : []),
            ...(rewrites === undefined ? [] : [rewrites]),
          ],
        ),
      );
    } finally {
      for (const h of hubs) await h.stop();
      aof.close();
      await redis.stop();
      await sim?.stop();
    }
  }
  return rows;
}

if (process.argv[2] === CLIENT_FLAG && process.send !== undefined) await clientMain();
