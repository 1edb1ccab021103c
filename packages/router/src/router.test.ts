import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type Bus, createBus, createRedisConnection, jobIdFor, Queues, type RedisConnection } from '@hub/bus';
import { Errors, isHubError } from '@hub/errors';
import { createMessage, type HubMessage, IdGenerator, normalizeAddress } from '@hub/message';
import { RedisServer } from '@hub/testkit';
import { ConnectorStates, publishedStateKey } from './connector-states.js';
import { Router, type RouterStore } from './router.js';

const ids = new IdGenerator(21);
const silent = { info() {}, warn() {} };

let redis: RedisServer;
let conn: RedisConnection;
let bus: Bus;
let client: ReturnType<RedisConnection['client']>;

before(async () => {
  redis = await RedisServer.start({ appendonly: false });
  conn = createRedisConnection({ url: redis.url, prefix: 'rt' });
  bus = createBus({ connection: conn });
  client = conn.client();
});

after(async () => {
  await bus?.close();
  client?.disconnect();
  await redis?.stop();
});

/** Records transitions; enough of a store for routing decisions. */
class MemoryStore implements RouterStore {
  readonly states = new Map<string, string>();
  async transition(id: string, to: string): Promise<unknown> {
    this.states.set(id, to);
    return undefined;
  }
  async put(): Promise<void> {}
}

function mt(to = '+4917012345678'): HubMessage {
  return createMessage({
    id: ids.next(),
    direction: 'mt',
    kind: 'sms',
    origin: { protocol: 'smpp', account: 'acme' },
    from: normalizeAddress('HUB', { ton: 5 })!,
    to: [normalizeAddress(to)!],
    content: {
      type: 'sms',
      dataCoding: 0,
      text: 'hi',
      bytes: Buffer.from('hi').toString('base64'),
      segments: 1,
    },
    options: { receipt: 'none', priority: 0 },
  });
}

async function publish(id: string, up: boolean): Promise<void> {
  const body = JSON.stringify({ id, kind: 'smpp', up, instance: 't', publishedAt: Date.now() });
  await client.set(publishedStateKey('rt', id), body, 'PX', 60_000);
}

test('published connector states: up, down, absent (down), unwatched (up); a failed read keeps the last view', async () => {
  await publish('a', true);
  await publish('b', false);
  await client.set(publishedStateKey('rt', 'bad'), 'not json');
  const states = new ConnectorStates({ redis: client, prefix: 'rt', ids: () => ['a', 'b', 'c', 'bad'] });
  assert.equal(states.isUp('b'), true, 'before the first read every connector counts as up');
  await states.start();
  try {
    assert.deepEqual(
      ['a', 'b', 'c', 'bad', 'unwatched'].map((id) => states.isUp(id)),
      [true, false, false, false, true],
    );
    await publish('a', false);
    await publish('b', true);
    await states.refresh();
    assert.deepEqual([states.isUp('a'), states.isUp('b')], [false, true]);
  } finally {
    states.stop();
  }

  let fail = false;
  const flaky = {
    mget: async (...keys: string[]) => {
      if (fail) throw new Error('connection lost');
      return client.mget(...keys);
    },
    get: (k: string) => client.get(k),
  };
  const warnings: string[] = [];
  const s2 = new ConnectorStates({
    redis: flaky,
    prefix: 'rt',
    ids: () => ['a', 'b'],
    log: { warn: (_o, m) => warnings.push(m) },
  });
  await s2.refresh();
  fail = true;
  await s2.refresh();
  assert.deepEqual([s2.isUp('a'), s2.isUp('b')], [false, true], 'previous view kept');
  assert.equal(warnings.length, 1);

  // Redis Cluster clients get one GET per key instead of a cross-slot MGET.
  const gets: string[] = [];
  const cluster = {
    isCluster: true,
    mget: async (): Promise<Array<string | null>> => {
      throw new Error('CROSSSLOT');
    },
    get: (k: string) => {
      gets.push(k);
      return client.get(k);
    },
  };
  const s3 = new ConnectorStates({ redis: cluster, prefix: 'rt', ids: () => ['a', 'b'] });
  await s3.refresh();
  assert.deepEqual([s3.isUp('a'), s3.isUp('b')], [false, true]);
  assert.deepEqual(gets, ['rt:connector-state:a', 'rt:connector-state:b']);
});

test('failover and split routes skip connectors published as down', async () => {
  await publish('p1', false);
  await publish('p2', true);
  await publish('s1', true);
  // s2 publishes nothing: no live process runs it.
  const states = new ConnectorStates({ redis: client, prefix: 'rt', ids: () => ['p1', 'p2', 's1', 's2'] });
  await states.refresh();
  const store = new MemoryStore();
  const router = new Router({
    bus,
    store,
    ids,
    instance: 'test',
    log: silent,
    connectorsUp: (id) => states.isUp(id),
    routes: [
      {
        id: 'fo',
        order: 10,
        table: 'mt',
        filters: [{ type: 'destinationPrefix', prefixes: ['4917'] }],
        action: { type: 'failover', connectors: ['p1', 'p2'] },
      },
      {
        id: 'split',
        order: 0,
        table: 'mt',
        action: {
          type: 'split',
          targets: [
            { connector: 's2', weight: 99 },
            { connector: 's1', weight: 1 },
          ],
        },
      },
    ],
  });
  const f = mt('+4917000000001');
  await router.route(f);
  assert.equal(store.states.get(f.id), 'routed');
  assert.equal(await bus.remove(Queues.connector('p2'), f.id), true, 'went to the up connector p2');

  for (let i = 0; i < 5; i++) {
    const s = mt('+4930000000001');
    await router.route(s);
    assert.equal(await bus.remove(Queues.connector('s1'), s.id), true, 'the only up split target');
  }

  // p1 comes back up: the failover route's first choice is used again.
  await publish('p1', true);
  await states.refresh();
  const g = mt('+4917000000002');
  await router.route(g);
  assert.equal(await bus.remove(Queues.connector('p1'), g.id), true);
});

test("an operator retry's route job id is kept on the connector queue, and cancel by message id finds it", async () => {
  const router = new Router({
    bus,
    store: new MemoryStore(),
    ids,
    instance: 'test',
    log: silent,
    routes: [{ id: 'all', order: 0, table: 'mt', action: { type: 'connector', connector: 'k' } }],
  });
  const m = mt();
  const jobId = `${jobIdFor(m.id)}-r1`;
  await router.route(m, jobId);
  assert.equal(await bus.remove(Queues.connector('k'), m.id, { jobId: jobIdFor(m.id) }), false);
  assert.equal(await bus.remove(Queues.connector('k'), m.id), true, 'found through the tracked retry id');
});

test('a route job seen before its record is retried (temporary), not dropped; nothing is enqueued meanwhile', async () => {
  // A store that, like @hub/store, refuses transitions of records it does not have.
  const known = new Map<string, string>();
  const store: RouterStore = {
    async transition(id, to) {
      if (!known.has(id)) throw new Errors.HUB_ERR_NOT_FOUND('message', id);
      known.set(id, to);
      return undefined;
    },
    async put(msg) {
      known.set(msg.id, msg.state);
    },
  };
  const router = new Router({
    bus,
    store,
    ids,
    instance: 'test',
    log: silent,
    routes: [{ id: 'default', order: 0, table: 'mt', action: { type: 'connector', connector: 'late' } }],
  });
  const m = mt('+4917000000009');
  await assert.rejects(router.route(m), (err: unknown) => {
    assert.ok(isHubError(err, 'HUB_ERR_STORE_UNAVAILABLE'));
    assert.equal(err.recovery, 'temporary');
    return true;
  });
  assert.equal(
    await bus.remove(Queues.connector('late'), m.id),
    false,
    'nothing sent before the record exists',
  );
  // The record lands (the ingress's write was only late): the retry routes it.
  await store.put(m);
  await router.route(m);
  assert.equal(known.get(m.id), 'routed');
  assert.equal(await bus.remove(Queues.connector('late'), m.id), true);
});
