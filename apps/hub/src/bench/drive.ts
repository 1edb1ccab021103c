import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, RedisServer } from '@hub/testkit';
import { startHubChild } from './hub-process.js';
import { percentiles, procStats, type Row } from './measure.js';

/** What {@link closedLoop} measured. */
export interface LoopResult {
  readonly seconds: number;
  /** Latency samples in ms, in completion order. */
  readonly lat: number[];
  readonly failed: number;
  /** The first failure's description, if any. */
  readonly firstError?: string;
}

/** One closed-loop load run (see {@link closedLoop}). */
export interface LoopOptions<T> {
  /** Operations in all, numbered 0 to n-1. */
  readonly n: number;
  /** Concurrent lanes, each with one operation in flight. */
  readonly lanes: number;
  /** Builds operation `i`'s input, outside the timed section. */
  readonly prepare: (i: number) => T;
  /**
   * Performs one operation; `t0` is its start on the `performance.now()` clock. Resolves with a failure
   * description for an operation that completed but failed (its latency counts), or rejects.
   */
  readonly send: (input: T, i: number, t0: number) => Promise<string | undefined>;
  /** Whether a rejected operation's time still counts as a latency sample (default false). */
  readonly timeRejected?: boolean;
}

/**
 * Runs `n` operations over `lanes` lanes, each lane starting its next operation when the previous one
 * ended; never rejects (failures are counted). Returns wall time, latencies and failures.
 */
export async function closedLoop<T>(o: LoopOptions<T>): Promise<LoopResult> {
  const lat: number[] = [];
  let failed = 0;
  let firstError: string | undefined;
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: o.lanes }, async () => {
      for (;;) {
        const i = next++;
        if (i >= o.n) return;
        const input = o.prepare(i);
        const t0 = performance.now();
        try {
          const failure = await o.send(input, i, t0);
          lat.push(performance.now() - t0);
          if (failure !== undefined) {
            failed++;
            firstError ??= failure;
          }
        } catch (err) {
          if (o.timeRejected) lat.push(performance.now() - t0);
          failed++;
          firstError ??= String(err);
        }
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { seconds, lat, failed, ...(firstError === undefined ? {} : { firstError }) };
}

/** Where {@link withBenchHub}'s Hub listens and keeps its data. */
export interface BenchHubSetup {
  readonly redisUrl: string;
  /** A free port on 127.0.0.1 for the protocol listener under test. */
  readonly port: number;
  readonly dataDir: string;
}

/** The running Hub and its Redis, for the measurement. */
export interface BenchHub {
  readonly port: number;
  /** `cpu` and `rss` of a Row: Hub's and Redis' CPU seconds and peak RSS (MiB) so far, `?` when unknown. */
  resources(): { cpu: string; rss: string };
}

/**
 * Starts a private appendonly Redis and a Hub child running `apps` on `config(setup)`, runs `measure`, then
 * stops both and removes the data directory, also when `measure` throws (which it rethrows).
 */
export async function withBenchHub<T>(
  name: string,
  config: (setup: BenchHubSetup) => string,
  apps: string[],
  measure: (hub: BenchHub) => Promise<T>,
): Promise<T> {
  const redis = await RedisServer.start({ appendonly: true });
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), `hub-bench-${name}-`));
  try {
    const hub = await startHubChild(config({ redisUrl: redis.url, port, dataDir }), apps);
    try {
      return await measure({
        port,
        resources() {
          const hubStats = procStats(hub.pid);
          const redisStats = redis.pid === undefined ? undefined : procStats(redis.pid);
          return {
            cpu: `hub ${hubStats?.cpuSeconds.toFixed(1) ?? '?'} / redis ${redisStats?.cpuSeconds.toFixed(1) ?? '?'}`,
            rss: `hub ${hubStats?.peakRssMiB.toFixed(0) ?? '?'} / redis ${redisStats?.peakRssMiB.toFixed(0) ?? '?'}`,
          };
        },
      });
    } finally {
      await hub.stop();
    }
  } finally {
    await redis.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** A table row for `n` operations measured by `r`: messages, seconds, rate and latency columns; the rest given. */
export function loopRow(
  n: number,
  r: LoopResult,
  rest: Pick<Row, 'scenario' | 'system' | 'cpu' | 'rss' | 'note'>,
): Row {
  return {
    scenario: rest.scenario,
    system: rest.system,
    messages: n,
    seconds: r.seconds,
    rate: n / r.seconds,
    ...percentiles(r.lat),
    cpu: rest.cpu,
    rss: rest.rss,
    ...(rest.note === undefined ? {} : { note: rest.note }),
  };
}
