import { Errors, isHubError } from '@hub/errors';
import { type Mm4Address, parseMm4Address, parseMm4AddressList } from './address.js';
import { type MimeEntity, type MimeLimits, parseEntity } from './mime/entity.js';
import { type Headers, parseHeaderBlock, stripAngle } from './mime/headers.js';
import { parseMmStatus, parseReadStatus, parseRequestStatus } from './status.js';

/** The six MM4 message types (TS 23.140 §8.4), canonical spelling. */
export const MM4_MESSAGE_TYPES = [
  'MM4_forward.REQ',
  'MM4_forward.RES',
  'MM4_delivery_report.REQ',
  'MM4_delivery_report.RES',
  'MM4_read_reply_report.REQ',
  'MM4_read_reply_report.RES',
] as const;
/** One `X-Mms-Message-Type` value. */
export type Mm4MessageType = (typeof MM4_MESSAGE_TYPES)[number];

/** A content part of an MM with its bytes decoded (base64 / quoted-printable / identity). */
export interface Mm4Part {
  readonly kind: 'part';
  /** Media type, lower-cased, e.g. `image/jpeg`, `application/smil`. */
  readonly contentType: string;
  /** Content-Type parameters by lower-cased name (`name`, `charset`, …). */
  readonly params: Readonly<Record<string, string>>;
  readonly charset: string | undefined;
  /** Content-ID without `<>`. */
  readonly contentId: string | undefined;
  readonly contentLocation: string | undefined;
  readonly disposition: string | undefined;
  readonly filename: string | undefined;
  /** Exact decoded content. May be a view into the decoded mail's buffer: copy it to keep it long. */
  readonly body: Buffer;
}

/** A multipart container (`multipart/related` with SMIL, `multipart/mixed`, nested ones). */
export interface Mm4Multipart {
  readonly kind: 'multipart';
  readonly contentType: string;
  readonly params: Readonly<Record<string, string>>;
  readonly contentId: string | undefined;
  readonly contentLocation: string | undefined;
  /** `start` parameter without `<>` (the root part of a `multipart/related`), if any. */
  readonly start: string | undefined;
  readonly parts: readonly Mm4Content[];
}

/** The content of an MM: one part, or a multipart tree. */
export type Mm4Content = Mm4Part | Mm4Multipart;

/** Fields every decoded MM4 PDU has. */
export interface Mm4Common {
  /** `X-Mms-3GPP-MMS-Version` (`5.5.0`, `6.3.0`, …), if sent. */
  readonly version: string | undefined;
  /** `X-Mms-Transaction-ID`, quotes stripped: the REQ/RES correlation key. */
  readonly transactionId: string;
  /** `X-Mms-Message-ID`, quotes stripped. */
  readonly messageId: string | undefined;
  /**
   * `X-Mms-Originator-System` as an e-mail address: where a .RES must go. VectorCore's
   * `system=<host>;party=…` is accepted and mapped to `postmaster@<host>` (RFC 5321 guarantees it).
   */
  readonly originatorSystem: string | undefined;
  readonly from: Mm4Address | undefined;
  readonly sender: Mm4Address | undefined;
  readonly to: readonly Mm4Address[];
  readonly date: Date | undefined;
  /** RFC 5322 `Message-ID` without `<>`. */
  readonly rfc822MessageId: string | undefined;
  /** Every `X-Mms-*` header, name and value as received (duplicates joined with `, `). */
  readonly extensions: Readonly<Record<string, string>>;
}

/** MM4_forward.REQ: an MM from a peer MMSC. */
export interface Mm4ForwardReq extends Mm4Common {
  readonly type: 'MM4_forward.REQ';
  readonly messageId: string;
  readonly from: Mm4Address;
  readonly cc: readonly Mm4Address[];
  readonly subject: string | undefined;
  /** `X-Mms-Expiry`: absolute date, or relative seconds when the peer sent a number. */
  readonly expiry: Date | number | undefined;
  readonly messageClass: string | undefined;
  readonly priority: string | undefined;
  readonly deliveryReport: boolean | undefined;
  readonly readReply: boolean | undefined;
  /** `X-Mms-Ack-Request: Yes`: the peer wants an MM4_forward.RES. */
  readonly ackRequest: boolean;
  readonly forwardCounter: number | undefined;
  /** `X-Mms-Previously-sent-by` values in order. */
  readonly previouslySentBy: readonly string[];
  /** `X-Mms-Previously-sent-date-and-time` values in order (raw). */
  readonly previouslySentDate: readonly string[];
  readonly content: Mm4Content;
  /** The leaf parts of {@link content} in document order. */
  readonly parts: readonly Mm4Part[];
}

/** Fields shared by the three .RES types. */
export interface Mm4ResCommon extends Mm4Common {
  /** Canonical `X-Mms-Request-Status-Code` when known, else the value as received. */
  readonly requestStatus: string;
  readonly statusText: string | undefined;
}

/** MM4_forward.RES: the peer's answer to our forward.REQ. */
export interface Mm4ForwardRes extends Mm4ResCommon {
  readonly type: 'MM4_forward.RES';
  /** `X-Mms-Request-Recipients`: the recipients the status applies to (empty when absent). */
  readonly requestRecipients: readonly Mm4Address[];
}

/** MM4_delivery_report.REQ: delivery status of an MM we forwarded. */
export interface Mm4DeliveryReportReq extends Mm4Common {
  readonly type: 'MM4_delivery_report.REQ';
  readonly messageId: string;
  /** Canonical `X-Mms-MM-Status-Code` (alias `X-Mms-Status`) when known, else as received. */
  readonly mmStatus: string;
  readonly mmStatusExtension: string | undefined;
  readonly statusText: string | undefined;
  /** The recipient the report is about (`From:`). */
  readonly recipient: Mm4Address | undefined;
  readonly ackRequest: boolean;
  readonly forwardToOriginatorUa: boolean | undefined;
}

/** MM4_delivery_report.RES. */
export interface Mm4DeliveryReportRes extends Mm4ResCommon {
  readonly type: 'MM4_delivery_report.RES';
}

/** MM4_read_reply_report.REQ. */
export interface Mm4ReadReplyReq extends Mm4Common {
  readonly type: 'MM4_read_reply_report.REQ';
  readonly messageId: string;
  /** Canonical read status (`Read`, `Deleted without being read`) when known, else as received. */
  readonly readStatus: string;
  readonly statusText: string | undefined;
  /** The recipient who read (or deleted) the MM (`From:`). */
  readonly recipient: Mm4Address | undefined;
  readonly ackRequest: boolean;
  readonly forwardToOriginatorUa: boolean | undefined;
}

/** MM4_read_reply_report.RES. */
export interface Mm4ReadReplyRes extends Mm4ResCommon {
  readonly type: 'MM4_read_reply_report.RES';
}

/** Any decoded MM4 PDU, discriminated by `type`. */
export type Mm4Pdu =
  | Mm4ForwardReq
  | Mm4ForwardRes
  | Mm4DeliveryReportReq
  | Mm4DeliveryReportRes
  | Mm4ReadReplyReq
  | Mm4ReadReplyRes;

/** A .REQ PDU. */
export type Mm4Req = Mm4ForwardReq | Mm4DeliveryReportReq | Mm4ReadReplyReq;
/** A .RES PDU. */
export type Mm4Res = Mm4ForwardRes | Mm4DeliveryReportRes | Mm4ReadReplyRes;

/** Options for {@link decodeMm4}. */
export interface DecodeOptions extends MimeLimits {
  /** Reject mails larger than this many bytes (default 20 MiB) with `HUB_ERR_MM4_LIMIT_EXCEEDED`. */
  readonly maxSize?: number;
}

const TAIL_LINE = /^(?:QUIT|\d{3}(?:[ -].*)?|)$/;

/**
 * Removes capture artefacts: a UTF-8 BOM, and an SMTP session tail (`.` line followed only by
 * `QUIT` / `250 Ok` / `221 bye` lines) at the very end. Real DATA never ends like that, so this is
 * safe on live traffic. Returns a view; never throws.
 */
export function stripCaptureArtefacts(mail: Buffer): Buffer {
  let buf = mail;
  if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) buf = buf.subarray(3);
  let end = buf.length;
  for (let n = 0; n < 8 && end > 0; n++) {
    let eol = end;
    if (buf[eol - 1] === 0x0a) eol--;
    if (buf[eol - 1] === 0x0d) eol--;
    const start = buf.lastIndexOf(0x0a, eol - 1) + 1;
    const line = buf.toString('latin1', start, eol);
    if (line === '.') return buf.subarray(0, start);
    if (!TAIL_LINE.test(line) || start === 0) break;
    end = start;
  }
  return buf;
}

function yesNo(v: string | undefined): boolean | undefined {
  if (v === undefined) return undefined;
  const s = v.trim().toLowerCase();
  if (s === 'yes' || s === 'true') return true;
  if (s === 'no' || s === 'false') return false;
  return undefined;
}

function parseDate(v: string | undefined): Date | undefined {
  if (v === undefined || v.trim() === '') return undefined;
  const d = new Date(v.trim());
  return Number.isNaN(d.getTime()) ? undefined : d;
}

function canonicalType(raw: string): Mm4MessageType | undefined {
  const k = raw.trim().toLowerCase();
  return MM4_MESSAGE_TYPES.find((t) => t.toLowerCase() === k);
}

function originatorSystem(h: Headers): string | undefined {
  const raw = h.id('X-Mms-Originator-System');
  if (raw === undefined) return undefined;
  const sys = /(?:^|;)\s*system\s*=\s*([^;\s]+)/i.exec(raw);
  if (sys !== null && !raw.includes('@')) return `postmaster@${(sys[1] ?? '').toLowerCase()}`;
  return stripAngle(raw);
}

function required(value: string | undefined, header: string): string {
  if (value === undefined) throw new Errors.HUB_ERR_MM4_MISSING_HEADER(header);
  return value;
}

function toContent(e: MimeEntity): Mm4Content {
  if (e.kind === 'multipart') {
    const start = e.params.start;
    return {
      kind: 'multipart',
      contentType: e.contentType,
      params: e.params,
      contentId: e.contentId,
      contentLocation: e.contentLocation,
      start: start === undefined ? undefined : stripAngle(start) || undefined,
      parts: e.parts.map(toContent),
    };
  }
  return {
    kind: 'part',
    contentType: e.contentType,
    params: e.params,
    charset: e.charset,
    contentId: e.contentId,
    contentLocation: e.contentLocation,
    disposition: e.disposition,
    filename: e.filename,
    body: e.body,
  };
}

/** The leaf parts of `content` in document order. */
export function flattenParts(content: Mm4Content): Mm4Part[] {
  if (content.kind === 'part') return [content];
  const out: Mm4Part[] = [];
  for (const p of content.parts) out.push(...flattenParts(p));
  return out;
}

function common(h: Headers): Mm4Common {
  const extensions: Record<string, string> = {};
  const seen = new Map<string, string>();
  for (const f of h.fields) {
    if (!/^x-mms-/i.test(f.name)) continue;
    const key = seen.get(f.name.toLowerCase());
    if (key === undefined) {
      seen.set(f.name.toLowerCase(), f.name);
      extensions[f.name] = f.value;
    } else extensions[key] = `${extensions[key]}, ${f.value}`;
  }
  const from = h.get('from');
  const sender = h.get('sender');
  const mid = h.get('message-id');
  return {
    version: h.id('X-Mms-3GPP-MMS-Version'),
    transactionId: required(h.id('X-Mms-Transaction-ID'), 'X-Mms-Transaction-ID'),
    messageId: h.id('X-Mms-Message-ID'),
    originatorSystem: originatorSystem(h),
    from: from === undefined || from.trim() === '' ? undefined : parseMm4Address(from),
    sender: sender === undefined || sender.trim() === '' ? undefined : parseMm4Address(sender),
    to: parseMm4AddressList(h.get('to')),
    date: parseDate(h.get('date')),
    rfc822MessageId: mid === undefined ? undefined : stripAngle(mid) || undefined,
    extensions,
  };
}

function resCommon(h: Headers, base: Mm4Common): Omit<Mm4ResCommon, 'type'> {
  const raw = required(h.id('X-Mms-Request-Status-Code'), 'X-Mms-Request-Status-Code');
  return {
    ...base,
    requestStatus: parseRequestStatus(raw) ?? raw,
    statusText: h.text('X-Mms-Status-Text'),
  };
}

function decodeHeaders(h: Headers, body: Buffer, opts: DecodeOptions): Mm4Pdu {
  const rawType = h.get('X-Mms-Message-Type');
  if (rawType === undefined || rawType.trim() === '') {
    throw new Errors.HUB_ERR_MM4_MISSING_HEADER('X-Mms-Message-Type');
  }
  const type = canonicalType(rawType);
  if (type === undefined) throw new Errors.HUB_ERR_MM4_UNSUPPORTED_TYPE(JSON.stringify(rawType.slice(0, 80)));
  const base = common(h);
  const ackRequest = yesNo(h.get('X-Mms-Ack-Request')) === true;
  switch (type) {
    case 'MM4_forward.REQ': {
      if (base.from === undefined) throw new Errors.HUB_ERR_MM4_MISSING_HEADER('From');
      const expiryRaw = h.get('X-Mms-Expiry')?.trim();
      const fc = h.get('X-Mms-Forward-Counter')?.trim();
      const content = toContent(parseEntity(h, body, opts));
      return {
        ...base,
        type,
        messageId: required(base.messageId, 'X-Mms-Message-ID'),
        from: base.from,
        cc: parseMm4AddressList(h.get('cc')),
        subject: h.text('subject'),
        expiry:
          expiryRaw === undefined
            ? undefined
            : /^\d+$/.test(expiryRaw)
              ? Number(expiryRaw)
              : parseDate(expiryRaw),
        messageClass: h.get('X-Mms-Message-Class')?.trim() || undefined,
        priority: h.get('X-Mms-Priority')?.trim() || undefined,
        deliveryReport: yesNo(h.get('X-Mms-Delivery-Report')),
        readReply: yesNo(h.get('X-Mms-Read-Reply')),
        ackRequest,
        forwardCounter: fc !== undefined && /^\d+$/.test(fc) ? Number(fc) : undefined,
        previouslySentBy: h.getAll('X-Mms-Previously-sent-by'),
        previouslySentDate: h.getAll('X-Mms-Previously-sent-date-and-time'),
        content,
        parts: flattenParts(content),
      };
    }
    case 'MM4_delivery_report.REQ': {
      // VectorCore sends the MM1 name `X-Mms-Status`; Mbuni renames it the same way.
      const raw = required(h.id('X-Mms-MM-Status-Code') ?? h.id('X-Mms-Status'), 'X-Mms-MM-Status-Code');
      return {
        ...base,
        type,
        messageId: required(base.messageId, 'X-Mms-Message-ID'),
        mmStatus: parseMmStatus(raw) ?? raw,
        mmStatusExtension: h.id('X-Mms-MM-Status-Extension'),
        statusText: h.text('X-Mms-Status-Text'),
        recipient: base.from,
        ackRequest,
        forwardToOriginatorUa: yesNo(h.get('X-Mms-Forward-To-Originator-UA')),
      };
    }
    case 'MM4_read_reply_report.REQ': {
      const raw = required(h.id('X-Mms-MM-Read-Status') ?? h.id('X-Mms-Read-Status'), 'X-Mms-MM-Read-Status');
      return {
        ...base,
        type,
        messageId: required(base.messageId, 'X-Mms-Message-ID'),
        readStatus: parseReadStatus(raw) ?? raw,
        statusText: h.text('X-Mms-Status-Text'),
        recipient: base.from,
        ackRequest,
        forwardToOriginatorUa: yesNo(h.get('X-Mms-Forward-To-Originator-UA')),
      };
    }
    case 'MM4_forward.RES':
      return {
        ...resCommon(h, base),
        type,
        requestRecipients: parseMm4AddressList(h.get('X-Mms-Request-Recipients')),
      };
    case 'MM4_delivery_report.RES':
      return { ...resCommon(h, base), type };
    case 'MM4_read_reply_report.RES':
      return { ...resCommon(h, base), type };
  }
}

/**
 * Decodes one MM4 mail (the full RFC 5322 message as received in SMTP DATA) into a typed PDU,
 * dispatching on `X-Mms-Message-Type` (case-insensitive). Tolerates a BOM and an SMTP capture tail,
 * LF or CRLF, folded headers, quoted ids, `-ID`/`-Id` spellings and unknown headers.
 *
 * Throws only `HubError`s; answer the DATA with `toSmtpReply(err)` (all 5xx: the same bytes will never
 * decode) and, when the mail was a REQ with `Ack-Request`, a .RES with `requestStatusForError(err)`:
 * `HUB_ERR_MM4_MISSING_HEADER` / `HUB_ERR_MM4_MALFORMED` (554 5.6.0), `HUB_ERR_MM4_UNSUPPORTED_TYPE`,
 * `HUB_ERR_MM4_UNSUPPORTED_ENCODING` (554 5.6.1), `HUB_ERR_MM4_INVALID_ADDRESS` (553 5.1.3),
 * `HUB_ERR_MM4_LIMIT_EXCEEDED` (552 5.3.4).
 */
export function decodeMm4(mail: Buffer, opts: DecodeOptions = {}): Mm4Pdu {
  const maxSize = opts.maxSize ?? 20 * 1024 * 1024;
  if (mail.length > maxSize)
    throw new Errors.HUB_ERR_MM4_LIMIT_EXCEEDED('size', `${mail.length} > ${maxSize} bytes`);
  try {
    const buf = stripCaptureArtefacts(mail);
    const { headers, bodyStart } = parseHeaderBlock(buf);
    if (headers.fields.length === 0) throw new Errors.HUB_ERR_MM4_MALFORMED('no header fields');
    return decodeHeaders(headers, buf.subarray(bodyStart), opts);
  } catch (err) {
    if (isHubError(err)) throw err;
    // Defensive: a bug on hostile input must still answer 554, not crash the SMTP session.
    throw new Errors.HUB_ERR_MM4_MALFORMED(err instanceof Error ? err.message : 'unexpected input', {
      cause: err,
    });
  }
}

/**
 * The root part of a `multipart/related` (the part whose Content-ID equals `start`, else the first
 * part), or the content itself when it is a single part. Useful to find the SMIL presentation.
 */
export function startPart(content: Mm4Content): Mm4Content | undefined {
  if (content.kind === 'part') return content;
  if (content.start !== undefined) {
    const s = content.start.toLowerCase();
    const hit = content.parts.find(
      (p) => p.contentId?.toLowerCase() === s || p.contentLocation?.toLowerCase() === s,
    );
    if (hit !== undefined) return hit;
  }
  return content.parts[0];
}
