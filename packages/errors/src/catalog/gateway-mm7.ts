import { createError } from '../hub-error.js';

/**
 * The MM7 gateway toward VASPs (`@hub/gateway-mm7`). Codec failures keep the codec's codes
 * (`HUB_ERR_MM7_*`: 4004 unparsable, 4002 version, 4003 operation, 2002 address, 2007 value); these are the
 * endpoint's own decisions (auth, identification, size, content references) and the outbox's delivery
 * outcomes. StatusCodes follow 3GPP TS 23.140 Table 12.21: 4001 improper identification, 2001 operation
 * restricted, 2004 content refused, 4006 service unavailable.
 */
export const gatewayMm7 = {
  HUB_ERR_GATEWAY_MM7_AUTH_REQUIRED: createError('HUB_ERR_GATEWAY_MM7_AUTH_REQUIRED', {
    message: 'MM7 request without HTTP Basic credentials',
    mm7: 4001,
    http: 401,
  }),
  HUB_ERR_GATEWAY_MM7_BAD_CREDENTIALS: createError('HUB_ERR_GATEWAY_MM7_BAD_CREDENTIALS', {
    message: 'Unknown MM7 username or wrong password',
    mm7: 4001,
    http: 401,
  }),
  HUB_ERR_GATEWAY_MM7_RESTRICTED: createError('HUB_ERR_GATEWAY_MM7_RESTRICTED', {
    message: 'MM7 account %s may not submit: %s',
    mm7: 2001,
    http: 403,
  }),
  HUB_ERR_GATEWAY_MM7_VASP_MISMATCH: createError('HUB_ERR_GATEWAY_MM7_VASP_MISMATCH', {
    message: 'SenderIdentification does not match the account: %s',
    mm7: 4001,
    http: 403,
  }),
  HUB_ERR_GATEWAY_MM7_CONTENT_TOO_LARGE: createError('HUB_ERR_GATEWAY_MM7_CONTENT_TOO_LARGE', {
    message: 'MM7 content too large: %s',
    mm7: 2004,
    http: 413,
  }),
  HUB_ERR_GATEWAY_MM7_CONTENT_UNRESOLVED: createError('HUB_ERR_GATEWAY_MM7_CONTENT_UNRESOLVED', {
    message: 'MM7 Content href %s matches no MIME part',
    mm7: 2004,
    http: 400,
  }),
  HUB_ERR_GATEWAY_MM7_INVALID_TIME: createError('HUB_ERR_GATEWAY_MM7_INVALID_TIME', {
    message: 'Invalid MM7 %s: %s',
    mm7: 2007,
    http: 400,
  }),
  HUB_ERR_GATEWAY_MM7_NOT_POSSIBLE: createError('HUB_ERR_GATEWAY_MM7_NOT_POSSIBLE', {
    message: 'Cannot %s message %s: %s',
    mm7: 3001,
    http: 409,
  }),
  HUB_ERR_GATEWAY_MM7_UNAVAILABLE: createError('HUB_ERR_GATEWAY_MM7_UNAVAILABLE', {
    message: 'MM7 endpoint unavailable: %s',
    mm7: 4006,
    http: 503,
    recovery: 'temporary',
  }),
  HUB_ERR_GATEWAY_MM7_DELIVERY_FAILED: createError('HUB_ERR_GATEWAY_MM7_DELIVERY_FAILED', {
    message: 'Delivery to VASP %s failed (will retry): %s',
    mm7: 3000,
    http: 502,
    recovery: 'temporary',
  }),
  HUB_ERR_GATEWAY_MM7_DELIVERY_REFUSED: createError('HUB_ERR_GATEWAY_MM7_DELIVERY_REFUSED', {
    message: 'VASP %s refused delivery: %s',
    mm7: 3002,
    http: 502,
    recovery: 'permanent',
  }),
} as const;
