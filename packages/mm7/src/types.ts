/**
 * Typed MM7 messages (3GPP TS 23.140 §8.7, REL-5-MM7-1-0 … REL-6-MM7-1-4). The same shapes are produced
 * by the decoder and accepted by the encoder, so `decode(encode(m))` gives `m` back.
 * Optional elements are `undefined` when absent; unknown elements are kept in `extensions`.
 */
import type { Mm7DeliveryStatus, Mm7ReadStatus } from './status.js';
import type { XmlElement } from './xml.js';

/** Every message type Hub decodes. `Fault` is a SOAP Fault without an RSErrorRsp/VASPErrorRsp detail. */
export const MM7_MESSAGE_TYPES = [
  'SubmitReq',
  'SubmitRsp',
  'DeliverReq',
  'DeliverRsp',
  'CancelReq',
  'CancelRsp',
  'ReplaceReq',
  'ReplaceRsp',
  'DeliveryReportReq',
  'DeliveryReportRsp',
  'ReadReplyReq',
  'ReadReplyRsp',
  'RSErrorRsp',
  'VASPErrorRsp',
  'Fault',
] as const;

/** An MM7 message type (the local name of the first SOAP Body child, or `Fault`). */
export type Mm7MessageType = (typeof MM7_MESSAGE_TYPES)[number];

/** Address element kinds. */
export type Mm7AddressKind = 'Number' | 'ShortCode' | 'RFC2822Address';

/** One address. `value` is verbatim (trimmed): a `/TYPE=PLMN` suffix inside `<Number>` is kept. */
export interface Mm7Address {
  readonly kind: Mm7AddressKind;
  readonly value: string;
  /** `displayOnly` attribute (group MMS: shown, not delivered). */
  readonly displayOnly?: boolean | undefined;
  /** `addressCoding`: `encrypted` | `obfuscated` (other values kept as sent). */
  readonly addressCoding?: string | undefined;
  /** `id` attribute. */
  readonly id?: string | undefined;
}

/** Recipients split by header. Each list is empty when absent. */
export interface Mm7Recipients {
  readonly to: readonly Mm7Address[];
  readonly cc: readonly Mm7Address[];
  readonly bcc: readonly Mm7Address[];
}

/** A time value: absolute ISO 8601 dateTime, or (ExpiryDate, EarliestDeliveryTime, replyDeadline) a relative duration. */
export type Mm7Time =
  | { readonly kind: 'absolute'; readonly raw: string; readonly epochMs: number }
  | { readonly kind: 'relative'; readonly raw: string; readonly seconds: number };

/** A `<Content>` reference. */
export interface Mm7ContentRef {
  /** `href` as sent (trimmed), e.g. `cid:mm7-content`. */
  readonly href: string;
  /** `allowAdaptations` (schema default true when absent). */
  readonly allowAdaptations?: boolean | undefined;
}

/** `<Status>` of a response. */
export interface Mm7StatusValue {
  readonly code: number;
  readonly text?: string | undefined;
  readonly details?: string | undefined;
}

/** `<SenderIdentification>` of VASP requests. */
export interface Mm7SenderIdentification {
  readonly vaspId?: string | undefined;
  readonly vasId?: string | undefined;
  readonly senderAddress?: Mm7Address | undefined;
}

/** `<ReplyCharging>` attributes. */
export interface Mm7ReplyCharging {
  readonly replyChargingSize?: number | undefined;
  readonly replyDeadline?: Mm7Time | undefined;
}

/** `<UACapabilities>` attributes. */
export interface Mm7UaCapabilities {
  readonly uaProf?: string | undefined;
  readonly timeStamp?: Mm7Time | undefined;
}

/** Fields every message carries. */
interface Base {
  /** Unknown elements of the message, verbatim (names, attributes, text, children). */
  readonly extensions: readonly XmlElement[];
}

/** Rel-6 application addressing fields. */
interface ApplicFields {
  readonly applicId?: string | undefined;
  readonly replyApplicId?: string | undefined;
  readonly auxApplicInfo?: string | undefined;
}

/** MM7_submit.REQ: VASP → MMSC. */
export interface Mm7SubmitReq extends Base, ApplicFields {
  readonly type: 'SubmitReq';
  readonly senderIdentification: Mm7SenderIdentification;
  readonly recipients: Mm7Recipients;
  /** `PreferredChannels/DeliverUsing` values (Rel-6). */
  readonly preferredChannels?: readonly string[] | undefined;
  readonly serviceCode?: string | undefined;
  readonly linkedId?: string | undefined;
  readonly messageClass?: 'Personal' | 'Informational' | 'Advertisement' | 'Auto' | undefined;
  readonly timeStamp?: Mm7Time | undefined;
  readonly replyCharging?: Mm7ReplyCharging | undefined;
  readonly earliestDeliveryTime?: Mm7Time | undefined;
  readonly expiryDate?: Mm7Time | undefined;
  readonly deliveryReport?: boolean | undefined;
  readonly readReply?: boolean | undefined;
  readonly priority?: 'Normal' | 'High' | 'Low' | undefined;
  readonly subject?: string | undefined;
  readonly chargedParty?: 'Sender' | 'Recipient' | 'Both' | 'Neither' | 'ThirdParty' | 'Other' | undefined;
  readonly chargedPartyId?: string | undefined;
  readonly distributionIndicator?: boolean | undefined;
  readonly contentClass?: string | undefined;
  readonly drmContent?: boolean | undefined;
  readonly content: readonly Mm7ContentRef[];
}

/** MM7_deliver.REQ: MMSC → VASP (MO). `sender` is schema-mandatory but tolerated when absent. */
export interface Mm7DeliverReq extends Base, ApplicFields {
  readonly type: 'DeliverReq';
  readonly mmsRelayServerId?: string | undefined;
  readonly vaspId?: string | undefined;
  readonly vasId?: string | undefined;
  readonly linkedId?: string | undefined;
  readonly sender?: Mm7Address | undefined;
  readonly recipients?: Mm7Recipients | undefined;
  readonly timeStamp?: Mm7Time | undefined;
  readonly replyChargingId?: string | undefined;
  readonly priority?: 'Normal' | 'High' | 'Low' | undefined;
  readonly subject?: string | undefined;
  readonly uaCapabilities?: Mm7UaCapabilities | undefined;
  readonly content: readonly Mm7ContentRef[];
}

/** MM7_cancel.REQ: VASP → MMSC. */
export interface Mm7CancelReq extends Base, ApplicFields {
  readonly type: 'CancelReq';
  readonly senderIdentification: Mm7SenderIdentification;
  readonly messageId: string;
  readonly recipients?: Mm7Recipients | undefined;
}

/** MM7_replace.REQ: VASP → MMSC. */
export interface Mm7ReplaceReq extends Base, ApplicFields {
  readonly type: 'ReplaceReq';
  readonly senderIdentification: Mm7SenderIdentification;
  readonly messageId: string;
  readonly serviceCode?: string | undefined;
  readonly timeStamp?: Mm7Time | undefined;
  readonly readReply?: boolean | undefined;
  readonly earliestDeliveryTime?: Mm7Time | undefined;
  readonly distributionIndicator?: boolean | undefined;
  readonly contentClass?: string | undefined;
  readonly drmContent?: boolean | undefined;
  readonly content: readonly Mm7ContentRef[];
}

/** MM7_delivery_report.REQ: MMSC → VASP. `recipient`/`sender`/`date` are schema-mandatory but tolerated when absent. */
export interface Mm7DeliveryReportReq extends Base, ApplicFields {
  readonly type: 'DeliveryReportReq';
  readonly mmsRelayServerId?: string | undefined;
  readonly messageId: string;
  readonly recipient?: Mm7Address | undefined;
  readonly sender?: Mm7Address | undefined;
  readonly date?: Mm7Time | undefined;
  /** Canonical status; unknown vendor values become `Indeterminate` (see `mmStatusRaw`). */
  readonly mmStatus: Mm7DeliveryStatus;
  /** MMStatus as sent, present only when it differs from `mmStatus` (the encoder writes it when set). */
  readonly mmStatusRaw?: string | undefined;
  readonly mmStatusExtension?: string | undefined;
  readonly statusText?: string | undefined;
  readonly uaCapabilities?: Mm7UaCapabilities | undefined;
}

/** MM7_read_reply.REQ: MMSC → VASP. */
export interface Mm7ReadReplyReq extends Base, ApplicFields {
  readonly type: 'ReadReplyReq';
  readonly mmsRelayServerId?: string | undefined;
  readonly messageId: string;
  readonly recipient?: Mm7Address | undefined;
  readonly sender?: Mm7Address | undefined;
  readonly timeStamp?: Mm7Time | undefined;
  /** Canonical status; unknown values become `Indeterminate` (see `mmStatusRaw`). */
  readonly mmStatus: Mm7ReadStatus;
  /** MMStatus as sent, present only when it differs from `mmStatus`. */
  readonly mmStatusRaw?: string | undefined;
  readonly statusText?: string | undefined;
}

/** MM7_submit.RES. `messageId` is mandatory on success; absent on some error answers. */
export interface Mm7SubmitRsp extends Base {
  readonly type: 'SubmitRsp';
  readonly status: Mm7StatusValue;
  readonly messageId?: string | undefined;
}

/** MM7_deliver.RES. */
export interface Mm7DeliverRsp extends Base {
  readonly type: 'DeliverRsp';
  readonly status: Mm7StatusValue;
  readonly serviceCode?: string | undefined;
}

/** A generic response (`genericResponseType`). */
export interface Mm7GenericRsp extends Base {
  readonly type: 'CancelRsp' | 'ReplaceRsp' | 'DeliveryReportRsp' | 'ReadReplyRsp';
  readonly status: Mm7StatusValue;
}

/** SOAP 1.1 Fault fields. `code` keeps any prefix as sent (`env:Client`). */
export interface Mm7FaultInfo {
  readonly code: string;
  readonly string?: string | undefined;
  readonly actor?: string | undefined;
}

/** RSErrorRsp (MMSC → VASP) or VASPErrorRsp (VASP → MMSC), normally inside a SOAP Fault detail. */
export interface Mm7ErrorRsp extends Base {
  readonly type: 'RSErrorRsp' | 'VASPErrorRsp';
  readonly status: Mm7StatusValue;
  /** The enclosing Fault, when there was one. */
  readonly fault?: Mm7FaultInfo | undefined;
}

/** A SOAP Fault with no MM7 error element in its detail. */
export interface Mm7Fault extends Base {
  readonly type: 'Fault';
  readonly fault: Mm7FaultInfo;
}

/** Any decoded MM7 message; switch on `type`. */
export type Mm7Message =
  | Mm7SubmitReq
  | Mm7SubmitRsp
  | Mm7DeliverReq
  | Mm7DeliverRsp
  | Mm7CancelReq
  | Mm7ReplaceReq
  | Mm7DeliveryReportReq
  | Mm7ReadReplyReq
  | Mm7GenericRsp
  | Mm7ErrorRsp
  | Mm7Fault;

/** SOAP envelope facts a reply must echo. */
export interface Mm7Envelope {
  /** SOAP Header TransactionID, trimmed; `undefined` when absent. */
  readonly transactionId: string | undefined;
  /** TransactionID `mustUnderstand` (`"1"`/`"true"` → true); `undefined` when the attribute is absent. */
  readonly mustUnderstand: boolean | undefined;
  /** Namespace URI of the MM7 element (else of TransactionID), whitespace removed; `undefined` when none. */
  readonly namespace: string | undefined;
  /** Schema release parsed from the namespace, e.g. `REL-6-MM7-1-4` (bogus ones like `REL-6-MM7-6-7` kept). */
  readonly release: string | undefined;
  /** `MM7Version`, e.g. `6.8.0`; `undefined` only for a bare SOAP Fault. */
  readonly version: string | undefined;
  readonly messageType: Mm7MessageType;
}
