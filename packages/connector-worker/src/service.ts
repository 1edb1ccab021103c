import { type Connector as ConnectorConfig, Connector as ConnectorSchema } from '@hub/config';
import { createMm4ConnectorServices } from '@hub/gateway-mm4';
import { describeIssues } from '@hub/message';
import type { ServiceFactory } from '@hub/runtime';
import { ConnectorWorker, connectorStateKey } from './connector-worker.js';
import { StatusWorker } from './status-worker.js';

/**
 * `hub start connectors`: the connector worker and the status worker as one service.
 *
 * Connectors are the configuration's `connectors` merged with the config store's `connectors` documents
 * (a stored document replaces the configured connector of the same id; invalid documents are logged and
 * skipped). Every change in the store reloads the set on every running process: new connectors start,
 * removed or disabled ones stop, changed ones restart. Connector states are published under
 * `<prefix>:connector-state:<id>` (see `connectorStateKey`). Both workers take their lock settings from
 * config `workers` (`lockDurationMs`, `stalledIntervalMs`).
 */
export const createConnectorWorkerService: ServiceFactory = async (ctx) => {
  const { core, config, log } = ctx;
  const redis = core.connection.client('command');
  const prefix = core.connection.prefix;
  const w = config.workers;
  // Counters for the API's connector stats (docs/api.md); a lost increment never fails a message.
  // Summed here and written every 250 ms (one HINCRBY per connector and field, in one pipeline) rather
  // than one command per message: the stats are for people, who do not notice a quarter second.
  const pending = new Map<string, number>();
  const flushCounts = (): void => {
    if (pending.size === 0) return;
    const p = redis.pipeline();
    for (const [k, n] of pending) {
      const i = k.lastIndexOf('\n');
      p.hincrby(`${prefix}:stats:connector:${k.slice(0, i)}`, k.slice(i + 1), n);
    }
    pending.clear();
    void p.exec().catch(() => undefined);
  };
  const counter = setInterval(flushCounts, 250);
  counter.unref();
  const count = (id: string, field: string): void => {
    const k = `${id}\n${field}`;
    pending.set(k, (pending.get(k) ?? 0) + 1);
  };
  const common = {
    bus: core.bus,
    store: core.messages,
    ids: core.ids,
    instance: ctx.instance,
    log,
    lockDurationMs: w.lockDurationMs,
    count,
    ...(w.stalledIntervalMs === undefined ? {} : { stalledIntervalMs: w.stalledIntervalMs }),
  };
  const connectors = new ConnectorWorker({
    ...common,
    // MM4 connectors read MMS parts from the content store and record .RES correlation like the gateway.
    connectorDeps: {
      startWaitMs: 3_000,
      mm4: createMm4ConnectorServices({ config, redis, prefix, bus: core.bus }),
    },
    publishState: async (id, json, ttlMs) => {
      await redis.set(connectorStateKey(prefix, id), json, 'PX', ttlMs);
    },
  });
  const status = new StatusWorker({ ...common, concurrency: w.statusConcurrency });

  const load = async (): Promise<ConnectorConfig[]> => {
    const byId = new Map(config.connectors.map((c) => [c.id, c] as const));
    for (const d of await core.configStore.getAll('connectors')) {
      const r = ConnectorSchema.safeParse(d.doc);
      if (r.success) byId.set(r.data.id, r.data);
      else
        log.error(
          { connector: d.id, reason: describeIssues(r.error) },
          'stored connector is invalid; skipped',
        );
    }
    return [...byId.values()];
  };

  status.start();
  try {
    await connectors.setConnectors(await load());
  } catch (err) {
    await status.stop();
    await connectors.stop();
    throw err;
  }
  const unsubscribe = await core.configStore.subscribeChanges((change) => {
    if (change.op !== 'resync' && change.kind !== 'connectors') return;
    load()
      .then((list) => connectors.setConnectors(list))
      .then(() => log.info({ connectors: connectors.ids() }, 'connectors reloaded'))
      .catch((err: unknown) => log.error({ err }, 'connector reload failed; keeping the running set'));
  });
  return {
    name: 'connectors',
    endpoints: [...connectors.describe(), 'status worker consuming the events queue'],
    async stop() {
      await unsubscribe();
      // Connector workers first: their in-flight jobs may still enqueue events.
      await connectors.stop();
      await status.stop();
      clearInterval(counter);
      flushCounts();
      await redis.quit().catch(() => undefined);
    },
  };
};
