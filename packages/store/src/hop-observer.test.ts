import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type Hop, type HubMessage, IdGenerator, type MessageState } from '@hub/message';
import { mtSms, RedisServer } from '@hub/testkit';
import { Redis } from 'ioredis';
import { type HopFacts, MessageStore } from './messages.js';

const gen = new IdGenerator(5);

function sms(createdAt: number): HubMessage {
  return mtSms(
    { id: gen.next(createdAt), origin: { protocol: 'smpp', account: 'acme', systemId: 'acme' } },
    createdAt,
    'test/1',
  );
}

interface Seen {
  hop: Hop;
  at: number;
  createdAt: number;
  state: MessageState | undefined;
  facts: HopFacts;
}

let server: RedisServer;
let redis: Redis;
let seen: Seen[];
let store: MessageStore;
before(async () => {
  server = await RedisServer.start({ appendonly: false });
  redis = new Redis(server.url);
  seen = [];
  store = new MessageStore({
    redis,
    prefix: 'obs',
    onHop: (hop, at, createdAt, state, facts) => seen.push({ hop, at, createdAt, state, facts }),
  });
});
after(async () => {
  redis?.disconnect();
  await server?.stop();
});

test('onHop fires after put, transition and stamp with the hop, a positive duration and the labels', async () => {
  const t0 = Date.now() - 5_000;
  const msg = sms(t0);
  await store.put(msg);
  assert.equal(seen.length, 1);
  assert.equal(seen[0]?.state, 'accepted');
  assert.equal(seen[0]?.createdAt, t0);
  assert.deepEqual(seen[0]?.facts, { id: msg.id, via: 'put', protocol: 'smpp', account: 'acme' });

  await store.transition(msg.id, 'routed', 'routed', { connector: 'smsc-a' }, { now: t0 + 120 });
  const routed = seen.at(-1)!;
  assert.equal(routed.hop, 'routed');
  assert.equal(routed.state, 'routed');
  assert.equal(routed.createdAt, t0, 'createdAt comes from the Hub id');
  assert.equal(routed.at - routed.createdAt, 120);
  assert.deepEqual(routed.facts, {
    id: msg.id,
    via: 'transition',
    outcome: 'ok',
    protocol: 'smpp',
    account: 'acme',
    connector: 'smsc-a',
  });

  await store.stamp(msg.id, 'submitted', { connector: 'smsc-a' }, t0 + 150);
  const stamped = seen.at(-1)!;
  assert.equal(stamped.hop, 'submitted');
  assert.equal(stamped.state, undefined);
  assert.ok(stamped.at - stamped.createdAt > 0);

  await store.transition(msg.id, 'submitted', 'upstream_ack', { connector: 'smsc-a' }, { now: t0 + 200 });
  await store.transition(msg.id, 'delivered', 'receipt', {}, { now: t0 + 4_000 });
  const receipt = seen.at(-1)!;
  assert.equal(receipt.hop, 'receipt');
  assert.equal(receipt.state, 'delivered');
  assert.equal(receipt.at - receipt.createdAt, 4_000);
  // The route was never written to the record and the receipt hop names none: no connector label.
  assert.deepEqual(receipt.facts, {
    id: msg.id,
    via: 'transition',
    outcome: 'ok',
    protocol: 'smpp',
    account: 'acme',
  });

  // A repeated receipt is recorded without a change: the observer is told it was a duplicate, without labels.
  await store.transition(msg.id, 'delivered', 'receipt', {}, { now: t0 + 4_500 });
  assert.deepEqual(seen.at(-1)?.facts, { id: msg.id, via: 'transition', outcome: 'late' });
  assert.deepEqual(
    seen.map((s) => s.hop),
    ['received', 'routed', 'submitted', 'upstream_ack', 'receipt', 'receipt'],
  );
});

test('failed writes do not fire onHop; an observer that throws does not fail the write', async () => {
  const before = seen.length;
  await assert.rejects(store.transition('00000000000000AA', 'routed', 'routed'));
  await assert.rejects(store.stamp('00000000000000AA', 'note'));
  assert.equal(seen.length, before);
  const throwing = new MessageStore({
    redis,
    prefix: 'obs',
    onHop: () => {
      throw new Error('observer bug');
    },
  });
  const msg = sms(Date.now());
  await throwing.put(msg);
  const r = await throwing.transition(msg.id, 'routed', 'routed');
  assert.equal(r.state, 'routed');
  // Without an observer the script returns no labels and nothing else changes.
  const plain = new MessageStore({ redis, prefix: 'obs' });
  const r2 = await plain.transition(msg.id, 'submitted', 'upstream_ack', {}, { withMessage: true });
  assert.equal(r2.message?.state, 'submitted');
});

test('a record born routed (route at ingest) counts both accepted and routed, each at its own time', async () => {
  const t0 = Date.now() - 3_000;
  const base = sms(t0);
  const msg: HubMessage = {
    ...base,
    state: 'routed',
    route: { routeId: 'default', connector: 'smsc-a' },
    history: [...base.history, { at: base.history[0]!.at + 3, hop: 'routed', state: 'routed' }],
  };
  const from = seen.length;
  await store.put(msg);
  const mine = seen.slice(from);
  assert.deepEqual(
    mine.map((s) => [s.hop, s.state, s.at - base.history[0]!.at]),
    [
      ['received', 'accepted', 0],
      ['routed', 'routed', 3],
    ],
  );
  assert.equal(mine[1]?.facts.connector, 'smsc-a');
});
