import { setTimeout as sleep } from 'node:timers/promises';

export interface WaitOptions {
  /** Give up after this many milliseconds (default 10 s). */
  readonly timeoutMs?: number;
  /** Poll interval (default 20 ms). */
  readonly intervalMs?: number;
  /** Included in the timeout error, to say what was awaited. */
  readonly what?: string;
}

/**
 * Polls `check` until it returns a value other than `undefined`/`false`, and returns it.
 * Throws a descriptive error on timeout; exceptions from `check` are retried until the deadline, then rethrown.
 */
export async function waitFor<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  opts: WaitOptions = {},
): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
  let lastError: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
      lastError = undefined;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const msg = `timed out after ${opts.timeoutMs ?? 10_000} ms waiting for ${opts.what ?? 'condition'}`;
      throw lastError === undefined ? new Error(msg) : new Error(msg, { cause: lastError });
    }
    await sleep(opts.intervalMs ?? 20);
  }
}

/** Resolves with the first emission of `event` on `emitter`, or rejects after `timeoutMs`. */
export async function once<T = unknown>(
  emitter: {
    once(ev: string, fn: (...a: never[]) => void): unknown;
    off?(ev: string, fn: (...a: never[]) => void): unknown;
  },
  event: string,
  timeoutMs = 10_000,
): Promise<T> {
  return await new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.off?.(event, handler);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for '${event}'`));
    }, timeoutMs);
    const handler = (...args: never[]): void => {
      clearTimeout(timer);
      resolve(args[0] as T);
    };
    emitter.once(event, handler);
  });
}
