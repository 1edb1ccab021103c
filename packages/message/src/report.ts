import type { HubMessage } from './schema.js';
import { MESSAGE_SCHEMA_VERSION } from './schema.js';
import { isFinal, type MessageState } from './status.js';

/**
 * Whether the sender of `msg` (a client account) is owed a report now that it reached `state`: `final` wants every final
 * state, `failure` every final state but delivered, `success` only delivered; intermediate reports
 * (submitted/en route) only when asked for.
 */
export function reportOwed(msg: HubMessage, state: MessageState): boolean {
  // Owed to client accounts only (ESMEs, VASPs, MM4 peers) — including an MM4 peer's forwarded MM, which
  // travels as `mo` toward our side; a carrier's MO (no origin account) is owed nothing.
  if (msg.class !== 'message' || msg.origin.account === undefined) return false;
  if (!isFinal(state)) return msg.options.intermediate === true && state === 'submitted';
  switch (msg.options.receipt) {
    case 'final':
      return true;
    case 'failure':
      return state !== 'delivered';
    case 'success':
      return state === 'delivered';
    default:
      return false;
  }
}

export interface ReportFacts {
  readonly state: MessageState;
  readonly at: number;
  readonly error?: string;
  readonly statusText?: string;
}

/**
 * The report message owed to the origin of `msg` (an SMPP receipt, an MM7 DeliveryReportReq, an MM4
 * delivery report — each gateway renders it in its protocol). Addressed back to the sender; carries the
 * first 20 characters of the original text for SMPP's `text:` field. Pure: the caller enqueues it on the
 * origin account's outbox.
 */
export function buildReport(
  msg: HubMessage,
  facts: ReportFacts,
  id: string,
  now: number = Date.now(),
): HubMessage {
  const text =
    msg.content.type === 'sms'
      ? (msg.content.text ?? '').slice(0, 20)
      : (msg.content.subject ?? '').slice(0, 20);
  return {
    v: MESSAGE_SCHEMA_VERSION,
    id,
    direction: 'mo',
    kind: msg.kind,
    class: 'report',
    origin: msg.origin,
    from: msg.to[0] ?? msg.from,
    to: [msg.from],
    content: {
      type: 'sms',
      dataCoding: 0,
      text,
      bytes: Buffer.from(text, 'latin1').toString('base64'),
      segments: 1,
    },
    options: { receipt: 'none', priority: msg.options.priority },
    report: {
      messageId: msg.id,
      state: facts.state,
      at: facts.at,
      submittedAt: msg.createdAt,
      ...(facts.error === undefined ? {} : { error: facts.error }),
      ...(facts.statusText === undefined ? {} : { statusText: facts.statusText }),
      ...(msg.to[0] === undefined ? {} : { recipient: msg.to[0] }),
    },
    state: 'accepted',
    createdAt: now,
    updatedAt: now,
    attempts: 0,
    history: [{ at: now, hop: 'received', state: 'accepted' }],
  };
}
