import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { isHubError } from '@hub/errors';
import { RedisServer } from '@hub/testkit';
import { Redis } from 'ioredis';
import { FileContentStore, RedisContentStore, TieredContentStore } from './content.js';
import { allocateNodeId, type NodeLease } from './node-id.js';
import { RateLimiter } from './rate-limit.js';

let server: RedisServer;
let a: Redis;
let dir: string;
before(async () => {
  server = await RedisServer.start({ appendonly: false });
  a = new Redis(server.url);
  dir = mkdtempSync(join(tmpdir(), 'hub-content-'));
});
after(async () => {
  a?.disconnect();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('node ids: 10 instances get 10 distinct ids; leases renew; release frees the id', async () => {
  const clients = Array.from({ length: 10 }, () => new Redis(server.url));
  try {
    const leases = await Promise.all(clients.map((c, i) => allocateNodeId(c, `inst-${i}`, { leaseMs: 600 })));
    const ids = leases.map((l) => l.nodeId);
    assert.equal(new Set(ids).size, 10);
    for (const id of ids) assert.ok(id >= 0 && id <= 1023);
    // Outlive the lease a few times: renewals keep every id held by its owner.
    await sleep(1_500);
    for (const l of leases) assert.equal(await a.get(`hub:{nodes}:${l.nodeId}`), l.owner);
    const first = leases[0] as NodeLease;
    await first.release();
    assert.equal(await a.get(`hub:{nodes}:${first.nodeId}`), null);
    await Promise.all(leases.slice(1).map((l) => l.release()));
  } finally {
    for (const c of clients) c.disconnect();
  }
});

test('node ids: a lease taken over by another owner reports lost; exhaustion is an error', async () => {
  const lease = await allocateNodeId(a, 'victim', { prefix: 'n2', leaseMs: 300 });
  let lost = false;
  lease.onLost(() => {
    lost = true;
  });
  await a.set(`n2:{nodes}:${lease.nodeId}`, 'intruder');
  for (let i = 0; i < 50 && !lost; i++) await sleep(50);
  assert.equal(lost, true);
  await lease.release();
  assert.equal(
    await a.get(`n2:{nodes}:${lease.nodeId}`),
    'intruder',
    'release does not delete a foreign lease',
  );

  const pipe = a.pipeline();
  for (let n = 0; n < 1024; n++) pipe.set(`n3:{nodes}:${n}`, 'busy', 'PX', 60_000);
  await pipe.exec();
  await assert.rejects(allocateNodeId(a, 'late', { prefix: 'n3' }), (e: unknown) =>
    isHubError(e, 'HUB_ERR_STORE_NODE_IDS_EXHAUSTED'),
  );
});

test('content: Redis tier, file tier (sharded, final name) and tiered selection round-trip', async () => {
  const small = new RedisContentStore({ redis: a, ttlMs: 60_000 });
  const large = new FileContentStore({ dir });
  const tiered = new TieredContentStore({ small, large, thresholdBytes: 1024, maxPartBytes: 100_000 });

  const tiny = randomBytes(100);
  const big = randomBytes(50_000);
  const r1 = await tiered.put(tiny, { contentType: 'text/plain' });
  const r2 = await tiered.put(big);
  assert.match(r1, /^redis:[0-9a-f]{32}$/);
  assert.match(r2, /^file:[0-9a-f]{32}$/);
  assert.deepEqual(await tiered.get(r1), tiny);
  assert.deepEqual(await tiered.get(r2), big);
  const id = r1.slice('redis:'.length);
  const ttl = await a.pttl(`hub:content:{${id}}`);
  assert.ok(ttl > 0 && ttl <= 60_000);

  const path = large.pathOf(r2);
  const fid = r2.slice('file:'.length);
  assert.equal(path, join(dir, fid.slice(0, 2), fid.slice(2, 4), fid));
  assert.ok(existsSync(path));
  assert.deepEqual(readdirSync(join(dir, fid.slice(0, 2), fid.slice(2, 4))), [fid], 'no temp file left');

  await tiered.delete(r1);
  await tiered.delete(r2);
  await tiered.delete(r2);
  const nf = (e: unknown) => isHubError(e, 'HUB_ERR_NOT_FOUND');
  await assert.rejects(tiered.get(r1), nf);
  await assert.rejects(tiered.get(r2), nf);

  await assert.rejects(tiered.put(randomBytes(100_001)), (e: unknown) => isHubError(e, 'HUB_ERR_TOO_LARGE'));
  await assert.rejects(
    small.put(randomBytes(20), {}).then(() => small.get('file:../../etc/passwd')),
    (e: unknown) => isHubError(e, 'HUB_ERR_STORE_BAD_CONTENT_REF'),
  );
  await assert.rejects(large.get('file:../../etc/passwd'), (e: unknown) =>
    isHubError(e, 'HUB_ERR_STORE_BAD_CONTENT_REF'),
  );
});

test('content: file tier creates missing folders (again after removal), distinct ids across pool refills', async () => {
  const root = join(dir, 'fresh', 'content');
  const store = new FileContentStore({ dir: root });
  // The store folder itself does not exist yet: the first put creates it.
  const parts = Array.from({ length: 300 }, (_, i) => randomBytes(1 + (i % 7) * 1000));
  const refs = await Promise.all(parts.map((p) => store.put(p)));
  assert.equal(new Set(refs).size, refs.length, 'distinct refs');
  for (const r of refs) assert.match(r, /^file:[0-9a-f]{32}$/);
  for (const [i, r] of refs.entries()) assert.deepEqual(await store.get(r), parts[i]);
  // More than one pool refill of ids, spread over shard folders.
  assert.ok(readdirSync(root).length > 100);

  // Folders removed behind the store's back (e.g. by a sweeper) are created again.
  rmSync(root, { recursive: true });
  await assert.rejects(store.get(refs[0] as string), (e: unknown) => isHubError(e, 'HUB_ERR_NOT_FOUND'));
  const again = await Promise.all(Array.from({ length: 5 }, () => store.put(Buffer.from('x'))));
  for (const r of again) assert.deepEqual(await store.get(r), Buffer.from('x'));

  // Where the folder cannot be made (a file in the way), put fails.
  const blocked = join(dir, 'blocked');
  writeFileSync(blocked, 'not a folder');
  await assert.rejects(new FileContentStore({ dir: blocked }).put(Buffer.from('y')), (e: unknown) =>
    ['ENOTDIR', 'EEXIST'].includes((e as NodeJS.ErrnoException).code ?? ''),
  );
});

async function startOfSecond(): Promise<void> {
  // Keep the N+1 checks inside one Redis second: start early in a window.
  for (let i = 0; i < 40; i++) {
    const [, usec] = await a.time();
    if (Number(usec) < 600_000) return;
    await sleep(50);
  }
}

test('rate limiter allows N per second and refuses N+1 with a retry-after; segments counted apart', async () => {
  const rl = new RateLimiter({ redis: a });
  const other = new Redis(server.url);
  const second = new RateLimiter({ redis: other });
  try {
    await startOfSecond();
    const decisions = await Promise.all(
      Array.from({ length: 5 }, (_, i) => (i % 2 ? second : rl).take('acme', { messagesPerSecond: 5 })),
    );
    assert.ok(decisions.every((d) => d.allowed));
    const sixth = await rl.take('acme', { messagesPerSecond: 5 });
    assert.equal(sixth.allowed, false);
    if (!sixth.allowed) {
      assert.equal(sixth.limit, 'messages');
      assert.ok(sixth.retryAfterMs > 0 && sixth.retryAfterMs <= 1000);
    }
    // A refused request is not counted: after the window it passes.
    await sleep(sixth.allowed ? 0 : sixth.retryAfterMs + 20);
    assert.equal((await rl.take('acme', { messagesPerSecond: 5 })).allowed, true);

    await startOfSecond();
    const limits = { messagesPerSecond: 100, segmentsPerSecond: 4 };
    assert.equal((await rl.take('beta', limits, { segments: 3 })).allowed, true);
    const r = await rl.take('beta', limits, { segments: 2 });
    assert.equal(r.allowed, false);
    if (!r.allowed) assert.equal(r.limit, 'segments');
    assert.equal((await rl.take('beta', limits, { segments: 1 })).allowed, true);
    // No limits: always allowed, no Redis call.
    assert.equal((await rl.take('free', {})).allowed, true);
  } finally {
    other.disconnect();
  }
});
