import { Errors } from '@hub/errors';
import { formatAddress, type Mm4Address } from './address.js';
import type {
  AddressInit,
  Mm4DeliveryReportResInit,
  Mm4ForwardResInit,
  Mm4ReadReplyResInit,
} from './encode.js';
import { stripAngle } from './mime/headers.js';
import type { Mm4DeliveryReportReq, Mm4ForwardReq, Mm4ReadReplyReq, Mm4Req, Mm4Res } from './pdu.js';
import type { Mm4RequestStatus } from './status.js';

/** Normalises an id for comparison: trimmed, quotes and `<>` removed. Case is kept (ids are opaque). */
export function normalizeId(id: string): string {
  return stripAngle(id);
}

function system(s: string | undefined): string {
  return s === undefined ? '' : stripAngle(s).toLowerCase();
}

/**
 * Correlation key of a REQ/RES pair: the Transaction-ID scoped by the originator system, because each
 * MMSC picks its Transaction-IDs independently. The REQ side uses its `X-Mms-Originator-System`; the
 * RES side uses the address the RES was sent to (which is that same originator system).
 */
export function transactionKey(transactionId: string, originatorSystem: string | undefined): string {
  return `${system(originatorSystem)}\u0000${normalizeId(transactionId)}`;
}

/**
 * Key of a REQ: store an outbound REQ under it while waiting for the .RES, or use it to spot a
 * peer's retransmitted REQ.
 */
export function reqKey(req: Pick<Mm4Req, 'transactionId' | 'originatorSystem'>): string {
  return transactionKey(req.transactionId, req.originatorSystem);
}

/**
 * Key of a received .RES, equal to {@link reqKey} of the REQ it answers. The RES is addressed to the
 * REQ's originator system: pass the SMTP RCPT TO as `rcptTo` (best), else the RES `To:` is used.
 */
export function resKey(res: Pick<Mm4Res, 'transactionId' | 'to'>, rcptTo?: string): string {
  const to = rcptTo ?? (res.to[0] === undefined ? undefined : formatAddress(res.to[0]));
  return transactionKey(res.transactionId, to);
}

/**
 * Key of a delivery or read-reply report: the `X-Mms-Message-ID` of the MM it reports on (the id
 * we sent in our forward.REQ). Store forwarded MMs under `reportKey(req)` too.
 */
export function reportKey(pdu: { readonly messageId: string | undefined }): string | undefined {
  return pdu.messageId === undefined ? undefined : normalizeId(pdu.messageId);
}

/** True when the REQ asked for a .RES (`X-Mms-Ack-Request: Yes`); only then is a .RES sent. */
export function needsAck(req: Mm4Req): boolean {
  return req.ackRequest;
}

/** Options for {@link ackFor}. */
export interface AckOptions {
  /** Our system address (`From:`, `X-Mms-Originator-System`, MAIL FROM of the .RES). */
  readonly originatorSystem: string;
  readonly statusText?: string;
  /** `X-Mms-3GPP-MMS-Version` (default: echo the REQ's). */
  readonly version?: string;
  readonly date?: Date;
  /** forward.RES only: the recipients the status applies to. */
  readonly requestRecipients?: readonly AddressInit[];
}

function replyTo(req: Mm4Req): string {
  if (req.originatorSystem?.includes('@')) return req.originatorSystem;
  // Mbuni falls back to Sender: when the Originator-System is missing.
  const s: Mm4Address | undefined = req.sender;
  if (s !== undefined && (s.kind === 'email' || s.domain !== undefined)) return formatAddress(s);
  throw new Errors.HUB_ERR_MM4_MISSING_HEADER('X-Mms-Originator-System');
}

/**
 * Builds the .RES that acknowledges `req` with `status`: same Transaction-ID and Message-ID, addressed
 * to the REQ's `X-Mms-Originator-System` (fallback `Sender:`); pass it to `encodeMm4`. Call it only
 * when {@link needsAck} is true. Throws `HUB_ERR_MM4_MISSING_HEADER` when the REQ names no address to
 * answer to: then no .RES can be sent (log it; the SMTP reply already told the peer the outcome).
 */
export function ackFor(req: Mm4ForwardReq, status: Mm4RequestStatus, opts: AckOptions): Mm4ForwardResInit;
export function ackFor(
  req: Mm4DeliveryReportReq,
  status: Mm4RequestStatus,
  opts: AckOptions,
): Mm4DeliveryReportResInit;
export function ackFor(req: Mm4ReadReplyReq, status: Mm4RequestStatus, opts: AckOptions): Mm4ReadReplyResInit;
export function ackFor(
  req: Mm4Req,
  status: Mm4RequestStatus,
  opts: AckOptions,
): Mm4ForwardResInit | Mm4DeliveryReportResInit | Mm4ReadReplyResInit;
export function ackFor(
  req: Mm4Req,
  status: Mm4RequestStatus,
  opts: AckOptions,
): Mm4ForwardResInit | Mm4DeliveryReportResInit | Mm4ReadReplyResInit {
  const common = {
    transactionId: req.transactionId,
    messageId: req.messageId,
    requestStatus: status,
    to: replyTo(req),
    originatorSystem: opts.originatorSystem,
    ...(opts.statusText === undefined ? {} : { statusText: opts.statusText }),
    ...(opts.date === undefined ? {} : { date: opts.date }),
    ...((opts.version ?? req.version) === undefined
      ? {}
      : { version: (opts.version ?? req.version) as string }),
  };
  switch (req.type) {
    case 'MM4_forward.REQ':
      return {
        type: 'MM4_forward.RES',
        ...common,
        ...(opts.requestRecipients === undefined ? {} : { requestRecipients: opts.requestRecipients }),
      };
    case 'MM4_delivery_report.REQ':
      return { type: 'MM4_delivery_report.RES', ...common };
    case 'MM4_read_reply_report.REQ':
      return { type: 'MM4_read_reply_report.RES', ...common };
  }
}
