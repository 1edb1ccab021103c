/**
 * A pacing limiter: at most `perSecond` grants in any one-second window, spaced evenly (no bursts at the
 * start of each second, which SMSCs answer with ESME_RTHROTTLED). Clock and sleep are injectable so tests
 * count grants without timing.
 */
import { setTimeout as sleepMs } from 'node:timers/promises';

/** Clock and sleep of a {@link RateLimiter} (defaults: `Date.now`, timers). */
export interface RateClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const REAL: RateClock = { now: () => Date.now(), sleep: (ms) => sleepMs(ms) };

/** Grants `take()` calls at `perSecond` per second; `Infinity` or 0 means unlimited. */
export class RateLimiter {
  readonly perSecond: number;
  readonly #interval: number;
  readonly #clock: RateClock;
  #next = 0;
  /** Grants given so far. */
  granted = 0;
  /** Grants that had to wait. */
  waited = 0;

  constructor(perSecond: number, clock: RateClock = REAL) {
    this.perSecond = perSecond > 0 && Number.isFinite(perSecond) ? perSecond : Number.POSITIVE_INFINITY;
    this.#interval = Number.isFinite(this.perSecond) ? 1000 / this.perSecond : 0;
    this.#clock = clock;
  }

  /**
   * Resolves when the caller may send one more. Slots are reserved in call order, so concurrent callers
   * are spaced too. Never rejects.
   */
  async take(): Promise<void> {
    this.granted++;
    if (this.#interval === 0) return;
    const now = this.#clock.now();
    const slot = Math.max(now, this.#next);
    this.#next = slot + this.#interval;
    if (slot > now) {
      this.waited++;
      await this.#clock.sleep(slot - now);
    }
  }
}
