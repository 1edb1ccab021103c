import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { jobIdFor, Queues } from '@hub/bus';
import { formatId } from '@hub/message';
import { RedisServer } from '@hub/testkit';
import { Queue } from 'bullmq';
import { type Harness, startHarness } from './testing.fixture.js';

let server: RedisServer;
let h: Harness;
const queues: Queue[] = [];
const clients: Array<{ disconnect(): void }> = [];
function queue(name: string): Queue {
  const c = h.conn.client('command');
  clients.push(c);
  const q = new Queue(name, { connection: c, prefix: h.prefix });
  queues.push(q);
  return q;
}
before(async () => {
  server = await RedisServer.start({ appendonly: false });
  h = await startHarness({ server });
  await h.call('admin', 'POST', '/v1/accounts', { id: 'acme', smpp: { systemId: 'acme', password: 'pw' } });
});
after(async () => {
  for (const q of queues) await q.close();
  for (const c of clients) c.disconnect();
  await h?.close();
  await server?.stop();
});

test('get by hex or decimal id: full history with per-hop durations; 400 malformed, 404 unknown', async () => {
  const m = await h.message('acme');
  await h.messages.transition(m.id, 'routed', 'routed', { connector: 'c1' }, { now: m.createdAt + 5 });
  await h.messages.transition(
    m.id,
    'submitted',
    'upstream_ack',
    { upstreamId: 'U1' },
    { now: m.createdAt + 25 },
  );
  await h.messages.linkUpstream('c1', 'U1', m.id);
  for (const id of [m.id, formatId(m.id, 'dec')]) {
    const r = await h.call('read', 'GET', `/v1/messages/${id}`);
    assert.equal(r.status, 200);
    assert.equal(r.json.message.id, m.id);
    assert.deepEqual(
      r.json.timeline.entries.map((e: { hop: string; sincePreviousMs: number }) => [
        e.hop,
        e.sincePreviousMs,
      ]),
      [
        ['received', 0],
        ['routed', 5],
        ['upstream_ack', 20],
      ],
    );
    assert.equal(r.json.timeline.hops.upstream_ack, 25);
    assert.equal(r.json.timeline.totalMs, 25);
  }
  assert.equal((await h.call('read', 'GET', '/v1/messages/not-an-id')).json.details.field, 'id');
  assert.equal((await h.call('read', 'GET', '/v1/messages/00000000000000FF')).status, 404);
  const up = await h.call('read', 'GET', '/v1/messages?connector=c1&upstreamId=U1');
  assert.deepEqual(
    up.json.items.map((x: { id: string }) => x.id),
    [m.id],
  );
  assert.deepEqual((await h.call('read', 'GET', '/v1/messages?connector=c1&upstreamId=nope')).json.items, []);
  assert.equal((await h.call('read', 'GET', '/v1/messages?connector=c1')).json.details.field, 'upstreamId');
});

test('search by account with time, state and recipient filters', async () => {
  const h2 = await h.message('beta', {
    to: [{ kind: 'e164', value: '+15550001111', original: '+15550001111' }],
  });
  await h.message('beta');
  const all = await h.call('read', 'GET', '/v1/messages?account=beta&limit=10');
  assert.equal(all.json.items.length, 2);
  const r = await h.call('read', 'GET', '/v1/messages?account=beta&recipient=%2B15550001111');
  assert.deepEqual(
    r.json.items.map((x: { id: string }) => x.id),
    [h2.id],
  );
  assert.equal(
    (await h.call('read', 'GET', `/v1/messages?account=beta&state=delivered`)).json.items.length,
    0,
  );
  assert.equal(
    (await h.call('read', 'GET', `/v1/messages?account=beta&to=${h2.createdAt - 1}`)).json.items.length,
    0,
  );
  assert.equal(
    (await h.call('read', 'GET', '/v1/messages?account=beta&from=2020-01-01T00:00:00Z')).json.items.length,
    2,
  );
  const bad = await h.call('read', 'GET', '/v1/messages?account=beta&from=yesterday');
  assert.equal(bad.json.details.field, 'from');
  assert.equal(
    (await h.call('read', 'GET', '/v1/messages?account=beta&limit=5000')).json.details.field,
    'limit',
  );
  assert.equal((await h.call('read', 'GET', '/v1/messages?state=sent')).json.details.field, 'state');
  assert.equal((await h.call('read', 'GET', '/v1/messages')).json.details.field, 'account');
});

test('cancel removes a queued message from the route or connector queue, or withdraws it by state; 409 once sent, taken or final', async () => {
  const queued = await h.message('acme');
  await h.bus.enqueue(Queues.route, queued);
  const c = await h.call('operator', 'POST', `/v1/messages/${queued.id}/cancel`);
  assert.equal(c.status, 200, JSON.stringify(c.json));
  assert.equal(c.json.state, 'deleted');
  assert.equal(await queue(Queues.route.name).getJob(jobIdFor(queued.id)), undefined);
  assert.equal((await h.messages.get(queued.id))?.history.at(-1)?.by, 'api:ops');
  const again = await h.call('operator', 'POST', `/v1/messages/${queued.id}/cancel`);
  assert.equal(again.status, 409);
  assert.equal(again.json.code, 'HUB_ERR_CANCEL_FAILED');

  const routed = await h.message('acme');
  await h.messages.transition(routed.id, 'routed', 'routed');
  await h.bus.enqueue(Queues.connector('smsc-9'), {
    ...routed,
    state: 'routed',
    route: { routeId: 'r', connector: 'smsc-9' },
  });
  await h.messages.update(routed.id, { route: { routeId: 'r', connector: 'smsc-9' } });
  const c2 = await h.call('operator', 'POST', `/v1/messages/${routed.id}/cancel`);
  assert.equal(c2.status, 200, JSON.stringify(c2.json));
  assert.equal(c2.json.removedFrom, Queues.connector('smsc-9').name);

  const sent = await h.message('acme');
  await h.messages.transition(sent.id, 'routed', 'routed');
  await h.messages.transition(sent.id, 'submitted', 'upstream_ack');
  assert.equal((await h.call('operator', 'POST', `/v1/messages/${sent.id}/cancel`)).status, 409);
  // Waiting without a job of its own (in a shared batch job, or held by a router): withdrawn by its
  // state; whoever reaches it next finds it final. Once a connector took it, it cannot be.
  const batched = await h.message('acme');
  assert.equal((await h.call('read', 'POST', `/v1/messages/${batched.id}/cancel`)).status, 403);
  const b = await h.call('operator', 'POST', `/v1/messages/${batched.id}/cancel`);
  assert.equal(b.status, 200, JSON.stringify(b.json));
  assert.equal(await h.messages.state(batched.id), 'deleted');
  const taken = await h.message('acme');
  await h.messages.transition(taken.id, 'routed', 'routed');
  await h.messages.update(taken.id, { route: { routeId: 'r', connector: 'smsc-9' } });
  assert.equal(await h.messages.take(taken.id), 'routed');
  assert.equal((await h.call('operator', 'POST', `/v1/messages/${taken.id}/cancel`)).status, 409);
  assert.equal(await h.messages.state(taken.id), 'routed');
});

test('retry: only failed messages; back to accepted and re-queued on the route queue under a fresh job id', async () => {
  const m = await h.message('acme');
  await h.messages.transition(m.id, 'routed', 'routed');
  await h.messages.transition(m.id, 'undeliverable', 'failed', { error: '088' });
  const r = await h.call('operator', 'POST', `/v1/messages/${m.id}/retry`);
  assert.equal(r.status, 200, JSON.stringify(r.json));
  assert.equal(r.json.jobId, `${jobIdFor(m.id)}-r1`);
  assert.equal(await h.messages.state(m.id), 'accepted');
  const job = await queue(Queues.route.name).getJob(r.json.jobId);
  assert.equal(job?.data.id, m.id);
  assert.equal(job?.data.state, 'accepted');
  assert.equal(job?.data.route, undefined);
  // Still queued: a second retry is refused, a cancel finds the retry's job.
  assert.equal((await h.call('operator', 'POST', `/v1/messages/${m.id}/retry`)).status, 409);
  const c = await h.call('operator', 'POST', `/v1/messages/${m.id}/cancel`);
  assert.equal(c.status, 200, JSON.stringify(c.json));

  const ok = await h.message('acme');
  await h.messages.transition(ok.id, 'routed', 'routed');
  await h.messages.transition(ok.id, 'delivered', 'receipt');
  const refused = await h.call('operator', 'POST', `/v1/messages/${ok.id}/retry`);
  assert.equal(refused.status, 409);
  assert.equal(refused.json.code, 'HUB_ERR_CONFLICT');
  assert.equal((await h.call('operator', 'POST', '/v1/messages/00000000000000AA/retry')).status, 404);

  const audit = await h.call('read', 'GET', '/v1/audit?limit=2');
  assert.deepEqual(
    audit.json.items.map((e: { op: string; id: string }) => [e.op, e.id]),
    [
      ['cancel', m.id],
      ['retry', m.id],
    ],
  );
});

test('account stats count states and latency percentiles from the account messages', async () => {
  await h.call('admin', 'POST', '/v1/accounts', { id: 'gamma', smpp: { systemId: 'gamma', password: 'pw' } });
  for (let i = 0; i < 4; i++) {
    const m = await h.message('gamma');
    await h.messages.transition(m.id, 'routed', 'routed', {}, { now: m.createdAt + 1 });
    await h.messages.transition(m.id, 'submitted', 'upstream_ack', {}, { now: m.createdAt + 10 * (i + 1) });
    if (i < 3) await h.messages.transition(m.id, 'delivered', 'receipt', {}, { now: m.createdAt + 100 });
  }
  const s = await h.call('read', 'GET', '/v1/stats/accounts/gamma');
  assert.equal(s.status, 200, JSON.stringify(s.json));
  assert.equal(s.json.messages, 4);
  assert.equal(s.json.delivered, 3);
  assert.equal(s.json.byState.submitted, 1);
  assert.deepEqual(s.json.latencyMs.submit, { n: 4, p50: 20, p90: 40, p99: 40, max: 40 });
  assert.equal(s.json.latencyMs.deliver.p50, 100);
  assert.equal((await h.call('read', 'GET', '/v1/stats/accounts/ghost')).status, 404);
});
