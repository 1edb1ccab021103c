/**
 * Adaptive token bucket for one connector: at most `rate` sends per second, with a one-second burst.
 * Halves the rate when the upstream pushes back (ESME_RTHROTTLED, ESME_RMSGQFUL, congestion_state ≥ 80)
 * and recovers additively once it stops (AIMD, like TCP). Pure logic: time is passed in, no timers.
 */

/** Options of a {@link RateLimiter}. */
export interface RateLimiterOptions {
  /** Configured messages per second; 0 = unlimited until the upstream pushes back. */
  readonly messagesPerSecond: number;
  /** Lowest rate backoff goes down to (default 1/s, or the configured rate when below 1). */
  readonly minRate?: number;
  /** Backoffs closer together than this count once: one burst of throttled responses halves once (default 1000). */
  readonly holdMs?: number;
  /** Quiet time after the last backoff before recovery starts (default 2000). */
  readonly recoverAfterMs?: number;
  /** Rate regained per second of recovery, as a fraction of the target (default 0.1 → full speed in ~10 s). */
  readonly recoverFraction?: number;
  /** congestion_state from which to back off (default 80). */
  readonly congestionThreshold?: number;
}

/** What {@link RateLimiter.reserve} decided. */
export type Reservation =
  | { readonly ok: true; readonly waitMs: number }
  | { readonly ok: false; readonly waitMs: number };

const WINDOW_MS = 1000;

/** See the module comment. All methods take `now` in ms. */
export class RateLimiter {
  readonly configured: number;
  readonly #minRate: number;
  readonly #holdMs: number;
  readonly #recoverAfterMs: number;
  readonly #recoverFraction: number;
  readonly #congestionThreshold: number;
  /** Current rate; Infinity = unlimited. */
  #rate: number;
  /** Rate recovery climbs back to (configured, or twice the observed rate for an unlimited connector). */
  #target: number;
  #tokens: number;
  #last: number | undefined;
  #lastBackoff: number | undefined;
  #recoveredUntil = 0;
  /** Send times in the last second, for estimating the rate of an unlimited connector. */
  readonly #recent: number[] = [];

  constructor(options: RateLimiterOptions) {
    const c = options.messagesPerSecond;
    if (!(c >= 0) || !Number.isFinite(c)) throw new RangeError(`messagesPerSecond ${c}`);
    this.configured = c;
    this.#rate = c > 0 ? c : Number.POSITIVE_INFINITY;
    this.#target = this.#rate;
    this.#tokens = c > 0 ? Math.max(1, c) : 0;
    this.#minRate = options.minRate ?? (c > 0 ? Math.min(1, c) : 1);
    this.#holdMs = options.holdMs ?? 1000;
    this.#recoverAfterMs = options.recoverAfterMs ?? 2000;
    this.#recoverFraction = options.recoverFraction ?? 0.1;
    this.#congestionThreshold = options.congestionThreshold ?? 80;
  }

  /** Current rate in msg/s at `now`; Infinity when unlimited. */
  rate(now: number): number {
    this.#advance(now);
    return this.#rate;
  }

  /**
   * Takes one send slot. `ok: true` with `waitMs` 0 = send now; with `waitMs` > 0 = the slot is reserved
   * at that delay (sleep, then send). `ok: false` = the wait would exceed `maxWaitMs`: nothing reserved,
   * the caller fails the send as throttled.
   */
  reserve(now: number, maxWaitMs = Number.POSITIVE_INFINITY): Reservation {
    this.#advance(now);
    this.#note(now);
    if (this.#rate === Number.POSITIVE_INFINITY) return { ok: true, waitMs: 0 };
    const waitMs = this.#tokens >= 1 ? 0 : Math.ceil(((1 - this.#tokens) / this.#rate) * 1000);
    if (waitMs > maxWaitMs) {
      this.#recent.pop();
      return { ok: false, waitMs };
    }
    // Tokens may go negative: later callers queue behind the reserved slots.
    this.#tokens -= 1;
    return { ok: true, waitMs };
  }

  /** Gives back a slot reserved by {@link reserve} that was not used (the send was abandoned). */
  release(): void {
    if (this.#rate !== Number.POSITIVE_INFINITY) this.#tokens = Math.min(this.#capacity(), this.#tokens + 1);
  }

  /** The upstream said slow down (ESME_RTHROTTLED / ESME_RMSGQFUL): halve the rate (once per hold time). */
  backoff(now: number): void {
    this.#advance(now);
    if (this.#lastBackoff !== undefined && now - this.#lastBackoff < this.#holdMs) {
      this.#lastBackoff = now;
      return;
    }
    if (this.#rate === Number.POSITIVE_INFINITY) {
      // Unlimited: start from what was actually sent in the last second.
      const observed = Math.max(this.#minRate, this.#observed(now));
      this.#target = observed * 2;
      this.#rate = Math.max(this.#minRate, observed / 2);
      this.#tokens = 0;
    } else {
      this.#rate = Math.max(this.#minRate, this.#rate / 2);
      this.#tokens = Math.min(this.#tokens, this.#capacity());
    }
    this.#lastBackoff = now;
    this.#recoveredUntil = now;
  }

  /** congestion_state (0–100) from a response: backs off at or above the threshold. */
  congestion(level: number, now: number): void {
    if (level >= this.#congestionThreshold) this.backoff(now);
  }

  /** True while the rate is below its target (backed off). */
  backedOff(now: number): boolean {
    this.#advance(now);
    return this.#rate < this.#target || (this.configured === 0 && this.#rate !== Number.POSITIVE_INFINITY);
  }

  #capacity(): number {
    return Math.max(1, this.#rate);
  }

  #observed(now: number): number {
    while (this.#recent.length > 0 && (this.#recent[0] as number) <= now - WINDOW_MS) this.#recent.shift();
    return this.#recent.length;
  }

  #note(now: number): void {
    this.#recent.push(now);
    if (this.#recent.length > 10_000) this.#recent.shift();
  }

  #advance(now: number): void {
    if (this.#last === undefined) this.#last = now;
    // Recovery: after a quiet period, regain a fraction of the target per elapsed second.
    if (this.#lastBackoff !== undefined && this.#rate < this.#target) {
      const from = Math.max(this.#recoveredUntil, this.#lastBackoff + this.#recoverAfterMs);
      if (now > from) {
        this.#rate = Math.min(
          this.#target,
          this.#rate + ((now - from) / 1000) * this.#recoverFraction * this.#target,
        );
        this.#recoveredUntil = now;
        if (this.#rate >= this.#target && this.configured === 0) {
          this.#rate = Number.POSITIVE_INFINITY;
          this.#target = Number.POSITIVE_INFINITY;
        }
      }
    }
    if (this.#rate !== Number.POSITIVE_INFINITY) {
      const elapsed = Math.max(0, now - this.#last);
      this.#tokens = Math.min(this.#capacity(), this.#tokens + (elapsed / 1000) * this.#rate);
    }
    this.#last = Math.max(this.#last, now);
  }
}
