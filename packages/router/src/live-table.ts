import type { ServiceContext } from '@hub/runtime';
import { ConnectorStates } from './connector-states.js';
import { RouteDecider } from './decider.js';

/** A route table kept current by {@link startRouteTable}. */
export interface LiveRouteTable {
  /** The table in force with the connector states it reads; share it, do not copy it. */
  readonly decider: RouteDecider;
  readonly states: ConnectorStates;
  /** How many routes the initial table had (for the service's endpoint line). */
  readonly initialRoutes: number;
  /** Stops following changes and polling connector states; closes its Redis client. Never rejects. */
  stop(): Promise<void>;
}

/**
 * The route table of a service that routes (the router; the SMPP gateway when it routes at ingest), with
 * one set of loading rules for all of them:
 * - routes come from the config store (REST edits) when it holds any, else from the configuration file;
 *   the same rule on every reload, so deleting the last stored route puts the file's routes back in force,
 *   also after a change-feed reconnect (`resync`);
 * - every `routes` change (and every resync) reloads the table; a table that does not compile is refused
 *   with an error log and the previous one stays in force;
 * - connector up/down states are read from what the connector workers publish, for the configured
 *   connectors (configuration plus stored `connectors` documents, re-read on their changes), every
 *   `workers.connectorStateIntervalMs` (see {@link ConnectorStates}).
 *
 * Throws HUB_ERR_ROUTING_INVALID when the initial table does not compile (the service refuses to start),
 * and the Redis error when the config store cannot be read.
 */
export async function startRouteTable(ctx: ServiceContext): Promise<LiveRouteTable> {
  const { core, config, log } = ctx;
  const load = async (): Promise<readonly unknown[]> => {
    const docs = await core.configStore.getAll('routes');
    return docs.length > 0 ? docs.map((d) => d.doc) : config.routes;
  };
  const initial = await load();
  let connectorIds: readonly string[] = config.connectors.map((c) => c.id);
  const loadConnectorIds = async (): Promise<void> => {
    const docs = await core.configStore.getAll('connectors');
    connectorIds = [...config.connectors.map((c) => c.id), ...docs.map((d) => d.id)];
  };
  await loadConnectorIds();
  const redis = core.connection.client('command');
  const states = new ConnectorStates({
    redis,
    prefix: core.connection.prefix,
    ids: () => connectorIds,
    intervalMs: config.workers.connectorStateIntervalMs,
    log,
  });
  let decider: RouteDecider;
  try {
    decider = new RouteDecider({
      routes: initial,
      instance: ctx.instance,
      ids: core.ids,
      connectorsUp: (id) => states.isUp(id),
    });
  } catch (err) {
    await redis.quit().catch(() => undefined);
    throw err;
  }
  const unsubscribe = await core.configStore.subscribeChanges(async (change) => {
    if (change.op === 'resync' || change.kind === 'connectors') {
      await loadConnectorIds().catch((err: unknown) => log.warn({ err }, 'connector list reload failed'));
      void states.refresh();
    }
    if (change.op !== 'resync' && change.kind !== 'routes') return;
    try {
      const routes = await load();
      decider.setRoutes(routes);
      log.info({ routes: routes.length }, 'route table reloaded');
    } catch (err) {
      log.error({ err }, 'route table reload refused; keeping the previous table');
    }
  });
  await states.start();
  return {
    decider,
    states,
    initialRoutes: initial.length,
    async stop() {
      await unsubscribe().catch(() => undefined);
      states.stop();
      await redis.quit().catch(() => undefined);
    },
  };
}
