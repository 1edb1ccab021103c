import { readFileSync } from 'node:fs';
import type { Service, ServiceFactory } from '@hub/runtime';
import { verifySecret } from '@hub/store';
import { AccountDirectory } from './accounts.js';
import { RedisConcatStore } from './concat.js';
import { SmppGateway } from './gateway.js';

/**
 * `hub start smpp`: the SMPP gateway as a service. Accounts come from the configuration and from the
 * config store (REST edits), reloaded on every change without a restart.
 */
export const createSmppGatewayService: ServiceFactory = async (ctx) => {
  const { config, core, log } = ctx;
  const l = config.listeners.smpp;
  const accounts = new AccountDirectory(config.accounts);
  const redis = core.connection.client('command');
  const gateway = new SmppGateway({
    listener: l,
    accounts,
    store: core.messages,
    bus: core.bus,
    concat: new RedisConcatStore(redis, core.connection.prefix),
    ids: core.ids,
    verifyPassword: verifySecret,
    instance: ctx.instance,
    log,
    routeQueueHighWater: config.limits.routeQueueHighWater,
    ...(l.tls === undefined ? {} : { tls: { key: readFileSync(l.tls.key), cert: readFileSync(l.tls.cert) } }),
  });
  const endpoints = l.enabled ? await gateway.listen() : [];
  const service: Service = {
    name: 'smpp',
    endpoints,
    async stop() {
      await gateway.close();
      await redis.quit().catch(() => undefined);
    },
  };
  return service;
};
