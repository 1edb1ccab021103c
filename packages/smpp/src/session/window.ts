import { Errors, type HubError } from '@hub/errors';

/** One request waiting for its response, as listed by {@link Window.list}. */
export interface PendingEntry<Req> {
  readonly sequence: number;
  readonly request: Req;
  /** `Date.now()` when offered. */
  readonly offeredAt: number;
  /** `Date.now()` after which the request expires. */
  readonly expiresAt: number;
}

/** Options of a {@link Window}. */
export interface WindowOptions {
  /** Most requests in flight at once (reserved + pending). At least 1. */
  readonly maxSize: number;
  /** Name of the requests for error messages, e.g. the command (default `request`). */
  readonly label?: (request: unknown) => string;
}

interface Pending<Req, Res> {
  readonly entry: PendingEntry<Req>;
  readonly resolve: (res: Res) => void;
  readonly reject: (err: Error) => void;
  readonly timer: NodeJS.Timeout;
}

interface Waiter {
  readonly resolve: () => void;
  readonly reject: (err: Error) => void;
  timer: NodeJS.Timeout | undefined;
}

/**
 * The in-flight window of one SMPP session (cloudhopper `Window`, gosmpp `RequestStore`): caps how many
 * requests wait for a response and expires those that get none. No sockets: the session sends, this only
 * keeps the book.
 *
 * Protocol: `await acquire(ms)` reserves a slot, then `offer(seq, req, ms)` turns the reservation into a
 * pending request whose promise settles on {@link complete}, on expiry (`HUB_ERR_SMPP_RESPONSE_TIMEOUT`) or
 * on {@link failAll}. If sending fails between the two, call {@link release}. `offer` without a
 * reservation never blocks: control PDUs (enquire_link, unbind) use it so they are never stuck behind a
 * full window, and may briefly push the occupancy above `maxSize`.
 */
export class Window<Req = unknown, Res = unknown> {
  readonly maxSize: number;
  readonly #label: (request: unknown) => string;
  readonly #pending = new Map<number, Pending<Req, Res>>();
  readonly #waiters: Waiter[] = [];
  #reserved = 0;

  constructor(options: WindowOptions) {
    if (!Number.isInteger(options.maxSize) || options.maxSize < 1) {
      throw new Errors.HUB_ERR_CONFIG('window.maxSize', `must be an integer >= 1, got ${options.maxSize}`);
    }
    this.maxSize = options.maxSize;
    this.#label = options.label ?? (() => 'request');
  }

  /** Requests offered and not yet settled. */
  get size(): number {
    return this.#pending.size;
  }

  /** Slots taken: reservations plus pending requests. */
  get occupied(): number {
    return this.#reserved + this.#pending.size;
  }

  /** Callers waiting in {@link acquire}. */
  get waiting(): number {
    return this.#waiters.length;
  }

  /**
   * Reserves one slot, waiting up to `timeoutMs` for one to free up (FIFO). Rejects with
   * `HUB_ERR_SMPP_WINDOW_TIMEOUT` (recovery `throttled`: back off and retry) or with the reason given to
   * {@link failAll}. Every successful acquire must be followed by {@link offer} or {@link release}.
   */
  acquire(timeoutMs: number): Promise<void> {
    if (this.occupied < this.maxSize && this.#waiters.length === 0) {
      this.#reserved++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, timer: undefined };
      waiter.timer = setTimeout(() => {
        const i = this.#waiters.indexOf(waiter);
        if (i >= 0) this.#waiters.splice(i, 1);
        reject(new Errors.HUB_ERR_SMPP_WINDOW_TIMEOUT(timeoutMs, this.maxSize));
      }, timeoutMs);
      this.#waiters.push(waiter);
    });
  }

  /** Gives back a slot reserved by {@link acquire} that was not used (the send failed). */
  release(): void {
    if (this.#reserved > 0) this.#reserved--;
    this.#wake();
  }

  /**
   * Registers `request` under `sequence` and returns the response promise. Uses a reserved slot if there
   * is one. Throws `HUB_ERR_CONFLICT` if the sequence is already pending (a wrapped counter caught up
   * with a request still in flight: the caller must not send).
   */
  offer(sequence: number, request: Req, timeoutMs: number): Promise<Res> {
    if (this.#pending.has(sequence)) {
      throw new Errors.HUB_ERR_CONFLICT(`sequence_number ${sequence} is already in flight`);
    }
    if (this.#reserved > 0) this.#reserved--;
    const now = Date.now();
    return new Promise<Res>((resolve, reject) => {
      const timer = setTimeout(() => {
        if (this.#pending.delete(sequence)) {
          reject(
            new Errors.HUB_ERR_SMPP_RESPONSE_TIMEOUT(this.#label(request), timeoutMs, {
              details: { sequence },
            }),
          );
          this.#wake();
        }
      }, timeoutMs);
      this.#pending.set(sequence, {
        entry: { sequence, request, offeredAt: now, expiresAt: now + timeoutMs },
        resolve,
        reject,
        timer,
      });
    });
  }

  /** Settles the request pending under `sequence` with `response`. False when none is pending (late or stray). */
  complete(sequence: number, response: Res): boolean {
    const p = this.#take(sequence);
    if (!p) return false;
    p.resolve(response);
    return true;
  }

  /** Rejects the request pending under `sequence`. False when none is pending. */
  fail(sequence: number, error: Error): boolean {
    const p = this.#take(sequence);
    if (!p) return false;
    p.reject(error);
    return true;
  }

  /** The request pending under `sequence`, if any. */
  get(sequence: number): PendingEntry<Req> | undefined {
    return this.#pending.get(sequence)?.entry;
  }

  /** Snapshot of pending requests, oldest first. */
  list(): PendingEntry<Req>[] {
    return [...this.#pending.values()].map((p) => p.entry);
  }

  /**
   * Rejects every pending request and every waiter with `reason` (typically `HUB_ERR_SMPP_SESSION_CLOSED`,
   * recovery `temporary`: the caller resends after reconnecting) and drops all reservations.
   */
  failAll(reason: HubError | Error): void {
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    this.#reserved = 0;
    const waiters = this.#waiters.splice(0);
    for (const p of pending) {
      clearTimeout(p.timer);
      p.reject(reason);
    }
    for (const w of waiters) {
      clearTimeout(w.timer);
      w.reject(reason);
    }
  }

  #take(sequence: number): Pending<Req, Res> | undefined {
    const p = this.#pending.get(sequence);
    if (!p) return undefined;
    this.#pending.delete(sequence);
    clearTimeout(p.timer);
    this.#wake();
    return p;
  }

  #wake(): void {
    while (this.#waiters.length > 0 && this.occupied < this.maxSize) {
      const w = this.#waiters.shift() as Waiter;
      clearTimeout(w.timer);
      this.#reserved++;
      w.resolve();
    }
  }
}
