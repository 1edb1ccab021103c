/**
 * Text → submit_sm fields: data_coding chosen automatically (GSM 7-bit when the text allows, else UCS-2)
 * and long texts split with an 8-bit-reference concatenation UDH. No I/O.
 */
import { EsmClass, pickDataCoding, splitMessage } from '@hub/smpp';
import type { SmppAddr } from './address.js';

/** The submit_sm PDUs of one message, as `SmppClient.submit(fields)` takes them. */
export interface MessagePlan {
  readonly dataCoding: number;
  readonly parts: ReadonlyArray<Readonly<Record<string, unknown>>>;
}

/** Everything {@link planMessage} needs besides the text. */
export interface PlanInput {
  readonly source: SmppAddr;
  readonly dest: SmppAddr;
  readonly text: string;
  /** Concatenation reference (0–255), used only when the text needs several parts. */
  readonly reference: number;
  /** Ask for a delivery receipt (registered_delivery 1). */
  readonly receipt: boolean;
  /** service_type (default empty). */
  readonly serviceType?: string;
  /** Refuse texts needing more parts (default 255). */
  readonly maxParts?: number;
}

/**
 * Builds the parts. Throws the codec's `HUB_ERR_SMPP_INVALID_MESSAGE_LENGTH` when more than `maxParts`
 * parts would be needed: the caller reports that row as refused and goes on.
 */
export function planMessage(p: PlanInput): MessagePlan {
  const dc = pickDataCoding(p.text);
  const split = splitMessage(p.text, dc, { method: 'udh8', reference: p.reference, maxParts: p.maxParts });
  const parts = split.segments.map((s) => ({
    service_type: p.serviceType ?? '',
    source_addr_ton: p.source.ton,
    source_addr_npi: p.source.npi,
    source_addr: p.source.addr,
    dest_addr_ton: p.dest.ton,
    dest_addr_npi: p.dest.npi,
    destination_addr: p.dest.addr,
    esm_class: s.udhi ? EsmClass.UDHI : 0,
    protocol_id: 0,
    priority_flag: 0,
    schedule_delivery_time: '',
    validity_period: '',
    registered_delivery: p.receipt ? 1 : 0,
    replace_if_present_flag: 0,
    data_coding: dc,
    sm_default_msg_id: 0,
    short_message: s.shortMessage,
  }));
  return { dataCoding: dc, parts };
}
