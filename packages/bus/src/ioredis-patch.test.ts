import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { RedisServer } from '@hub/testkit';
import { Redis } from 'ioredis';

// patches/ioredis@6.0.0.patch: a pipeline takes its client's script commands from one cached prototype
// instead of copying them onto every instance. These hold the behaviour BullMQ relies on, against a real
// Redis: script commands on pipelines and MULTI, commands defined after the first pipeline, NOSCRIPT.

let redis: RedisServer;
let client: Redis;

before(async () => {
  redis = await RedisServer.start();
  client = new Redis(redis.url);
});

after(async () => {
  client.disconnect();
  await redis.stop();
});

type Scripted = Redis & Record<string, (...args: unknown[]) => Promise<unknown>>;

test('script commands work on pipelines and MULTI, also when defined after the first pipeline', async () => {
  client.defineCommand('echoKey', { numberOfKeys: 1, lua: 'return KEYS[1] .. ARGV[1]' });
  const p1 = client.pipeline() as unknown as Scripted;
  assert.equal(typeof p1.echoKey, 'function');
  assert.equal(typeof p1.echoKeyBuffer, 'function');
  p1.echoKey('k', '1');
  assert.equal(p1.length, 1);
  assert.deepEqual(await p1.exec(), [[null, 'k1']]);

  // Defined later: pipelines made from then on have it, the earlier one did not grow it.
  client.defineCommand('twice', { numberOfKeys: 0, lua: 'return ARGV[1] * 2' });
  const p2 = client.pipeline() as unknown as Scripted;
  p2.twice(21);
  p2.echoKey('a', 'b');
  assert.deepEqual(await p2.exec(), [
    [null, 42],
    [null, 'ab'],
  ]);
  assert.equal((p1 as Record<string, unknown>).twice, undefined);

  const m = client.multi() as unknown as Scripted;
  m.echoKey('m', 'x');
  m.twice(2);
  assert.deepEqual(await m.exec(), [
    [null, 'mx'],
    [null, 4],
  ]);

  // A client without scripts keeps plain pipelines.
  const plain = new Redis(redis.url);
  try {
    assert.deepEqual(await plain.pipeline().set('x', '1').get('x').exec(), [
      [null, 'OK'],
      [null, '1'],
    ]);
  } finally {
    plain.disconnect();
  }
});

test('a pipelined script the server forgot (SCRIPT FLUSH) is loaded again', async () => {
  client.defineCommand('plusOne', { numberOfKeys: 0, lua: 'return ARGV[1] + 1' });
  const p = client.pipeline() as unknown as Scripted;
  p.plusOne(1);
  assert.deepEqual(await p.exec(), [[null, 2]]);
  await client.script('FLUSH');
  const q = client.pipeline() as unknown as Scripted;
  q.plusOne(2);
  assert.deepEqual(await q.exec(), [[null, 3]]);
});
