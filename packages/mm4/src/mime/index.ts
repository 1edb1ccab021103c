// Small RFC 5322 / MIME toolkit for MM4. Self-contained so it can move to a shared package later.
export { decodeCharset } from './charset.js';
export type { MimeEntity, MimeLeaf, MimeLimits, MimeMultipart } from './entity.js';
export {
  decodeBase64,
  decodeQuotedPrintable,
  decodeTransferEncoding,
  leaves,
  parseEntity,
  splitMultipart,
} from './entity.js';
export type { HeaderBlock, HeaderField, ParameterizedValue } from './headers.js';
export { Headers, parseHeaderBlock, parseParameterized, stripAngle, unquote } from './headers.js';
export { decodeEncodedWords, encodeEncodedWords } from './rfc2047.js';
