/**
 * Helpers of the fault-injection tests (faults.test.ts; not part of the build): paced load, message
 * accounting from submit to receipt, the SMPP gateway as a killable child process, and an MM7 gateway
 * service with a short VASP delivery timeout.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createRedisConnection } from '@hub/bus';
import type { HubConfig } from '@hub/config';
import { buildMm7App, Mm7Gateway, VaspDirectory } from '@hub/gateway-mm7';
import type { ServiceFactory } from '@hub/runtime';
import {
  FileContentStore,
  MessageStore,
  RedisContentStore,
  TieredContentStore,
  verifySecret,
} from '@hub/store';
import type { EsmeClient, EsmeReceipt, EsmeSubmit, SmscSimulator } from '@hub/testkit';

/** What one submit got: its command_status, or `closed` / `timeout` when no response came. */
export interface SubmitOutcome {
  readonly i: number;
  readonly status: number | 'closed' | 'timeout';
  readonly messageId: string | undefined;
  /** Milliseconds from sending to the answer (or the failure). */
  readonly ms: number;
}

/**
 * Paced load: `n` submits, `perTick` of them every `tickMs`, each on whatever `esme()` returns at that
 * moment (skipped as `closed` when it returns undefined or a closed client). Resolves when every submit
 * has an outcome; bounded by the clients' response timeout.
 */
export async function pacedSubmits(
  esme: () => EsmeClient | undefined,
  n: number,
  make: (i: number) => EsmeSubmit,
  o: { perTick: number; tickMs: number },
): Promise<SubmitOutcome[]> {
  const out: Promise<SubmitOutcome>[] = [];
  for (let i = 0; i < n; i++) {
    if (i > 0 && i % o.perTick === 0) await sleep(o.tickMs);
    const c = esme();
    const t0 = Date.now();
    if (c === undefined || c.closed) {
      out.push(Promise.resolve({ i, status: 'closed', messageId: undefined, ms: 0 }));
      continue;
    }
    out.push(
      c.submit(make(i)).then(
        (r) => ({ i, status: r.status, messageId: r.messageId, ms: Date.now() - t0 }),
        (err: { kind?: string }) => ({
          i,
          status: err.kind === 'timeout' ? ('timeout' as const) : ('closed' as const),
          messageId: undefined,
          ms: Date.now() - t0,
        }),
      ),
    );
  }
  return await Promise.all(out);
}

/** Counts per status (`0x..` for command_status, or `closed`/`timeout`), for messages. */
export function statusCounts(outcomes: readonly SubmitOutcome[]): Record<string, number> {
  const c: Record<string, number> = {};
  for (const o of outcomes) {
    const k = typeof o.status === 'number' ? `0x${o.status.toString(16)}` : o.status;
    c[k] = (c[k] ?? 0) + 1;
  }
  return c;
}

/** Message accounting for an SMPP run: accepted = delivered + failed + lost, plus duplicates. */
export interface SmppTally {
  /** Submits answered status 0 (the ESME holds a message id). */
  readonly accepted: number;
  /** Accepted messages with a DELIVRD receipt at the ESME. */
  readonly delivered: number;
  /** Accepted messages with a final receipt of another stat (the reason is in the receipt). */
  readonly failed: number;
  /** Accepted messages with no receipt at all. */
  readonly lost: readonly string[];
  /** Failure reasons (`stat err`) by count. */
  readonly reasons: Record<string, number>;
  /** Accepted submit_sm at the SMSC beyond the first, per message text. */
  readonly smscDuplicates: number;
  /** Receipts at the ESME(s) beyond the first, per message id. */
  readonly esmeDuplicates: number;
  /** Receipts for ids the ESME never got in a submit_sm_resp (the answer was lost in a crash). */
  readonly unknownReceipts: number;
  /** Messages whose text reached the SMSC accepted, among the `texts` given. */
  readonly atSmsc: number;
}

const STAT = /stat:([A-Z]{7}) err:([0-9A-Za-z]{3})/;

/**
 * Accounts an SMPP run: `accepted` maps the message ids the ESME got to their texts; `texts` are all the
 * texts this run submitted (accepted or not) so the SMSC counts only this run's submits.
 */
export function tallySmpp(o: {
  readonly accepted: ReadonlyMap<string, string>;
  readonly texts: ReadonlySet<string>;
  readonly receipts: readonly EsmeReceipt[];
  readonly smsc: SmscSimulator;
}): SmppTally {
  const perId = new Map<string, EsmeReceipt[]>();
  let unknownReceipts = 0;
  for (const r of o.receipts) {
    if (r.id === undefined || !o.accepted.has(r.id)) {
      // Only count receipts of this run (their text: field starts with the run's text).
      const text = /text:(.*)$/.exec(r.text)?.[1] ?? '';
      if ([...o.texts].some((t) => t.startsWith(text) && text !== '')) unknownReceipts++;
      continue;
    }
    const list = perId.get(r.id);
    if (list === undefined) perId.set(r.id, [r]);
    else list.push(r);
  }
  let delivered = 0;
  let failed = 0;
  let esmeDuplicates = 0;
  const lost: string[] = [];
  const reasons: Record<string, number> = {};
  for (const id of o.accepted.keys()) {
    const list = perId.get(id);
    if (list === undefined) {
      lost.push(id);
      continue;
    }
    esmeDuplicates += list.length - 1;
    const m = STAT.exec(list[0]?.text ?? '');
    if (m?.[1] === 'DELIVRD') delivered++;
    else {
      failed++;
      const why = m === null ? 'unparsed receipt' : `${m[1]} err:${m[2]}`;
      reasons[why] = (reasons[why] ?? 0) + 1;
    }
  }
  const perText = new Map<string, number>();
  for (const s of o.smsc.submits) {
    if (s.status !== 0) continue;
    const t = s.body.toString('latin1');
    if (o.texts.has(t)) perText.set(t, (perText.get(t) ?? 0) + 1);
  }
  const smscDuplicates = [...perText.values()].reduce((n, c) => n + c - 1, 0);
  return {
    accepted: o.accepted.size,
    delivered,
    failed,
    lost,
    reasons,
    smscDuplicates,
    esmeDuplicates,
    unknownReceipts,
    atSmsc: perText.size,
  };
}

/** One line for the test output (and docs/reliability.md). */
export function describeTally(name: string, t: SmppTally, extra = ''): string {
  const reasons = Object.entries(t.reasons)
    .map(([k, v]) => `${v}× ${k}`)
    .join(', ');
  return (
    `[faults] ${name}: accepted ${t.accepted} = delivered ${t.delivered} + failed ${t.failed}` +
    `${reasons === '' ? '' : ` (${reasons})`} + lost ${t.lost.length}; ` +
    `duplicates: SMSC ${t.smscDuplicates}, ESME ${t.esmeDuplicates}; ` +
    `receipts for unacknowledged submits ${t.unknownReceipts}${extra === '' ? '' : `; ${extra}`}`
  );
}

/** `hub start <apps>` as a child process (node + tsx on the sources), killable with SIGKILL. */
export interface HubChild {
  readonly proc: ChildProcess;
  out(): string;
  readonly exited: Promise<number | null>;
}

const MAIN = new URL('../../../apps/hub/src/main.ts', import.meta.url).pathname;

/** Writes `config` to a temp file and returns its path. */
export function writeConfig(config: HubConfig, name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `hub-faults-${name}-`));
  const file = join(dir, 'hub.json');
  writeFileSync(file, JSON.stringify(config));
  return file;
}

/** Spawns `hub start <apps> --config <file>` with HUB_REDIS_URL set. */
export function startHubChild(apps: readonly string[], configFile: string, redisUrl: string): HubChild {
  const proc = spawn(
    process.execPath,
    ['--conditions=@hub/source', '--import', 'tsx', MAIN, 'start', ...apps, '--config', configFile],
    {
      env: { ...process.env, HUB_LOG_LEVEL: process.env.HUB_E2E_LOG ?? 'error', HUB_REDIS_URL: redisUrl },
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
  const exited = new Promise<number | null>((res) => proc.on('exit', (code) => res(code)));
  return { proc, out: () => out, exited };
}

/** SIGKILLs a child (if still running) and waits for its exit. */
export async function killChild(c: HubChild | undefined): Promise<void> {
  if (c === undefined || c.proc.exitCode !== null || c.proc.signalCode !== null) return;
  c.proc.kill('SIGKILL');
  await c.exited;
}

/**
 * The `mm7` service as `hub start mm7` builds it, but with a short timeout for POSTs to VASPs (the
 * configuration has no setting for it; the default is 30 s), so a VASP that stops answering is seen
 * within the test.
 */
export function mm7ServiceWithDeliveryTimeout(timeoutMs: number): ServiceFactory {
  return async (ctx) => {
    const { config, core, log } = ctx;
    const redis = core.connection.client('command');
    const gateway = new Mm7Gateway({
      accounts: new VaspDirectory(config.accounts),
      store: core.messages,
      bus: core.bus,
      content: new TieredContentStore({
        small: new RedisContentStore({ redis, prefix: core.connection.prefix }),
        large: new FileContentStore({ dir: resolve(config.dataDir, 'content') }),
      }),
      ids: core.ids,
      verifyPassword: verifySecret,
      instance: ctx.instance,
      log,
      routeQueueHighWater: config.limits.routeQueueHighWater,
      delivery: { timeoutMs },
    });
    const l = config.listeners.mm7;
    const app = buildMm7App({ gateway, path: l.path, log });
    await app.listen({ host: l.host, port: l.port });
    gateway.startDelivery();
    return {
      name: 'mm7',
      endpoints: [`http://${l.host}:${l.port}${l.path}`],
      async stop() {
        await gateway.close();
        await app.close();
        await redis.quit().catch(() => undefined);
      },
    };
  };
}

/**
 * The stored record (state and hop history) of each of `ids`, for a failure message: where a lost or
 * wrongly failed message stopped.
 */
export async function explainMessages(
  redisUrl: string,
  prefix: string,
  ids: readonly string[],
): Promise<string> {
  const conn = createRedisConnection({ url: redisUrl, prefix });
  const client = conn.client('command');
  try {
    const store = new MessageStore({ redis: client, prefix });
    const lines: string[] = [];
    for (const id of ids.slice(0, 5)) {
      const m = await store.get(id, { history: true }).catch((err: unknown) => String(err));
      if (m === undefined || typeof m === 'string') {
        lines.push(`${id}: ${m ?? 'no record'}`);
        continue;
      }
      const hops = m.history.map(
        (h) =>
          `${h.hop}${h.state === undefined ? '' : `→${h.state}`}${h.detail === undefined ? '' : ` (${h.detail})`}`,
      );
      lines.push(`${id}: ${m.state}, attempts ${m.attempts}: ${hops.join(' | ')}`);
    }
    return lines.join('\n');
  } finally {
    client.disconnect();
  }
}
