import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { Errors } from '@hub/errors';
import { type HubMessage, IdGenerator } from '@hub/message';
import { RedisServer, waitFor } from '@hub/testkit';
import { Queue } from 'bullmq';
import { BATCH_MAX, type Bus, createBus } from './bus.js';
import { Queues } from './catalog.js';
import { testMessage } from './messages.fixture.js';
import { createRedisConnection, type RedisConnection } from './redis.js';

// Batch jobs (Bus.enqueueBatched / enqueueMany { batch: true }) against a real Redis and real BullMQ.

const gen = new IdGenerator(9);

const msg = (over: Parameters<typeof testMessage>[1] = {}): HubMessage => testMessage(gen, over);

const uniq = (): string => `b${randomBytes(4).toString('hex')}`;

let redis: RedisServer;
let conn: RedisConnection;
let bus: Bus;
const queues: Queue[] = [];
const clients: Array<{ disconnect(): void }> = [];
function inspect(name: string): Queue {
  const c = conn.client();
  clients.push(c);
  const q = new Queue(name, { connection: c, prefix: conn.prefix });
  queues.push(q);
  return q;
}

before(async () => {
  redis = await RedisServer.start();
  conn = createRedisConnection({ url: redis.url });
  bus = createBus({ connection: conn });
});
after(async () => {
  await bus?.close();
  await Promise.all(queues.map((q) => q.close()));
  for (const c of clients) c.disconnect();
  await redis?.stop();
});

test('enqueueBatched: payloads of one turn share one job; every payload is processed once', async () => {
  const def = Queues.connector(uniq());
  const sent = Array.from({ length: 10 }, () => msg());
  await Promise.all(sent.map((m) => bus.enqueueBatched(def, m)));
  const q = inspect(def.name);
  const jobs = await q.getJobs(['waiting', 'prioritized']);
  assert.equal(jobs.length, 1, 'one batch job');
  assert.equal(jobs[0]?.name, 'batch');
  assert.equal(await bus.depth(def), 10, 'depth counts the payloads, not the job');

  const seen: string[] = [];
  const w = bus.worker(def, async (m) => {
    seen.push(m.id);
  });
  await waitFor(() => seen.length === 10, { timeoutMs: 10_000 });
  assert.deepEqual([...seen].sort(), sent.map((m) => m.id).sort());
  await waitFor(async () => (await bus.depth(def)) === 0, { timeoutMs: 5_000 });
  await w.close();
});

test('enqueueBatched: a payload alone keeps its own job and job id', async () => {
  const def = Queues.connector(uniq());
  const m = msg();
  await bus.enqueueBatched(def, m, { jobId: `x-${m.id}` });
  const jobs = await inspect(def.name).getJobs(['waiting', 'prioritized']);
  assert.equal(jobs.length, 1);
  assert.equal(jobs[0]?.id, `x-${m.id}`);
  assert.equal(jobs[0]?.name, def.key);
});

test('enqueueMany { batch }: due payloads batched per priority, delayed ones alone, large sets split', async () => {
  const def = Queues.connector(uniq());
  const now = Date.now();
  const payloads = [
    ...Array.from({ length: BATCH_MAX + 5 }, () => msg()),
    msg({ priority: 3 }),
    msg({ priority: 3 }),
    msg({ scheduleAt: now + 60_000 }),
  ];
  await bus.enqueueMany(def, payloads, { batch: true });
  const q = inspect(def.name);
  const waiting = await q.getJobs(['waiting', 'prioritized']);
  const delayed = await q.getJobs(['delayed']);
  assert.equal(delayed.length, 1, 'the scheduled message has a job of its own');
  assert.equal(delayed[0]?.id, `m-${payloads.at(-1)?.id}`);
  // priority 0: BATCH_MAX + 5 → two batch jobs; priority 3: one batch job of 2.
  assert.equal(waiting.length, 3);
  assert.ok(waiting.every((j) => j.name === 'batch'));
  const sizes = waiting.map((j) => (j.data as { items: unknown[] }).items.length).sort((a, b) => a - b);
  assert.deepEqual(sizes, [2, 5, BATCH_MAX]);
  assert.equal(await bus.remove(def, payloads.at(-1)?.id ?? ''), true, 'the delayed one is still removable');
});

test('a failing payload goes on alone and is retried; the others of its batch run once', async () => {
  const def = Queues.connector(uniq());
  const sent = Array.from({ length: 5 }, () => msg());
  const bad = sent[2]!.id;
  const runs = new Map<string, number>();
  const w = bus.worker(def, async (m) => {
    const n = (runs.get(m.id) ?? 0) + 1;
    runs.set(m.id, n);
    if (m.id === bad && n === 1) throw new Error('flaky store');
  });
  await Promise.all(sent.map((m) => bus.enqueueBatched(def, m)));
  await waitFor(() => runs.get(bad) === 2, { timeoutMs: 15_000 });
  for (const m of sent) assert.equal(runs.get(m.id), m.id === bad ? 2 : 1, m.id);
  await w.close();
});

test('throttled: the queue pauses; the payload and those not yet started go on alone, none lost', async () => {
  const def = Queues.connector(uniq());
  const sent = Array.from({ length: 6 }, () => msg());
  const done = new Set<string>();
  let throttled = 0;
  const w = bus.worker(
    def,
    async (m) => {
      if (throttled === 0) {
        throttled++;
        throw new Errors.HUB_ERR_THROTTLED('upstream busy', { details: { retryAfterMs: 200 } });
      }
      done.add(m.id);
    },
    { concurrency: 1 },
  );
  await Promise.all(sent.map((m) => bus.enqueueBatched(def, m)));
  await waitFor(() => done.size === sent.length, { timeoutMs: 15_000 });
  assert.equal(throttled, 1);
  await w.close();
});

test('an invalid payload inside a batch fails on its own job; the rest are processed', async () => {
  const def = Queues.connector(uniq());
  const good = [msg(), msg()];
  const broken = { ...msg(), to: 'not-a-list' } as unknown as HubMessage;
  await Promise.all([...good, broken].map((m) => bus.enqueueBatched(def, m, { validate: false })));
  const seen: string[] = [];
  const w = bus.worker(def, async (m) => {
    seen.push(m.id);
  });
  const q = inspect(def.name);
  await waitFor(async () => (await q.getJobs(['failed'])).length === 1, { timeoutMs: 10_000 });
  assert.deepEqual([...seen].sort(), good.map((m) => m.id).sort());
  const [failed] = await q.getJobs(['failed']);
  assert.equal(failed?.id, `m-${broken.id}`);
  assert.match(failed?.failedReason ?? '', /HUB_ERR_VALIDATION/);
  await w.close();
});

test('batch payloads share the worker concurrency; setConcurrency changes it', async () => {
  const def = Queues.connector(uniq());
  let running = 0;
  let peak = 0;
  let release: (() => void) | undefined;
  let gate = new Promise<void>((r) => {
    release = r;
  });
  let finished = 0;
  const w = bus.worker(
    def,
    async () => {
      running++;
      peak = Math.max(peak, running);
      await gate;
      running--;
      finished++;
    },
    { concurrency: 2 },
  );
  await Promise.all(Array.from({ length: 8 }, () => bus.enqueueBatched(def, msg())));
  await waitFor(() => running === 2, { timeoutMs: 10_000 });
  assert.equal(peak, 2);
  w.setConcurrency(4);
  await waitFor(() => running === 4, { timeoutMs: 10_000 });
  release?.();
  gate = Promise.resolve();
  await waitFor(() => finished === 8, { timeoutMs: 10_000 });
  assert.equal(peak, 4);
  await w.close();
});

test('a worker holding more than it can work on fetches no more batch jobs: another process gets them', async () => {
  const def = Queues.connector(uniq());
  const other = createBus({ connection: createRedisConnection({ url: redis.url }) });
  const by = new Map<string, string>();
  const slow = (who: string) => async (m: HubMessage) => {
    by.set(m.id, who);
    await new Promise((r) => setTimeout(r, 10));
  };
  try {
    // Four batch jobs of 20 payloads each, then two workers of 4 each ("two processes").
    for (let i = 0; i < 4; i++)
      await bus.enqueueMany(
        def,
        Array.from({ length: 20 }, () => msg()),
        { batch: true },
      );
    const a = bus.worker(def, slow('a'), { concurrency: 4 });
    await waitFor(() => by.size > 0, { timeoutMs: 10_000 });
    const b = other.worker(def, slow('b'), { concurrency: 4 });
    await waitFor(() => by.size === 80, { timeoutMs: 20_000 });
    const counts = [...by.values()].reduce<Record<string, number>>((acc, w) => {
      acc[w] = (acc[w] ?? 0) + 1;
      return acc;
    }, {});
    assert.ok((counts.b ?? 0) >= 20, `the second worker got whole batches: ${JSON.stringify(counts)}`);
    await Promise.all([a.close(), b.close()]);
  } finally {
    await other.close();
  }
});
