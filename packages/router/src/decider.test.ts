import assert from 'node:assert/strict';
import { test } from 'node:test';

import { Queues } from '@hub/bus';
import { createMessage, type HubMessage, IdGenerator, normalizeAddress } from '@hub/message';
import type { ServiceContext } from '@hub/runtime';
import { RouteDecider } from './decider.js';
import { startRouteTable } from './live-table.js';

const ids = new IdGenerator(22);
const mtRoute = (id: string, order: number, prefix: string, action: Record<string, unknown>) => ({
  id,
  order,
  table: 'mt',
  filters: [{ type: 'destinationPrefix', prefixes: [prefix] }],
  action,
});
const ROUTES = [
  mtRoute('to-a', 10, '4917', { type: 'connector', connector: 'a' }),
  mtRoute('fo', 20, '4918', { type: 'failover', connectors: ['x', 'b'] }),
  {
    id: 'mo-acme',
    order: 10,
    table: 'mo',
    filters: [{ type: 'destinationPrefix', prefixes: ['7777'], exact: true }],
    action: { type: 'account', account: 'acme' },
  },
];

function msg(
  to: string,
  over: { direction?: 'mt' | 'mo'; receipt?: 'none' | 'final'; expireAt?: number } = {},
): HubMessage {
  return createMessage(
    {
      id: ids.next(),
      direction: over.direction ?? 'mt',
      kind: 'sms',
      origin: { protocol: 'smpp', account: 'acme' },
      from: normalizeAddress('4930123')!,
      to: [normalizeAddress(to)!],
      content: {
        type: 'sms',
        dataCoding: 0,
        text: 'hi',
        bytes: Buffer.from('hi').toString('base64'),
        segments: 1,
      },
      options: {
        receipt: over.receipt ?? 'final',
        priority: 0,
        ...(over.expireAt === undefined ? {} : { expireAt: over.expireAt }),
      },
    },
    1_000,
    'gw',
  );
}

const decider = (up: (id: string) => boolean = () => true) =>
  new RouteDecider({ routes: ROUTES, instance: 'gw', ids, connectorsUp: up });

test('atIngest, connector: the record is routed with its route and both stamps; the job is that record on the connector queue', () => {
  const m = msg('+491800000001');
  const r = decider((id) => id !== 'x').atIngest(m, 2_000);
  assert.equal(r.plan.type, 'connector');
  assert.equal(r.record.state, 'routed');
  assert.deepEqual(r.record.route, { routeId: 'fo', connector: 'b', fallbacks: ['x'] });
  assert.deepEqual(
    r.record.history.map((e) => [e.hop, e.state, e.by, e.connector, e.detail]),
    [
      ['received', 'accepted', 'gw', undefined, undefined],
      ['routed', 'routed', 'gw', 'b', 'route fo'],
    ],
  );
  assert.equal(r.job?.queue.name, Queues.connector('b').name);
  assert.equal(r.job?.payload, r.record);
  assert.equal(r.report, undefined);
  assert.equal(m.state, 'accepted', 'the input is not changed');
});

test('atIngest, no route: rejected with err 011 and the REJECTD report owed under r-<id>-rejected; none when no receipt asked', () => {
  const m = msg('+12025550100');
  const r = decider().atIngest(m, 2_000);
  assert.equal(r.record.state, 'rejected');
  assert.equal(r.job, undefined);
  const last = r.record.history.at(-1);
  assert.equal(last?.hop, 'failed');
  assert.equal(last?.error, '011');
  assert.match(last?.detail ?? '', /^HUB_ERR_NO_ROUTE: /);
  assert.equal(r.report?.jobId, `r-${m.id}-rejected`);
  assert.equal(r.report?.queue.name, Queues.outbox('acme').name);
  assert.equal(r.report?.payload.class, 'report');
  assert.equal(r.report?.payload.report?.messageId, m.id);
  assert.equal(r.report?.payload.report?.state, 'rejected');
  assert.equal(r.report?.payload.report?.error, '011');
  assert.equal(decider().atIngest(msg('+12025550100', { receipt: 'none' })).report, undefined);
});

test('atIngest, expired: the message ends expired, before the table is asked', () => {
  const r = decider().atIngest(msg('+491700000001', { expireAt: 1_500 }), 2_000);
  assert.equal(r.plan.type, 'final');
  assert.equal(r.record.state, 'expired');
  assert.equal(r.record.history.at(-1)?.hop, 'expired');
  assert.equal(r.report?.payload.report?.state, 'expired');
});

test('atIngest, account route: routed record, the message as it came on the account outbox (as the router does)', () => {
  const m = msg('7777', { direction: 'mo' });
  const r = decider().atIngest(m, 2_000);
  assert.equal(r.record.state, 'routed');
  assert.equal(r.record.history.at(-1)?.detail, 'account acme (route mo-acme)');
  assert.equal(r.job?.queue.name, Queues.outbox('acme').name);
  assert.equal(r.job?.payload, m);
});

test('a bad table is refused at construction and on setRoutes (the previous one stays in force)', () => {
  assert.throws(() => new RouteDecider({ routes: [{ id: 'bad' }], instance: 'gw', ids }), {
    code: 'HUB_ERR_ROUTING_INVALID',
  });
  const d = decider();
  assert.throws(() => d.setRoutes([{ id: 'bad' }]), { code: 'HUB_ERR_ROUTING_INVALID' });
  assert.equal(d.plan(msg('+491700000001')).type, 'connector');
});

/** A config store in memory, with the change feed the ConfigStore delivers. */
class FakeConfigStore {
  readonly docs = new Map<string, Map<string, unknown>>();
  #cbs: Array<(c: { op: string; kind?: string; id?: string; rev?: number }) => unknown> = [];
  async getAll(kind: string) {
    return [...(this.docs.get(kind) ?? new Map()).entries()].map(([id, doc]) => ({ id, doc, rev: 1 }));
  }
  async subscribeChanges(cb: (c: { op: string; kind?: string }) => unknown) {
    this.#cbs.push(cb);
    return async () => {
      this.#cbs = this.#cbs.filter((x) => x !== cb);
    };
  }
  async emit(change: { op: string; kind?: string; id?: string }): Promise<void> {
    await Promise.all(this.#cbs.map((cb) => cb(change)));
  }
  set(kind: string, id: string, doc: unknown | undefined): void {
    const m = this.docs.get(kind) ?? new Map<string, unknown>();
    if (doc === undefined) m.delete(id);
    else m.set(id, doc);
    this.docs.set(kind, m);
  }
}

test('startRouteTable: stored routes win over the configuration, changes reload, a bad table is refused, an emptied store brings the configuration back; connector states are read', async () => {
  const store = new FakeConfigStore();
  const published = new Map<string, string>([['hub:connector-state:b', JSON.stringify({ up: true })]]);
  let quit = 0;
  const redis = {
    mget: async (...keys: string[]) => keys.map((k) => published.get(k) ?? null),
    get: async (k: string) => published.get(k) ?? null,
    quit: async () => {
      quit++;
      return 'OK';
    },
  };
  const logs: string[] = [];
  const log = {
    info: (_o: object, m: string) => logs.push(m),
    warn: (_o: object, m: string) => logs.push(m),
    error: (_o: object, m: string) => logs.push(m),
  };
  const ctx = {
    config: {
      routes: [mtRoute('cfg', 10, '49', { type: 'failover', connectors: ['x', 'b'] })],
      connectors: [{ id: 'x' }, { id: 'b' }],
      workers: { connectorStateIntervalMs: 60_000 },
    },
    instance: 'gw',
    log,
    core: { configStore: store, connection: { prefix: 'hub', client: () => redis }, ids },
  } as unknown as ServiceContext;
  const live = await startRouteTable(ctx);
  try {
    assert.equal(live.initialRoutes, 1);
    // x is configured but publishes nothing (no live process): down, so the failover goes to b.
    const first = live.decider.plan(msg('+491700000001'));
    assert.deepEqual(first.type === 'connector' ? [first.routeId, first.connector] : first.type, [
      'cfg',
      'b',
    ]);

    store.set('routes', 'st', mtRoute('st', 10, '49', { type: 'connector', connector: 'stored' }));
    await store.emit({ op: 'put', kind: 'routes', id: 'st' });
    const second = live.decider.plan(msg('+491700000001'));
    assert.equal(second.type === 'connector' ? second.routeId : second.type, 'st');

    store.set('routes', 'bad', { id: 'bad' });
    await store.emit({ op: 'put', kind: 'routes', id: 'bad' });
    assert.ok(logs.includes('route table reload refused; keeping the previous table'));
    const third = live.decider.plan(msg('+491700000001'));
    assert.equal(third.type === 'connector' ? third.routeId : third.type, 'st');

    store.set('routes', 'bad', undefined);
    store.set('routes', 'st', undefined);
    await store.emit({ op: 'resync' });
    const fourth = live.decider.plan(msg('+491700000001'));
    assert.equal(
      fourth.type === 'connector' ? fourth.routeId : fourth.type,
      'cfg',
      'config routes back in force',
    );

    // A stored connector is watched too: "y" publishes down, so it is never picked first.
    store.set('connectors', 'y', { id: 'y' });
    await store.emit({ op: 'put', kind: 'connectors', id: 'y' });
    await live.states.refresh();
    assert.equal(live.states.isUp('y'), false);
    assert.equal(live.states.isUp('b'), true);
  } finally {
    await live.stop();
  }
  assert.equal(quit, 1, 'its Redis client closed');
});
