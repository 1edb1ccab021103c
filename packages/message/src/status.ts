import { z } from 'zod';

/**
 * The one status state machine of a Hub message, shared by every protocol.
 *
 * ```
 * accepted ──► routed ──► submitted ──► delivered
 *    │            │          │    └───► undeliverable | expired | rejected | deleted | unknown
 *    └────────────┴──────────┴────────► rejected | expired | deleted | undeliverable
 * unknown ──► any final state (a late report resolves it)
 * ```
 * `submitted` means en route (accepted by the next hop). Final states never move on, except an operator
 * `retry` from a failed state back to `accepted`. A report that would move a final message, or repeat the
 * current state, is not an error: it is recorded in the history as `late` or `duplicate`.
 */
export const MessageState = z.enum([
  'accepted',
  'routed',
  'submitted',
  'delivered',
  'undeliverable',
  'expired',
  'rejected',
  'deleted',
  'unknown',
]);
export type MessageState = z.infer<typeof MessageState>;

export const FINAL_STATES: ReadonlySet<MessageState> = new Set([
  'delivered',
  'undeliverable',
  'expired',
  'rejected',
  'deleted',
]);

/** Final failure states from which an operator may retry a message. */
export const RETRYABLE_STATES: ReadonlySet<MessageState> = new Set([
  'undeliverable',
  'expired',
  'rejected',
  'unknown',
]);

const NEXT: Readonly<Record<MessageState, ReadonlySet<MessageState>>> = {
  accepted: new Set(['routed', 'rejected', 'expired', 'deleted', 'undeliverable']),
  // A receipt can overtake the submit_sm_resp that moves a message to `submitted`: accept the jump.
  routed: new Set([
    'routed',
    'submitted',
    'delivered',
    'undeliverable',
    'expired',
    'rejected',
    'deleted',
    'unknown',
    'accepted',
  ]),
  submitted: new Set(['delivered', 'undeliverable', 'expired', 'rejected', 'deleted', 'unknown']),
  unknown: new Set(['delivered', 'undeliverable', 'expired', 'rejected', 'deleted', 'submitted']),
  delivered: new Set(),
  undeliverable: new Set(),
  expired: new Set(),
  rejected: new Set(),
  deleted: new Set(),
};

/** Outcome of {@link transition}. Only `illegal` is an error for the caller. */
export type TransitionOutcome = 'ok' | 'duplicate' | 'late' | 'illegal';

/**
 * Decides whether `from → to` is allowed.
 * - `ok`: apply it.
 * - `duplicate`: same state again (a repeated report): record, change nothing.
 * - `late`: the message is already final: record, change nothing.
 * - `illegal`: refuse (e.g. `accepted → delivered`, anything `→ accepted` but a retry).
 *
 * `routed → routed` (re-route on failover) and `routed → accepted` (re-queued after a temporary error)
 * are `ok`. Pass `{ retry: true }` for an operator retry of a failed message.
 */
export function transition(
  from: MessageState,
  to: MessageState,
  opts: { retry?: boolean } = {},
): TransitionOutcome {
  if (opts.retry === true) return RETRYABLE_STATES.has(from) && to === 'accepted' ? 'ok' : 'illegal';
  if (FINAL_STATES.has(from)) return 'late';
  if (NEXT[from].has(to)) return 'ok';
  if (from === to) return 'duplicate';
  // A stale submit confirmation arriving after the receipt is late, not wrong.
  if (from === 'submitted' && to === 'routed') return 'late';
  return 'illegal';
}

export function isFinal(s: MessageState): boolean {
  return FINAL_STATES.has(s);
}

// ---------------------------------------------------------------------------------------------
// SMPP: `stat` in receipt text and the message_state TLV / query_sm_resp field.

/** Receipt `stat:` words (7 chars each). */
export type SmppStat =
  | 'ENROUTE'
  | 'DELIVRD'
  | 'EXPIRED'
  | 'DELETED'
  | 'UNDELIV'
  | 'ACCEPTD'
  | 'UNKNOWN'
  | 'REJECTD';

const TO_STAT: Readonly<Record<MessageState, SmppStat>> = {
  accepted: 'ACCEPTD',
  routed: 'ACCEPTD',
  submitted: 'ENROUTE',
  delivered: 'DELIVRD',
  undeliverable: 'UNDELIV',
  expired: 'EXPIRED',
  rejected: 'REJECTD',
  deleted: 'DELETED',
  unknown: 'UNKNOWN',
};

/** SMPP message_state values (5.0 adds 0 SCHEDULED and 9 SKIPPED). */
export const SMPP_MESSAGE_STATE = {
  SCHEDULED: 0,
  ENROUTE: 1,
  DELIVERED: 2,
  EXPIRED: 3,
  DELETED: 4,
  UNDELIVERABLE: 5,
  ACCEPTED: 6,
  UNKNOWN: 7,
  REJECTED: 8,
  SKIPPED: 9,
} as const;

// SMPP's ACCEPTED (6) means "read on the subscriber's behalf by customer service", not "queued": a
// message Hub holds or is routing is ENROUTE (SCHEDULED on 5.0 when it waits for its delivery time).
const TO_MESSAGE_STATE: Readonly<Record<MessageState, number>> = {
  accepted: 1,
  routed: 1,
  submitted: 1,
  delivered: 2,
  undeliverable: 5,
  expired: 3,
  rejected: 8,
  deleted: 4,
  unknown: 7,
};

export function toSmppStat(s: MessageState): SmppStat {
  return TO_STAT[s];
}

/**
 * message_state for a receipt TLV or query_sm_resp. A scheduled message not yet sent is 0 (SCHEDULED)
 * on SMPP 5.0 sessions and 1 (ENROUTE) for 3.4, which has no SCHEDULED.
 */
export function toSmppMessageState(
  s: MessageState,
  opts: { scheduled?: boolean; v5?: boolean } = {},
): number {
  if (opts.scheduled === true && (s === 'accepted' || s === 'routed')) return opts.v5 === true ? 0 : 1;
  return TO_MESSAGE_STATE[s];
}

/** Hub state for an upstream receipt's `stat:` word (case-insensitive; unknown words → `unknown`). */
export function fromSmppStat(stat: string): MessageState {
  switch (stat.trim().toUpperCase()) {
    case 'DELIVRD':
    case 'DELIVERED':
      return 'delivered';
    case 'EXPIRED':
      return 'expired';
    case 'DELETED':
      return 'deleted';
    case 'UNDELIV':
    case 'UNDELIVERABLE':
      return 'undeliverable';
    case 'ACCEPTD':
    case 'ACCEPTED':
    case 'ENROUTE':
    case 'SCHEDULED':
      return 'submitted';
    case 'REJECTD':
    case 'REJECTED':
      return 'rejected';
    default:
      return 'unknown';
  }
}

/** Hub state for an upstream message_state TLV value. */
export function fromSmppMessageState(v: number): MessageState {
  switch (v) {
    case 0:
    case 1:
    case 6:
      return 'submitted';
    case 2:
      return 'delivered';
    case 3:
      return 'expired';
    case 4:
      return 'deleted';
    case 5:
      return 'undeliverable';
    case 8:
    case 9:
      return 'rejected';
    default:
      return 'unknown';
  }
}

// ---------------------------------------------------------------------------------------------
// MMS: MM7 MMStatus (DeliveryReportReq) and MM4 X-Mms-MM-Status-Code share one vocabulary.

export type MmStatus =
  | 'Retrieved'
  | 'Rejected'
  | 'Deferred'
  | 'Expired'
  | 'Indeterminate'
  | 'Forwarded'
  | 'Unrecognised';

const TO_MM: Readonly<Record<MessageState, MmStatus>> = {
  accepted: 'Deferred',
  routed: 'Deferred',
  submitted: 'Deferred',
  delivered: 'Retrieved',
  // Not delivered for a network reason; MMS has no closer word than Rejected (the status text says more).
  undeliverable: 'Rejected',
  expired: 'Expired',
  rejected: 'Rejected',
  deleted: 'Indeterminate',
  unknown: 'Indeterminate',
};

/** MM7 `MMStatus` / MM4 `X-Mms-MM-Status-Code` for a Hub state. */
export function toMmStatus(s: MessageState): MmStatus {
  return TO_MM[s];
}

/** Hub state for an MM7 MMStatus or MM4 MM-Status-Code (case-insensitive; unknown words → `unknown`). */
export function fromMmStatus(status: string): MessageState {
  switch (status.trim().toLowerCase()) {
    case 'retrieved':
      return 'delivered';
    case 'rejected':
      return 'rejected';
    case 'deferred':
    case 'forwarded':
      return 'submitted';
    case 'expired':
      return 'expired';
    case 'unrecognised':
    case 'unrecognized':
      return 'undeliverable';
    default:
      return 'unknown';
  }
}

/**
 * MM7 StatusCode answering a request that produced this state: 1000 Success for an accepted message,
 * otherwise the closest service error. Failures raised as HubErrors use the error catalog instead.
 */
export function toMm7StatusCode(s: MessageState): number {
  switch (s) {
    case 'accepted':
    case 'routed':
    case 'submitted':
    case 'delivered':
      return 1000;
    case 'rejected':
      return 4000;
    case 'expired':
      return 2006;
    case 'deleted':
      return 2005;
    default:
      return 3000;
  }
}
