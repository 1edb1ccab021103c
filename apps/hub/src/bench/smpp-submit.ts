import { hashSecret } from '@hub/store';
import { freePort, RedisServer, SmscSimulator } from '@hub/testkit';
import { startHubChild } from './hub-process.js';
import { LeanEsme } from './lean-esme.js';
import { percentiles, procStats, type Row, selfStats } from './measure.js';

export interface SubmitBenchOptions {
  readonly n: number;
  readonly sessions: number;
  readonly window: number;
}

/**
 * Drives `n` submits over `sessions` binds with `window` outstanding each (a closed loop per window slot:
 * the next submit leaves when a response comes back); returns latency samples (ms). The load comes from
 * {@link LeanEsme} (raw frames, no PDU objects), so the generator's own CPU stays small beside the system
 * measured: the testkit's EsmeClient took about a core at these rates, on a machine with two.
 */
async function drive(
  port: number,
  systemId: string,
  password: string,
  o: SubmitBenchOptions,
): Promise<{ seconds: number; lat: number[]; failed: number }> {
  const clients = await Promise.all(
    Array.from({ length: o.sessions }, () => LeanEsme.connect({ port, systemId, password })),
  );
  const lat: number[] = [];
  let failed = 0;
  let next = 0;
  let done = 0;
  const started = performance.now();
  await new Promise<void>((resolve) => {
    if (o.n <= 0) resolve();
    const lane = (c: LeanEsme, ci: number): void => {
      const i = next++;
      if (i >= o.n) return;
      const t0 = performance.now();
      c.submit(
        `4915${String(1_000_000 + i)}`,
        'HUB',
        `bench message ${i} from session ${ci}`,
        0,
        (status) => {
          lat.push(performance.now() - t0);
          if (status !== 0) failed++;
          if (++done === o.n) resolve();
          else lane(c, ci);
        },
      );
    };
    clients.forEach((c, ci) => {
      for (let w = 0; w < o.window; w++) lane(c, ci);
    });
  });
  const seconds = (performance.now() - started) / 1000;
  await Promise.all(clients.map((c) => c.close()));
  return { seconds, lat, failed };
}

/**
 * `smpp-submit`: N submit_sm over S sessions with window W into Hub's SMPP gateway (router running, every
 * response sent only after Redis has the message), side by side with the same client against a trivial
 * SMSC simulator (no storage: the codec and load-generator ceiling on this machine).
 */
export async function smppSubmit(o: SubmitBenchOptions): Promise<Row[]> {
  const rows: Row[] = [];
  // Reference: the same load generator against the in-process simulator.
  const sim = await SmscSimulator.start({
    systemId: 'bench',
    password: 'bench',
    record: false,
    receipts: 'never',
  });
  const ref = await drive(sim.port, 'bench', 'bench', o);
  await sim.stop();
  const refStats = selfStats();
  const p = percentiles(ref.lat);
  rows.push({
    scenario: 'smpp-submit',
    system: 'reference: SMSC simulator',
    messages: o.n,
    seconds: ref.seconds,
    rate: o.n / ref.seconds,
    ...p,
    cpu: `${refStats.cpuSeconds.toFixed(1)} (bench proc)`,
    rss: refStats.peakRssMiB.toFixed(0),
    note: ref.failed > 0 ? `${ref.failed} failed` : 'no durability',
  });

  const redis = await RedisServer.start({ appendonly: true });
  const port = await freePort();
  const hash = await hashSecret('bench');
  const hub = await startHubChild(
    `redis: { url: ${redis.url} }
listeners:
  smpp: { host: 127.0.0.1, port: ${port}, windowSize: ${o.window} }
accounts:
  - id: bench
    queueHighWater: 10000000
    smpp: { systemId: bench, passwordHash: "${hash}", maxBinds: ${o.sessions + 2} }
limits: { routeQueueHighWater: 10000000 }
routes:
  - { id: default, table: mt, order: 0, action: { type: connector, connector: parked } }
`,
    (process.env.BENCH_APPS ?? 'router,smpp').split(','),
  );
  try {
    const r = await drive(port, 'bench', 'bench', o);
    const hubStats = procStats(hub.pid);
    const redisStats = redis.pid === undefined ? undefined : procStats(redis.pid);
    const q = percentiles(r.lat);
    rows.push({
      scenario: 'smpp-submit',
      system: 'Hub (gateway + router, appendonly Redis)',
      messages: o.n,
      seconds: r.seconds,
      rate: o.n / r.seconds,
      ...q,
      cpu: `hub ${hubStats?.cpuSeconds.toFixed(1) ?? '?'} / redis ${redisStats?.cpuSeconds.toFixed(1) ?? '?'}`,
      rss: `hub ${hubStats?.peakRssMiB.toFixed(0) ?? '?'} / redis ${redisStats?.peakRssMiB.toFixed(0) ?? '?'}`,
      note: `${r.failed} failed; ratio to reference ${(o.n / r.seconds / (o.n / ref.seconds)).toFixed(2)}`,
    });
  } finally {
    await hub.stop();
    await redis.stop();
  }
  return rows;
}
