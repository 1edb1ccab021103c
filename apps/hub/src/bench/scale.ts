import { readFileSync } from 'node:fs';
import { hashSecret } from '@hub/store';
import { EsmeClient, freePort, RedisServer } from '@hub/testkit';
import { type SmscChild, startSmscChild, submitAll } from './e2e.js';
import { type HubChild, startHubChild } from './hub-process.js';
import { percentiles, procStats, type Row, selfStats } from './measure.js';

/** Options of {@link smppScale} (`pnpm bench smpp-scale --n N --sessions S --window W`, `BENCH_SCALE=1,2,3`). */
export interface ScaleBenchOptions {
  /** Messages per configuration. */
  readonly n: number;
  /** Client binds in all, spread round-robin over the gateways. */
  readonly sessions: number;
  /** Outstanding submits per client bind; also each connector's window. */
  readonly window: number;
  /** Processes of each app per configuration, e.g. [1, 2, 3]. */
  readonly counts: readonly number[];
}

/** Busy and total jiffies of the whole machine (/proc/stat), for the share of both cores in use. */
function machineTicks(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const total = v.reduce((a, b) => a + b, 0);
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  return { busy: total - idle, total };
}

/** Samples Redis' CPU share (of one core: Redis executes commands on one thread) every `everyMs`. */
function sampleRedis(pid: number | undefined, everyMs: number): { stop(): { peak: number } } {
  let last = pid === undefined ? undefined : procStats(pid)?.cpuSeconds;
  let lastAt = performance.now();
  let peak = 0;
  const t = setInterval(() => {
    const now = pid === undefined ? undefined : procStats(pid)?.cpuSeconds;
    const at = performance.now();
    if (now !== undefined && last !== undefined) peak = Math.max(peak, (now - last) / ((at - lastAt) / 1000));
    last = now;
    lastAt = at;
  }, everyMs);
  return {
    stop() {
      clearInterval(t);
      return { peak };
    },
  };
}

function config(
  redisUrl: string,
  hash: string,
  o: ScaleBenchOptions,
  smscPort: number,
  smppPort: number,
): string {
  return `redis: { url: ${redisUrl}, prefix: bench }
listeners:
  smpp: { host: 127.0.0.1, port: ${smppPort}, windowSize: ${o.window} }
  mm7: { enabled: false, port: 0 }
  mm4: { enabled: false, port: 0 }
  api: { enabled: false, port: 0 }
  metrics: { enabled: false, port: 0 }
accounts:
  - id: bench
    queueHighWater: 10000000
    smpp: { systemId: bench, passwordHash: "${hash}", maxBinds: ${o.sessions + 2} }
connectors:
  - { id: sim, kind: smpp, host: 127.0.0.1, port: ${smscPort}, systemId: hub, password: bench, windowSize: ${o.window} }
limits: { routeQueueHighWater: 10000000 }
routes:
  - { id: default, table: mt, order: 0, action: { type: connector, connector: sim } }
`;
}

/** One configuration: k gateways, k routers, k connector workers, each its own `hub start <app>` child. */
async function runConfig(o: ScaleBenchOptions, k: number, hash: string): Promise<Row[]> {
  const redis = await RedisServer.start({ appendonly: true });
  let smsc: SmscChild | undefined;
  const procs: { role: string; hub: HubChild }[] = [];
  const clients: EsmeClient[] = [];
  try {
    smsc = await startSmscChild({ systemId: 'hub', password: 'bench', receiptDelayMs: 1000 });
    const smscPort = smsc.port;
    const ports = await Promise.all(Array.from({ length: k }, () => freePort()));
    const cfg = (port: number): string => config(redis.url, hash, o, smscPort, port);
    // Started one after another: a dozen tsx start-ups at once on 2 cores can exceed the 60 s start timeout.
    for (const role of ['router', 'connectors'] as const)
      for (let i = 0; i < k; i++) procs.push({ role, hub: await startHubChild(cfg(ports[0]!), [role]) });
    for (const port of ports) procs.push({ role: 'smpp', hub: await startHubChild(cfg(port), ['smpp']) });
    const deadline = Date.now() + 30_000;
    while ((await smsc.counters()).bound < k) {
      if (Date.now() > deadline)
        throw new Error(`only ${(await smsc.counters()).bound} of ${k} connector binds`);
      await new Promise((r) => setTimeout(r, 100));
    }
    for (let i = 0; i < o.sessions; i++)
      clients.push(
        await EsmeClient.connect({
          port: ports[i % k]!,
          systemId: 'bench',
          password: 'bench',
          bindType: 'trx',
          window: o.window,
          responseTimeoutMs: 60_000,
        }),
      );

    const sentAt = new Map<string, number>();
    const receiptLat: number[] = [];
    let receipts = 0;
    let duplicates = 0;
    let lastReceipt = 0;
    const seen = new Set<string>();
    for (const c of clients)
      c.on('receipt', (rec: { receiptedMessageId?: string; id?: string }) => {
        c.receipts.length = 0; // counted here; nothing kept ('receipt' is only emitted when recording)
        const id = rec.receiptedMessageId ?? rec.id ?? '';
        lastReceipt = performance.now();
        if (seen.has(id)) {
          duplicates++;
          return;
        }
        seen.add(id);
        receipts++;
        const t0 = sentAt.get(id);
        if (t0 !== undefined) receiptLat.push(lastReceipt - t0);
      });

    const cpu0 = new Map(procs.map((p) => [p.hub.pid, procStats(p.hub.pid)?.cpuSeconds ?? 0]));
    const redis0 = procStats(redis.pid ?? 0)?.cpuSeconds ?? 0;
    const smsc0 = procStats(smsc.pid)?.cpuSeconds ?? 0;
    const client0 = selfStats().cpuSeconds;
    const machine0 = machineTicks();
    const sampler = sampleRedis(redis.pid, 1000);
    const { submitLat, refused, firstRefusal, submitSeconds, started } = await submitAll(
      clients,
      o.n,
      o.window,
      sentAt,
    );
    let count = receipts;
    let lastChange = Date.now();
    while (receipts < sentAt.size && Date.now() - lastChange < 30_000) {
      await new Promise((r) => setTimeout(r, 20));
      if (receipts !== count) {
        count = receipts;
        lastChange = Date.now();
      }
    }
    const endAt = receipts > 0 ? lastReceipt : performance.now();
    const wall = (endAt - started) / 1000;
    const { peak } = sampler.stop();
    const machine1 = machineTicks();
    const redisCpu = (procStats(redis.pid ?? 0)?.cpuSeconds ?? 0) - redis0;
    const byRole = new Map<string, number>();
    for (const p of procs)
      byRole.set(
        p.role,
        (byRole.get(p.role) ?? 0) + (procStats(p.hub.pid)?.cpuSeconds ?? 0) - (cpu0.get(p.hub.pid) ?? 0),
      );
    const cpu = [
      ...[...byRole].map(([role, s]) => `${role}×${k} ${s.toFixed(1)}`),
      `redis ${redisCpu.toFixed(1)}`,
      `smsc ${((procStats(smsc.pid)?.cpuSeconds ?? 0) - smsc0).toFixed(1)}`,
      `client ${(selfStats().cpuSeconds - client0).toFixed(1)}`,
    ].join(' / ');
    const rss = procs
      .filter((p, i, all) => all.findIndex((q) => q.role === p.role) === i)
      .map((p) => `${p.role} ${procStats(p.hub.pid)?.peakRssMiB.toFixed(0) ?? '?'}`)
      .join(' / ');
    const sim = await smsc.counters();
    const busy = (machine1.busy - machine0.busy) / Math.max(1, machine1.total - machine0.total);
    const system = `Hub ${k}×smpp + ${k}×router + ${k}×connectors (${procs.length} processes)`;
    const scenario = `smpp-scale ${k}`;
    return [
      {
        scenario,
        system: `${system}: submit → resp`,
        messages: sentAt.size,
        seconds: submitSeconds,
        rate: sentAt.size / submitSeconds,
        ...percentiles(submitLat),
        cpu,
        rss: `${rss} (each)`,
        note: [
          sentAt.size === o.n
            ? `all ${o.n} accepted`
            : `${o.n - sentAt.size} of ${o.n} NOT accepted (first: ${firstRefusal})`,
          `${o.sessions}×${o.window} client binds over ${k} gateway(s)`,
          ...(refused > 0 && sentAt.size === o.n ? [`${refused} refused`] : []),
        ].join('; '),
      },
      {
        scenario,
        system: `${system}: submit → receipt at client`,
        messages: receipts,
        seconds: wall,
        rate: receipts / wall,
        ...percentiles(receiptLat),
        cpu: `redis ${((100 * redisCpu) / wall).toFixed(0)} % of a core (peak 1 s ${(100 * peak).toFixed(0)} %)`,
        rss: '',
        note: [
          receipts === sentAt.size
            ? `all ${receipts} receipts back`
            : `${sentAt.size - receipts} receipts MISSING`,
          ...(duplicates > 0 ? [`${duplicates} duplicates`] : []),
          `smsc: ${sim.accepted} accepted, ${sim.receiptsAcked}/${sim.receiptsSent} receipts acked`,
          `machine ${(100 * busy).toFixed(0)} % busy (both cores) from first submit to last receipt`,
        ].join('; '),
      },
    ];
  } finally {
    await Promise.all(clients.map((c) => c.close()));
    await Promise.all(procs.map((p) => p.hub.stop()));
    await redis.stop();
    await smsc?.stop();
  }
}

/**
 * `smpp-scale`: the end-to-end workload (N messages, receipts 1 s after each submit_sm_resp, S client
 * binds spread over the gateways) against 1, 2, 3… processes of each app — `hub start smpp` (each on its
 * own port), `hub start router`, `hub start connectors` (each with its own bind to the simulator) — on one
 * appendonly Redis. Prints throughput per configuration with the Redis CPU share (average and the
 * busiest second) and how busy the machine was, to show where Redis, or the cores, saturate.
 */
export async function smppScale(o: ScaleBenchOptions): Promise<Row[]> {
  const hash = await hashSecret('bench');
  const rows: Row[] = [];
  for (const k of o.counts) {
    console.error(`  ${k} process(es) of each app ...`);
    rows.push(...(await runConfig(o, k, hash)));
  }
  return rows;
}
