import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RateLimiter } from './rate-limiter.js';

test('token bucket: a one-second burst, then slots spaced at 1/rate', () => {
  const l = new RateLimiter({ messagesPerSecond: 10 });
  for (let i = 0; i < 10; i++) assert.deepEqual(l.reserve(0), { ok: true, waitMs: 0 });
  // Slots are reserved in order: the 11th waits 100 ms, the 12th 200 ms.
  assert.deepEqual(l.reserve(0), { ok: true, waitMs: 100 });
  assert.deepEqual(l.reserve(0), { ok: true, waitMs: 200 });
  // Refill: 1 s later the debt of 2 is paid and 8 tokens are back.
  let free = 0;
  while (l.reserve(1000, 0).ok) free++;
  assert.equal(free, 8);
});

test('reserve refuses (without reserving) when the wait exceeds maxWaitMs; release gives a slot back', () => {
  const l = new RateLimiter({ messagesPerSecond: 1 });
  assert.equal(l.reserve(0, 500).ok, true);
  const r = l.reserve(0, 500);
  assert.equal(r.ok, false);
  assert.equal(r.waitMs, 1000);
  assert.deepEqual(l.reserve(0, 1000), { ok: true, waitMs: 1000 });
  l.release();
  assert.deepEqual(l.reserve(0, 1000), { ok: true, waitMs: 1000 });
});

test('unlimited until pushed back; then half the observed rate, recovering to unlimited', () => {
  const l = new RateLimiter({ messagesPerSecond: 0 });
  for (let i = 0; i < 40; i++) assert.equal(l.reserve(500).waitMs, 0);
  assert.equal(l.rate(500), Number.POSITIVE_INFINITY);
  l.backoff(900);
  assert.equal(l.rate(900), 20);
  assert.equal(l.backedOff(900), true);
  // Target is twice the observed rate (80/s); +10 %/s of it after 2 s of quiet: back to unlimited ~7.5 s later.
  assert.equal(l.rate(2900), 20);
  assert.equal(Math.round(l.rate(3900)), 28);
  assert.equal(l.rate(20_000), Number.POSITIVE_INFINITY);
  assert.equal(l.backedOff(20_000), false);
});

test('backoff halves per hold period, not per throttled response, down to the floor', () => {
  const l = new RateLimiter({ messagesPerSecond: 100, holdMs: 1000 });
  l.backoff(0);
  l.backoff(10); // same burst
  l.backoff(500);
  assert.equal(l.rate(600), 50);
  l.backoff(1600);
  assert.equal(l.rate(1600), 25);
  for (let t = 3000; t < 20_000; t += 1100) l.backoff(t);
  assert.equal(l.rate(20_000), 1);
});

test('recovery is gradual and stops at the configured rate', () => {
  const l = new RateLimiter({ messagesPerSecond: 100, recoverAfterMs: 2000, recoverFraction: 0.1 });
  l.backoff(0);
  assert.equal(l.rate(1999), 50);
  assert.equal(Math.round(l.rate(3000)), 60);
  assert.equal(Math.round(l.rate(5000)), 80);
  assert.equal(l.rate(60_000), 100);
  assert.equal(l.backedOff(60_000), false);
});

test('congestion_state at or above the threshold backs off; below it does nothing', () => {
  const l = new RateLimiter({ messagesPerSecond: 40 });
  l.congestion(79, 0);
  assert.equal(l.rate(0), 40);
  l.congestion(80, 0);
  assert.equal(l.rate(0), 20);
  const strict = new RateLimiter({ messagesPerSecond: 40, congestionThreshold: 95 });
  strict.congestion(90, 0);
  assert.equal(strict.rate(0), 40);
});

test('a backed-off bucket spaces slots at the new rate', () => {
  const l = new RateLimiter({ messagesPerSecond: 4 });
  for (let i = 0; i < 4; i++) l.reserve(0);
  l.backoff(0);
  assert.deepEqual(l.reserve(0), { ok: true, waitMs: 500 });
  assert.throws(() => new RateLimiter({ messagesPerSecond: -1 }), RangeError);
});
