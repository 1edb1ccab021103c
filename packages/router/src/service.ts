import type { ServiceFactory } from '@hub/runtime';
import { ConnectorStates } from './connector-states.js';
import { Router } from './router.js';

/**
 * `hub start router`: the router as a service. Routes come from the configuration, then from the config
 * store (REST edits) when it holds any; every change reloads the table on every running router.
 *
 * Failover and split routes skip connectors that are down: the service reads the states the connector
 * workers publish (`<prefix>:connector-state:<id>`) for the configured connectors (configuration plus
 * stored `connectors` documents) every `workers.connectorStateIntervalMs`; see {@link ConnectorStates}
 * for what counts as up. Worker settings come from `workers` (`routerConcurrency`, `lockDurationMs`,
 * `stalledIntervalMs`).
 */
export const createRouterService: ServiceFactory = async (ctx) => {
  const { core, config, log } = ctx;
  const stored = await core.configStore.getAll('routes');
  const initial = stored.length > 0 ? stored.map((d) => d.doc) : config.routes;
  const redis = core.connection.client('command');
  let connectorIds: readonly string[] = config.connectors.map((c) => c.id);
  const loadConnectorIds = async (): Promise<void> => {
    const docs = await core.configStore.getAll('connectors');
    connectorIds = [...config.connectors.map((c) => c.id), ...docs.map((d) => d.id)];
  };
  await loadConnectorIds();
  const states = new ConnectorStates({
    redis,
    prefix: core.connection.prefix,
    ids: () => connectorIds,
    intervalMs: config.workers.connectorStateIntervalMs,
    log,
  });
  const w = config.workers;
  const router = new Router({
    bus: core.bus,
    store: core.messages,
    ids: core.ids,
    instance: ctx.instance,
    routes: initial,
    connectorsUp: (id) => states.isUp(id),
    concurrency: w.routerConcurrency,
    lockDurationMs: w.lockDurationMs,
    ...(w.stalledIntervalMs === undefined ? {} : { stalledIntervalMs: w.stalledIntervalMs }),
    log,
  });
  const unsubscribe = await core.configStore.subscribeChanges(async (change) => {
    if (change.op === 'resync' || change.kind === 'connectors') {
      await loadConnectorIds().catch((err: unknown) => log.warn({ err }, 'connector list reload failed'));
      void states.refresh();
    }
    if (change.op !== 'resync' && change.kind !== 'routes') return;
    try {
      const docs = await core.configStore.getAll('routes');
      // An empty store means the configuration file's routes are in force (as at start), also after a resync.
      router.setRoutes(docs.length > 0 ? docs.map((d) => d.doc) : config.routes);
      log.info({ routes: docs.length }, 'route table reloaded');
    } catch (err) {
      log.error({ err }, 'route table reload refused; keeping the previous table');
    }
  });
  await states.start();
  router.start();
  return {
    name: 'router',
    endpoints: [`consuming ${'route'} queue (${initial.length} routes)`],
    async stop() {
      await unsubscribe();
      states.stop();
      await router.stop();
      await redis.quit().catch(() => undefined);
    },
  };
};
