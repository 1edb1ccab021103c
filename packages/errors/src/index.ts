export type { ErrorCode } from './catalog/index.js';
export { Errors } from './catalog/index.js';
export { renderErrorsDoc } from './docs.js';
export type { ErrorSpec, HubErrorClass, HubErrorOptions, Recovery } from './hub-error.js';
export { createError, HubError, isHubError } from './hub-error.js';
export { toHttpStatus, toMm7Status, toSmppStatus, toSmtpReply } from './wire.js';
