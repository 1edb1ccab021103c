import { type ChildProcess, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * Resolves `p`, or rejects after `ms` with `timed out after <ms> ms waiting for <what>`. The timer is cleared
 * either way; `p` itself is not cancelled.
 */
export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Polls `fn` every 100 ms until it returns a value (not `undefined`) and returns it; rejects after `ms`
 * naming `what`. Exceptions from `fn` are not retried: they reject at once.
 */
export async function poll<T>(
  fn: () => Promise<T | undefined> | T | undefined,
  ms: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() >= deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Absolute path of `name` on PATH or in the sbin directories (Kannel installs its boxes in /usr/sbin), or
 * `undefined`: the caller skips its test.
 */
export function findExecutable(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/local/sbin', '/usr/sbin', '/sbin'];
  for (const dir of dirs) {
    if (!dir) continue;
    const full = join(dir, name);
    if (existsSync(full)) return full;
  }
  return undefined;
}

/** True when `perl -MNet::SMPP -e1` succeeds; otherwise the caller skips its test. */
export function hasNetSmpp(): boolean {
  const r = spawnSync('perl', ['-MNet::SMPP', '-e1'], { stdio: 'ignore', timeout: 10_000 });
  return r.status === 0;
}

/** Last `n` characters of a log file, for failure messages; `(no log)` when it cannot be read. */
export function tail(path: string, n = 3000): string {
  try {
    return readFileSync(path, 'latin1').slice(-n);
  } catch {
    return '(no log)';
  }
}

/**
 * Ends a child started with `detached: true` (its own process group): SIGTERM to the group, then SIGKILL
 * after `graceMs`. Resolves once the leader has exited (or 2 s after SIGKILL); never rejects.
 */
export async function killGroup(child: ChildProcess, graceMs = 3000): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit').then(() => undefined);
  const signal = (sig: NodeJS.Signals): void => {
    try {
      process.kill(-(child.pid as number), sig);
    } catch {
      // group already gone
    }
  };
  signal('SIGTERM');
  try {
    await within(exited, graceMs, 'graceful exit');
  } catch {
    signal('SIGKILL');
    await within(exited, 2000, 'exit after SIGKILL').catch(() => {});
  }
}
