import { type Bus, type BusWorker, type JobInfo, Queues, type StatusEvent } from '@hub/bus';
import { Errors, isHubError } from '@hub/errors';
import { transition as decideTransition, type Hop, type IdGenerator } from '@hub/message';
import type { WorkerLogger, WorkerStore } from './ports.js';
import { enqueueReport } from './report.js';

/** Options of {@link StatusWorker}. */
export interface StatusWorkerOptions {
  readonly bus: Bus;
  readonly store: WorkerStore;
  readonly ids: IdGenerator;
  readonly instance: string;
  readonly log: WorkerLogger;
  /** Events processed in parallel (default 200; config `workers.statusConcurrency`). */
  readonly concurrency?: number;
  /** BullMQ lock of event jobs (default 5 s; `hub start` passes config `workers.lockDurationMs`). */
  readonly lockDurationMs?: number;
  /** How often stalled event jobs are looked for (default: the lock duration). */
  readonly stalledIntervalMs?: number;
  /** Counts `delivered` per connector for the API's stats (fire and forget). */
  readonly count?: (connectorId: string, field: 'delivered') => void;
}

const HOP: Readonly<Record<StatusEvent['kind'], Hop>> = {
  receipt: 'receipt',
  upstream_ack: 'upstream_ack',
  failure: 'failed',
};

/**
 * The status worker: consumes `Queues.events` (receipts and other status events from connectors) and
 * applies each to its message.
 *
 * 1. The Hub id is the event's `messageId`, else `findByUpstream(connector, upstreamId)`. Not linked yet
 *    → `HUB_ERR_CONNECTOR_WORKER_UPSTREAM_UNKNOWN` (temporary): the bus retries with backoff (the receipt
 *    overtook the connector worker's bookkeeping after submit_sm_resp). After the queue's attempts the
 *    event stays as a failed job (an orphaned receipt).
 * 2. The state change is checked against the state machine first: `illegal` is logged and dropped;
 *    duplicates and late receipts are recorded in the history (outcome `duplicate`/`late`) and owe no
 *    report.
 * 3. When the change is real and the sender asked for it, the report is enqueued on the origin account's
 *    outbox (job id `r-<id>-<state>`) **before** the transition is stored, so a crash in between repeats
 *    it rather than losing it.
 *
 * Events of one message are applied one at a time within a process (several segment receipts of one
 * message arrive together).
 */
export class StatusWorker {
  readonly #o: StatusWorkerOptions;
  readonly #busy = new Map<string, Promise<void>>();
  #worker: BusWorker | undefined;

  constructor(o: StatusWorkerOptions) {
    this.#o = o;
  }

  start(): void {
    this.#worker ??= this.#o.bus.worker(Queues.events, (ev, job) => this.handle(ev, job), {
      concurrency: this.#o.concurrency ?? 200,
      lockDurationMs: this.#o.lockDurationMs ?? 5_000,
      ...(this.#o.stalledIntervalMs === undefined ? {} : { stalledIntervalMs: this.#o.stalledIntervalMs }),
    });
  }

  /** Stops taking events; in-flight ones finish. */
  async stop(): Promise<void> {
    await this.#worker?.close();
    this.#worker = undefined;
  }

  /** Applies one event (the bus calls it; exposed for tests). Rejects for the bus to retry. */
  async handle(ev: StatusEvent, _job?: JobInfo): Promise<void> {
    const id =
      ev.messageId ??
      (ev.upstreamId === undefined
        ? undefined
        : await this.#o.store.findByUpstream(ev.connector, ev.upstreamId));
    if (id === undefined)
      throw new Errors.HUB_ERR_CONNECTOR_WORKER_UPSTREAM_UNKNOWN(ev.connector, ev.upstreamId ?? '-');
    // Serialise per message: chain behind whatever runs for the same id.
    const prev = this.#busy.get(id) ?? Promise.resolve();
    const run = prev.then(() => this.#apply(id, ev));
    const tail = run.catch(() => undefined);
    this.#busy.set(id, tail);
    try {
      await run;
    } finally {
      if (this.#busy.get(id) === tail) this.#busy.delete(id);
    }
  }

  async #apply(id: string, ev: StatusEvent): Promise<void> {
    // The history is not needed to decide or to build the report: skip reading it.
    const msg = await this.#o.store.get(id, { history: false });
    if (msg === undefined) {
      this.#o.log.warn(
        { id, connector: ev.connector, upstreamId: ev.upstreamId },
        'status event for a purged message dropped',
      );
      return;
    }
    const outcome = decideTransition(msg.state, ev.state);
    if (outcome === 'illegal') {
      this.#o.log.warn(
        { id, from: msg.state, to: ev.state, connector: ev.connector },
        'illegal status event dropped',
      );
      return;
    }
    if (outcome === 'ok') {
      await enqueueReport(this.#o.bus, this.#o.ids, msg, {
        state: ev.state,
        at: ev.at,
        ...(ev.error === undefined ? {} : { error: ev.error.slice(0, 64) }),
      });
    }
    if (outcome === 'ok' && ev.state === 'delivered') this.#o.count?.(ev.connector, 'delivered');
    try {
      await this.#o.store.transition(id, ev.state, HOP[ev.kind], {
        by: this.#o.instance,
        connector: ev.connector,
        ...(ev.upstreamId === undefined ? {} : { upstreamId: ev.upstreamId }),
        ...(ev.error === undefined ? {} : { error: ev.error }),
        ...(ev.detail === undefined ? {} : { detail: ev.detail }),
      });
    } catch (err) {
      // Another event changed the state between the read and the script (other process): nothing to add.
      if (!isHubError(err, 'HUB_ERR_ILLEGAL_TRANSITION') && !isHubError(err, 'HUB_ERR_NOT_FOUND')) throw err;
    }
  }
}
