import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { createRedisConnection } from '@hub/bus';
import type { Hop } from '@hub/message';
import { hashSecret, MessageStore } from '@hub/store';
import { EsmeClient, freePort, RedisServer, SmscSimulator } from '@hub/testkit';
import { startHubChild } from './hub-process.js';
import { type KannelStore, kannelBoxes, type ProcFigures, runKannel } from './kannel.js';
import { percentiles, procStats, type Row, selfStats } from './measure.js';

/** Options of {@link smppE2e} (`pnpm bench smpp-e2e --n N --sessions S --window W`). */
export interface E2eBenchOptions {
  readonly n: number;
  /** Client binds to Hub (transceivers). */
  readonly sessions: number;
  /** Outstanding submits per client bind; also the upstream window (Hub's connector, Kannel's max-pending-submits). */
  readonly window: number;
}

/** Counters the simulator child reports over IPC. */
export interface SmscCounters {
  readonly submits: number;
  readonly accepted: number;
  readonly receiptsSent: number;
  readonly receiptsAcked: number;
  readonly receiptsNacked: number;
  readonly receiptsQueued: number;
  readonly bound: number;
}

/** The simulator child of {@link startSmscChild}. */
export interface SmscChild {
  readonly port: number;
  readonly pid: number;
  counters(): Promise<SmscCounters>;
  waitBound(timeoutMs: number): Promise<void>;
  stop(): Promise<void>;
}

const SELF = new URL(import.meta.url).pathname;

/**
 * The upstream SmscSimulator in its own process, so its CPU is measured apart from the client's and it
 * does not compete with the client's event loop. It answers every submit at once and sends each receipt
 * `receiptDelayMs` after the response (0: right after it, interleaved with the submits).
 */
export async function startSmscChild(o: {
  systemId: string;
  password: string;
  receiptDelayMs: number;
}): Promise<SmscChild> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--conditions=@hub/source', '--import', 'tsx', SELF, 'smsc-child', JSON.stringify(o)],
    { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
  );
  const port = await new Promise<number>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('SMSC simulator child did not start in 30 s')), 30_000);
    child.once('exit', (code) => reject(new Error(`SMSC simulator child exited with ${code}`)));
    child.on('message', (m: { type?: string; port?: number }) => {
      if (m.type === 'ready' && typeof m.port === 'number') {
        clearTimeout(t);
        resolve(m.port);
      }
    });
  });
  child.removeAllListeners('exit');
  const counters = (): Promise<SmscCounters> =>
    new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('SMSC simulator child did not answer')), 10_000);
      const on = (m: { type?: string } & SmscCounters): void => {
        if (m.type !== 'counters') return;
        clearTimeout(t);
        child.off('message', on);
        resolve(m);
      };
      child.on('message', on);
      child.send('counters');
    });
  return {
    port,
    pid: child.pid ?? 0,
    counters,
    async waitBound(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while ((await counters()).bound < 1) {
        if (Date.now() > deadline)
          throw new Error(`no upstream bind to the SMSC simulator within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async stop() {
      if (child.exitCode !== null) return;
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => child.kill('SIGKILL'), 5_000);
        child.once('exit', () => {
          clearTimeout(t);
          resolve();
        });
        child.send('stop');
      });
    },
  };
}

async function smscChildMain(arg: string): Promise<void> {
  const o = JSON.parse(arg) as { systemId: string; password: string; receiptDelayMs: number };
  const sim = await SmscSimulator.start({
    systemId: o.systemId,
    password: o.password,
    record: false,
    receiptDelayMs: o.receiptDelayMs,
    messageIdStyle: 'hex',
  });
  const send = (m: unknown): void => {
    process.send?.(m);
  };
  process.on('message', (m) => {
    if (m === 'counters')
      send({
        type: 'counters',
        submits: sim.submitCount,
        accepted: sim.acceptedCount,
        receiptsSent: sim.receiptsSent,
        receiptsAcked: sim.receiptsAcked,
        receiptsNacked: sim.receiptsNacked,
        receiptsQueued: sim.receiptsQueued,
        bound: sim.boundCount(),
      } satisfies SmscCounters & { type: string });
    else if (m === 'stop') void sim.stop().then(() => process.exit(0));
  });
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready', port: sim.port });
}

/** CPU seconds used since `base` (start-up excluded) and peak RSS of a live process. */
function since(pid: number | undefined, base: ProcFigures | undefined): ProcFigures | undefined {
  const s = pid === undefined ? undefined : procStats(pid);
  return s === undefined
    ? undefined
    : { cpuSeconds: s.cpuSeconds - (base?.cpuSeconds ?? 0), peakRssMiB: s.peakRssMiB };
}

function perProcess(list: ReadonlyArray<readonly [string, ProcFigures | undefined]>): {
  cpu: string;
  rss: string;
  total: number;
} {
  return {
    cpu: list.map(([n, f]) => `${n} ${f?.cpuSeconds.toFixed(1) ?? '?'}`).join(' / '),
    rss: list.map(([n, f]) => `${n} ${f?.peakRssMiB.toFixed(0) ?? '?'}`).join(' / '),
    total: list.reduce((a, [, f]) => a + (f?.cpuSeconds ?? 0), 0),
  };
}

/** Redis commands per message over the run, with the most called (`BENCH_REDIS_TOP`, default 3; INFO commandstats). */
function redisCallsPerMessage(url: string, n: number): string | undefined {
  const r = spawnSync('redis-cli', ['-u', url, 'INFO', 'commandstats'], {
    encoding: 'utf8',
    timeout: 10_000,
  });
  if (r.status !== 0) return undefined;
  const calls = [...r.stdout.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)]
    .map((m) => [m[1]!, Number(m[2])] as const)
    .filter(([c]) => c !== 'info')
    .sort((a, b) => b[1] - a[1]);
  const total = calls.reduce((a, [, c]) => a + c, 0);
  const top = calls
    .slice(0, Number(process.env.BENCH_REDIS_TOP ?? '3'))
    .map(([c, k]) => `${c} ${(k / n).toFixed(1)}`);
  return `redis ${(total / n).toFixed(1)} calls/msg (${top.join(', ')})`;
}

/** The hops Hub stamps on an MT message, in order, with short names for the note. */
const HOPS: ReadonlyArray<readonly [Hop, string]> = [
  ['received', 'rcv'],
  ['submitted', 'sub'],
  ['upstream_ack', 'ack'],
  ['receipt', 'dlr'],
  ['receipt_delivered', 'out'],
];

/**
 * Where the time went, from Hub's own per-hop stamps (transmission-time monitoring) on up to 500
 * messages spread over the run: median and p99 ms between consecutive hops, e.g. `rcv→sub 12/80`.
 */
async function hopBreakdown(url: string, ids: readonly string[]): Promise<string | undefined> {
  const redis = createRedisConnection({ url, commandRetries: 1 }).client();
  try {
    const store = new MessageStore({ redis, prefix: 'bench' });
    const step = Math.max(1, Math.floor(ids.length / 500));
    const gaps = HOPS.slice(1).map(() => [] as number[]);
    for (let i = 0; i < ids.length; i += step) {
      const m = await store.get(ids[i] ?? '');
      if (m === undefined) continue;
      const at = HOPS.map(([h]) => m.history.find((e) => e.hop === h)?.at);
      console.log(i, at.map((x) => (x ?? 0) - (at[0] ?? 0)).join(' '));
      for (let k = 1; k < HOPS.length; k++) {
        const a = at[k - 1];
        const b = at[k];
        if (a !== undefined && b !== undefined) gaps[k - 1]?.push(b - a);
      }
    }
    const parts = gaps.map((g, k) => {
      const p = percentiles(g);
      return `${HOPS[k]?.[1]}→${HOPS[k + 1]?.[1]} ${p.p50.toFixed(0)}/${p.p99.toFixed(0)}`;
    });
    return `hops ms p50/p99: ${parts.join(', ')}`;
  } catch {
    return undefined;
  } finally {
    redis.disconnect();
  }
}

/**
 * Hub's apps in the relay role, one process per `/`-separated group. Two processes by default: on two
 * cores the SMPP gateway and the router + connectors each get one, as a deployment would run them.
 */
const DEFAULT_APPS = 'smpp/router,connectors';

/** Result of one relay (Hub or Kannel) in one receipt-timing case. */
interface RelayRun {
  readonly accepted: number;
  readonly refused: number;
  readonly submitSeconds: number;
  readonly submitLat: number[];
  readonly receipts: number;
  readonly duplicates: number;
  readonly lastReceiptSeconds: number;
  readonly receiptLat: number[];
  readonly procs: ReadonlyArray<readonly [string, ProcFigures | undefined]>;
  readonly smsc: SmscCounters;
  readonly notes: string[];
}

/**
 * Hub in the relay role: S client binds (window W) → `hub start router connectors smpp` (one child
 * process, appendonly Redis) → one transceiver bind (window W) to the simulator child → receipts back.
 */
async function runHub(o: E2eBenchOptions, receiptDelayMs: number): Promise<RelayRun> {
  const smsc = await startSmscChild({ systemId: 'hub', password: 'bench', receiptDelayMs });
  const redis = await RedisServer.start({ appendonly: true });
  const port = await freePort();
  const hash = await hashSecret('bench');
  const notes: string[] = [];
  const hubs: Array<Awaited<ReturnType<typeof startHubChild>>> = [];
  const clients: EsmeClient[] = [];
  try {
    const config = `redis: { url: ${redis.url}, prefix: bench }
listeners:
  smpp: { host: 127.0.0.1, port: ${port}, windowSize: ${o.window} }
  mm7: { enabled: false, port: 0 }
  mm4: { enabled: false, port: 0 }
  api: { enabled: false, port: 0 }
  metrics: { enabled: false, port: 0 }
accounts:
  - id: bench
    queueHighWater: 10000000
    smpp: { systemId: bench, passwordHash: "${hash}", maxBinds: ${o.sessions + 2} }
connectors:
  - { id: sim, kind: smpp, host: 127.0.0.1, port: ${smsc.port}, systemId: hub, password: bench, windowSize: ${o.window} }
limits: { routeQueueHighWater: 10000000 }
routes:
  - { id: default, table: mt, order: 0, action: { type: connector, connector: sim } }
`;
    // One process per group: `BENCH_APPS=smpp/router,connectors` runs the gateway and the rest apart.
    const groups = (process.env.BENCH_APPS ?? DEFAULT_APPS).split('/').map((g) => g.split(','));
    for (const g of groups) hubs.push(await startHubChild(config, g));
    await smsc.waitBound(30_000);
    for (let i = 0; i < o.sessions; i++)
      clients.push(
        await EsmeClient.connect({
          port,
          systemId: 'bench',
          password: 'bench',
          bindType: 'trx',
          window: o.window,
          responseTimeoutMs: 60_000,
        }),
      );

    // Receipts are matched by the id of the submit_sm_resp; they may reach any of the account's binds.
    const sentAt = new Map<string, number>();
    const arrivedAt = new Map<string, number>();
    let duplicates = 0;
    let lastReceipt = 0;
    for (const c of clients)
      c.on('receipt', (rec: { receiptedMessageId?: string; id?: string }) => {
        c.receipts.length = 0; // counted here; nothing kept
        const id = rec.receiptedMessageId ?? rec.id ?? '';
        lastReceipt = performance.now();
        if (arrivedAt.has(id)) duplicates++;
        else arrivedAt.set(id, lastReceipt);
      });

    const base = {
      hubs: hubs.map((h) => procStats(h.pid)),
      redis: redis.pid === undefined ? undefined : procStats(redis.pid),
      smsc: procStats(smsc.pid),
      client: selfStats(),
    };
    const { submitLat, refused, firstRefusal, submitSeconds, started } = await submitAll(
      clients,
      o.n,
      o.window,
      sentAt,
    );

    // Every accepted submit owes a receipt; stop when all came or none came for 30 s.
    let seen = arrivedAt.size;
    let lastChange = Date.now();
    while (arrivedAt.size < sentAt.size && Date.now() - lastChange < 30_000) {
      await new Promise((r) => setTimeout(r, 20));
      if (arrivedAt.size !== seen) {
        seen = arrivedAt.size;
        lastChange = Date.now();
      }
    }
    const receiptLat: number[] = [];
    let unknown = 0;
    for (const [id, t] of arrivedAt) {
      const t0 = sentAt.get(id);
      if (t0 === undefined) unknown++;
      else receiptLat.push(t - t0);
    }
    const self = selfStats();
    const procs = [
      ...hubs.map((h, i) => [hubs.length === 1 ? 'hub' : `hub${i + 1}`, since(h.pid, base.hubs[i])] as const),
      ['redis', since(redis.pid, base.redis)],
      ['smsc', since(smsc.pid, base.smsc)],
      ['client', { cpuSeconds: self.cpuSeconds - base.client.cpuSeconds, peakRssMiB: self.peakRssMiB }],
    ] as const;
    if (firstRefusal !== undefined) notes.push(`first refusal: ${firstRefusal}`);
    if (unknown > 0) notes.push(`${unknown} receipts with an id no submit_sm_resp gave`);
    const calls = redisCallsPerMessage(redis.url, o.n);
    if (calls !== undefined) notes.push(calls);
    const hops = await hopBreakdown(redis.url, [...sentAt.keys()]);
    if (hops !== undefined) notes.push(hops);
    return {
      accepted: sentAt.size,
      refused,
      submitSeconds,
      submitLat,
      receipts: receiptLat.length,
      duplicates,
      lastReceiptSeconds: ((lastReceipt || performance.now()) - started) / 1000,
      receiptLat,
      procs,
      smsc: await smsc.counters(),
      notes,
    };
  } finally {
    await Promise.all(clients.map((c) => c.close()));
    await Promise.all(hubs.map((h) => h.stop()));
    await redis.stop();
    await smsc.stop();
  }
}

/** Kannel (bearerbox + smsbox) in the same role, against its own simulator child with the same settings. */
async function runKannelCase(
  o: E2eBenchOptions,
  receiptDelayMs: number,
  concurrency: number,
  store: KannelStore,
): Promise<RelayRun> {
  const smsc = await startSmscChild({ systemId: 'kannel', password: 'bench', receiptDelayMs });
  try {
    let base: { smsc: ProcFigures | undefined; client: ProcFigures } | undefined;
    const k = await runKannel({
      smscPort: smsc.port,
      systemId: 'kannel',
      password: 'bench',
      n: o.n,
      concurrency,
      window: o.window,
      store,
      onReady: async () => {
        await smsc.waitBound(30_000);
        base = { smsc: procStats(smsc.pid), client: selfStats() };
      },
    });
    const self = selfStats();
    const types = [...k.receiptTypes].map(([t, c]) => `${c}×type ${t}`).join(', ');
    return {
      accepted: k.accepted,
      refused: k.refused,
      submitSeconds: k.submitSeconds,
      submitLat: k.submitLat,
      receipts: k.receipts,
      duplicates: k.duplicateReceipts,
      lastReceiptSeconds: k.lastReceiptSeconds,
      receiptLat: k.receiptLat,
      procs: [
        ['bearerbox', k.bearerbox],
        ['smsbox', k.smsbox],
        ['smsc', since(smsc.pid, base?.smsc)],
        [
          'client',
          { cpuSeconds: self.cpuSeconds - (base?.client.cpuSeconds ?? 0), peakRssMiB: self.peakRssMiB },
        ],
      ],
      smsc: await smsc.counters(),
      notes: [
        ...(k.firstRefusal === undefined ? [] : [`first refusal: ${k.firstRefusal}`]),
        `DLRs ${types || 'none'}`,
        `${k.probes} probe MT before the run`,
      ],
    };
  } finally {
    await smsc.stop();
  }
}

function rowsFor(
  scenario: string,
  system: string,
  n: number,
  r: RelayRun,
  extra: { submit?: string; receipt?: string } = {},
): Row[] {
  const p = perProcess(r.procs);
  const missing = r.accepted - r.receipts;
  const count = [
    r.accepted === n ? `all ${n} accepted` : `${n - r.accepted} of ${n} NOT accepted`,
    ...(r.refused > 0 ? [`${r.refused} refused`] : []),
    ...(extra.submit === undefined ? [] : [extra.submit]),
    ...r.notes,
  ];
  const receipt = [
    missing === 0
      ? `all ${r.receipts} receipts back`
      : `${missing} receipts MISSING (${r.receipts}/${r.accepted})`,
    ...(r.duplicates > 0 ? [`${r.duplicates} duplicates`] : []),
    `smsc: ${r.smsc.accepted} accepted, ${r.smsc.receiptsAcked}/${r.smsc.receiptsSent} receipts acked`,
    ...(extra.receipt === undefined ? [] : [extra.receipt]),
  ];
  return [
    {
      scenario,
      system: `${system}: submit → resp`,
      messages: r.accepted,
      seconds: r.submitSeconds,
      rate: r.accepted / r.submitSeconds,
      ...percentiles(r.submitLat),
      cpu: p.cpu,
      rss: p.rss,
      note: count.join('; '),
    },
    {
      scenario,
      system: `${system}: submit → receipt at client`,
      messages: r.receipts,
      seconds: r.lastReceiptSeconds,
      rate: r.receipts / r.lastReceiptSeconds,
      ...percentiles(r.receiptLat),
      cpu: `total ${p.total.toFixed(1)}`,
      rss: '',
      note: receipt.join('; '),
    },
  ];
}

/**
 * `smpp-e2e`: N messages client → relay → SMSC simulator → receipt → client, for receipts 1 s after the
 * submit response and immediately (interleaved with the submits; `BENCH_RECEIPT_DELAYS=1000,0`), with
 * Hub as the relay and then Kannel (bearerbox + smsbox, `BENCH_KANNEL_STORE=file|none`, MT over
 * `BENCH_KANNEL_CONCURRENCY` keep-alive HTTP connections to sendsms) in the same run. Seconds on the
 * receipt row is the time from the first submit until the last receipt reached the client. CPU is
 * counted from just before the first submit; start-up is excluded. Missing receipts are counted in the
 * note, never hidden.
 */
export async function smppE2e(o: E2eBenchOptions): Promise<Row[]> {
  const delays = (process.env.BENCH_RECEIPT_DELAYS ?? '1000,0').split(',').map(Number);
  const concurrency = Number(process.env.BENCH_KANNEL_CONCURRENCY ?? '64');
  const store: KannelStore = process.env.BENCH_KANNEL_STORE === 'none' ? 'none' : 'file';
  // For profiling or tuning one side alone: BENCH_E2E_ONLY=hub|kannel.
  const only = process.env.BENCH_E2E_ONLY;
  const rows: Row[] = [];
  for (const delay of delays) {
    const scenario = `smpp-e2e rcpt +${delay} ms`;
    let hub: RelayRun | undefined;
    if (only !== 'kannel') {
      console.error(`  ${scenario}: Hub ...`);
      hub = await runHub(o, delay);
      rows.push(...rowsFor(scenario, `Hub (${o.sessions}×${o.window}, appendonly Redis)`, o.n, hub));
    }
    if (only === 'hub') continue;
    if (kannelBoxes() === undefined) {
      rows.push({
        scenario,
        system: 'Kannel',
        messages: 0,
        seconds: Number.NaN,
        rate: Number.NaN,
        p50: Number.NaN,
        p95: Number.NaN,
        p99: Number.NaN,
        cpu: '',
        rss: '',
        note: 'Kannel (bearerbox/smsbox) not installed: skipped (apt-get install kannel)',
      });
      continue;
    }
    console.error(`  ${scenario}: Kannel ...`);
    const k = await runKannelCase(o, delay, concurrency, store);
    const kRate = k.accepted / k.submitSeconds;
    rows.push(
      ...rowsFor(
        scenario,
        `Kannel 1.4.5 (HTTP×${concurrency}, store ${store})`,
        o.n,
        k,
        hub === undefined
          ? {}
          : {
              submit: `Hub/Kannel throughput ${(hub.accepted / hub.submitSeconds / kRate).toFixed(2)}×`,
              receipt: `Hub/Kannel time to last receipt ${(hub.lastReceiptSeconds / k.lastReceiptSeconds).toFixed(2)} (Hub ${(k.lastReceiptSeconds / hub.lastReceiptSeconds).toFixed(2)}× sooner)`,
            },
      ),
    );
  }
  return rows;
}

if (
  process.argv[2] === 'smsc-child' &&
  process.argv[1] !== undefined &&
  pathToFileURL(process.argv[1]).href === import.meta.url
) {
  await smscChildMain(process.argv[3] ?? '{}');
}

/** What {@link submitAll} measured. */
export interface SubmitAllResult {
  readonly submitLat: number[];
  readonly refused: number;
  readonly firstRefusal: string | undefined;
  readonly submitSeconds: number;
  /** `performance.now()` when the first submit went out. */
  readonly started: number;
}

/**
 * Sends `n` submit_sm (registered_delivery 1) over `clients` with `window` lanes each, recording each
 * accepted message id's send time in `sentAt` (for submit → receipt latency). Shared by the e2e and scale
 * scenarios.
 */
export async function submitAll(
  clients: readonly EsmeClient[],
  n: number,
  window: number,
  sentAt: Map<string, number>,
): Promise<SubmitAllResult> {
  const submitLat: number[] = [];
  let refused = 0;
  let firstRefusal: string | undefined;
  let next = 0;
  let lastResp = 0;
  const started = performance.now();
  await Promise.all(
    clients.flatMap((c) =>
      Array.from({ length: window }, async () => {
        for (;;) {
          const i = next++;
          if (i >= n) return;
          const t0 = performance.now();
          const r = await c
            .submit({
              to: `4915${String(1_000_000 + i)}`,
              from: 'HUB',
              text: `bench message ${i}`,
              registeredDelivery: 1,
            })
            .catch((e: Error) => ({ status: -1, messageId: undefined, error: e.message }));
          lastResp = performance.now();
          submitLat.push(lastResp - t0);
          if (r.status === 0 && r.messageId !== undefined) sentAt.set(r.messageId, t0);
          else {
            refused++;
            firstRefusal ??= `status ${r.status}${'error' in r ? ` ${r.error}` : ''}`;
          }
        }
      }),
    ),
  );
  return { submitLat, refused, firstRefusal, submitSeconds: (lastResp - started) / 1000, started };
}
