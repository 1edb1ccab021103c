/**
 * The one place that touches node-smpp's internals. Everything else in `session/` goes through here.
 *
 * node-smpp is configured **process-wide** on first import (it is a module singleton; there is no
 * per-session codec):
 * - `PDU.maxLength` = {@link MAX_PDU_LENGTH} (node-smpp's 16384 rejects a 64K message_payload).
 * - Every value filter's `decode` is replaced by the identity, so received PDUs carry the wire values:
 *   `short_message` and `message_payload` are the exact Buffers (UDH included; node-smpp would decode
 *   them by `data_coding & 0x0F`, corrupting dc 0 receipts and class-bit DCS), `schedule_delivery_time`,
 *   `validity_period` and `final_date` stay SMPP time strings (node-smpp would turn relative times into
 *   absolute Dates), and the structured TLVs (callback_num, broadcast_*, billing_identification) stay Buffers.
 * - Encoding the message fields accepts Buffers only (a string would be charset-guessed, §6 of the notes);
 *   time fields are written as given. The codec layer (`src/codec`) produces both.
 * - Each parsed PDU keeps its exact bytes (non-enumerable `raw`), used for strict body validation.
 * - `PDU.commandLength` also enforces a per-connection limit set with {@link limitPduLength} (a listener's
 *   `maxPduLength`); `PDU.maxLength` stays the process-wide ceiling.
 * - The hot PDUs (submit_sm, deliver_sm, data_sm, their responses, enquire_link, unbind, generic_nack)
 *   are encoded and, when well formed, parsed by `fast-codec.ts`, which yields exactly what node-smpp
 *   would and declines everything else to it ({@link encodeWithNodeSmpp}, {@link decodeWithNodeSmpp}
 *   are the node-smpp-only references its tests compare with).
 */

import { Errors } from '@hub/errors';
import smpp from 'smpp';
import { DEFAULT_MAX_PDU_LENGTH } from '../codec/header.js';
import { decodeFast, enableFastCodec, encodeFast } from './fast-codec.js';
import { Status } from './status.js';

/** node-smpp's `PDU.maxLength` as set by Hub: a full 64K message_payload plus header and fields. */
export const MAX_PDU_LENGTH: number = DEFAULT_MAX_PDU_LENGTH;

const RAW = Symbol.for('hub.smpp.raw');
const LIMIT = Symbol.for('hub.smpp.maxPduLength');
const INSTALLED = Symbol.for('hub.smpp.installed');
/** node-smpp's `fromBuffer` with Hub's raw-bytes capture but without the fast path (equivalence tests). */
const NODE_FROM_BUFFER = Symbol.for('hub.smpp.nodeFromBuffer');

function install(): void {
  const proto = smpp.PDU.prototype as unknown as Record<symbol, unknown> & { fromBuffer(buf: Buffer): void };
  if (proto[INSTALLED]) return;
  proto[INSTALLED] = true;
  smpp.PDU.maxLength = MAX_PDU_LENGTH;

  const identity = (value: unknown): unknown => value;
  for (const filter of Object.values(smpp.filters)) filter.decode = identity;
  const time = smpp.filters.time;
  if (time) time.encode = identity;
  const messageEncode = (value: unknown): unknown => {
    if (Buffer.isBuffer(value)) return value;
    // Strings would go through node-smpp's charset guessing: refuse, the codec encodes.
    throw new TypeError('short_message and message_payload must be Buffers');
  };
  const message = smpp.filters.message;
  if (message) message.encode = messageEncode;
  enableFastCodec(identity, messageEncode);

  // Same failure mode as node-smpp's own maxLength check (a throw from the read loop, with the 4 length
  // octets consumed), so the session's framing recovery answers it identically.
  const commandLength = smpp.PDU.commandLength;
  smpp.PDU.commandLength = (stream: NodeJS.ReadableStream): number | false => {
    const length = commandLength.call(smpp.PDU, stream);
    // Below the 16-octet header a length cannot frame anything: node-smpp would read 0 as "no length yet"
    // and a negative body for 1-15, misreading every later PDU. Treat it as the framing error it is.
    if (typeof length === 'number' && length < 16) {
      throw new Errors.HUB_ERR_SMPP_INVALID_COMMAND_LENGTH(
        String(length),
        'shorter than the 16-octet header',
      );
    }
    const limit = (stream as unknown as Record<symbol, unknown>)[LIMIT];
    if (typeof length === 'number' && typeof limit === 'number' && length > limit) {
      throw new Errors.HUB_ERR_SMPP_INVALID_COMMAND_LENGTH(String(length), `over the maximum ${limit}`);
    }
    return length;
  };

  const fromBuffer = proto.fromBuffer;
  proto[NODE_FROM_BUFFER] = function (this: Record<symbol, unknown>, buffer: Buffer): void {
    Object.defineProperty(this, RAW, { value: buffer, enumerable: false });
    fromBuffer.call(this, buffer);
  };
  // Well-formed hot PDUs are parsed by the fast path (same properties, same order); anything else by
  // node-smpp, whose leniency checkRequestBody and the framing recovery rely on.
  proto.fromBuffer = function (this: Record<string | symbol, unknown>, buffer: Buffer): void {
    Object.defineProperty(this, RAW, { value: buffer, enumerable: false });
    if (!decodeFast(this, buffer)) fromBuffer.call(this, buffer);
  };
}
install();

/**
 * Caps the command_length accepted on `node`'s connection at `max` octets (at most {@link MAX_PDU_LENGTH},
 * which node-smpp enforces for the whole process). A longer PDU is a framing error: node-smpp stops
 * reading and the session answers generic_nack ESME_RINVCMDLEN and closes.
 */
export function limitPduLength(node: NodeSession, max: number): void {
  (node.socket as unknown as Record<symbol, unknown>)[LIMIT] = Math.min(max, MAX_PDU_LENGTH);
}

/** The configured node-smpp module (for the session classes and test helpers). */
export { smpp };
/** node-smpp's PDU object. */
export type NodePdu = smpp.PDU;
/** node-smpp's Session object. */
export type NodeSession = smpp.Session;

/** TLV value kinds {@link registerTlv} accepts (node-smpp's `types.tlv.*`). */
export type TlvKind = 'int8' | 'int16' | 'int32' | 'cstring' | 'string' | 'buffer';

/**
 * Makes a vendor TLV (0x1400–0x3FFF) or any tag node-smpp lacks sendable and named on receipt.
 * Process-wide; call at start-up. Throws `HUB_ERR_CONFIG` if the name or tag is taken by another TLV.
 */
export function registerTlv(name: string, tag: number, kind: TlvKind): void {
  const byName = smpp.tlvs[name];
  const byId = smpp.tlvsById[tag];
  if (byName && byName.id === tag) return;
  if (byName || byId)
    throw new Errors.HUB_ERR_CONFIG(`tlv ${name}`, `name or tag 0x${tag.toString(16)} already defined`);
  const type = smpp.types.tlv[kind];
  if (!type) throw new Errors.HUB_ERR_CONFIG(`tlv ${name}`, `unknown kind ${kind}`);
  smpp.addTLV(name, { id: tag, type });
}

/**
 * A received PDU as Hub sees it: header, mandatory fields and TLVs split, all values raw
 * (`short_message` / `message_payload` are Buffers, times are SMPP time strings).
 */
export interface SmppPdu {
  /** node-smpp command name (`submit_sm`, `deliver_sm_resp`, `generic_nack`, ...) or `unknown`. */
  readonly command: string;
  readonly commandId: number;
  /** command_status (0 in requests). */
  readonly status: number;
  readonly sequence: number;
  /** Mandatory fields by name. */
  readonly fields: Readonly<Record<string, unknown>>;
  /** Known TLVs by name (multiple-TLVs are arrays). */
  readonly tlvs: Readonly<Record<string, unknown>>;
  /** TLVs node-smpp does not know, by tag, as raw value Buffers. */
  readonly unknownTlvs: ReadonlyMap<number, Buffer>;
  /** The PDU's exact bytes, header included. */
  readonly raw: Buffer;
}

const HEADER_KEYS = new Set(['command', 'command_length', 'command_id', 'command_status', 'sequence_number']);
const NO_PARAMS: Readonly<Record<string, unknown>> = Object.freeze({});

/** Raw bytes of a PDU parsed by node-smpp (empty for PDUs built locally). */
export function rawOf(pdu: NodePdu): Buffer {
  return ((pdu as unknown as Record<symbol, unknown>)[RAW] as Buffer | undefined) ?? Buffer.alloc(0);
}

/**
 * Parses `buffer` (one whole PDU) with node-smpp's own `fromBuffer`, bypassing the fast path, into a
 * fresh PDU: the reference of the equivalence tests.
 */
export function decodeWithNodeSmpp(buffer: Buffer): NodePdu {
  const proto = smpp.PDU.prototype as unknown as Record<symbol, (this: NodePdu, buffer: Buffer) => void>;
  const pdu = Object.create(proto) as NodePdu;
  proto[NODE_FROM_BUFFER]?.call(pdu, buffer);
  return pdu;
}

/** True for an unknown TLV's key (its decimal tag); only keys starting with a digit pay for the regex. */
function isTagKey(key: string): boolean {
  const c = key.charCodeAt(0);
  return c >= 48 && c <= 57 && /^\d+$/.test(key);
}

/** The typed view of a node-smpp PDU. */
export function toSmppPdu(pdu: NodePdu): SmppPdu {
  const params = smpp.commands[pdu.command]?.params ?? NO_PARAMS;
  const fields: Record<string, unknown> = {};
  const tlvs: Record<string, unknown> = {};
  const unknownTlvs = new Map<number, Buffer>();
  const keys = Object.keys(pdu);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    if (HEADER_KEYS.has(key)) continue;
    const value = pdu[key];
    if (Object.hasOwn(params, key)) fields[key] = value;
    else if (isTagKey(key)) unknownTlvs.set(Number(key), value as Buffer);
    else tlvs[key] = value;
  }
  return {
    command: pdu.command,
    commandId: pdu.command_id,
    status: pdu.command_status,
    sequence: pdu.sequence_number,
    fields,
    tlvs,
    unknownTlvs,
    raw: rawOf(pdu),
  };
}

/** True when node-smpp knows `command` (a request or a response name). */
export function isKnownCommand(command: string): boolean {
  return Object.hasOwn(smpp.commands, command);
}

/** The response command name for a request, or undefined when it has none (alert_notification, outbind). */
export function responseCommandOf(command: string): string | undefined {
  const resp = `${command}_resp`;
  return Object.hasOwn(smpp.commands, resp) ? resp : undefined;
}

/**
 * Strict check of a received request's body, which node-smpp parses leniently (a truncated body yields
 * empty fields). Returns 0 when every mandatory field fits and the TLV stream ends exactly at
 * command_length, else the command_status to answer: ESME_RINVCMDLEN (fields run past the end),
 * ESME_RINVMSGLEN (sm_length past the end), ESME_RINVTLVSTREAM / ESME_RINVTLVLEN (broken TLV stream).
 */
export function checkRequestBody(pdu: NodePdu): number {
  const raw = rawOf(pdu);
  const len = raw.length;
  if (len < 16 || len !== pdu.command_length) return Status.ESME_RINVCMDLEN;
  const params = smpp.commands[pdu.command]?.params ?? {};
  let off = 16;
  for (const [key, def] of Object.entries(params)) {
    if (off >= len || pdu[key] === undefined) return Status.ESME_RINVCMDLEN;
    if (def.type === smpp.types.cstring) {
      const end = raw.indexOf(0, off);
      if (end < 0) return Status.ESME_RINVCMDLEN;
      off = end + 1;
    } else if (def.type === smpp.types.buffer) {
      const n = raw[off] as number;
      if (off + 1 + n > len) return Status.ESME_RINVMSGLEN;
      off += 1 + n;
    } else {
      off += def.type.size(pdu[key]);
    }
    if (off > len) return Status.ESME_RINVCMDLEN;
  }
  while (off < len) {
    if (off + 4 > len) return Status.ESME_RINVTLVSTREAM;
    const n = raw.readUInt16BE(off + 2);
    if (off + 4 + n > len) return Status.ESME_RINVTLVLEN;
    off += 4 + n;
  }
  return 0;
}

/** What {@link encodePdu} builds. */
export interface EncodeInput {
  readonly command: string;
  readonly sequence: number;
  readonly status?: number;
  /** Mandatory fields; TLV names are accepted here too (node-smpp style). */
  readonly fields?: Readonly<Record<string, unknown>>;
  readonly tlvs?: Readonly<Record<string, unknown>>;
  /** False for SMPP 3.3 peers: every TLV is dropped. */
  readonly tlvsAllowed: boolean;
}

/**
 * Serialises a PDU. A non-zero status gives a header-only PDU unless TLVs remain to be sent (SMPP 5.0
 * allows e.g. congestion_state or additional_status_info_text in error responses); then the body is
 * encoded too. Throws `HUB_ERR_SMPP_SEND_FAILED` for unknown commands or field names and values
 * node-smpp cannot encode (a string short_message, a short_message over 255 octets).
 */
export function encodePdu(input: EncodeInput): Buffer {
  return encodeFast(input) ?? encodeWithNodeSmpp(input);
}

/** {@link encodePdu} through node-smpp only (no fast path): the reference of the equivalence tests. */
export function encodeWithNodeSmpp(input: EncodeInput): Buffer {
  const def = smpp.commands[input.command];
  if (!def) throw new Errors.HUB_ERR_SMPP_SEND_FAILED(input.command, 'unknown command');
  const params = def.params ?? {};
  const options: Record<string, unknown> = {};
  let tlvCount = 0;
  const put = (key: string, value: unknown): void => {
    if (value === undefined) return;
    if (Object.hasOwn(params, key)) {
      options[key] = value;
    } else if (Object.hasOwn(smpp.tlvs, key)) {
      if (!input.tlvsAllowed) return;
      options[key] = value;
      tlvCount++;
    } else {
      throw new Errors.HUB_ERR_SMPP_SEND_FAILED(input.command, `unknown field or TLV ${key}`);
    }
  };
  for (const [k, v] of Object.entries(input.fields ?? {})) put(k, v);
  for (const [k, v] of Object.entries(input.tlvs ?? {})) put(k, v);
  const status = input.status ?? 0;
  if (status !== 0 && tlvCount === 0) {
    const header = Buffer.alloc(16);
    header.writeUInt32BE(16, 0);
    header.writeUInt32BE(def.id >>> 0, 4);
    header.writeUInt32BE(status >>> 0, 8);
    header.writeUInt32BE(input.sequence >>> 0, 12);
    return header;
  }
  try {
    const pdu = new smpp.PDU(input.command, { ...options, sequence_number: input.sequence });
    const buf = pdu.toBuffer();
    if (status !== 0) buf.writeUInt32BE(status >>> 0, 8);
    return buf;
  } catch (err) {
    throw new Errors.HUB_ERR_SMPP_SEND_FAILED(
      input.command,
      err instanceof Error ? err.message : String(err),
      {
        cause: err,
      },
    );
  }
}
