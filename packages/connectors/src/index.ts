/**
 * Carrier connectors: one small {@link Connector} interface (start / send / state / stop plus a receive
 * callback), a registry mapping config `kind` to a factory, and one folder per kind (`smpp/`, `mm4/`).
 */

export * from './mm4/index.js';
export type { RateLimiterOptions, Reservation } from './rate-limiter.js';
export { RateLimiter } from './rate-limiter.js';
export type { ConnectorFactories, ConnectorFactory } from './registry.js';
export { connectorFactories, createConnector } from './registry.js';
export * from './smpp/index.js';
export type {
  Connector,
  ConnectorDeps,
  ConnectorEvent,
  ConnectorEvents,
  ConnectorKind,
  ConnectorState,
  OnConnectorEvent,
  ReportRaw,
  SendResult,
  UpstreamMo,
  UpstreamReport,
} from './types.js';
export { eventsCallback } from './types.js';
