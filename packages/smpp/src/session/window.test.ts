import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Errors, isHubError } from '@hub/errors';
import { Window } from './window.js';

describe('Window', () => {
  test('offer/complete resolves with the response and frees the slot', async () => {
    const w = new Window<string, string>({ maxSize: 2 });
    await w.acquire(1000);
    assert.equal(w.occupied, 1);
    const p = w.offer(7, 'submit_sm', 1000);
    assert.equal(w.size, 1);
    assert.deepEqual(
      w.list().map((e) => [e.sequence, e.request]),
      [[7, 'submit_sm']],
    );
    assert.equal(w.get(7)?.request, 'submit_sm');
    assert.equal(w.complete(7, 'resp'), true);
    assert.equal(await p, 'resp');
    assert.equal(w.size, 0);
    assert.equal(w.occupied, 0);
    assert.equal(w.complete(7, 'late'), false, 'a late response matches nothing');
  });

  test('responses complete out of order', async () => {
    const w = new Window<number, number>({ maxSize: 5 });
    const promises: Promise<number>[] = [];
    for (let seq = 1; seq <= 5; seq++) {
      await w.acquire(1000);
      promises.push(w.offer(seq, seq, 1000));
    }
    for (const seq of [3, 5, 1, 4, 2]) assert.ok(w.complete(seq, seq * 10));
    assert.deepEqual(await Promise.all(promises), [10, 20, 30, 40, 50]);
  });

  test('acquire waits for a free slot, FIFO', async () => {
    const w = new Window<string, string>({ maxSize: 1 });
    await w.acquire(1000);
    const first = w.offer(1, 'a', 1000);
    const order: string[] = [];
    const waiterA = w.acquire(1000).then(() => order.push('A'));
    const waiterB = w.acquire(1000).then(() => order.push('B'));
    assert.equal(w.waiting, 2);
    w.complete(1, 'ok');
    await first;
    await waiterA;
    assert.deepEqual(order, ['A']);
    w.release();
    await waiterB;
    assert.deepEqual(order, ['A', 'B']);
  });

  test('acquire rejects with HUB_ERR_SMPP_WINDOW_TIMEOUT when no slot frees up', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const w = new Window<string, string>({ maxSize: 1 });
    await w.acquire(1000);
    const p = w.acquire(500);
    t.mock.timers.tick(500);
    await assert.rejects(
      p,
      (err) => isHubError(err, 'HUB_ERR_SMPP_WINDOW_TIMEOUT') && err.recovery === 'throttled',
    );
    assert.equal(w.waiting, 0);
  });

  test('an unanswered request expires with HUB_ERR_SMPP_RESPONSE_TIMEOUT and frees its slot', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const w = new Window<string, string>({ maxSize: 1, label: (r) => String(r) });
    await w.acquire(1000);
    const p = w.offer(9, 'deliver_sm', 2000);
    t.mock.timers.tick(1999);
    assert.equal(w.size, 1);
    t.mock.timers.tick(1);
    await assert.rejects(p, (err) => {
      assert.ok(isHubError(err, 'HUB_ERR_SMPP_RESPONSE_TIMEOUT'));
      assert.equal(err.recovery, 'temporary');
      assert.deepEqual(err.details, { sequence: 9 });
      return true;
    });
    assert.equal(w.size, 0);
    assert.equal(w.occupied, 0);
  });

  test('failAll rejects pending requests and waiters with the reason', async () => {
    const w = new Window<string, string>({ maxSize: 1 });
    await w.acquire(1000);
    const pending = w.offer(1, 'a', 60_000);
    const waiter = w.acquire(60_000);
    const reason = new Errors.HUB_ERR_SMPP_SESSION_CLOSED('peer-closed');
    w.failAll(reason);
    await assert.rejects(pending, (err) => err === reason);
    await assert.rejects(waiter, (err) => err === reason);
    assert.equal(w.size, 0);
    assert.equal(w.occupied, 0);
    await w.acquire(10); // usable again afterwards
  });

  test('control offers bypass the window, duplicates are refused, bad sizes are config errors', async () => {
    const w = new Window<string, string>({ maxSize: 1 });
    await w.acquire(1000);
    const a = w.offer(1, 'submit_sm', 1000);
    const b = w.offer(2, 'enquire_link', 1000); // no reservation: never blocks
    assert.equal(w.occupied, 2);
    assert.throws(
      () => w.offer(2, 'x', 1000),
      (err) => isHubError(err, 'HUB_ERR_CONFLICT'),
    );
    assert.ok(w.fail(1, new Error('x')));
    await assert.rejects(a);
    w.complete(2, 'ok');
    await b;
    assert.throws(
      () => new Window({ maxSize: 0 }),
      (err) => isHubError(err, 'HUB_ERR_CONFIG'),
    );
  });
});
