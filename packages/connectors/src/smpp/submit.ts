/**
 * Pure translation of a {@link HubMessage} into the submit_sm PDUs an SMPP connector sends: data_coding
 * choice, long-message split (UDH 8/16-bit reference, SAR TLVs or message_payload), addresses with
 * TON/NPI, options (registered_delivery, priority, schedule/validity, service_type, esm_class). No I/O.
 */
import type { SmppConnectorConfig } from '@hub/config';
import { Errors } from '@hub/errors';
import type { Address, HubMessage, SmsContent } from '@hub/message';
import {
  buildUdh,
  type Charset,
  charsetForDcs,
  concatElement,
  EsmClass,
  encodeText,
  formatSmppAbsolute,
  GSM7_ESCAPE,
  MAX_PAYLOAD_OCTETS,
  parseUdh,
  pickDataCoding,
  RegisteredDelivery,
  type UdhElement,
} from '@hub/smpp';
import { mmsTextToSms } from '../mms-text.js';

/** The connector settings {@link planSubmits} reads. */
export type SubmitConfig = Pick<
  SmppConnectorConfig,
  'id' | 'defaultAlphabet' | 'longMessages' | 'sourceTon' | 'sourceNpi'
>;

/** One submit_sm to send: mandatory fields and TLVs, as `SmppClient.submit(fields, { tlvs })` takes them. */
export interface PlannedSubmit {
  readonly fields: Record<string, unknown>;
  readonly tlvs: Record<string, unknown>;
}

/** Result of {@link planSubmits}. */
export interface SubmitPlan {
  readonly dataCoding: number;
  /** Encoded user data of the whole message (no UDH). */
  readonly encoded: Buffer;
  readonly submits: readonly PlannedSubmit[];
}

/** SMPP TON/NPI and digits for an address. */
export interface SmppAddress {
  readonly ton: number;
  readonly npi: number;
  readonly addr: string;
}

/**
 * TON/NPI for an address kind: e164 → 1/1 (international, ISDN; digits without `+`), alnum → 5/0,
 * short → 3/0 (network specific), national → 2/1. For the source, the connector's `sourceTon`/`sourceNpi`
 * override what the kind gives. Throws `HUB_ERR_CONNECTOR_UNSUPPORTED` (permanent) for e-mail addresses.
 */
export function smppAddress(
  a: Address,
  connector: string,
  override: { readonly ton?: number | undefined; readonly npi?: number | undefined } = {},
): SmppAddress {
  let base: SmppAddress;
  switch (a.kind) {
    case 'e164':
      base = { ton: 1, npi: 1, addr: a.value.replace(/^\+/, '') };
      break;
    case 'alnum':
      base = { ton: 5, npi: 0, addr: a.value };
      break;
    case 'short':
      base = { ton: 3, npi: 0, addr: a.value };
      break;
    case 'national':
      base = { ton: 2, npi: 1, addr: a.value };
      break;
    default:
      throw new Errors.HUB_ERR_CONNECTOR_UNSUPPORTED(connector, `${a.kind} address ${a.value} over SMPP`);
  }
  return { ton: override.ton ?? base.ton, npi: override.npi ?? base.npi, addr: base.addr };
}

/** What the connector will put on the wire for a message's content. */
export interface EncodedContent {
  readonly dataCoding: number;
  readonly charset: Charset;
  readonly bytes: Buffer;
  /** Non-concatenation UDH elements to repeat in every part (ports...). */
  readonly udhElements: readonly UdhElement[];
}

// data_codings that name only an alphabet; text in them is re-encoded with the connector's coding.
const REENCODE = new Set([0, 1, 3]);

/**
 * Chooses data_coding and bytes: text sent as dc 0, 1 or 3 is re-encoded for the connector (dc 0 with its
 * `defaultAlphabet` when the text fits, else UCS-2 dc 8); everything else — UCS-2 dc 8, KS C 5601 dc 14,
 * binary dc 2/4, DCS with class or MWI bits — goes out as received, byte for byte. Throws the codec's
 * `HUB_ERR_SMPP_INVALID_DCS` / `HUB_ERR_SMPP_UNENCODABLE` (permanent) for content it cannot carry.
 */
export function encodeContent(
  content: SmsContent,
  config: Pick<SmppConnectorConfig, 'defaultAlphabet'>,
): EncodedContent {
  const udhElements =
    content.udh === undefined
      ? []
      : parseUdh(Buffer.from(content.udh, 'base64')).elements.filter((e) => e.iei !== 0x00 && e.iei !== 0x08);
  if (content.text !== undefined && REENCODE.has(content.dataCoding)) {
    const dc = pickDataCoding(content.text, { defaultAlphabet: config.defaultAlphabet });
    return {
      dataCoding: dc,
      charset: charsetForDcs(dc, config.defaultAlphabet),
      bytes: encodeText(dc, content.text, { defaultAlphabet: config.defaultAlphabet }),
      udhElements,
    };
  }
  return {
    dataCoding: content.dataCoding,
    charset: charsetForDcs(content.dataCoding, config.defaultAlphabet),
    bytes: Buffer.from(content.bytes, 'base64'),
    udhElements,
  };
}

// Octets (or GSM septets) of one indivisible unit at bytes[i]: never cut an escape from its follower,
// a surrogate pair, or a KS C 5601 double-byte character.
function unitLength(charset: Charset, bytes: Uint8Array, i: number): number {
  const b = bytes[i] as number;
  switch (charset) {
    case 'gsm7':
      return b === GSM7_ESCAPE && i + 1 < bytes.length ? 2 : 1;
    case 'ucs2':
      if (i + 1 >= bytes.length) return 1;
      if (b >= 0xd8 && b <= 0xdb && i + 3 < bytes.length) {
        const lo = bytes[i + 2] as number;
        if (lo >= 0xdc && lo <= 0xdf) return 4;
      }
      return 2;
    case 'ksc5601':
      return b >= 0x80 && i + 1 < bytes.length ? 2 : 1;
    default:
      return 1;
  }
}

/** Room for user data in one short_message after `udhOctets` of UDH: septets for GSM 7-bit, else octets. */
export function capacity(charset: Charset, udhOctets: number): number {
  const gsm = charset === 'gsm7' || charset === 'ascii';
  if (udhOctets === 0) return gsm ? 160 : 140;
  if (gsm) return Math.floor(((140 - udhOctets) * 8) / 7);
  if (charset === 'ucs2') return Math.floor((140 - udhOctets) / 2) * 2;
  return 140 - udhOctets;
}

/** Exclusive end offsets of parts holding at most `budget` units each. */
export function cutPoints(charset: Charset, bytes: Uint8Array, budget: number): number[] {
  const cuts: number[] = [];
  let i = 0;
  let used = 0;
  while (i < bytes.length) {
    const len = unitLength(charset, bytes, i);
    if (used + len > budget && used > 0) {
      cuts.push(i);
      used = 0;
    }
    used += len;
    i += len;
  }
  cuts.push(bytes.length);
  return cuts;
}

function udhLength(elements: readonly UdhElement[]): number {
  if (elements.length === 0) return 0;
  return 1 + elements.reduce((n, e) => n + 2 + e.data.length, 0);
}

/** Parameters of {@link planSubmits}. */
export interface PlanOptions {
  /** Concatenation reference for this message (8 bits used for `udh8`, 16 for `udh16`/`sar`). */
  readonly reference: number;
  /** Clock for schedule/validity (ms). */
  readonly now: number;
  /** Largest number of parts (default 255). */
  readonly maxParts?: number;
}

/**
 * Builds the submit_sm PDUs for `msg` (one SMS to its single recipient; a text-only MMS is sent as the SMS
 * {@link mmsTextToSms} makes of it). Throws (all permanent): `HUB_ERR_CONNECTOR_UNSUPPORTED` for other MMS
 * content, several recipients, or e-mail addresses;
 * `HUB_ERR_CONNECTOR_EXPIRED` when `options.expireAt` has passed; `HUB_ERR_SMPP_INVALID_MESSAGE_LENGTH`
 * when more than `maxParts` parts (or 65,535 payload octets) would be needed; the codec's encoding errors.
 */
export function planSubmits(msg: HubMessage, config: SubmitConfig, opts: PlanOptions): SubmitPlan {
  if (msg.to.length !== 1) {
    // Submitting to each recipient here would make a partial failure impossible to retry cleanly.
    throw new Errors.HUB_ERR_CONNECTOR_UNSUPPORTED(
      config.id,
      `${msg.to.length} recipients: send one message per recipient`,
    );
  }
  const o = msg.options;
  if (o.expireAt !== undefined && o.expireAt <= opts.now) throw new Errors.HUB_ERR_CONNECTOR_EXPIRED(msg.id);
  const source = smppAddress(msg.from, config.id, { ton: config.sourceTon, npi: config.sourceNpi });
  const dest = smppAddress(msg.to[0] as Address, config.id);
  const content = encodeContent(
    msg.content.type === 'sms' ? msg.content : mmsTextToSms(msg.content, config),
    config,
  );

  let registered = o.receipt === 'none' ? 0 : RegisteredDelivery.MC_SUCCESS_OR_FAILURE;
  if (o.intermediate === true) registered |= RegisteredDelivery.INTERMEDIATE;
  // Mode and reply-path bits only: message-type bits describe receipts, and UDHI is ours to set.
  const esmBase = (o.esmClass ?? 0) & (EsmClass.MODE_MASK | EsmClass.REPLY_PATH);
  const common: Record<string, unknown> = {
    service_type: o.serviceType ?? '',
    source_addr_ton: source.ton,
    source_addr_npi: source.npi,
    source_addr: source.addr,
    dest_addr_ton: dest.ton,
    dest_addr_npi: dest.npi,
    destination_addr: dest.addr,
    protocol_id: o.protocolId ?? 0,
    priority_flag: o.priority,
    schedule_delivery_time:
      o.scheduleAt !== undefined && o.scheduleAt > opts.now ? formatSmppAbsolute(new Date(o.scheduleAt)) : '',
    validity_period: o.expireAt !== undefined ? formatSmppAbsolute(new Date(o.expireAt)) : '',
    registered_delivery: registered,
    replace_if_present_flag: o.replaceIfPresent === true ? 1 : 0,
    data_coding: content.dataCoding,
    sm_default_msg_id: 0,
  };

  const { bytes, charset, udhElements } = content;
  const method = config.longMessages;
  const extraUdh = udhLength(udhElements);
  const maxParts = Math.min(opts.maxParts ?? 255, 255);
  const part = (
    body: Buffer,
    elements: readonly UdhElement[],
    tlvs: Record<string, unknown>,
    payload = false,
  ): PlannedSubmit => {
    const udh = elements.length > 0 ? buildUdh(elements) : undefined;
    const data = udh === undefined ? body : Buffer.concat([udh, body]);
    const fields = { ...common, esm_class: esmBase | (udh === undefined ? 0 : EsmClass.UDHI) };
    return payload
      ? { fields: { ...fields, short_message: Buffer.alloc(0) }, tlvs: { ...tlvs, message_payload: data } }
      : { fields: { ...fields, short_message: data }, tlvs };
  };

  // Fits one short_message (with any port UDH): no concatenation whatever the method.
  if (cutPoints(charset, bytes, capacity(charset, extraUdh)).length === 1 && extraUdh + bytes.length <= 254) {
    return { dataCoding: content.dataCoding, encoded: bytes, submits: [part(bytes, udhElements, {})] };
  }
  if (method === 'payload') {
    if (extraUdh + bytes.length > MAX_PAYLOAD_OCTETS) {
      throw new Errors.HUB_ERR_SMPP_INVALID_MESSAGE_LENGTH(
        `${bytes.length} octets exceed message_payload's 65535`,
      );
    }
    return { dataCoding: content.dataCoding, encoded: bytes, submits: [part(bytes, udhElements, {}, true)] };
  }
  // SAR: the SMSC builds a 16-bit-reference concat UDH per part, so leave room for it.
  const concatOctets = method === 'udh8' ? 5 : 6;
  const budget = capacity(charset, 1 + (extraUdh === 0 ? 0 : extraUdh - 1) + concatOctets);
  const cuts = cutPoints(charset, bytes, budget);
  const total = cuts.length;
  if (total > maxParts)
    throw new Errors.HUB_ERR_SMPP_INVALID_MESSAGE_LENGTH(`${total} parts exceed the limit of ${maxParts}`);
  const reference = method === 'udh8' ? opts.reference & 0xff : opts.reference & 0xffff;
  const submits: PlannedSubmit[] = [];
  let start = 0;
  for (let k = 0; k < total; k++) {
    const end = cuts[k] as number;
    const body = bytes.subarray(start, end);
    start = end;
    const seq = k + 1;
    if (method === 'sar') {
      submits.push(
        part(body, udhElements, {
          sar_msg_ref_num: reference,
          sar_total_segments: total,
          sar_segment_seqnum: seq,
        }),
      );
    } else {
      const concat = concatElement({ reference, total, seq, referenceBits: method === 'udh8' ? 8 : 16 });
      submits.push(part(body, [concat, ...udhElements], {}));
    }
  }
  return { dataCoding: content.dataCoding, encoded: bytes, submits };
}
