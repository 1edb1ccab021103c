/**
 * data_coding (SMPP 3.4 §5.2.19, SMPP 5.0 §4.7.7) interpreted with the GSM 03.38 / TS 23.038 §4 coding
 * groups for values ≥ 0x10. The whole byte is parsed, never masked to the low nibble (node-smpp's
 * `dc & 0x0F` reads 0x18 as dc 8 but sends GSM bytes, so text arrives garbled).
 *
 * What dc 0 ("SMSC default alphabet") means is a per-account / per-connector choice: `defaultAlphabet`.
 * Codings Hub does not convert (JIS, Cyrillic, Hebrew, pictogram, ISO-2022-JP, JIS X 0212, compressed,
 * reserved) throw `HUB_ERR_SMPP_INVALID_DCS` (ESME_RINVDCS 0x104, a 5.0 code: on 3.4 binds the session
 * downgrades it with `downgradeStatus`, to ESME_RSUBMITFAIL 0x45 by default).
 */
import { Errors } from '@hub/errors';
import {
  type Charset,
  type DecodeOptions,
  decodeCharset,
  encodeCharset,
  isGsmEncodable,
} from './charsets.js';

/** Which coding group of TS 23.038 §4 a data_coding byte belongs to (`smpp` = the SMPP table 0x00–0x0F). */
export type DcsGroup =
  | 'smpp'
  | 'general'
  | 'auto-deletion'
  | 'reserved'
  | 'mwi-discard'
  | 'mwi-store'
  | 'mwi-store-ucs2'
  | 'data-class';

/** The alphabet a data_coding announces. `default` = SMSC default alphabet (dc 0). */
export type DcsAlphabet =
  | 'default'
  | 'gsm7'
  | 'ia5'
  | 'binary'
  | 'latin1'
  | 'jis'
  | 'cyrillic'
  | 'hebrew'
  | 'ucs2'
  | 'pictogram'
  | 'iso-2022-jp'
  | 'jis-x-0212'
  | 'ksc5601'
  | 'reserved';

/** Message waiting indication kinds (TS 23.038 §4, groups 0xC0–0xEF). */
export type MwiKind = 'voicemail' | 'fax' | 'email' | 'other';

/** A parsed data_coding byte. */
export interface Dcs {
  readonly dc: number;
  readonly group: DcsGroup;
  readonly alphabet: DcsAlphabet;
  /** Message class 0 (flash) … 3 (SIM/TE specific), or undefined when the byte carries none. */
  readonly messageClass: 0 | 1 | 2 | 3 | undefined;
  readonly compressed: boolean;
  /** Group 01xx: the handset deletes the message after reading. */
  readonly autoDelete: boolean;
  /** Message waiting indication (groups 0xC0–0xEF). */
  readonly mwi: { readonly active: boolean; readonly kind: MwiKind } | undefined;
}

/** What dc 0 means for an account or connector (Kannel `alt-charset`). */
export type DefaultAlphabet = 'gsm' | 'ascii' | 'latin1';

/** Options for {@link encodeText} / {@link decodeText}. */
export interface TextCodingOptions extends DecodeOptions {
  /** Meaning of dc 0 (default `gsm`). */
  readonly defaultAlphabet?: DefaultAlphabet;
}

// biome-ignore format: SMPP 3.4 table order, 8 per row
const SMPP_TABLE: readonly DcsAlphabet[] = [
  'default', 'ia5', 'binary', 'latin1', 'binary', 'jis', 'cyrillic', 'hebrew',
  'ucs2', 'pictogram', 'iso-2022-jp', 'reserved', 'reserved', 'jis-x-0212', 'ksc5601', 'reserved',
];

const GENERAL_ALPHABET: readonly DcsAlphabet[] = ['gsm7', 'binary', 'ucs2', 'reserved'];
const MWI_KINDS: readonly MwiKind[] = ['voicemail', 'fax', 'email', 'other'];

function build(dc: number): Dcs {
  const base = { dc, messageClass: undefined, compressed: false, autoDelete: false, mwi: undefined };
  if (dc < 0x10) return Object.freeze({ ...base, group: 'smpp', alphabet: SMPP_TABLE[dc] as DcsAlphabet });
  const cls = (dc & 0x03) as 0 | 1 | 2 | 3;
  if (dc < 0x80) {
    return Object.freeze({
      ...base,
      group: dc < 0x40 ? 'general' : 'auto-deletion',
      alphabet: GENERAL_ALPHABET[(dc >> 2) & 0x03] as DcsAlphabet,
      messageClass: dc & 0x10 ? cls : undefined,
      compressed: (dc & 0x20) !== 0,
      autoDelete: dc >= 0x40,
    });
  }
  if (dc < 0xc0) return Object.freeze({ ...base, group: 'reserved', alphabet: 'reserved' });
  if (dc < 0xf0) {
    const group = dc < 0xd0 ? 'mwi-discard' : dc < 0xe0 ? 'mwi-store' : 'mwi-store-ucs2';
    return Object.freeze({
      ...base,
      group,
      alphabet: group === 'mwi-store-ucs2' ? 'ucs2' : 'gsm7',
      mwi: Object.freeze({ active: (dc & 0x08) !== 0, kind: MWI_KINDS[dc & 0x03] as MwiKind }),
    });
  }
  return Object.freeze({
    ...base,
    group: 'data-class',
    alphabet: dc & 0x04 ? 'binary' : 'gsm7',
    messageClass: cls,
  });
}

const TABLE: readonly Dcs[] = Array.from({ length: 256 }, (_, dc) => build(dc));

/**
 * Parses a data_coding byte (0–255) into its coding group, alphabet, class, compression and MWI flags.
 * Pure table lookup. A value outside 0–255 throws `HUB_ERR_SMPP_INVALID_DCS`.
 */
export function parseDcs(dc: number): Dcs {
  const d = TABLE[dc];
  if (d === undefined || !Number.isInteger(dc)) throw invalidDcs(dc, 'not an octet');
  return d;
}

function invalidDcs(dc: number, why: string): InstanceType<typeof Errors.HUB_ERR_SMPP_INVALID_DCS> {
  const shown = Number.isInteger(dc) && dc >= 0 ? dc.toString(16).padStart(2, '0') : String(dc);
  return new Errors.HUB_ERR_SMPP_INVALID_DCS(shown, why, { details: { dataCoding: dc } });
}

/**
 * The {@link Charset} Hub uses for a data_coding. dc 0 follows `defaultAlphabet` (default `gsm`); GSM groups
 * (0x10+, 0xC0–0xDF, 0xF0–0xF3) are GSM 03.38 unpacked; 8-bit groups are `binary`.
 * Throws `HUB_ERR_SMPP_INVALID_DCS` for compressed, reserved and unconverted codings: the caller refuses the
 * PDU with that error's smpp status (or keeps the bytes opaque, if the route allows it).
 */
export function charsetForDcs(dc: number, defaultAlphabet: DefaultAlphabet = 'gsm'): Charset {
  const d = parseDcs(dc);
  if (d.compressed) throw invalidDcs(dc, 'compressed text is not supported');
  switch (d.alphabet) {
    case 'default':
      return defaultAlphabet === 'gsm' ? 'gsm7' : defaultAlphabet;
    case 'gsm7':
      return 'gsm7';
    case 'ia5':
      return 'ascii';
    case 'latin1':
      return 'latin1';
    case 'ucs2':
      return 'ucs2';
    case 'ksc5601':
      return 'ksc5601';
    case 'binary':
      return 'binary';
    default:
      throw invalidDcs(dc, `${d.alphabet} is not supported`);
  }
}

/**
 * Encodes `text` for data_coding `dc`. For binary codings pass the bytes (returned as a Buffer view).
 * Throws `HUB_ERR_SMPP_INVALID_DCS` (coding unsupported) or `HUB_ERR_SMPP_UNENCODABLE` (a character does
 * not exist in that charset: choose another dc, e.g. with {@link pickDataCoding}).
 */
export function encodeText(dc: number, text: string | Uint8Array, opts?: TextCodingOptions): Buffer {
  const charset = charsetForDcs(dc, opts?.defaultAlphabet);
  if (typeof text !== 'string') {
    if (charset !== 'binary') {
      throw new Errors.HUB_ERR_SMPP_UNENCODABLE(charset, 'bytes given for a text data_coding', {
        details: { charset },
      });
    }
    return Buffer.from(text.buffer, text.byteOffset, text.length);
  }
  return encodeCharset(charset, text);
}

/**
 * Decodes short_message / message_payload bytes (UDH already removed) for data_coding `dc`.
 * Throws `HUB_ERR_SMPP_INVALID_DCS` for unsupported or binary codings (use {@link decodeMessage} to keep
 * binary payloads) and `HUB_ERR_SMPP_UNDECODABLE` for invalid bytes in strict mode.
 */
export function decodeText(dc: number, bytes: Uint8Array, opts?: TextCodingOptions): string {
  const charset = charsetForDcs(dc, opts?.defaultAlphabet);
  if (charset === 'binary') throw invalidDcs(dc, 'binary data has no text form');
  return decodeCharset(charset, bytes, opts);
}

/** Result of {@link decodeMessage}: text for text codings, bytes kept for binary ones. */
export type DecodedMessage =
  | { readonly kind: 'text'; readonly charset: Exclude<Charset, 'binary'>; readonly text: string }
  | { readonly kind: 'binary'; readonly bytes: Buffer };

/** Like {@link decodeText}, but binary codings (dc 2, 4, 8-bit groups) return their bytes instead of throwing. */
export function decodeMessage(dc: number, bytes: Uint8Array, opts?: TextCodingOptions): DecodedMessage {
  const charset = charsetForDcs(dc, opts?.defaultAlphabet);
  if (charset === 'binary')
    return { kind: 'binary', bytes: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length) };
  return { kind: 'text', charset, text: decodeCharset(charset, bytes, opts) };
}

/** Options for {@link pickDataCoding}. */
export interface PickOptions {
  /** Meaning of dc 0 on the target (default `gsm`). */
  readonly defaultAlphabet?: DefaultAlphabet;
  /** Whether the target accepts dc 3 (Latin-1 is poorly supported by many SMSCs; default false). */
  readonly allowLatin1?: boolean;
}

/**
 * Chooses the cheapest data_coding able to carry `text`: 0 when dc 0 is GSM and the text is GSM 03.38,
 * 3 when allowed and Latin-1 suffices, else 8 (UCS-2). Never tags GSM text as dc 1 (node-smpp's bug).
 */
export function pickDataCoding(text: string, opts?: PickOptions): 0 | 3 | 8 {
  const def = opts?.defaultAlphabet ?? 'gsm';
  if (def === 'gsm' && isGsmEncodable(text)) return 0;
  let latin1 = true;
  let ascii = true;
  for (let i = 0; i < text.length && latin1; i++) {
    const c = text.charCodeAt(i);
    if (c > 0x7f) ascii = false;
    if (c > 0xff) latin1 = false;
  }
  if ((def === 'ascii' && ascii) || (def === 'latin1' && latin1)) return 0;
  if (latin1 && opts?.allowLatin1) return 3;
  return 8;
}
