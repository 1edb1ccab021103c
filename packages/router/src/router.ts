import { type Bus, type BusWorker, jobIdFor, Queues } from '@hub/bus';
import { Errors, isHubError } from '@hub/errors';
import type { Hop, HubMessage, IdGenerator, MessageState, StampInfo } from '@hub/message';
import { RouteDecider } from './decider.js';

/** What the router needs from the store (implemented by `@hub/store`). */
export interface RouterStore {
  /** Atomic state change; throws HUB_ERR_ILLEGAL_TRANSITION. */
  transition(id: string, to: MessageState, hop: Hop, info?: StampInfo): Promise<unknown>;
  /** Writes a record (used for MO messages and reports the router creates). */
  put(msg: HubMessage): Promise<void>;
}

export interface RouterOptions {
  readonly bus: Bus;
  readonly store: RouterStore;
  readonly ids: IdGenerator;
  readonly instance: string;
  /**
   * The route table in force, shared with whoever keeps it current (`startRouteTable`). Without it the
   * router builds its own from `routes` and `connectorsUp`.
   */
  readonly decider?: RouteDecider;
  /** Initial route table when no `decider` is given (validated by compileTable; a bad table refuses to start). */
  readonly routes?: readonly unknown[];
  /**
   * Whether a connector is up, for failover and split routes (default: all up), when no `decider` is
   * given. `createRouterService` answers it from the published connector states (see {@link ConnectorStates}).
   */
  readonly connectorsUp?: (id: string) => boolean;
  /** Route jobs processed in parallel (default 50; config `workers.routerConcurrency`). */
  readonly concurrency?: number;
  /** BullMQ lock of route jobs (default 30 s; config `workers.lockDurationMs`). */
  readonly lockDurationMs?: number;
  /** How often stalled route jobs are looked for (default: the lock duration). */
  readonly stalledIntervalMs?: number;
  /** Lines about a message carry its id as `id` (the same field every app uses), so one message can be followed. */
  readonly log: {
    warn(obj: object, msg: string): void;
    info(obj: object, msg: string): void;
    debug?(obj: object, msg: string): void;
  };
}

/**
 * The router: takes each message from the route queue, applies the route table (a pure function) and
 * hands the message to a connector queue (MT) or an account outbox (MO). Expired messages are not sent
 * and rejected ones are finished here, each with the report its sender asked for. Stateless: run as many
 * as needed; a crash mid-job is retried by BullMQ, and every step is idempotent (state transitions that
 * already happened come back `duplicate`, enqueues reuse the message id).
 */
export class Router {
  readonly #decider: RouteDecider;
  #worker: BusWorker | undefined;
  readonly #o: RouterOptions;

  constructor(o: RouterOptions) {
    this.#o = o;
    this.#decider =
      o.decider ??
      new RouteDecider({
        routes: o.routes ?? [],
        instance: o.instance,
        ids: o.ids,
        ...(o.connectorsUp === undefined ? {} : { connectorsUp: o.connectorsUp }),
      });
  }

  /** Replaces the route table (REST edits, config reload). Throws HUB_ERR_ROUTING_INVALID and keeps the old one. */
  setRoutes(routes: readonly unknown[]): void {
    this.#decider.setRoutes(routes);
  }

  start(): void {
    this.#worker ??= this.#o.bus.worker(
      Queues.route,
      async (msg, job) => {
        try {
          await this.route(msg, job.id);
        } catch (err) {
          // The bus retries (or fails) the job; say which message, with the attempt, before it does.
          this.#o.log.warn(
            { id: msg.id, jobId: job.id, attempt: job.attemptsMade + 1, err },
            'routing failed',
          );
          throw err;
        }
      },
      {
        concurrency: this.#o.concurrency ?? 50,
        lockDurationMs: this.#o.lockDurationMs ?? 30_000,
        ...(this.#o.stalledIntervalMs === undefined ? {} : { stalledIntervalMs: this.#o.stalledIntervalMs }),
      },
    );
  }

  async stop(): Promise<void> {
    await this.#worker?.close();
    this.#worker = undefined;
  }

  /**
   * Routes one message (exposed for tests and dry runs). `jobId` is the route job's id: an operator retry
   * arrives under a fresh one (`m-<id>-r<n>`) and the connector job reuses it, so a failed job kept from
   * the first attempt cannot swallow the retry. Such a job is enqueued with `track` so a cancel by
   * message id (`bus.remove`) still finds it.
   */
  async route(msg: HubMessage, jobId?: string): Promise<void> {
    try {
      await this.#route(msg, jobId);
    } catch (err) {
      // Ingresses write the record and the route job side by side: on another connection (or after a
      // Redis reconnect) the job can be seen first. Retry with backoff; a job whose record never appears
      // was never acknowledged to its sender, and fails for good after the queue's attempts.
      if (isHubError(err, 'HUB_ERR_NOT_FOUND')) {
        throw new Errors.HUB_ERR_STORE_UNAVAILABLE(`record of ${msg.id} not visible yet`, { cause: err });
      }
      throw err;
    }
  }

  async #route(msg: HubMessage, jobId?: string): Promise<void> {
    const plan = this.#decider.plan(msg);
    switch (plan.type) {
      case 'connector': {
        const { route } = plan;
        try {
          await this.#o.store.transition(msg.id, 'routed', 'routed', plan.info);
        } catch (err) {
          // Cancelled (or otherwise ended) while it waited in a shared batch job: nothing to route.
          if (!isHubError(err, 'HUB_ERR_ILLEGAL_TRANSITION')) throw err;
          this.#o.log.info({ id: msg.id }, 'message no longer waiting for routing; dropped');
          return;
        }
        this.#o.log.debug?.(
          { id: msg.id, routeId: plan.routeId, connector: plan.connector },
          'message routed to a connector',
        );
        // `msg` was validated on dequeue and the route comes from the compiled table: no second zod pass
        // here (the connector worker validates the job on dequeue).
        // Messages routed in the same turn share a batch job (a cancel then goes by the record's state);
        // a retry's fresh job id stays tracked on a job of its own.
        if (jobId === undefined || jobId === jobIdFor(msg.id))
          await this.#o.bus.enqueueBatched(
            Queues.connector(plan.connector),
            Object.assign({}, msg, { state: 'routed' as const, route }),
            { validate: false },
          );
        else
          await this.#o.bus.enqueue(
            Queues.connector(plan.connector),
            Object.assign({}, msg, { state: 'routed' as const, route }),
            { jobId, track: true, validate: false },
          );
        return;
      }
      case 'account':
        await this.#o.bus.enqueue(Queues.outbox(plan.account), msg);
        await this.#o.store.transition(msg.id, 'routed', 'routed', plan.info);
        this.#o.log.debug?.(
          { id: msg.id, routeId: plan.routeId, account: plan.account },
          'message routed to an account',
        );
        return;
      case 'final':
        if (plan.state === 'expired')
          this.#o.log.info({ id: msg.id, ...plan.why }, 'message expired before routing');
        // Receipts carry a 3-digit err: the SMPP status of the rejection (e.g. 011 for no route).
        else this.#o.log.warn({ id: msg.id, ...plan.why }, 'message rejected by routing');
        await this.#finish(msg, plan.state, plan.hop, plan.info);
        return;
    }
  }

  /** Moves a message to a final state here and enqueues the report its sender is owed. */
  async #finish(msg: HubMessage, state: 'expired' | 'rejected', hop: Hop, info: StampInfo): Promise<void> {
    await this.#o.store.transition(msg.id, state, hop, info);
    const report = this.#decider.reportFor(msg, state, info);
    // The report's job id is derived per message+state so a retried job does not owe two reports.
    if (report !== undefined)
      await this.#o.bus.enqueue(report.queue, report.payload, { jobId: report.jobId });
  }
}
