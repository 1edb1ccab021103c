import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { test } from 'node:test';
import { RedisServer } from './index.js';
import { freePort, waitFor } from './test-helpers.js';

async function command(port: number, line: string): Promise<string> {
  return await new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => s.write(`${line}\r\n`));
    s.once('data', (d) => {
      s.destroy();
      resolve(d.toString());
    });
    s.once('error', reject);
  });
}

test('starts a private redis-server, survives SIGKILL + restart with appendonly data', async () => {
  const redis = await RedisServer.start();
  try {
    assert.match(redis.url, /^redis:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(await command(redis.port, 'SET k v'), '+OK\r\n');
    // appendfsync everysec: give the fsync a moment before the crash.
    await new Promise((r) => setTimeout(r, 1200));
    await redis.kill();
    await assert.rejects(command(redis.port, 'PING'));
    await redis.restart();
    assert.equal(await command(redis.port, 'GET k'), '$1\r\nv\r\n');
  } finally {
    await redis.stop();
  }
});

test('freePort returns distinct usable ports; waitFor times out with a reason', async () => {
  const a = await freePort();
  const b = await freePort();
  assert.ok(a > 0 && b > 0);
  await assert.rejects(
    waitFor(() => false, { timeoutMs: 50, what: 'never' }),
    /waiting for never/,
  );
  assert.equal(await waitFor(() => 42), 42);
});
