/**
 * Fast path of node-smpp's PDU codec for the PDUs Hub moves at volume, companion of `node-smpp.ts`
 * (which enables it at install and falls back to node-smpp whenever this declines).
 *
 * node-smpp builds and parses every PDU through generic per-field codec objects, a filter pass and
 * (encoding) a throwaway `PDU` object: ~18% of the hub's CPU on the hot path. This module writes and
 * reads the same bytes and properties directly. It is held to node-smpp byte for byte and property for
 * property (insertion order, values, types) by `fast-codec.test.ts`, and it only accepts what it is sure
 * to reproduce exactly: any other command, value type, TLV type (multiple TLVs, TLVs with structured
 * filters) or malformed body makes it decline (`undefined` / `false`), and node-smpp does the work —
 * throwing its own errors and applying its own leniency.
 *
 * Semantics replicated (node-smpp 0.6.0-rc.4 `lib/pdu.js`, `lib/defs.js`, with Hub's filters):
 * - encode: mandatory fields in definition order, absent ones as node-smpp's defaults (`data_coding`
 *   null → 0); integers written as `value || 0`; C-strings as one octet per UTF-16 unit (Buffer 'ascii'
 *   = low byte) plus NUL; short_message as length octet plus bytes; TLVs after the fields in the order of
 *   first appearance (fields then tlvs, last value wins, as the merged options object node-smpp walks).
 * - decode: header, `command`, the fields in definition order, then each TLV as it comes (unknown tags
 *   under their number, as Buffers); C-strings decoded with Buffer 'ascii'; Buffers are views of the raw
 *   PDU (node-smpp's `slice`). Hub's decode filters are the identity, so the filter pass changes nothing.
 */

import smpp from 'smpp';
import type { EncodeInput } from './node-smpp.js';

/** Commands with a fast path (both directions). */
export const FAST_COMMANDS: readonly string[] = [
  'submit_sm',
  'deliver_sm',
  'data_sm',
  'submit_sm_resp',
  'deliver_sm_resp',
  'data_sm_resp',
  'enquire_link',
  'enquire_link_resp',
  'unbind',
  'unbind_resp',
  'generic_nack',
];

// Value kinds, for mandatory fields (INT*, CSTRING, OCTETS) and TLVs (INT*, CSTRING, STRING, BYTES).
const NONE = 0;
const INT8 = 1;
const INT16 = 2;
const INT32 = 3;
/** NUL-terminated string. */
const CSTRING = 4;
/** Mandatory-field Buffer with a one-octet length prefix (short_message). */
const OCTETS = 5;
/** TLV `string`: the value octets, read as an 'ascii' string. */
const STRING = 6;
/** TLV `buffer`: the value octets as a Buffer. */
const BYTES = 7;

/** Octets of an INT8/INT16/INT32 value. */
function intSize(kind: number): number {
  return kind === INT8 ? 1 : kind === INT16 ? 2 : 4;
}

/** Largest INT8/INT16/INT32 value. */
function intMax(kind: number): number {
  return kind === INT8 ? 0xff : kind === INT16 ? 0xffff : 0xffffffff;
}

interface Plan {
  readonly name: string;
  readonly id: number;
  readonly names: readonly string[];
  readonly kinds: readonly number[];
  readonly defaults: readonly unknown[];
  /** Field name → position in `names`. */
  readonly index: ReadonlyMap<string, number>;
  readonly encodable: boolean;
  /** The body parser for this command's field layout, when its filters let the fast path decode. */
  readonly decoder: Decoder | undefined;
}

/**
 * Parses the body of a PDU of `len` octets (= `b.length` = command_length > 16) into `pdu` after the
 * header, or returns false without touching `pdu` when it is not well formed.
 */
type Decoder = (pdu: Pdu, b: Buffer, len: number, plan: Plan) => boolean;

type Filter = smpp.FilterDef;
type Pdu = Record<string | number, unknown>;

let identity: Filter['decode'] | undefined;
let messageEncode: Filter['encode'] | undefined;
const plansByName = new Map<string, Plan>();
const plansById = new Map<number, Plan>();
/** Per TLV definition: its kind for encoding and for decoding (NONE: node-smpp handles it). */
const tlvKinds = new WeakMap<smpp.TlvDef, { readonly encode: number; readonly decode: number }>();

/**
 * Enables the fast paths. Called by `node-smpp.ts` once Hub's filters are installed: `identityFn` is
 * the decode filter every node-smpp filter got (and the `time` encode filter), `messageEncodeFn` the
 * Buffer-only encode filter of short_message / message_payload. Until then both paths decline.
 */
export function enableFastCodec(identityFn: Filter['decode'], messageEncodeFn: Filter['encode']): void {
  identity = identityFn;
  messageEncode = messageEncodeFn;
  plansByName.clear();
  plansById.clear();
  for (const name of FAST_COMMANDS) {
    const plan = buildPlan(name);
    if (!plan) continue;
    plansByName.set(name, plan);
    plansById.set(plan.id, plan);
  }
}

function fieldKind(type: smpp.TypeCodec): number {
  const t = smpp.types;
  if (type === t.int8) return INT8;
  if (type === t.int16) return INT16;
  if (type === t.int32) return INT32;
  if (type === t.cstring) return CSTRING;
  if (type === t.buffer) return OCTETS;
  return NONE;
}

function buildPlan(name: string): Plan | undefined {
  const def = smpp.commands[name];
  // tlvMap renames TLVs on decode (broadcast_sm_resp only): not replicated.
  if (!def || def.tlvMap || smpp.commandsById[def.id] !== def) return undefined;
  const names: string[] = [];
  const kinds: number[] = [];
  const defaults: unknown[] = [];
  const index = new Map<string, number>();
  let encodable = true;
  let decodable = true;
  const layout: string[] = [];
  for (const [key, param] of Object.entries(def.params ?? {})) {
    const kind = fieldKind(param.type);
    if (kind === NONE) return undefined;
    const f = param.filter;
    if (f) {
      if (f.decode !== identity) decodable = false;
      // Hub's time encode is the identity; the message encode accepts Buffers only (checked per value).
      if (f.encode !== identity && !(f.encode === messageEncode && kind === OCTETS)) encodable = false;
    }
    index.set(key, names.length);
    layout.push(`${key}:${kind}`);
    names.push(key);
    kinds.push(kind);
    defaults.push('default' in param ? param.default : param.type.default);
  }
  // Decoders are written out per layout (named stores are several times cheaper than keyed ones), so
  // the definition must match the layout field for field.
  const decoder = decodable ? DECODERS.get(layout.join(',')) : undefined;
  return { name, id: def.id, names, kinds, defaults, index, encodable, decoder };
}

function tlvKindsOf(def: smpp.TlvDef): { readonly encode: number; readonly decode: number } {
  let k = tlvKinds.get(def);
  if (k) return k;
  const t = smpp.types.tlv;
  const type = def.type;
  let kind = NONE;
  if (type === t.int8) kind = INT8;
  else if (type === t.int16) kind = INT16;
  else if (type === t.int32) kind = INT32;
  else if (type === t.cstring) kind = CSTRING;
  else if (type === t.string) kind = STRING;
  else if (type === t.buffer) kind = BYTES;
  // Multiple TLVs (arrays) and names that are Object.prototype keys (node-smpp's `{}[tag] || tag`
  // would pick the inherited member) are left to node-smpp.
  if (def.multiple || typeof def.tag !== 'string' || def.tag in Object.prototype) kind = NONE;
  const f = def.filter;
  const decode = f && f.decode !== identity ? NONE : kind;
  // Only the identity (time) and Hub's Buffer-only message filter are replicated on encode.
  const encode =
    !f || f.encode === identity ? kind : f.encode === messageEncode && kind === BYTES ? OCTETS : NONE;
  k = { encode, decode };
  tlvKinds.set(def, k);
  return k;
}

// ---- encode -------------------------------------------------------------------------------------

/** Byte size of `value` as a field or TLV of `kind` (without the TLV header), or -1 to decline. */
function sizeOf(kind: number, value: unknown, tlv: boolean): number {
  switch (kind) {
    case INT8:
    case INT16:
    case INT32:
      // node-smpp writes `value || 0` with a range-checked writeUInt*: null (data_coding) is 0.
      if (value === null) return intSize(kind);
      return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= intMax(kind)
        ? intSize(kind)
        : -1;
    case CSTRING:
      return typeof value === 'string' ? value.length + 1 : -1;
    case OCTETS:
      // Mandatory: a length octet (node-smpp throws past 255); TLV message_payload: the bytes.
      if (!Buffer.isBuffer(value)) return -1;
      if (tlv) return value.length;
      return value.length <= 255 ? value.length + 1 : -1;
    case STRING:
    case BYTES:
      return typeof value === 'string' || Buffer.isBuffer(value) ? value.length : -1;
    default:
      return -1;
  }
}

/** Writes a string as node-smpp does (`Buffer.from(s, 'ascii')`: the low octet of each UTF-16 unit). */
function writeAscii(out: Buffer, s: string, off: number): number {
  const n = s.length;
  if (n > 32) return off + out.write(s, off, n, 'latin1');
  for (let i = 0; i < n; i++) out[off + i] = s.charCodeAt(i);
  return off + n;
}

function writeValue(out: Buffer, kind: number, value: unknown, off: number, tlv: boolean): number {
  switch (kind) {
    case INT8:
      out[off] = (value as number | null) ?? 0;
      return off + 1;
    case INT16: {
      const v = (value as number | null) ?? 0;
      out[off] = v >>> 8;
      out[off + 1] = v;
      return off + 2;
    }
    case INT32:
      out.writeUInt32BE((value as number | null) ?? 0, off);
      return off + 4;
    case CSTRING:
      off = writeAscii(out, value as string, off);
      out[off] = 0;
      return off + 1;
    case OCTETS: {
      const b = value as Buffer;
      if (!tlv) out[off++] = b.length;
      out.set(b, off);
      return off + b.length;
    }
    default:
      // STRING, BYTES
      if (typeof value === 'string') return writeAscii(out, value, off);
      out.set(value as Buffer, off);
      return off + (value as Buffer).length;
  }
}

function header16(id: number, status: number, sequence: number): Buffer {
  const header = Buffer.allocUnsafe(16);
  header.writeUInt32BE(16, 0);
  header.writeUInt32BE(id >>> 0, 4);
  header.writeUInt32BE(status >>> 0, 8);
  header.writeUInt32BE(sequence >>> 0, 12);
  return header;
}

/**
 * The bytes `encodePdu` would produce with node-smpp for `input`, or undefined when the fast path is
 * not sure (not a fast command, an unknown key, a value of another type or out of range, a TLV kind it
 * does not replicate): the caller then uses node-smpp, which also raises the errors.
 */
export function encodeFast(input: EncodeInput): Buffer | undefined {
  const plan = plansByName.get(input.command);
  if (plan === undefined || !plan.encodable) return undefined;
  const { index, kinds } = plan;
  const values: unknown[] = plan.defaults.slice();
  // TLVs in the order node-smpp's merged options object would hold them (first appearance).
  let tlvNames: string[] | undefined;
  let tlvValues: unknown[] | undefined;
  let tlvCount = 0;
  const tlvsAllowed = input.tlvsAllowed;
  for (let pass = 0; pass < 2; pass++) {
    const src = pass === 0 ? input.fields : input.tlvs;
    if (src === undefined || src === null) continue;
    const keys = Object.keys(src);
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as string;
      const value = src[key];
      if (value === undefined) continue;
      const at = index.get(key);
      if (at !== undefined) {
        values[at] = value;
        continue;
      }
      // Unknown names are node-smpp's to reject; a numeric name would reorder node-smpp's options.
      if (!Object.hasOwn(smpp.tlvs, key)) return undefined;
      const c = key.charCodeAt(0);
      if (c >= 48 && c <= 57) return undefined;
      if (!tlvsAllowed) continue;
      tlvCount++;
      if (tlvNames === undefined || tlvValues === undefined) {
        tlvNames = [key];
        tlvValues = [value];
        continue;
      }
      const seen = tlvNames.indexOf(key);
      if (seen < 0) {
        tlvNames.push(key);
        tlvValues.push(value);
      } else tlvValues[seen] = value;
    }
  }
  const status = input.status ?? 0;
  if (status !== 0 && tlvCount === 0) return header16(plan.id, status, input.sequence);
  const sequence = input.sequence;
  if (!Number.isInteger(sequence) || sequence < 0 || sequence > 0xffffffff) return undefined;

  let length = 16;
  for (let i = 0; i < kinds.length; i++) {
    const size = sizeOf(kinds[i] as number, values[i], false);
    if (size < 0) return undefined;
    length += size;
  }
  let tlvKindList: number[] | undefined;
  let tlvIds: number[] | undefined;
  if (tlvNames !== undefined && tlvValues !== undefined) {
    tlvKindList = [];
    tlvIds = [];
    for (let i = 0; i < tlvNames.length; i++) {
      const def = smpp.tlvs[tlvNames[i] as string] as smpp.TlvDef;
      const kind = tlvKindsOf(def).encode;
      const size = sizeOf(kind, tlvValues[i], true);
      if (size < 0 || size > 0xffff || !(def.id >= 0 && def.id <= 0xffff)) return undefined;
      tlvKindList.push(kind);
      tlvIds.push(def.id);
      length += 4 + size;
    }
  }

  // Every octet is written below, so the pooled unzeroed allocation is safe.
  const out = Buffer.allocUnsafe(length);
  out.writeUInt32BE(length, 0);
  out.writeUInt32BE(plan.id >>> 0, 4);
  out.writeUInt32BE(status === 0 ? 0 : status >>> 0, 8);
  out.writeUInt32BE(sequence, 12);
  let off = 16;
  for (let i = 0; i < kinds.length; i++) off = writeValue(out, kinds[i] as number, values[i], off, false);
  if (tlvKindList !== undefined && tlvIds !== undefined && tlvValues !== undefined) {
    for (let i = 0; i < tlvKindList.length; i++) {
      const id = tlvIds[i] as number;
      out[off] = id >>> 8;
      out[off + 1] = id;
      const start = off + 4;
      off = writeValue(out, tlvKindList[i] as number, tlvValues[i], start, true);
      const n = off - start;
      out[start - 2] = n >>> 8;
      out[start - 1] = n;
    }
  }
  return out;
}

// ---- decode -------------------------------------------------------------------------------------

/** Offset of the first NUL in `b[from, to)`, or -1. */
function nul(b: Buffer, from: number, to: number): number {
  for (let i = from; i < to; i++) if (b[i] === 0) return i;
  return -1;
}

function ascii(b: Buffer, from: number, to: number): string {
  return from === to ? '' : b.toString('ascii', from, to);
}

function setHeader(pdu: Pdu, b: Buffer, len: number, plan: Plan): void {
  // Same assignments in the same order as node-smpp: same keys, order and hidden class.
  pdu.command_length = len;
  pdu.command_id = plan.id;
  pdu.command_status = b.readUInt32BE(8);
  pdu.sequence_number = b.readUInt32BE(12);
  pdu.command = plan.name;
}

/** True when the TLVs from `off` end exactly at `len` and node-smpp's reading of each is replicated. */
function tlvsWellFormed(b: Buffer, off: number, len: number): boolean {
  const byId = smpp.tlvsById;
  while (off < len) {
    if (off + 4 > len) return false;
    const n = ((b[off + 2] as number) << 8) | (b[off + 3] as number);
    const start = off + 4;
    off = start + n;
    if (off > len) return false;
    const def = byId[((b[start - 4] as number) << 8) | (b[start - 3] as number)];
    if (def === undefined) continue;
    const kind = tlvKindsOf(def).decode;
    // node-smpp reads integers at the value's offset whatever the length, C-strings up to a NUL
    // wherever it is: only the unambiguous shapes are replicated.
    if (kind === NONE) return false;
    if (kind === CSTRING ? nul(b, start, off) < 0 : kind <= INT32 && n !== intSize(kind)) return false;
  }
  return true;
}

/** Sets the TLVs from `off` (checked by {@link tlvsWellFormed}) as node-smpp does. */
function setTlvs(pdu: Pdu, b: Buffer, off: number, len: number): void {
  const byId = smpp.tlvsById;
  while (off < len) {
    const tag = ((b[off] as number) << 8) | (b[off + 1] as number);
    const start = off + 4;
    off = start + (((b[off + 2] as number) << 8) | (b[off + 3] as number));
    const def = byId[tag];
    if (def === undefined) {
      pdu[tag] = b.subarray(start, off);
      continue;
    }
    switch (tlvKindsOf(def).decode) {
      case INT8:
        pdu[def.tag] = b[start];
        break;
      case INT16:
        pdu[def.tag] = ((b[start] as number) << 8) | (b[start + 1] as number);
        break;
      case INT32:
        pdu[def.tag] = b.readUInt32BE(start);
        break;
      case CSTRING:
        pdu[def.tag] = ascii(b, start, nul(b, start, off));
        break;
      case STRING:
        pdu[def.tag] = ascii(b, start, off);
        break;
      default:
        // BYTES
        pdu[def.tag] = b.subarray(start, off);
    }
  }
}

// Each decoder reads every field into locals first (each must start before the end and fit), checks the
// TLV stream, and only then stores: a declined PDU is left untouched for node-smpp.

/** No mandatory field (enquire_link, unbind, generic_nack and their responses): TLVs only. */
function decodeNoFields(pdu: Pdu, b: Buffer, len: number, plan: Plan): boolean {
  if (!tlvsWellFormed(b, 16, len)) return false;
  setHeader(pdu, b, len, plan);
  setTlvs(pdu, b, 16, len);
  return true;
}

/** message_id (submit_sm_resp, deliver_sm_resp, data_sm_resp). */
function decodeMessageId(pdu: Pdu, b: Buffer, len: number, plan: Plan): boolean {
  const e = nul(b, 16, len);
  if (e < 0 || !tlvsWellFormed(b, e + 1, len)) return false;
  setHeader(pdu, b, len, plan);
  pdu.message_id = ascii(b, 16, e);
  setTlvs(pdu, b, e + 1, len);
  return true;
}

/** submit_sm and deliver_sm. */
function decodeSm(pdu: Pdu, b: Buffer, len: number, plan: Plan): boolean {
  // Ends (NUL offsets) of the C-strings; nul() is -1 as well when a field would start past the end.
  const serviceType = nul(b, 16, len);
  if (serviceType < 0) return false;
  const sourceAddr = nul(b, serviceType + 3, len); // after source_addr_ton, source_addr_npi
  if (sourceAddr < 0) return false;
  const destAddr = nul(b, sourceAddr + 3, len); // after dest_addr_ton, dest_addr_npi
  if (destAddr < 0) return false;
  const schedule = nul(b, destAddr + 4, len); // after esm_class, protocol_id, priority_flag
  if (schedule < 0) return false;
  const validity = nul(b, schedule + 1, len);
  if (validity < 0) return false;
  // After registered_delivery, replace_if_present_flag, data_coding, sm_default_msg_id.
  const smLength = validity + 5;
  if (smLength >= len) return false;
  const end = smLength + 1 + (b[smLength] as number);
  if (end > len || !tlvsWellFormed(b, end, len)) return false;
  setHeader(pdu, b, len, plan);
  pdu.service_type = ascii(b, 16, serviceType);
  pdu.source_addr_ton = b[serviceType + 1];
  pdu.source_addr_npi = b[serviceType + 2];
  pdu.source_addr = ascii(b, serviceType + 3, sourceAddr);
  pdu.dest_addr_ton = b[sourceAddr + 1];
  pdu.dest_addr_npi = b[sourceAddr + 2];
  pdu.destination_addr = ascii(b, sourceAddr + 3, destAddr);
  pdu.esm_class = b[destAddr + 1];
  pdu.protocol_id = b[destAddr + 2];
  pdu.priority_flag = b[destAddr + 3];
  pdu.schedule_delivery_time = ascii(b, destAddr + 4, schedule);
  pdu.validity_period = ascii(b, schedule + 1, validity);
  pdu.registered_delivery = b[validity + 1];
  pdu.replace_if_present_flag = b[validity + 2];
  pdu.data_coding = b[validity + 3];
  pdu.sm_default_msg_id = b[validity + 4];
  pdu.short_message = b.subarray(smLength + 1, end);
  setTlvs(pdu, b, end, len);
  return true;
}

/** data_sm. */
function decodeDataSm(pdu: Pdu, b: Buffer, len: number, plan: Plan): boolean {
  const serviceType = nul(b, 16, len);
  if (serviceType < 0) return false;
  const sourceAddr = nul(b, serviceType + 3, len); // after source_addr_ton, source_addr_npi
  if (sourceAddr < 0) return false;
  const destAddr = nul(b, sourceAddr + 3, len); // after dest_addr_ton, dest_addr_npi
  if (destAddr < 0) return false;
  const end = destAddr + 4; // after esm_class, registered_delivery, data_coding
  if (end > len || !tlvsWellFormed(b, end, len)) return false;
  setHeader(pdu, b, len, plan);
  pdu.service_type = ascii(b, 16, serviceType);
  pdu.source_addr_ton = b[serviceType + 1];
  pdu.source_addr_npi = b[serviceType + 2];
  pdu.source_addr = ascii(b, serviceType + 3, sourceAddr);
  pdu.dest_addr_ton = b[sourceAddr + 1];
  pdu.dest_addr_npi = b[sourceAddr + 2];
  pdu.destination_addr = ascii(b, sourceAddr + 3, destAddr);
  pdu.esm_class = b[destAddr + 1];
  pdu.registered_delivery = b[destAddr + 2];
  pdu.data_coding = b[destAddr + 3];
  setTlvs(pdu, b, end, len);
  return true;
}

const C = CSTRING;
const I = INT8;
/** Field layouts (`name:kind` as {@link buildPlan} lists them) with a written-out decoder. */
const DECODERS = new Map<string, Decoder>([
  ['', decodeNoFields],
  [`message_id:${C}`, decodeMessageId],
  [
    [
      `service_type:${C}`,
      `source_addr_ton:${I}`,
      `source_addr_npi:${I}`,
      `source_addr:${C}`,
      `dest_addr_ton:${I}`,
      `dest_addr_npi:${I}`,
      `destination_addr:${C}`,
      `esm_class:${I}`,
      `protocol_id:${I}`,
      `priority_flag:${I}`,
      `schedule_delivery_time:${C}`,
      `validity_period:${C}`,
      `registered_delivery:${I}`,
      `replace_if_present_flag:${I}`,
      `data_coding:${I}`,
      `sm_default_msg_id:${I}`,
      `short_message:${OCTETS}`,
    ].join(','),
    decodeSm,
  ],
  [
    [
      `service_type:${C}`,
      `source_addr_ton:${I}`,
      `source_addr_npi:${I}`,
      `source_addr:${C}`,
      `dest_addr_ton:${I}`,
      `dest_addr_npi:${I}`,
      `destination_addr:${C}`,
      `esm_class:${I}`,
      `registered_delivery:${I}`,
      `data_coding:${I}`,
    ].join(','),
    decodeDataSm,
  ],
]);

/**
 * Parses `buffer` into `pdu` exactly as node-smpp's `PDU.prototype.fromBuffer` would (with Hub's
 * identity decode filters) and returns true; returns false without touching `pdu` when the command is
 * not a fast one or the body is not well formed (a field or sm_length past the end, a body that stops
 * between two fields, a broken TLV stream, trailing octets, `buffer` not exactly command_length long):
 * node-smpp parses those.
 */
export function decodeFast(pdu: Pdu, buffer: Buffer): boolean {
  const len = buffer.length;
  if (len < 16 || buffer.readUInt32BE(0) !== len || len > smpp.PDU.maxLength) return false;
  const plan = plansById.get(buffer.readUInt32BE(4));
  if (plan === undefined || plan.decoder === undefined) return false;
  if (len > 16) return plan.decoder(pdu, buffer, len, plan);
  // A header-only body: node-smpp sets no field (common for error responses).
  setHeader(pdu, buffer, len, plan);
  return true;
}
