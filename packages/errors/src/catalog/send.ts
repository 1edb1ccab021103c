import { createError } from '../hub-error.js';

/**
 * Bulk sending (`@hub/send`, `hub send`, and the API's campaign upload when it reuses the reader): a
 * client-side tool, so these never answer a protocol peer; the HTTP status serves a campaign upload and the
 * SMPP/MM7/SMTP values are the nearest client-error equivalents. All are `permanent`: the same input fails
 * the same way, so the caller fixes the file or the options rather than retrying.
 */
export const send = {
  /** The file cannot be opened or parsed (missing, unreadable, not UTF-8, not a valid workbook). */
  HUB_ERR_SEND_FILE_UNREADABLE: createError('HUB_ERR_SEND_FILE_UNREADABLE', {
    message: 'Cannot read %s: %s',
    smpp: 0x08,
    mm7: 2007,
    smtp: [554, '5.6.0'],
    http: 400,
  }),
  /** The file's extension names no supported format (.csv, .txt, .tsv, .xlsx). */
  HUB_ERR_SEND_FILE_FORMAT: createError('HUB_ERR_SEND_FILE_FORMAT', {
    message: 'Unsupported file %s: use .csv, .tsv, .txt or .xlsx',
    smpp: 0x08,
    mm7: 2007,
    smtp: [554, '5.6.1'],
    http: 415,
  }),
  /** The file holds a header but no data row (or a worksheet with nothing in it). */
  HUB_ERR_SEND_FILE_EMPTY: createError('HUB_ERR_SEND_FILE_EMPTY', {
    message: 'No recipients in %s',
    smpp: 0x08,
    mm7: 2007,
    smtp: [554, '5.6.0'],
    http: 422,
  }),
  /** A column named by an option (number column, text column) is not in the file's header. */
  HUB_ERR_SEND_COLUMN_MISSING: createError('HUB_ERR_SEND_COLUMN_MISSING', {
    message: "No column '%s' in %s (columns: %s)",
    smpp: 0x08,
    mm7: 2007,
    smtp: [554, '5.6.0'],
    http: 422,
  }),
  /** The text template names a `{field}` that is not a column of the file. */
  HUB_ERR_SEND_TEMPLATE_FIELD: createError('HUB_ERR_SEND_TEMPLATE_FIELD', {
    message: 'Template field {%s} is not a column of %s (columns: %s)',
    smpp: 0x08,
    mm7: 2007,
    smtp: [554, '5.6.0'],
    http: 422,
  }),
  /** Neither a text nor a text column was given, or a template is malformed. */
  HUB_ERR_SEND_NO_TEXT: createError('HUB_ERR_SEND_NO_TEXT', {
    message: 'No message text: %s',
    smpp: 0x08,
    mm7: 2007,
    smtp: [554, '5.6.0'],
    http: 400,
  }),
  /** An option is out of range or contradicts another (rate, window, URL, recipient, ...). */
  HUB_ERR_SEND_INVALID_OPTION: createError('HUB_ERR_SEND_INVALID_OPTION', {
    message: 'Invalid %s: %s',
    smpp: 0x08,
    mm7: 2007,
    smtp: [501, '5.5.4'],
    http: 400,
  }),
  /**
   * Connecting or binding to Hub's SMPP interface failed before anything was sent (refused bind, wrong
   * password, nothing listening). `details.status` carries the bind_resp command_status when there was one.
   */
  HUB_ERR_SEND_CONNECT_FAILED: createError('HUB_ERR_SEND_CONNECT_FAILED', {
    message: 'Cannot bind to %s: %s',
    smpp: 0x08,
    mm7: 3000,
    smtp: [451, '4.4.1'],
    http: 502,
  }),
} as const;
