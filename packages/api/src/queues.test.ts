import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Queues } from '@hub/bus';
import { RedisServer } from '@hub/testkit';
import { queueBoardRole } from './queues.js';
import { type Harness, smppConnector, startHarness, TOKENS } from './testing.fixture.js';

let server: RedisServer;
let h: Harness;
const errors: Array<[string, number]> = [];
before(async () => {
  server = await RedisServer.start({ appendonly: false });
  h = await startHarness({
    server,
    queueBoard: { accounts: ['acme'] },
    onError: (code, status) => errors.push([code, status]),
  });
});
after(async () => {
  await h?.close();
  await server?.stop();
});

const basic = (token: string): Record<string, string> => ({
  authorization: `Basic ${Buffer.from(token).toString('base64')}`,
});

test('the queue dashboard needs an operator or admin key: 401 (Basic challenge) without, 403 for read', async () => {
  for (const headers of [{}, basic('root:wrong'), { authorization: 'Bearer ghost:x' }]) {
    const r = await h.call(null, 'GET', '/queues', undefined, headers);
    assert.equal(r.status, 401);
    assert.equal(r.json.code, 'HUB_ERR_AUTH_FAILED');
    assert.match(String(r.headers['www-authenticate']), /^Basic realm="Hub queues"/);
  }
  assert.equal((await h.call(null, 'GET', '/queues/api/queues')).status, 401);
  const ro = await h.call('read', 'GET', '/queues');
  assert.equal(ro.status, 403);
  assert.equal(ro.json.code, 'HUB_ERR_FORBIDDEN');
  // The rest of the API keeps its Bearer challenge.
  assert.match(String((await h.call(null, 'GET', '/v1/routes')).headers['www-authenticate']), /^Bearer/);
  assert.ok(errors.some(([code, status]) => code === 'HUB_ERR_AUTH_FAILED' && status === 401));

  const page = await h.call('operator', 'GET', '/queues');
  assert.equal(page.status, 200);
  assert.match(String(page.headers['content-type']), /html/);
  assert.match(String(page.json), /Hub queues/);
  // A browser's Basic login (key id as user, secret as password) works the same, also a second time (cached).
  for (let i = 0; i < 2; i++)
    assert.equal((await h.call(null, 'GET', '/queues', undefined, basic(TOKENS.admin))).status, 200);
  // A cached good header does not let a wrong one in.
  assert.equal((await h.call(null, 'GET', '/queues', undefined, basic('root:admin-secreT'))).status, 401);
});

test('it lists the route, events, connector and outbox queues from the config and the config store', async () => {
  assert.equal((await h.call('admin', 'POST', '/v1/connectors', smppConnector('smsc-z'))).status, 201);
  const msg = await h.message('acme');
  await h.bus.enqueue(Queues.route, msg);
  const r = await h.call(
    'operator',
    'GET',
    '/queues/api/queues?activeQueue=%7Bhub.route.v1%7D&status=waiting&page=1',
  );
  assert.equal(r.status, 200);
  const queues = r.json.queues as Array<{ name: string; counts: Record<string, number> }>;
  const names = queues.map((q) => q.name).sort();
  assert.deepEqual(names, [
    '{hub.connector.v1.smsc-z}',
    '{hub.events.v1}',
    '{hub.outbox.v1.acme}',
    '{hub.route.v1}',
  ]);
  const route = queues.find((q) => q.name === '{hub.route.v1}');
  assert.equal((route?.counts.waiting ?? 0) + (route?.counts.prioritized ?? 0), 1);
});

test('reads, retries and promotions are operator; pause, clean, empty and edits are admin', async () => {
  assert.equal(queueBoardRole('GET', '/queues/api/queues'), 'operator');
  assert.equal(queueBoardRole('PUT', '/queues/api/queues/q/retry/failed'), 'operator');
  assert.equal(queueBoardRole('PUT', '/queues/api/queues/q/123/retry'), 'operator');
  assert.equal(queueBoardRole('PUT', '/queues/api/queues/q/promote'), 'operator');
  for (const url of [
    '/queues/api/queues/q/pause',
    '/queues/api/queues/q/empty',
    '/queues/api/queues/q/123/clean',
  ])
    assert.equal(queueBoardRole('PUT', url), 'admin');
  assert.equal(queueBoardRole('POST', '/queues/api/queues/q/add'), 'admin');
  const q = encodeURIComponent('{hub.outbox.v1.acme}');
  const denied = await h.call('operator', 'PUT', `/queues/api/queues/${q}/pause`);
  assert.equal(denied.status, 403);
  const paused = await h.call('admin', 'PUT', `/queues/api/queues/${q}/pause`);
  assert.equal(paused.status, 200);
  assert.equal((await h.call('admin', 'PUT', `/queues/api/queues/${q}/resume`)).status, 200);
});
