import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Mm4ConnectorConfig } from '@hub/config';
import type { Service, ServiceFactory } from '@hub/runtime';
import { FileContentStore, RedisContentStore, TieredContentStore, verifySecret } from '@hub/store';
import { RedisMm4Correlation } from './correlation.js';
import { Mm4Gateway } from './gateway.js';
import { Mm4PeerDirectory } from './peers.js';

/**
 * `hub start mm4`: the MM4 interconnect as a service. Peers are the accounts with an `mm4` section; the
 * `kind: 'mm4'` connector with a peer's domain says how to reach it (for .RES and reports) and which
 * system address Hub uses toward it. Part bytes go to Redis up to 64 KB and to `<dataDir>/content` above.
 */
export const createMm4GatewayService: ServiceFactory = async (ctx) => {
  const { config, core, log } = ctx;
  const l = config.listeners.mm4;
  const connectors = config.connectors.filter((c): c is Mm4ConnectorConfig => c.kind === 'mm4');
  const peers = new Mm4PeerDirectory(config.accounts, connectors);
  const redis = core.connection.client('command');
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
    content: new TieredContentStore({
      small: new RedisContentStore({ redis, prefix, ttlMs: config.retention.messagesSeconds * 1000 }),
      large: new FileContentStore({ dir: join(config.dataDir, 'content') }),
    }),
    correlation: new RedisMm4Correlation({
      redis,
      prefix,
      ttlMs: config.retention.upstreamIdsSeconds * 1000,
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
  });
  const endpoints = l.enabled ? await gateway.listen() : [];
  const service: Service = {
    name: 'mm4',
    endpoints,
    async stop() {
      await gateway.close();
      await redis.quit().catch(() => undefined);
    },
  };
  return service;
};
