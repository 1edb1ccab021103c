import { Errors } from '@hub/errors';
import { Cluster, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';

/**
 * One Redis connection factory for the whole of Hub, built from a URL:
 *
 * | form | topology |
 * |---|---|
 * | `redis://[user[:password]@]host[:port][/db][?prefix=p]` | standalone |
 * | `rediss://…` | standalone over TLS |
 * | `redis+sentinel://[user[:password]@]h1:p1,h2:p2/master[/db][?sentinelPassword=x]` (also `sentinel://`, `rediss+sentinel://`) | Sentinel |
 * | `redis+cluster://[user[:password]@]h1:p1,h2:p2` (also `rediss+cluster://`, or any form with `{cluster: true}`) | Cluster |
 *
 * The user/password in the URL authenticate to Redis itself (the master behind Sentinel, every Cluster node);
 * Sentinel's own password goes in `?sentinelPassword=`. The key prefix (`?prefix=`, default `hub`) is **not**
 * passed to ioredis as `keyPrefix` (BullMQ refuses that): callers build their keys with {@link RedisConnection.prefix}.
 */

/** Where the data lives. */
export type RedisTopology = 'standalone' | 'sentinel' | 'cluster';

/** A host and port. */
export interface RedisNode {
  readonly host: string;
  readonly port: number;
}

/** What a Redis URL says, before any ioredis option is derived from it. */
export interface ParsedRedisUrl {
  readonly topology: RedisTopology;
  /** Standalone: the server; Sentinel: the sentinels; Cluster: the seed nodes. */
  readonly nodes: readonly RedisNode[];
  /** Sentinel master name. */
  readonly masterName?: string;
  readonly username?: string;
  readonly password?: string;
  readonly sentinelPassword?: string;
  readonly db: number;
  readonly tls: boolean;
  readonly prefix: string;
}

/** TLS settings that cannot sit in a URL. */
export interface RedisTlsOptions {
  /** PEM CA bundle to trust (self-hosted Redis with a private CA). */
  readonly ca?: string | Buffer;
  /** Client certificate and key for mutual TLS. */
  readonly cert?: string | Buffer;
  readonly key?: string | Buffer;
  /** Skip certificate verification (test setups only: it allows a man in the middle). */
  readonly insecure?: boolean;
  /** SNI / verification name when it differs from the host in the URL. */
  readonly servername?: string;
}

/** Options of {@link createRedisConnection}. */
export interface RedisConnectionOptions {
  /** One of the URL forms above. */
  readonly url: string;
  /** Treat the hosts as Cluster seed nodes whatever the scheme (`redis://a:1,b:2` + `cluster: true`). */
  readonly cluster?: boolean;
  /** Overrides `?prefix=` (default `hub`). */
  readonly prefix?: string;
  readonly tls?: RedisTlsOptions;
  /** Shown in `CLIENT LIST` (default `hub`). */
  readonly connectionName?: string;
  /** Per-connection connect timeout (default 10 s). */
  readonly connectTimeoutMs?: number;
  /**
   * How many reconnection attempts a command on a `command` client waits through before it fails (default 5,
   * roughly 3 s with the backoff below). Blocking and subscriber clients wait forever (BullMQ requires it).
   */
  readonly commandRetries?: number;
}

/**
 * - `command`: ordinary commands (producers, store). Fails a command after `commandRetries` reconnect attempts
 *   so callers can answer "try later" instead of hanging.
 * - `blocking`: BullMQ workers and anything that blocks (`maxRetriesPerRequest: null`).
 * - `subscriber`: pub/sub (also never gives up).
 */
export type RedisRole = 'command' | 'blocking' | 'subscriber';

/** A Redis or Cluster client as returned by {@link RedisConnection.client}. */
export type RedisClient = Redis | Cluster;

const DEFAULT_PREFIX = 'hub';

function bad(url: string, why: string): never {
  throw new Errors.HUB_ERR_BUS_BAD_URL(redactUrl(url), why);
}

/** The URL with any password replaced by `***` (safe for logs and error messages). */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z+]+:\/\/)([^@/]*)@/i, (_m, scheme: string, info: string) => {
    const i = info.indexOf(':');
    return i < 0 ? `${scheme}${info}@` : `${scheme}${info.slice(0, i)}:***@`;
  });
}

function parseNode(url: string, s: string, defaultPort: number): RedisNode {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+))(?::(\d{1,5}))?$/.exec(s);
  if (m === null) bad(url, `bad host "${s}"`);
  const host = m[1] ?? m[2] ?? '';
  const port = m[3] === undefined ? defaultPort : Number(m[3]);
  if (port < 1 || port > 65535) bad(url, `bad port in "${s}"`);
  return { host, port };
}

function parseDb(url: string, s: string | undefined): number {
  if (s === undefined || s === '') return 0;
  if (!/^\d{1,5}$/.test(s)) bad(url, `bad db index "${s}"`);
  return Number(s);
}

/**
 * Parses a Redis URL (pure). Throws `HUB_ERR_BUS_BAD_URL` (password redacted) for anything it cannot read:
 * the caller reports a configuration error and does not start.
 */
export function parseRedisUrl(
  url: string,
  opts: { cluster?: boolean; prefix?: string } = {},
): ParsedRedisUrl {
  const m = /^([a-z+]+):\/\/(?:([^@/?#]*)@)?([^/?#]*)(\/[^?#]*)?(?:\?([^#]*))?$/i.exec(url.trim());
  if (m === null) bad(url, 'not a redis URL');
  const scheme = (m[1] ?? '').toLowerCase();
  let topology: RedisTopology;
  let tls: boolean;
  switch (scheme) {
    case 'redis':
    case 'rediss':
      topology = 'standalone';
      tls = scheme === 'rediss';
      break;
    case 'redis+sentinel':
    case 'rediss+sentinel':
    case 'sentinel':
      topology = 'sentinel';
      tls = scheme === 'rediss+sentinel';
      break;
    case 'redis+cluster':
    case 'rediss+cluster':
      topology = 'cluster';
      tls = scheme === 'rediss+cluster';
      break;
    default:
      bad(url, `unknown scheme "${scheme}"`);
  }
  if (opts.cluster === true) {
    if (topology === 'sentinel') bad(url, 'a Sentinel URL cannot be used as a Cluster');
    topology = 'cluster';
  }

  let username: string | undefined;
  let password: string | undefined;
  const info = m[2];
  if (info !== undefined && info !== '') {
    const i = info.indexOf(':');
    const user = decodeURIComponent(i < 0 ? info : info.slice(0, i));
    const pass = i < 0 ? undefined : decodeURIComponent(info.slice(i + 1));
    if (i < 0) {
      // `redis://secret@host` is what many tools write for a password-only server.
      password = user;
    } else {
      if (user !== '') username = user;
      if (pass !== '') password = pass;
    }
  }

  const hosts = (m[3] ?? '').split(',').filter((h) => h !== '');
  if (hosts.length === 0) bad(url, 'no host');
  if (topology === 'standalone' && hosts.length > 1)
    bad(url, 'several hosts need redis+sentinel:// or redis+cluster://');
  const defaultPort = topology === 'sentinel' ? 26379 : 6379;
  const nodes = hosts.map((h) => parseNode(url, h, defaultPort));

  const query = new URLSearchParams(m[5] ?? '');
  const segments = (m[4] ?? '').split('/').filter((s) => s !== '');
  let masterName: string | undefined;
  let db: number;
  if (topology === 'sentinel') {
    masterName = segments[0] === undefined ? undefined : decodeURIComponent(segments[0]);
    if (masterName === undefined) bad(url, 'Sentinel URL needs the master name as its path');
    db = parseDb(url, segments[1] ?? query.get('db') ?? undefined);
  } else {
    db = parseDb(url, segments[0] ?? query.get('db') ?? undefined);
  }
  if (topology === 'cluster' && db !== 0) bad(url, 'Redis Cluster has only db 0');
  if (segments.length > (topology === 'sentinel' ? 2 : 1)) bad(url, 'unexpected path');

  const prefix = opts.prefix ?? query.get('prefix') ?? DEFAULT_PREFIX;
  if (!/^[A-Za-z0-9_.-]{1,32}$/.test(prefix)) bad(url, `bad prefix "${prefix}" (letters, digits, _ . -)`);
  const sentinelPassword = query.get('sentinelPassword') ?? undefined;

  return {
    topology,
    nodes,
    ...(masterName === undefined ? {} : { masterName }),
    ...(username === undefined ? {} : { username }),
    ...(password === undefined ? {} : { password }),
    ...(sentinelPassword === undefined ? {} : { sentinelPassword }),
    db,
    tls,
    prefix,
  };
}

/**
 * Reconnect backoff: 100 ms doubling to a 3 s cap. Short enough that a Redis restart costs seconds, not the
 * 20 s of BullMQ's default cap; never gives up (a hub without Redis must come back by itself).
 */
export function reconnectDelay(times: number): number {
  return Math.min(100 * 2 ** Math.max(0, Math.min(times - 1, 10)), 3000);
}

/** ioredis options derived from a parsed URL (pure): `redis` for standalone/Sentinel, `cluster` for Cluster. */
export type IORedisConfig =
  | { readonly kind: 'redis'; readonly options: RedisOptions }
  | { readonly kind: 'cluster'; readonly nodes: RedisNode[]; readonly options: ClusterOptions };

/** Builds the ioredis options for one role (pure; exported for tests and diagnostics). */
export function toIORedisConfig(
  parsed: ParsedRedisUrl,
  role: RedisRole,
  opts: Omit<RedisConnectionOptions, 'url' | 'cluster' | 'prefix'> = {},
): IORedisConfig {
  const tlsOpts =
    parsed.tls || opts.tls !== undefined
      ? {
          ...(opts.tls?.ca === undefined ? {} : { ca: opts.tls.ca }),
          ...(opts.tls?.cert === undefined ? {} : { cert: opts.tls.cert }),
          ...(opts.tls?.key === undefined ? {} : { key: opts.tls.key }),
          ...(opts.tls?.servername === undefined ? {} : { servername: opts.tls.servername }),
          rejectUnauthorized: opts.tls?.insecure !== true,
        }
      : undefined;
  const maxRetriesPerRequest = role === 'command' ? (opts.commandRetries ?? 5) : null;
  const common: RedisOptions = {
    ...(parsed.username === undefined ? {} : { username: parsed.username }),
    ...(parsed.password === undefined ? {} : { password: parsed.password }),
    ...(tlsOpts === undefined ? {} : { tls: tlsOpts }),
    connectionName: `${opts.connectionName ?? 'hub'}:${role}`,
    connectTimeout: opts.connectTimeoutMs ?? 10_000,
    enableReadyCheck: true,
    enableOfflineQueue: true,
    retryStrategy: reconnectDelay,
  };

  if (parsed.topology === 'cluster') {
    return {
      kind: 'cluster',
      nodes: parsed.nodes.map((n) => ({ host: n.host, port: n.port })),
      options: {
        redisOptions: { ...common, maxRetriesPerRequest },
        enableReadyCheck: true,
        enableOfflineQueue: true,
        clusterRetryStrategy: reconnectDelay,
        // Managed TLS clusters announce node addresses the certificate was issued for: keep names as given.
        ...(tlsOpts === undefined
          ? {}
          : { dnsLookup: (address: string, cb: (err: null, a: string) => void) => cb(null, address) }),
      },
    };
  }
  if (parsed.topology === 'sentinel') {
    return {
      kind: 'redis',
      options: {
        ...common,
        sentinels: parsed.nodes.map((n) => ({ host: n.host, port: n.port })),
        name: parsed.masterName ?? 'mymaster',
        role: 'master',
        db: parsed.db,
        maxRetriesPerRequest,
        sentinelRetryStrategy: reconnectDelay,
        ...(parsed.sentinelPassword === undefined ? {} : { sentinelPassword: parsed.sentinelPassword }),
        ...(tlsOpts === undefined ? {} : { enableTLSForSentinelMode: true, sentinelTLS: tlsOpts }),
      },
    };
  }
  const node = parsed.nodes[0] ?? { host: '127.0.0.1', port: 6379 };
  return {
    kind: 'redis',
    options: { ...common, host: node.host, port: node.port, db: parsed.db, maxRetriesPerRequest },
  };
}

/** Human summary of a parsed URL without secrets: `redis+sentinel://hub:***@a:26379,b:26379/mymaster/0 prefix=hub`. */
export function describeRedis(parsed: ParsedRedisUrl): string {
  const scheme =
    parsed.topology === 'standalone'
      ? parsed.tls
        ? 'rediss'
        : 'redis'
      : `${parsed.tls ? 'rediss' : 'redis'}+${parsed.topology}`;
  const auth =
    parsed.username === undefined && parsed.password === undefined
      ? ''
      : `${parsed.username ?? ''}${parsed.password === undefined ? '' : ':***'}@`;
  const hosts = parsed.nodes
    .map((n) => (n.host.includes(':') ? `[${n.host}]:${n.port}` : `${n.host}:${n.port}`))
    .join(',');
  const path =
    parsed.topology === 'sentinel'
      ? `/${parsed.masterName ?? ''}/${parsed.db}`
      : parsed.topology === 'cluster'
        ? ''
        : `/${parsed.db}`;
  return `${scheme}://${auth}${hosts}${path} prefix=${parsed.prefix}`;
}

/** Per-client options of {@link RedisConnection.client}. */
export interface RedisClientOptions {
  /**
   * ioredis auto-pipelining: commands issued in the same event-loop turn leave in one write (and Redis
   * reads them in one read). Measured on the message path: one socket write per command cost more CPU
   * than the store's own work. Only for a client whose commands are independent of each other, such as
   * the message store's (scripts and single-key commands): never for BullMQ's clients (its maintainers
   * advise against it) or for transactions. Not for `blocking` or `subscriber` clients.
   */
  readonly autoPipelining?: boolean;
}

/** The factory every Hub component gets its Redis clients from. */
export interface RedisConnection {
  readonly parsed: ParsedRedisUrl;
  /** Key prefix for Hub's own keys (`hub` unless configured); BullMQ gets it as its `prefix`. */
  readonly prefix: string;
  /**
   * A new client for `role`. The caller owns it: attach an `error` listener (the factory adds a no-op one so an
   * outage never crashes the process) and `quit()` it when done.
   */
  client(role?: RedisRole, opts?: RedisClientOptions): RedisClient;
  /** The URL without the password, for logs. */
  describe(): string;
}

/**
 * Creates the factory. Throws `HUB_ERR_BUS_BAD_URL` for an unreadable URL; connecting happens lazily in
 * {@link RedisConnection.client} (ioredis connects at once and reconnects forever).
 */
export function createRedisConnection(opts: RedisConnectionOptions): RedisConnection {
  const parsed = parseRedisUrl(opts.url, {
    ...(opts.cluster === undefined ? {} : { cluster: opts.cluster }),
    ...(opts.prefix === undefined ? {} : { prefix: opts.prefix }),
  });
  return {
    parsed,
    prefix: parsed.prefix,
    client(role: RedisRole = 'command', co: RedisClientOptions = {}): RedisClient {
      const cfg = toIORedisConfig(parsed, role, opts);
      if (co.autoPipelining === true && role === 'command') cfg.options.enableAutoPipelining = true;
      const c = cfg.kind === 'cluster' ? new Cluster(cfg.nodes, cfg.options) : new Redis(cfg.options);
      // ioredis emits 'error' on every failed reconnect; unhandled it would crash the process.
      c.on('error', () => {});
      return c;
    },
    describe: () => describeRedis(parsed),
  };
}
