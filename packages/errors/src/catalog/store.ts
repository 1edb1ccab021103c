import { createError } from '../hub-error.js';

/**
 * Redis-backed state (`@hub/store`) and the message bus (`@hub/bus`). Generic cases use the core codes
 * (`HUB_ERR_NOT_FOUND`, `HUB_ERR_VALIDATION`, `HUB_ERR_TOO_LARGE`, `HUB_ERR_STORE_UNAVAILABLE`,
 * `HUB_ERR_ILLEGAL_TRANSITION`); these are the ones only storage and queueing raise.
 */
export const store = {
  HUB_ERR_BUS_BAD_URL: createError('HUB_ERR_BUS_BAD_URL', {
    message: 'Invalid Redis URL %s: %s',
    http: 500,
  }),
  HUB_ERR_BUS_ENQUEUE_FAILED: createError('HUB_ERR_BUS_ENQUEUE_FAILED', {
    message: 'Could not queue %s on %s: %s',
    smpp: 0x08,
    mm7: 3000,
    smtp: [451, '4.3.0'],
    http: 503,
    recovery: 'temporary',
  }),
  HUB_ERR_BUS_CLOSED: createError('HUB_ERR_BUS_CLOSED', {
    message: 'Message bus is closed',
    smpp: 0x08,
    mm7: 3000,
    smtp: [421, '4.3.2'],
    http: 503,
    recovery: 'temporary',
  }),
  HUB_ERR_STORE_REVISION_CONFLICT: createError('HUB_ERR_STORE_REVISION_CONFLICT', {
    message: '%s %s changed meanwhile (revision %s, expected %s)',
    http: 409,
  }),
  HUB_ERR_STORE_NODE_IDS_EXHAUSTED: createError('HUB_ERR_STORE_NODE_IDS_EXHAUSTED', {
    message: 'No free node id: all %s are leased by live instances',
    recovery: 'temporary',
  }),
  HUB_ERR_STORE_BAD_CONTENT_REF: createError('HUB_ERR_STORE_BAD_CONTENT_REF', {
    message: 'Invalid content reference: %s',
    mm7: 3000,
    smtp: [451, '4.3.0'],
    http: 400,
  }),
  HUB_ERR_STORE_BAD_SECRET_HASH: createError('HUB_ERR_STORE_BAD_SECRET_HASH', {
    message: 'Stored secret hash is not in a known format: %s',
    smpp: 0x0e,
    mm7: 4001,
    smtp: [535, '5.7.8'],
    http: 500,
  }),
} as const;
