import { createError } from '../hub-error.js';

/**
 * MM4 gateway errors (`@hub/gateway-mm4`): peer identification on the SMTP listener and the SMTP
 * outcome of mails Hub sends to peer MMSCs (forward.REQ, .RES, reports). Decode errors are the codec's
 * (`HUB_ERR_MM4_*` in `mm4.ts`). The SMTP reply text carries the enhanced code from here.
 */
export const gatewayMm4 = {
  HUB_ERR_MM4GW_UNKNOWN_PEER: createError('HUB_ERR_MM4GW_UNKNOWN_PEER', {
    message: 'Unknown MM4 peer: %s',
    smtp: [550, '5.7.1'],
    http: 403,
  }),
  HUB_ERR_MM4GW_AUTH_REQUIRED: createError('HUB_ERR_MM4GW_AUTH_REQUIRED', {
    message: 'Authentication required for MM4 peer %s',
    smtp: [530, '5.7.0'],
    http: 401,
  }),
  HUB_ERR_MM4GW_RELAY_DENIED: createError('HUB_ERR_MM4GW_RELAY_DENIED', {
    message: 'Relaying denied: %s is not a domain of this MMSC',
    smtp: [550, '5.7.1'],
    http: 403,
  }),
  HUB_ERR_MM4GW_NO_PEER_ROUTE: createError('HUB_ERR_MM4GW_NO_PEER_ROUTE', {
    message: 'No SMTP route to MM4 peer %s: %s',
    smpp: 0x45,
    mm7: 3000,
    smtp: [451, '4.4.0'],
    http: 502,
    recovery: 'temporary',
  }),
  HUB_ERR_MM4GW_PEER_UNAVAILABLE: createError('HUB_ERR_MM4GW_PEER_UNAVAILABLE', {
    message: 'MM4 peer %s did not take the mail (try later): %s',
    smpp: 0x08,
    mm7: 3000,
    smtp: [451, '4.4.1'],
    http: 503,
    recovery: 'temporary',
  }),
  HUB_ERR_MM4GW_PEER_REJECTED: createError('HUB_ERR_MM4GW_PEER_REJECTED', {
    message: 'MM4 peer %s rejected the mail: %s',
    smpp: 0x45,
    mm7: 4000,
    smtp: [554, '5.0.0'],
    http: 502,
  }),
} as const;
