import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadAccounts } from '@hub/config';
import { startRouteTable } from '@hub/router';
import type { Service, ServiceFactory } from '@hub/runtime';
import { FileContentStore, RedisContentStore, TieredContentStore, verifySecret } from '@hub/store';
import { VaspDirectory } from './accounts.js';
import { buildMm7App } from './app.js';
import { Mm7Gateway } from './gateway.js';

/**
 * `hub start mm7`: the MM7 endpoint for VASPs plus outbox delivery to every account with an
 * `mm7.deliveryUrl`. Accounts come from the configuration and from the config store (REST edits),
 * reloaded on every change (and after a change-feed reconnect) without a restart: credentials, VASPID,
 * allowlists and limits apply to the next request, and outbox workers start or stop as `deliveryUrl`
 * appears or disappears. The HTTP body cap is fixed at start from the largest `maxContentBytes` then
 * (at least 1 MiB); the per-account limit follows edits. MMS parts go to Redis up to 64 KB and to `<dataDir>/content` above (the folder must be
 * shared storage when several instances run). HTTPS when `listeners.mm7.tls` is set.
 *
 * With `routing.atIngest` (the default) the gateway routes each SubmitReq due now itself, with the
 * router's table and loading rules (`startRouteTable` in @hub/router), and enqueues straight on the
 * connector queue; scheduled submits still go through the router.
 */
export const createMm7GatewayService: ServiceFactory = async (ctx) => {
  const { config, core, log } = ctx;
  const l = config.listeners.mm7;
  // First, before the listener opens: a table that does not compile refuses the start, as in the router.
  const table = config.routing.atIngest && l.enabled ? await startRouteTable(ctx) : undefined;
  const accounts = new VaspDirectory(config.accounts);
  const load = async (): Promise<boolean> => {
    try {
      accounts.replace(
        await loadAccounts(config.accounts, core.configStore, (id, issue) =>
          log.warn({ account: id, issue }, 'stored account is invalid: ignored'),
        ),
      );
      return true;
    } catch (err) {
      log.warn({ err }, 'account reload failed: keeping the previous accounts');
      return false;
    }
  };
  await load();
  // Content puts are independent single-key commands: auto-pipelined, those of one event-loop turn leave
  // in one write.
  const redis = core.connection.client('command', { autoPipelining: true });
  const content = new TieredContentStore({
    small: new RedisContentStore({
      redis,
      prefix: core.connection.prefix,
      ttlMs: config.retention.messagesSeconds * 1000,
    }),
    large: new FileContentStore({ dir: resolve(config.dataDir, 'content') }),
  });
  const gateway = new Mm7Gateway({
    accounts,
    store: core.messages,
    bus: core.bus,
    content,
    ids: core.ids,
    verifyPassword: verifySecret,
    instance: ctx.instance,
    log,
    routeQueueHighWater: config.limits.routeQueueHighWater,
    delivery: { timeoutMs: l.deliveryTimeoutMs, concurrency: l.deliveryConcurrency },
    ...(table === undefined ? {} : { routeAtIngest: table.decider }),
  });
  const tls = l.tls;
  const app = buildMm7App({
    gateway,
    path: l.path,
    log,
    ...(tls === undefined
      ? {}
      : {
          https: {
            key: readFileSync(tls.key),
            cert: readFileSync(tls.cert),
            ...(tls.ca === undefined ? {} : { ca: readFileSync(tls.ca) }),
          },
        }),
  });
  const endpoints: string[] = [];
  if (l.enabled) {
    await app.listen({ host: l.host, port: l.port });
    const a = app.server.address();
    const port = typeof a === 'object' && a !== null ? a.port : l.port;
    endpoints.push(`${tls === undefined ? 'http' : 'https'}://${l.host}:${port}${l.path}`);
  }
  const served = gateway.startDelivery();
  // Reloads run one after the other, so a slow read never overwrites a newer one.
  let reloads: Promise<unknown> = Promise.resolve();
  const unsubscribe = await core.configStore.subscribeChanges((change) => {
    if (change.op !== 'resync' && change.kind !== 'accounts') return;
    reloads = reloads.then(async () => {
      if (await load()) await gateway.syncDelivery();
    });
  });
  if (served.length > 0) endpoints.push(`delivering MO and reports to VASPs: ${served.join(', ')}`);
  const service: Service = {
    name: 'mm7',
    endpoints,
    async stop() {
      // Refuse new requests first (4006), let in-flight ones and deliveries finish, then close.
      await unsubscribe().catch(() => undefined);
      await reloads;
      await gateway.close();
      await app.close();
      await table?.stop();
      await redis.quit().catch(() => undefined);
    },
  };
  return service;
};
