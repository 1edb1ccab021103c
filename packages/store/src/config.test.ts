import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { isHubError } from '@hub/errors';
import { RedisServer, waitFor } from '@hub/testkit';
import { Redis } from 'ioredis';
import { type ConfigChange, ConfigStore } from './config.js';
import { clearSecretCache, hashSecret, verifySecret } from './secrets.js';

let server: RedisServer;
let a: Redis;
let b: Redis;
before(async () => {
  server = await RedisServer.start({ appendonly: false });
  a = new Redis(server.url);
  b = new Redis(server.url);
});
after(async () => {
  a?.disconnect();
  b?.disconnect();
  await server?.stop();
});

test('config documents: put/get/getAll/delete with revisions and optimistic concurrency', async () => {
  const cfg = new ConfigStore({ redis: a });
  const r1 = await cfg.put('account', 'acme', { name: 'Acme', tps: 50 });
  const r2 = await cfg.put('account', 'beta', { name: 'Beta' });
  assert.ok(r2 > r1);
  assert.equal(await cfg.revision(), r2);
  assert.deepEqual(await cfg.get('account', 'acme'), { id: 'acme', rev: r1, doc: { name: 'Acme', tps: 50 } });
  const all = (await cfg.getAll('account')).sort((x, y) => x.id.localeCompare(y.id));
  assert.deepEqual(
    all.map((d) => [d.id, d.rev]),
    [
      ['acme', r1],
      ['beta', r2],
    ],
  );
  assert.deepEqual(await cfg.getAll('route'), []);

  const r3 = await cfg.put('account', 'acme', { name: 'Acme', tps: 100 }, { expectedRev: r1 });
  await assert.rejects(cfg.put('account', 'acme', { stale: true }, { expectedRev: r1 }), (e: unknown) =>
    isHubError(e, 'HUB_ERR_STORE_REVISION_CONFLICT'),
  );
  await assert.rejects(cfg.put('account', 'acme', {}, { expectedRev: 0 }), (e: unknown) =>
    isHubError(e, 'HUB_ERR_STORE_REVISION_CONFLICT'),
  );
  assert.equal((await cfg.get('account', 'acme'))?.rev, r3);
  assert.equal(await cfg.delete('account', 'acme'), true);
  assert.equal(await cfg.delete('account', 'acme'), false);
  assert.equal(await cfg.get('account', 'acme'), undefined);
  await assert.rejects(cfg.put('account', 'a b', {}), (e: unknown) => isHubError(e, 'HUB_ERR_VALIDATION'));
});

test('a change made through one client reaches a subscriber on another', async () => {
  const writer = new ConfigStore({ redis: a });
  const reader = new ConfigStore({ redis: b });
  const seen: ConfigChange[] = [];
  const stop = await reader.subscribeChanges((c) => seen.push(c));
  try {
    const rev = await writer.put('connector', 'smsc-1', { host: '10.0.0.1' });
    await writer.delete('connector', 'smsc-1');
    await waitFor(() => seen.length === 2, { what: 'two changes' });
    assert.deepEqual(seen, [
      { op: 'put', kind: 'connector', id: 'smsc-1', rev },
      { op: 'delete', kind: 'connector', id: 'smsc-1', rev: rev + 1 },
    ]);
  } finally {
    await stop();
  }
});

test('secrets: scrypt hash, verify, constant format, cache of successes only', async () => {
  clearSecretCache();
  const h = await hashSecret('s3cret');
  assert.match(h, /^scrypt\$16384\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
  assert.notEqual(await hashSecret('s3cret'), h, 'random salt');
  assert.equal(await verifySecret('s3cret', h), true);
  assert.equal(await verifySecret('wrong', h), false);
  assert.equal(await verifySecret('s3cret', h), true, 'cached success');
  // Cheap parameters still verify (parameters travel with the hash).
  const cheap = await hashSecret('x', { N: 1024, r: 8, p: 1 });
  assert.equal(await verifySecret('x', cheap), true);
  await assert.rejects(verifySecret('x', 'plain-text'), (e: unknown) =>
    isHubError(e, 'HUB_ERR_STORE_BAD_SECRET_HASH'),
  );
  assert.ok(!h.includes('s3cret'));
});

test('after a Redis restart the subscriber is told to resync, then sees changes again', async () => {
  const reader = new ConfigStore({ redis: b });
  const seen: ConfigChange[] = [];
  const stop = await reader.subscribeChanges((c) => seen.push(c));
  try {
    await server.restart();
    await waitFor(() => seen.some((c) => c.op === 'resync'), { timeoutMs: 15_000, what: 'resync' });
    const writer = new ConfigStore({ redis: a });
    await waitFor(
      async () => {
        await writer.put('route', 'r1', { to: 'smsc-1' });
        return seen.some((c) => c.op === 'put' && c.id === 'r1');
      },
      { timeoutMs: 15_000, what: 'change after restart' },
    );
  } finally {
    await stop();
  }
});
