/**
 * Routing at ingest (`routeAtIngest`): submits are stored already routed and enqueued on the connector
 * queue, with the router's own decisions (failover, no route with its receipt), and scheduled messages
 * still go through the route queue. Nothing consumes the connector queues here, so jobs stay waiting.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Queues } from '@hub/bus';
import { IdGenerator, parseId } from '@hub/message';
import { RouteDecider } from '@hub/router';
import { SmppStatus } from '@hub/smpp';
import { EsmeClient, waitFor } from '@hub/testkit';
import { account, Harness, PASSWORD, PduClient, type StartedGateway } from './harness.fixture.js';

let h: Harness;
let g: StartedGateway;
let decider: RouteDecider;
const clients: EsmeClient[] = [];
const down = new Set<string>(['down']);

const mt = (id: string, order: number, prefix: string, action: Record<string, unknown>) => ({
  id,
  order,
  table: 'mt',
  filters: [{ type: 'destinationPrefix', prefixes: [prefix] }],
  action,
});

before(async () => {
  h = await Harness.start();
  decider = new RouteDecider({
    routes: [
      mt('to-a', 10, '4917', { type: 'connector', connector: 'a' }),
      mt('failover', 20, '4918', { type: 'failover', connectors: ['down', 'b'] }),
    ],
    instance: 'test/ingest',
    ids: new IdGenerator(900),
    connectorsUp: (id) => !down.has(id),
  });
  g = await h.gateway([await account('acme', {}, { maxBinds: 10 })], { extra: { routeAtIngest: decider } });
});
after(async () => {
  await Promise.allSettled(clients.map((c) => c.close()));
  await h.close();
});

async function esme(): Promise<EsmeClient> {
  const c = await EsmeClient.connect({ port: g.port, systemId: 'acme', password: PASSWORD });
  clients.push(c);
  return c;
}

async function submitted(c: EsmeClient, to: string, extra: Record<string, unknown> = {}): Promise<string> {
  const r = await c.submit({ from: '12345', to, destTon: 1, destNpi: 1, text: 'hello', ...extra });
  assert.equal(r.status, 0, `status 0x${r.status.toString(16)}`);
  const id = parseId(r.messageId ?? '');
  assert.ok(id !== undefined);
  return id;
}

describe('routing at ingest', () => {
  test('a submit is stored routed (received + routed stamps, route set) and queued on its connector, not on route', async () => {
    const c = await esme();
    const id = await submitted(c, '491700000001');
    const rec = await h.record(id);
    assert.equal(rec?.state, 'routed');
    assert.deepEqual(rec?.route, { routeId: 'to-a', connector: 'a' });
    assert.deepEqual(
      rec?.history.map((e) => [e.hop, e.state, e.connector]),
      [
        ['received', 'accepted', undefined],
        ['routed', 'routed', 'a'],
      ],
    );
    assert.equal(await h.bus.depth(Queues.route), 0);
    assert.equal(await h.bus.depth(Queues.connector('a')), 1);
  });

  test('failover skips a connector that is down, keeping the rest as fallbacks; a route edit applies at once', async () => {
    const c = await esme();
    const id = await submitted(c, '491800000001');
    assert.deepEqual((await h.record(id))?.route, {
      routeId: 'failover',
      connector: 'b',
      fallbacks: ['down'],
    });
    decider.setRoutes([mt('all-to-c', 10, '49', { type: 'connector', connector: 'c' })]);
    try {
      const id2 = await submitted(c, '491800000002');
      assert.equal((await h.record(id2))?.route?.connector, 'c');
    } finally {
      decider.setRoutes([
        mt('to-a', 10, '4917', { type: 'connector', connector: 'a' }),
        mt('failover', 20, '4918', { type: 'failover', connectors: ['down', 'b'] }),
      ]);
    }
  });

  test('no route: the submit is accepted, the message ends rejected (err 011) and a REJECTD receipt is delivered', async () => {
    const c = await esme();
    const id = await submitted(c, '12025550100', { registeredDelivery: 1 });
    const rec = await h.record(id);
    assert.equal(rec?.state, 'rejected');
    const last = rec?.history.at(-1);
    assert.equal(last?.hop, 'failed');
    assert.equal(last?.error, '011');
    // Any of the account's receivers may get it (the earlier tests' sessions are still bound).
    const find = () => clients.flatMap((x) => x.receipts).find((r) => parseId(r.id ?? '') === id);
    await waitFor(() => find() !== undefined, { timeoutMs: 5_000, what: 'the REJECTD receipt' });
    const receipt = find();
    assert.match(receipt?.text ?? '', /stat:REJECTD err:011/);
    assert.equal(receipt?.messageState, 8);
  });

  test('a scheduled submit goes on the route queue (routed when due) and can be cancelled', async () => {
    const c = await PduClient.connect(g.port);
    await c.bind('acme', { type: 'tx' });
    const sub = await c.request('submit_sm', {
      source_addr: '12345',
      dest_addr_ton: 1,
      dest_addr_npi: 1,
      destination_addr: '491700000002',
      schedule_delivery_time: '000000010000000R',
      short_message: Buffer.from('later'),
    });
    assert.equal(sub.pdu.command_status, 0);
    const id = parseId(String(sub.pdu.message_id)) as string;
    const rec = await h.record(id);
    assert.equal(rec?.state, 'accepted');
    assert.equal(rec?.route, undefined);
    assert.equal(await h.bus.depth(Queues.route), 1);
    const cancel = await c.request('cancel_sm', {
      message_id: String(sub.pdu.message_id),
      source_addr: '12345',
      destination_addr: '491700000002',
    });
    assert.equal(cancel.pdu.command_status, 0);
    assert.equal((await h.record(id))?.state, 'deleted');
    assert.equal(await h.bus.depth(Queues.route), 0);
    c.close();
  });

  test('cancel_sm of messages due now (in a shared batch job): withdrawn by state unless a connector took it', async () => {
    const c = await PduClient.connect(g.port);
    await c.bind('acme', { type: 'tx' });
    // Submitted together: they travel in one batch job on the connector queue, which cannot be removed alone.
    const subs = await Promise.all(
      [1, 2, 3, 4].map((i) =>
        c.request('submit_sm', {
          source_addr: '12345',
          dest_addr_ton: 1,
          dest_addr_npi: 1,
          destination_addr: `49170000001${i}`,
          short_message: Buffer.from(`now ${i}`),
        }),
      ),
    );
    const raw = subs.map((s) => String(s.pdu.message_id));
    const ids = raw.map((r) => parseId(r) as string);
    const cancel = (i: number) =>
      c.request('cancel_sm', {
        message_id: raw[i],
        source_addr: '12345',
        destination_addr: `49170000001${i + 1}`,
      });
    assert.equal((await cancel(0)).pdu.command_status, 0);
    assert.equal((await h.record(ids[0] as string))?.state, 'deleted');
    // A connector worker takes the next one for sending: from then on it cannot be cancelled.
    assert.equal(await h.store.take(ids[1] as string), 'routed');
    assert.equal((await cancel(1)).pdu.command_status, SmppStatus.ESME_RCANCELFAIL);
    assert.equal((await h.record(ids[1] as string))?.state, 'routed');
    // And a worker that reaches a cancelled one finds it final and does not send it.
    assert.equal(await h.store.take(ids[0] as string), 'deleted');
    c.close();
  });

  test('replace_sm of a routed message re-routes it on the connector queue; cancel_sm then removes it there', async () => {
    const c = await PduClient.connect(g.port);
    await c.bind('acme', { type: 'tx' });
    const sub = await c.request('submit_sm', {
      source_addr: '12345',
      dest_addr_ton: 1,
      dest_addr_npi: 1,
      destination_addr: '491700000003',
      short_message: Buffer.from('old'),
    });
    const raw = String(sub.pdu.message_id);
    const id = parseId(raw) as string;
    const before = await h.bus.depth(Queues.connector('a'));
    const rep = await c.request('replace_sm', {
      message_id: raw,
      source_addr: '12345',
      schedule_delivery_time: '',
      validity_period: '',
      registered_delivery: 0,
      short_message: Buffer.from('new'),
    });
    assert.equal(rep.pdu.command_status, 0);
    const rec = await h.record(id);
    assert.equal(rec?.state, 'routed');
    assert.equal(rec?.content.type === 'sms' ? rec.content.text : '', 'new');
    assert.equal(rec?.route?.connector, 'a');
    assert.equal(await h.bus.depth(Queues.connector('a')), before, 'the old job replaced by the new one');
    const q = await c.request('query_sm', { message_id: raw, source_addr: '12345' });
    assert.equal(q.pdu.message_state, 1, 'ENROUTE');
    const cancel = await c.request('cancel_sm', {
      message_id: raw,
      source_addr: '12345',
      destination_addr: '491700000003',
    });
    assert.equal(cancel.pdu.command_status, 0);
    assert.equal((await h.record(id))?.state, 'deleted');
    assert.equal(await h.bus.depth(Queues.connector('a')), before - 1);
    const again = await c.request('cancel_sm', {
      message_id: raw,
      source_addr: '12345',
      destination_addr: '491700000003',
    });
    assert.equal(again.pdu.command_status, SmppStatus.ESME_RCANCELFAIL);
    c.close();
  });
});
