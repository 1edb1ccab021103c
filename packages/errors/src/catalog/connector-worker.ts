import { createError } from '../hub-error.js';

/**
 * Connector-worker errors (`@hub/connector-worker`): raised inside the connector and status workers and
 * handled by the bus (retry with backoff); they never reach a client directly.
 */
export const connectorWorker = {
  /**
   * A receipt names an upstream id Hub has not linked yet: the receipt overtook the submit_sm_resp
   * bookkeeping, or belongs to a message sent before the link expired. Retried with backoff; after the
   * last attempt the event is kept as a failed job (orphaned receipt).
   */
  HUB_ERR_CONNECTOR_WORKER_UPSTREAM_UNKNOWN: createError('HUB_ERR_CONNECTOR_WORKER_UPSTREAM_UNKNOWN', {
    message: 'Connector %s: no message known for upstream id %s (yet)',
    smpp: 0x64, // ESME_RX_T_APPN
    mm7: 3000,
    smtp: [451, '4.3.0'],
    http: 503,
    recovery: 'temporary',
  }),
  /**
   * The same message is being sent by another run in this process right now (its batch job ran again
   * after a missed lock renewal). Retried with backoff: by then the first run has recorded the outcome,
   * which the retry finds (sent: left alone; re-queued: handled by that job).
   */
  HUB_ERR_CONNECTOR_WORKER_BUSY: createError('HUB_ERR_CONNECTOR_WORKER_BUSY', {
    message: 'Connector %s: message %s is being sent by another run in this process',
    smpp: 0x08,
    mm7: 3000,
    smtp: [451, '4.3.2'],
    http: 503,
    recovery: 'temporary',
  }),
  /** A connector job or event for a connector this process does not run (removed while jobs waited). */
  HUB_ERR_CONNECTOR_WORKER_NOT_RUNNING: createError('HUB_ERR_CONNECTOR_WORKER_NOT_RUNNING', {
    message: 'Connector %s is not running in this process',
    smpp: 0x08,
    mm7: 3000,
    smtp: [451, '4.3.2'],
    http: 503,
    recovery: 'temporary',
  }),
} as const;
