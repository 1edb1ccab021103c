import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Bus } from '@hub/bus';
import type { HubConfig, Mm4ConnectorConfig } from '@hub/config';
import type { Mm4ConnectorServices } from '@hub/connectors';
import { startRouteTable } from '@hub/router';
import type { Service, ServiceFactory } from '@hub/runtime';
import {
  FileContentStore,
  type RedisClient,
  RedisContentStore,
  TieredContentStore,
  verifySecret,
} from '@hub/store';
import { RedisMm4Correlation } from './correlation.js';
import { Mm4Gateway } from './gateway.js';
import { Mm4PeerDirectory } from './peers.js';

/**
 * The content store MM4 part bytes live in: Redis up to 64 KB, `<dataDir>/content` above, kept for
 * `retention.messagesSeconds`. The gateway writes it; the `mm4` connector reads it.
 */
export function createMm4ContentStore(
  config: HubConfig,
  redis: RedisClient,
  prefix: string,
): TieredContentStore {
  return new TieredContentStore({
    small: new RedisContentStore({ redis, prefix, ttlMs: config.retention.messagesSeconds * 1000 }),
    large: new FileContentStore({ dir: join(config.dataDir, 'content') }),
  });
}

/** Options of {@link createMm4ConnectorServices}. */
export interface Mm4ConnectorServicesOptions {
  readonly config: HubConfig;
  /** A command connection (the caller closes it). */
  readonly redis: RedisClient;
  readonly prefix: string;
  /** Where .RES timeouts are queued (the MM4 gateway's worker handles them). */
  readonly bus: Bus;
}

/**
 * What the process running `mm4` connectors passes as `ConnectorDeps.mm4`: the same content store and
 * Redis correlation the MM4 gateway uses, so the gateway matches the peer's .RES to the forward.REQ the
 * connector sent and handles its timeout.
 */
export function createMm4ConnectorServices(o: Mm4ConnectorServicesOptions): Mm4ConnectorServices {
  return {
    content: createMm4ContentStore(o.config, o.redis, o.prefix),
    correlation: new RedisMm4Correlation({
      redis: o.redis,
      prefix: o.prefix,
      ttlMs: o.config.retention.upstreamIdsSeconds * 1000,
      bus: o.bus,
    }),
  };
}

/**
 * `hub start mm4`: the MM4 interconnect as a service. Peers are the accounts with an `mm4` section; the
 * `kind: 'mm4'` connector with a peer's domain says how to reach it (for .RES and reports) and which
 * system address Hub uses toward it. Part bytes go to Redis up to 64 KB and to `<dataDir>/content` above.
 *
 * With `routing.atIngest` (the default) the gateway routes each forward.REQ itself, with the router's
 * table and loading rules (`startRouteTable` in @hub/router), and enqueues straight on the account outbox
 * (or connector queue).
 */
export const createMm4GatewayService: ServiceFactory = async (ctx) => {
  const { config, core, log } = ctx;
  const l = config.listeners.mm4;
  // First, before the listener opens: a table that does not compile refuses the start, as in the router.
  const table = config.routing.atIngest && l.enabled ? await startRouteTable(ctx) : undefined;
  const connectors = config.connectors.filter((c): c is Mm4ConnectorConfig => c.kind === 'mm4');
  const peers = new Mm4PeerDirectory(config.accounts, connectors);
  // Content and correlation use independent single-key commands: auto-pipelined, those of one event-loop
  // turn leave in one write.
  const redis = core.connection.client('command', { autoPipelining: true });
  const prefix = core.connection.prefix;
  const systemAddress = connectors[0]?.originatorSystem ?? `postmaster@${hostname()}`;
  const localDomains = [
    ...new Set(
      [systemAddress, ...connectors.map((c) => c.originatorSystem)]
        .map((a) => a.slice(a.lastIndexOf('@') + 1).toLowerCase())
        .filter((d) => d !== ''),
    ),
  ];
  const gateway = new Mm4Gateway({
    listener: l,
    peers,
    store: core.messages,
    bus: core.bus,
    content: createMm4ContentStore(config, redis, prefix),
    correlation: new RedisMm4Correlation({
      redis,
      prefix,
      ttlMs: config.retention.upstreamIdsSeconds * 1000,
      bus: core.bus,
    }),
    ids: core.ids,
    verifyPassword: verifySecret,
    instance: ctx.instance,
    log,
    systemAddress,
    // Only enforce RCPT TO domains when the operator told us ours (through the connectors).
    ...(connectors.length > 0 ? { localDomains } : {}),
    routeQueueHighWater: config.limits.routeQueueHighWater,
    ...(l.tls === undefined ? {} : { tls: { key: readFileSync(l.tls.key), cert: readFileSync(l.tls.cert) } }),
    ...(table === undefined ? {} : { routeAtIngest: table.decider }),
  });
  const endpoints = l.enabled ? await gateway.listen() : [];
  const service: Service = {
    name: 'mm4',
    endpoints,
    async stop() {
      await gateway.close();
      await table?.stop();
      await redis.quit().catch(() => undefined);
    },
  };
  return service;
};
