/**
 * A token bucket per account, in this process: `rate` tokens per second, burst of one second. Counts both
 * messages and segments. Across instances each process enforces the full rate (configure the account's
 * rate per instance, or put one gateway per account) — a Redis-wide limiter is the next step.
 */
export class TokenBucket {
  #tokens: number;
  #last: number;

  constructor(
    private readonly rate: number,
    now = Date.now(),
  ) {
    this.#tokens = Math.max(1, rate);
    this.#last = now;
  }

  /** Takes `n` tokens if available. A rate of 0 means unlimited. */
  take(n: number, now = Date.now()): boolean {
    if (this.rate <= 0) return true;
    // Burst of one second, but at least one message (a rate below 1/s must still let one through).
    const burst = Math.max(1, this.rate);
    this.#tokens = Math.min(burst, this.#tokens + ((now - this.#last) / 1000) * this.rate);
    this.#last = now;
    if (this.#tokens < n) return false;
    this.#tokens -= n;
    return true;
  }
}
