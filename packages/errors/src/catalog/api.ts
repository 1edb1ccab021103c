import { createError } from '../hub-error.js';

/**
 * Operators' REST API (`@hub/api`). Generic cases use the core codes (`HUB_ERR_VALIDATION` 400,
 * `HUB_ERR_NOT_FOUND` 404, `HUB_ERR_CONFLICT` 409, `HUB_ERR_AUTH_FAILED` 401, `HUB_ERR_FORBIDDEN` 403,
 * `HUB_ERR_THROTTLED` 429); these cover HTTP-level client mistakes fastify detects before a handler runs.
 * They never reach a protocol peer, so only the HTTP status matters.
 */
export const api = {
  HUB_ERR_API_BAD_REQUEST: createError('HUB_ERR_API_BAD_REQUEST', {
    message: 'Bad request: %s',
    http: 400,
  }),
  HUB_ERR_API_UNKNOWN_ENDPOINT: createError('HUB_ERR_API_UNKNOWN_ENDPOINT', {
    message: 'No such endpoint: %s %s',
    http: 404,
  }),
  HUB_ERR_API_UNSUPPORTED_MEDIA_TYPE: createError('HUB_ERR_API_UNSUPPORTED_MEDIA_TYPE', {
    message: 'Unsupported content type: %s (send application/json)',
    http: 415,
  }),
  HUB_ERR_API_BODY_TOO_LARGE: createError('HUB_ERR_API_BODY_TOO_LARGE', {
    message: 'Request body too large (limit %s bytes)',
    http: 413,
  }),
} as const;
