import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type ConfigChange, ConfigStore } from '@hub/store';
import { RedisServer, waitFor } from '@hub/testkit';
import { Redis } from 'ioredis';
import { type Harness, smppConnector, startHarness } from './testing.fixture.js';

let server: RedisServer;
let h: Harness;
before(async () => {
  server = await RedisServer.start({ appendonly: false });
  h = await startHarness({ server });
  for (const id of ['smsc-a', 'smsc-b'])
    assert.equal((await h.call('admin', 'POST', '/v1/connectors', smppConnector(id))).status, 201);
});
after(async () => {
  await h?.close();
  await server?.stop();
});

const kr = {
  id: 'kr',
  table: 'mt',
  order: 100,
  filters: [{ type: 'destinationPrefix', prefixes: ['82'] }],
  action: { type: 'connector', connector: 'smsc-a' },
};
const deflt = {
  id: 'default',
  table: 'mt',
  order: 0,
  action: { type: 'failover', connectors: ['smsc-b', 'smsc-a'] },
};

test('create, get, list, update with revisions, delete; every write is audited', async () => {
  const c1 = await h.call('operator', 'POST', '/v1/routes', kr);
  assert.equal(c1.status, 201);
  assert.equal(c1.headers.etag, `"${c1.json.rev}"`);
  assert.equal(c1.json.enabled, true);
  assert.equal((await h.call('operator', 'POST', '/v1/routes', deflt)).status, 201);
  assert.equal((await h.call('operator', 'POST', '/v1/routes', kr)).status, 409);

  const list = await h.call('read', 'GET', '/v1/routes?table=mt');
  assert.deepEqual(
    list.json.items.map((r: { id: string }) => r.id),
    ['kr', 'default'],
  );
  const got = await h.call('read', 'GET', '/v1/routes/kr');
  assert.equal(got.json.rev, c1.json.rev);

  // Stale revision (If-Match or body rev) → 409, nothing written.
  const upd = await h.call(
    'operator',
    'PUT',
    '/v1/routes/kr',
    { ...kr, description: 'Korea' },
    { 'if-match': `"${c1.json.rev}"` },
  );
  assert.equal(upd.status, 200);
  assert.ok(upd.json.rev > c1.json.rev);
  const stale = await h.call('operator', 'PUT', '/v1/routes/kr', {
    ...kr,
    description: 'stale',
    rev: c1.json.rev,
  });
  assert.equal(stale.status, 409);
  assert.equal(stale.json.code, 'HUB_ERR_STORE_REVISION_CONFLICT');
  assert.equal(
    (await h.call('operator', 'DELETE', '/v1/routes/kr', undefined, { 'if-match': `"${c1.json.rev}"` }))
      .status,
    409,
  );
  assert.equal((await h.call('read', 'GET', '/v1/routes/kr')).json.description, 'Korea');
  assert.equal((await h.call('operator', 'PUT', '/v1/routes/nope', { ...kr, id: 'nope' })).status, 404);
  assert.equal(
    (await h.call('operator', 'PUT', '/v1/routes/kr', { ...kr, id: 'other' })).json.details.field,
    'id',
  );
  assert.equal(
    (await h.call('operator', 'PUT', '/v1/routes/kr', kr, { 'if-match': 'yesterday' })).json.details.field,
    'If-Match',
  );

  const audit = await h.call('read', 'GET', '/v1/audit?limit=5');
  assert.deepEqual(
    audit.json.items
      .slice(0, 3)
      .map((e: { who: string; kind: string; id: string; op: string }) => [e.who, e.kind, e.id, e.op]),
    [
      ['ops', 'routes', 'kr', 'update'],
      ['ops', 'routes', 'default', 'create'],
      ['ops', 'routes', 'kr', 'create'],
    ],
  );
  assert.ok(audit.json.items[0].at > 0);
});

test('every write validates the whole table and names the field', async () => {
  const bad = async (body: unknown, method = 'POST', url = '/v1/routes') => {
    const r = await h.call('operator', method, url, body);
    assert.equal(r.status, 400, JSON.stringify(r.json));
    assert.equal(r.json.code, 'HUB_ERR_ROUTING_INVALID');
    return r.json;
  };
  const pattern = await bad({
    ...kr,
    id: 'p',
    order: 5,
    filters: [{ type: 'destinationPattern', pattern: '(a+)+' }],
  });
  assert.equal(pattern.details.issues[0].path, 'filters[0].pattern');
  assert.match(pattern.message, /Invalid route p at filters\[0\]\.pattern/);
  const dupOrder = await bad({ ...kr, id: 'dup', order: 100 });
  assert.equal(dupOrder.details.issues[0].path, 'order');
  const unknownType = await bad({ ...kr, id: 'u', order: 7, filters: [{ type: 'colour' }] });
  assert.match(unknownType.details.issues[0].reason, /unknown type "colour"/);
  const target = await bad({
    ...kr,
    id: 't',
    order: 8,
    action: {
      type: 'split',
      targets: [
        { connector: 'smsc-a', weight: 1 },
        { connector: 'ghost', weight: 1 },
      ],
    },
  });
  assert.deepEqual(target.details.issues[0], {
    routeId: 't',
    path: 'action.targets[1].connector',
    reason: 'unknown connector "ghost"',
  });
  await bad(
    {
      ...kr,
      filters: [{ type: 'account', accounts: ['x'] }],
      table: 'mo',
      action: { type: 'reject', reason: 'x' },
    },
    'PUT',
    '/v1/routes/kr',
  );
  // A connector still used by a route cannot go.
  const del = await h.call('admin', 'DELETE', '/v1/connectors/smsc-b');
  assert.equal(del.status, 409);
  assert.deepEqual(del.json.details.routes, ['default']);
});

test('reorder rewrites orders; the default stays last', async () => {
  assert.equal(
    (
      await h.call('operator', 'POST', '/v1/routes', {
        ...kr,
        id: 'de',
        order: 50,
        filters: [{ type: 'destinationPrefix', prefixes: ['49'] }],
      })
    ).status,
    201,
  );
  const r = await h.call('operator', 'POST', '/v1/routes/reorder', {
    table: 'mt',
    ids: ['de', 'kr', 'default'],
  });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  assert.deepEqual(
    r.json.items.map((x: { id: string; order: number }) => [x.id, x.order]),
    [
      ['de', 20],
      ['kr', 10],
      ['default', 0],
    ],
  );
  const missing = await h.call('operator', 'POST', '/v1/routes/reorder', {
    table: 'mt',
    ids: ['de', 'default'],
  });
  assert.equal(missing.status, 400);
  assert.equal(missing.json.details.field, 'ids');
  const notLast = await h.call('operator', 'POST', '/v1/routes/reorder', {
    table: 'mt',
    ids: ['default', 'de', 'kr'],
  });
  assert.equal(notLast.status, 400);
  const foreign = await h.call('operator', 'POST', '/v1/routes/reorder', { table: 'mo', ids: ['kr'] });
  assert.equal(foreign.json.details.field, 'ids.0');
});

test('dry run: the route and connector a message would take, with per-route reasons', async () => {
  const r = await h.call('read', 'POST', '/v1/routes/dry-run', {
    direction: 'mt',
    from: 'HUB',
    to: '+821055551234',
    text: 'hi',
    account: 'acme',
  });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  assert.deepEqual(r.json.decision, { type: 'connector', routeId: 'kr', connector: 'smsc-a', fallbacks: [] });
  assert.deepEqual(
    r.json.checked.map((c: { routeId: string; outcome: string }) => [c.routeId, c.outcome]),
    [
      ['de', 'filtered'],
      ['kr', 'matched'],
    ],
  );
  assert.equal(r.json.checked[0].failed.type, 'destinationPrefix');
  const fallback = await h.call('read', 'POST', '/v1/routes/dry-run', {
    from: '12345',
    to: ['+15551234567'],
    down: ['smsc-b'],
  });
  assert.deepEqual(fallback.json.decision, {
    type: 'connector',
    routeId: 'default',
    connector: 'smsc-a',
    fallbacks: ['smsc-b'],
  });
  const badAddr = await h.call('read', 'POST', '/v1/routes/dry-run', {
    from: 'HUB',
    to: ['+4915112345678', '   '],
  });
  assert.equal(badAddr.status, 400);
  const missing = await h.call('read', 'POST', '/v1/routes/dry-run', { from: 'HUB' });
  assert.equal(missing.status, 400);
  assert.equal(missing.json.details.field, 'to');
});

test('a change made through the API reaches a second ConfigStore subscriber (another instance)', async () => {
  const other = new Redis(server.url);
  const reader = new ConfigStore({ redis: other, prefix: h.prefix });
  const seen: ConfigChange[] = [];
  const stop = await reader.subscribeChanges((c) => seen.push(c));
  try {
    const r = await h.call('operator', 'PUT', '/v1/routes/kr', { ...kr, order: 10, enabled: false });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    await waitFor(
      () => seen.some((c) => c.op === 'put' && c.kind === 'routes' && c.id === 'kr' && c.rev === r.json.rev),
      { timeoutMs: 5_000 },
    );
    assert.equal((await reader.get<{ enabled: boolean }>('routes', 'kr'))?.doc.enabled, false);
  } finally {
    await stop();
    other.disconnect();
  }
});
