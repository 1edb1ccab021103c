import { readFileSync } from 'node:fs';
import type { Service, ServiceFactory } from '@hub/runtime';
import { buildApiApp } from './app.js';
import { AuditLog } from './audit.js';
import { seedFromConfig } from './resources/config.js';

/**
 * `hub start api`: the operators' REST API as a service. At start it seeds the config store from the
 * config file's accounts, connectors and routes when the store has never been seeded and is empty (see
 * {@link seedFromConfig}: afterwards the store wins), then listens on `listeners.api`. Refuses to start
 * (throws) when the file's routes are invalid or the port is taken.
 */
export const createApiService: ServiceFactory = async (ctx) => {
  const { config, core, log } = ctx;
  const l = config.listeners.api;
  const redis = core.connection.client('command');
  const prefix = core.connection.prefix;
  try {
    const seeded = await seedFromConfig(
      core.configStore,
      { accounts: config.accounts, connectors: config.connectors, routes: config.routes },
      { audit: new AuditLog(redis, prefix), instance: ctx.instance },
    );
    if (seeded)
      log.info(
        {
          accounts: config.accounts.length,
          connectors: config.connectors.length,
          routes: config.routes.length,
        },
        'config store seeded from the config file',
      );
  } catch (err) {
    await redis.quit().catch(() => undefined);
    throw err;
  }
  if (!l.enabled) {
    await redis.quit().catch(() => undefined);
    return { name: 'api', endpoints: [], stop: async () => {} };
  }
  const app = await buildApiApp({
    configStore: core.configStore,
    messages: core.messages,
    bus: core.bus,
    redis,
    prefix,
    apiKeys: config.apiKeys,
    log,
    queueBoard: {
      connectors: config.connectors.map((c) => c.id),
      accounts: config.accounts.map((a) => a.id),
    },
    onError: (code) => core.metrics.error(code),
    // Campaigns bind to this Hub's own SMPP listener as any client would.
    campaigns: {
      smpp: {
        host: ['0.0.0.0', '::', ''].includes(config.listeners.smpp.host)
          ? '127.0.0.1'
          : config.listeners.smpp.host,
        port: config.listeners.smpp.port,
      },
      passwords: config.campaigns.passwords,
      allowRequestPassword: config.campaigns.allowRequestPassword,
      maxConcurrent: config.campaigns.maxConcurrent,
    },
    ...(l.tls === undefined
      ? {}
      : { https: { key: readFileSync(l.tls.key), cert: readFileSync(l.tls.cert) } }),
  });
  try {
    await app.listen({ host: l.host, port: l.port });
  } catch (err) {
    await app.close();
    await redis.quit().catch(() => undefined);
    throw err;
  }
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : l.port;
  const base = `${l.tls === undefined ? 'http' : 'https'}://${l.host}:${port}`;
  const service: Service = {
    name: 'api',
    endpoints: [base, `${base}/docs`, `${base}/queues`, `${base}/console/`],
    async stop() {
      await app.close();
      await redis.quit().catch(() => undefined);
    },
  };
  return service;
};
