import { createError } from '../hub-error.js';

/**
 * MM7 codec errors (`@hub/mm7`). Each carries the MM7 StatusCode the endpoint answers with in an
 * RSErrorRsp (3GPP TS 23.140 §8.7.3 / Table 12.21): 4004 for unparsable or incomplete requests,
 * 4002/4003 for version and operation, 2002 for addresses, 2007 for malformed element values,
 * 2004 for refused MIME content. `details` may hold `reason`, `line`, `col` and the request's
 * `transactionId`/`namespace`/`version` when known, so the fault can still echo them.
 */
export const mm7 = {
  HUB_ERR_MM7_MIME_MALFORMED: createError('HUB_ERR_MM7_MIME_MALFORMED', {
    message: 'Malformed MM7 MIME body: %s',
    mm7: 4004,
    http: 400,
  }),
  HUB_ERR_MM7_MIME_LIMIT: createError('HUB_ERR_MM7_MIME_LIMIT', {
    message: 'MM7 MIME limit exceeded: %s',
    mm7: 2004,
    http: 413,
  }),
  HUB_ERR_MM7_XML_INVALID: createError('HUB_ERR_MM7_XML_INVALID', {
    message: 'Unparsable MM7 SOAP XML: %s',
    mm7: 4004,
    http: 400,
  }),
  HUB_ERR_MM7_SOAP_INVALID: createError('HUB_ERR_MM7_SOAP_INVALID', {
    message: 'Invalid SOAP envelope: %s',
    mm7: 4004,
    http: 400,
  }),
  HUB_ERR_MM7_FIELD_MISSING: createError('HUB_ERR_MM7_FIELD_MISSING', {
    message: 'Missing mandatory MM7 element %s in %s',
    mm7: 4004,
    http: 400,
  }),
  HUB_ERR_MM7_FIELD_INVALID: createError('HUB_ERR_MM7_FIELD_INVALID', {
    message: 'Invalid value of MM7 element %s: %s',
    mm7: 2007,
    http: 400,
  }),
  HUB_ERR_MM7_ADDRESS_INVALID: createError('HUB_ERR_MM7_ADDRESS_INVALID', {
    message: 'Invalid MM7 address in %s: %s',
    mm7: 2002,
    http: 400,
  }),
  HUB_ERR_MM7_IDENTIFICATION: createError('HUB_ERR_MM7_IDENTIFICATION', {
    message: 'Improper MM7 sender identification: %s',
    mm7: 4001,
    http: 400,
  }),
  HUB_ERR_MM7_VERSION_UNSUPPORTED: createError('HUB_ERR_MM7_VERSION_UNSUPPORTED', {
    message: 'Unsupported MM7Version %s',
    mm7: 4002,
    http: 400,
  }),
  HUB_ERR_MM7_OPERATION_UNSUPPORTED: createError('HUB_ERR_MM7_OPERATION_UNSUPPORTED', {
    message: 'Unsupported MM7 operation %s',
    mm7: 4003,
    http: 400,
  }),
  HUB_ERR_MM7_ENCODE: createError('HUB_ERR_MM7_ENCODE', {
    message: 'Cannot encode MM7 message: %s',
    mm7: 3000,
    http: 500,
  }),
} as const;
