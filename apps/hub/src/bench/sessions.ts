import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashSecret } from '@hub/store';
import { freePort, RedisServer } from '@hub/testkit';
import { type HubChild, startHubChild } from './hub-process.js';
import { BIND_TRANSCEIVER, cstrings, ENQUIRE_LINK, frame, RESP, UNBIND } from './lean-esme.js';
import { percentiles, procStats, type Row, selfStats } from './measure.js';

/** Options of {@link smppSessions} (`pnpm bench smpp-sessions --n SESSIONS`). */
export interface SessionsBenchOptions {
  /** Sessions to bind and hold. */
  readonly sessions: number;
  /** Connects + binds in flight at once. */
  readonly concurrency: number;
  /** Seconds to hold every session before measuring. */
  readonly holdSeconds: number;
}

// The configuration caps maxBinds at 1,000 per account, so 10,000 sessions need 10 accounts.
const BINDS_PER_ACCOUNT = 1000;
// Source addresses for the client sockets: one 127.0.0.x each, ~28k ephemeral ports apiece.
const SOURCES = 4;

/**
 * One bound session held with a bare socket (no SMPP library: 10,000 of them must not cost the client
 * much). Answers enquire_link and unbind; `closed` turns true when the gateway drops it.
 */
interface HeldSession {
  readonly socket: Socket;
  closed: boolean;
}

/** Connects from `localAddress`, binds as a transceiver and resolves once bind_resp says OK. */
function bindOne(
  port: number,
  localAddress: string,
  systemId: string,
  timeoutMs: number,
): Promise<HeldSession> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, localAddress });
    const held: HeldSession = { socket, closed: false };
    let buf: Buffer = Buffer.alloc(0);
    let bound = false;
    const timer = setTimeout(() => fail(new Error(`no bind_resp within ${timeoutMs} ms`)), timeoutMs);
    const fail = (e: Error): void => {
      clearTimeout(timer);
      socket.destroy();
      reject(e);
    };
    socket.setNoDelay(true);
    socket.on('error', (e) => {
      if (!bound) fail(e);
    });
    socket.on('close', () => {
      held.closed = true;
      if (!bound) fail(new Error('closed before bind_resp'));
    });
    socket.once('connect', () => {
      const body = Buffer.concat([cstrings(systemId, 'bench', ''), Buffer.from([0x34, 0, 0]), cstrings('')]);
      socket.write(frame(BIND_TRANSCEIVER, 1, body));
    });
    socket.on('data', (d: Buffer) => {
      buf = buf.length === 0 ? d : Buffer.concat([buf, d]);
      while (buf.length >= 16) {
        const len = buf.readUInt32BE(0);
        if (len < 16 || buf.length < len) break;
        const id = buf.readUInt32BE(4);
        const status = buf.readUInt32BE(8);
        const seq = buf.readUInt32BE(12);
        buf = buf.subarray(len);
        if (id === (BIND_TRANSCEIVER | RESP) >>> 0) {
          if (status !== 0) {
            fail(new Error(`bind refused with status 0x${status.toString(16)}`));
            return;
          }
          bound = true;
          clearTimeout(timer);
          resolve(held);
        } else if (id === ENQUIRE_LINK || id === UNBIND) {
          socket.write(frame((id | RESP) >>> 0, seq));
        } else if (id < RESP) {
          // Anything else the gateway asks (deliver_sm has nothing to deliver here): generic_nack.
          socket.write(frame(RESP, seq, undefined, 0x00000003));
        }
      }
      if (buf.length > 0) buf = Buffer.from(buf); // do not pin the whole read chunk
    });
  });
}

/** A Node preload for the Hub child: on SIGUSR2, run a full GC and write process.memoryUsage() to $HUB_BENCH_PROBE. */
const PROBE = `import { renameSync, writeFileSync } from 'node:fs';
const out = process.env.HUB_BENCH_PROBE;
if (out) process.on('SIGUSR2', () => {
  globalThis.gc?.();
  globalThis.gc?.();
  writeFileSync(out + '.tmp', JSON.stringify(process.memoryUsage()));
  renameSync(out + '.tmp', out);
});
`;

interface Memory {
  readonly rss: number;
  readonly heapUsed: number;
  readonly external: number;
  readonly arrayBuffers: number;
}

/** Full GC in the child, then its memoryUsage() (bytes), via the preload above. */
async function probe(pid: number, file: string): Promise<Memory> {
  rmSync(file, { force: true });
  process.kill(pid, 'SIGUSR2');
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      return JSON.parse(readFileSync(file, 'utf8')) as Memory;
    } catch {
      if (Date.now() > deadline) throw new Error('the Hub child did not answer the memory probe');
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** Soft/hard RLIMIT_NOFILE of a process; raised to `want` (root, or within the hard limit) when lower. */
function ensureFdLimit(pid: number, want: number): string {
  const read = (): [number, number] | undefined => {
    const m = /Max open files\s+(\d+)\s+(\d+)/.exec(readFileSync(`/proc/${pid}/limits`, 'utf8'));
    return m === null ? undefined : [Number(m[1]), Number(m[2])];
  };
  const before = read();
  if (before !== undefined && before[0] < want) {
    const hard = Math.max(before[1], want);
    spawnSync('prlimit', [`--pid=${pid}`, `--nofile=${want}:${hard}`], { stdio: 'ignore' });
  }
  const after = read();
  return after === undefined ? '?' : String(after[0]);
}

const kib = (bytes: number): string => (bytes / 1024).toFixed(1);

/**
 * `smpp-sessions`: binds N transceiver sessions (default 10,000) to one `hub start smpp` child (with Redis,
 * appendonly) from this process over bare sockets spread across 127.0.0.2–.5, holds them, and reports the
 * bind rate and the gateway's memory per session: RSS and V8 heap after a full GC, loaded minus a baseline
 * taken with one session per account bound (so password checks are cached and code is warm). Accounts
 * hold 1,000 binds each (the configuration's maximum).
 */
export async function smppSessions(o: SessionsBenchOptions): Promise<Row[]> {
  const accounts = Math.ceil(o.sessions / BINDS_PER_ACCOUNT);
  const hash = await hashSecret('bench');
  const redis = await RedisServer.start({ appendonly: true });
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'hub-bench-sessions-'));
  const probeFile = join(dir, 'memory.json');
  writeFileSync(join(dir, 'probe.mjs'), PROBE);
  const held: HeldSession[] = [];
  let hub: HubChild | undefined;
  const savedArgs = process.env.BENCH_NODE_ARGS;
  try {
    process.env.BENCH_NODE_ARGS = [savedArgs ?? '', '--expose-gc', `--import=${join(dir, 'probe.mjs')}`].join(
      ' ',
    );
    const started = startHubChild(
      `redis: { url: ${redis.url}, prefix: bench }
listeners:
  smpp: { host: 127.0.0.1, port: ${port} }
  mm7: { enabled: false, port: 0 }
  mm4: { enabled: false, port: 0 }
  api: { enabled: false, port: 0 }
  metrics: { enabled: false, port: 0 }
accounts:
${Array.from({ length: accounts }, (_, a) => `  - { id: bench${a}, smpp: { systemId: bench${a}, passwordHash: "${hash}", maxBinds: ${BINDS_PER_ACCOUNT} } }`).join('\n')}
`,
      ['smpp'],
      { HUB_BENCH_PROBE: probeFile },
    );
    process.env.BENCH_NODE_ARGS = savedArgs;
    if (savedArgs === undefined) delete process.env.BENCH_NODE_ARGS;
    hub = await started;
    const fds = `fd limit client ${ensureFdLimit(process.pid, o.sessions + 1024)}, gateway ${ensureFdLimit(hub.pid, o.sessions + 1024)}`;

    const bindLat: number[] = [];
    const timeout = 30_000;
    const bind = async (i: number): Promise<void> => {
      const t0 = performance.now();
      held.push(await bindOne(port, `127.0.0.${2 + (i % SOURCES)}`, `bench${i % accounts}`, timeout));
      bindLat.push(performance.now() - t0);
    };
    // Warm-up: one session per account (the one scrypt verification each), then the baseline.
    for (let a = 0; a < accounts; a++) await bind(a);
    await new Promise((r) => setTimeout(r, 1000));
    const base = await probe(hub.pid, probeFile);
    const baseCpu = {
      hub: procStats(hub.pid)?.cpuSeconds ?? 0,
      redis: procStats(redis.pid ?? 0)?.cpuSeconds ?? 0,
    };
    bindLat.length = 0;

    let next = accounts;
    let failed = 0;
    let firstError: string | undefined;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: o.concurrency }, async () => {
        for (;;) {
          const i = next++;
          if (i >= o.sessions) return;
          await bind(i).catch((e: Error) => {
            failed++;
            firstError ??= e.message;
          });
        }
      }),
    );
    const bindSeconds = (performance.now() - t0) / 1000;
    const bindCpu = {
      hub: (procStats(hub.pid)?.cpuSeconds ?? 0) - baseCpu.hub,
      redis: (procStats(redis.pid ?? 0)?.cpuSeconds ?? 0) - baseCpu.redis,
    };
    await new Promise((r) => setTimeout(r, o.holdSeconds * 1000));
    const loaded = await probe(hub.pid, probeFile);
    const alive = held.filter((h) => !h.closed).length;
    const added = alive - accounts;
    const per = (k: keyof Memory): number => (loaded[k] - base[k]) / Math.max(1, added);
    const hubStats = procStats(hub.pid);
    const self = selfStats();
    const bound = o.sessions - accounts - failed;
    return [
      {
        scenario: `smpp-sessions ${o.sessions}`,
        system: `Hub smpp gateway (${accounts} accounts × ≤${BINDS_PER_ACCOUNT} binds)`,
        messages: bound,
        seconds: bindSeconds,
        rate: bound / bindSeconds,
        ...percentiles(bindLat),
        cpu: `binds: hub ${bindCpu.hub.toFixed(1)} / redis ${bindCpu.redis.toFixed(1)}`,
        rss: `hub ${hubStats?.peakRssMiB.toFixed(0) ?? '?'} / client ${self.peakRssMiB.toFixed(0)}`,
        note: [
          `${alive} of ${o.sessions} bound after ${o.holdSeconds} s${failed > 0 ? `; ${failed} binds failed (first: ${firstError})` : ''}`,
          `per session: RSS ${kib(per('rss'))} KB, heapUsed ${kib(per('heapUsed'))} KB, external ${kib(per('external'))} KB (after full GC)`,
          `gateway RSS ${(base.rss / 2 ** 20).toFixed(0)} → ${(loaded.rss / 2 ** 20).toFixed(0)} MiB, heapUsed ${(base.heapUsed / 2 ** 20).toFixed(0)} → ${(loaded.heapUsed / 2 ** 20).toFixed(0)} MiB`,
          `latency columns: connect → bind_resp, ${o.concurrency} in flight`,
          fds,
        ].join('; '),
      },
    ];
  } finally {
    for (const h of held) h.socket.destroy();
    await hub?.stop();
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
