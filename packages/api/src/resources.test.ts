import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { verifySecret } from '@hub/store';
import { RedisServer } from '@hub/testkit';
import { connectorStatsKey, publishConnectorState } from './live.js';
import { type Harness, smppConnector, startHarness } from './testing.fixture.js';

let server: RedisServer;
let h: Harness;
before(async () => {
  server = await RedisServer.start({ appendonly: false });
  h = await startHarness({ server });
});
after(async () => {
  await h?.close();
  await server?.stop();
});

const acme = {
  id: 'acme',
  name: 'Acme',
  allowedIps: ['10.0.0.0/8'],
  throughput: { messagesPerSecond: 50, segmentsPerSecond: 0 },
  idBase: 'dec',
  smpp: { systemId: 'acme', password: 'secret1', defaultAlphabet: 'latin1' },
};

test('accounts: passwords are hashed and never returned; omitted on update they are kept', async () => {
  const c = await h.call('admin', 'POST', '/v1/accounts', acme);
  assert.equal(c.status, 201, JSON.stringify(c.json));
  assert.equal(c.json.smpp.passwordSet, true);
  assert.equal(c.json.idBase, 'dec');
  assert.equal(c.json.smpp.defaultAlphabet, 'latin1');
  const text = JSON.stringify((await h.call('read', 'GET', '/v1/accounts')).json);
  assert.ok(!text.includes('secret1') && !text.includes('scrypt') && !text.includes('passwordHash'));
  const stored = await h.store.get<{ smpp: { passwordHash: string } }>('accounts', 'acme');
  assert.ok(await verifySecret('secret1', stored?.doc.smpp.passwordHash ?? ''));

  // PUT with what GET returned (passwordSet, rev) keeps the hash.
  const got = (await h.call('read', 'GET', '/v1/accounts/acme')).json;
  const upd = await h.call('admin', 'PUT', '/v1/accounts/acme', {
    ...got,
    throughput: { messagesPerSecond: 10 },
  });
  assert.equal(upd.status, 200, JSON.stringify(upd.json));
  assert.equal(
    (await h.store.get<{ smpp: { passwordHash: string } }>('accounts', 'acme'))?.doc.smpp.passwordHash,
    stored?.doc.smpp.passwordHash,
  );
  assert.equal((await h.call('admin', 'PUT', '/v1/accounts/acme', { ...got, name: 'stale' })).status, 409);
  const pw = await h.call('admin', 'PUT', '/v1/accounts/acme', {
    ...acme,
    smpp: { systemId: 'acme', password: 'newpass' },
  });
  assert.equal(pw.status, 200);
  const after = await h.store.get<{ smpp: { passwordHash: string } }>('accounts', 'acme');
  assert.ok(await verifySecret('newpass', after?.doc.smpp.passwordHash ?? ''));
});

test('accounts: 400 names the field, 409 on a duplicate system_id, 404 for unknown ids', async () => {
  const long = await h.call('admin', 'POST', '/v1/accounts', {
    ...acme,
    id: 'b',
    smpp: { systemId: 'b', password: 'waytoolongpassword' },
  });
  assert.equal(long.status, 400);
  assert.equal(long.json.details.field, 'smpp.password');
  const ip = await h.call('admin', 'POST', '/v1/accounts', {
    ...acme,
    id: 'b',
    allowedIps: ['10.0.0.0/8', 'nope'],
  });
  assert.equal(ip.json.details.field, 'allowedIps.1');
  const nopw = await h.call('admin', 'POST', '/v1/accounts', { id: 'b', smpp: { systemId: 'bee' } });
  assert.equal(nopw.status, 400);
  assert.equal(nopw.json.details.field, 'smpp.password');
  const dup = await h.call('admin', 'POST', '/v1/accounts', {
    id: 'b',
    smpp: { systemId: 'acme', password: 'x' },
  });
  assert.equal(dup.status, 409);
  assert.equal(dup.json.details.field, 'smpp.systemId');
  assert.equal((await h.call('read', 'GET', '/v1/accounts/ghost')).status, 404);
  assert.equal((await h.call('admin', 'DELETE', '/v1/accounts/ghost')).status, 404);
  const ok = await h.call('admin', 'POST', '/v1/accounts', {
    id: 'b',
    mm7: { vaspId: 'v', username: 'u', password: 'p', deliveryPassword: 'out' },
  });
  assert.equal(ok.status, 201, JSON.stringify(ok.json));
  assert.equal(ok.json.mm7.deliveryPasswordSet, true);
  assert.equal(ok.json.mm7.deliveryPassword, undefined);
  assert.equal((await h.call('admin', 'DELETE', '/v1/accounts/b')).status, 204);
});

test('connectors: CRUD, enable/disable, masked password, live state unknown until a worker publishes', async () => {
  const c = await h.call('admin', 'POST', '/v1/connectors', smppConnector('smsc-1', { password: 'topsecr' }));
  assert.equal(c.status, 201);
  assert.equal(c.json.passwordSet, true);
  assert.equal(c.json.password, undefined);
  assert.deepEqual(c.json.live, undefined);
  assert.deepEqual((await h.call('read', 'GET', '/v1/connectors/smsc-1')).json.live, { state: 'unknown' });
  await publishConnectorState(
    h.redis,
    h.prefix,
    'smsc-1',
    { state: 'bound', sessions: 2, inFlight: 3, rate: 12.5, updatedAt: 1 },
    10_000,
  );
  const list = await h.call('read', 'GET', '/v1/connectors');
  assert.deepEqual(list.json.items[0].live, {
    state: 'bound',
    sessions: 2,
    inFlight: 3,
    rate: 12.5,
    updatedAt: 1,
  });
  assert.ok(!JSON.stringify(list.json).includes('topsecr'));

  const off = await h.call('admin', 'POST', '/v1/connectors/smsc-1/disable');
  assert.equal(off.json.enabled, false);
  assert.equal(
    (await h.store.get<{ password: string; enabled: boolean }>('connectors', 'smsc-1'))?.doc.password,
    'topsecr',
  );
  assert.equal((await h.call('admin', 'POST', '/v1/connectors/smsc-1/enable')).json.enabled, true);
  const got = (await h.call('read', 'GET', '/v1/connectors/smsc-1')).json;
  const upd = await h.call('admin', 'PUT', '/v1/connectors/smsc-1', {
    ...got,
    windowSize: 50,
    live: undefined,
  });
  assert.equal(upd.status, 200, JSON.stringify(upd.json));
  assert.equal((await h.store.get<{ password: string }>('connectors', 'smsc-1'))?.doc.password, 'topsecr');
  const bad = await h.call('admin', 'PUT', '/v1/connectors/smsc-1', {
    ...got,
    rev: upd.json.rev,
    port: 70000,
  });
  assert.equal(bad.status, 400);
  assert.equal(bad.json.details.field, 'port');
  const kind = await h.call('admin', 'POST', '/v1/connectors', { id: 'x', kind: 'carrier-pigeon' });
  assert.equal(kind.status, 400);
  assert.equal(kind.json.details.field, 'kind');

  await h.redis.hincrby(connectorStatsKey(h.prefix, 'smsc-1'), 'submitted', 7);
  const stats = await h.call('read', 'GET', '/v1/stats/connectors/smsc-1');
  assert.equal(stats.json.counters.submitted, 7);
  assert.equal(stats.json.live.state, 'bound');
  assert.equal((await h.call('read', 'GET', '/v1/stats/connectors/ghost')).status, 404);
  assert.equal((await h.call('admin', 'DELETE', '/v1/connectors/smsc-1')).status, 204);
  assert.equal((await h.call('read', 'GET', '/v1/connectors/smsc-1')).status, 404);
});
