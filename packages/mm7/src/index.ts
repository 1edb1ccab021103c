/**
 * `@hub/mm7`: the pure MM7 codec (3GPP TS 23.140 SOAP over HTTP). No I/O: the HTTP endpoint and
 * clients live elsewhere and call {@link decodeMm7Request} / the `encode*` functions.
 */

export type { Mm7BodyOptions, Mm7EncodeContext, Mm7Input } from './encode.js';
export {
  absoluteTime,
  DEFAULT_MM7_NAMESPACE,
  DEFAULT_MM7_VERSION,
  encodeCancelReq,
  encodeCancelRsp,
  encodeDeliverReq,
  encodeDeliverRsp,
  encodeDeliveryReportReq,
  encodeDeliveryReportRsp,
  encodeMm7,
  encodeMm7Xml,
  encodeReadReplyReq,
  encodeReadReplyRsp,
  encodeReplaceReq,
  encodeReplaceRsp,
  encodeRsErrorFor,
  encodeRsErrorRsp,
  encodeSubmitReq,
  encodeSubmitRsp,
  MM7_NAMESPACE_BASE,
  mm7NamespaceFor,
  relativeTime,
  SOAP_ENV_NAMESPACE,
} from './encode.js';
export type {
  BuildRelatedOptions,
  ContentType,
  MimeEntity,
  MimeLimits,
  MimeMultipart,
  MimePart,
  MimePartInput,
} from './mime.js';
export {
  buildMultipart,
  buildMultipartRelated,
  decodeQuotedPrintable,
  findPartByContentId,
  findPartByLocation,
  normalizeContentId,
  parseContentType,
  parseMultipart,
} from './mime.js';
export type { DecodedMm7Request, Mm7Attachment, Mm7AttachmentMatch, Mm7DecodeOptions } from './request.js';
export { decodeMm7Request, resolveHref } from './request.js';
export type { DecodedSoap, SoapDecodeOptions } from './soap.js';
export { decodeSoap, parseMm7Time, releaseOf } from './soap.js';
export type { Mm7DeliveryStatus, Mm7ReadStatus, Mm7StatusClass, Mm7StatusInfo } from './status.js';
export {
  faultCodeFor,
  isSuccessStatus,
  MM_DELIVERY_STATUSES,
  MM_READ_STATUSES,
  MM7_STATUS,
  Mm7Status,
  normalizeStatusCode,
  parseDeliveryStatus,
  parseReadStatus,
  statusClass,
  statusText,
} from './status.js';
export type {
  Mm7Address,
  Mm7AddressKind,
  Mm7CancelReq,
  Mm7ContentRef,
  Mm7DeliverReq,
  Mm7DeliverRsp,
  Mm7DeliveryReportReq,
  Mm7Envelope,
  Mm7ErrorRsp,
  Mm7Fault,
  Mm7FaultInfo,
  Mm7GenericRsp,
  Mm7Message,
  Mm7MessageType,
  Mm7ReadReplyReq,
  Mm7Recipients,
  Mm7ReplaceReq,
  Mm7ReplyCharging,
  Mm7SenderIdentification,
  Mm7StatusValue,
  Mm7SubmitReq,
  Mm7SubmitRsp,
  Mm7Time,
  Mm7UaCapabilities,
} from './types.js';
export { MM7_MESSAGE_TYPES } from './types.js';
export type { XmlElement, XmlLimits, XmlNode } from './xml.js';
export { attr, child, childrenNamed, elementToNode, parseXml, serializeXml } from './xml.js';
