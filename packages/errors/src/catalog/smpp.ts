import { createError } from '../hub-error.js';

/**
 * SMPP codec errors (charsets, data_coding, UDH/segmentation, receipts, SMPP time strings).
 *
 * `smpp` is the command_status to answer an ESME with. Codes from 0x100 up (ESME_RINVDCS 0x104) exist
 * only in SMPP 5.0: on a 3.4 bind the session layer downgrades them with `downgradeStatus()` from
 * `@hub/smpp` (to ESME_RSUBMITFAIL 0x45).
 */
export const smpp = {
  HUB_ERR_SMPP_INVALID_DCS: createError('HUB_ERR_SMPP_INVALID_DCS', {
    message: 'Unsupported data_coding 0x%s: %s',
    smpp: 0x104, // ESME_RINVDCS (v5)
    mm7: 2004,
    smtp: [554, '5.6.1'],
    http: 415,
  }),
  HUB_ERR_SMPP_UNENCODABLE: createError('HUB_ERR_SMPP_UNENCODABLE', {
    message: 'Text cannot be encoded as %s: %s',
    smpp: 0x104,
    mm7: 2004,
    smtp: [554, '5.6.1'],
    http: 422,
  }),
  HUB_ERR_SMPP_UNDECODABLE: createError('HUB_ERR_SMPP_UNDECODABLE', {
    message: 'Bytes are not valid %s: %s',
    smpp: 0x104,
    mm7: 2007,
    smtp: [554, '5.6.0'],
    http: 400,
  }),
  HUB_ERR_SMPP_INVALID_SCHEDULE: createError('HUB_ERR_SMPP_INVALID_SCHEDULE', {
    message: 'Invalid schedule_delivery_time %s: %s',
    smpp: 0x61, // ESME_RINVSCHED
    mm7: 2007,
    smtp: [550, '5.6.0'],
    http: 400,
  }),
  HUB_ERR_SMPP_INVALID_EXPIRY: createError('HUB_ERR_SMPP_INVALID_EXPIRY', {
    message: 'Invalid validity_period %s: %s',
    smpp: 0x62, // ESME_RINVEXPIRY
    mm7: 2007,
    smtp: [550, '5.6.0'],
    http: 400,
  }),
  HUB_ERR_SMPP_INVALID_UDH: createError('HUB_ERR_SMPP_INVALID_UDH', {
    message: 'Invalid user data header: %s',
    smpp: 0x43, // ESME_RINVESMCLASS: UDHI set but the header is unusable
    mm7: 2007,
    smtp: [554, '5.6.0'],
    http: 400,
  }),
  HUB_ERR_SMPP_INVALID_SEGMENT: createError('HUB_ERR_SMPP_INVALID_SEGMENT', {
    message: 'Invalid concatenation segment: %s',
    smpp: 0x43,
    mm7: 2007,
    smtp: [554, '5.6.0'],
    http: 400,
  }),
  HUB_ERR_SMPP_INVALID_MESSAGE_LENGTH: createError('HUB_ERR_SMPP_INVALID_MESSAGE_LENGTH', {
    message: 'Invalid message length: %s',
    smpp: 0x01, // ESME_RINVMSGLEN
    mm7: 4005,
    smtp: [552, '5.3.4'],
    http: 413,
  }),
  HUB_ERR_SMPP_INVALID_COMMAND_LENGTH: createError('HUB_ERR_SMPP_INVALID_COMMAND_LENGTH', {
    message: 'Invalid command_length %s: %s',
    smpp: 0x02, // ESME_RINVCMDLEN, sent in a generic_nack
    http: 400,
  }),
  HUB_ERR_SMPP_INVALID_RECEIPT: createError('HUB_ERR_SMPP_INVALID_RECEIPT', {
    message: 'Unparseable delivery receipt: %s',
    smpp: 0x65, // ESME_RX_P_APPN in deliver_sm_resp: permanent, do not redeliver
    mm7: 2007,
    smtp: [554, '5.6.0'],
    http: 400,
  }),
  HUB_ERR_SMPP_INVALID_MESSAGE_ID: createError('HUB_ERR_SMPP_INVALID_MESSAGE_ID', {
    message: 'Invalid message id %s: %s',
    smpp: 0x0c, // ESME_RINVMSGID
    mm7: 2005,
    smtp: [550, '5.6.0'],
    http: 400,
  }),
} as const;
