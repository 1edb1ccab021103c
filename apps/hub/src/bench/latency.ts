import { hashSecret } from '@hub/store';
import { EsmeClient, freePort, RedisServer } from '@hub/testkit';
import { type SmscChild, startSmscChild } from './e2e.js';
import { type HubChild, startHubChild } from './hub-process.js';
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
  clients: readonly EsmeClient[],
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
        c.submit({
          to: `4915${String(1_000_000 + (i % 9_000_000))}`,
          from: 'HUB',
          text: `latency probe ${i}`,
          registeredDelivery,
        }).then(
          (r) => {
            const t1 = performance.now();
            if (!measured) return;
            answered++;
            lastResp = t1;
            lat.push(t1 - t0);
            fromSchedule.push(t1 - scheduled);
            if (r.status === 0) ok++;
            else {
              failed++;
              firstError ??= `status 0x${r.status.toString(16)}`;
            }
          },
          (e: Error) => {
            if (!measured) return;
            answered++;
            failed++;
            firstError ??= e.message;
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

async function connectClients(port: number, systemId: string, o: LatencyBenchOptions): Promise<EsmeClient[]> {
  const window = Math.max(50, Math.ceil(o.rate / o.sessions));
  const clients: EsmeClient[] = [];
  for (let i = 0; i < o.sessions; i++)
    clients.push(
      await EsmeClient.connect({
        port,
        systemId,
        password: 'bench',
        bindType: 'trx',
        window,
        record: false,
        responseTimeoutMs: 30_000,
      }),
    );
  return clients;
}

/** CPU seconds of `pids` now, for deltas over the measured run. */
function cpuOf(pids: ReadonlyArray<readonly [string, number | undefined]>): Map<string, number> {
  const m = new Map<string, number>();
  for (const [name, pid] of pids) {
    const s = pid === undefined ? undefined : procStats(pid);
    if (s !== undefined) m.set(name, s.cpuSeconds);
  }
  m.set('client', selfStats().cpuSeconds);
  return m;
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

/**
 * `smpp-latency`: submit_sm at a fixed offered rate (open loop: sends on a clock, never waiting for a
 * response first) for a warm-up and then the measured seconds; prints the achieved rate and the
 * submit_sm_resp latency percentiles. Three systems in one run: the SMSC simulator in its own process
 * (the client and codec floor), Hub's gateway + router with messages parked (the durable-ack path
 * alone), and the whole pipeline (`router,connectors,smpp` in one process, forwarding to the simulator,
 * receipts 1 s later flowing back to the client while it sends).
 */
export async function smppLatency(o: LatencyBenchOptions): Promise<Row[]> {
  const rows: Row[] = [];
  const hash = await hashSecret('bench');
  const only = (process.env.BENCH_LATENCY_ONLY ?? 'reference,parked,pipeline').split(',');

  if (only.includes('reference')) {
    console.error('  reference: SMSC simulator ...');
    const sim = await startSmscChild({ systemId: 'bench', password: 'bench', receiptDelayMs: 1000 });
    const clients: EsmeClient[] = [];
    try {
      clients.push(...(await connectClients(sim.port, 'bench', o)));
      let before = new Map<string, number>();
      const r = await openLoop(clients, o, 0, () => {
        before = cpuOf([['smsc', sim.pid]]);
      });
      const after = cpuOf([['smsc', sim.pid]]);
      rows.push(
        row(
          'reference: SMSC simulator (own process)',
          o,
          r,
          before,
          after,
          `smsc ${procStats(sim.pid)?.peakRssMiB.toFixed(0) ?? '?'}`,
          ['no storage'],
        ),
      );
    } finally {
      await Promise.all(clients.map((c) => c.close()));
      await sim.stop();
    }
  }

  for (const mode of ['parked', 'pipeline'] as const) {
    if (!only.includes(mode)) continue;
    console.error(`  Hub (${mode}) ...`);
    const redis = await RedisServer.start({ appendonly: true });
    let sim: SmscChild | undefined;
    let hub: HubChild | undefined;
    const clients: EsmeClient[] = [];
    try {
      if (mode === 'pipeline')
        sim = await startSmscChild({ systemId: 'hub', password: 'bench', receiptDelayMs: 1000 });
      const port = await freePort();
      hub = await startHubChild(
        hubConfig(redis.url, port, hash, o, sim?.port),
        mode === 'parked' ? ['router', 'smpp'] : ['router', 'connectors', 'smpp'],
      );
      await sim?.waitBound(30_000);
      clients.push(...(await connectClients(port, 'bench', o)));
      const pids = [
        ['hub', hub.pid],
        ['redis', redis.pid],
        ...(sim === undefined ? [] : [['smsc', sim.pid] as const]),
      ] as const;
      let before = new Map<string, number>();
      const r = await openLoop(clients, o, mode === 'pipeline' ? 1 : 0, () => {
        before = cpuOf(pids);
      });
      const after = cpuOf(pids);
      const receipts = clients.reduce((a, c) => a + c.receiptCount, 0);
      rows.push(
        row(
          mode === 'parked'
            ? 'Hub gateway + router, parked (appendonly Redis)'
            : 'Hub router+connectors+smpp → simulator, receipts +1 s',
          o,
          r,
          before,
          after,
          `hub ${procStats(hub.pid)?.peakRssMiB.toFixed(0) ?? '?'} / redis ${redis.pid === undefined ? '?' : (procStats(redis.pid)?.peakRssMiB.toFixed(0) ?? '?')}`,
          mode === 'pipeline' ? [`${receipts} receipts reached the client by the end`] : [],
        ),
      );
    } finally {
      await Promise.all(clients.map((c) => c.close()));
      await hub?.stop();
      await redis.stop();
      await sim?.stop();
    }
  }
  return rows;
}
