import { createError } from '../hub-error.js';

/**
 * Routing errors (`@hub/routing`). {@link routing.HUB_ERR_ROUTING_INVALID} is raised when a route table is
 * compiled (REST API edits, config load) and names the route id, the field path and the reason; it never
 * reaches a protocol peer. The two rejections are what the router answers when a matching route's action
 * is `reject` (MT: toward the submitting account; MO: toward the carrier that delivered it). A table with
 * no matching route uses the core `HUB_ERR_NO_ROUTE`.
 */
export const routing = {
  HUB_ERR_ROUTING_INVALID: createError('HUB_ERR_ROUTING_INVALID', {
    message: 'Invalid route %s at %s: %s',
    smpp: 0x08,
    mm7: 3000,
    smtp: [451, '4.3.5'],
    http: 400,
  }),
  HUB_ERR_ROUTING_REJECTED: createError('HUB_ERR_ROUTING_REJECTED', {
    message: 'Rejected by route %s: %s',
    smpp: 0x0b, // ESME_RINVDSTADR: what ESMEs expect for a destination the hub will not carry
    mm7: 3002, // Message rejected
    smtp: [550, '5.7.1'],
    http: 422,
  }),
  HUB_ERR_ROUTING_MO_REJECTED: createError('HUB_ERR_ROUTING_MO_REJECTED', {
    message: 'Mobile-originated message rejected by route %s: %s',
    smpp: 0x65, // ESME_RX_R_APPN: permanent receiver rejection, the SMSC must not redeliver
    mm7: 3002,
    smtp: [550, '5.7.1'],
    http: 422,
  }),
} as const;
