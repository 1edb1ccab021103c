import { createError } from '../hub-error.js';

/** General errors shared by every area: validation, auth, capacity, storage. */
export const core = {
  HUB_ERR_INTERNAL: createError('HUB_ERR_INTERNAL', {
    message: 'Internal error: %s',
    smpp: 0x08,
    mm7: 3000,
    smtp: [451, '4.3.0'],
    http: 500,
    recovery: 'temporary',
  }),
  HUB_ERR_VALIDATION: createError('HUB_ERR_VALIDATION', {
    message: 'Invalid %s: %s',
    smpp: 0x08,
    mm7: 2007,
    smtp: [550, '5.6.0'],
    http: 400,
  }),
  HUB_ERR_NOT_FOUND: createError('HUB_ERR_NOT_FOUND', {
    message: '%s not found: %s',
    smpp: 0x0c,
    mm7: 2005,
    smtp: [550, '5.1.1'],
    http: 404,
  }),
  HUB_ERR_CONFLICT: createError('HUB_ERR_CONFLICT', {
    message: 'Conflict: %s',
    http: 409,
  }),
  HUB_ERR_AUTH_FAILED: createError('HUB_ERR_AUTH_FAILED', {
    message: 'Authentication failed',
    smpp: 0x0e,
    mm7: 4001,
    smtp: [535, '5.7.8'],
    http: 401,
  }),
  HUB_ERR_FORBIDDEN: createError('HUB_ERR_FORBIDDEN', {
    message: 'Not allowed: %s',
    smpp: 0x0d,
    mm7: 4001,
    smtp: [550, '5.7.1'],
    http: 403,
  }),
  HUB_ERR_THROTTLED: createError('HUB_ERR_THROTTLED', {
    message: 'Rate limit exceeded: %s',
    smpp: 0x58,
    mm7: 3001,
    smtp: [451, '4.7.1'],
    http: 429,
    recovery: 'throttled',
  }),
  HUB_ERR_QUEUE_FULL: createError('HUB_ERR_QUEUE_FULL', {
    message: 'Queue full: %s',
    smpp: 0x14,
    mm7: 3001,
    smtp: [452, '4.3.1'],
    http: 503,
    recovery: 'throttled',
  }),
  HUB_ERR_STORE_UNAVAILABLE: createError('HUB_ERR_STORE_UNAVAILABLE', {
    message: 'Message store unavailable: %s',
    smpp: 0x08,
    mm7: 3000,
    smtp: [451, '4.3.0'],
    http: 503,
    recovery: 'temporary',
  }),
  HUB_ERR_CONFIG: createError('HUB_ERR_CONFIG', {
    message: 'Invalid configuration at %s: %s',
  }),
  HUB_ERR_ILLEGAL_TRANSITION: createError('HUB_ERR_ILLEGAL_TRANSITION', {
    message: 'Illegal status transition %s -> %s',
    smpp: 0x08,
    mm7: 3000,
    http: 409,
  }),
  HUB_ERR_NO_ROUTE: createError('HUB_ERR_NO_ROUTE', {
    message: 'No route: %s',
    smpp: 0x0b,
    mm7: 3000,
    smtp: [550, '5.4.4'],
    http: 422,
  }),
  HUB_ERR_TOO_LARGE: createError('HUB_ERR_TOO_LARGE', {
    message: 'Message too large: %s',
    smpp: 0x01,
    mm7: 4005,
    smtp: [552, '5.3.4'],
    http: 413,
  }),
  HUB_ERR_CANCEL_FAILED: createError('HUB_ERR_CANCEL_FAILED', {
    message: 'Cannot cancel message %s: %s',
    smpp: 0x11,
    mm7: 2000,
    http: 409,
  }),
  HUB_ERR_REPLACE_FAILED: createError('HUB_ERR_REPLACE_FAILED', {
    message: 'Cannot replace message %s: %s',
    smpp: 0x13,
    mm7: 2000,
    http: 409,
  }),
} as const;
