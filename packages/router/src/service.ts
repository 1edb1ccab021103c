import type { ServiceFactory } from '@hub/runtime';
import { startRouteTable } from './live-table.js';
import { Router } from './router.js';

/**
 * `hub start router`: the router as a service, consuming the `route` queue: MO from connectors, MM7/MM4
 * ingress, operator retries, and SMPP submits that are not routed at ingest (`routing.atIngest: false`,
 * or scheduled ones). The route table and the connector states follow {@link startRouteTable}'s rules
 * (stored routes, else the configuration's; reloaded on every change on every running router).
 * Worker settings come from `workers` (`routerConcurrency`, `lockDurationMs`, `stalledIntervalMs`).
 */
export const createRouterService: ServiceFactory = async (ctx) => {
  const { core, config, log } = ctx;
  const table = await startRouteTable(ctx);
  const w = config.workers;
  const router = new Router({
    bus: core.bus,
    store: core.messages,
    ids: core.ids,
    instance: ctx.instance,
    decider: table.decider,
    concurrency: w.routerConcurrency,
    lockDurationMs: w.lockDurationMs,
    ...(w.stalledIntervalMs === undefined ? {} : { stalledIntervalMs: w.stalledIntervalMs }),
    log,
  });
  router.start();
  return {
    name: 'router',
    endpoints: [`consuming ${'route'} queue (${table.initialRoutes} routes)`],
    async stop() {
      await table.stop();
      await router.stop();
    },
  };
};
