import type { QueueDef } from '@hub/bus';
import { z } from 'zod';

/**
 * A ready-made MM4 mail (a .RES) to send to a peer as its own SMTP transaction. Queued, not sent inline,
 * so a peer that is down or answers 4xx gets it later with backoff instead of losing it; any instance
 * may send it.
 */
export const Mm4MailJob = z.object({
  v: z.literal(1),
  /** Peer account id: selects the SMTP route. */
  peer: z.string().min(1).max(64),
  /** MM4 message type, for logs. */
  type: z.string().max(64),
  transactionId: z.string().max(512),
  /** Exact DATA bytes (base64). */
  mail: z.string().max(1_000_000),
  from: z.string().max(512),
  to: z.array(z.string().max(512)).min(1).max(100),
});
export type Mm4MailJob = z.infer<typeof Mm4MailJob>;

/**
 * `{hub.mm4.res.v1}`: .RES mails owed to peers. **Changing the name or the payload strands queued jobs.**
 * 12 tries from 2 s doubling (about 2.3 h in all): peers' own REQ retry windows are of that order.
 */
export const mm4ResQueue: QueueDef<Mm4MailJob> = {
  key: 'mm4res',
  name: '{hub.mm4.res.v1}',
  schema: Mm4MailJob,
  defaults: { attempts: 12, backoffMs: 2_000, removeOnFail: { age: 7 * 86_400, count: 50_000 } },
  prioritized: false,
  jobId: () => undefined,
  priority: () => 0,
  delay: () => 0,
};

/**
 * A pending MM4_forward.RES: checked `timeoutMs` after the peer's 250 of the forward.REQ. If neither the
 * .RES nor a final state arrived by then, the message is resent (new Transaction-ID, `attempt + 1`) while
 * `attempt < maxAttempts`, else failed as `undeliverable`.
 */
export const Mm4ResTimeoutJob = z.object({
  v: z.literal(1),
  /** Hub id of the forwarded message. */
  hubId: z.string().min(1).max(64),
  /** Connector (or peer account) the REQ went out on. */
  via: z.string().min(1).max(64),
  /** Transaction key of the REQ (`transactionKey(txId, originatorSystem)`), for logs. */
  key: z.string().max(1100),
  messageId: z.string().max(512),
  attempt: z.number().int().min(1).max(100),
  maxAttempts: z.number().int().min(1).max(100),
  timeoutMs: z.number().int().positive(),
});
export type Mm4ResTimeoutJob = z.infer<typeof Mm4ResTimeoutJob>;

/** Job id of a .RES timeout: one per message and attempt (re-arming the same attempt is a no-op). */
export function resTimeoutJobId(hubId: string, attempt: number): string {
  return `mm4rt.${hubId}.${attempt}`.replace(/[^A-Za-z0-9_.-]/g, '_');
}

/**
 * `{hub.mm4.restimeout.v1}`: .RES timeouts, delayed by `timeoutMs`. **Changing the name or the payload
 * strands queued jobs.** A failing check (Redis, a resend the peer defers) is retried 5 times from 2 s.
 */
export const mm4ResTimeoutQueue: QueueDef<Mm4ResTimeoutJob> = {
  key: 'mm4restimeout',
  name: '{hub.mm4.restimeout.v1}',
  schema: Mm4ResTimeoutJob,
  defaults: { attempts: 5, backoffMs: 2_000, removeOnFail: { age: 7 * 86_400, count: 50_000 } },
  prioritized: false,
  jobId: (p) => resTimeoutJobId(p.hubId, p.attempt),
  priority: () => 0,
  delay: (p) => p.timeoutMs,
};
