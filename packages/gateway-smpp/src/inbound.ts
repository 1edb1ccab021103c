import type { Account } from '@hub/config';
import { Errors } from '@hub/errors';
import { type Address, normalizeAddress, type Options } from '@hub/message';
import {
  buildUdh,
  type ConcatInfo,
  countSegments,
  decodeMessage,
  parseRegisteredDelivery,
  parseSmppTime,
  readReceivedPart,
  SmppStatus,
} from '@hub/smpp';

/** What one submit_sm / data_sm / submit_multi PDU carries, decoded and validated (no I/O). */
export interface InboundSubmit {
  readonly from: Address;
  readonly to: readonly Address[];
  readonly dataCoding: number;
  /** User data of this PDU without the concatenation UDH. */
  readonly body: Buffer;
  /** UDH elements other than concatenation (ports...), rebuilt as bytes. */
  readonly otherUdh: Buffer | undefined;
  /** Present when this PDU is one part of a concatenated message (UDH or SAR). */
  readonly concat: ConcatInfo | undefined;
  readonly options: Options;
  /** TLVs Hub does not interpret, tag → hex, kept verbatim. */
  readonly tlvs: Record<string, string>;
}

/** A PDU as the session hands it over (fields and TLVs by name, raw values). */
export interface PduView {
  readonly command: string;
  readonly fields: Readonly<Record<string, unknown>>;
  readonly tlvs: Readonly<Record<string, unknown>>;
  readonly unknownTlvs: ReadonlyMap<number, Buffer>;
}

const str = (v: unknown): string =>
  typeof v === 'string' ? v : Buffer.isBuffer(v) ? v.toString('latin1') : '';
const num = (v: unknown): number => (typeof v === 'number' ? v : 0);
const buf = (v: unknown): Buffer | undefined => {
  if (Buffer.isBuffer(v)) return v;
  if (typeof v === 'string') return Buffer.from(v, 'latin1');
  if (v !== null && typeof v === 'object' && 'message' in v) {
    // node-smpp's decoded form {udh?, message}; the session is configured for raw Buffers, this is a fallback.
    const m = (v as { message: unknown }).message;
    return Buffer.isBuffer(m) ? m : Buffer.from(String(m), 'latin1');
  }
  return undefined;
};

const INTERPRETED_TLVS = new Set([
  'message_payload',
  'sar_msg_ref_num',
  'sar_total_segments',
  'sar_segment_seqnum',
  'user_message_reference',
  'congestion_state',
]);

/** Decodes a source or destination address, or throws the PDU's address status. */
export function address(raw: string, ton: number, npi: number, which: 'source' | 'destination'): Address {
  const a = normalizeAddress(raw, { ton, npi });
  // A handset cannot be reached at a name: destinations must be numbers (alphanumeric is for senders).
  if (a === undefined || (which === 'destination' && (a.kind === 'alnum' || a.kind === 'email'))) {
    throw which === 'source'
      ? new Errors.HUB_ERR_GATEWAY_INVALID_SOURCE(JSON.stringify(raw))
      : new Errors.HUB_ERR_GATEWAY_INVALID_DESTINATION(JSON.stringify(raw));
  }
  return a;
}

/**
 * Validates and decodes a submit_sm, data_sm or submit_multi for `account`. Throws a catalog HubError
 * whose SMPP status the session answers with: bad addresses (RINVSRCADR/RINVDSTADR), a coding the
 * account may not use (RINVDCS), text that does not decode in its coding, both short_message and
 * message_payload (RINVTLVSTREAM... answered as RINVMSGLEN), bad times (RINVSCHED/RINVEXPIRY).
 */
export function decodeSubmit(
  pdu: PduView,
  account: Account,
  now: Date,
  destinations?: readonly Address[],
): InboundSubmit {
  const f = pdu.fields;
  const smpp = account.smpp;
  const from = address(str(f.source_addr), num(f.source_addr_ton), num(f.source_addr_npi), 'source');
  const to = destinations ?? [
    address(str(f.destination_addr), num(f.dest_addr_ton), num(f.dest_addr_npi), 'destination'),
  ];
  const dataCoding = num(f.data_coding);
  if (smpp !== undefined && !smpp.allowedCodings.includes(dataCoding)) {
    throw new Errors.HUB_ERR_SMPP_INVALID_DCS(dataCoding, 'not allowed for this account');
  }
  const shortMessage = buf(f.short_message) ?? Buffer.alloc(0);
  const payload = buf(pdu.tlvs.message_payload);
  if (payload !== undefined && shortMessage.length > 0) {
    throw new Errors.HUB_ERR_SMPP_INVALID_MESSAGE_LENGTH(
      'both short_message and message_payload are present',
    );
  }
  const esmClass = num(f.esm_class);
  const part = readReceivedPart(payload ?? shortMessage, esmClass, {
    sar_msg_ref_num: pdu.tlvs.sar_msg_ref_num as number | undefined,
    sar_total_segments: pdu.tlvs.sar_total_segments as number | undefined,
    sar_segment_seqnum: pdu.tlvs.sar_segment_seqnum as number | undefined,
  });
  // Text must decode in its coding now: an ESME learns of a bad message in the response, not later.
  if (part.concat === undefined)
    decodeMessage(dataCoding, part.body, { defaultAlphabet: smpp?.defaultAlphabet ?? 'gsm' });
  const otherElements = part.udh?.elements.filter((e) => e.iei !== 0x00 && e.iei !== 0x08) ?? [];
  const rd = parseRegisteredDelivery(num(f.registered_delivery));
  const scheduleAt = parseSmppTime(str(f.schedule_delivery_time), now, 'schedule');
  const expireAt = parseSmppTime(str(f.validity_period), now, 'expiry');
  if (scheduleAt !== undefined && expireAt !== undefined && expireAt <= scheduleAt) {
    throw new Errors.HUB_ERR_SMPP_INVALID_EXPIRY(
      str(f.validity_period),
      'expires before its scheduled delivery time',
    );
  }
  const tlvs: Record<string, string> = {};
  for (const [tag, value] of pdu.unknownTlvs) tlvs[String(tag)] = value.toString('hex');
  const serviceType = str(f.service_type);
  const options: Options = {
    receipt: rd.receipt === 'success-or-failure' ? 'final' : rd.receipt,
    ...(rd.intermediate ? { intermediate: true } : {}),
    priority: Math.min(3, Math.max(0, num(f.priority_flag))),
    ...(scheduleAt === undefined ? {} : { scheduleAt: scheduleAt.getTime() }),
    ...(expireAt === undefined ? {} : { expireAt: expireAt.getTime() }),
    ...(serviceType === '' ? {} : { serviceType }),
    esmClass,
    protocolId: num(f.protocol_id),
    ...(num(f.replace_if_present_flag) === 1 ? { replaceIfPresent: true } : {}),
  };
  for (const [name, value] of Object.entries(pdu.tlvs)) {
    if (INTERPRETED_TLVS.has(name) || value === undefined) continue;
    tlvs[name] = Buffer.isBuffer(value) ? value.toString('hex') : String(value);
  }
  return {
    from,
    to,
    dataCoding,
    body: part.body,
    otherUdh: otherElements.length > 0 ? buildUdh(otherElements) : undefined,
    concat: part.concat,
    options,
    tlvs,
  };
}

/** Segments a logical message takes, as throttling and billing count them (text counted as text). */
export function segmentsOf(body: Uint8Array, dataCoding: number, account: Account): number {
  const defaultAlphabet = account.smpp?.defaultAlphabet ?? 'gsm';
  try {
    const d = decodeMessage(dataCoding, body, { defaultAlphabet });
    return Math.min(255, countSegments(d.kind === 'text' ? d.text : body, dataCoding, { defaultAlphabet }));
  } catch {
    return Math.max(1, Math.ceil(body.length / 134));
  }
}

/** Decoded text of a complete message, or undefined for binary codings. */
export function textOf(body: Uint8Array, dataCoding: number, account: Account): string | undefined {
  const d = decodeMessage(dataCoding, body, { defaultAlphabet: account.smpp?.defaultAlphabet ?? 'gsm' });
  return d.kind === 'text' ? d.text : undefined;
}

export { SmppStatus };
