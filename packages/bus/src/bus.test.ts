import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Errors, isHubError } from '@hub/errors';
import { type HubMessage, IdGenerator } from '@hub/message';
import { RedisServer, waitFor } from '@hub/testkit';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { type Bus, createBus, MicroBatcher } from './bus.js';
import { jobIdFor, Queues, StatusEvent, toBullPriority } from './catalog.js';
import { testMessage } from './messages.fixture.js';
import { createRedisConnection, type RedisConnection } from './redis.js';

const gen = new IdGenerator(7);

const msg = (over: Parameters<typeof testMessage>[1] = {}): HubMessage => testMessage(gen, over);

function uniq(): string {
  return `t${randomBytes(4).toString('hex')}`;
}

let redis: RedisServer;
let conn: RedisConnection;
let bus: Bus;
const clients: Array<{ disconnect(): void }> = [];
function raw(): Redis {
  const c = conn.client() as Redis;
  clients.push(c);
  return c;
}
before(async () => {
  redis = await RedisServer.start({ appendonly: true });
  conn = createRedisConnection({ url: redis.url });
  bus = createBus({ connection: conn });
});
after(async () => {
  await bus?.close();
  for (const c of clients) c.disconnect();
  await redis?.stop();
});

test('catalog: versioned, hash-tagged names; priorities; ids', () => {
  assert.equal(Queues.route.name, '{hub.route.v1}');
  assert.equal(Queues.connector('smsc-1').name, '{hub.connector.v1.smsc-1}');
  assert.equal(Queues.outbox('acme').name, '{hub.outbox.v1.acme}');
  assert.equal(Queues.events.name, '{hub.events.v1}');
  assert.equal(Queues.connector('x'), Queues.connector('x'));
  assert.throws(
    () => Queues.connector('a:b'),
    (e: unknown) => isHubError(e, 'HUB_ERR_VALIDATION'),
  );
  assert.throws(
    () => Queues.outbox('{x}'),
    (e: unknown) => isHubError(e, 'HUB_ERR_VALIDATION'),
  );
  assert.deepEqual([0, 1, 2, 3].map(toBullPriority), [4, 3, 2, 1]);
  assert.equal(jobIdFor('0123456789012345'), 'm-0123456789012345');
  const m = msg({ scheduleAt: 5_000 });
  assert.equal(Queues.route.delay(m, 1_000), 4_000);
  assert.equal(Queues.route.delay(m, 9_000), 0);
  assert.equal(Queues.outbox('a').delay(m, 1_000), 0);
  const ev = {
    v: 1,
    kind: 'receipt',
    connector: 'smsc-1',
    upstreamId: 'ab12',
    state: 'delivered',
    at: 1,
  } as const;
  assert.equal(StatusEvent.safeParse(ev).success, true);
  assert.equal(StatusEvent.safeParse({ ...ev, upstreamId: undefined }).success, false, 'needs an id');
  assert.equal(Queues.events.jobId({ ...ev, eventId: 'x1' }), 'e-x1');
  assert.equal(Queues.events.jobId(ev), undefined);
});

test('enqueue → worker gets the validated payload; keys use the prefix', async () => {
  const q = Queues.connector(uniq());
  const m = msg({ text: 'payload check' });
  const got: HubMessage[] = [];
  const res = await bus.enqueue(q, m);
  assert.equal(res.jobId, jobIdFor(m.id));
  const w = bus.worker(q, async (p) => {
    got.push(p);
  });
  try {
    await waitFor(() => got.length === 1, { what: 'job' });
    assert.deepEqual(got[0], m);
    const keys = await raw().keys(`hub:${q.name}:*`);
    assert.ok(keys.length > 0, 'queue keys under hub:{…}');
  } finally {
    await w.close();
  }
});

test('invalid payloads are refused before Redis', async () => {
  const q = Queues.connector(uniq());
  const { route: _r, ...unrouted } = msg();
  await assert.rejects(bus.enqueue(q, unrouted as HubMessage), (e: unknown) =>
    isHubError(e, 'HUB_ERR_VALIDATION'),
  );
  await assert.rejects(bus.enqueue(q, { ...msg(), id: 'x' }), (e: unknown) =>
    isHubError(e, 'HUB_ERR_VALIDATION'),
  );
  assert.equal(await bus.depth(q), 0);
});

test('higher Hub priority runs first, FIFO within a priority', async () => {
  const q = Queues.connector(uniq());
  const order: string[] = [];
  const ms = [0, 3, 1, 0, 2, 3].map((p, i) => ({ m: msg({ priority: p, text: `${p}/${i}` }) }));
  for (const { m } of ms) await bus.enqueue(q, m);
  assert.equal(await bus.depth(q), 6);
  const w = bus.worker(
    q,
    async (p) => {
      order.push(p.content.type === 'sms' ? (p.content.text ?? '') : '');
    },
    { concurrency: 1 },
  );
  try {
    await waitFor(() => order.length === 6, { what: 'six jobs' });
    assert.deepEqual(order, ['3/1', '3/5', '2/4', '1/2', '0/0', '0/3']);
  } finally {
    await w.close();
  }
});

test('outbox is FIFO whatever the message priority', async () => {
  const q = Queues.outbox(uniq());
  const order: string[] = [];
  for (const [i, p] of [0, 3, 1, 2].entries()) await bus.enqueue(q, msg({ priority: p, text: String(i) }));
  const w = bus.worker(
    q,
    async (p) => {
      order.push(p.content.type === 'sms' ? (p.content.text ?? '') : '');
    },
    { concurrency: 1 },
  );
  try {
    await waitFor(() => order.length === 4, { what: 'four jobs' });
    assert.deepEqual(order, ['0', '1', '2', '3']);
  } finally {
    await w.close();
  }
});

test('scheduled delivery becomes a delayed job; remove cancels it once', async () => {
  const q = Queues.connector(uniq());
  const bull = new Queue(q.name, { connection: raw(), prefix: 'hub' });
  try {
    const later = msg({ scheduleAt: Date.now() + 60_000 });
    await bus.enqueue(q, later);
    assert.equal(await bull.getJobState(jobIdFor(later.id)), 'delayed');
    assert.equal(await bus.depth(q), 1);
    assert.equal(await bus.remove(q, later.id), true);
    assert.equal(await bus.remove(q, later.id), false);
    assert.equal(await bus.depth(q), 0);
    assert.equal(await bus.remove(q, gen.next()), false, 'unknown id');

    // A short delay is processed once due.
    const soon = msg({ scheduleAt: Date.now() + 300 });
    const seen: string[] = [];
    await bus.enqueue(q, soon);
    assert.equal(await bull.getJobState(jobIdFor(soon.id)), 'delayed');
    const w = bus.worker(q, async (p) => {
      seen.push(p.id);
    });
    try {
      await waitFor(() => seen.length === 1, { what: 'delayed job' });
      assert.deepEqual(seen, [soon.id]);
    } finally {
      await w.close();
    }
  } finally {
    await bull.close();
  }
});

test('remove finds a job re-queued under a tracked fresh id; an explicit jobId removes only that job', async () => {
  const q = Queues.connector(uniq());
  const m = msg({ scheduleAt: Date.now() + 60_000 });
  await bus.enqueue(q, m, { jobId: `${jobIdFor(m.id)}-a1`, track: true });
  await bus.enqueue(q, m, { jobId: `${jobIdFor(m.id)}-a2`, track: true });
  assert.equal(await bus.depth(q), 2);
  assert.equal(await bus.remove(q, m.id, { jobId: `${jobIdFor(m.id)}-a9` }), false, 'explicit id only');
  assert.equal(await bus.remove(q, m.id), true, 'the latest tracked job');
  assert.equal(await bus.depth(q), 1);
  assert.equal(await bus.remove(q, m.id), false, 'the older one is no longer the latest');
  assert.equal(await bus.remove(q, m.id, { jobId: `${jobIdFor(m.id)}-a1` }), true);
  // An untracked custom id is not found by message id.
  const u = msg({ scheduleAt: Date.now() + 60_000 });
  await bus.enqueue(q, u, { jobId: `${jobIdFor(u.id)}-x` });
  assert.equal(await bus.remove(q, u.id), false);
  assert.equal(await bus.remove(q, u.id, { jobId: `${jobIdFor(u.id)}-x` }), true);
});

test('same message id enqueued twice is one job', async () => {
  const q = Queues.connector(uniq());
  const m = msg({ scheduleAt: Date.now() + 60_000 });
  await bus.enqueue(q, m);
  await bus.enqueue(q, m);
  assert.equal(await bus.depth(q), 1);
  assert.equal(await bus.remove(q, m.id), true);
});

test('permanent HubError fails at once; other errors retry with backoff', async () => {
  const q = Queues.connector(uniq());
  const bull = new Queue(q.name, { connection: raw(), prefix: 'hub' });
  try {
    const perm = msg({ text: 'perm' });
    const flaky = msg({ text: 'flaky' });
    const calls = new Map<string, number[]>();
    const w = bus.worker(q, async (p, job) => {
      calls.set(p.id, [...(calls.get(p.id) ?? []), job.attemptsMade]);
      if (p.id === perm.id) throw new Errors.HUB_ERR_NO_ROUTE('nowhere');
      if ((calls.get(p.id)?.length ?? 0) < 3) throw new Error('upstream hiccup');
    });
    try {
      await bus.enqueue(q, perm);
      await bus.enqueue(q, flaky, { backoffMs: 50 });
      await waitFor(async () => (await bull.getJobState(jobIdFor(perm.id))) === 'failed', {
        what: 'perm failed',
      });
      await waitFor(() => calls.get(flaky.id)?.length === 3, { what: 'three tries' });
      await waitFor(async () => (await bull.getJobState(jobIdFor(flaky.id))) === 'unknown', {
        what: 'flaky completed and removed',
      });
      assert.deepEqual(calls.get(perm.id), [0]);
      assert.deepEqual(calls.get(flaky.id), [0, 1, 2]);
      const failed = await bull.getJob(jobIdFor(perm.id));
      assert.match(failed?.failedReason ?? '', /^HUB_ERR_NO_ROUTE: /);
      assert.equal(failed?.attemptsMade, 1);
    } finally {
      await w.close();
    }
  } finally {
    await bull.close();
  }
});

test('throttled HubError pauses the queue and retries without using an attempt', async () => {
  const q = Queues.connector(uniq());
  const m = msg();
  const attempts: number[] = [];
  const started: number[] = [];
  const w = bus.worker(q, async (_p, job) => {
    attempts.push(job.attemptsMade);
    started.push(job.attemptsStarted);
    if (attempts.length === 1)
      throw new Errors.HUB_ERR_THROTTLED('carrier window full', { details: { retryAfterMs: 200 } });
  });
  try {
    await bus.enqueue(q, m, { attempts: 1 });
    await waitFor(() => attempts.length === 2, { what: 'retry after throttle' });
    assert.deepEqual(attempts, [0, 0]);
    assert.deepEqual(started, [1, 2], 'a throttled run still counts as started');
  } finally {
    await w.close();
  }
});

test('close() lets in-flight jobs finish', async () => {
  const local = createBus({ connection: conn });
  const q = Queues.connector(uniq());
  let started = false;
  let finished = false;
  local.worker(q, async () => {
    started = true;
    await sleep(300);
    finished = true;
  });
  await local.enqueue(q, msg());
  await waitFor(() => started, { what: 'job start' });
  await local.close();
  assert.equal(finished, true);
  await assert.rejects(local.enqueue(q, msg()), (e: unknown) => isHubError(e, 'HUB_ERR_BUS_CLOSED'));
});

test('redis-server killed and restarted (appendonly): queued jobs survive, the worker resumes', async () => {
  const q = Queues.connector(uniq());
  const ids = new Set<string>();
  const total = 200;
  for (let i = 0; i < total; i++) {
    const m = msg({ text: `n${i}` });
    ids.add(m.id);
    await bus.enqueue(q, m);
  }
  // appendfsync everysec: let the queued jobs reach the disk before the crash.
  await sleep(1_200);
  const done = new Set<string>();
  const w = bus.worker(
    q,
    async (p) => {
      await sleep(5);
      done.add(p.id);
    },
    { concurrency: 5, lockDurationMs: 2_000 },
  );
  try {
    await waitFor(() => done.size >= 20, { what: 'some progress' });
    await redis.kill();
    await sleep(500);
    await redis.restart();
    // The producer works again too.
    const late = msg({ text: 'after restart' });
    ids.add(late.id);
    await waitFor(
      async () => {
        await bus.enqueue(q, late);
        return true;
      },
      { timeoutMs: 20_000, what: 'enqueue after restart' },
    );
    await waitFor(() => [...ids].every((id) => done.has(id)), {
      timeoutMs: 60_000,
      what: 'all jobs processed',
    });
    assert.equal(done.size, total + 1);
  } finally {
    await w.close();
  }
});

test('enqueueMany adds every payload with its catalog id and priority, idempotently', async () => {
  const q = Queues.connector(uniq());
  const ms = [
    msg({ priority: 0 }),
    msg({ priority: 3 }),
    msg({ priority: 1, scheduleAt: Date.now() + 60_000 }),
  ];
  const res = await bus.enqueueMany(q, ms);
  assert.deepEqual(
    res.map((r) => r.jobId),
    ms.map((m) => jobIdFor(m.id)),
  );
  await bus.enqueueMany(q, ms, { validate: false });
  assert.equal(await bus.depth(q), 3);
  const rq = new Queue(q.name, { connection: raw(), prefix: 'hub' });
  try {
    assert.equal((await rq.getJob(jobIdFor(ms[1]!.id)))?.priority, 1);
    assert.equal(await rq.getJobState(jobIdFor(ms[2]!.id)), 'delayed');
  } finally {
    await rq.close();
  }
  assert.deepEqual(await bus.enqueueMany(q, []), []);
  // One bad payload: nothing is written.
  const q2 = Queues.connector(uniq());
  await assert.rejects(bus.enqueueMany(q2, [msg(), { ...msg(), id: 'x' }]), (e: unknown) =>
    isHubError(e, 'HUB_ERR_VALIDATION'),
  );
  assert.equal(await bus.depth(q2), 0);
});

test('enqueue with validate: false skips the producer check; the worker still refuses a bad payload', async () => {
  const q = Queues.connector(uniq());
  const { route: _r, ...unrouted } = msg();
  await bus.enqueue(q, unrouted as HubMessage, { validate: false });
  let ran = 0;
  const w = bus.worker(q, async () => {
    ran++;
  });
  try {
    await waitFor(async () => (await bus.depth(q)) === 0, { what: 'job failed' });
    assert.equal(ran, 0);
  } finally {
    await w.close();
  }
});

test('MicroBatcher: batches by size and by turn, resolves after the flush, rejects a failed batch', async () => {
  const batches: number[][] = [];
  let fail = false;
  const b = new MicroBatcher<number>({
    maxItems: 3,
    flush: async (items) => {
      await sleep(5);
      if (fail) throw new Error('redis down');
      batches.push(items);
    },
  });
  let settled = 0;
  const ps = [1, 2, 3, 4, 5].map((n) => b.add(n).then(() => settled++));
  assert.equal(b.pending, 2, 'a full batch left at once');
  assert.equal(settled, 0);
  await Promise.all(ps);
  assert.deepEqual(batches, [
    [1, 2, 3],
    [4, 5],
  ]);
  fail = true;
  const bad = [b.add(6), b.add(7)];
  for (const p of bad) await assert.rejects(p, /redis down/);
  fail = false;
  const t = new MicroBatcher<string>({
    maxDelayMs: 20,
    flush: async (items) => void batches.push(items.map(Number)),
  });
  const late = t.add('8');
  await sleep(1);
  const later = t.add('9');
  await t.drain();
  await Promise.all([late, later]);
  assert.deepEqual(batches.at(-1), [8, 9]);
  const sync = new MicroBatcher<number>({
    flush: () => {
      throw new Error('sync throw');
    },
  });
  await assert.rejects(sync.add(1), /sync throw/);
});
