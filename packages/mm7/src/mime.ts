/**
 * A small binary-safe MIME multipart splitter and builder for MM7 (`multipart/related` SOAP + content).
 *
 * Why not mailparser: it merges text parts into `text` and drops their Content-ID/Content-Location,
 * and flattens nesting; MM7 needs every part, its ids and exact bytes.
 *
 * Parsing policy (tolerant, for real MMSC/VASP traffic):
 * - CRLF or bare LF line ends; transport padding (spaces/tabs) after delimiters; preamble and epilogue ignored.
 * - A missing close delimiter is tolerated: the last part runs to the end of the body and the result has
 *   `closed: false` (set `requireCloseDelimiter` to reject instead). HTTP framing already bounds the body,
 *   so a missing close delimiter is a peer bug, not a truncated upload.
 * - A part whose headers are not followed by a blank line: the body starts at the first line that is
 *   neither a header field nor a folded continuation.
 * - Without a `boundary` parameter (body-only captures, Skycore's boundary-less DRs) the boundary is taken
 *   from the first line that starts with `--` (within the first 4 KiB).
 * - Bodies of binary/8bit/7bit (or absent) transfer encodings are views into the input buffer (no copy);
 *   base64 and quoted-printable are decoded.
 */
import { randomUUID } from 'node:crypto';
import { Errors } from '@hub/errors';

/** Guards for {@link parseMultipart}; every value has a safe default. */
export interface MimeLimits {
  /** Largest body accepted, in bytes (default 32 MiB). */
  readonly maxBytes?: number;
  /** Most parts in total, all nesting levels counted (default 128). */
  readonly maxParts?: number;
  /** Deepest multipart nesting; the top level is depth 1 (default 4). */
  readonly maxDepth?: number;
  /** Largest header block of one part, in bytes (default 16 KiB). */
  readonly maxHeaderBytes?: number;
  /** Reject a body whose close delimiter (`--boundary--`) is missing (default false: tolerate). */
  readonly requireCloseDelimiter?: boolean;
}

/** A parsed Content-Type value. */
export interface ContentType {
  /** `type/subtype`, lower-case, e.g. `multipart/related`. */
  readonly type: string;
  /** Parameters with lower-case names; values unquoted, case kept. */
  readonly params: Readonly<Record<string, string>>;
}

/** One MIME part. For `multipart/*` parts, `parts` holds the children. */
export interface MimePart {
  /** Header fields, lower-case names, unfolded values; the first occurrence of a repeated field wins. */
  readonly headers: Readonly<Record<string, string>>;
  /** `type/subtype`, lower-case (`text/plain` when the part has no Content-Type). */
  readonly contentType: string;
  /** Content-Type parameters (lower-case names). */
  readonly params: Readonly<Record<string, string>>;
  /** `charset` parameter, lower-case. */
  readonly charset: string | undefined;
  /** Content-ID without angle brackets and surrounding spaces. */
  readonly contentId: string | undefined;
  /** Content-Location, trimmed. */
  readonly contentLocation: string | undefined;
  /** Content-Transfer-Encoding, lower-case. */
  readonly transferEncoding: string | undefined;
  /** Decoded content bytes. A view into the input for identity encodings: copy it to keep it past the request. */
  readonly body: Buffer;
  /** Bytes between the header block and the next delimiter, exactly as received (a view, no copy). */
  readonly raw: Buffer;
  /** Child parts when this part is `multipart/*`. */
  readonly parts: readonly MimePart[] | undefined;
}

/** The result of {@link parseMultipart}. */
export interface MimeMultipart {
  /** `multipart/<subtype>`, lower-case. */
  readonly contentType: string;
  /** Parameters of the top-level Content-Type (`boundary`, `type`, `start`, …). */
  readonly params: Readonly<Record<string, string>>;
  readonly boundary: string;
  readonly parts: readonly MimePart[];
  /** False when the close delimiter was missing (tolerated). */
  readonly closed: boolean;
}

const DEFAULTS = {
  maxBytes: 32 * 1024 * 1024,
  maxParts: 128,
  maxDepth: 4,
  maxHeaderBytes: 16 * 1024,
  requireCloseDelimiter: false,
} as const;

type Limits = {
  -readonly [K in keyof typeof DEFAULTS]: (typeof DEFAULTS)[K] extends boolean ? boolean : number;
};

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const HT = 0x09;
const DASH = 0x2d;
const HEADER_LINE = /^[!-9;-~]+:/;

/**
 * Parses a Content-Type header value. Parameter names are lower-cased; quoted values are unquoted
 * (backslash escapes honoured); RFC 2231 `name*=charset''value` is percent-decoded. Never throws:
 * garbage yields `undefined` (no `/` in the type) or skipped parameters.
 */
export function parseContentType(value: string | undefined): ContentType | undefined {
  if (value === undefined) return undefined;
  const semi = value.indexOf(';');
  const type = (semi < 0 ? value : value.slice(0, semi)).trim().toLowerCase();
  if (!/^[^\s/]+\/[^\s/]+$/.test(type)) return undefined;
  return { type, params: semi < 0 ? {} : parseParams(value, semi + 1) };
}

function parseParams(s: string, from: number): Record<string, string> {
  const params: Record<string, string> = {};
  let i = from;
  const n = s.length;
  while (i < n) {
    while (i < n && (s[i] === ';' || s[i] === ' ' || s[i] === '\t' || s[i] === '\r' || s[i] === '\n')) i++;
    if (i >= n) break;
    let j = i;
    while (j < n && s[j] !== '=' && s[j] !== ';') j++;
    const name = s.slice(i, j).trim().toLowerCase();
    if (j >= n || s[j] === ';') {
      i = j;
      continue;
    }
    j++;
    while (j < n && (s[j] === ' ' || s[j] === '\t')) j++;
    let val = '';
    if (s[j] === '"') {
      j++;
      while (j < n && s[j] !== '"') {
        if (s[j] === '\\' && j + 1 < n) j++;
        val += s[j];
        j++;
      }
      j++;
      while (j < n && s[j] !== ';') j++;
    } else {
      const k = j;
      while (j < n && s[j] !== ';') j++;
      val = s.slice(k, j).trim();
    }
    if (name.length > 0 && !Object.hasOwn(params, name)) {
      if (name.endsWith('*')) {
        params[name.slice(0, -1)] = decodeRfc2231(val);
      } else {
        params[name] = val;
      }
    }
    i = j;
  }
  return params;
}

function decodeRfc2231(v: string): string {
  const m = /^([^']*)'[^']*'(.*)$/.exec(v);
  const text = m?.[2] ?? v;
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Strips surrounding spaces and one pair of angle brackets: `< a@b >` → `a@b`. */
export function normalizeContentId(id: string): string {
  let s = id.trim();
  if (s.startsWith('<')) s = s.slice(1);
  if (s.endsWith('>')) s = s.slice(0, -1);
  return s.trim();
}

/**
 * Splits a multipart body. `contentTypeHeader` is the HTTP (or part) Content-Type; when it is absent
 * or has no boundary, the boundary comes from the body's first line.
 *
 * @throws HubError `HUB_ERR_MM7_MIME_MALFORMED` (MM7 4004) when no boundary or delimiter can be found;
 *   `HUB_ERR_MM7_MIME_LIMIT` (MM7 2004) when a limit is exceeded. Nothing else is thrown.
 */
export function parseMultipart(
  body: Buffer,
  contentTypeHeader: string | undefined,
  limits?: MimeLimits,
): MimeMultipart {
  const lim: Limits = { ...DEFAULTS, ...stripUndefined(limits) };
  if (body.length > lim.maxBytes) {
    throw new Errors.HUB_ERR_MM7_MIME_LIMIT(`body of ${body.length} bytes exceeds ${lim.maxBytes}`, {
      details: { limit: 'maxBytes', value: body.length, max: lim.maxBytes },
    });
  }
  const ct = parseContentType(contentTypeHeader);
  let boundary = ct?.params.boundary;
  if (boundary === undefined || boundary.length === 0) boundary = sniffBoundary(body);
  if (boundary === undefined) {
    throw new Errors.HUB_ERR_MM7_MIME_MALFORMED('no multipart boundary in Content-Type or body', {
      details: { reason: 'no boundary' },
    });
  }
  const type = ct?.type.startsWith('multipart/') ? ct.type : 'multipart/related';
  const counter = { parts: 0 };
  const { parts, closed } = splitLevel(body, 0, body.length, boundary, 1, lim, counter);
  return { contentType: type, params: ct?.params ?? { boundary }, boundary, parts, closed };
}

function stripUndefined<T extends object>(o: T | undefined): Partial<T> {
  if (o === undefined) return {};
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Boundary from the first line starting with `--` in the first 4 KiB (body-only captures, preamble allowed). */
function sniffBoundary(body: Buffer): string | undefined {
  const n = Math.min(body.length, 4096);
  let i = 0;
  while (i < n) {
    let e = body.indexOf(LF, i);
    if (e < 0 || e > n) e = n;
    if (body[i] === DASH && body[i + 1] === DASH) {
      const line = body.toString('latin1', i + 2, e).trimEnd();
      return line.length > 0 && line.length <= 200 && !line.endsWith('--') ? line : undefined;
    }
    i = e + 1;
  }
  return undefined;
}

/** Index of the next delimiter line (`--boundary` at a line start) in [from, end), or -1. */
function findDelimiter(buf: Buffer, delim: Buffer, from: number, regionStart: number, end: number): number {
  let idx = buf.indexOf(delim, from);
  while (idx >= 0 && idx + delim.length <= end) {
    if (idx === regionStart || buf[idx - 1] === LF) {
      let k = idx + delim.length;
      if (buf[k] === DASH && buf[k + 1] === DASH) return idx;
      while (k < end && (buf[k] === SP || buf[k] === HT)) k++;
      if (k >= end || buf[k] === CR || buf[k] === LF) return idx;
    }
    idx = buf.indexOf(delim, idx + 1);
  }
  return -1;
}

function splitLevel(
  buf: Buffer,
  start: number,
  end: number,
  boundary: string,
  depth: number,
  lim: Limits,
  counter: { parts: number },
): { parts: MimePart[]; closed: boolean } {
  if (depth > lim.maxDepth) {
    throw new Errors.HUB_ERR_MM7_MIME_LIMIT(`multipart nesting deeper than ${lim.maxDepth}`, {
      details: { limit: 'maxDepth', max: lim.maxDepth },
    });
  }
  const delim = Buffer.from(`--${boundary}`, 'latin1');
  let pos = findDelimiter(buf, delim, start, start, end);
  if (pos < 0) {
    throw new Errors.HUB_ERR_MM7_MIME_MALFORMED(`no delimiter line for boundary "${boundary}"`, {
      details: { reason: 'delimiter not found', boundary },
    });
  }
  const parts: MimePart[] = [];
  let closed = false;
  for (;;) {
    let i = pos + delim.length;
    if (buf[i] === DASH && buf[i + 1] === DASH) {
      closed = true;
      break;
    }
    while (i < end && buf[i] !== LF) i++;
    const partStart = Math.min(i + 1, end);
    const next = findDelimiter(buf, delim, partStart, start, end);
    let partEnd = next < 0 ? end : next;
    if (next >= 0) {
      if (partEnd > partStart && buf[partEnd - 1] === LF) partEnd--;
      if (partEnd > partStart && buf[partEnd - 1] === CR) partEnd--;
    }
    if (++counter.parts > lim.maxParts) {
      throw new Errors.HUB_ERR_MM7_MIME_LIMIT(`more than ${lim.maxParts} MIME parts`, {
        details: { limit: 'maxParts', max: lim.maxParts },
      });
    }
    parts.push(parsePart(buf, partStart, partEnd, depth, lim, counter));
    if (next < 0) break;
    pos = next;
  }
  if (!closed && lim.requireCloseDelimiter) {
    throw new Errors.HUB_ERR_MM7_MIME_MALFORMED(`missing close delimiter for boundary "${boundary}"`, {
      details: { reason: 'missing close delimiter', boundary },
    });
  }
  return { parts, closed };
}

function decodeHeaderValue(v: string): string {
  // Header bytes were read as latin1; re-read non-ASCII as UTF-8 (the common case for MMS filenames).
  return /[^\x00-\x7f]/.test(v) ? Buffer.from(v, 'latin1').toString('utf8') : v;
}

function parsePart(
  buf: Buffer,
  start: number,
  end: number,
  depth: number,
  lim: Limits,
  counter: { parts: number },
): MimePart {
  const headers: Record<string, string> = {};
  let i = start;
  let bodyStart = end;
  let last: string | undefined;
  while (i < end) {
    let le = buf.indexOf(LF, i);
    if (le < 0 || le > end) le = end;
    const lineEnd = le > i && buf[le - 1] === CR ? le - 1 : le;
    if (lineEnd === i) {
      bodyStart = Math.min(le + 1, end);
      break;
    }
    if (le - start > lim.maxHeaderBytes) {
      throw new Errors.HUB_ERR_MM7_MIME_LIMIT(`part header block larger than ${lim.maxHeaderBytes} bytes`, {
        details: { limit: 'maxHeaderBytes', max: lim.maxHeaderBytes },
      });
    }
    const line = buf.toString('latin1', i, lineEnd);
    const c = line.charCodeAt(0);
    if ((c === SP || c === HT) && last !== undefined) {
      headers[last] = `${headers[last]} ${line.trim()}`.trim();
    } else if (HEADER_LINE.test(line)) {
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).toLowerCase();
      if (Object.hasOwn(headers, name)) {
        last = undefined;
      } else {
        headers[name] = decodeHeaderValue(line.slice(colon + 1).trim());
        last = name;
      }
    } else {
      bodyStart = i; // no blank line after the headers: this line is already content
      break;
    }
    i = le + 1;
  }
  const raw = buf.subarray(bodyStart, Math.max(bodyStart, end));
  const ct = parseContentType(headers['content-type']);
  const contentType = ct?.type ?? 'text/plain';
  const params = ct?.params ?? {};
  const cte = headers['content-transfer-encoding']?.trim().toLowerCase();
  const cid = headers['content-id'];
  let parts: MimePart[] | undefined;
  if (contentType.startsWith('multipart/') && params.boundary && raw.length > 0) {
    // A nested multipart whose delimiter never appears stays an opaque part rather than failing the request.
    const nestedDelim = Buffer.from(`--${params.boundary}`, 'latin1');
    if (findDelimiter(buf, nestedDelim, bodyStart, bodyStart, end) >= 0) {
      parts = splitLevel(buf, bodyStart, end, params.boundary, depth + 1, lim, counter).parts;
    }
  }
  return {
    headers,
    contentType,
    params,
    charset: params.charset?.toLowerCase(),
    contentId: cid === undefined ? undefined : normalizeContentId(cid),
    contentLocation: headers['content-location']?.trim(),
    transferEncoding: cte,
    body: decodeTransfer(raw, cte),
    raw,
    parts,
  };
}

function decodeTransfer(raw: Buffer, cte: string | undefined): Buffer {
  if (cte === 'base64') return decodeBase64(raw);
  if (cte === 'quoted-printable') return decodeQuotedPrintable(raw);
  return raw;
}

// V8 keeps strings above 128 KiB in large-object space: building one costs about 15 times as much as two
// of half the size (measured: a 136 KiB latin1 string 175 µs, two of 68 KiB 11 µs) and feeds major GCs.
// Base64 bodies above BASE64_WHOLE (a 100 KB image) are therefore decoded in slices that end after a line
// break, each checked to hold only whole 4-character groups of the alphabet and line breaks, so the
// slices decode to exactly the bytes of the one-string decode; a slice that is not so (spaces, junk,
// padding inside) sends the whole body through the one-string decode, as before.
const BASE64_WHOLE = 96 * 1024;
const BASE64_SLICE = 64 * 1024;

/** Decodes base64 bytes to exactly what `Buffer.from(text, 'base64')` makes of them (lenient: line breaks and junk skipped). */
export function decodeBase64(body: Buffer): Buffer {
  if (body.length <= BASE64_WHOLE) return Buffer.from(body.toString('latin1'), 'base64');
  const out = Buffer.allocUnsafe(Math.ceil((body.length * 3) / 4));
  let o = 0;
  let start = 0;
  while (body.length - start > BASE64_WHOLE) {
    const lf = body.indexOf(LF, start + BASE64_SLICE);
    if (lf === -1) break;
    const s = body.toString('latin1', start, lf + 1);
    let breaks = 0;
    for (let k = s.indexOf('\n'); k !== -1; k = s.indexOf('\n', k + 1))
      breaks += k > 0 && s.charCodeAt(k - 1) === CR ? 2 : 1;
    const chars = s.length - breaks;
    const n = chars % 4 === 0 ? out.write(s, o, 'base64') : -1;
    if (n !== (chars / 4) * 3) return Buffer.from(body.toString('latin1'), 'base64');
    o += n;
    start = lf + 1;
  }
  o += out.write(body.toString('latin1', start), o, 'base64');
  return out.subarray(0, o);
}

function hexVal(c: number | undefined): number {
  if (c === undefined) return -1;
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/** Decodes quoted-printable bytes (RFC 2045 §6.7); malformed escapes are kept literally. */
export function decodeQuotedPrintable(raw: Buffer): Buffer {
  const out = Buffer.allocUnsafe(raw.length);
  let o = 0;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i] as number;
    if (c !== 0x3d) {
      out[o++] = c;
      continue;
    }
    // soft line break: "=" then optional whitespace then CRLF/LF
    let k = i + 1;
    while (raw[k] === SP || raw[k] === HT) k++;
    if (raw[k] === CR && raw[k + 1] === LF) {
      i = k + 1;
      continue;
    }
    if (raw[k] === LF) {
      i = k;
      continue;
    }
    if (k >= raw.length) break;
    const h = hexVal(raw[i + 1]);
    const l = hexVal(raw[i + 2]);
    if (h >= 0 && l >= 0) {
      out[o++] = (h << 4) | l;
      i += 2;
    } else {
      out[o++] = c;
    }
  }
  return out.subarray(0, o);
}

/** Finds a part (depth-first, including nested parts) by Content-ID (brackets/spaces ignored; exact, then case-insensitive). */
export function findPartByContentId(parts: readonly MimePart[], id: string): MimePart | undefined {
  const want = normalizeContentId(id);
  return (
    findPart(parts, (p) => p.contentId === want) ??
    findPart(parts, (p) => p.contentId?.toLowerCase() === want.toLowerCase())
  );
}

/** Finds a part (depth-first) by Content-Location (exact, then case-insensitive). */
export function findPartByLocation(parts: readonly MimePart[], location: string): MimePart | undefined {
  const want = location.trim();
  return (
    findPart(parts, (p) => p.contentLocation === want) ??
    findPart(parts, (p) => p.contentLocation?.toLowerCase() === want.toLowerCase())
  );
}

function findPart(parts: readonly MimePart[], pred: (p: MimePart) => boolean): MimePart | undefined {
  for (const p of parts) if (pred(p)) return p;
  for (const p of parts) {
    if (p.parts !== undefined) {
      const hit = findPart(p.parts, pred);
      if (hit !== undefined) return hit;
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------
// Building

/** One part to build. A `multipart/*` part takes `parts` (its boundary is generated unless given). */
export interface MimePartInput {
  /** Full Content-Type value, e.g. `text/plain; charset=utf-8` or `multipart/related; type="application/smil"`. */
  readonly contentType: string;
  /** Content-ID without brackets; written as `<id>`. */
  readonly contentId?: string;
  readonly contentLocation?: string;
  /** Extra header fields (e.g. `Content-Disposition`), written as given after the standard ones. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Default: `8bit` for text and XML/SMIL types, `base64` otherwise; ignored for multipart parts. */
  readonly transferEncoding?: 'base64' | 'binary' | '8bit' | '7bit';
  /** Content bytes (strings are UTF-8 encoded). */
  readonly body?: Buffer | string;
  /** Children of a multipart part. */
  readonly parts?: readonly MimePartInput[];
  /** Boundary for a multipart part (default: generated). */
  readonly boundary?: string;
}

/** A built multipart entity: the Content-Type header value and the body bytes. */
export interface MimeEntity {
  readonly contentType: string;
  readonly body: Buffer;
}

/** Options of {@link buildMultipartRelated}. */
export interface BuildRelatedOptions {
  /** Content-ID of the root part (default: the first part's Content-ID). */
  readonly start?: string;
  /** `type` parameter: the root part's media type (default `text/xml`). */
  readonly type?: string;
  /** Boundary (default: generated). Must not occur in any part. */
  readonly boundary?: string;
}

const TEXTUAL = /^(text\/|application\/(smil|xml|soap\+xml|xhtml\+xml)|[^;]*\+xml)/i;

function newBoundary(): string {
  return `----=_Hub_${randomUUID()}`;
}

function sanitizeHeader(v: string): string {
  return v.replace(/[\r\n]+/g, ' ');
}

function quoteParam(v: string): string {
  return `"${v.replace(/["\\]/g, '\\$&')}"`;
}

function encodePart(p: MimePartInput): Buffer[] {
  const isMulti = p.parts !== undefined;
  let contentType = sanitizeHeader(p.contentType);
  let body: Buffer;
  let cte: string | undefined;
  if (isMulti) {
    const boundary = p.boundary ?? newBoundary();
    const inner = encodeMultipart(p.parts ?? [], boundary, p.boundary !== undefined);
    if (!/;\s*boundary=/i.test(contentType)) contentType += `; boundary=${quoteParam(inner.boundary)}`;
    body = inner.body;
  } else {
    const b = p.body ?? Buffer.alloc(0);
    const bytes = typeof b === 'string' ? Buffer.from(b, 'utf8') : b;
    cte = p.transferEncoding ?? (TEXTUAL.test(contentType) ? '8bit' : 'base64');
    body = cte === 'base64' ? Buffer.from(wrapBase64(bytes.toString('base64')), 'latin1') : bytes;
  }
  let head = `Content-Type: ${contentType}\r\n`;
  if (cte !== undefined) head += `Content-Transfer-Encoding: ${cte}\r\n`;
  if (p.contentId !== undefined)
    head += `Content-ID: <${sanitizeHeader(normalizeContentId(p.contentId))}>\r\n`;
  if (p.contentLocation !== undefined) head += `Content-Location: ${sanitizeHeader(p.contentLocation)}\r\n`;
  for (const [k, v] of Object.entries(p.headers ?? {}))
    head += `${sanitizeHeader(k)}: ${sanitizeHeader(v)}\r\n`;
  return [Buffer.from(`${head}\r\n`, 'utf8'), body];
}

function wrapBase64(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i += 76) out += `${s.slice(i, i + 76)}\r\n`;
  return out.endsWith('\r\n') ? out.slice(0, -2) : out;
}

function encodeMultipart(
  parts: readonly MimePartInput[],
  boundary: string,
  fixed: boolean,
): { boundary: string; body: Buffer } {
  const encoded = parts.map(encodePart);
  for (let attempt = 0; ; attempt++) {
    const delim = Buffer.from(`--${boundary}`, 'latin1');
    if (!encoded.some((chunks) => chunks.some((c) => c.includes(delim)))) break;
    if (fixed || attempt > 3) {
      throw new Errors.HUB_ERR_MM7_ENCODE(`boundary "${boundary}" occurs in the content`);
    }
    boundary = newBoundary();
  }
  const chunks: Buffer[] = [];
  for (const c of encoded)
    chunks.push(Buffer.from(`--${boundary}\r\n`, 'latin1'), ...c, Buffer.from('\r\n', 'latin1'));
  chunks.push(Buffer.from(`--${boundary}--\r\n`, 'latin1'));
  return { boundary, body: Buffer.concat(chunks) };
}

/**
 * Builds a `multipart/related` entity whose root (`start`) part is the SOAP envelope: the MM7 shape
 * `multipart/related; boundary=…; type="text/xml"; start="<root>"`. Lines end in CRLF.
 *
 * @throws HubError `HUB_ERR_MM7_ENCODE` when a caller-given boundary occurs inside a part.
 */
export function buildMultipartRelated(
  parts: readonly MimePartInput[],
  options?: BuildRelatedOptions,
): MimeEntity {
  const start = options?.start ?? parts[0]?.contentId;
  const { boundary, body } = encodeMultipart(
    parts,
    options?.boundary ?? newBoundary(),
    options?.boundary !== undefined,
  );
  let contentType = `multipart/related; boundary=${quoteParam(boundary)}; type=${quoteParam(options?.type ?? 'text/xml')}`;
  if (start !== undefined) contentType += `; start=${quoteParam(`<${normalizeContentId(start)}>`)}`;
  return { contentType, body };
}

/**
 * Builds one MIME part (headers + body, no delimiter), e.g. a nested `multipart/mixed` content part.
 * Returned as an entity whose `contentType` includes the generated boundary for multipart parts.
 */
export function buildMultipart(
  subtype: 'related' | 'mixed' | 'alternative',
  parts: readonly MimePartInput[],
  boundary?: string,
): MimeEntity {
  const enc = encodeMultipart(parts, boundary ?? newBoundary(), boundary !== undefined);
  return { contentType: `multipart/${subtype}; boundary=${quoteParam(enc.boundary)}`, body: enc.body };
}
