import { isUtf8 } from 'node:buffer';
import { decodeCharset } from './charset.js';
import { decodeEncodedWords } from './rfc2047.js';

/** One header field as received: name as written, value unfolded (line breaks removed) and trimmed. */
export interface HeaderField {
  readonly name: string;
  readonly value: string;
}

/**
 * An ordered, case-insensitive view of a header block. Duplicates are kept in order; `get` returns
 * the first. Lookups are case-insensitive, which also covers peers' `-ID` / `-Id` spellings.
 */
export class Headers {
  readonly fields: readonly HeaderField[];
  private readonly index = new Map<string, string[]>();

  constructor(fields: readonly HeaderField[]) {
    this.fields = fields;
    for (const f of fields) {
      const key = f.name.toLowerCase();
      const list = this.index.get(key);
      if (list === undefined) this.index.set(key, [f.value]);
      else list.push(f.value);
    }
  }

  /** First value of `name` (raw, unfolded), or `undefined`. */
  get(name: string): string | undefined {
    return this.index.get(name.toLowerCase())?.[0];
  }

  /** Every value of `name`, in order (empty when absent). */
  getAll(name: string): readonly string[] {
    return this.index.get(name.toLowerCase()) ?? [];
  }

  /** True when `name` occurs at least once. */
  has(name: string): boolean {
    return this.index.has(name.toLowerCase());
  }

  /** First value of `name` with RFC 2047 encoded-words decoded (for Subject and other free text). */
  text(name: string): string | undefined {
    const v = this.get(name);
    return v === undefined ? undefined : decodeEncodedWords(v);
  }

  /**
   * First value of `name` as an identifier: surrounding double quotes stripped (Hot Mobile and Mbuni
   * quote `X-Mms-Transaction-ID`), inner whitespace kept. Empty values count as absent.
   */
  id(name: string): string | undefined {
    const v = this.get(name);
    if (v === undefined) return undefined;
    const s = unquote(v.trim()).trim();
    return s === '' ? undefined : s;
  }
}

/** Removes one pair of surrounding double quotes and backslash escapes inside them. */
export function unquote(s: string): string {
  if (s.length >= 2 && s.startsWith('"') && s.endsWith('"')) return s.slice(1, -1).replace(/\\(.)/g, '$1');
  return s;
}

/** Result of {@link parseHeaderBlock}. */
export interface HeaderBlock {
  readonly headers: Headers;
  /** Offset in the input where the body starts (after the blank line), or `end` when there is none. */
  readonly bodyStart: number;
}

const LF = 0x0a;
const CR = 0x0d;

function isHeaderName(line: string): number {
  // Returns the colon index when `line` starts with a valid field name (printable ASCII, no colon).
  const colon = line.indexOf(':');
  if (colon <= 0) return -1;
  for (let i = 0; i < colon; i++) {
    const c = line.charCodeAt(i);
    if (c < 33 || c > 126) return -1;
  }
  return colon;
}

/**
 * Parses an RFC 5322 header block from `buf[start, end)`. Accepts CRLF or bare LF, unfolds
 * continuation lines (a whitespace-only continuation is simply empty), and stops at the first empty
 * line. Lenient by design: a line that is neither a field nor a continuation ends the block and
 * starts the body (some peers omit the blank line). Header bytes are read as UTF-8 when valid,
 * otherwise as Latin-1, so raw 8-bit headers never throw. Never throws.
 */
export function parseHeaderBlock(buf: Buffer, start = 0, end = buf.length): HeaderBlock {
  const fields: HeaderField[] = [];
  let name: string | undefined;
  let value = '';
  let pos = start;
  const push = (): void => {
    if (name !== undefined) fields.push({ name, value: value.trim() });
    name = undefined;
  };
  while (pos < end) {
    let eol = buf.indexOf(LF, pos);
    if (eol === -1 || eol >= end) eol = end;
    const lineEnd = eol > pos && buf[eol - 1] === CR ? eol - 1 : eol;
    const next = Math.min(eol + 1, end);
    if (lineEnd === pos) {
      push();
      return { headers: new Headers(fields), bodyStart: next };
    }
    const bytes = buf.subarray(pos, lineEnd);
    const line = isUtf8(bytes) ? bytes.toString('utf8') : bytes.toString('latin1');
    const first = line.charCodeAt(0);
    if (first === 0x20 || first === 0x09) {
      // Continuation (possibly whitespace-only); one before any field is ignored.
      if (name !== undefined) value += line;
    } else {
      const colon = isHeaderName(line);
      if (colon === -1) {
        // Not a header: the body starts here (a peer omitted the blank line).
        push();
        return { headers: new Headers(fields), bodyStart: pos };
      }
      push();
      name = line.slice(0, colon).trim();
      value = line.slice(colon + 1);
    }
    pos = next;
  }
  push();
  return { headers: new Headers(fields), bodyStart: end };
}

/** A parsed `Content-Type` / `Content-Disposition` style value. */
export interface ParameterizedValue {
  /** The main value, lower-cased and trimmed (`multipart/related`, `attachment`). */
  readonly value: string;
  /** Parameters by lower-cased name; values unquoted, RFC 2231 continuations and charsets decoded. */
  readonly params: Readonly<Record<string, string>>;
}

function splitParams(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (quoted) {
      cur += c;
      if (c === '\\' && i + 1 < s.length) cur += s[++i];
      else if (c === '"') quoted = false;
    } else if (c === '"') {
      quoted = true;
      cur += c;
    } else if (c === ';') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

function pctDecode(s: string, charset: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25 && /^[0-9A-Fa-f]{2}$/.test(s.slice(i + 1, i + 3))) {
      bytes.push(Number.parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      for (const b of Buffer.from(s[i] as string, 'utf8')) bytes.push(b);
    }
  }
  const buf = Buffer.from(bytes);
  return decodeCharset(buf, charset === '' ? 'utf-8' : charset) ?? buf.toString('latin1');
}

/**
 * Parses `type/subtype; a=b; c="d"` (also `Content-Disposition`). Parameter names are
 * case-insensitive (`Start=`, `Type=`, `Charset=` are common), values may be quoted or bare,
 * RFC 2231 `name*=utf-8''%E2%82%AC` and `name*0=`/`name*1*=` continuations are joined and decoded,
 * and RFC 2047 words in quoted values (a common `name="=?UTF-8?…"` habit) are decoded. Never throws.
 */
export function parseParameterized(raw: string): ParameterizedValue {
  const [head = '', ...rest] = splitParams(raw);
  const params: Record<string, string> = {};
  const continued = new Map<string, Array<{ n: number; v: string; ext: boolean }>>();
  for (const p of rest) {
    const eq = p.indexOf('=');
    if (eq === -1) continue;
    let name = p.slice(0, eq).trim().toLowerCase();
    let v = p.slice(eq + 1).trim();
    const quoted = v.startsWith('"');
    v = unquote(v);
    if (name === '') continue;
    const m = /^(.*?)\*(?:(\d+)(\*)?)?$/.exec(name);
    if (m !== null && name.includes('*')) {
      name = m[1] ?? name;
      const n = m[2] === undefined ? 0 : Number(m[2]);
      const ext = m[2] === undefined ? true : m[3] === '*';
      const list = continued.get(name) ?? [];
      list.push({ n, v, ext });
      continued.set(name, list);
      continue;
    }
    if (!(name in params)) params[name] = quoted ? decodeEncodedWords(v) : v;
  }
  for (const [name, list] of continued) {
    list.sort((a, b) => a.n - b.n);
    let charset = '';
    let out = '';
    for (const [i, seg] of list.entries()) {
      let v = seg.v;
      if (seg.ext) {
        if (i === 0) {
          const parts = /^([^']*)'[^']*'(.*)$/.exec(v);
          if (parts !== null) {
            charset = parts[1] ?? '';
            v = parts[2] ?? '';
          }
        }
        out += pctDecode(v, charset);
      } else out += v;
    }
    params[name] = out; // RFC 2231 form wins over a plain duplicate
  }
  return { value: head.trim().toLowerCase(), params };
}

/** Strips `<…>` (and surrounding quotes/space) from a Content-ID or Message-ID. */
export function stripAngle(id: string): string {
  let s = unquote(id.trim()).trim();
  if (s.startsWith('<')) s = s.slice(1);
  if (s.endsWith('>')) s = s.slice(0, -1);
  return s.trim();
}
