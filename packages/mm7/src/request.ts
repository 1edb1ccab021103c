/**
 * MM7 HTTP body → typed message + referenced MIME parts. This is what the MM7 endpoint calls with the
 * request's Content-Type header and raw body (and what an MM7 client calls with a peer's response).
 */
import { TextDecoder } from 'node:util';
import { Errors, isHubError } from '@hub/errors';
import {
  findPartByContentId,
  findPartByLocation,
  type MimeLimits,
  type MimePart,
  normalizeContentId,
  parseContentType,
  parseMultipart,
} from './mime.js';
import { type DecodedSoap, decodeSoap, type SoapDecodeOptions } from './soap.js';
import type { Mm7ContentRef, Mm7Envelope, Mm7Message } from './types.js';

/** Options of {@link decodeMm7Request}. */
export interface Mm7DecodeOptions extends SoapDecodeOptions {
  /** Guards for the MIME splitter (sizes, part count, depth). */
  readonly mime?: MimeLimits;
}

/** How a `<Content href>` was matched to a MIME part. */
export type Mm7AttachmentMatch = 'content-id' | 'content-location' | 'sole-part';

/** A `<Content>` reference with the MIME part it points to. */
export interface Mm7Attachment {
  readonly ref: Mm7ContentRef;
  /** The referenced part; for `multipart/*` content its children are in `part.parts`. */
  readonly part: MimePart;
  /** `sole-part`: the href matched nothing and the body had exactly one non-SOAP part (spec-example typos). */
  readonly matchedBy: Mm7AttachmentMatch;
}

/** A decoded MM7 HTTP body. */
export interface DecodedMm7Request {
  readonly envelope: Mm7Envelope;
  readonly message: Mm7Message;
  /** The SOAP part of a multipart body (`undefined` for a bare XML body). */
  readonly soapPart: MimePart | undefined;
  /** Top-level MIME parts other than the SOAP part. */
  readonly parts: readonly MimePart[];
  /** Parts referenced by the message's `<Content href>`, in reference order. */
  readonly attachments: readonly Mm7Attachment[];
  /** References that matched no part (the endpoint decides: ignore, or answer 2004). */
  readonly unresolved: readonly Mm7ContentRef[];
}

const XML_TYPES = new Set(['text/xml', 'application/xml', 'application/soap+xml']);

function firstSignificantByte(body: Buffer): number | undefined {
  let i = 0;
  if (body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf) i = 3;
  while (i < body.length && (body[i] === 0x20 || body[i] === 0x09 || body[i] === 0x0d || body[i] === 0x0a))
    i++;
  return body[i];
}

const decoders = new Map<string, TextDecoder>();

/** Decodes XML bytes by charset parameter or XML declaration (UTF-8 when unknown); strips a BOM. */
function xmlText(bytes: Buffer, charset: string | undefined): string {
  let cs = charset;
  if (cs === undefined) {
    const m = /^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']/.exec(
      bytes.toString('latin1', 0, Math.min(bytes.length, 200)),
    );
    cs = m?.[1]?.toLowerCase();
  }
  let text: string;
  if (cs === undefined || cs === 'utf-8' || cs === 'utf8' || cs === 'us-ascii') {
    text = bytes.toString('utf8');
  } else {
    let dec = decoders.get(cs);
    if (dec === undefined) {
      try {
        dec = new TextDecoder(cs);
      } catch {
        dec = new TextDecoder('utf-8');
      }
      if (decoders.size < 32) decoders.set(cs, dec);
    }
    text = dec.decode(bytes);
  }
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/**
 * Decodes an MM7 HTTP body: `multipart/related` (SOAP + content), a bare `text/xml` envelope, or a
 * body-only capture without headers. Dispatch is on the body, not only the header: Skycore sends bare
 * XML under `multipart/related` with no boundary.
 *
 * The SOAP part is the `start` part, else the first XML part, else the first part. Each `<Content href>`
 * is resolved by `cid:` Content-ID (brackets, spaces, percent-encoding and case tolerated; nested parts
 * searched), then Content-Location, then — when the body has exactly one non-SOAP part — that part.
 *
 * @throws HubError only, with the MM7 StatusCode to answer in `toMm7Status(err)`: 4004 (unparsable MIME
 *   or XML, not SOAP, mandatory element missing; `details.reason` has the parser's reason),
 *   4002 (MM7Version), 4003 (unknown operation), 4001 (no sender identification), 2002 (addresses),
 *   2007 (malformed values), 2004 (MIME limits). `details.transactionId` etc. are set once known.
 */
export function decodeMm7Request(
  contentTypeHeader: string | undefined,
  body: Buffer,
  options?: Mm7DecodeOptions,
): DecodedMm7Request {
  try {
    return decodeBody(contentTypeHeader, body, options);
  } catch (err) {
    if (isHubError(err)) throw err;
    // Safety net: the contract is HubError only, whatever a dependency does with hostile input.
    const reason = err instanceof Error ? err.message : String(err);
    throw new Errors.HUB_ERR_MM7_SOAP_INVALID(`unexpected decoder failure: ${reason}`, {
      cause: err,
      details: { reason },
    });
  }
}

function decodeBody(
  contentTypeHeader: string | undefined,
  body: Buffer,
  options?: Mm7DecodeOptions,
): DecodedMm7Request {
  const ct = parseContentType(contentTypeHeader);
  const boundary = ct?.params.boundary;
  const lead = firstSignificantByte(body);
  const multipartByHeader =
    ct?.type.startsWith('multipart/') &&
    boundary !== undefined &&
    body.includes(`--${boundary}`, 0, 'latin1');
  if (!multipartByHeader && lead === 0x3c /* '<' */) {
    return finish(decodeSoap(xmlText(body, ct?.params.charset?.toLowerCase()), options), undefined, []);
  }
  if (ct !== undefined && !ct.type.startsWith('multipart/') && !XML_TYPES.has(ct.type)) {
    throw new Errors.HUB_ERR_MM7_SOAP_INVALID(`unsupported Content-Type ${ct.type}`, {
      details: { reason: 'unsupported Content-Type', contentType: ct.type },
    });
  }
  const mp = parseMultipart(body, contentTypeHeader, options?.mime);
  const start = mp.params.start;
  const startId = start === undefined ? undefined : normalizeContentId(start);
  const soapPart =
    (startId === undefined ? undefined : mp.parts.find((p) => p.contentId === startId)) ??
    mp.parts.find((p) => XML_TYPES.has(p.contentType)) ??
    mp.parts[0];
  if (soapPart === undefined) {
    throw new Errors.HUB_ERR_MM7_MIME_MALFORMED('multipart body has no parts', {
      details: { reason: 'no parts' },
    });
  }
  const decoded = decodeSoap(xmlText(soapPart.body, soapPart.charset), options);
  return finish(
    decoded,
    soapPart,
    mp.parts.filter((p) => p !== soapPart),
  );
}

function finish(
  decoded: DecodedSoap,
  soapPart: MimePart | undefined,
  parts: readonly MimePart[],
): DecodedMm7Request {
  const refs = 'content' in decoded.message ? decoded.message.content : [];
  const attachments: Mm7Attachment[] = [];
  const unresolved: Mm7ContentRef[] = [];
  for (const ref of refs) {
    const hit = resolveHref(ref.href, parts);
    if (hit === undefined) unresolved.push(ref);
    else attachments.push({ ref, part: hit.part, matchedBy: hit.matchedBy });
  }
  return { envelope: decoded.envelope, message: decoded.message, soapPart, parts, attachments, unresolved };
}

/**
 * Finds the part an MM7 `href` points to among `parts` (and their children). Accepts `cid:x`, `cid: x`,
 * `cid:<x>`, `CID:x`, a percent-encoded cid URL, or a bare Content-Location / Content-ID.
 */
export function resolveHref(
  href: string,
  parts: readonly MimePart[],
): { part: MimePart; matchedBy: Mm7AttachmentMatch } | undefined {
  const h = href.trim();
  const isCid = /^cid:/i.test(h);
  const raw = isCid ? h.slice(4).trim() : h;
  let id = raw;
  try {
    id = decodeURIComponent(raw);
  } catch {
    // keep the raw reference
  }
  const byId = findPartByContentId(parts, id) ?? (id === raw ? undefined : findPartByContentId(parts, raw));
  if (byId !== undefined) return { part: byId, matchedBy: 'content-id' };
  const byLoc = findPartByLocation(parts, isCid ? id : h);
  if (byLoc !== undefined) return { part: byLoc, matchedBy: 'content-location' };
  const only = parts.length === 1 ? parts[0] : undefined;
  return only === undefined ? undefined : { part: only, matchedBy: 'sole-part' };
}
