import { decodeCharset } from './charset.js';

// =?charset[*lang]?B|Q?text?=  (RFC 2047, language suffix from RFC 2231 §5)
const ENCODED_WORD = /=\?([^?\s*]+)(?:\*[^?\s]*)?\?([bBqQ])\?([^?\s]*)\?=/g;

function qDecode(text: string): Buffer {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5f) out.push(0x20);
    else if (c === 0x3d && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) {
      out.push(Number.parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else out.push(c & 0xff);
  }
  return Buffer.from(out);
}

/**
 * Decodes RFC 2047 encoded-words in an unstructured header value. Whitespace between adjacent
 * encoded-words is dropped, and adjacent words in the same charset are joined as bytes first, so a
 * multibyte character split across two words survives. Words in an unknown charset stay as written.
 * Never throws.
 */
export function decodeEncodedWords(value: string): string {
  if (!value.includes('=?')) return value;
  let out = '';
  let last = 0;
  let seenWord = false;
  let pending: { charset: string; bytes: Buffer[]; raw: string } | undefined;
  const flush = (): void => {
    if (pending === undefined) return;
    const text = decodeCharset(Buffer.concat(pending.bytes), pending.charset);
    out += text ?? pending.raw;
    pending = undefined;
  };
  for (const m of value.matchAll(ENCODED_WORD)) {
    const between = value.slice(last, m.index);
    const charset = (m[1] ?? '').toLowerCase();
    const bytes =
      (m[2] ?? '').toLowerCase() === 'b' ? Buffer.from(m[3] ?? '', 'base64') : qDecode(m[3] ?? '');
    if (pending !== undefined && /^\s*$/.test(between) && pending.charset === charset) {
      pending.bytes.push(bytes);
      pending.raw += m[0];
    } else {
      flush();
      // Linear whitespace between two encoded-words is not part of the text (RFC 2047 §6.2).
      if (!(seenWord && /^\s*$/.test(between))) out += between;
      pending = { charset, bytes: [bytes], raw: m[0] };
    }
    seenWord = true;
    last = m.index + m[0].length;
  }
  flush();
  return out + value.slice(last);
}

/**
 * Encodes `text` for an unstructured header (e.g. Subject): ASCII without control characters is
 * returned as is; anything else becomes `=?UTF-8?B?…?=` words of at most 75 characters, split on
 * character boundaries and separated by a folding `\r\n ` so no header line exceeds 78 characters.
 * ASCII containing `=?` is encoded too, or the receiver would decode a literal `=?…?=` (RFC 2047 §5).
 */
export function encodeEncodedWords(text: string): string {
  if (/^[\x20-\x7e]*$/.test(text) && !text.includes('=?')) return text;
  // 75 - len('=?UTF-8?B?') - len('?=') = 63 base64 chars → at most 45 bytes per word (multiple of 3).
  const maxBytes = 45;
  const words: string[] = [];
  let chunk: Buffer[] = [];
  let size = 0;
  for (const ch of text) {
    const b = Buffer.from(ch, 'utf8');
    if (size + b.length > maxBytes && size > 0) {
      words.push(`=?UTF-8?B?${Buffer.concat(chunk).toString('base64')}?=`);
      chunk = [];
      size = 0;
    }
    chunk.push(b);
    size += b.length;
  }
  if (size > 0) words.push(`=?UTF-8?B?${Buffer.concat(chunk).toString('base64')}?=`);
  return words.join('\r\n ');
}
