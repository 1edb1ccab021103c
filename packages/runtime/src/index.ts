export { startHub, stopOnSignals } from './hub.js';
export type { RunningHub, StartOptions } from './hub.js';
export { createLogger } from './log.js';
export type { Logger } from './log.js';
export type { Service, ServiceContext, ServiceFactory } from './service.js';
export { createCore } from './core.js';
export {
  createMetrics,
  HOP_BUCKETS,
  type HubMetrics,
  type KnownGauge,
  MEASURED_HOPS,
  type MetricsEndpoint,
  type MetricsEndpointOptions,
  type MetricsOptions,
  processMetrics,
  startMetricsEndpoint,
} from './metrics.js';
export type { HubCore } from './core.js';
