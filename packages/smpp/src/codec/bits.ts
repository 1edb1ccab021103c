/**
 * Bit fields of submit_sm / deliver_sm / data_sm: esm_class (SMPP 3.4 §5.2.12), registered_delivery
 * (§5.2.17, 5.0 adds "success only") and priority_flag (§5.2.14).
 */

/** esm_class masks and values. */
export const EsmClass = {
  MODE_MASK: 0x03,
  MODE_DEFAULT: 0x00,
  MODE_DATAGRAM: 0x01,
  MODE_FORWARD: 0x02,
  MODE_STORE_AND_FORWARD: 0x03,
  TYPE_MASK: 0x3c,
  TYPE_DEFAULT: 0x00,
  TYPE_MC_DELIVERY_RECEIPT: 0x04,
  TYPE_SME_DELIVERY_ACK: 0x08,
  TYPE_SME_MANUAL_ACK: 0x10,
  TYPE_CONVERSATION_ABORT: 0x18,
  TYPE_INTERMEDIATE_NOTIFICATION: 0x20,
  UDHI: 0x40,
  REPLY_PATH: 0x80,
} as const;

/** esm_class messaging mode (bits 1–0). */
export type MessagingMode = 'default' | 'datagram' | 'forward' | 'store-and-forward';

/** esm_class message type (bits 5–2). */
export type MessageType =
  | 'default'
  | 'mc-delivery-receipt'
  | 'sme-delivery-ack'
  | 'sme-manual-ack'
  | 'conversation-abort'
  | 'intermediate-notification'
  | 'reserved';

/** A parsed esm_class. */
export interface EsmClassInfo {
  readonly mode: MessagingMode;
  readonly type: MessageType;
  readonly udhi: boolean;
  readonly replyPath: boolean;
}

const MODES: readonly MessagingMode[] = ['default', 'datagram', 'forward', 'store-and-forward'];

function typeOf(bits: number): MessageType {
  switch (bits) {
    case EsmClass.TYPE_DEFAULT:
      return 'default';
    case EsmClass.TYPE_MC_DELIVERY_RECEIPT:
      return 'mc-delivery-receipt';
    case EsmClass.TYPE_SME_DELIVERY_ACK:
      return 'sme-delivery-ack';
    case EsmClass.TYPE_SME_MANUAL_ACK:
      return 'sme-manual-ack';
    case EsmClass.TYPE_CONVERSATION_ABORT:
      return 'conversation-abort';
    case EsmClass.TYPE_INTERMEDIATE_NOTIFICATION:
      return 'intermediate-notification';
    default:
      return 'reserved';
  }
}

/** Parses an esm_class octet. Never throws; reserved type bits give `type: 'reserved'`. */
export function parseEsmClass(esmClass: number): EsmClassInfo {
  return {
    mode: MODES[esmClass & EsmClass.MODE_MASK] as MessagingMode,
    type: typeOf(esmClass & EsmClass.TYPE_MASK),
    udhi: (esmClass & EsmClass.UDHI) !== 0,
    replyPath: (esmClass & EsmClass.REPLY_PATH) !== 0,
  };
}

/** True when a deliver_sm / data_sm with this esm_class is an MC delivery receipt or intermediate notification. */
export function isReceiptEsmClass(esmClass: number): boolean {
  const t = esmClass & EsmClass.TYPE_MASK;
  return t === EsmClass.TYPE_MC_DELIVERY_RECEIPT || t === EsmClass.TYPE_INTERMEDIATE_NOTIFICATION;
}

/** registered_delivery masks and values. */
export const RegisteredDelivery = {
  MC_MASK: 0x03,
  MC_NONE: 0x00,
  MC_SUCCESS_OR_FAILURE: 0x01,
  MC_FAILURE: 0x02,
  MC_SUCCESS: 0x03, // SMPP 5.0
  SME_ACK_MASK: 0x0c,
  SME_DELIVERY_ACK: 0x04,
  SME_MANUAL_ACK: 0x08,
  INTERMEDIATE: 0x10,
} as const;

/** Which MC delivery receipts the submitter asked for. */
export type ReceiptRequest = 'none' | 'success-or-failure' | 'failure' | 'success';

/** A parsed registered_delivery. */
export interface RegisteredDeliveryInfo {
  readonly receipt: ReceiptRequest;
  readonly smeDeliveryAck: boolean;
  readonly smeManualAck: boolean;
  readonly intermediate: boolean;
}

const RECEIPTS: readonly ReceiptRequest[] = ['none', 'success-or-failure', 'failure', 'success'];

/** Parses registered_delivery. Never throws; bits 7–5 (reserved) are ignored. */
export function parseRegisteredDelivery(rd: number): RegisteredDeliveryInfo {
  return {
    receipt: RECEIPTS[rd & RegisteredDelivery.MC_MASK] as ReceiptRequest,
    smeDeliveryAck: (rd & RegisteredDelivery.SME_DELIVERY_ACK) !== 0,
    smeManualAck: (rd & RegisteredDelivery.SME_MANUAL_ACK) !== 0,
    intermediate: (rd & RegisteredDelivery.INTERMEDIATE) !== 0,
  };
}

/** Whether a final receipt must be sent for a message that ended in `outcome`. */
export function receiptWanted(registeredDelivery: number, outcome: 'success' | 'failure'): boolean {
  switch (registeredDelivery & RegisteredDelivery.MC_MASK) {
    case RegisteredDelivery.MC_SUCCESS_OR_FAILURE:
      return true;
    case RegisteredDelivery.MC_FAILURE:
      return outcome === 'failure';
    case RegisteredDelivery.MC_SUCCESS:
      return outcome === 'success';
    default:
      return false;
  }
}

/** Whether intermediate notifications (e.g. ENROUTE, ACCEPTD) were requested (bit 4). */
export function intermediateWanted(registeredDelivery: number): boolean {
  return (registeredDelivery & RegisteredDelivery.INTERMEDIATE) !== 0;
}

/**
 * priority_flag (0 lowest … 3 highest; larger values are reserved and treated as 0) to a queue priority
 * where lower runs first: 3 → 1, 2 → 2, 1 → 3, 0 → 4. Never returns 0, because BullMQ runs unprioritised
 * (0) jobs before all prioritised ones.
 */
export function priorityToQueue(priorityFlag: number): 1 | 2 | 3 | 4 {
  const p = Number.isInteger(priorityFlag) && priorityFlag >= 0 && priorityFlag <= 3 ? priorityFlag : 0;
  return (4 - p) as 1 | 2 | 3 | 4;
}
