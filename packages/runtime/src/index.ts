export type { HubCore } from './core.js';
export { createCore } from './core.js';
export type { RunningHub, StartOptions } from './hub.js';
export { startHub, stopOnSignals } from './hub.js';
export type { Logger } from './log.js';
export { createLogger } from './log.js';
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
export type { Service, ServiceContext, ServiceFactory } from './service.js';
