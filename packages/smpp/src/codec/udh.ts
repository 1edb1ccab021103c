/**
 * User Data Header (3GPP TS 23.040 §9.2.3.24) parse and build. A UDH is `UDHL` followed by information
 * elements `IEI, IEDL, data`. Concatenation (0x00 8-bit ref, 0x08 16-bit ref) and application ports
 * (0x04 8-bit, 0x05 16-bit) are interpreted; every element, known or not, is kept verbatim in `elements`
 * so a UDH can be rebuilt byte for byte.
 */
import { Errors } from '@hub/errors';

/** Information element identifiers Hub interprets. */
export const Iei = {
  CONCAT_8: 0x00,
  PORTS_8: 0x04,
  PORTS_16: 0x05,
  CONCAT_16: 0x08,
} as const;

/** One information element, data without IEI and length. */
export interface UdhElement {
  readonly iei: number;
  readonly data: Uint8Array;
}

/** Concatenation info from IEI 0x00 / 0x08 (or from SAR TLVs). `seq` counts from 1. */
export interface ConcatInfo {
  readonly reference: number;
  readonly total: number;
  readonly seq: number;
  readonly referenceBits: 8 | 16;
}

/** Application port addressing from IEI 0x04 / 0x05. */
export interface PortInfo {
  readonly source: number;
  readonly destination: number;
  readonly bits: 8 | 16;
}

/** A parsed UDH. */
export interface Udh {
  /** Octets the UDH occupies, UDHL itself included (= UDHL + 1). */
  readonly length: number;
  readonly elements: readonly UdhElement[];
  /** Valid concatenation info; absent when there is none or it is invalid (TS 23.040: ignore the element). */
  readonly concat: ConcatInfo | undefined;
  readonly ports: PortInfo | undefined;
}

function invalid(why: string): never {
  throw new Errors.HUB_ERR_SMPP_INVALID_UDH(why);
}

/**
 * Parses the UDH at the start of `bytes` (a short_message with UDHI set). Throws `HUB_ERR_SMPP_INVALID_UDH`
 * (ESME_RINVESMCLASS) when UDHL or an element length overruns the data; the caller rejects the PDU.
 * A concatenation element with seq 0, seq > total or total 0 is kept in `elements` but not reported as
 * `concat`, as TS 23.040 says to ignore it. When an element repeats, the last one wins.
 */
export function parseUdh(bytes: Uint8Array): Udh {
  if (bytes.length === 0) invalid('empty short_message with UDHI set');
  const udhl = bytes[0] as number;
  if (udhl + 1 > bytes.length) invalid(`UDHL ${udhl} exceeds ${bytes.length - 1} octets of user data`);
  const elements: UdhElement[] = [];
  let concat: ConcatInfo | undefined;
  let ports: PortInfo | undefined;
  let i = 1;
  const end = udhl + 1;
  while (i < end) {
    if (i + 2 > end) invalid(`truncated information element at offset ${i}`);
    const iei = bytes[i] as number;
    const len = bytes[i + 1] as number;
    if (i + 2 + len > end) invalid(`element 0x${iei.toString(16)} length ${len} overruns the header`);
    const data = bytes.subarray(i + 2, i + 2 + len);
    elements.push({ iei, data });
    if (iei === Iei.CONCAT_8 && len === 3) {
      concat = validConcat(data[0] as number, data[1] as number, data[2] as number, 8);
    } else if (iei === Iei.CONCAT_16 && len === 4) {
      concat = validConcat(
        ((data[0] as number) << 8) | (data[1] as number),
        data[2] as number,
        data[3] as number,
        16,
      );
    } else if (iei === Iei.PORTS_8 && len === 2) {
      ports = { destination: data[0] as number, source: data[1] as number, bits: 8 };
    } else if (iei === Iei.PORTS_16 && len === 4) {
      ports = {
        destination: ((data[0] as number) << 8) | (data[1] as number),
        source: ((data[2] as number) << 8) | (data[3] as number),
        bits: 16,
      };
    }
    i += 2 + len;
  }
  return { length: end, elements, concat, ports };
}

function validConcat(
  reference: number,
  total: number,
  seq: number,
  referenceBits: 8 | 16,
): ConcatInfo | undefined {
  return total === 0 || seq === 0 || seq > total ? undefined : { reference, total, seq, referenceBits };
}

/** Splits a short_message with UDHI into its parsed UDH and the user data that follows. */
export function splitUdh(shortMessage: Uint8Array): { readonly udh: Udh; readonly body: Buffer } {
  const udh = parseUdh(shortMessage);
  const body = shortMessage.subarray(udh.length);
  return { udh, body: Buffer.from(body.buffer, body.byteOffset, body.length) };
}

/** Builds a UDH (UDHL included) from elements. Throws `HUB_ERR_SMPP_INVALID_UDH` if it exceeds 255 octets. */
export function buildUdh(elements: readonly UdhElement[]): Buffer {
  let len = 0;
  for (const e of elements) {
    if (e.data.length > 255) invalid(`element 0x${e.iei.toString(16)} longer than 255 octets`);
    len += 2 + e.data.length;
  }
  if (len > 255) invalid(`UDH of ${len} octets`);
  const out = Buffer.allocUnsafe(len + 1);
  out[0] = len;
  let o = 1;
  for (const e of elements) {
    out[o++] = e.iei & 0xff;
    out[o++] = e.data.length;
    out.set(e.data, o);
    o += e.data.length;
  }
  return out;
}

/** The concatenation element for `info` (IEI 0x00 for 8-bit references, 0x08 for 16-bit). */
export function concatElement(
  info: Omit<ConcatInfo, 'referenceBits'> & { referenceBits?: 8 | 16 },
): UdhElement {
  if (info.total < 1 || info.total > 255 || info.seq < 1 || info.seq > info.total) {
    throw new Errors.HUB_ERR_SMPP_INVALID_SEGMENT(`part ${info.seq} of ${info.total}`);
  }
  if ((info.referenceBits ?? 8) === 8) {
    return { iei: Iei.CONCAT_8, data: Uint8Array.of(info.reference & 0xff, info.total, info.seq) };
  }
  const r = info.reference & 0xffff;
  return { iei: Iei.CONCAT_16, data: Uint8Array.of(r >> 8, r & 0xff, info.total, info.seq) };
}

/** The application port element (IEI 0x04 when both ports fit 8 bits and `bits` is 8, else 0x05). */
export function portsElement(ports: Omit<PortInfo, 'bits'> & { bits?: 8 | 16 }): UdhElement {
  const bits = ports.bits ?? (ports.source > 0xff || ports.destination > 0xff ? 16 : 8);
  if (bits === 8)
    return { iei: Iei.PORTS_8, data: Uint8Array.of(ports.destination & 0xff, ports.source & 0xff) };
  const d = ports.destination & 0xffff;
  const s = ports.source & 0xffff;
  return { iei: Iei.PORTS_16, data: Uint8Array.of(d >> 8, d & 0xff, s >> 8, s & 0xff) };
}
