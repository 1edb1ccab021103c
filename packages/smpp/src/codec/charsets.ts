/**
 * Character sets used in SMPP short_message / message_payload, as pure Buffer ⇄ string codecs.
 *
 * - GSM 03.38 (3GPP TS 23.038 §6.2.1) default alphabet + escape extension table, **unpacked** (one septet per
 *   octet: what SMPP data_coding 0 carries) and **packed** (septets in octets, with UDH fill bits).
 * - IA5/ASCII (dc 1), Latin-1 (dc 3), UCS-2/UTF-16BE (dc 8), strict KS C 5601 / EUC-KR (dc 14).
 *
 * Encoders never substitute: an unencodable character throws `HUB_ERR_SMPP_UNENCODABLE` with
 * `details.index` / `details.codePoint`; callers pick another coding (usually UCS-2) or refuse the message.
 * Strict decoders throw `HUB_ERR_SMPP_UNDECODABLE`; pass `{strict: false}` to get replacement characters.
 * All lookups are table-driven (no per-character regex): this runs on every message at 10k+ msg/s.
 */
import { Errors } from '@hub/errors';
import iconv from 'iconv-lite';

/** A text charset Hub can encode and decode, plus `binary` (bytes kept as they are). */
export type Charset = 'gsm7' | 'ascii' | 'latin1' | 'ucs2' | 'ksc5601' | 'binary';

/** Options for the decoders. */
export interface DecodeOptions {
  /**
   * `true` (default): invalid input throws `HUB_ERR_SMPP_UNDECODABLE`. `false`: best effort (U+FFFD or
   * the nearest character), for logging or for peers known to send junk.
   */
  readonly strict?: boolean;
}

// ---------------------------------------------------------------------------------------------
// GSM 03.38
// ---------------------------------------------------------------------------------------------

/** The escape septet that selects the extension table. */
export const GSM7_ESCAPE = 0x1b;

// biome-ignore format: 16 per row, like the table in TS 23.038
/** GSM 03.38 default alphabet, indexed by septet (0x1B is the escape, shown as a space if it stands alone). */
export const GSM7_BASIC: readonly string[] = [
  '@', '£', '$', '¥', 'è', 'é', 'ù', 'ì', 'ò', 'Ç', '\n', 'Ø', 'ø', '\r', 'Å', 'å',
  'Δ', '_', 'Φ', 'Γ', 'Λ', 'Ω', 'Π', 'Ψ', 'Σ', 'Θ', 'Ξ', ' ', 'Æ', 'æ', 'ß', 'É',
  ' ', '!', '"', '#', '¤', '%', '&', "'", '(', ')', '*', '+', ',', '-', '.', '/',
  '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', ':', ';', '<', '=', '>', '?',
  '¡', 'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O',
  'P', 'Q', 'R', 'S', 'T', 'U', 'V', 'W', 'X', 'Y', 'Z', 'Ä', 'Ö', 'Ñ', 'Ü', '§',
  '¿', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o',
  'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z', 'ä', 'ö', 'ñ', 'ü', 'à',
];

/** GSM 03.38 extension table: septet following 0x1B → character. Each costs 2 septets. */
export const GSM7_EXTENSION: ReadonlyMap<number, string> = new Map([
  [0x0a, '\f'],
  [0x14, '^'],
  [0x28, '{'],
  [0x29, '}'],
  [0x2f, '\\'],
  [0x3c, '['],
  [0x3d, '~'],
  [0x3e, ']'],
  [0x40, '|'],
  [0x65, '€'],
]);

// UTF-16 code unit → septet (0..0x7F), 0x100 | septet for escaped characters, -1 for not encodable.
const GSM_ENC = new Int16Array(0x10000).fill(-1);
// Septet → decoded char for the extension table (undefined: not in the table).
const GSM_EXT_DEC: Array<string | undefined> = new Array(128).fill(undefined);
for (let i = 0; i < 128; i++) {
  if (i !== GSM7_ESCAPE) GSM_ENC[(GSM7_BASIC[i] as string).charCodeAt(0)] = i;
}
for (const [septet, ch] of GSM7_EXTENSION) {
  GSM_ENC[ch.charCodeAt(0)] = 0x100 | septet;
  GSM_EXT_DEC[septet] = ch;
}

function unencodable(charset: string, text: string, index: number): never {
  const cp = text.codePointAt(index) ?? 0;
  throw new Errors.HUB_ERR_SMPP_UNENCODABLE(
    charset,
    `U+${cp.toString(16).toUpperCase().padStart(4, '0')} at index ${index}`,
    { details: { charset, index, codePoint: cp } },
  );
}

function undecodable(charset: string, why: string, offset: number): never {
  throw new Errors.HUB_ERR_SMPP_UNDECODABLE(charset, why, { details: { charset, offset } });
}

/** True when every character of `text` is in the GSM 03.38 default alphabet or its extension table. */
export function isGsmEncodable(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (GSM_ENC[text.charCodeAt(i)] === -1) return false;
  return true;
}

/** Septets `text` needs in GSM 03.38 (extension characters count 2), or -1 if it is not GSM-encodable. */
export function gsmSeptetLength(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const v = GSM_ENC[text.charCodeAt(i)] as number;
    if (v === -1) return -1;
    n += v > 0xff ? 2 : 1;
  }
  return n;
}

/**
 * Septet weight of one UTF-16 code unit: 1, 2 (escaped) or 0 (not in GSM 03.38). Used by segment counting
 * for charsets that SMSCs transcode to GSM on the air interface.
 */
export function gsmCodeUnitWeight(codeUnit: number): 0 | 1 | 2 {
  const v = GSM_ENC[codeUnit] as number;
  return v === -1 ? 0 : v > 0xff ? 2 : 1;
}

/**
 * GSM 03.38 unpacked: one septet per octet, escapes as `1B xx`. This is SMPP data_coding 0.
 * Throws `HUB_ERR_SMPP_UNENCODABLE` on the first character outside the alphabet.
 */
export function encodeGsm7(text: string): Buffer {
  const out = Buffer.allocUnsafe(text.length * 2);
  let o = 0;
  for (let i = 0; i < text.length; i++) {
    const v = GSM_ENC[text.charCodeAt(i)] as number;
    if (v === -1) unencodable('GSM 03.38', text, i);
    if (v > 0xff) {
      out[o++] = GSM7_ESCAPE;
      out[o++] = v & 0x7f;
    } else out[o++] = v;
  }
  return out.subarray(0, o);
}

/**
 * Decodes unpacked GSM 03.38 septets. Per TS 23.038: an escape followed by a septet missing from the
 * extension table shows the basic-table character; `1B 1B` and a trailing lone `1B` show a space.
 * Octets above 0x7F are not septets: strict mode throws `HUB_ERR_SMPP_UNDECODABLE`, lenient mode drops bit 7.
 */
export function decodeGsm7(bytes: Uint8Array, opts?: DecodeOptions): string {
  const strict = opts?.strict ?? true;
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    let b = bytes[i] as number;
    if (b > 0x7f) {
      if (strict) undecodable('GSM 03.38', `octet 0x${b.toString(16)} is not a septet`, i);
      b &= 0x7f;
    }
    if (b !== GSM7_ESCAPE) {
      out += GSM7_BASIC[b] as string;
      continue;
    }
    if (i + 1 >= bytes.length) {
      out += ' ';
      continue;
    }
    let n = bytes[++i] as number;
    if (n > 0x7f) {
      if (strict) undecodable('GSM 03.38', `octet 0x${n.toString(16)} is not a septet`, i);
      n &= 0x7f;
    }
    out += n === GSM7_ESCAPE ? ' ' : (GSM_EXT_DEC[n] ?? (GSM7_BASIC[n] as string));
  }
  return out;
}

/** Fill bits needed after a UDH of `udhOctets` octets (UDHL included) so the first septet starts on a septet boundary. */
export function gsmFillBits(udhOctets: number): number {
  return (7 - ((udhOctets * 8) % 7)) % 7;
}

/**
 * Packs septets (0x00–0x7F each) into octets, LSB first (TS 23.038 §6.1.2.1.1), after `fillBits` (0–6) zero
 * bits. The result holds only the packed user data; prepend the UDH yourself.
 */
export function packGsm7(septets: Uint8Array, fillBits = 0): Buffer {
  const totalBits = fillBits + septets.length * 7;
  const out = Buffer.alloc((totalBits + 7) >> 3);
  let bit = fillBits;
  for (let i = 0; i < septets.length; i++) {
    const s = (septets[i] as number) & 0x7f;
    const idx = bit >> 3;
    const shift = bit & 7;
    out[idx] = (out[idx] as number) | ((s << shift) & 0xff);
    if (shift > 1) out[idx + 1] = s >> (8 - shift);
    bit += 7;
  }
  return out;
}

/**
 * Unpacks septets from packed octets, skipping `fillBits`. `septetCount` (TP-UDL minus the UDH) defaults to
 * as many whole septets as fit, which can add a trailing `@` when 7 spare bits remain.
 */
export function unpackGsm7(packed: Uint8Array, septetCount?: number, fillBits = 0): Buffer {
  const fit = Math.floor((packed.length * 8 - fillBits) / 7);
  const n = septetCount ?? fit;
  if (n > fit || n < 0)
    undecodable('GSM 03.38 packed', `${n} septets do not fit in ${packed.length} octets`, 0);
  const out = Buffer.allocUnsafe(n);
  let bit = fillBits;
  for (let i = 0; i < n; i++) {
    const idx = bit >> 3;
    const shift = bit & 7;
    let v = (packed[idx] as number) >> shift;
    if (shift > 1) v |= (packed[idx + 1] as number) << (8 - shift);
    out[i] = v & 0x7f;
    bit += 7;
  }
  return out;
}

/** GSM 03.38 packed encoding of `text` (see {@link encodeGsm7} for errors). */
export function encodeGsm7Packed(text: string, fillBits = 0): Buffer {
  return packGsm7(encodeGsm7(text), fillBits);
}

/** Decodes packed GSM 03.38 (see {@link unpackGsm7} and {@link decodeGsm7}). */
export function decodeGsm7Packed(packed: Uint8Array, septetCount?: number, fillBits = 0): string {
  return decodeGsm7(unpackGsm7(packed, septetCount, fillBits));
}

// ---------------------------------------------------------------------------------------------
// ASCII, Latin-1, UCS-2
// ---------------------------------------------------------------------------------------------

/** IA5 / ASCII (dc 1): real ASCII, one octet per character. Anything above U+007F throws `HUB_ERR_SMPP_UNENCODABLE`. */
export function encodeAscii(text: string): Buffer {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) unencodable('ASCII', text, i);
  return Buffer.from(text, 'latin1');
}

/** Decodes ASCII; octets above 0x7F throw (strict) or are read as Latin-1 (lenient). */
export function decodeAscii(bytes: Uint8Array, opts?: DecodeOptions): string {
  if (opts?.strict ?? true) {
    for (let i = 0; i < bytes.length; i++) {
      if ((bytes[i] as number) > 0x7f)
        undecodable('ASCII', `octet 0x${(bytes[i] as number).toString(16)}`, i);
    }
  }
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');
}

/** ISO 8859-1 (dc 3). Characters above U+00FF throw `HUB_ERR_SMPP_UNENCODABLE` instead of becoming `?`. */
export function encodeLatin1(text: string): Buffer {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0xff) unencodable('Latin-1', text, i);
  return Buffer.from(text, 'latin1');
}

/** Decodes ISO 8859-1: every octet is a character, never fails. */
export function decodeLatin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');
}

/**
 * UCS-2 as SMPP dc 8 uses it: UTF-16BE, so characters beyond the BMP travel as surrogate pairs. A lone
 * surrogate (malformed JS string) throws `HUB_ERR_SMPP_UNENCODABLE`.
 */
export function encodeUcs2(text: string): Buffer {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0xd800 || c > 0xdfff) continue;
    const next = text.charCodeAt(i + 1);
    if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) i++;
    else unencodable('UCS-2', text, i);
  }
  // Node's 'ucs2'/'utf16le' is little-endian; swap to big-endian.
  return Buffer.from(text, 'utf16le').swap16();
}

/** Decodes UTF-16BE. An odd octet count throws (strict) or drops the last octet (lenient). */
export function decodeUcs2(bytes: Uint8Array, opts?: DecodeOptions): string {
  let len = bytes.length;
  if (len % 2 === 1) {
    if (opts?.strict ?? true) undecodable('UCS-2', `odd length ${len}`, len - 1);
    len--;
  }
  const copy = Buffer.allocUnsafe(len);
  copy.set(bytes.subarray(0, len));
  return copy.swap16().toString('utf16le');
}

// ---------------------------------------------------------------------------------------------
// KS C 5601 (KS X 1001) / EUC-KR, strict
// ---------------------------------------------------------------------------------------------

/** True when `b` may be a lead or trail octet of a KS X 1001 double-byte character. */
function isKscByte(b: number): boolean {
  return b >= 0xa1 && b <= 0xfe;
}

/**
 * Strict EUC-KR (dc 14): ASCII as one octet, KS X 1001 characters as two octets in 0xA1–0xFE.
 * iconv-lite's `euc-kr` is really CP949/UHC and writes `?` for what it cannot encode, so the output is
 * verified: UHC-only characters (똠 8C63, 뷁 94EE) and anything unencodable throw `HUB_ERR_SMPP_UNENCODABLE`.
 */
export function encodeKsc5601(text: string): Buffer {
  const out = iconv.encode(text, 'euc-kr');
  let questionMarks = 0;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 0x3f) questionMarks++;
  let ok = true;
  for (let i = 0; i < out.length; i++) {
    const b = out[i] as number;
    if (b < 0x80) {
      if (b === 0x3f && --questionMarks < 0) {
        ok = false;
        break;
      }
      continue;
    }
    if (!isKscByte(b) || !isKscByte(out[i + 1] ?? 0)) {
      ok = false;
      break;
    }
    i++;
  }
  if (!ok) unencodable('KS C 5601', text, firstNonKsc(text));
  return out;
}

// Error path only: find the offending character by encoding one code point at a time.
function firstNonKsc(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const cp = text.codePointAt(i) ?? 0;
    const ch = String.fromCodePoint(cp);
    const b = iconv.encode(ch, 'euc-kr');
    const bad =
      b.length === 1
        ? (b[0] === 0x3f && ch !== '?') || (b[0] as number) > 0x7f
        : b.length !== 2 || !isKscByte(b[0] as number) || !isKscByte(b[1] as number);
    if (bad) return i;
    if (cp > 0xffff) i++;
  }
  return 0;
}

/**
 * Decodes strict EUC-KR. Octets ≥ 0x80 must come in pairs with lead and trail in 0xA1–0xFE that map to a
 * KS X 1001 character; otherwise strict mode throws `HUB_ERR_SMPP_UNDECODABLE` and lenient mode yields U+FFFD.
 */
export function decodeKsc5601(bytes: Uint8Array, opts?: DecodeOptions): string {
  const strict = opts?.strict ?? true;
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  if (strict) {
    for (let i = 0; i < buf.length; i++) {
      const b = buf[i] as number;
      if (b < 0x80) continue;
      if (!isKscByte(b) || !isKscByte(buf[i + 1] ?? 0))
        undecodable('KS C 5601', `invalid octet pair at ${i}`, i);
      i++;
    }
  }
  const text = iconv.decode(buf, 'euc-kr');
  if (strict && text.includes('\ufffd'))
    undecodable('KS C 5601', 'unassigned KS X 1001 code', text.indexOf('\ufffd'));
  return text;
}

/** Octet length of the character starting at `bytes[i]` in EUC-KR (1 or 2). */
export function kscCharLength(bytes: Uint8Array, i: number): 1 | 2 {
  return (bytes[i] as number) >= 0x80 && i + 1 < bytes.length ? 2 : 1;
}

// ---------------------------------------------------------------------------------------------
// Dispatch
// ---------------------------------------------------------------------------------------------

/** Encodes `text` in `charset`. `binary` has no text form and throws `HUB_ERR_SMPP_UNENCODABLE`. */
export function encodeCharset(charset: Charset, text: string): Buffer {
  switch (charset) {
    case 'gsm7':
      return encodeGsm7(text);
    case 'ascii':
      return encodeAscii(text);
    case 'latin1':
      return encodeLatin1(text);
    case 'ucs2':
      return encodeUcs2(text);
    case 'ksc5601':
      return encodeKsc5601(text);
    case 'binary':
      throw new Errors.HUB_ERR_SMPP_UNENCODABLE('binary', 'text given for a binary data_coding, pass bytes', {
        details: { charset },
      });
  }
}

/** Decodes `bytes` in `charset`. `binary` throws `HUB_ERR_SMPP_UNDECODABLE`: keep binary payloads as bytes. */
export function decodeCharset(charset: Charset, bytes: Uint8Array, opts?: DecodeOptions): string {
  switch (charset) {
    case 'gsm7':
      return decodeGsm7(bytes, opts);
    case 'ascii':
      return decodeAscii(bytes, opts);
    case 'latin1':
      return decodeLatin1(bytes);
    case 'ucs2':
      return decodeUcs2(bytes, opts);
    case 'ksc5601':
      return decodeKsc5601(bytes, opts);
    case 'binary':
      return undecodable('binary', 'binary data has no text form', 0);
  }
}
