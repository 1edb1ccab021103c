import { createError } from '../hub-error.js';

/** Ingress gateway errors (SMPP gateway first; MM7/MM4 gateways add theirs in their own files). */
export const gateway = {
  HUB_ERR_GATEWAY_INVALID_SOURCE: createError('HUB_ERR_GATEWAY_INVALID_SOURCE', {
    message: 'Invalid source address %s',
    smpp: 0x0a,
    mm7: 2002,
    smtp: [553, '5.1.7'],
    http: 400,
  }),
  HUB_ERR_GATEWAY_INVALID_DESTINATION: createError('HUB_ERR_GATEWAY_INVALID_DESTINATION', {
    message: 'Invalid destination address %s',
    smpp: 0x0b,
    mm7: 2002,
    smtp: [553, '5.1.3'],
    http: 400,
  }),
  HUB_ERR_GATEWAY_UNKNOWN_SYSTEM_ID: createError('HUB_ERR_GATEWAY_UNKNOWN_SYSTEM_ID', {
    message: 'Unknown system_id',
    smpp: 0x0f,
    http: 401,
  }),
  HUB_ERR_GATEWAY_BAD_PASSWORD: createError('HUB_ERR_GATEWAY_BAD_PASSWORD', {
    message: 'Invalid password',
    smpp: 0x0e,
    http: 401,
  }),
  HUB_ERR_GATEWAY_BAD_SYSTEM_TYPE: createError('HUB_ERR_GATEWAY_BAD_SYSTEM_TYPE', {
    message: 'Invalid system_type',
    smpp: 0x53,
    http: 401,
  }),
  HUB_ERR_GATEWAY_BIND_REFUSED: createError('HUB_ERR_GATEWAY_BIND_REFUSED', {
    message: 'Bind refused: %s',
    smpp: 0x0d,
    http: 403,
  }),
  HUB_ERR_GATEWAY_TOO_MANY_DESTINATIONS: createError('HUB_ERR_GATEWAY_TOO_MANY_DESTINATIONS', {
    message: 'Too many destinations: %s',
    smpp: 0x33,
    http: 400,
  }),
  HUB_ERR_GATEWAY_UNSUPPORTED: createError('HUB_ERR_GATEWAY_UNSUPPORTED', {
    message: 'Not supported: %s',
    smpp: 0x03,
    mm7: 4003,
    http: 501,
  }),
} as const;
