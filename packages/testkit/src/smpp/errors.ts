import { setTimeout as sleep } from 'node:timers/promises';

/** What went wrong in a simulator call; match on this, never on the message text. */
export type SmppSimErrorKind =
  /** bind_*_resp carried a non-zero command_status (see `status`). */
  | 'bind-failed'
  /** No response within the configured time. */
  | 'timeout'
  /** The connection closed (or was never writable) before the response. */
  | 'closed'
  /** Nothing to deliver to: no receiver/transceiver bound for the system_id. */
  | 'no-receiver'
  /** The TCP/TLS connection could not be established. */
  | 'connect-failed';

/**
 * The one error type thrown by the SMPP test simulators (test tooling, so outside the `@hub/errors`
 * catalog on purpose: production code never sees it). `status` is the SMPP command_status when one was
 * received.
 */
export class SmppSimError extends Error {
  override readonly name = 'SmppSimError';
  constructor(
    readonly kind: SmppSimErrorKind,
    message: string,
    readonly status?: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * Polls `get()` every 5 ms until it reaches `n`; rejects with SmppSimError `timeout` naming the count
 * reached when `timeoutMs` passes first.
 */
export async function waitCount(
  get: () => number,
  n: number,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (get() < n) {
    if (Date.now() > deadline) {
      throw new SmppSimError('timeout', `waited ${timeoutMs} ms for ${n} ${what}, have ${get()}`);
    }
    await sleep(5);
  }
}
