import type { RateClock } from './rate.js';

/**
 * A discrete-event clock for rate tests: `sleep()` registers a timer on virtual time and `drive()` fires
 * the earliest one whenever the event loop is otherwise idle, so grants can be counted per virtual second
 * without waiting and without timing asserts.
 */
export function virtualClock(): RateClock & { t: number; drive(until: Promise<unknown>): Promise<void> } {
  const timers: Array<{ at: number; resolve: () => void }> = [];
  const c = {
    t: 0,
    now: () => c.t,
    sleep: (ms: number) => new Promise<void>((resolve) => timers.push({ at: c.t + ms, resolve })),
    async drive(until: Promise<unknown>): Promise<void> {
      let finished = false;
      void until.then(
        () => {
          finished = true;
        },
        () => {
          finished = true;
        },
      );
      // Bounded: a run that never ends fails its test's timeout instead of spinning forever.
      for (let i = 0; i < 10_000_000 && !finished; i++) {
        await new Promise((r) => setImmediate(r));
        if (timers.length === 0) continue;
        timers.sort((a, b) => a.at - b.at);
        const next = timers.shift() as { at: number; resolve: () => void };
        c.t = Math.max(c.t, next.at);
        next.resolve();
      }
      await until;
    },
  };
  return c;
}
