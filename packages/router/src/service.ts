import type { ServiceFactory } from '@hub/runtime';
import { Router } from './router.js';

/**
 * `hub start router`: the router as a service. Routes come from the configuration, then from the config
 * store (REST edits) when it holds any; every change reloads the table on every running router.
 */
export const createRouterService: ServiceFactory = async (ctx) => {
  const { core, config, log } = ctx;
  const stored = await core.configStore.getAll('routes');
  const initial = stored.length > 0 ? stored.map((d) => d.doc) : config.routes;
  const router = new Router({
    bus: core.bus,
    store: core.messages,
    ids: core.ids,
    instance: ctx.instance,
    routes: initial,
    log,
  });
  const unsubscribe = await core.configStore.subscribeChanges(async (change) => {
    if (change.op !== 'resync' && change.kind !== 'routes') return;
    try {
      const docs = await core.configStore.getAll('routes');
      router.setRoutes(docs.map((d) => d.doc));
      log.info({ routes: docs.length }, 'route table reloaded');
    } catch (err) {
      log.error({ err }, 'route table reload refused; keeping the previous table');
    }
  });
  router.start();
  return {
    name: 'router',
    endpoints: [`consuming ${'route'} queue (${initial.length} routes)`],
    async stop() {
      await unsubscribe();
      await router.stop();
    },
  };
};
