import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { isHubError } from '@hub/errors';
import { freePort, RedisServer, waitFor } from '@hub/testkit';
import type { Redis } from 'ioredis';
import { createRedisConnection, describeRedis, parseRedisUrl, redactUrl, toIORedisConfig } from './redis.js';

test('parses standalone URLs: auth, db, prefix, TLS', () => {
  assert.deepEqual(parseRedisUrl('redis://127.0.0.1:6390'), {
    topology: 'standalone',
    nodes: [{ host: '127.0.0.1', port: 6390 }],
    db: 0,
    tls: false,
    prefix: 'hub',
  });
  const p = parseRedisUrl('rediss://hub:p%40ss%3Aw@redis.example.net/3?prefix=stage');
  assert.equal(p.topology, 'standalone');
  assert.deepEqual(p.nodes, [{ host: 'redis.example.net', port: 6379 }]);
  assert.equal(p.username, 'hub');
  assert.equal(p.password, 'p@ss:w');
  assert.equal(p.db, 3);
  assert.equal(p.tls, true);
  assert.equal(p.prefix, 'stage');
  // Password only, both spellings.
  assert.equal(parseRedisUrl('redis://:secret@h').password, 'secret');
  assert.equal(parseRedisUrl('redis://:secret@h').username, undefined);
  assert.equal(parseRedisUrl('redis://secret@h').password, 'secret');
  assert.deepEqual(parseRedisUrl('redis://[::1]:7000').nodes, [{ host: '::1', port: 7000 }]);
  assert.equal(parseRedisUrl('redis://h?db=2').db, 2);
  assert.equal(parseRedisUrl('redis://h', { prefix: 'x' }).prefix, 'x');
});

test('parses Sentinel and Cluster URLs', () => {
  const s = parseRedisUrl('redis+sentinel://:pw@s1:26380,s2,10.0.0.3:26381/mymaster/2?sentinelPassword=sp');
  assert.equal(s.topology, 'sentinel');
  assert.deepEqual(s.nodes, [
    { host: 's1', port: 26380 },
    { host: 's2', port: 26379 },
    { host: '10.0.0.3', port: 26381 },
  ]);
  assert.equal(s.masterName, 'mymaster');
  assert.equal(s.db, 2);
  assert.equal(s.password, 'pw');
  assert.equal(s.sentinelPassword, 'sp');
  assert.equal(parseRedisUrl('sentinel://a:1/m').topology, 'sentinel');
  assert.equal(parseRedisUrl('rediss+sentinel://a:1/m').tls, true);

  const c = parseRedisUrl('redis+cluster://u:pw@n1:7000,n2:7001');
  assert.equal(c.topology, 'cluster');
  assert.deepEqual(c.nodes, [
    { host: 'n1', port: 7000 },
    { host: 'n2', port: 7001 },
  ]);
  assert.equal(parseRedisUrl('rediss+cluster://n1:7000').tls, true);
  assert.equal(parseRedisUrl('redis://n1:7000', { cluster: true }).topology, 'cluster');
});

test('bad URLs fail with HUB_ERR_BUS_BAD_URL and never show the password', () => {
  const cases = [
    'http://h',
    'redis://',
    'redis://a:1,b:2',
    'redis+sentinel://a:1',
    'redis+cluster://a:1/2',
    'redis://h/x',
    'redis://h:99999',
    'redis://:topsecret@h/1?prefix=a%20b',
  ];
  for (const url of cases) {
    assert.throws(
      () => parseRedisUrl(url),
      (e: unknown) => isHubError(e, 'HUB_ERR_BUS_BAD_URL') && !e.message.includes('topsecret'),
      url,
    );
  }
  assert.equal(redactUrl('redis://u:topsecret@h:1/0'), 'redis://u:***@h:1/0');
  assert.equal(redactUrl('redis://h:1'), 'redis://h:1');
});

test('ioredis options per role and topology', () => {
  const std = toIORedisConfig(parseRedisUrl('redis://u:pw@h:6390/4'), 'command', { commandRetries: 2 });
  assert.equal(std.kind, 'redis');
  assert.equal(std.options.host, 'h');
  assert.equal(std.options.port, 6390);
  assert.equal(std.options.db, 4);
  assert.equal(std.options.username, 'u');
  assert.equal(std.options.password, 'pw');
  assert.equal(std.options.maxRetriesPerRequest, 2);
  assert.equal(std.options.enableReadyCheck, true);
  assert.equal(std.options.tls, undefined);
  assert.equal(std.options.keyPrefix, undefined, 'BullMQ refuses ioredis keyPrefix');
  const blocking = toIORedisConfig(parseRedisUrl('redis://h'), 'blocking');
  assert.equal(blocking.options.maxRetriesPerRequest, null);
  assert.equal(toIORedisConfig(parseRedisUrl('redis://h'), 'subscriber').options.maxRetriesPerRequest, null);

  const tls = toIORedisConfig(parseRedisUrl('rediss://h'), 'command', { tls: { ca: 'PEM', insecure: true } });
  assert.deepEqual(tls.options.tls, { ca: 'PEM', rejectUnauthorized: false });
  const tlsDefault = toIORedisConfig(parseRedisUrl('rediss://h'), 'command');
  assert.deepEqual(tlsDefault.options.tls, { rejectUnauthorized: true });

  const sen = toIORedisConfig(
    parseRedisUrl('redis+sentinel://:pw@s1:1,s2:2/mm/1?sentinelPassword=sp'),
    'blocking',
  );
  assert.equal(sen.kind, 'redis');
  assert.deepEqual(sen.options.sentinels, [
    { host: 's1', port: 1 },
    { host: 's2', port: 2 },
  ]);
  assert.equal(sen.options.name, 'mm');
  assert.equal(sen.options.role, 'master');
  assert.equal(sen.options.db, 1);
  assert.equal(sen.options.password, 'pw');
  assert.equal(sen.options.sentinelPassword, 'sp');

  const cl = toIORedisConfig(parseRedisUrl('rediss+cluster://u:pw@n1:7000,n2:7001'), 'command');
  assert.equal(cl.kind, 'cluster');
  if (cl.kind !== 'cluster') return;
  assert.deepEqual(cl.nodes, [
    { host: 'n1', port: 7000 },
    { host: 'n2', port: 7001 },
  ]);
  assert.equal(cl.options.redisOptions?.password, 'pw');
  assert.equal(cl.options.redisOptions?.maxRetriesPerRequest, 5);
  assert.ok(cl.options.redisOptions?.tls !== undefined);
  assert.equal(typeof cl.options.dnsLookup, 'function');
});

test('describe() hides the password', () => {
  assert.equal(describeRedis(parseRedisUrl('redis://u:pw@h:1/2')), 'redis://u:***@h:1/2 prefix=hub');
  assert.equal(
    describeRedis(parseRedisUrl('redis+sentinel://:pw@a:1,b:2/m')),
    'redis+sentinel://:***@a:1,b:2/m/0 prefix=hub',
  );
  assert.equal(describeRedis(parseRedisUrl('rediss+cluster://a:1')), 'rediss+cluster://a:1 prefix=hub');
  assert.ok(!createRedisConnection({ url: 'redis://u:pw@h' }).describe().includes('pw'));
});

let plain: RedisServer;
let secured: RedisServer;
before(async () => {
  [plain, secured] = await Promise.all([
    RedisServer.start({ appendonly: false }),
    RedisServer.start({ appendonly: false }),
  ]);
  // Set after start: the readiness probe speaks PING without AUTH.
  const admin = createRedisConnection({ url: secured.url }).client() as Redis;
  await admin.config('SET', 'requirepass', 'p@ss:word');
  admin.disconnect();
});
after(async () => {
  await Promise.all([plain?.stop(), secured?.stop()]);
});

test('connects to a real redis-server: db index is honoured', async () => {
  const conn = createRedisConnection({ url: `redis://127.0.0.1:${plain.port}/3?prefix=t1` });
  assert.equal(conn.prefix, 't1');
  const c = conn.client() as Redis;
  const c0 = createRedisConnection({ url: plain.url }).client() as Redis;
  try {
    await c.set('k', 'in-db-3');
    assert.equal(await c.get('k'), 'in-db-3');
    assert.equal(await c0.get('k'), null);
    assert.equal(c.options.connectionName, 'hub:command');
  } finally {
    await Promise.all([c.quit(), c0.quit()]);
  }
});

test('connects with a password from the URL; a wrong one fails the command', async () => {
  const good = createRedisConnection({
    url: `redis://:${encodeURIComponent('p@ss:word')}@127.0.0.1:${secured.port}`,
  });
  const c = good.client('blocking');
  try {
    assert.equal(await c.ping(), 'PONG');
  } finally {
    await c.quit();
  }
  const badConn = createRedisConnection({
    url: `redis://:nope@127.0.0.1:${secured.port}`,
    commandRetries: 0,
  });
  const b = badConn.client('command');
  try {
    await assert.rejects(b.ping());
  } finally {
    b.disconnect();
  }
});

test('Sentinel: resolves the master through a real redis-server --sentinel', async () => {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'hub-sentinel-'));
  const conf = join(dir, 'sentinel.conf');
  writeFileSync(
    conf,
    `port ${port}\nbind 127.0.0.1\ndir ${dir}\nsentinel monitor hubmaster 127.0.0.1 ${plain.port} 1\n`,
  );
  const child = spawn('redis-server', [conf, '--sentinel'], { stdio: 'ignore' });
  const conn = createRedisConnection({ url: `redis+sentinel://127.0.0.1:${port}/hubmaster/5` });
  const c = conn.client() as Redis;
  try {
    await waitFor(async () => (await c.ping()) === 'PONG', { timeoutMs: 10_000, what: 'sentinel master' });
    await c.set('via-sentinel', '1');
    const direct = createRedisConnection({ url: `${plain.url}/5` }).client() as Redis;
    assert.equal(await direct.get('via-sentinel'), '1');
    await direct.quit();
  } finally {
    c.disconnect();
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
