import { createError } from '../hub-error.js';

/**
 * Connector errors (`@hub/connectors`): what `Connector.send()` throws besides the SMPP session's own
 * transport errors (`HUB_ERR_SMPP_RESPONSE_TIMEOUT`, `HUB_ERR_SMPP_SESSION_CLOSED`, ... all `temporary`).
 *
 * The worker acts on `recovery` only: `throttled` → slow the queue down and retry, `temporary` → retry
 * with backoff (possibly after a reconnect or on a fallback connector), `permanent` → fail the message.
 * An upstream command_status is in `details.upstreamStatus` (number) and `details.upstreamStatusName`;
 * `smpp` is what Hub would answer its own ESME if the failure surfaced in a transaction-mode submit.
 */
export const connectors = {
  HUB_ERR_CONNECTOR_THROTTLED: createError('HUB_ERR_CONNECTOR_THROTTLED', {
    message: 'Connector %s: upstream asks to slow down (%s)',
    smpp: 0x58, // ESME_RTHROTTLED
    mm7: 3001,
    smtp: [451, '4.7.1'],
    http: 429,
    recovery: 'throttled',
  }),
  HUB_ERR_CONNECTOR_RATE_LIMITED: createError('HUB_ERR_CONNECTOR_RATE_LIMITED', {
    message: 'Connector %s: no send slot within %s ms at %s msg/s',
    smpp: 0x58,
    mm7: 3001,
    smtp: [451, '4.7.1'],
    http: 429,
    recovery: 'throttled',
  }),
  HUB_ERR_CONNECTOR_TEMPORARY: createError('HUB_ERR_CONNECTOR_TEMPORARY', {
    message: 'Connector %s: temporary upstream failure (%s)',
    smpp: 0x08, // ESME_RSYSERR
    mm7: 3000,
    smtp: [451, '4.4.0'],
    http: 502,
    recovery: 'temporary',
  }),
  HUB_ERR_CONNECTOR_REJECTED: createError('HUB_ERR_CONNECTOR_REJECTED', {
    message: 'Connector %s: upstream rejected the message (%s)',
    smpp: 0x45, // ESME_RSUBMITFAIL
    mm7: 3000,
    smtp: [554, '5.0.0'],
    http: 422,
    recovery: 'permanent',
  }),
  HUB_ERR_CONNECTOR_DOWN: createError('HUB_ERR_CONNECTOR_DOWN', {
    message: 'Connector %s has no usable session (%s)',
    smpp: 0x08,
    mm7: 3000,
    smtp: [451, '4.4.1'],
    http: 503,
    recovery: 'temporary',
  }),
  HUB_ERR_CONNECTOR_STOPPED: createError('HUB_ERR_CONNECTOR_STOPPED', {
    message: 'Connector %s is stopped',
    smpp: 0x08,
    mm7: 3000,
    smtp: [451, '4.3.2'],
    http: 503,
    recovery: 'temporary',
  }),
  HUB_ERR_CONNECTOR_UNSUPPORTED: createError('HUB_ERR_CONNECTOR_UNSUPPORTED', {
    message: 'Connector %s cannot send this message: %s',
    smpp: 0x45,
    mm7: 4004,
    smtp: [554, '5.6.0'],
    http: 422,
    recovery: 'permanent',
  }),
  HUB_ERR_CONNECTOR_EXPIRED: createError('HUB_ERR_CONNECTOR_EXPIRED', {
    message: 'Message %s expired before it could be submitted',
    smpp: 0x62, // ESME_RINVEXPIRY
    mm7: 2006,
    smtp: [554, '5.4.7'],
    http: 410,
    recovery: 'permanent',
  }),
  HUB_ERR_CONNECTOR_UNKNOWN_KIND: createError('HUB_ERR_CONNECTOR_UNKNOWN_KIND', {
    message: 'No connector implementation for kind %s (connector %s)',
    http: 500,
    recovery: 'permanent',
  }),
} as const;
