export type { ConnectorStatesOptions, StateRedis } from './connector-states.js';
export { ConnectorStates, publishedStateKey } from './connector-states.js';
export type {
  IngestLogger,
  IngestRouting,
  IngestWrites,
  MessageRoute,
  RouteDeciderOptions,
  RoutePlan,
} from './decider.js';
export { enqueueIngestJobs, ingestWrites, RouteDecider } from './decider.js';
export type { LiveRouteTable } from './live-table.js';
export { startRouteTable } from './live-table.js';
export type { RouterOptions, RouterStore } from './router.js';
export { Router } from './router.js';
export { createRouterService } from './service.js';
