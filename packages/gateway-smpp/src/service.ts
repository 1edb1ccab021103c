import { readFileSync } from 'node:fs';
import { loadAccounts } from '@hub/config';
import { startRouteTable } from '@hub/router';
import type { Service, ServiceFactory } from '@hub/runtime';
import { RateLimiter, verifySecret } from '@hub/store';
import { AccountDirectory } from './accounts.js';
import { RedisBindRegistry } from './binds.js';
import { RedisConcatStore } from './concat.js';
import { SmppGateway } from './gateway.js';

/**
 * `hub start smpp`: the SMPP gateway as a service. Accounts come from the configuration and from the
 * config store (REST edits), reloaded on every change (and after a change-feed reconnect) without a
 * restart; bound sessions pick up the new settings on their next PDU. Throughput limits and maxBinds are
 * enforced Redis-wide, so several instances share them.
 *
 * With `routing.atIngest` (the default) the gateway routes each MT submit itself, with the router's table
 * and loading rules (`startRouteTable` in @hub/router: stored routes else the configuration's, live
 * reloads, published connector states), and enqueues straight on the connector queue.
 */
export const createSmppGatewayService: ServiceFactory = async (ctx) => {
  const { config, core, log } = ctx;
  const l = config.listeners.smpp;
  // First, before the listener opens: a table that does not compile refuses the start, as in the router.
  const table = config.routing.atIngest && l.enabled ? await startRouteTable(ctx) : undefined;
  const accounts = new AccountDirectory(config.accounts);
  const redis = core.connection.client('command');
  const prefix = core.connection.prefix;
  const reload = async (): Promise<void> => {
    try {
      accounts.replace(
        await loadAccounts(config.accounts, core.configStore, (id, issue) =>
          log.warn({ account: id, issue }, 'stored account is invalid: ignored'),
        ),
      );
    } catch (err) {
      log.warn({ err }, 'account reload failed: keeping the previous accounts');
    }
  };
  await reload();
  const unsubscribe = await core.configStore.subscribeChanges((change) => {
    if (change.op === 'resync' || change.kind === 'accounts') void reload();
  });
  const gateway = new SmppGateway({
    workers: config.workers,
    listener: l,
    accounts,
    store: core.messages,
    bus: core.bus,
    concat: new RedisConcatStore(redis, prefix),
    ids: core.ids,
    verifyPassword: verifySecret,
    instance: ctx.instance,
    log,
    routeQueueHighWater: config.limits.routeQueueHighWater,
    rateLimiter: new RateLimiter({ redis, prefix }),
    binds: new RedisBindRegistry(redis, prefix),
    ...(table === undefined ? {} : { routeAtIngest: table.decider }),
    ...(l.tls === undefined ? {} : { tls: { key: readFileSync(l.tls.key), cert: readFileSync(l.tls.cert) } }),
  });
  // Bound sessions per account for this process (Prometheus sums instances).
  const boundGauge = core.metrics.gauge('hub_smpp_sessions_bound');
  const bound = new Map<string, number>();
  const track = (account: string | undefined, delta: number): void => {
    if (account === undefined) return;
    const n = Math.max(0, (bound.get(account) ?? 0) + delta);
    bound.set(account, n);
    boundGauge.set({ account }, n);
  };
  gateway.server.on('bound', (s) => track((s.context as { id?: string } | undefined)?.id, 1));
  gateway.server.on('closed', (s) => {
    if (s.bindType !== undefined) track((s.context as { id?: string } | undefined)?.id, -1);
  });
  const endpoints = l.enabled ? await gateway.listen() : [];
  const service: Service = {
    name: 'smpp',
    endpoints,
    async stop() {
      await unsubscribe().catch(() => undefined);
      await gateway.close();
      await table?.stop();
      await redis.quit().catch(() => undefined);
    },
  };
  return service;
};
