import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import { Queues } from '@hub/bus';
import { type HubConfig, loadConfig } from '@hub/config';
import { Errors } from '@hub/errors';
import { IdGenerator } from '@hub/message';
import { mtSms, RedisServer } from '@hub/testkit';
import pino from 'pino';
import { createCore, type HubCore } from './core.js';
import { startHub } from './hub.js';
import { createLogger } from './log.js';
import { createMetrics, type HubMetrics, processMetrics, startMetricsEndpoint } from './metrics.js';

let server: RedisServer;
let config: Readonly<HubConfig>;
let metrics: HubMetrics;
let core: HubCore;
const log = createLogger({ level: 'silent' });
const gen = new IdGenerator(7);

before(async () => {
  server = await RedisServer.start({ appendonly: false });
  config = loadConfig({
    object: {
      redis: { url: server.url, prefix: 'mt' },
      listeners: { metrics: { host: '127.0.0.1', port: 0 } },
      connectors: [{ id: 'smsc-a', kind: 'smpp', host: '127.0.0.1', systemId: 'hub', password: 'pw' }],
      accounts: [{ id: 'acme' }],
    },
  });
  metrics = createMetrics();
  core = await createCore(config, server.url, 'metrics-test', log, { metrics });
});
after(async () => {
  await core?.close();
  await server?.stop();
});

/** One sample line's value, or undefined when the series is absent. */
function value(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

test('/metrics over real HTTP exposes every family; samples queue depth and connector state', async () => {
  const ep = await startMetricsEndpoint({
    metrics,
    host: '127.0.0.1',
    port: 0,
    core,
    config,
    sampleIntervalMs: 60_000,
  });
  try {
    assert.match(ep.url, /^http:\/\/127\.0\.0\.1:[0-9]+\/metrics$/);
    const redis = core.connection.client('command');
    await redis.set(
      'mt:connector-state:smsc-a',
      JSON.stringify({ state: 'bound', sessions: 2, inFlight: 7, rate: 41.5, updatedAt: Date.now() }),
      'PX',
      60_000,
    );
    await redis.quit();
    // A message received 2 s ago, stored, queued and routed: counters, the hop histogram and the route queue.
    const t0 = Date.now() - 2_000;
    const msg = mtSms(
      {
        id: gen.next(t0),
        origin: { protocol: 'smpp', account: 'acme' },
        options: { receipt: 'none', priority: 0 },
      },
      t0,
    );

    await core.messages.put(msg);
    await core.bus.enqueue(Queues.route, msg);
    await core.messages.transition(msg.id, 'routed', 'routed', { connector: 'smsc-a' });
    metrics.gauge('hub_smpp_sessions_bound').set({ account: 'acme' }, 3);
    metrics.error(new Errors.HUB_ERR_NO_ROUTE('nothing matched'));
    await ep.sample();

    const res = await fetch(ep.url);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    for (const family of [
      'hub_messages_total',
      'hub_queue_depth',
      'hub_connector_up',
      'hub_connector_in_flight',
      'hub_connector_rate',
      'hub_connector_sessions',
      'hub_smpp_sessions_bound',
      'hub_errors_total',
      'hub_hop_latency_seconds',
      'process_cpu_user_seconds_total',
      'nodejs_eventloop_lag_seconds',
    ]) {
      assert.match(text, new RegExp(`^# TYPE ${family} `, 'm'), `family ${family}`);
    }
    assert.equal(
      value(text, 'hub_messages_total{protocol="smpp",account="acme",connector="",state="accepted"}'),
      1,
    );
    assert.equal(
      value(text, 'hub_messages_total{protocol="smpp",account="acme",connector="smsc-a",state="routed"}'),
      1,
    );
    assert.equal(value(text, 'hub_hop_latency_seconds_count{hop="routed"}'), 1);
    assert.ok((value(text, 'hub_hop_latency_seconds_sum{hop="routed"}') ?? 0) >= 2);
    assert.equal(value(text, 'hub_hop_latency_seconds_bucket{le="1",hop="routed"}'), 0);
    assert.equal(value(text, 'hub_queue_depth{queue="{hub.route.v1}"}'), 1);
    assert.equal(value(text, 'hub_queue_depth{queue="{hub.connector.v1.smsc-a}"}'), 0);
    assert.equal(value(text, 'hub_queue_depth{queue="{hub.outbox.v1.acme}"}'), 0);
    assert.equal(value(text, 'hub_connector_up{connector="smsc-a"}'), 1);
    assert.equal(value(text, 'hub_connector_in_flight{connector="smsc-a"}'), 7);
    assert.equal(value(text, 'hub_connector_rate{connector="smsc-a"}'), 41.5);
    assert.equal(value(text, 'hub_connector_sessions{connector="smsc-a"}'), 2);
    assert.equal(value(text, 'hub_smpp_sessions_bound{account="acme"}'), 3);
    assert.equal(value(text, 'hub_errors_total{code="HUB_ERR_NO_ROUTE"}'), 1);

    assert.equal((await fetch(ep.url.replace('/metrics', '/'))).status, 404);
    assert.equal((await fetch(ep.url, { method: 'POST' })).status, 405);
    // A taken port refuses to start, naming the setting.
    const port = Number(new URL(ep.url).port);
    await assert.rejects(
      startMetricsEndpoint({ metrics, host: '127.0.0.1', port }),
      (err: Error & { code?: string }) =>
        err.code === 'HUB_ERR_CONFIG' && /listeners\.metrics\.port/.test(err.message),
    );
  } finally {
    await ep.close();
  }
});

test('a connector without a published state is down; unknown gauges need a help text', async () => {
  const m = createMetrics({ defaultCollectors: false });
  const ep = await startMetricsEndpoint({
    metrics: m,
    host: '127.0.0.1',
    port: 0,
    core,
    config: { ...config, connectors: [...config.connectors, { ...config.connectors[0]!, id: 'smsc-b' }] },
    sampleIntervalMs: 60_000,
  });
  try {
    await ep.sample();
    const text = await (await fetch(ep.url)).text();
    assert.equal(value(text, 'hub_connector_up{connector="smsc-b"}'), 0);
    assert.doesNotMatch(text, /process_cpu/);
    assert.throws(() => m.gauge('hub_nope'));
    m.gauge('hub_mm7_pending', 'pending MM7 requests', ['account']).set({ account: 'x' }, 1);
    assert.equal(m.gauge('hub_mm7_pending'), m.gauge('hub_mm7_pending', 'pending MM7 requests', ['account']));
  } finally {
    await ep.close();
  }
});

test('startHub serves /metrics as an endpoint and counts errors services log, by code', async () => {
  // Counting happens when a line is written: a logger at info that discards its output.
  const quiet = pino({ level: 'info' }, new Writable({ write: (_c, _e, cb) => cb() }));
  const hub = await startHub({
    config,
    log: quiet,
    services: [
      [
        'demo',
        async (ctx) => {
          ctx.log.warn({ err: new Errors.HUB_ERR_NO_ROUTE('x') }, 'a message could not be routed');
          ctx.log.error({ err: Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }) }, 'peer down');
          return { name: 'demo', endpoints: [], stop: async () => {} };
        },
      ],
    ],
  });
  try {
    const ep = hub.services.find((s) => s.name === 'metrics');
    assert.ok(ep !== undefined);
    const url = ep.endpoints[0] as string;
    assert.match(url, /^http:\/\/127\.0\.0\.1:[0-9]+\/metrics$/);
    const text = await (await fetch(url)).text();
    assert.equal(value(text, 'hub_errors_total{code="HUB_ERR_NO_ROUTE"}'), 1);
    assert.equal(value(text, 'hub_errors_total{code="ECONNREFUSED"}'), 1);
    assert.match(text, /^# TYPE hub_queue_depth gauge/m);
    assert.equal(processMetrics(), processMetrics());
  } finally {
    await hub.stop();
  }
});

test('the Grafana dashboard queries only metric families Hub exposes', async () => {
  const { readFileSync } = await import('node:fs');
  const path = new URL('../../../infra/grafana/hub-dashboard.json', import.meta.url);
  const dash = JSON.parse(readFileSync(path, 'utf8')) as {
    panels: Array<{ targets?: Array<{ expr: string }> }>;
  };
  const exprs = dash.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
  assert.ok(exprs.length >= 15);
  const m = createMetrics();
  const text = await m.registry.metrics();
  const families = new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((x) => x[1]));
  const used = new Set(
    exprs.flatMap((e) =>
      [...e.matchAll(/\b((?:hub|process|nodejs)_[a-z0-9_]+)/g)].map((x) => x[1] as string),
    ),
  );
  for (const name of used) {
    const base = name.replace(/_(bucket|sum|count)$/, '');
    assert.ok(families.has(name) || families.has(base), `dashboard uses ${name}, which is not exposed`);
  }
});
