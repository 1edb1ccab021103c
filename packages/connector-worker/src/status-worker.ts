import { type Bus, type BusWorker, type JobInfo, Queues, type StatusEvent } from '@hub/bus';
import { Errors, isHubError } from '@hub/errors';
import { transition as decideTransition, type Hop, type HubMessage, type IdGenerator } from '@hub/message';
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
  // When each message last had an event applied here (a sequence number), to tell a record read alongside
  // its link from one another event has changed since; forgotten in bulk past a size (everything older
  // than `#floor` then counts as changed).
  #seq = 0;
  #floor = 0;
  readonly #appliedAt = new Map<string, number>();
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
    let id = ev.messageId;
    let read: HubMessage | undefined;
    const since = this.#seq;
    if (id === undefined && ev.upstreamId !== undefined) {
      const getBy = this.#o.store.getByUpstream?.bind(this.#o.store);
      if (getBy === undefined) id = await this.#o.store.findByUpstream(ev.connector, ev.upstreamId);
      else {
        const found = await getBy(ev.connector, ev.upstreamId);
        id = found?.id;
        read = found?.message;
      }
    }
    if (id === undefined)
      throw new Errors.HUB_ERR_CONNECTOR_WORKER_UPSTREAM_UNKNOWN(ev.connector, ev.upstreamId ?? '-');
    const key = id;
    // Serialise per message: chain behind whatever runs for the same id. The record read with the link
    // is used only when nothing else runs for the message (otherwise it may be stale: read it again).
    const prev = this.#busy.get(key);
    const changed = since < this.#floor || (this.#appliedAt.get(key) ?? -1) > since;
    const fresh = prev === undefined && !changed ? read : undefined;
    const run = (prev ?? Promise.resolve())
      .then(() => this.#apply(key, ev, fresh))
      .finally(() => {
        this.#appliedAt.set(key, ++this.#seq);
        if (this.#appliedAt.size > 50_000) {
          this.#appliedAt.clear();
          this.#floor = this.#seq;
        }
      });
    const tail = run.catch(() => undefined);
    this.#busy.set(key, tail);
    try {
      await run;
    } finally {
      if (this.#busy.get(key) === tail) this.#busy.delete(key);
    }
  }

  async #apply(id: string, ev: StatusEvent, read?: HubMessage): Promise<void> {
    // The history is not needed to decide or to build the report: skip reading it.
    const msg = read ?? (await this.#o.store.get(id, { history: false }));
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
