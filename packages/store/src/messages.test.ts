import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { isHubError } from '@hub/errors';
import {
  applyState,
  createMessage,
  type HubMessage,
  IdGenerator,
  MessageState,
  normalizeAddress,
  transition,
} from '@hub/message';
import { RedisServer } from '@hub/testkit';
import { Redis } from 'ioredis';
import { MessageStore } from './messages.js';

const gen = new IdGenerator(3);

function sms(account = 'acme', createdAt = Date.now()): HubMessage {
  return createMessage(
    {
      id: gen.next(createdAt),
      direction: 'mt',
      kind: 'sms',
      origin: { protocol: 'smpp', account, systemId: account },
      from: normalizeAddress('HUB', { ton: 5 })!,
      to: [normalizeAddress('+821055551234')!],
      content: {
        type: 'sms',
        dataCoding: 0,
        text: 'hi',
        bytes: Buffer.from('hi').toString('base64'),
        segments: 1,
      },
      options: { receipt: 'final', priority: 1 },
    },
    createdAt,
    'test/1',
  );
}

let server: RedisServer;
let a: Redis;
let b: Redis;
let store: MessageStore;
let storeB: MessageStore;
before(async () => {
  server = await RedisServer.start({ appendonly: false });
  a = new Redis(server.url);
  b = new Redis(server.url);
  store = new MessageStore({ redis: a, retentionMs: 3_600_000 });
  storeB = new MessageStore({ redis: b, retentionMs: 3_600_000 });
});
after(async () => {
  a?.disconnect();
  b?.disconnect();
  await server?.stop();
});

test('put/get round-trips a message exactly; retention TTL is set on record and history', async () => {
  const m = sms();
  await store.put(m);
  assert.deepEqual(await store.get(m.id), m);
  const ttl = await a.pttl(store.recordKey(m.id));
  const httl = await a.pttl(store.historyKey(m.id));
  assert.ok(ttl > 0 && ttl <= 3_600_000, `record ttl ${ttl}`);
  assert.ok(httl > 0 && httl <= 3_600_000, `history ttl ${httl}`);
  assert.equal(await store.get(gen.next()), undefined);
  // Default retention is 7 days.
  const d = new MessageStore({ redis: a });
  const m2 = sms();
  await d.put(m2);
  const t2 = await a.pttl(d.recordKey(m2.id));
  assert.ok(t2 > 6 * 86_400_000 && t2 <= 7 * 86_400_000);
});

test('transition follows @hub/message exactly for every pair of states', async () => {
  const states = MessageState.options;
  // Reach each start state through legal moves, then try every target.
  const path: Record<string, MessageState[]> = {
    accepted: [],
    routed: ['routed'],
    submitted: ['routed', 'submitted'],
    unknown: ['routed', 'unknown'],
    delivered: ['routed', 'delivered'],
    undeliverable: ['routed', 'undeliverable'],
    expired: ['expired'],
    rejected: ['rejected'],
    deleted: ['deleted'],
  };
  for (const from of states) {
    for (const to of states) {
      for (const retry of [false, true]) {
        const m = sms();
        await store.put(m);
        for (const s of path[from] ?? []) await store.transition(m.id, s, 'note');
        assert.equal(await store.state(m.id), from);
        const expected = transition(from, to, { retry });
        if (expected === 'illegal') {
          await assert.rejects(store.transition(m.id, to, 'note', {}, { retry }), (e: unknown) =>
            isHubError(e, 'HUB_ERR_ILLEGAL_TRANSITION'),
          );
          assert.equal(await store.state(m.id), from);
        } else {
          const r = await store.transition(m.id, to, 'note', {}, { retry });
          assert.equal(r.outcome, expected, `${from} -> ${to} retry=${retry}`);
          assert.equal(r.state, expected === 'ok' ? to : from);
        }
      }
    }
  }
});

test('stored transitions match applyState on the same message', async () => {
  const m = sms();
  await store.put(m);
  let local = m;
  const steps: Array<[MessageState, 'routed' | 'submitted' | 'receipt']> = [
    ['routed', 'routed'],
    ['submitted', 'submitted'],
    ['submitted', 'submitted'],
    ['delivered', 'receipt'],
    ['undeliverable', 'receipt'],
  ];
  for (const [i, [to, hop]] of steps.entries()) {
    const now = 10_000 + i;
    local = applyState(local, to, hop, { connector: 'c1' }, now).message;
    const r = await store.transition(m.id, to, hop, { connector: 'c1' }, { now, withMessage: true });
    assert.deepEqual(r.message, local);
  }
  assert.deepEqual(
    local.history.slice(-3).map((e) => e.outcome),
    ['duplicate', 'ok', 'late'],
  );
});

test('50 concurrent transitions and stamps from two clients lose nothing', async () => {
  const m = sms();
  await store.put(m);
  await store.transition(m.id, 'routed', 'routed');
  const ops: Array<Promise<unknown>> = [];
  for (let i = 0; i < 50; i++) {
    const s = i % 2 === 0 ? store : storeB;
    if (i % 3 === 0) ops.push(s.stamp(m.id, 'note', { detail: `n${i}` }));
    else
      ops.push(s.transition(m.id, i % 3 === 1 ? 'submitted' : 'delivered', 'receipt', { detail: `n${i}` }));
  }
  await Promise.all(ops);
  const got = await store.get(m.id);
  assert.ok(got);
  assert.equal(got.history.length, m.history.length + 1 + 50);
  const details = new Set(got.history.map((e) => e.detail).filter((d) => d !== undefined));
  assert.equal(details.size, 50);
  assert.equal(got.state, 'delivered');
  // Exactly one entry made it final; everything after it is late.
  assert.equal(got.history.filter((e) => e.state === 'delivered' && e.outcome === 'ok').length, 1);
});

test('history is capped keeping the first entries and the newest', async () => {
  const small = new MessageStore({ redis: a, historyCap: 20 });
  const m = sms();
  await small.put(m);
  for (let i = 0; i < 40; i++) await small.stamp(m.id, 'note', { detail: String(i) });
  const got = await small.get(m.id);
  assert.equal(got?.history.length, 20);
  assert.equal(got?.history[0]?.hop, 'received');
  assert.equal(got?.history.at(-1)?.detail, '39');
  assert.equal(got?.history[10]?.detail, '30');
});

test('update sets named fields only; attempts increments atomically; unknown ids fail', async () => {
  const m = sms();
  await store.put(m);
  await Promise.all([
    store.update(m.id, { route: { routeId: 'r1', connector: 'c1' } }),
    storeB.update(m.id, { upstream: { connector: 'c1', id: 'UP1' } }),
  ]);
  await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? store : storeB).incrementAttempts(m.id)));
  const got = await store.get(m.id);
  assert.deepEqual(got?.route, { routeId: 'r1', connector: 'c1' });
  assert.deepEqual(got?.upstream, { connector: 'c1', id: 'UP1' });
  assert.equal(got?.attempts, 10);
  assert.equal(got?.state, 'accepted');
  const missing = gen.next();
  const nf = (e: unknown) => isHubError(e, 'HUB_ERR_NOT_FOUND');
  await assert.rejects(store.update(missing, { attempts: 1 }), nf);
  await assert.rejects(store.stamp(missing, 'note'), nf);
  await assert.rejects(store.transition(missing, 'routed', 'routed'), nf);
  await assert.rejects(store.incrementAttempts(missing), nf);
  await assert.rejects(store.update(m.id, { state: 'delivered' } as never), (e: unknown) =>
    isHubError(e, 'HUB_ERR_VALIDATION'),
  );
  assert.equal(await a.exists(store.recordKey(missing)), 0, 'no stray record created');
});

test('upstream index links and expires', async () => {
  const id = gen.next();
  await store.linkUpstream('smsc-1', 'ABC123', id);
  assert.equal(await store.findByUpstream('smsc-1', 'ABC123'), id);
  assert.equal(await store.findByUpstream('smsc-2', 'ABC123'), undefined);
  const ttl = await a.pttl('hub:up:{smsc-1:ABC123}');
  assert.ok(ttl > 2 * 86_400_000 && ttl <= 3 * 86_400_000, `default 3 days, got ${ttl}`);
  await store.linkUpstream('smsc-1', 'SHORT', id, 5_000);
  const t2 = await a.pttl('hub:up:{smsc-1:SHORT}');
  assert.ok(t2 > 0 && t2 <= 5_000);
});

test('account time index lists by creation time and trims beyond retention', async () => {
  const now = Date.now();
  const old = sms('acct2', now - 2 * 3_600_000);
  const ms = [sms('acct2', now - 3000), sms('acct2', now - 2000), sms('acct2', now - 1000)];
  await store.indexAccount('acct2', old.id, old.createdAt, old.createdAt);
  for (const m of ms) await store.put(m);
  assert.deepEqual(await store.listByAccount('acct2'), ms.map((m) => m.id).reverse());
  assert.deepEqual(await store.listByAccount('acct2', { newestFirst: false, limit: 2 }), [
    ms[0]?.id,
    ms[1]?.id,
  ]);
  assert.deepEqual(await store.listByAccount('acct2', { from: now - 2500, to: now - 1500 }), [ms[1]?.id]);
  assert.deepEqual(await store.listByAccount('acct2', { offset: 1, limit: 1 }), [ms[1]?.id]);
  assert.ok((await a.pttl(store.accountKey('acct2'))) > 0);
  assert.deepEqual(await store.listByAccount('nobody'), []);
});

test('putMany writes each record exactly as put does, indexes them, and survives a forgotten script', async () => {
  const ms = [sms('acme'), sms('acme'), sms('zeta')];
  await store.putMany(ms);
  for (const m of ms) assert.deepEqual(await store.get(m.id), m);
  const ttl = await a.pttl(store.historyKey(ms[0]!.id));
  assert.ok(ttl > 0 && ttl <= 3_600_000, `history ttl ${ttl}`);
  const acme = await store.listByAccount('acme', { limit: 1000 });
  assert.ok(ms.slice(0, 2).every((m) => acme.includes(m.id)));
  assert.ok((await store.listByAccount('zeta')).includes(ms[2]!.id));
  // A restarted Redis has no scripts: the records are still written (EVAL fallback).
  await a.script('FLUSH');
  const more = [sms(), sms()];
  await store.putMany(more);
  for (const m of more) assert.deepEqual(await store.get(m.id), m);
  await store.putMany([]);
});

test('put replaces a record and its history; get without history skips it', async () => {
  const m = sms();
  await store.put(m);
  await store.transition(m.id, 'routed', 'routed', { by: 'router/1' });
  await store.put(m);
  assert.deepEqual(await store.get(m.id), m);
  const bare = await store.get(m.id, { history: false });
  assert.deepEqual(bare, { ...m, history: [] });
  assert.equal(await store.get(gen.next(), { history: false }), undefined);
});

test('transition applies a patch and an extra stamp in the same step, not on an illegal change', async () => {
  const m = sms();
  await store.put(m);
  await store.transition(m.id, 'routed', 'routed');
  const r = await store.transition(
    m.id,
    'submitted',
    'upstream_ack',
    { connector: 'c1', upstreamId: 'u1' },
    {
      now: 2_000,
      patch: { upstream: { connector: 'c1', id: 'u1' } },
      stamp: { hop: 'submitted', at: 1_500, info: { connector: 'c1' } },
    },
  );
  assert.equal(r.outcome, 'ok');
  const got = await store.get(m.id);
  assert.deepEqual(got?.upstream, { connector: 'c1', id: 'u1' });
  assert.deepEqual(got?.history.slice(-2), [
    { at: 2_000, hop: 'upstream_ack', connector: 'c1', upstreamId: 'u1', state: 'submitted', outcome: 'ok' },
    { at: 1_500, hop: 'submitted', connector: 'c1' },
  ]);
  assert.equal(got?.updatedAt, 2_000);
  await assert.rejects(
    store.transition(m.id, 'accepted', 'note', {}, { patch: { attempts: 9 }, stamp: { hop: 'note', at: 1 } }),
    (e: unknown) => isHubError(e, 'HUB_ERR_ILLEGAL_TRANSITION'),
  );
  const after = await store.get(m.id);
  assert.equal(after?.attempts, 0);
  assert.equal(after?.history.length, got?.history.length);
  await assert.rejects(
    store.transition(m.id, 'delivered', 'receipt', {}, { patch: { state: 'x' } as never }),
    (e: unknown) => isHubError(e, 'HUB_ERR_VALIDATION'),
  );
});

test('take marks a waiting message; withdraw then refuses it, and withdraws one not taken', async () => {
  const taken = sms();
  const free = sms();
  await store.put(taken);
  await store.put(free);
  assert.equal(await store.take(taken.id), 'accepted');
  assert.equal(await store.withdraw(taken.id, 'deleted', 'cancel', { by: 'test' }), undefined);
  assert.equal(await store.state(taken.id), 'accepted', 'a taken message stays as it was');

  const r = await storeB.withdraw(free.id, 'deleted', 'cancel', { by: 'test' });
  assert.equal(r?.state, 'deleted');
  // The sender comes later: it sees the final state and does not send.
  assert.equal(await store.take(free.id), 'deleted');
  assert.equal(await store.withdraw(free.id, 'deleted', 'cancel'), undefined, 'deleted → deleted is refused');
  assert.equal(await store.take('ffffffffffffffff'), undefined);
  await assert.rejects(store.withdraw('ffffffffffffffff', 'deleted', 'cancel'), (e: unknown) =>
    isHubError(e, 'HUB_ERR_NOT_FOUND'),
  );
  // A submitted message is not marked again and cannot be withdrawn.
  const sent = sms();
  await store.put(sent);
  await store.transition(sent.id, 'routed', 'routed');
  await store.transition(sent.id, 'submitted', 'upstream_ack');
  assert.equal(await store.take(sent.id), 'submitted');
  assert.equal(await store.withdraw(sent.id, 'deleted', 'cancel'), undefined);
});

test('getByUpstream reads the linked record in one step; no link, or a link that outlived its record', async () => {
  const m = sms();
  await store.put(m);
  await store.transition(m.id, 'routed', 'routed');
  await store.linkUpstream('smsc-1', 'UP-1', m.id);
  const found = await storeB.getByUpstream('smsc-1', 'UP-1');
  assert.equal(found?.id, m.id);
  assert.equal(found?.message?.state, 'routed');
  assert.deepEqual(found?.message?.history, [], 'read without its history');
  assert.deepEqual(found?.message?.to, m.to);
  assert.equal(await store.getByUpstream('smsc-1', 'UP-none'), undefined);
  await store.linkUpstream('smsc-1', 'UP-2', 'ffffffffffffffff');
  assert.deepEqual(await store.getByUpstream('smsc-1', 'UP-2'), { id: 'ffffffffffffffff' });
});
