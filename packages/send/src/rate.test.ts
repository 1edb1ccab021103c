import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RateLimiter } from './rate.js';
import { virtualClock } from './testing.fixture.js';

test('never more than perSecond grants in any one-second window, for sequential and concurrent callers', async () => {
  const clock = virtualClock();
  const limiter = new RateLimiter(100, clock);
  const grants: number[] = [];
  // 5 concurrent callers taking 500 grants between them.
  const run = Promise.all(
    Array.from({ length: 5 }, async () => {
      for (let i = 0; i < 100; i++) {
        await limiter.take();
        grants.push(clock.now());
      }
    }),
  );
  await clock.drive(run);
  assert.equal(grants.length, 500);
  assert.equal(limiter.granted, 500);
  grants.sort((a, b) => a - b);
  for (let i = 100; i < grants.length; i++) {
    // The (i-100)th and ith grants are at least one second apart: ≤ 100 in any second.
    assert.ok((grants[i] as number) - (grants[i - 100] as number) >= 1000 - 1e-6, `grant ${i}`);
  }
});

test('rate 0 means unlimited: nothing waits', async () => {
  const clock = virtualClock();
  const limiter = new RateLimiter(0, clock);
  const run = (async () => {
    for (let i = 0; i < 1000; i++) await limiter.take();
  })();
  await clock.drive(run);
  assert.equal(limiter.waited, 0);
  assert.equal(clock.t, 0);
});
