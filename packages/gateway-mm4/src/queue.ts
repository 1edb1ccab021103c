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
