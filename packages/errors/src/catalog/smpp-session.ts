import { createError } from '../hub-error.js';

/**
 * SMPP session errors (sockets, binds, window, timers) raised by `@hub/smpp`'s session layer.
 *
 * `smpp` is the command_status an ingress would answer an ESME with when such a failure surfaces
 * through it (e.g. an upstream timeout during a transaction-mode submit). `recovery` tells a connector
 * whether to retry: every transport failure is `temporary`, because the request may simply be resent
 * after a reconnect (at the risk of a duplicate when the peer had already accepted it).
 */
export const smppSession = {
  HUB_ERR_SMPP_RESPONSE_TIMEOUT: createError('HUB_ERR_SMPP_RESPONSE_TIMEOUT', {
    message: 'No %s response within %s ms',
    smpp: 0x08, // ESME_RSYSERR
    mm7: 3000,
    smtp: [451, '4.4.2'],
    http: 504,
    recovery: 'temporary',
  }),
  HUB_ERR_SMPP_WINDOW_TIMEOUT: createError('HUB_ERR_SMPP_WINDOW_TIMEOUT', {
    message: 'No free window slot within %s ms (window size %s)',
    smpp: 0x58, // ESME_RTHROTTLED: the upstream window is the bottleneck
    mm7: 3001,
    smtp: [451, '4.7.1'],
    http: 503,
    recovery: 'throttled',
  }),
  HUB_ERR_SMPP_SESSION_CLOSED: createError('HUB_ERR_SMPP_SESSION_CLOSED', {
    message: 'SMPP session closed: %s',
    smpp: 0x08,
    mm7: 3000,
    smtp: [451, '4.4.2'],
    http: 503,
    recovery: 'temporary',
  }),
  HUB_ERR_SMPP_NOT_BOUND: createError('HUB_ERR_SMPP_NOT_BOUND', {
    message: 'Cannot send %s in session state %s',
    smpp: 0x04, // ESME_RINVBNDSTS
    mm7: 3000,
    smtp: [451, '4.4.2'],
    http: 503,
    recovery: 'temporary',
  }),
  HUB_ERR_SMPP_CONNECT_FAILED: createError('HUB_ERR_SMPP_CONNECT_FAILED', {
    message: 'Cannot connect to %s: %s',
    smpp: 0x08,
    mm7: 3000,
    smtp: [451, '4.4.1'],
    http: 502,
    recovery: 'temporary',
  }),
  HUB_ERR_SMPP_BIND_REFUSED: createError('HUB_ERR_SMPP_BIND_REFUSED', {
    message: 'Bind %s refused by peer with command_status 0x%s',
    smpp: 0x0d, // ESME_RBINDFAIL
    mm7: 3000,
    smtp: [451, '4.4.1'],
    http: 502,
    recovery: 'temporary',
  }),
  HUB_ERR_SMPP_SEND_FAILED: createError('HUB_ERR_SMPP_SEND_FAILED', {
    message: 'Cannot send %s: %s',
    smpp: 0x08,
    mm7: 3000,
    smtp: [451, '4.3.0'],
    http: 500,
  }),
} as const;
