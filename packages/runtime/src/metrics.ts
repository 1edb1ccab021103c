import { createServer, type Server } from 'node:http';
import { Queues } from '@hub/bus';
import type { HubConfig } from '@hub/config';
import { Errors, isHubError } from '@hub/errors';
import type { Hop, MessageState } from '@hub/message';
import type { HopFacts, HopObserver } from '@hub/store';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { HubCore } from './core.js';

/**
 * Prometheus metrics of one Hub process (see docs/metrics.md for every family and the dashboard).
 *
 * One {@link HubMetrics} per process ({@link processMetrics}) holds one registry: all services of an
 * all-in-one process count into it, and `listeners.metrics` serves it at `/metrics`. Counters and the
 * per-hop histogram are fed by the message store's observer (one place for every app); gauges about
 * queues and connectors are sampled from Redis every few seconds while the endpoint runs; services report
 * their own gauges through {@link HubMetrics.gauge}.
 */

/** Hops measured from `received` by `hub_hop_latency_seconds`. */
export const MEASURED_HOPS: ReadonlySet<Hop> = new Set<Hop>([
  'routed',
  'submitted',
  'upstream_ack',
  'receipt',
  'receipt_delivered',
  'delivered_to_client',
]);

/** Histogram buckets in seconds: milliseconds for Hub's own hops up to a day for late receipts. */
export const HOP_BUCKETS: readonly number[] = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 21_600, 86_400,
];

/** Gauges every process declares up front, so their families exist before the first report. */
const KNOWN_GAUGES = {
  hub_smpp_sessions_bound: {
    help: 'SMPP client sessions bound to this process, by account',
    labels: ['account'],
  },
} as const satisfies Record<string, { help: string; labels: readonly string[] }>;

/** Name of a gauge declared by Hub itself (others may be created with a help text). */
export type KnownGauge = keyof typeof KNOWN_GAUGES;

/** Options of {@link createMetrics}. */
export interface MetricsOptions {
  /** Register prom-client's default Node collectors (CPU, memory, event loop lag, GC). Default true. */
  readonly defaultCollectors?: boolean;
  /** Labels added to every series (e.g. `{instance: 'hub-1'}`). Prometheus adds `instance` itself when scraping. */
  readonly defaultLabels?: Readonly<Record<string, string>>;
}

/** The metrics of one process. */
export interface HubMetrics {
  readonly registry: Registry;
  /** `hub_messages_total{protocol,account,connector,state}`: records created and state changes applied. */
  readonly messages: Counter<'protocol' | 'account' | 'connector' | 'state'>;
  /** `hub_hop_latency_seconds{hop}`: from `received` to each later hop (first time only). */
  readonly hopLatency: Histogram<'hop'>;
  /** `hub_errors_total{code}`: errors by catalog code (see {@link HubMetrics.error}). */
  readonly errors: Counter<'code'>;
  /** `hub_queue_depth{queue}`: jobs waiting, delayed or active, sampled. */
  readonly queueDepth: Gauge<'queue'>;
  /** `hub_connector_up{connector}` (1 bound, 0 otherwise), `hub_connector_in_flight`, `hub_connector_rate`, `hub_connector_sessions`. */
  readonly connectorUp: Gauge<'connector'>;
  readonly connectorInFlight: Gauge<'connector'>;
  readonly connectorRate: Gauge<'connector'>;
  readonly connectorSessions: Gauge<'connector'>;
  /** The message store's observer: wire it as `MessageStore`'s `onHop`. */
  readonly onHop: HopObserver;
  /**
   * Counts one error under its code: a HubError's catalog code, a system error's code (`ECONNREFUSED`),
   * else `unknown`. Never throws.
   */
  error(err: unknown): void;
  /**
   * A gauge by name, created on first use. Hub's own (`hub_smpp_sessions_bound{account}`) need no help
   * text; any other name needs `help` and its label names, and must keep them on later calls. Throws a
   * plain Error for an unknown name without `help` (a programming error).
   *
   * ```ts
   * ctx.core.metrics.gauge('hub_smpp_sessions_bound').set({ account: 'acme' }, 3);
   * ```
   */
  gauge(name: KnownGauge | (string & {}), help?: string, labelNames?: readonly string[]): Gauge<string>;
}

/** Creates metrics on a fresh registry (tests; a process uses {@link processMetrics}). */
export function createMetrics(opts: MetricsOptions = {}): HubMetrics {
  const registry = new Registry();
  if (opts.defaultLabels !== undefined) registry.setDefaultLabels({ ...opts.defaultLabels });
  if (opts.defaultCollectors !== false) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const messages = new Counter({
    name: 'hub_messages_total',
    help: 'Message records created and state changes applied, by origin protocol, origin account, connector and new state',
    labelNames: ['protocol', 'account', 'connector', 'state'] as const,
    registers,
  });
  const hopLatency = new Histogram({
    name: 'hub_hop_latency_seconds',
    help: 'Time from a message being received to each later hop (first occurrence)',
    labelNames: ['hop'] as const,
    buckets: [...HOP_BUCKETS],
    registers,
  });
  const errors = new Counter({
    name: 'hub_errors_total',
    help: 'Errors by code (HubError catalog codes; system error codes; unknown)',
    labelNames: ['code'] as const,
    registers,
  });
  const queueDepth = new Gauge({
    name: 'hub_queue_depth',
    help: 'Jobs waiting, prioritised, delayed or active per queue (sampled)',
    labelNames: ['queue'] as const,
    registers,
  });
  const perConnector = (name: string, help: string): Gauge<'connector'> =>
    new Gauge({ name, help, labelNames: ['connector'] as const, registers });
  const connectorUp = perConnector(
    'hub_connector_up',
    '1 when the connector has at least one bound session (state bound), else 0',
  );
  const connectorInFlight = perConnector(
    'hub_connector_in_flight',
    'Requests sent upstream and not yet answered',
  );
  const connectorRate = perConnector(
    'hub_connector_rate',
    'Messages per second the connector sent over its last interval',
  );
  const connectorSessions = perConnector('hub_connector_sessions', 'Upstream sessions bound');
  const gauges = new Map<string, Gauge<string>>();
  for (const [name, g] of Object.entries(KNOWN_GAUGES))
    gauges.set(name, new Gauge({ name, help: g.help, labelNames: [...g.labels], registers }));

  const onHop: HopObserver = (hop, at, createdAt, state, facts) => {
    // A repeated or late report changed nothing: neither a new state nor a new hop.
    if (facts.outcome === 'duplicate' || facts.outcome === 'late') return;
    if (facts.via !== 'stamp' && state !== undefined) countState(messages, state, facts);
    // A put (re)writes a record whose hops were observed already: measure transitions and stamps only.
    if (facts.via !== 'put' && MEASURED_HOPS.has(hop))
      hopLatency.observe({ hop }, Math.max(0, at - createdAt) / 1000);
  };

  return {
    registry,
    messages,
    hopLatency,
    errors,
    queueDepth,
    connectorUp,
    connectorInFlight,
    connectorRate,
    connectorSessions,
    onHop,
    error(err) {
      try {
        errors.inc({ code: errorCode(err) });
      } catch {
        // counting must never add a failure
      }
    },
    gauge(name, help, labelNames) {
      let g = gauges.get(name);
      if (g === undefined) {
        if (help === undefined)
          throw new Error(`metrics: gauge ${name} is not declared; pass its help text and label names`);
        g = new Gauge({ name, help, labelNames: [...(labelNames ?? [])], registers });
        gauges.set(name, g);
      }
      return g;
    },
  };
}

function countState(
  c: Counter<'protocol' | 'account' | 'connector' | 'state'>,
  state: MessageState,
  f: HopFacts,
): void {
  c.inc({ protocol: f.protocol ?? '', account: f.account ?? '', connector: f.connector ?? '', state });
}

const CODE = /^[A-Z][A-Z0-9_]{1,63}$/;

function errorCode(err: unknown): string {
  if (typeof err === 'string') return CODE.test(err) ? err : 'unknown';
  if (isHubError(err)) return err.code;
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && CODE.test(code) ? code : 'unknown';
}

let shared: HubMetrics | undefined;

/**
 * The process's metrics (one registry, default Node collectors), created on first use. `createCore` and
 * `startHub` use it unless given another, so every service of the process counts into the same registry.
 */
export function processMetrics(): HubMetrics {
  shared ??= createMetrics();
  return shared;
}

/** Options of {@link startMetricsEndpoint}. */
export interface MetricsEndpointOptions {
  readonly metrics: HubMetrics;
  readonly host: string;
  /** 0 picks a free port (tests). */
  readonly port: number;
  /** Sample queue depths and connector state from this core (omit: no sampling). */
  readonly core?: HubCore;
  /** Configured connectors and accounts (the config store's are added). */
  readonly config?: Readonly<Pick<HubConfig, 'connectors' | 'accounts'>>;
  /** Sampling period (default 5 s). */
  readonly sampleIntervalMs?: number;
  /** Where sampling failures go (one line per failure streak). */
  readonly log?: { warn(obj: object, msg: string): void };
}

/** A running `/metrics` endpoint. */
export interface MetricsEndpoint {
  /** `http://host:port/metrics` with the port actually bound. */
  readonly url: string;
  /** Runs one sample now (tests; the timer does it every few seconds). Rejects with the Redis error. */
  sample(): Promise<void>;
  /** Stops sampling and closes the server. Idempotent. */
  close(): Promise<void>;
}

/**
 * Serves `GET /metrics` (Prometheus text format) on host:port and samples queue depths and connector
 * state every few seconds. Throws `HUB_ERR_CONFIG` naming `listeners.metrics.port` when it cannot listen
 * (port taken, address not local): the caller refuses to start.
 */
export async function startMetricsEndpoint(opts: MetricsEndpointOptions): Promise<MetricsEndpoint> {
  const { metrics } = opts;
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if ((req.method !== 'GET' && req.method !== 'HEAD') || path !== '/metrics') {
      res
        .writeHead(path === '/metrics' ? 405 : 404, { 'content-type': 'text/plain' })
        .end('Hub metrics: GET /metrics\n');
      return;
    }
    metrics.registry.metrics().then(
      (text) => {
        res.writeHead(200, { 'content-type': metrics.registry.contentType });
        res.end(req.method === 'HEAD' ? undefined : text);
      },
      (err: unknown) => {
        res
          .writeHead(500, { 'content-type': 'text/plain' })
          .end(`metrics collection failed: ${(err as Error).message}\n`);
      },
    );
  });
  server.keepAliveTimeout = 65_000; // longer than Prometheus' idle connections, so scrapes reuse them
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch((err: unknown) => {
    throw new Errors.HUB_ERR_CONFIG(
      'listeners.metrics.port',
      `cannot listen on ${opts.host}:${opts.port} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); ` +
        'give each process on a host its own port (HUB__listeners__metrics__port) or disable it',
      { cause: err },
    );
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : opts.port;
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;

  const sampler =
    opts.core === undefined ? undefined : new Sampler(metrics, opts.core, opts.config, opts.log);
  let timer: NodeJS.Timeout | undefined;
  if (sampler !== undefined) {
    const every = opts.sampleIntervalMs ?? 5_000;
    const tick = (): void => {
      void sampler.runLogged().finally(() => {
        if (timer !== undefined) timer = setTimeout(tick, every).unref();
      });
    };
    timer = setTimeout(tick, 0).unref();
  }
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}/metrics`,
    sample: () => sampler?.run() ?? Promise.resolve(),
    close() {
      closing ??= (async () => {
        clearTimeout(timer);
        timer = undefined;
        await sampler?.close();
        server.closeIdleConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      })();
      return closing;
    },
  };
}

const IDS_REFRESH_MS = 30_000;

/** Key connector workers publish their live state under (the contract in docs/api.md). */
function connectorStateKey(prefix: string, connectorId: string): string {
  return `${prefix}:connector-state:${connectorId}`;
}

/** Reads queue depths and connector live state; applies them to the gauges in one synchronous step. */
class Sampler {
  #ids: { connectors: string[]; accounts: string[]; at: number } | undefined;
  #failing = false;

  constructor(
    private readonly m: HubMetrics,
    private readonly core: HubCore,
    private readonly config: MetricsEndpointOptions['config'],
    private readonly log: MetricsEndpointOptions['log'],
  ) {}

  async runLogged(): Promise<void> {
    try {
      await this.run();
      if (this.#failing) this.log?.warn({}, 'metrics sampling works again');
      this.#failing = false;
    } catch (err) {
      if (!this.#failing)
        this.log?.warn({ err }, 'metrics sampling failed (queue depths and connector state are stale)');
      this.#failing = true;
    }
  }

  async run(): Promise<void> {
    const { connectors, accounts } = await this.ids();
    const defs = [
      Queues.route,
      Queues.events,
      ...connectors.map((id) => Queues.connector(id)),
      ...accounts.map((id) => Queues.outbox(id)),
    ];
    const redis = this.redis();
    const [depths, states] = await Promise.all([
      mapLimited(defs, 16, (d) => this.core.bus.depth(d)),
      mapLimited(connectors, 16, (id) => redis.get(connectorStateKey(this.core.connection.prefix, id))),
    ]);
    // Reset then set without awaiting in between: a scrape never sees a half-applied sample, and
    // connectors or accounts removed from the configuration disappear.
    this.m.queueDepth.reset();
    for (const [i, d] of defs.entries()) this.m.queueDepth.set({ queue: d.name }, depths[i] ?? 0);
    for (const g of [
      this.m.connectorUp,
      this.m.connectorInFlight,
      this.m.connectorRate,
      this.m.connectorSessions,
    ])
      g.reset();
    for (const [i, id] of connectors.entries()) {
      const s = parseState(states[i] ?? null);
      this.m.connectorUp.set({ connector: id }, s.state === 'bound' ? 1 : 0);
      this.m.connectorInFlight.set({ connector: id }, s.inFlight);
      this.m.connectorRate.set({ connector: id }, s.rate);
      this.m.connectorSessions.set({ connector: id }, s.sessions);
    }
  }

  #redis: ReturnType<HubCore['connection']['client']> | undefined;
  private redis(): ReturnType<HubCore['connection']['client']> {
    // Its own command client: the core's is not exposed, and sampling must not queue behind hot paths.
    this.#redis ??= this.core.connection.client('command');
    return this.#redis;
  }

  async close(): Promise<void> {
    await this.#redis?.quit().catch(() => undefined);
  }

  private async ids(): Promise<{ connectors: string[]; accounts: string[] }> {
    const now = Date.now();
    if (this.#ids !== undefined && now - this.#ids.at < IDS_REFRESH_MS) return this.#ids;
    const [c, a] = await Promise.all([
      this.core.configStore.getAll('connectors'),
      this.core.configStore.getAll('accounts'),
    ]);
    const connectors = new Set([...(this.config?.connectors ?? []).map((x) => x.id), ...c.map((d) => d.id)]);
    const accounts = new Set([...(this.config?.accounts ?? []).map((x) => x.id), ...a.map((d) => d.id)]);
    this.#ids = { connectors: [...connectors].sort(), accounts: [...accounts].sort(), at: now };
    return this.#ids;
  }
}

function parseState(raw: string | null): { state: string; inFlight: number; rate: number; sessions: number } {
  const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
  if (raw === null) return { state: 'unknown', inFlight: 0, rate: 0, sessions: 0 };
  try {
    const v = JSON.parse(raw) as Record<string, unknown>;
    return {
      state: typeof v.state === 'string' ? v.state : 'unknown',
      inFlight: num(v.inFlight),
      rate: num(v.rate),
      sessions: num(v.sessions),
    };
  } catch {
    return { state: 'unknown', inFlight: 0, rate: 0, sessions: 0 };
  }
}

async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  fn: (x: T) => Promise<R> | R,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return out;
}
