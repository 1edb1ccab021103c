import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { RedisServer } from '@hub/testkit';
import { type Harness, startHarness, TOKENS } from './testing.fixture.js';

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

test('no, malformed or wrong keys get 401 with the error shape; public endpoints need none', async () => {
  for (const headers of [
    {},
    { authorization: 'Basic abc' },
    { authorization: 'Bearer nocolon' },
    { authorization: 'Bearer root:wrong' },
    { authorization: 'Bearer ghost:x' },
  ]) {
    const r = await h.call(null, 'GET', '/v1/routes', undefined, headers);
    assert.equal(r.status, 401);
    assert.equal(r.json.code, 'HUB_ERR_AUTH_FAILED');
    assert.match(String(r.headers['www-authenticate']), /^Bearer/);
  }
  assert.equal((await h.call(null, 'GET', '/healthz')).status, 200);
  assert.deepEqual((await h.call(null, 'GET', '/readyz')).json, { status: 'ready' });
  const doc = await h.call(null, 'GET', '/openapi.json');
  assert.equal(doc.status, 200);
  assert.equal(doc.json.openapi, '3.0.3');
  assert.ok(doc.json.paths['/v1/routes/dry-run'].post.requestBody);
  assert.ok(
    doc.json.paths['/v1/messages'].get.parameters.some((p: { name: string }) => p.name === 'upstreamId'),
  );
  assert.equal((await h.call(null, 'GET', '/docs')).status, 200);
});

test('roles: read may GET only, operator edits routes and messages, admin everything', async () => {
  const route = { id: 'deflt', table: 'mt', order: 0, action: { type: 'reject', reason: 'no route' } };
  assert.equal((await h.call('read', 'GET', '/v1/routes')).status, 200);
  const denied = await h.call('read', 'POST', '/v1/routes', route);
  assert.equal(denied.status, 403);
  assert.equal(denied.json.code, 'HUB_ERR_FORBIDDEN');
  assert.equal(
    (await h.call('read', 'POST', '/v1/routes/dry-run', { from: 'HUB', to: '+4915112345678' })).status,
    200,
  );
  assert.equal((await h.call('operator', 'POST', '/v1/routes', route)).status, 201);
  assert.equal(
    (await h.call('operator', 'POST', '/v1/connectors', { id: 'c9', kind: 'smpp', host: 'h', systemId: 's' }))
      .status,
    403,
  );
  assert.equal((await h.call('operator', 'GET', '/v1/apikeys')).status, 403);
  assert.equal((await h.call('admin', 'GET', '/v1/apikeys')).status, 200);
  assert.equal((await h.call('admin', 'DELETE', '/v1/routes/deflt')).status, 204);
});

test('API keys: the plain key is returned once, stored hashed, usable, listed without secrets, revocable', async () => {
  const created = await h.call('admin', 'POST', '/v1/apikeys', { id: 'ci-bot', role: 'operator' });
  assert.equal(created.status, 201);
  const key = created.json.key as string;
  assert.match(key, /^ci-bot:[A-Za-z0-9_-]{20,}$/);
  const stored = await h.store.get<{ keyHash: string }>('apikeys', 'ci-bot');
  assert.match(stored?.doc.keyHash ?? '', /^scrypt\$/);
  assert.ok(!JSON.stringify(stored).includes(key.split(':')[1] as string));

  const asBot = await h.call(null, 'GET', '/v1/routes', undefined, { authorization: `Bearer ${key}` });
  assert.equal(asBot.status, 200);
  const list = await h.call('admin', 'GET', '/v1/apikeys');
  assert.deepEqual(
    list.json.items.map((k: { id: string; role: string; source: string }) => [k.id, k.role, k.source]),
    [
      ['ci-bot', 'operator', 'store'],
      ['ops', 'operator', 'config'],
      ['root', 'admin', 'config'],
      ['viewer', 'read', 'config'],
    ],
  );
  assert.ok(!JSON.stringify(list.json).includes('scrypt'));
  assert.equal((await h.call('admin', 'POST', '/v1/apikeys', { id: 'ci-bot', role: 'read' })).status, 409);
  assert.equal((await h.call('admin', 'DELETE', '/v1/apikeys/root')).status, 409);
  assert.equal((await h.call('admin', 'DELETE', '/v1/apikeys/ci-bot')).status, 204);
  assert.equal((await h.call('admin', 'DELETE', '/v1/apikeys/ci-bot')).status, 404);
  assert.equal(
    (await h.call(null, 'GET', '/v1/routes', undefined, { authorization: `Bearer ${key}` })).status,
    401,
  );
  const bad = await h.call('admin', 'POST', '/v1/apikeys', { id: 'x', role: 'root' });
  assert.equal(bad.status, 400);
  assert.equal(bad.json.details.field, 'role');
});

test('client mistakes never give a 500: unknown endpoint, bad JSON, wrong content type', async () => {
  const unknown = await h.call('read', 'GET', '/v1/nothing');
  assert.equal(unknown.status, 404);
  assert.equal(unknown.json.code, 'HUB_ERR_API_UNKNOWN_ENDPOINT');
  const badJson = await h.app.inject({
    method: 'POST',
    url: '/v1/routes',
    headers: { authorization: `Bearer ${TOKENS.operator}`, 'content-type': 'application/json' },
    payload: '{"id":',
  });
  assert.equal(badJson.statusCode, 400);
  assert.equal(JSON.parse(badJson.body).code, 'HUB_ERR_API_BAD_REQUEST');
  const text = await h.app.inject({
    method: 'POST',
    url: '/v1/routes',
    headers: { authorization: `Bearer ${TOKENS.operator}`, 'content-type': 'text/plain' },
    payload: 'hello',
  });
  assert.equal(text.statusCode, 415);
  assert.equal(JSON.parse(text.body).code, 'HUB_ERR_API_UNSUPPORTED_MEDIA_TYPE');
  const noBody = await h.call('operator', 'POST', '/v1/routes');
  assert.equal(noBody.status, 400);
  assert.equal(noBody.json.code, 'HUB_ERR_VALIDATION');
});

test('rate limiting answers 429 HUB_ERR_THROTTLED per key, never for health probes', async () => {
  const limited = await startHarness({ server, rateLimit: { max: 3, timeWindowMs: 60_000 } });
  try {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await limited.call('read', 'GET', '/v1/routes')).status);
    assert.deepEqual(statuses, [200, 200, 200, 429, 429]);
    const r = await limited.call('read', 'GET', '/v1/routes');
    assert.equal(r.json.code, 'HUB_ERR_THROTTLED');
    assert.ok(Number(r.headers['retry-after']) > 0);
    // Another key has its own budget; probes are exempt.
    assert.equal((await limited.call('admin', 'GET', '/v1/routes')).status, 200);
    for (let i = 0; i < 5; i++) assert.equal((await limited.call(null, 'GET', '/healthz')).status, 200);
  } finally {
    await limited.close();
  }
});
