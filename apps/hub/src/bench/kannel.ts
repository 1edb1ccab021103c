import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { freePort } from '@hub/testkit';
import { procStats } from './measure.js';

/** Absolute path of a Kannel box (Debian installs them in /usr/sbin), or undefined when not installed. */
function findBox(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/local/sbin', '/usr/sbin', '/sbin'];
  for (const dir of dirs) {
    if (dir !== '' && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

/** bearerbox and smsbox paths when both are installed (Debian `kannel`). */
export function kannelBoxes(): { bearerbox: string; smsbox: string } | undefined {
  const bearerbox = findBox('bearerbox');
  const smsbox = findBox('smsbox');
  return bearerbox === undefined || smsbox === undefined ? undefined : { bearerbox, smsbox };
}

/** Kannel's `store-type`: `file` (its message store on disk, the durable setup) or none (memory only). */
export type KannelStore = 'file' | 'none';

/** Options of {@link runKannel}. */
export interface KannelRunOptions {
  /** The upstream SMSC simulator Kannel binds to (one transceiver, like Hub's connector). */
  readonly smscPort: number;
  readonly systemId: string;
  readonly password: string;
  readonly n: number;
  /** HTTP keep-alive connections to smsbox's sendsms, one request in flight on each. */
  readonly concurrency: number;
  /** max-pending-submits of the SMPP bind (Hub's connector uses the same windowSize). */
  readonly window: number;
  readonly store: KannelStore;
  /** Called once Kannel is bound and sendsms answers, right before the first MT (to snapshot CPU counters). */
  readonly onReady?: () => void | Promise<void>;
  /** Give up waiting for receipts after this long without a new one. Default 30 s. */
  readonly idleTimeoutMs?: number;
}

/** CPU seconds over a run and peak RSS (MiB) of one process. */
export interface ProcFigures {
  readonly cpuSeconds: number;
  readonly peakRssMiB: number;
}

/** What {@link runKannel} measured; every MT and DLR counted, shortfalls reported, never thrown. */
export interface KannelRun {
  /** sendsms answered 202 (Kannel queued it). */
  readonly accepted: number;
  readonly refused: number;
  readonly firstRefusal: string | undefined;
  /** First request to last sendsms answer. */
  readonly submitSeconds: number;
  /** sendsms request → answer, ms. */
  readonly submitLat: number[];
  /** Distinct messages whose final DLR reached the dlr-url. */
  readonly receipts: number;
  readonly duplicateReceipts: number;
  /** DLR types seen (1 delivered, 2 undeliverable, …) and how often. */
  readonly receiptTypes: ReadonlyMap<string, number>;
  /** First request to the last DLR callback. */
  readonly lastReceiptSeconds: number;
  /** sendsms request → DLR callback, ms. */
  readonly receiptLat: number[];
  /** CPU used during the run (start-up excluded) and peak RSS, per box. */
  readonly bearerbox: ProcFigures | undefined;
  readonly smsbox: ProcFigures | undefined;
  /** MTs accepted as readiness probes before the run (no DLR asked; the simulator counts them). */
  readonly probes: number;
}

function configFor(o: KannelRunOptions, p: Record<string, string | number>): string {
  // Logs at error level (3) only, no access-log: per-message logging would only slow Kannel down.
  const store =
    o.store === 'file'
      ? `store-type = file\nstore-location = "${p.DIR}/kannel.store"\nstore-dump-freq = 5\n`
      : '';
  return `group = core
admin-port = ${p.ADMIN_PORT}
admin-interface = 127.0.0.1
admin-password = ${p.ADMIN_PASSWORD}
admin-allow-ip = 127.0.0.1
smsbox-port = ${p.SMSBOX_PORT}
smsbox-interface = 127.0.0.1
box-allow-ip = 127.0.0.1
log-file = "${p.DIR}/bearerbox.log"
log-level = 3
dlr-storage = internal
${store}
group = smsc
smsc = smpp
smsc-id = sim
host = 127.0.0.1
port = ${o.smscPort}
transceiver-mode = true
smsc-username = ${o.systemId}
smsc-password = ${o.password}
system-type = ""
interface-version = 34
enquire-link-interval = 30
max-pending-submits = ${o.window}
msg-id-type = 3
reconnect-delay = 1
log-file = "${p.DIR}/smsc.log"
log-level = 3

group = smsbox
bearerbox-host = 127.0.0.1
bearerbox-port = ${p.SMSBOX_PORT}
sendsms-port = ${p.SENDSMS_PORT}
sendsms-interface = 127.0.0.1
log-file = "${p.DIR}/smsbox.log"
log-level = 3

group = sendsms-user
username = ${p.USER}
password = ${p.PASSWORD}
max-messages = 1
`;
}

async function stopBox(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    const t = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

function tail(path: string): string {
  try {
    return readFileSync(path, 'latin1').slice(-2000);
  } catch {
    return '(no log)';
  }
}

/**
 * Runs Kannel (bearerbox + smsbox) as the relay in the SMPP end-to-end benchmark: MT in through smsbox's
 * `cgi-bin/sendsms` over `concurrency` keep-alive connections, out to the simulator over one transceiver
 * bind, each DLR back to a dlr-url served here. Rejects when Kannel cannot start (logs in the message);
 * missing receipts are counted in the result, never thrown.
 */
export async function runKannel(o: KannelRunOptions): Promise<KannelRun> {
  const boxes = kannelBoxes();
  if (boxes === undefined) throw new Error('Kannel (bearerbox/smsbox) is not installed');
  const dir = mkdtempSync(join(tmpdir(), 'hub-bench-kannel-'));
  const user = 'bench';
  const password = randomBytes(6).toString('hex');
  const sendsmsPort = await freePort();
  const conf = configFor(o, {
    DIR: dir,
    ADMIN_PORT: await freePort(),
    ADMIN_PASSWORD: randomBytes(6).toString('hex'),
    SMSBOX_PORT: await freePort(),
    SENDSMS_PORT: sendsmsPort,
    USER: user,
    PASSWORD: password,
  });
  const confPath = join(dir, 'kannel.conf');
  writeFileSync(confPath, conf);

  // DLR callbacks: the message index is in the dlr-url itself, the DLR type from Kannel's %d.
  let started = 0;
  const sentAt = new Float64Array(o.n);
  const seen = new Uint8Array(o.n);
  const receiptLat: number[] = [];
  const receiptTypes = new Map<string, number>();
  let duplicateReceipts = 0;
  let lastReceipt = 0;
  const dlr = createServer((req, res) => {
    const q = new URL(req.url ?? '/', 'http://x').searchParams;
    const i = Number(q.get('i'));
    const type = q.get('t') ?? '?';
    receiptTypes.set(type, (receiptTypes.get(type) ?? 0) + 1);
    if (Number.isInteger(i) && i >= 0 && i < o.n) {
      if (seen[i] === 1) duplicateReceipts++;
      else {
        seen[i] = 1;
        lastReceipt = performance.now();
        receiptLat.push(lastReceipt - sentAt[i]!);
      }
    }
    res.end('ok');
  });
  dlr.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => dlr.listen(0, '127.0.0.1', () => r()));
  const dlrPort = (dlr.address() as AddressInfo).port;

  const children: ChildProcess[] = [];
  const agent = new Agent({ keepAlive: true, maxSockets: o.concurrency });
  try {
    const start = (bin: string): ChildProcess => {
      const c = spawn(bin, ['-v', '4', confPath], { cwd: dir, stdio: 'ignore' });
      children.push(c);
      return c;
    };
    const bb = start(boxes.bearerbox);
    await new Promise((r) => setTimeout(r, 300));
    const sb = start(boxes.smsbox);

    const get = (path: string): Promise<{ status: number; body: string }> =>
      new Promise((resolve, reject) => {
        const req = request({ agent, host: '127.0.0.1', port: sendsmsPort, path }, (res) => {
          let body = '';
          res.setEncoding('latin1');
          res.on('data', (c: string) => {
            body += c;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.setTimeout(60_000, () => req.destroy(new Error('sendsms timed out')));
        req.on('error', reject);
        req.end();
      });
    const pathFor = (i: number): string => {
      const q = new URLSearchParams({
        username: user,
        password,
        from: 'HUB',
        to: `4915${String(1_000_000 + i)}`,
        text: `bench message ${i}`,
        'dlr-mask': '3',
        'dlr-url': `http://127.0.0.1:${dlrPort}/dlr?i=${i}&t=%d`,
      });
      return `/cgi-bin/sendsms?${q}`;
    };

    // Ready when sendsms answers: a probe without a dlr-url that Kannel accepts.
    const probe = `/cgi-bin/sendsms?${new URLSearchParams({ username: user, password, from: 'HUB', to: '4915999', text: 'probe' })}`;
    const deadline = Date.now() + 30_000;
    for (;;) {
      const r = await get(probe).catch(() => undefined);
      if (r !== undefined && r.status === 202) break;
      if (Date.now() > deadline || bb.exitCode !== null || sb.exitCode !== null)
        throw new Error(
          `Kannel did not come up:\n${tail(join(dir, 'bearerbox.log'))}\n${tail(join(dir, 'smsbox.log'))}`,
        );
      await new Promise((r) => setTimeout(r, 200));
    }
    // Open every keep-alive connection before the clock starts (as the Hub client binds first): opening
    // them all at once during the run can cost a 1 s SYN retransmit at smsbox's accept backlog.
    const warm = await Promise.all(
      Array.from({ length: o.concurrency }, () => get(probe).catch(() => undefined)),
    );
    const probes = 1 + warm.filter((r) => r?.status === 202).length;
    await new Promise((r) => setTimeout(r, 500));
    const base = { bb: procStats(bb.pid ?? 0), sb: procStats(sb.pid ?? 0) };
    await o.onReady?.();

    const submitLat: number[] = [];
    let accepted = 0;
    let refused = 0;
    let firstRefusal: string | undefined;
    let next = 0;
    let lastAnswer = 0;
    started = performance.now();
    await Promise.all(
      Array.from({ length: o.concurrency }, async () => {
        for (;;) {
          const i = next++;
          if (i >= o.n) return;
          const t0 = performance.now();
          sentAt[i] = t0;
          const r = await get(pathFor(i)).catch((e: Error) => ({ status: 0, body: e.message }));
          lastAnswer = performance.now();
          submitLat.push(lastAnswer - t0);
          if (r.status === 202) accepted++;
          else {
            refused++;
            firstRefusal ??= `${r.status} ${r.body}`;
          }
        }
      }),
    );
    const submitSeconds = (lastAnswer - started) / 1000;

    // Every accepted MT owes a final DLR; stop when all came or none came for idleTimeoutMs.
    const idle = o.idleTimeoutMs ?? 30_000;
    let last = receiptLat.length;
    let lastChange = Date.now();
    while (receiptLat.length < accepted && Date.now() - lastChange < idle) {
      await new Promise((r) => setTimeout(r, 20));
      if (receiptLat.length !== last) {
        last = receiptLat.length;
        lastChange = Date.now();
      }
    }
    const figures = (pid: number | undefined, b: ProcFigures | undefined): ProcFigures | undefined => {
      const s = procStats(pid ?? 0);
      return s === undefined
        ? undefined
        : { cpuSeconds: s.cpuSeconds - (b?.cpuSeconds ?? 0), peakRssMiB: s.peakRssMiB };
    };
    return {
      accepted,
      refused,
      firstRefusal,
      submitSeconds,
      submitLat,
      receipts: receiptLat.length,
      duplicateReceipts,
      receiptTypes,
      lastReceiptSeconds: ((lastReceipt || performance.now()) - started) / 1000,
      receiptLat,
      bearerbox: figures(bb.pid, base.bb),
      smsbox: figures(sb.pid, base.sb),
      probes,
    };
  } finally {
    agent.destroy();
    // smsbox first (a client of bearerbox), then bearerbox (unbinds from the simulator).
    for (const c of children.reverse()) await stopBox(c);
    dlr.closeAllConnections();
    await new Promise<void>((r) => dlr.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  }
}
