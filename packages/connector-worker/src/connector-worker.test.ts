import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type Bus, createBus, createRedisConnection, Queues, type RedisConnection } from '@hub/bus';
import { type Connector as ConnectorConfig, SmppConnector as SmppConnectorSchema } from '@hub/config';
import type { Connector, ConnectorDeps, ConnectorState, SendResult } from '@hub/connectors';
import { Errors, isHubError } from '@hub/errors';
import { createMessage, type HubMessage, IdGenerator, normalizeAddress } from '@hub/message';
import { MessageStore } from '@hub/store';
import { RedisServer, waitFor } from '@hub/testkit';
import { ConnectorWorker, connectorStateKey } from './connector-worker.js';
import { StatusWorker } from './status-worker.js';

const ids = new IdGenerator(11);
const silent = { info() {}, warn() {}, error() {} };

class FakeConnector implements Connector {
  readonly kind = 'smpp' as const;
  up = true;
  sends: HubMessage[] = [];
  started = 0;
  stopped = 0;
  next = 0x100;
  sendImpl: (msg: HubMessage) => Promise<SendResult> = async (msg) => {
    const n = msg.content.type === 'sms' ? msg.content.segments : 1;
    const upstreamIds = Array.from({ length: n }, () => String(this.next++));
    return { upstreamIds, segments: n, acceptedAt: Date.now() };
  };
  constructor(
    readonly id: string,
    readonly deps: ConnectorDeps,
  ) {}
  async start(): Promise<void> {
    this.started++;
  }
  async send(msg: HubMessage): Promise<SendResult> {
    this.sends.push(msg);
    return await this.sendImpl(msg);
  }
  state(): ConnectorState {
    return {
      id: this.id,
      kind: 'smpp',
      up: this.up,
      sessions: { configured: 1, bound: this.up ? 1 : 0 },
      inFlight: 0,
      waiting: 0,
      rate: { configured: 0, current: null },
      since: 0,
    };
  }
  async stop(): Promise<void> {
    this.stopped++;
  }
}

function cfg(id: string, over: Record<string, unknown> = {}): ConnectorConfig {
  return SmppConnectorSchema.parse({ id, kind: 'smpp', host: '127.0.0.1', port: 1, systemId: 'x', ...over });
}

function mt(
  over: {
    receipt?: 'none' | 'final';
    expireAt?: number;
    fallbacks?: string[];
    connector?: string;
    segments?: number;
  } = {},
): HubMessage {
  const m = createMessage({
    id: ids.next(),
    direction: 'mt',
    kind: 'sms',
    origin: { protocol: 'smpp', account: 'acme' },
    from: normalizeAddress('HUB', { ton: 5 })!,
    to: [normalizeAddress('+4915112345678')!],
    content: {
      type: 'sms',
      dataCoding: 0,
      text: 'hello',
      bytes: Buffer.from('hello').toString('base64'),
      segments: over.segments ?? 1,
    },
    options: {
      receipt: over.receipt ?? 'final',
      priority: 0,
      ...(over.expireAt === undefined ? {} : { expireAt: over.expireAt }),
    },
  });
  return {
    ...m,
    state: 'routed',
    route: {
      routeId: 'r1',
      connector: over.connector ?? 'a',
      ...(over.fallbacks === undefined ? {} : { fallbacks: over.fallbacks }),
    },
  };
}

/** Job facts as the bus gives them; a throttled run counts as started but not made. */
const job = (attemptsMade = 0, attemptsStarted = attemptsMade + 1, id = '') => ({
  id,
  attemptsMade,
  attemptsStarted,
  queue: 'q',
});

let redis: RedisServer;
let conn: RedisConnection;
let bus: Bus;
let store: MessageStore;
let client: ReturnType<RedisConnection['client']>;
const fakes = new Map<string, FakeConnector>();
let worker: ConnectorWorker;
const published = new Map<string, string>();
const counts = new Map<string, number>();
const count = (id: string, field: string): void => {
  counts.set(`${id}:${field}`, (counts.get(`${id}:${field}`) ?? 0) + 1);
};

before(async () => {
  redis = await RedisServer.start({ appendonly: false });
  conn = createRedisConnection({ url: redis.url, prefix: 'cw' });
  bus = createBus({ connection: conn });
  client = conn.client();
  store = new MessageStore({ redis: client, prefix: 'cw' });
  worker = new ConnectorWorker({
    bus,
    store,
    ids,
    instance: 'test',
    log: silent,
    createConnector: (config, deps) => {
      const f = new FakeConnector(config.id, deps);
      fakes.set(config.id, f);
      return f;
    },
    publishState: async (id, json) => {
      published.set(id, json);
    },
    count,
  });
  // Only connector "a" runs; "b" is a fallback whose queue we inspect.
  await worker.setConnectors([
    cfg('a', {
      retries: { temporary: { attempts: 3, delayMs: 10 }, permanent: { attempts: 1, delayMs: 0 } },
    }),
  ]);
});

after(async () => {
  await worker?.stop();
  await bus?.close();
  client?.disconnect();
  await redis?.stop();
});

async function stored(m: HubMessage): Promise<HubMessage> {
  await store.put(m);
  return m;
}

test('a message already being sent by this process is retried later, not sent again, by a second run of its job', async () => {
  const m = await stored(mt());
  const f = fakes.get('a')!;
  const sendsBefore = f.sends.length;
  let release!: () => void;
  const gate = new Promise<void>((r) => {
    release = r;
  });
  const normal = f.sendImpl;
  f.sendImpl = async (msg) => {
    await gate;
    return await normal(msg);
  };
  try {
    // The first run is inside send (taken, waiting for the upstream answer) when the job runs again,
    // as after a missed lock renewal: the second run leaves the message to the first.
    const first = worker.process('a', m, job());
    await waitFor(() => f.sends.length > sendsBefore, { timeoutMs: 5_000, what: 'first send' });
    // Retried later by the bus (never dropped: the first run may still fail and re-queue).
    await assert.rejects(worker.process('a', m, job(0, 2)), (e) =>
      isHubError(e, 'HUB_ERR_CONNECTOR_WORKER_BUSY'),
    );
    assert.equal(f.sends.length, sendsBefore + 1, 'sent once');
    release();
    await first;
  } finally {
    f.sendImpl = normal;
  }
  assert.equal((await store.get(m.id))?.state, 'submitted');
  // Once the first run is over, the message is this process's to handle again (a later job for it
  // finds it submitted and leaves it).
  await worker.process('a', m, job(0, 3));
  assert.equal(f.sends.length, sendsBefore + 1);
});

test('a sent message is linked upstream, submitted, stamped; its receipt makes it delivered with one report', async () => {
  const m = await stored(mt({ segments: 2 }));
  const before = { submitted: counts.get('a:submitted') ?? 0, acked: counts.get('a:acked') ?? 0 };
  await worker.process('a', m, job());
  // The API's connector stats counters (docs/api.md).
  assert.equal((counts.get('a:submitted') ?? 0) - before.submitted, 1);
  assert.equal((counts.get('a:acked') ?? 0) - before.acked, 1);
  const rec = await store.get(m.id);
  assert.equal(rec?.state, 'submitted');
  assert.deepEqual(rec?.upstream?.connector, 'a');
  const ack = rec?.history.find((h) => h.hop === 'upstream_ack');
  assert.ok(ack?.upstreamId?.includes(','), 'both segment ids recorded');
  assert.ok(rec?.history.some((h) => h.hop === 'submitted'));
  const [u1, u2] = (ack?.upstreamId ?? '').split(',');
  assert.equal(await store.findByUpstream('a', u1!), m.id);
  assert.equal(await store.findByUpstream('a', u2!), m.id);

  const reports: HubMessage[] = [];
  const out = bus.worker(Queues.outbox('acme'), async (r) => {
    reports.push(r);
  });
  const status = new StatusWorker({ bus, store, ids, instance: 'test', log: silent, count });
  status.start();
  try {
    // Both segments' receipts through the connector's receive callback, as the SMPP connector calls it.
    const fake = fakes.get('a')!;
    for (const u of [u1!, u2!]) {
      await fake.deps.onEvent!({
        type: 'report',
        report: { connector: 'a', upstreamId: u, state: 'delivered', receivedAt: Date.now(), raw: { id: u } },
      });
    }
    await waitFor(async () => (await store.state(m.id)) === 'delivered', {
      timeoutMs: 5_000,
      what: 'delivered',
    });
    await waitFor(() => reports.length >= 1, { timeoutMs: 5_000, what: 'report' });
    // The second segment's receipt is applied after the first (one message at a time): wait for it.
    const rec2 = await waitFor(
      async () => {
        const r = await store.get(m.id);
        return r !== undefined && r.history.filter((h) => h.hop === 'receipt').length >= 2 ? r : undefined;
      },
      { timeoutMs: 5_000, what: 'second receipt recorded' },
    );
    assert.equal(
      rec2.history.filter((h) => h.hop === 'receipt').length,
      2,
      'second receipt recorded as duplicate',
    );
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(reports.length, 1, 'one report for two segment receipts');
    assert.equal(counts.get('a:delivered'), 1, 'delivered counted once for two segment receipts');
    assert.equal(reports[0]?.report?.messageId, m.id);
    assert.equal(reports[0]?.report?.state, 'delivered');
  } finally {
    await status.stop();
    await out.close();
  }
});

test('a receipt that overtakes the upstream link is retried until the link exists', async () => {
  const status = new StatusWorker({ bus, store, ids, instance: 'test', log: silent });
  const m = await stored(mt({ receipt: 'none' }));
  const ev = {
    v: 1 as const,
    kind: 'receipt' as const,
    connector: 'a',
    upstreamId: 'early-1',
    state: 'delivered' as const,
    at: Date.now(),
  };
  await assert.rejects(
    status.handle(ev),
    (e) => (e as { code?: string }).code === 'HUB_ERR_CONNECTOR_WORKER_UPSTREAM_UNKNOWN',
  );
  await store.linkUpstream('a', 'early-1', m.id);
  await status.handle(ev);
  assert.equal(await store.state(m.id), 'delivered', 'routed → delivered: the receipt may precede the ack');
  await status.handle(ev); // repeated after the final state: tolerated, recorded as late
  assert.equal((await store.get(m.id))?.history.at(-1)?.outcome, 'late');
});

test('an expired message is not sent and becomes expired with its report', async () => {
  const m = await stored(mt({ expireAt: Date.now() - 1 }));
  const before = fakes.get('a')!.sends.length;
  await worker.process('a', m, job());
  assert.equal(fakes.get('a')!.sends.length, before);
  assert.equal(await store.state(m.id), 'expired');
  assert.equal(await bus.depth(Queues.outbox('acme')), 1);
  assert.equal(await bus.remove(Queues.outbox('acme'), '', { jobId: `r-${m.id}-expired` }), true);
});

test('cancelled (final) and already-submitted messages are skipped', async () => {
  const m = await stored(mt());
  await store.transition(m.id, 'deleted', 'cancel');
  const before = fakes.get('a')!.sends.length;
  await worker.process('a', m, job());
  const s = await stored(mt());
  await store.transition(s.id, 'submitted', 'upstream_ack');
  await worker.process('a', s, job());
  assert.equal(fakes.get('a')!.sends.length, before);
});

test('permanent failure → rejected with the upstream status as err; temporary → re-enqueued with delays, then undeliverable', async () => {
  const fake = fakes.get('a')!;
  const saved = fake.sendImpl;
  try {
    fake.sendImpl = async () => {
      throw new Errors.HUB_ERR_CONNECTOR_REJECTED('a', 'ESME_RINVDSTADR', {
        details: { upstreamStatus: 0x0b },
      });
    };
    const p = await stored(mt());
    await worker.process('a', p, job());
    const rec = await store.get(p.id);
    assert.equal(rec?.state, 'rejected');
    assert.equal(rec?.attempts, 1);
    assert.equal(rec?.history.at(-1)?.error, '011');
    assert.equal(await bus.remove(Queues.outbox('acme'), '', { jobId: `r-${p.id}-rejected` }), true);

    fake.sendImpl = async () => {
      throw new Errors.HUB_ERR_SMPP_RESPONSE_TIMEOUT('submit_sm', 10);
    };
    const t = await stored(mt());
    // The job completes; the running worker of "a" takes the delayed re-tries (m-<id>-a1, -a2).
    await worker.process('a', t, job());
    await waitFor(async () => (await store.state(t.id)) === 'undeliverable', {
      timeoutMs: 10_000,
      what: 'undeliverable after retries.temporary.attempts (3)',
    });
    assert.equal((await store.get(t.id))?.attempts, 3);
    assert.equal(fake.sends.filter((m) => m.id === t.id).length, 3);
    assert.equal(await bus.remove(Queues.outbox('acme'), '', { jobId: `r-${t.id}-undeliverable` }), true);
  } finally {
    fake.sendImpl = saved;
  }
});

test('throttled: the queue pauses with the policy delay; at retries.throttled.attempts → undeliverable', async () => {
  const fake = fakes.get('a')!;
  const saved = fake.sendImpl;
  try {
    fake.sendImpl = async () => {
      throw new Errors.HUB_ERR_CONNECTOR_THROTTLED('a', 'ESME_RTHROTTLED', {
        details: { upstreamStatus: 0x58 },
      });
    };
    const th = await stored(mt());
    // Default throttled policy: 50 tries, 1 s doubling to 30 s.
    await assert.rejects(worker.process('a', th, job(0, 1)), (e) => {
      const h = e as { recovery?: string; details?: { retryAfterMs?: number } };
      return h.recovery === 'throttled' && h.details?.retryAfterMs === 1_000;
    });
    await assert.rejects(
      worker.process('a', th, job(0, 3)),
      (e) => (e as { details?: { retryAfterMs?: number } }).details?.retryAfterMs === 4_000,
    );
    await assert.rejects(
      worker.process('a', th, job(0, 49)),
      (e) => (e as { details?: { retryAfterMs?: number } }).details?.retryAfterMs === 30_000,
    );
    assert.equal(await store.state(th.id), 'routed');
    assert.equal((await store.get(th.id))?.attempts, 0, 'throttled runs are not failed attempts');
    await worker.process('a', th, job(0, 50));
    const rec = await store.get(th.id);
    assert.equal(rec?.state, 'undeliverable');
    assert.equal(rec?.history.at(-1)?.error, '088');
    assert.match(rec?.history.at(-1)?.detail ?? '', /gave up after 50 throttled tries/);
    assert.equal(await bus.remove(Queues.outbox('acme'), '', { jobId: `r-${th.id}-undeliverable` }), true);
  } finally {
    fake.sendImpl = saved;
  }
});

test('a message waiting for its delayed retry can be cancelled by message id; tries count from the hand-over', async () => {
  const base = cfg('a', {
    retries: { temporary: { attempts: 3, delayMs: 10 }, permanent: { attempts: 1, delayMs: 0 } },
  });
  const slowCfg = cfg('slow', { retries: { temporary: { attempts: 5, delayMs: 60_000 } } });
  await worker.setConnectors([base, slowCfg]);
  try {
    const slow = fakes.get('slow')!;
    slow.sendImpl = async () => {
      throw new Errors.HUB_ERR_SMPP_RESPONSE_TIMEOUT('submit_sm', 10);
    };
    // Handed over after 4 failed tries elsewhere (e.g. before an operator retry): this is try 1 of 5 here.
    const m = await stored({ ...mt({ connector: 'slow' }), attempts: 4 });
    await worker.process('slow', m, job(0, 1, `m-${m.id}-r1`));
    const rec = await store.get(m.id);
    assert.equal(rec?.state, 'routed', 'not given up: 1 try of 5 on this connector');
    assert.equal(rec?.attempts, 5);
    assert.equal(await bus.depth(Queues.connector('slow')), 1, 'one delayed retry');
    assert.equal(
      await bus.remove(Queues.connector('slow'), m.id),
      true,
      'found under m-<id>-a5 by message id',
    );
    assert.equal(await bus.depth(Queues.connector('slow')), 0);
  } finally {
    await worker.setConnectors([base]);
  }
});

test('connector down with fallbacks → re-routed to the first fallback, route shortened', async () => {
  const fake = fakes.get('a')!;
  fake.up = false;
  try {
    const m = await stored(mt({ fallbacks: ['b', 'c'] }));
    const before = fake.sends.length;
    await worker.process('a', m, job());
    assert.equal(fake.sends.length, before, 'not tried while down');
    const rec = await store.get(m.id);
    assert.deepEqual(rec?.route, { routeId: 'r1', connector: 'b', fallbacks: ['c'] });
    assert.equal(rec?.state, 'routed');
    assert.match(rec?.history.at(-1)?.detail ?? '', /failover from a/);
    assert.equal(await bus.depth(Queues.connector('b')), 1);
    assert.equal(await bus.remove(Queues.connector('b'), m.id), true);
  } finally {
    fake.up = true;
  }
});

test('an MO from the connector is stored and queued for the router', async () => {
  const fake = fakes.get('a')!;
  const before = await bus.depth(Queues.route);
  await fake.deps.onEvent!({
    type: 'mo',
    mo: {
      connector: 'a',
      receivedAt: Date.now(),
      message: {
        direction: 'mo',
        kind: 'sms',
        origin: { protocol: 'smpp', connector: 'a' },
        from: normalizeAddress('+4915100000009')!,
        to: [normalizeAddress('7777', { ton: 3 })!],
        content: {
          type: 'sms',
          dataCoding: 0,
          text: 'JOIN',
          bytes: Buffer.from('JOIN').toString('base64'),
          segments: 1,
        },
        options: { receipt: 'none', priority: 0 },
      },
    },
  });
  assert.equal(await bus.depth(Queues.route), before + 1);
});

test('connector states are published; reloads start, restart and stop connectors', async () => {
  assert.equal(connectorStateKey('hub', 'a'), 'hub:connector-state:a');
  const s = JSON.parse(published.get('a') ?? '{}') as { id?: string; up?: boolean; instance?: string };
  assert.deepEqual([s.id, s.up, s.instance], ['a', true, 'test']);
  const a = fakes.get('a')!;
  const base = cfg('a', {
    retries: { temporary: { attempts: 3, delayMs: 10 }, permanent: { attempts: 1, delayMs: 0 } },
  });
  await worker.setConnectors([base, cfg('b')]);
  assert.deepEqual(worker.ids().sort(), ['a', 'b']);
  assert.equal(fakes.get('a'), a, 'unchanged connector keeps running');
  await worker.setConnectors([{ ...base, windowSize: 20 }, cfg('b', { enabled: false })]);
  assert.deepEqual(worker.ids(), ['a']);
  assert.notEqual(fakes.get('a'), a, 'changed connector restarted');
  assert.equal(a.stopped, 1);
});
