import { createError } from '../hub-error.js';

/**
 * MM4 codec errors (`@hub/mm4`). Decoding is deterministic, so every decode error is permanent: the
 * SMTP layer answers the DATA with the 5xx given here (retrying the same bytes cannot succeed).
 * Encode-side errors ({@link mm4.HUB_ERR_MM4_INVALID_PDU}) are caller bugs and never reach a peer.
 */
export const mm4 = {
  HUB_ERR_MM4_MALFORMED: createError('HUB_ERR_MM4_MALFORMED', {
    message: 'Malformed MM4 message: %s',
    mm7: 2007,
    smtp: [554, '5.6.0'],
    http: 400,
  }),
  HUB_ERR_MM4_MISSING_HEADER: createError('HUB_ERR_MM4_MISSING_HEADER', {
    message: 'MM4 message lacks mandatory header %s',
    mm7: 2007,
    smtp: [554, '5.6.0'],
    http: 400,
  }),
  HUB_ERR_MM4_UNSUPPORTED_TYPE: createError('HUB_ERR_MM4_UNSUPPORTED_TYPE', {
    message: 'Unsupported MM4 message type: %s',
    mm7: 4003,
    smtp: [554, '5.6.0'],
    http: 400,
  }),
  HUB_ERR_MM4_UNSUPPORTED_ENCODING: createError('HUB_ERR_MM4_UNSUPPORTED_ENCODING', {
    message: 'Unsupported MM4 content encoding: %s',
    mm7: 2004,
    smtp: [554, '5.6.1'],
    http: 415,
  }),
  HUB_ERR_MM4_INVALID_ADDRESS: createError('HUB_ERR_MM4_INVALID_ADDRESS', {
    message: 'Invalid MM4 address: %s',
    mm7: 2002,
    smtp: [553, '5.1.3'],
    http: 400,
  }),
  HUB_ERR_MM4_LIMIT_EXCEEDED: createError('HUB_ERR_MM4_LIMIT_EXCEEDED', {
    message: 'MM4 message exceeds the %s limit (%s)',
    mm7: 2004,
    smtp: [552, '5.3.4'],
    http: 413,
  }),
  HUB_ERR_MM4_INVALID_PDU: createError('HUB_ERR_MM4_INVALID_PDU', {
    message: 'Cannot encode MM4 %s: %s',
    mm7: 3000,
    smtp: [554, '5.6.0'],
    http: 400,
  }),
} as const;
