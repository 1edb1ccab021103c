/**
 * Long-message segmentation for SMPP (UDH concat, SAR TLVs, message_payload), segment counting for
 * throttling and billing, and pure reassembly of received parts.
 *
 * Limits are on-air limits expressed in what SMPP carries (GSM 03.38 is unpacked in SMPP, one octet per
 * septet). Per part: GSM7 160 single / 153 (8-bit ref) / 152 (16-bit ref) septets; UCS-2 70 / 67 / 66
 * characters; 8-bit, Latin-1 and KS C 5601 140 / 134 / 133 octets. IA5 (dc 1) is counted like GSM7 since
 * SMSCs transcode it to GSM on air (`{` costs 2 septets). SAR parts use the 16-bit sizes: the SMSC builds the
 * UDH from a 2-octet sar_msg_ref_num and may choose IEI 0x08. Cuts never split a GSM escape from its
 * follower, a UTF-16 surrogate pair or a KS C 5601 double-byte character.
 */
import { Errors } from '@hub/errors';
import { type Charset, GSM7_ESCAPE, gsmCodeUnitWeight } from './charsets.js';
import { charsetForDcs, type DefaultAlphabet, encodeText } from './dcs.js';
import { buildUdh, type ConcatInfo, concatElement, parseUdh, type Udh } from './udh.js';

/** How a long message is carried: UDH with 8- or 16-bit reference, SAR TLVs, or one message_payload TLV. */
export type SplitMethod = 'udh8' | 'udh16' | 'sar' | 'payload';

/** Options for {@link splitMessage}. */
export interface SplitOptions {
  /** Default `udh8` (the only method every SMSC supports). */
  readonly method?: SplitMethod;
  /** Concatenation reference: 0–255 for `udh8`, 0–65535 for `udh16`/`sar`. Unused when one part suffices. */
  readonly reference: number;
  /** Refuse messages needing more parts (default and maximum 255). */
  readonly maxParts?: number;
  /** Meaning of dc 0 (default `gsm`). */
  readonly defaultAlphabet?: DefaultAlphabet;
}

/** SAR TLV values for one part (sar_msg_ref_num 0x020C, sar_total_segments 0x020E, sar_segment_seqnum 0x020F). */
export interface SarValues {
  readonly msgRefNum: number;
  readonly totalSegments: number;
  readonly segmentSeqnum: number;
}

/** One part to submit. */
export interface Segment {
  /** 1-based part number and part count. */
  readonly seq: number;
  readonly total: number;
  /** Encoded user data of this part, without UDH. */
  readonly body: Buffer;
  /** UDH (UDHL included) for UDH methods on multi-part messages. */
  readonly udh: Buffer | undefined;
  /** What goes into short_message: `udh + body`, or empty when `usePayload`. */
  readonly shortMessage: Buffer;
  /** SAR TLV values for `sar` on multi-part messages. */
  readonly sar: SarValues | undefined;
  /** Set esm_class UDHI (0x40) when true. */
  readonly udhi: boolean;
  /** Put `body` into message_payload (0x0424) and send sm_length 0. */
  readonly usePayload: boolean;
}

/** Result of {@link splitMessage}. */
export interface SplitResult {
  readonly charset: Charset;
  /** The whole encoded message. */
  readonly encoded: Buffer;
  readonly segments: readonly Segment[];
}

interface Limits {
  readonly single: number;
  readonly udh8: number;
  readonly udh16: number;
}

const GSM_LIMITS: Limits = { single: 160, udh8: 153, udh16: 152 };
const UCS2_LIMITS: Limits = { single: 140, udh8: 134, udh16: 132 };
const OCTET_LIMITS: Limits = { single: 140, udh8: 134, udh16: 133 };

/** Largest message_payload value (2-octet TLV length). */
export const MAX_PAYLOAD_OCTETS = 0xffff;

function limitsFor(charset: Charset): Limits {
  switch (charset) {
    case 'gsm7':
    case 'ascii':
      return GSM_LIMITS;
    case 'ucs2':
      return UCS2_LIMITS;
    default:
      return OCTET_LIMITS;
  }
}

function perPart(limits: Limits, method: SplitMethod): number {
  return method === 'udh8' ? limits.udh8 : limits.udh16;
}

// Length in octets of the indivisible unit at bytes[i], and its on-air cost in the unit of `limitsFor`.
// Returned packed as len | cost << 8 to avoid an allocation per unit.
function unitAt(charset: Charset, bytes: Uint8Array, i: number): number {
  const b = bytes[i] as number;
  switch (charset) {
    case 'gsm7':
      return b === GSM7_ESCAPE && i + 1 < bytes.length ? 2 | (2 << 8) : 1 | (1 << 8);
    case 'ascii': {
      const w = gsmCodeUnitWeight(b);
      return 1 | ((w === 0 ? 1 : w) << 8);
    }
    case 'ucs2': {
      if (i + 1 >= bytes.length) return 1 | (1 << 8);
      if (b >= 0xd8 && b <= 0xdb && i + 3 < bytes.length) {
        const lo = bytes[i + 2] as number;
        if (lo >= 0xdc && lo <= 0xdf) return 4 | (4 << 8);
      }
      return 2 | (2 << 8);
    }
    case 'ksc5601':
      return b >= 0x80 && i + 1 < bytes.length ? 2 | (2 << 8) : 1 | (1 << 8);
    default:
      return 1 | (1 << 8);
  }
}

function totalCost(charset: Charset, bytes: Uint8Array): number {
  if (charset !== 'ascii') return bytes.length; // cost == octets for every other charset
  let cost = 0;
  for (let i = 0; i < bytes.length; i++) cost += unitAt(charset, bytes, i) >> 8;
  return cost;
}

/** Cut points (exclusive end offsets) of parts of at most `budget` cost each. */
function cutPoints(charset: Charset, bytes: Uint8Array, budget: number): number[] {
  const cuts: number[] = [];
  let i = 0;
  let used = 0;
  while (i < bytes.length) {
    const u = unitAt(charset, bytes, i);
    const len = u & 0xff;
    const cost = u >> 8;
    if (used + cost > budget) {
      cuts.push(i);
      used = 0;
    }
    used += cost;
    i += len;
  }
  cuts.push(bytes.length);
  return cuts;
}

function tooLong(why: string): never {
  throw new Errors.HUB_ERR_SMPP_INVALID_MESSAGE_LENGTH(why);
}

/**
 * Encodes `input` for data_coding `dc` and splits it into parts for `method`. A message that fits one
 * short_message comes back as one segment without UDH or SAR, whatever the method; `payload` never splits.
 * Throws `HUB_ERR_SMPP_INVALID_DCS` / `HUB_ERR_SMPP_UNENCODABLE` from encoding and
 * `HUB_ERR_SMPP_INVALID_MESSAGE_LENGTH` (ESME_RINVMSGLEN) when more than `maxParts` parts, or more than
 * 65,535 octets of payload, would be needed.
 */
export function splitMessage(input: string | Uint8Array, dc: number, opts: SplitOptions): SplitResult {
  const charset = charsetForDcs(dc, opts.defaultAlphabet);
  const encoded = encodeText(dc, input, { defaultAlphabet: opts.defaultAlphabet });
  const method = opts.method ?? 'udh8';
  const limits = limitsFor(charset);
  const single = (body: Buffer, usePayload: boolean): SplitResult => ({
    charset,
    encoded,
    segments: [
      {
        seq: 1,
        total: 1,
        body,
        udh: undefined,
        shortMessage: usePayload ? Buffer.alloc(0) : body,
        sar: undefined,
        udhi: false,
        usePayload,
      },
    ],
  });

  if (totalCost(charset, encoded) <= limits.single) return single(encoded, false);
  if (method === 'payload') {
    if (encoded.length > MAX_PAYLOAD_OCTETS)
      tooLong(`${encoded.length} octets exceed message_payload's 65535`);
    return single(encoded, true);
  }
  const maxParts = Math.min(opts.maxParts ?? 255, 255);
  const cuts = cutPoints(charset, encoded, perPart(limits, method));
  const total = cuts.length;
  if (total > maxParts) tooLong(`${total} parts exceed the limit of ${maxParts}`);
  const refMax = method === 'udh8' ? 0xff : 0xffff;
  if (!Number.isInteger(opts.reference) || opts.reference < 0 || opts.reference > refMax) {
    throw new Errors.HUB_ERR_SMPP_INVALID_SEGMENT(`reference ${opts.reference} out of range 0..${refMax}`);
  }
  const segments: Segment[] = [];
  let start = 0;
  for (let k = 0; k < total; k++) {
    const end = cuts[k] as number;
    const body = encoded.subarray(start, end);
    start = end;
    const seq = k + 1;
    if (method === 'sar') {
      const sar = { msgRefNum: opts.reference, totalSegments: total, segmentSeqnum: seq };
      segments.push({
        seq,
        total,
        body,
        udh: undefined,
        shortMessage: body,
        sar,
        udhi: false,
        usePayload: false,
      });
    } else {
      const referenceBits = method === 'udh8' ? 8 : 16;
      const udh = buildUdh([concatElement({ reference: opts.reference, total, seq, referenceBits })]);
      const shortMessage = Buffer.concat([udh, body]);
      segments.push({ seq, total, body, udh, shortMessage, sar: undefined, udhi: true, usePayload: false });
    }
  }
  return { charset, encoded, segments };
}

/** Options for {@link countSegments}. */
export interface CountOptions {
  readonly method?: Exclude<SplitMethod, 'payload'>;
  readonly defaultAlphabet?: DefaultAlphabet;
}

/**
 * Number of on-air SMS parts `input` needs with data_coding `dc` (bill and throttle on this, also for
 * message_payload submits). Same limits and cut rules as {@link splitMessage}; no part cap is applied.
 * Throws the encoding errors of {@link splitMessage}.
 */
export function countSegments(input: string | Uint8Array, dc: number, opts?: CountOptions): number {
  const charset = charsetForDcs(dc, opts?.defaultAlphabet);
  const encoded = encodeText(dc, input, { defaultAlphabet: opts?.defaultAlphabet });
  const limits = limitsFor(charset);
  if (encoded.length === 0) return 1;
  if (totalCost(charset, encoded) <= limits.single) return 1;
  return cutPoints(charset, encoded, perPart(limits, opts?.method ?? 'udh8')).length;
}

/** What a received short_message / SAR TLVs say about concatenation. */
export interface ReceivedPart {
  /** User data without UDH. */
  readonly body: Buffer;
  readonly udh: Udh | undefined;
  /** From the UDH, else from complete SAR TLVs, else undefined (a single message). */
  readonly concat: ConcatInfo | undefined;
}

/** SAR TLV values as received; all three must be present or they are ignored (SMPP 5.0 §4.8.4.48–50). */
export interface ReceivedSar {
  readonly sar_msg_ref_num?: number | undefined;
  readonly sar_total_segments?: number | undefined;
  readonly sar_segment_seqnum?: number | undefined;
}

/**
 * Splits a received short_message into UDH and body (when esm_class has UDHI 0x40) and extracts the
 * concatenation info from the UDH or, failing that, from SAR TLVs. Throws `HUB_ERR_SMPP_INVALID_UDH`
 * for a malformed UDH.
 */
export function readReceivedPart(
  shortMessage: Uint8Array,
  esmClass: number,
  sar?: ReceivedSar,
): ReceivedPart {
  let body = Buffer.from(shortMessage.buffer, shortMessage.byteOffset, shortMessage.length);
  let udh: Udh | undefined;
  let concat: ConcatInfo | undefined;
  if (esmClass & 0x40) {
    udh = parseUdh(shortMessage);
    body = body.subarray(udh.length);
    concat = udh.concat;
  }
  if (
    concat === undefined &&
    sar?.sar_msg_ref_num !== undefined &&
    sar.sar_total_segments !== undefined &&
    sar.sar_segment_seqnum !== undefined &&
    sar.sar_total_segments > 0 &&
    sar.sar_segment_seqnum > 0 &&
    sar.sar_segment_seqnum <= sar.sar_total_segments
  ) {
    concat = {
      reference: sar.sar_msg_ref_num,
      total: sar.sar_total_segments,
      seq: sar.sar_segment_seqnum,
      referenceBits: 16,
    };
  }
  return { body, udh, concat };
}

/** One received part, as stored until the message is complete. */
export interface PartToJoin {
  readonly reference: number;
  readonly total: number;
  readonly seq: number;
  readonly bytes: Uint8Array;
}

/** Result of {@link reassemble}. */
export type ReassemblyResult =
  | { readonly status: 'complete'; readonly bytes: Buffer; readonly total: number }
  | { readonly status: 'incomplete'; readonly total: number; readonly missing: readonly number[] };

/**
 * Joins the parts of one concatenated message (same reference and total, e.g. grouped by source,
 * destination and reference). Order does not matter; a duplicate seq keeps the first copy. The bytes are
 * joined before decoding, so UCS-2 parts cut mid-character still decode. Throws
 * `HUB_ERR_SMPP_INVALID_SEGMENT` for no parts, mixed references or totals, or seq outside 1..total.
 */
export function reassemble(parts: readonly PartToJoin[]): ReassemblyResult {
  const first = parts[0];
  if (first === undefined) throw new Errors.HUB_ERR_SMPP_INVALID_SEGMENT('no parts');
  const { reference, total } = first;
  if (!Number.isInteger(total) || total < 1 || total > 255) {
    throw new Errors.HUB_ERR_SMPP_INVALID_SEGMENT(`total ${total}`);
  }
  const slots: Array<Uint8Array | undefined> = new Array(total).fill(undefined);
  for (const p of parts) {
    if (p.reference !== reference || p.total !== total) {
      throw new Errors.HUB_ERR_SMPP_INVALID_SEGMENT(
        `part ${p.seq} has reference ${p.reference}/${p.total}, expected ${reference}/${total}`,
      );
    }
    if (!Number.isInteger(p.seq) || p.seq < 1 || p.seq > total) {
      throw new Errors.HUB_ERR_SMPP_INVALID_SEGMENT(`seq ${p.seq} of ${total}`);
    }
    if (slots[p.seq - 1] === undefined) slots[p.seq - 1] = p.bytes;
  }
  const missing: number[] = [];
  for (let k = 0; k < total; k++) if (slots[k] === undefined) missing.push(k + 1);
  if (missing.length > 0) return { status: 'incomplete', total, missing };
  return { status: 'complete', bytes: Buffer.concat(slots as Uint8Array[]), total };
}
