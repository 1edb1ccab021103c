import { Errors } from '@hub/errors';
import { HubMessage, MessageState, withFastParse } from '@hub/message';
import { z } from 'zod';

/**
 * Every queue of Hub, declared once.
 *
 * Queue names carry a version (`hub.route.v1`). **Changing a name or an incompatible payload strands every job
 * already queued under the old name**: bump the version only together with a drain/migration step.
 *
 * Redis Cluster: BullMQ's scripts touch several keys of one queue, so they must share a hash slot. BullMQ documents
 * two ways: a `{tag}` prefix or a `{tag}` queue name. We wrap each **queue name** (`{hub.route.v1}`), so all keys of
 * one queue share a slot while different queues (one per connector, one per account) spread over the shards. A
 * single `{hub}` prefix would also work but would put every queue on one shard. The key prefix stays plain (`hub`).
 */

/** Default job options of one queue (BullMQ `JobsOptions` subset we use). */
export interface QueueJobDefaults {
  /** Total tries including the first. */
  readonly attempts: number;
  /** Exponential backoff base delay in ms (delay × 2^(attempt−1)). */
  readonly backoffMs: number;
  /** Keep finished jobs this long / this many (BullMQ `KeepJobs`). Completed jobs are not kept: see below. */
  readonly removeOnFail: { readonly age: number; readonly count: number };
}

/** One queue: its name, payload schema, job defaults, and how a payload maps to a job. */
export interface QueueDef<T> {
  /** Catalog key: `route`, `connector`, `outbox`, `events`. Also used as the BullMQ job name. */
  readonly key: string;
  /** BullMQ queue name, hash-tagged and versioned, e.g. `{hub.route.v1}`. */
  readonly name: string;
  /** Validates a payload on enqueue and again in the worker (queued data may predate a deploy). */
  readonly schema: z.ZodType<T, unknown>;
  readonly defaults: QueueJobDefaults;
  /**
   * False for FIFO queues: jobs get no BullMQ priority (unprioritised jobs keep strict insertion order; mixing
   * with prioritised ones would reorder).
   */
  readonly prioritized: boolean;
  /** Job id for a payload (idempotent enqueue); `undefined` lets BullMQ pick one. */
  jobId(payload: T): string | undefined;
  /** BullMQ priority (1 = first) for a payload, when `prioritized`. */
  priority(payload: T): number;
  /** Delay in ms before the job may run (scheduled delivery). */
  delay(payload: T, now: number): number;
}

const ID_PART = /^[A-Za-z0-9_.-]{1,64}$/;
function checkPart(what: string, id: string): string {
  // ':' is refused by BullMQ in queue names; braces would break the hash tag.
  if (!ID_PART.test(id))
    throw new Errors.HUB_ERR_VALIDATION(what, `"${id}" must be 1-64 of A-Z a-z 0-9 _ . -`);
  return id;
}

/**
 * BullMQ job id of a Hub message id. Prefixed because BullMQ refuses all-digit custom ids and a hex Hub id
 * can consist of digits only.
 */
export function jobIdFor(messageId: string): string {
  return `m-${messageId}`;
}

/**
 * Hub priority 0 (lowest) – 3 (highest) → BullMQ priority 4 – 1 (lower runs first). Every job in a prioritised
 * queue gets one, because BullMQ runs unprioritised jobs before all prioritised ones.
 */
export function toBullPriority(p: number): number {
  return 4 - Math.max(0, Math.min(3, Math.trunc(p)));
}

const messageJob = {
  jobId: (m: HubMessage) => jobIdFor(m.id),
  priority: (m: HubMessage) => toBullPriority(m.options.priority),
  delay: (m: HubMessage, now: number) => Math.max(0, (m.options.scheduleAt ?? 0) - now),
};

const DAY_S = 86_400;

/** A message routed to a connector must carry its route decision. */
const RoutedMessage = HubMessage.refine((m) => m.route !== undefined, {
  message: 'route must be set',
  path: ['route'],
});

/**
 * A status event from a connector (upstream ack, receipt, failure). Connectors put these on the `events` queue
 * rather than touching message records themselves: a status worker resolves the upstream id, applies the
 * transition atomically in the store, and emits the report to the account's outbox. Connector sessions stay
 * cheap (one enqueue per PDU) and a store outage retries the event instead of losing a receipt.
 */
export const StatusEvent = withFastParse(
  z.object({
    v: z.literal(1),
    kind: z.enum(['upstream_ack', 'receipt', 'failure']),
    connector: z.string().min(1).max(64),
    /** Hub id when the connector knows it (acks, failures of its own submits). */
    messageId: z
      .string()
      .regex(/^[0-9A-F]{16}$/)
      .optional(),
    /** Upstream id as normalised by the connector (receipts). */
    upstreamId: z.string().min(1).max(128).optional(),
    state: MessageState,
    at: z.number().int().nonnegative(),
    error: z.string().max(128).optional(),
    detail: z.string().max(512).optional(),
    /** For receipts: the recipient reported on, when the protocol says. */
    recipient: z.string().max(64).optional(),
    /** Stable id of this event when the source has one (dedupes a re-sent receipt PDU). */
    eventId: z.string().regex(ID_PART).optional(),
  }),
).refine((e) => e.messageId !== undefined || e.upstreamId !== undefined, {
  message: 'messageId or upstreamId is required',
});
export type StatusEvent = z.infer<typeof StatusEvent>;

/** Messages waiting for the router: MT from ingresses, MO from connectors. */
const route: QueueDef<HubMessage> = {
  key: 'route',
  name: '{hub.route.v1}',
  schema: HubMessage,
  defaults: { attempts: 5, backoffMs: 1_000, removeOnFail: { age: 7 * DAY_S, count: 50_000 } },
  prioritized: true,
  ...messageJob,
};

const connectorCache = new Map<string, QueueDef<HubMessage>>();
const outboxCache = new Map<string, QueueDef<HubMessage>>();

/** The queue catalog. */
export const Queues = {
  route,

  /** Messages routed to one carrier connector (`route` set). Throws `HUB_ERR_VALIDATION` for a bad id. */
  connector(connectorId: string): QueueDef<HubMessage> {
    let q = connectorCache.get(connectorId);
    if (q === undefined) {
      q = {
        key: 'connector',
        name: `{hub.connector.v1.${checkPart('connector id', connectorId)}}`,
        schema: RoutedMessage,
        // Carrier outages last minutes: more tries, slower backoff (2 s … ~17 min over 10 tries).
        defaults: { attempts: 10, backoffMs: 2_000, removeOnFail: { age: 7 * DAY_S, count: 50_000 } },
        prioritized: true,
        ...messageJob,
      };
      connectorCache.set(connectorId, q);
    }
    return q;
  },

  /**
   * What Hub owes one client account: MO messages and reports (`class: 'report'`), consumed by whichever
   * gateway instance serves that account. FIFO (no priorities, no delay); a retried job goes back through
   * backoff, so order holds only between jobs that succeed first time. Throws `HUB_ERR_VALIDATION` for a bad id.
   */
  outbox(accountId: string): QueueDef<HubMessage> {
    let q = outboxCache.get(accountId);
    if (q === undefined) {
      q = {
        key: 'outbox',
        name: `{hub.outbox.v1.${checkPart('account id', accountId)}}`,
        schema: HubMessage,
        // A client may stay unbound for hours: many slow tries rather than a quick failure.
        defaults: { attempts: 25, backoffMs: 1_000, removeOnFail: { age: 7 * DAY_S, count: 50_000 } },
        prioritized: false,
        jobId: messageJob.jobId,
        priority: () => 0,
        delay: () => 0,
      };
      outboxCache.set(accountId, q);
    }
    return q;
  },

  /** Status events from connectors for the status worker (see {@link StatusEvent}). */
  events: {
    key: 'events',
    name: '{hub.events.v1}',
    schema: StatusEvent,
    defaults: { attempts: 10, backoffMs: 500, removeOnFail: { age: 7 * DAY_S, count: 50_000 } },
    prioritized: false,
    jobId: (e: StatusEvent) => (e.eventId === undefined ? undefined : `e-${e.eventId}`),
    priority: () => 0,
    delay: () => 0,
  } satisfies QueueDef<StatusEvent> as QueueDef<StatusEvent>,
} as const;
