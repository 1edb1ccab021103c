import { randomBytes } from 'node:crypto';
import { Errors } from '@hub/errors';
import { formatAddress, type Mm4Address, parseMm4Address } from './address.js';
import { encodeEncodedWords } from './mime/rfc2047.js';
import type { Mm4MessageType } from './pdu.js';
import type { Mm4MmStatus, Mm4ReadStatus, Mm4RequestStatus } from './status.js';

/** Default `X-Mms-3GPP-MMS-Version`: what every real carrier capture we hold sends. */
export const DEFAULT_MMS_VERSION = '5.5.0';

/** An address given to the encoder: a parsed {@link Mm4Address} or text (`+972…`, `a@b`, `…/TYPE=PLMN`). */
export type AddressInit = string | Mm4Address;

/** One content part to send. */
export interface Mm4PartInit {
  /** Media type, e.g. `image/jpeg`, `text/plain`, `application/smil`. */
  readonly contentType: string;
  /** Content bytes; a string is sent as UTF-8 (and `charset=utf-8` is added for text types). */
  readonly body: Buffer | string;
  readonly charset?: string;
  /** Content-ID without `<>`. */
  readonly contentId?: string;
  readonly contentLocation?: string;
  /** Written as `name=` on Content-Type and `filename=` on Content-Disposition (when given). */
  readonly filename?: string;
  readonly disposition?: 'inline' | 'attachment';
}

/** Envelope overrides and fields common to every PDU to encode. */
export interface Mm4InitCommon {
  /** `X-Mms-3GPP-MMS-Version` (default {@link DEFAULT_MMS_VERSION}). */
  readonly version?: string;
  readonly transactionId: string;
  /** RFC 5322 `Message-ID` without `<>` (derived from the MM's Message-ID for forward.REQ when absent). */
  readonly rfc822MessageId?: string;
  /** `Date:` (default: now). */
  readonly date?: Date;
  /** Extra headers, written verbatim after ours; names that collide with ours are skipped. */
  readonly extensions?: Readonly<Record<string, string>>;
  /** MAIL FROM override. */
  readonly envelopeFrom?: string;
  /** RCPT TO override (e.g. only the recipients served by this peer). */
  readonly envelopeTo?: readonly string[];
}

/** MM4_forward.REQ to send to a peer MMSC. */
export interface Mm4ForwardReqInit extends Mm4InitCommon {
  readonly type: 'MM4_forward.REQ';
  readonly messageId: string;
  readonly from: AddressInit;
  /** `Sender:` (default: `from` at `senderDomain`). */
  readonly sender?: AddressInit;
  readonly to?: readonly AddressInit[];
  readonly cc?: readonly AddressInit[];
  /** Envelope-only recipients (never written in headers). */
  readonly bcc?: readonly AddressInit[];
  readonly subject?: string;
  /** Absolute date, or seconds after `date` (converted to an absolute date on the wire). */
  readonly expiry?: Date | number;
  readonly messageClass?: string;
  readonly priority?: string;
  readonly deliveryReport?: boolean;
  readonly readReply?: boolean;
  /** Ask the peer for an MM4_forward.RES (default true). */
  readonly ackRequest?: boolean;
  /** Our system address, where the peer sends the .RES (e.g. `system-user@mms.hub.example`). */
  readonly originatorSystem: string;
  readonly forwardCounter?: number;
  readonly previouslySentBy?: readonly string[];
  readonly previouslySentDate?: readonly string[];
  readonly parts: readonly Mm4PartInit[];
  /**
   * Content-ID of the SMIL root. When set (or when a part is `application/smil` with a Content-ID)
   * the content is `multipart/related; type="application/smil"; start="<…>"`, else `multipart/mixed`.
   */
  readonly start?: string;
  /** Force the container; `none` sends a single part as the whole body. */
  readonly multipart?: 'related' | 'mixed' | 'none';
  /** Multipart boundary (default: random). Must not occur in the content. */
  readonly boundary?: string;
  /** Our MMSC domain: appended to `from` for `Sender:` and MAIL FROM. */
  readonly senderDomain?: string;
  /** The peer MMSC domain: appended to recipients for RCPT TO. */
  readonly recipientDomain?: string;
}

/** Fields of the three .RES PDUs to encode. */
export interface Mm4ResInitCommon extends Mm4InitCommon {
  readonly messageId?: string;
  readonly requestStatus: Mm4RequestStatus;
  readonly statusText?: string;
  /** Where the .RES goes: the REQ's `X-Mms-Originator-System`. */
  readonly to: string;
  /** Our system address (`From:`, `X-Mms-Originator-System`, MAIL FROM). */
  readonly originatorSystem: string;
}

/** MM4_forward.RES to send. */
export interface Mm4ForwardResInit extends Mm4ResInitCommon {
  readonly type: 'MM4_forward.RES';
  /** `X-Mms-Request-Recipients` (optional). */
  readonly requestRecipients?: readonly AddressInit[];
}

/** MM4_delivery_report.RES to send. */
export interface Mm4DeliveryReportResInit extends Mm4ResInitCommon {
  readonly type: 'MM4_delivery_report.RES';
}

/** MM4_read_reply_report.RES to send. */
export interface Mm4ReadReplyResInit extends Mm4ResInitCommon {
  readonly type: 'MM4_read_reply_report.RES';
}

/** Fields of the two report REQs to encode. */
export interface Mm4ReportReqInit extends Mm4InitCommon {
  /** `X-Mms-Message-ID` of the MM the report is about. */
  readonly messageId: string;
  /** The MM's recipient the report is about (`From:`). */
  readonly recipient: AddressInit;
  /** The MM's originator (`To:`). */
  readonly to: readonly AddressInit[];
  readonly statusText?: string;
  /** Ask for a .RES (default true). */
  readonly ackRequest?: boolean;
  readonly forwardToOriginatorUa?: boolean;
  /** Our system address, where the peer sends the .RES. */
  readonly originatorSystem: string;
  /** The peer MMSC domain: appended to `to` for RCPT TO. */
  readonly recipientDomain?: string;
}

/** MM4_delivery_report.REQ to send. */
export interface Mm4DeliveryReportReqInit extends Mm4ReportReqInit {
  readonly type: 'MM4_delivery_report.REQ';
  readonly mmStatus: Mm4MmStatus;
  readonly mmStatusExtension?: string;
}

/** MM4_read_reply_report.REQ to send. */
export interface Mm4ReadReplyReqInit extends Mm4ReportReqInit {
  readonly type: 'MM4_read_reply_report.REQ';
  readonly readStatus: Mm4ReadStatus;
}

/** Anything {@link encodeMm4} accepts. */
export type Mm4Init =
  | Mm4ForwardReqInit
  | Mm4ForwardResInit
  | Mm4DeliveryReportReqInit
  | Mm4DeliveryReportResInit
  | Mm4ReadReplyReqInit
  | Mm4ReadReplyResInit;

/** SMTP envelope for the mail. */
export interface SmtpEnvelope {
  /** MAIL FROM (no angle brackets). */
  readonly from: string;
  /** RCPT TO list (no angle brackets). */
  readonly to: readonly string[];
}

/** Result of {@link encodeMm4}: the DATA bytes (CRLF, no dot-stuffing) and the envelope. */
export interface EncodedMm4 {
  readonly mail: Buffer;
  readonly envelope: SmtpEnvelope;
}

class Writer {
  readonly lines: string[] = [];
  private readonly names = new Set<string>();

  constructor(private readonly type: Mm4MessageType) {}

  bad(what: string): never {
    throw new Errors.HUB_ERR_MM4_INVALID_PDU(this.type, what);
  }

  /** Writes `name: value`, folding at spaces to keep lines near 78 characters. */
  add(name: string, value: string | undefined, preFolded = false): void {
    if (value === undefined) return;
    if (!/^[!-9;-~]+$/.test(name)) this.bad(`header name ${JSON.stringify(name)}`);
    if (!preFolded && /[\r\n\0]/.test(value)) this.bad(`line break in ${name}`);
    this.names.add(name.toLowerCase());
    this.lines.push(preFolded ? `${name}: ${value}` : fold(`${name}: ${value}`));
  }

  has(name: string): boolean {
    return this.names.has(name.toLowerCase());
  }
}

function fold(line: string): string {
  if (line.length <= 78) return line;
  let out = '';
  let rest = line;
  while (rest.length > 78) {
    // Break before the last space that keeps the line ≤ 78; else the first space after.
    let at = rest.lastIndexOf(' ', 78);
    if (at <= 0) at = rest.indexOf(' ', 79);
    if (at <= 0) break;
    out += `${rest.slice(0, at)}\r\n`;
    rest = rest.slice(at);
    if (rest.trim() === '') break;
  }
  return out + rest;
}

function rfc5322Date(d: Date): string {
  if (Number.isNaN(d.getTime())) throw new Errors.HUB_ERR_MM4_INVALID_PDU('date', 'invalid Date');
  return d.toUTCString().replace(/GMT$/, '+0000');
}

function yes(v: boolean | undefined): string | undefined {
  return v === undefined ? undefined : v ? 'Yes' : 'No';
}

function addr(a: AddressInit): Mm4Address {
  return typeof a === 'string' ? parseMm4Address(a) : a;
}

function param(name: string, value: string): string {
  if (/^[\x20-\x7e]*$/.test(value)) {
    return /^[!#$%&'*+\-.0-9A-Z^_`a-z{|}~]+$/.test(value)
      ? `${name}=${value}`
      : `${name}="${value.replace(/(["\\])/g, '\\$1')}"`;
  }
  const enc = encodeURIComponent(value).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `${name}*=utf-8''${enc}`;
}

function base64Lines(body: Buffer): Buffer {
  const b64 = Buffer.from(body.toString('base64'), 'latin1');
  const lines = Math.ceil(b64.length / 76);
  const out = Buffer.allocUnsafe(b64.length + Math.max(0, lines - 1) * 2);
  let o = 0;
  for (let i = 0; i < b64.length; i += 76) {
    if (i > 0) {
      out[o++] = 0x0d;
      out[o++] = 0x0a;
    }
    o += b64.copy(out, o, i, Math.min(i + 76, b64.length));
  }
  return out;
}

// 7bit is used only when the bytes survive SMTP unchanged: ASCII, no NUL, CRLF-only line breaks,
// lines ≤ 998. Anything else goes base64, so the receiver gets the exact bytes back.
function is7bitSafe(b: Buffer): boolean {
  let lineLen = 0;
  for (let i = 0; i < b.length; i++) {
    const c = b[i] as number;
    if (c === 0 || c > 0x7f) return false;
    if (c === 0x0d) {
      if (b[i + 1] !== 0x0a) return false;
      continue;
    }
    if (c === 0x0a) {
      if (b[i - 1] !== 0x0d) return false;
      lineLen = 0;
      continue;
    }
    if (++lineLen > 998) return false;
  }
  return true;
}

function isTextual(ct: string): boolean {
  return (
    ct.startsWith('text/') || ct === 'application/smil' || ct.endsWith('+xml') || ct === 'application/xml'
  );
}

function encodePart(p: Mm4PartInit, type: Mm4MessageType): { head: string[]; body: Buffer } {
  const ct = p.contentType.trim().toLowerCase();
  if (!/^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/.test(ct)) {
    throw new Errors.HUB_ERR_MM4_INVALID_PDU(type, `content type ${JSON.stringify(p.contentType)}`);
  }
  for (const v of [p.contentId, p.contentLocation, p.filename, p.charset]) {
    if (v !== undefined && /[\r\n\0<>]/.test(v))
      throw new Errors.HUB_ERR_MM4_INVALID_PDU(type, 'part header value');
  }
  const body = typeof p.body === 'string' ? Buffer.from(p.body, 'utf8') : p.body;
  const charset = p.charset ?? (typeof p.body === 'string' && isTextual(ct) ? 'utf-8' : undefined);
  let ctLine = ct;
  if (charset !== undefined) ctLine += `; ${param('charset', charset)}`;
  if (p.filename !== undefined) ctLine += `; ${param('name', p.filename)}`;
  const seven = isTextual(ct) && is7bitSafe(body);
  const head = [fold(`Content-Type: ${ctLine}`), `Content-Transfer-Encoding: ${seven ? '7bit' : 'base64'}`];
  if (p.contentId !== undefined) head.push(`Content-ID: <${p.contentId}>`);
  if (p.contentLocation !== undefined) head.push(fold(`Content-Location: ${p.contentLocation}`));
  if (p.disposition !== undefined) {
    head.push(
      fold(
        `Content-Disposition: ${p.disposition}${p.filename === undefined ? '' : `; ${param('filename', p.filename)}`}`,
      ),
    );
  }
  return { head, body: seven ? body : base64Lines(body) };
}

function domainOf(address: string): string | undefined {
  const at = address.lastIndexOf('@');
  return at === -1 ? undefined : address.slice(at + 1).toLowerCase();
}

function rcpt(list: readonly AddressInit[], domain: string | undefined, w: Writer): string[] {
  return list.map((a) => {
    const p = addr(a);
    const s = formatAddress(p, p.kind === 'email' ? undefined : (domain ?? p.domain));
    if (!s.includes('@'))
      w.bad(`recipient ${JSON.stringify(p.original)} has no domain (set recipientDomain)`);
    return s;
  });
}

function statusText(w: Writer, text: string | undefined): void {
  if (text === undefined) return;
  if (/[\r\n\0]/.test(text)) w.bad('line break in X-Mms-Status-Text');
  const enc = encodeEncodedWords(text);
  w.add('X-Mms-Status-Text', enc, enc !== text);
}

function commonHead(w: Writer, init: Mm4Init, messageId: string | undefined): void {
  w.add('X-Mms-3GPP-MMS-Version', init.version ?? DEFAULT_MMS_VERSION);
  w.add('X-Mms-Message-Type', init.type);
  if (init.transactionId.trim() === '') w.bad('empty Transaction-ID');
  w.add('X-Mms-Transaction-ID', init.transactionId);
  w.add('X-Mms-Message-ID', messageId);
}

function finish(w: Writer, init: Mm4Init, contentType: string, body: Buffer[]): Buffer {
  for (const [name, value] of Object.entries(init.extensions ?? {})) {
    if (!w.has(name)) w.add(name, value);
  }
  w.add('MIME-Version', '1.0');
  w.add('Content-Type', contentType);
  return Buffer.concat([Buffer.from(`${w.lines.join('\r\n')}\r\n\r\n`, 'utf8'), ...body]);
}

function encodeForwardReq(init: Mm4ForwardReqInit): EncodedMm4 {
  const w = new Writer(init.type);
  const date = init.date ?? new Date();
  const from = addr(init.from);
  const sender = init.sender === undefined ? undefined : addr(init.sender);
  const to = (init.to ?? []).map(addr);
  const cc = (init.cc ?? []).map(addr);
  if (init.messageId.trim() === '') w.bad('empty Message-ID');
  commonHead(w, init, init.messageId);
  w.add('From', formatAddress(from, from.kind === 'email' ? undefined : ''));
  const senderText =
    sender !== undefined
      ? formatAddress(sender)
      : init.senderDomain !== undefined
        ? formatAddress(from, from.kind === 'email' ? undefined : init.senderDomain)
        : undefined;
  w.add('Sender', senderText);
  if (to.length > 0)
    w.add('To', to.map((a) => formatAddress(a, a.kind === 'email' ? undefined : '')).join(', '));
  if (cc.length > 0)
    w.add('Cc', cc.map((a) => formatAddress(a, a.kind === 'email' ? undefined : '')).join(', '));
  if (init.subject !== undefined) {
    if (/[\r\n\0]/.test(init.subject)) w.bad('line break in Subject');
    const enc = encodeEncodedWords(init.subject);
    w.add('Subject', enc, enc !== init.subject);
  }
  w.add('Date', rfc5322Date(date));
  const mid =
    init.rfc822MessageId ??
    (init.messageId.includes('@')
      ? init.messageId
      : `${init.messageId}@${domainOf(init.originatorSystem) ?? 'mm4.invalid'}`);
  if (/[\s<>]/.test(mid)) w.bad('RFC 5322 Message-ID');
  w.add('Message-ID', `<${mid}>`);
  w.add('X-Mms-Message-Class', init.messageClass);
  w.add('X-Mms-Priority', init.priority);
  if (init.expiry !== undefined) {
    const exp = typeof init.expiry === 'number' ? new Date(date.getTime() + init.expiry * 1000) : init.expiry;
    w.add('X-Mms-Expiry', rfc5322Date(exp));
  }
  w.add('X-Mms-Delivery-Report', yes(init.deliveryReport));
  w.add('X-Mms-Read-Reply', yes(init.readReply));
  w.add('X-Mms-Ack-Request', yes(init.ackRequest ?? true));
  w.add('X-Mms-Originator-System', init.originatorSystem);
  if (init.forwardCounter !== undefined)
    w.add('X-Mms-Forward-Counter', String(Math.trunc(init.forwardCounter)));
  for (const v of init.previouslySentBy ?? []) w.add('X-Mms-Previously-sent-by', v);
  for (const v of init.previouslySentDate ?? []) w.add('X-Mms-Previously-sent-date-and-time', v);

  const parts = init.parts.map((p) => encodePart(p, init.type));
  let contentType: string;
  let body: Buffer[];
  const smil = init.parts.find(
    (p) => p.contentType.trim().toLowerCase() === 'application/smil' && p.contentId !== undefined,
  );
  const start =
    init.start ??
    (init.multipart === undefined || init.multipart === 'related' ? smil?.contentId : undefined);
  const kind = init.multipart ?? (start !== undefined ? 'related' : 'mixed');
  if (kind === 'none') {
    const only = parts[0];
    if (parts.length !== 1 || only === undefined) {
      throw new Errors.HUB_ERR_MM4_INVALID_PDU(init.type, 'multipart "none" needs exactly one part');
    }
    for (const line of only.head) {
      const i = line.indexOf(':');
      const name = line.slice(0, i);
      if (name.toLowerCase() !== 'content-type') w.lines.push(line);
    }
    contentType = only.head[0]?.slice('Content-Type: '.length) ?? 'text/plain';
    body = [only.body];
  } else {
    const boundary = init.boundary ?? `=_mm4_${randomBytes(12).toString('hex')}`;
    if (!/^[0-9A-Za-z'()+_,\-./:=?]{1,70}$/.test(boundary)) w.bad('boundary syntax');
    const delim = Buffer.from(`--${boundary}`, 'latin1');
    if (parts.some((p) => p.body.includes(delim))) w.bad('boundary occurs in the content');
    contentType = `multipart/${kind}; boundary="${boundary}"`;
    if (kind === 'related' && start !== undefined) {
      const startPart = init.parts.find((p) => p.contentId === start);
      contentType += `; type="${startPart?.contentType.trim().toLowerCase() ?? 'application/smil'}"; start="<${start}>"`;
    }
    body = [];
    for (const p of parts) {
      body.push(
        Buffer.from(`--${boundary}\r\n${p.head.join('\r\n')}\r\n\r\n`, 'utf8'),
        p.body,
        Buffer.from('\r\n'),
      );
    }
    body.push(Buffer.from(`--${boundary}--\r\n`, 'latin1'));
  }
  const mail = finish(w, init, contentType, body);
  const envFrom =
    init.envelopeFrom ??
    (init.senderDomain !== undefined || from.kind === 'email' || from.domain !== undefined
      ? formatAddress(from, from.kind === 'email' ? undefined : (init.senderDomain ?? from.domain))
      : init.originatorSystem);
  const envTo = init.envelopeTo ?? rcpt([...to, ...cc, ...(init.bcc ?? [])], init.recipientDomain, w);
  if (envTo.length === 0) w.bad('no recipients');
  return { mail, envelope: { from: envFrom, to: envTo } };
}

function encodeRes(init: Mm4ForwardResInit | Mm4DeliveryReportResInit | Mm4ReadReplyResInit): EncodedMm4 {
  const w = new Writer(init.type);
  commonHead(w, init, init.messageId);
  w.add('From', init.originatorSystem);
  w.add('To', init.to);
  w.add('Subject', init.type);
  w.add('Date', rfc5322Date(init.date ?? new Date()));
  if (init.rfc822MessageId !== undefined) w.add('Message-ID', `<${init.rfc822MessageId}>`);
  w.add('X-Mms-Originator-System', init.originatorSystem);
  w.add('X-Mms-Request-Status-Code', init.requestStatus);
  statusText(w, init.statusText);
  if (
    init.type === 'MM4_forward.RES' &&
    init.requestRecipients !== undefined &&
    init.requestRecipients.length > 0
  ) {
    w.add(
      'X-Mms-Request-Recipients',
      init.requestRecipients.map((a) => formatAddress(addr(a), '')).join(', '),
    );
  }
  const mail = finish(w, init, 'text/plain; charset=us-ascii', []);
  return {
    mail,
    envelope: { from: init.envelopeFrom ?? init.originatorSystem, to: init.envelopeTo ?? [init.to] },
  };
}

function encodeReportReq(init: Mm4DeliveryReportReqInit | Mm4ReadReplyReqInit): EncodedMm4 {
  const w = new Writer(init.type);
  if (init.messageId.trim() === '') w.bad('empty Message-ID');
  commonHead(w, init, init.messageId);
  const recipient = addr(init.recipient);
  const to = init.to.map(addr);
  w.add('From', formatAddress(recipient, recipient.kind === 'email' ? undefined : ''));
  if (to.length > 0)
    w.add('To', to.map((a) => formatAddress(a, a.kind === 'email' ? undefined : '')).join(', '));
  w.add('Subject', init.type);
  w.add('Date', rfc5322Date(init.date ?? new Date()));
  if (init.rfc822MessageId !== undefined) w.add('Message-ID', `<${init.rfc822MessageId}>`);
  if (init.type === 'MM4_delivery_report.REQ') {
    w.add('X-Mms-MM-Status-Code', init.mmStatus);
    w.add('X-Mms-MM-Status-Extension', init.mmStatusExtension);
  } else {
    w.add('X-Mms-MM-Read-Status', init.readStatus);
  }
  statusText(w, init.statusText);
  w.add('X-Mms-Ack-Request', yes(init.ackRequest ?? true));
  w.add('X-Mms-Forward-To-Originator-UA', yes(init.forwardToOriginatorUa));
  w.add('X-Mms-Originator-System', init.originatorSystem);
  const mail = finish(w, init, 'text/plain; charset=us-ascii', []);
  const envTo = init.envelopeTo ?? rcpt(to, init.recipientDomain, w);
  if (envTo.length === 0) w.bad('no recipients');
  return { mail, envelope: { from: init.envelopeFrom ?? init.originatorSystem, to: envTo } };
}

/**
 * Builds an MM4 mail (CRLF line endings, ready for SMTP DATA; the SMTP client does dot-stuffing) and
 * the envelope to send it with. forward.REQ content is `multipart/related` with the SMIL `start` when
 * there is one, else `multipart/mixed`; text parts that are 7-bit clean go as `7bit`, everything else
 * as base64 in 76-character lines. Non-ASCII Subject/Status-Text become RFC 2047 UTF-8 words.
 *
 * Throws `HUB_ERR_MM4_INVALID_PDU` on input that cannot be sent safely (line breaks in header values,
 * empty ids, bad content types, a boundary found in the content, no recipients or a recipient without a
 * domain for RCPT TO) and `HUB_ERR_MM4_INVALID_ADDRESS` on unparsable addresses: both are caller bugs,
 * do not retry.
 */
export function encodeMm4(init: Mm4Init): EncodedMm4 {
  switch (init.type) {
    case 'MM4_forward.REQ':
      return encodeForwardReq(init);
    case 'MM4_delivery_report.REQ':
    case 'MM4_read_reply_report.REQ':
      return encodeReportReq(init);
    case 'MM4_forward.RES':
    case 'MM4_delivery_report.RES':
    case 'MM4_read_reply_report.RES':
      return encodeRes(init);
  }
}
