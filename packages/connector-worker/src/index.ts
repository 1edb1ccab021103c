/**
 * The connector worker (connector queues → carriers; receipts and MO back into Hub) and the status
 * worker (receipts → message states and the reports owed), run together as the `connectors` app.
 */

export type {
  ConnectorFactory,
  ConnectorWorkerOptions,
  PublishedConnectorState,
} from './connector-worker.js';
export { ConnectorWorker, connectorStateKey } from './connector-worker.js';
export type { WorkerLogger, WorkerStore } from './ports.js';
export { enqueueReport } from './report.js';
export { createConnectorWorkerService } from './service.js';
export type { StatusWorkerOptions } from './status-worker.js';
export { StatusWorker } from './status-worker.js';
