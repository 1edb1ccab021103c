/**
 * Pure receive side of an SMPP connector: deliver_sm / data_sm → {@link UpstreamReport} or
 * {@link UpstreamMo}, and reassembly of concatenated MO parts. No I/O; time is passed in.
 */
import type { SmppConnectorConfig } from '@hub/config';
import {
  type Address,
  fromSmppMessageState,
  fromSmppStat,
  type MessageState,
  normalizeAddress,
  type SmsContent,
} from '@hub/message';
import {
  buildUdh,
  decodeMessage,
  type IdBase,
  isReceiptEsmClass,
  normalizeUpstreamId,
  type ParsedReceipt,
  parseReceipt,
  readReceivedPart,
  reassemble,
} from '@hub/smpp';
import type { ReportRaw, UpstreamMo, UpstreamReport } from '../types.js';

/** The parts of a received PDU this module reads (the session layer's `SmppPdu` fits). */
export interface ReceivedPdu {
  readonly command: string;
  readonly fields: Readonly<Record<string, unknown>>;
  readonly tlvs: Readonly<Record<string, unknown>>;
  readonly unknownTlvs: ReadonlyMap<number, Buffer>;
}

/** Connector settings the receive side reads. */
export type ReceiveConfig = Pick<SmppConnectorConfig, 'id' | 'defaultAlphabet' | 'receiptIdBase'>;

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function buf(v: unknown): Buffer | undefined {
  if (Buffer.isBuffer(v)) return v;
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.length);
  return undefined;
}

/** The user data of a deliver_sm / data_sm: message_payload when present, else short_message. */
export function userData(pdu: ReceivedPdu): Buffer {
  return buf(pdu.tlvs.message_payload) ?? buf(pdu.fields.short_message) ?? Buffer.alloc(0);
}

/**
 * Canonical id for matching (`normalizeUpstreamId`); an id that does not fit the configured base is kept
 * trimmed rather than dropped (a misconfigured base then shows up as unmatched reports, not lost ones).
 */
export function canonicalId(id: string, base: IdBase): string {
  try {
    return normalizeUpstreamId(id, base);
  } catch {
    return id.trim();
  }
}

/** True when the PDU is a delivery receipt (esm_class type 0x04 / 0x20, or a receipted_message_id TLV). */
export function isReport(pdu: ReceivedPdu): boolean {
  const esm = num(pdu.fields.esm_class) ?? 0;
  return isReceiptEsmClass(esm) || typeof pdu.tlvs.receipted_message_id === 'string';
}

/**
 * Reads a receipt: TLVs first (receipted_message_id, message_state, network_error_code), then the text
 * (raw bytes as Latin-1) for what the TLVs lack. Returns `undefined` when neither gives an id and a state
 * (the caller answers ESME_RX_P_APPN: redelivering the same bytes cannot help).
 */
export function parseReport(
  pdu: ReceivedPdu,
  config: ReceiveConfig,
  now: number,
): UpstreamReport | undefined {
  const esmClass = num(pdu.fields.esm_class) ?? 0;
  const tlvId = typeof pdu.tlvs.receipted_message_id === 'string' ? pdu.tlvs.receipted_message_id.trim() : '';
  const tlvState = num(pdu.tlvs.message_state);
  const nec = buf(pdu.tlvs.network_error_code);
  const networkErrorCode =
    nec !== undefined && nec.length >= 3 ? { type: nec[0] as number, code: nec.readUInt16BE(1) } : undefined;
  const data = userData(pdu);
  let text: ParsedReceipt | undefined;
  try {
    if (data.length > 0) text = parseReceipt(data);
  } catch {
    text = undefined;
  }
  const rawId = tlvId.length > 0 ? tlvId : text?.id;
  if (rawId === undefined || rawId.length === 0) return undefined;
  let state: MessageState;
  if (tlvState !== undefined) state = fromSmppMessageState(tlvState);
  else if (text !== undefined) state = fromSmppStat(text.stat);
  else return undefined;
  const error =
    text?.err ??
    (networkErrorCode === undefined ? undefined : `${networkErrorCode.type}:${networkErrorCode.code}`);
  const raw: ReportRaw = {
    id: rawId,
    esmClass,
    ...(tlvState === undefined ? {} : { messageState: tlvState }),
    ...(text === undefined
      ? {}
      : {
          stat: text.stat,
          text: data.toString('latin1').replace(/\0+$/, ''),
          ...(text.err === undefined ? {} : { err: text.err }),
          ...(text.sub === undefined ? {} : { sub: text.sub }),
          ...(text.dlvrd === undefined ? {} : { dlvrd: text.dlvrd }),
        }),
    ...(networkErrorCode === undefined ? {} : { networkErrorCode }),
  };
  return {
    connector: config.id,
    upstreamId: canonicalId(rawId, config.receiptIdBase),
    state,
    ...(error === undefined ? {} : { error }),
    ...(text?.doneDate === undefined ? {} : { doneAt: text.doneDate.getTime() }),
    ...(text?.submitDate === undefined ? {} : { submitDate: text.submitDate.getTime() }),
    receivedAt: now,
    raw,
  };
}

/** Unknown TLVs as `extras.smppTlvs` (tag as a decimal string → hex value). */
export function unknownTlvsToExtras(pdu: ReceivedPdu): Record<string, string> | undefined {
  if (pdu.unknownTlvs.size === 0) return undefined;
  const out: Record<string, string> = {};
  for (const [tag, value] of pdu.unknownTlvs) out[String(tag)] = value.toString('hex');
  return out;
}

function address(raw: unknown, ton: unknown, npi: unknown): Address | undefined {
  const s = typeof raw === 'string' ? raw : '';
  return normalizeAddress(s, { ton: num(ton) ?? 0, npi: num(npi) ?? 0 });
}

/** One MO part, decoded enough to group and join. */
export interface MoPart {
  readonly key: string;
  /** Concatenation info; undefined for a single message. */
  readonly concat: { readonly reference: number; readonly total: number; readonly seq: number } | undefined;
  readonly body: Buffer;
  /** The first part's PDU view: addresses, options and TLVs come from it. */
  readonly pdu: ReceivedPdu;
  /** Non-concatenation UDH bytes (UDHL included), if any. */
  readonly udh: Buffer | undefined;
}

/**
 * Splits a deliver_sm / data_sm carrying an MO into body and concatenation info (UDH or SAR TLVs).
 * Throws `HUB_ERR_SMPP_INVALID_UDH` for a malformed UDH (the caller answers with its status).
 */
export function readMoPart(pdu: ReceivedPdu): MoPart {
  const esm = num(pdu.fields.esm_class) ?? 0;
  const part = readReceivedPart(userData(pdu), esm, {
    sar_msg_ref_num: num(pdu.tlvs.sar_msg_ref_num),
    sar_total_segments: num(pdu.tlvs.sar_total_segments),
    sar_segment_seqnum: num(pdu.tlvs.sar_segment_seqnum),
  });
  const others = part.udh?.elements.filter((e) => e.iei !== 0x00 && e.iei !== 0x08) ?? [];
  const concat = part.concat && part.concat.total > 1 ? part.concat : undefined;
  const key = concat
    ? `${String(pdu.fields.source_addr ?? '')}|${String(pdu.fields.destination_addr ?? '')}|${concat.reference}|${concat.total}`
    : '';
  return {
    key,
    concat: concat ? { reference: concat.reference, total: concat.total, seq: concat.seq } : undefined,
    body: part.body,
    pdu,
    udh: others.length > 0 ? buildUdh(others) : undefined,
  };
}

/**
 * Builds the {@link UpstreamMo} for a whole message (`bytes` = joined bodies). Returns `undefined` when
 * the source or destination address is unusable (the caller answers ESME_RX_P_APPN).
 */
export function buildMo(
  first: MoPart,
  bytes: Buffer,
  segments: number,
  config: ReceiveConfig,
  now: number,
  incomplete?: { total: number; missing: number[] },
): UpstreamMo | undefined {
  const f = first.pdu.fields;
  const from = address(f.source_addr, f.source_addr_ton, f.source_addr_npi);
  const to = address(f.destination_addr, f.dest_addr_ton, f.dest_addr_npi);
  if (from === undefined || to === undefined) return undefined;
  const dc = num(f.data_coding) ?? 0;
  let text: string | undefined;
  try {
    const d = decodeMessage(dc, bytes, { defaultAlphabet: config.defaultAlphabet, strict: false });
    if (d.kind === 'text') text = d.text;
  } catch {
    text = undefined; // unsupported coding: keep the bytes only
  }
  const content: SmsContent = {
    type: 'sms',
    dataCoding: dc,
    ...(text === undefined ? {} : { text }),
    bytes: bytes.toString('base64'),
    ...(first.udh === undefined ? {} : { udh: first.udh.toString('base64') }),
    segments: Math.max(1, Math.min(255, segments)),
  };
  const esm = num(f.esm_class);
  const pid = num(f.protocol_id);
  const priority = num(f.priority_flag);
  const serviceType =
    typeof f.service_type === 'string' && f.service_type.length > 0 ? f.service_type : undefined;
  const smppTlvs = unknownTlvsToExtras(first.pdu);
  return {
    connector: config.id,
    receivedAt: now,
    message: {
      direction: 'mo',
      kind: 'sms',
      origin: { protocol: 'smpp', connector: config.id },
      from,
      to: [to],
      content,
      options: {
        receipt: 'none',
        priority: priority !== undefined && priority <= 3 ? priority : 0,
        ...(esm === undefined ? {} : { esmClass: esm }),
        ...(pid === undefined ? {} : { protocolId: pid }),
        ...(serviceType === undefined ? {} : { serviceType: serviceType.slice(0, 6) }),
      },
      ...(smppTlvs === undefined ? {} : { extras: { smppTlvs } }),
    },
    ...(incomplete === undefined ? {} : { incomplete }),
  };
}

interface Pending {
  readonly parts: Map<number, MoPart>;
  readonly total: number;
  readonly firstAt: number;
}

/** Result of {@link MoAssembler.add}. */
export type AddResult =
  | { readonly status: 'partial' }
  | { readonly status: 'complete'; readonly first: MoPart; readonly bytes: Buffer; readonly total: number };

/**
 * Keeps concatenated MO parts in memory until all have arrived (any order, duplicates ignored) or
 * `timeoutMs` passes since the first. In memory only: a crash loses the parts held here, which were
 * already acknowledged — the price of acking each part at once (what SMSCs expect; holding the resp of
 * early parts until the last arrives stalls their window and triggers redelivery storms).
 */
export class MoAssembler {
  readonly #pending = new Map<string, Pending>();
  readonly #timeoutMs: number;

  constructor(timeoutMs: number) {
    this.#timeoutMs = timeoutMs;
  }

  /** Groups being assembled. */
  get size(): number {
    return this.#pending.size;
  }

  /** Adds a part; when it completes its message, returns the joined bytes (the group stays until {@link done}). */
  add(part: MoPart, now: number): AddResult {
    const c = part.concat;
    if (c === undefined) return { status: 'complete', first: part, bytes: part.body, total: 1 };
    let p = this.#pending.get(part.key);
    if (p === undefined) {
      p = { parts: new Map(), total: c.total, firstAt: now };
      this.#pending.set(part.key, p);
    }
    if (!p.parts.has(c.seq)) p.parts.set(c.seq, part);
    const joined = reassemble(
      [...p.parts.values()].map((x) => ({
        reference: c.reference,
        total: c.total,
        seq: x.concat?.seq ?? 1,
        bytes: x.body,
      })),
    );
    if (joined.status === 'incomplete') return { status: 'partial' };
    const first = p.parts.get(1) ?? part;
    return { status: 'complete', first, bytes: joined.bytes, total: c.total };
  }

  /** The message of `part` was handed over: forget its group. */
  done(part: MoPart): void {
    this.#pending.delete(part.key);
  }

  /** Handing over failed: forget only this part, so the upstream's redelivery of it completes the group again. */
  forget(part: MoPart): void {
    if (part.concat) this.#pending.get(part.key)?.parts.delete(part.concat.seq);
  }

  /** Removes groups older than the timeout and returns what they held (the caller emits them as incomplete). */
  sweep(now: number): Array<{ first: MoPart; bytes: Buffer; total: number; missing: number[] }> {
    const out: Array<{ first: MoPart; bytes: Buffer; total: number; missing: number[] }> = [];
    for (const [key, p] of this.#pending) {
      if (now - p.firstAt < this.#timeoutMs) continue;
      this.#pending.delete(key);
      const seqs = [...p.parts.keys()].sort((a, b) => a - b);
      const missing: number[] = [];
      for (let k = 1; k <= p.total; k++) if (!p.parts.has(k)) missing.push(k);
      const first = p.parts.get(seqs[0] as number);
      if (first === undefined) continue;
      out.push({
        first,
        bytes: Buffer.concat(seqs.map((s) => (p.parts.get(s) as MoPart).body)),
        total: p.total,
        missing,
      });
    }
    return out;
  }

  /** Drops everything (stop). */
  clear(): void {
    this.#pending.clear();
  }
}
