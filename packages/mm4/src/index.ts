/**
 * `@hub/mm4`: pure MM4 codec (3GPP TS 23.140 MM4 over SMTP). Decodes MM4 mails into typed PDUs,
 * encodes PDUs into mails plus their SMTP envelope, and holds the REQ/RES correlation rules.
 * No I/O: the SMTP server/client wiring lives in the app.
 */

export type { Mm4Address, Mm4AddressKind } from './address.js';
export { formatAddress, formatMm4Address, parseMm4Address, parseMm4AddressList } from './address.js';
export type { AckOptions } from './correlation.js';
export { ackFor, needsAck, normalizeId, reportKey, reqKey, resKey, transactionKey } from './correlation.js';
export type {
  AddressInit,
  EncodedMm4,
  Mm4DeliveryReportReqInit,
  Mm4DeliveryReportResInit,
  Mm4ForwardReqInit,
  Mm4ForwardResInit,
  Mm4Init,
  Mm4InitCommon,
  Mm4PartInit,
  Mm4ReadReplyReqInit,
  Mm4ReadReplyResInit,
  Mm4ReportReqInit,
  Mm4ResInitCommon,
  SmtpEnvelope,
} from './encode.js';
export { DEFAULT_MMS_VERSION, encodeMm4 } from './encode.js';
export * as mime from './mime/index.js';
export type {
  DecodeOptions,
  Mm4Common,
  Mm4Content,
  Mm4DeliveryReportReq,
  Mm4DeliveryReportRes,
  Mm4ForwardReq,
  Mm4ForwardRes,
  Mm4MessageType,
  Mm4Multipart,
  Mm4Part,
  Mm4Pdu,
  Mm4ReadReplyReq,
  Mm4ReadReplyRes,
  Mm4Req,
  Mm4Res,
  Mm4ResCommon,
} from './pdu.js';
export { decodeMm4, flattenParts, MM4_MESSAGE_TYPES, startPart, stripCaptureArtefacts } from './pdu.js';
export type { Mm4MmStatus, Mm4Outcome, Mm4ReadStatus, Mm4RequestStatus } from './status.js';
export {
  isRequestOk,
  MM_STATUSES,
  mmStatusOutcome,
  parseMmStatus,
  parseReadStatus,
  parseRequestStatus,
  READ_STATUSES,
  REQUEST_STATUSES,
  requestStatusForError,
  requestStatusOutcome,
} from './status.js';
