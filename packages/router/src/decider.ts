import { type Bus, type QueueDef, Queues } from '@hub/bus';
import { toSmppStatus } from '@hub/errors';
import {
  applyState,
  buildReport,
  type Hop,
  type HubMessage,
  type IdGenerator,
  reportOwed,
  type StampInfo,
} from '@hub/message';
import { compileTable, decide, type RoutingTable, rejectionError } from '@hub/routing';

/** The route a message routed to a connector carries (`HubMessage.route`). */
export type MessageRoute = NonNullable<HubMessage['route']>;

/**
 * What the route table says about one message, before anything is written. The `info` of each plan is
 * the history entry's data (`by`, connector, detail, error) the router and an ingress write alike.
 */
export type RoutePlan =
  | {
      readonly type: 'connector';
      readonly routeId: string;
      readonly connector: string;
      readonly route: MessageRoute;
      readonly info: StampInfo;
    }
  | { readonly type: 'account'; readonly routeId: string; readonly account: string; readonly info: StampInfo }
  | {
      /** The message ends here: expired before routing, or refused by the table (no route, a reject route). */
      readonly type: 'final';
      readonly state: 'expired' | 'rejected';
      readonly hop: Hop;
      readonly info: StampInfo;
      /** For the log line: why (the rejection text, or the expiry time). */
      readonly why: Record<string, unknown>;
    };

/**
 * The writes that route a new message at its ingress (see {@link RouteDecider.atIngest}): the record as
 * it must be stored, the job to enqueue (none for a message that ended here) and the report owed (only
 * for one that ended here, when its sender asked for it).
 */
export interface IngestRouting {
  readonly plan: RoutePlan;
  /** State `routed` (with `route` for a connector), or the final state; stamps `received` + the decision. */
  readonly record: HubMessage;
  readonly job?: { readonly queue: QueueDef<HubMessage>; readonly payload: HubMessage };
  /** Enqueue with `jobId` (derived per message and state, so a retried write does not owe two reports). */
  readonly report?: {
    readonly queue: QueueDef<HubMessage>;
    readonly payload: HubMessage;
    readonly jobId: string;
  };
}

/** Options of {@link RouteDecider}. */
export interface RouteDeciderOptions {
  /** Initial route table (validated by `compileTable`: throws HUB_ERR_ROUTING_INVALID for a bad one). */
  readonly routes: readonly unknown[];
  /** Whether a connector is up, for failover and split routes (default: all up). */
  readonly connectorsUp?: (id: string) => boolean;
  /** Who decides, for the history (`by`). */
  readonly instance: string;
  /** Ids of the reports owed for messages that end at routing. */
  readonly ids: IdGenerator;
}

/**
 * The route table applied to one message: one implementation for the router worker (which then writes a
 * state transition and an enqueue) and for ingresses that route at ingest (which write the record already
 * routed and enqueue straight on the connector queue). Pure apart from the table it holds and the
 * connector states it asks: nothing here touches Redis.
 */
export class RouteDecider {
  #table: RoutingTable;
  readonly #o: RouteDeciderOptions;

  /** Throws HUB_ERR_ROUTING_INVALID for a bad initial table: the caller refuses to start. */
  constructor(o: RouteDeciderOptions) {
    this.#o = o;
    this.#table = compileTable(o.routes);
  }

  /** Replaces the route table (REST edits, config reload). Throws HUB_ERR_ROUTING_INVALID and keeps the old one. */
  setRoutes(routes: readonly unknown[]): void {
    this.#table = compileTable(routes);
  }

  /**
   * The decision for `msg` at `now`: an MT message whose validity ended is `expired`; otherwise the
   * table's answer (connector with its fallbacks, account, or `rejected` with the SMPP status of the
   * rejection as a 3-digit receipt `err`, e.g. 011 for no route). Never throws for a valid message.
   */
  plan(msg: HubMessage, now: number = Date.now()): RoutePlan {
    const by = this.#o.instance;
    if (msg.direction === 'mt' && msg.options.expireAt !== undefined && msg.options.expireAt <= now) {
      return {
        type: 'final',
        state: 'expired',
        hop: 'expired',
        info: { by, detail: 'validity period ended before sending' },
        why: { expireAt: msg.options.expireAt },
      };
    }
    const up = this.#o.connectorsUp;
    const d = decide(this.#table, msg, { now, ...(up === undefined ? {} : { connectorsUp: up }) });
    switch (d.type) {
      case 'connector':
        return {
          type: 'connector',
          routeId: d.routeId,
          connector: d.connector,
          route: {
            routeId: d.routeId,
            connector: d.connector,
            ...(d.fallbacks.length > 0 ? { fallbacks: d.fallbacks } : {}),
          },
          info: { by, connector: d.connector, detail: `route ${d.routeId}` },
        };
      case 'account':
        return {
          type: 'account',
          routeId: d.routeId,
          account: d.account,
          info: { by, detail: `account ${d.account} (route ${d.routeId})` },
        };
      case 'reject':
        return {
          type: 'final',
          state: 'rejected',
          hop: 'failed',
          info: {
            by,
            error: String(toSmppStatus(rejectionError(d))).padStart(3, '0'),
            detail: `${d.code}: ${d.reject}`,
          },
          why: { reason: d.reject, code: d.code },
        };
    }
  }

  /**
   * The report owed to the sender of `msg` when it ends in `state` here, or `undefined` when none is
   * owed (receipt not asked for, no origin account).
   */
  reportFor(
    msg: HubMessage,
    state: 'expired' | 'rejected',
    info: StampInfo,
    now: number = Date.now(),
  ): IngestRouting['report'] {
    if (!reportOwed(msg, state) || msg.origin.account === undefined) return undefined;
    const payload = buildReport(
      msg,
      { state, at: now, ...(info.error === undefined ? {} : { error: info.error }) },
      this.#o.ids.next(),
    );
    return { queue: Queues.outbox(msg.origin.account), payload, jobId: `r-${msg.id}-${state}` };
  }

  /**
   * Routes a message that was just built (state `accepted`) before its first write, as the router worker
   * would: what to store and where to enqueue it, so the route queue hop is skipped. The payload of a
   * connector job is the routed record (state `routed`, `route` set); an account route enqueues the
   * message as it came, like the router. Throws HUB_ERR_ILLEGAL_TRANSITION only for a message that is not
   * in a state routing may move (not `accepted`/`routed`): the caller's bug.
   */
  atIngest(msg: HubMessage, now: number = Date.now()): IngestRouting {
    const plan = this.plan(msg, now);
    switch (plan.type) {
      case 'connector': {
        const routed = applyState(msg, 'routed', 'routed', plan.info, now).message;
        // Object.assign, not a spread that adds a key: on Node 20 the latter makes a new hidden class per
        // call once optimised, which slows every later read of the record (measured ~4 µs per message).
        const record: HubMessage = Object.assign({}, routed, { route: plan.route });
        return { plan, record, job: { queue: Queues.connector(plan.connector), payload: record } };
      }
      case 'account':
        return {
          plan,
          record: applyState(msg, 'routed', 'routed', plan.info, now).message,
          job: { queue: Queues.outbox(plan.account), payload: msg },
        };
      case 'final': {
        const record = applyState(msg, plan.state, plan.hop, plan.info, now).message;
        const report = this.reportFor(msg, plan.state, plan.info, now);
        return { plan, record, ...(report === undefined ? {} : { report }) };
      }
    }
  }
}

/** What an ingress writes for a message it has just built: the record, its job, and the report owed. */
export type IngestWrites = Omit<IngestRouting, 'plan'>;

/** The logger surface {@link ingestWrites} uses (pino fits). */
export interface IngestLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  debug?(obj: object, msg: string): void;
}

/**
 * The writes of one message an ingress has just accepted: routed there by `decider` (see
 * {@link RouteDecider.atIngest}), or, without a decider or for a message scheduled later, as it is with
 * a job on the route queue (the router takes it when due). Logs why a message ended at routing. Pure
 * apart from the log line; throws what `atIngest` throws (a caller's bug).
 */
export function ingestWrites(
  decider: RouteDecider | undefined,
  msg: HubMessage,
  now: number,
  log: IngestLogger,
): IngestWrites {
  if (decider === undefined || (msg.options.scheduleAt ?? 0) > now)
    return { record: msg, job: { queue: Queues.route, payload: msg } };
  const w = decider.atIngest(msg, now);
  const p = w.plan;
  if (p.type === 'final') {
    const facts = { id: msg.id, account: msg.origin.account, ...p.why };
    if (p.state === 'expired') log.info(facts, 'message expired before routing');
    else log.warn(facts, 'message rejected by routing');
  } else if (p.type === 'connector') {
    log.debug?.({ id: msg.id, routeId: p.routeId, connector: p.connector }, 'message routed at ingest');
  }
  return w;
}

/**
 * Enqueues the job and the report of {@link ingestWrites}' result (MM4 and MM7 gateways): the job joins the
 * turn's shared batch job (`Bus.enqueueBatched`, not validated again: the ingress built it a moment ago,
 * its worker validates on dequeue), the report goes alone under its own job id. Resolves once Redis has
 * both; rejects with the bus error otherwise (the ingress must not acknowledge the message).
 */
export async function enqueueIngestJobs(bus: Bus, w: IngestWrites): Promise<void> {
  const job = w.job;
  await Promise.all([
    job === undefined ? undefined : bus.enqueueBatched(job.queue, job.payload, { validate: false }),
    w.report === undefined
      ? undefined
      : bus.enqueue(w.report.queue, w.report.payload, { jobId: w.report.jobId }),
  ]);
}
