import { type Bus, type BusWorker, type JobInfo, jobIdFor, Queues, type StatusEvent } from '@hub/bus';
import type { Connector as ConnectorConfig } from '@hub/config';
import {
  type Connector,
  type ConnectorDeps,
  type ConnectorEvent,
  type ConnectorState,
  createConnector as defaultCreateConnector,
  type UpstreamMo,
  type UpstreamReport,
} from '@hub/connectors';
import { Errors, type HubError, isHubError, toSmppStatus } from '@hub/errors';
import {
  createMessage,
  type Hop,
  type HubMessage,
  type IdGenerator,
  isFinal,
  type MessageState,
  reportOwed,
  type StampInfo,
} from '@hub/message';
import type { WorkerLogger, WorkerStore } from './ports.js';
import { enqueueReport } from './report.js';

/**
 * Redis key under which each running connector's {@link ConnectorState} is published:
 * `<prefix>:connector-state:<connector id>`.
 *
 * **Contract (read by the REST API, and by the router's `ConnectorStates`, which builds the same key):** the value is a JSON object, {@link PublishedConnectorState}: the
 * connector's `state()` plus `instance` (the Hub process that wrote it) and `publishedAt` (ms since
 * epoch). It is rewritten every `stateIntervalMs` (default 5 s) with a TTL of `stateTtlMs` (default 15 s),
 * so a missing key means no live process runs that connector. When several processes run the same
 * connector the last writer wins (each one's sessions are its own; read it as "one instance's view").
 */
export function connectorStateKey(prefix: string, connectorId: string): string {
  return `${prefix}:connector-state:${connectorId}`;
}

/** The JSON stored under {@link connectorStateKey}. */
export interface PublishedConnectorState extends ConnectorState {
  readonly instance: string;
  readonly publishedAt: number;
}

/** Builds a connector from its config (default `createConnector` of `@hub/connectors`). */
export type ConnectorFactory = (config: ConnectorConfig, deps: ConnectorDeps) => Connector;

/** Options of {@link ConnectorWorker}. */
export interface ConnectorWorkerOptions {
  readonly bus: Bus;
  readonly store: WorkerStore;
  readonly ids: IdGenerator;
  /** This process's instance name (history `by`, published state). */
  readonly instance: string;
  readonly log: WorkerLogger;
  readonly createConnector?: ConnectorFactory;
  /** Passed to every connector (the worker supplies `onEvent` and `onWarning`). */
  readonly connectorDeps?: Omit<ConnectorDeps, 'onEvent' | 'onWarning'>;
  /**
   * BullMQ lock of connector jobs (default 5 s, renewed every half of it; `hub start` passes config
   * `workers.lockDurationMs`). A crashed process's jobs are picked up again about one to two lock
   * durations after another worker runs.
   */
  readonly lockDurationMs?: number;
  /** How often stalled connector jobs are looked for (default: the lock duration). */
  readonly stalledIntervalMs?: number;
  /** Writes a connector's state JSON with a TTL (e.g. Redis `SET key value PX ttl`); none: not published. */
  readonly publishState?: (connectorId: string, json: string, ttlMs: number) => Promise<void>;
  readonly stateTtlMs?: number;
  readonly stateIntervalMs?: number;
  /**
   * Counts per connector for the API's stats (`HINCRBY <prefix>:stats:connector:<id> <field> 1`, see
   * docs/api.md): `submitted` (send attempts), `acked`, `failed` (given up), `throttled`. Fire and forget:
   * a failed count never fails a message.
   */
  readonly count?: (
    connectorId: string,
    field: 'submitted' | 'acked' | 'failed' | 'throttled' | 'delivered',
  ) => void;
}

interface Running {
  readonly id: string;
  readonly key: string;
  readonly config: ConnectorConfig;
  readonly connector: Connector;
  worker: BusWorker | undefined;
}

/**
 * Runs the carrier connectors of one process: for each enabled connector, the connector itself and a bus
 * worker on its queue (`Queues.connector(id)`, concurrency `windowSize × binds`). Each job is one routed
 * message:
 *
 * 1. Record gone, already final (cancelled, expired) or already `submitted` (a job re-run after a crash
 *    that followed the submit) → nothing to do. `options.expireAt` passed → `expired` + the report owed,
 *    not sent.
 * 2. Connector down and the route has fallbacks → re-routed to the first fallback (below) without trying.
 * 3. `send()` → every upstream id is linked to the Hub id **first** (a receipt may arrive at once), then
 *    `submitted` (hop `upstream_ack`), `upstream` and a `submitted` hop stamp dated when the send began.
 * 4. Failures, by the error's `recovery` and the connector's `retries` policy (`attempts` = tries in
 *    all, `delayMs` doubled per try up to `maxDelayMs`):
 *    - `throttled`: the queue pauses (the error's `retryAfterMs`, else the policy's delay for this try)
 *      and the job runs again. Throttled runs are counted per job (BullMQ `attemptsStarted`, i.e. since
 *      the message's last other failure); at `retries.throttled.attempts` the message becomes
 *      `undeliverable` ("gave up after N throttled tries"). They do not add to the record's `attempts`.
 *    - `temporary` / `permanent`: the record's `attempts` is incremented (→ n). The tries on this
 *      connector are n minus the payload's `attempts` (the count when the message was handed to this
 *      connector: router, failover and operator retry set it). Below the class's `attempts`, the message
 *      is re-enqueued on the same queue as a delayed job `m-<id>-a<n>` (delay from the policy, never past
 *      `expireAt`), enqueued with `track` so a cancel by message id finds it, and this job completes. At
 *      the limit: `undeliverable` (temporary) or `rejected` (permanent) with the report owed.
 *    - With fallbacks left, a permanent failure, a try at the limit, or any temporary failure while the
 *      connector is down re-routes instead: `routed` again (hop `routed`), `route` updated with the
 *      fallback as connector and the rest as fallbacks, enqueued on the fallback's queue; this job
 *      completes.
 *    Errors of Hub itself (store, Redis) are rethrown: the bus retries the job with the queue's backoff.
 *    At-least-once: a crash between the re-enqueue and the job's completion may send once more.
 *
 * Receive side: a receipt becomes a `StatusEvent` on `Queues.events` (the {@link StatusWorker} applies
 * it) and an MO becomes a new message on the route queue (the router's MO table picks the account); the
 * upstream gets its deliver_sm_resp only once Redis stored either.
 */
export class ConnectorWorker {
  readonly #o: ConnectorWorkerOptions;
  readonly #running = new Map<string, Running>();
  /**
   * Messages this process is sending now. A batch job taken over after a missed lock renewal (a starved
   * event loop) can run again in the same process while its first run still sends; the second run then
   * retries those messages later (HUB_ERR_CONNECTOR_WORKER_BUSY) instead of sending them twice at once.
   */
  readonly #sending = new Set<string>();
  #chain: Promise<void> = Promise.resolve();
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(o: ConnectorWorkerOptions) {
    this.#o = o;
  }

  /**
   * Makes the running set match `configs`: starts new enabled connectors, stops removed or disabled
   * ones, restarts changed ones (workers first, so in-flight jobs finish on the old connector). Calls are
   * serialised. A connector that cannot be created (unknown kind) is logged and skipped; it never makes
   * the call reject.
   */
  setConnectors(configs: readonly ConnectorConfig[]): Promise<void> {
    const next = this.#chain.then(() => this.#apply(configs));
    this.#chain = next.catch(() => undefined);
    return next;
  }

  /** Ids of the connectors running here. */
  ids(): string[] {
    return [...this.#running.keys()];
  }

  /** A running connector's state, or `undefined`. */
  state(id: string): ConnectorState | undefined {
    return this.#running.get(id)?.connector.state();
  }

  /** Human-readable lines for the start banner. */
  describe(): string[] {
    return [...this.#running.values()].map((r) => {
      const c = r.config;
      const where =
        c.kind === 'smpp'
          ? `${c.host}:${c.port} (${c.bindType} ×${c.binds}, window ${c.windowSize})`
          : c.kind === 'mm7'
            ? c.url
            : `${c.host}:${c.port}`;
      return `connector ${r.id} ${c.kind} ${where}`;
    });
  }

  /** Stops every worker (in-flight jobs finish), then every connector. Idempotent. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#chain;
    const all = [...this.#running.values()];
    this.#running.clear();
    await Promise.allSettled(all.map((r) => r.worker?.close()));
    await Promise.allSettled(all.map((r) => r.connector.stop()));
  }

  async #apply(configs: readonly ConnectorConfig[]): Promise<void> {
    if (this.#stopped) return;
    const wanted = new Map(configs.filter((c) => c.enabled).map((c) => [c.id, c] as const));
    const stops: Running[] = [];
    for (const [id, r] of this.#running) {
      const c = wanted.get(id);
      if (c === undefined || JSON.stringify(c) !== r.key) stops.push(r);
    }
    for (const r of stops) this.#running.delete(r.id);
    await Promise.allSettled(stops.map((r) => r.worker?.close()));
    await Promise.allSettled(stops.map((r) => r.connector.stop()));
    for (const r of stops) this.#o.log.info({ connector: r.id }, 'connector stopped');
    const starts = [...wanted.values()].filter((c) => !this.#running.has(c.id));
    await Promise.all(starts.map((c) => this.#start(c)));
    this.#publishAll();
    if (this.#timer === undefined && this.#o.publishState !== undefined) {
      this.#timer = setInterval(() => this.#publishAll(), this.#o.stateIntervalMs ?? 5_000);
      this.#timer.unref();
    }
  }

  async #start(config: ConnectorConfig): Promise<void> {
    const log = this.#o.log;
    let r: Running;
    try {
      const holder: { r?: Running } = {};
      const connector = (this.#o.createConnector ?? defaultCreateConnector)(config, {
        ...this.#o.connectorDeps,
        onEvent: (ev) => this.#onEvent(holder.r as Running, ev),
        onWarning: (what, err) => log.warn({ connector: config.id, err }, what),
      });
      r = { id: config.id, key: JSON.stringify(config), config, connector, worker: undefined };
      holder.r = r;
    } catch (err) {
      log.error({ connector: config.id, err }, 'connector cannot be created; skipped');
      return;
    }
    this.#running.set(r.id, r);
    await r.connector.start();
    if (this.#running.get(r.id) !== r) return; // replaced or stopped meanwhile
    // SMPP: three windows' worth of jobs, so the store work before and after each submit (take, link,
    // transition) overlaps the window instead of leaving slots idle; the excess waits for a window slot
    // in the session (up to the response timeout).
    const concurrency = config.kind === 'smpp' ? config.windowSize * config.binds * 3 : 10;
    r.worker = this.#o.bus.worker(Queues.connector(r.id), (msg, job) => this.process(r.id, msg, job), {
      concurrency,
      lockDurationMs: this.#o.lockDurationMs ?? 5_000,
      ...(this.#o.stalledIntervalMs === undefined ? {} : { stalledIntervalMs: this.#o.stalledIntervalMs }),
      throttleMs: config.retries.throttled.delayMs,
    });
    const s = r.connector.state();
    log.info({ connector: r.id, up: s.up, concurrency }, 'connector started');
  }

  #publishAll(): void {
    const publish = this.#o.publishState;
    if (publish === undefined) return;
    const ttl = this.#o.stateTtlMs ?? 15_000;
    for (const r of this.#running.values()) {
      const body: PublishedConnectorState = {
        ...r.connector.state(),
        instance: this.#o.instance,
        publishedAt: Date.now(),
      };
      publish(r.id, JSON.stringify(body), ttl).catch((err: unknown) =>
        this.#o.log.warn({ connector: r.id, err }, 'publishing connector state failed'),
      );
    }
  }

  // ---- sending ---------------------------------------------------------------------------------------

  /**
   * Processes one job of connector `connectorId` (the bus calls it; exposed for tests). Rejects with the
   * errors the bus acts on: throttled (pause and retry); Hub's own failures (store, Redis) are retried with
   * the queue's backoff. Upstream failures are handled here (re-enqueue, failover or a final state).
   */
  async process(connectorId: string, msg: HubMessage, job: JobInfo): Promise<void> {
    const r = this.#running.get(connectorId);
    if (r === undefined) throw new Errors.HUB_ERR_CONNECTOR_WORKER_NOT_RUNNING(connectorId);
    // Not dropped: the other run may still fail and re-queue, or a retry may be due while the first run
    // finishes; a retry later finds whatever the first run recorded.
    if (this.#sending.has(msg.id)) throw new Errors.HUB_ERR_CONNECTOR_WORKER_BUSY(r.id, msg.id);
    this.#sending.add(msg.id);
    try {
      await this.#process(r, msg, job);
    } finally {
      this.#sending.delete(msg.id);
    }
  }

  async #process(r: Running, msg: HubMessage, job: JobInfo): Promise<void> {
    const by = this.#o.instance;
    // Taken: from here a cancel of a message in a shared batch job answers "being sent".
    const state = await (this.#o.store.take?.(msg.id) ?? this.#o.store.state(msg.id));
    if (state === undefined) {
      this.#o.log.warn(
        { id: msg.id, connector: r.id },
        'message record gone (purged or expired); job dropped',
      );
      return;
    }
    // Final (cancelled, expired, answered by a receipt) or already sent by a run that crashed afterwards.
    if (isFinal(state) || state === 'submitted' || state === 'unknown') return;
    if (msg.options.expireAt !== undefined && msg.options.expireAt <= Date.now()) {
      await this.#finish(msg, 'expired', 'expired', {
        by,
        connector: r.id,
        detail: 'validity period ended before sending',
      });
      return;
    }
    const fallbacks = msg.route?.fallbacks ?? [];
    if (fallbacks.length > 0 && !r.connector.state().up) {
      await this.#failover(r, msg, job, 'connector down');
      return;
    }
    const started = Date.now();
    let upstreamIds: string[];
    this.#o.count?.(r.id, 'submitted');
    try {
      upstreamIds = (await r.connector.send(msg)).upstreamIds;
    } catch (err) {
      await this.#failed(r, msg, err, job);
      return;
    }
    this.#o.count?.(r.id, 'acked');
    // Linked before anything else: the receipt may already be on its way. The links and the transition
    // below go out together on the store's one connection, in this order, and Redis applies them in order;
    // only an intermediate report owed in between (rare) makes them wait for each other.
    const links = Promise.all(upstreamIds.map((u) => this.#o.store.linkUpstream(r.id, u, msg.id)));
    const upstreamId = upstreamIds.join(',').slice(0, 128);
    if (reportOwed(msg, 'submitted')) {
      await links;
      await enqueueReport(this.#o.bus, this.#o.ids, msg, { state: 'submitted', at: Date.now() });
    }
    // One script: the state, the upstream id and the `submitted` stamp (dated when the send began).
    const transition = ignoreGone(
      this.#o.store.transition(
        msg.id,
        'submitted',
        'upstream_ack',
        { by, connector: r.id, upstreamId },
        {
          patch: {
            upstream: {
              connector: r.id,
              ...(upstreamIds[0] === undefined ? {} : { id: upstreamIds[0].slice(0, 128) }),
            },
          },
          stamp: { hop: 'submitted', at: started, info: { by, connector: r.id } },
        },
      ),
    );
    await Promise.all([links, transition]);
  }

  async #failed(r: Running, msg: HubMessage, err: unknown, job: JobInfo): Promise<void> {
    const e: HubError = isHubError(err)
      ? err
      : new Errors.HUB_ERR_CONNECTOR_TEMPORARY(r.id, err instanceof Error ? err.message : String(err), {
          cause: err,
        });
    const fallbacks = msg.route?.fallbacks ?? [];
    const by = this.#o.instance;
    if (e.recovery === 'throttled') {
      this.#o.count?.(r.id, 'throttled');
      const rule = r.config.retries.throttled;
      // attemptsMade counts failed runs (crash recoveries aside, none: upstream failures complete the job).
      const tries = Math.max(1, job.attemptsStarted - job.attemptsMade);
      if (tries < rule.attempts) {
        const after = e.details?.retryAfterMs;
        if (typeof after === 'number' && after > 0) throw e;
        throw new Errors.HUB_ERR_CONNECTOR_THROTTLED(r.id, e.code, {
          cause: e,
          details: { ...e.details, retryAfterMs: Math.max(1, backoff(rule, tries)) },
        });
      }
      if (fallbacks.length > 0) {
        await this.#failover(r, msg, job, `${e.code} ×${tries}`);
        return;
      }
      this.#o.log.warn(
        { id: msg.id, connector: r.id, code: e.code, tries },
        'throttled too often; giving up',
      );
      await this.#finish(msg, 'undeliverable', 'failed', {
        by,
        connector: r.id,
        error: receiptError(e),
        detail: `${e.code}: gave up after ${tries} throttled tries (retries.throttled.attempts)`.slice(
          0,
          512,
        ),
      });
      return;
    }
    const accepted = e.details?.acceptedUpstreamIds;
    if (Array.isArray(accepted)) {
      // Segments that went before the failure: their receipts still map to the message.
      await Promise.all(accepted.map((u) => this.#o.store.linkUpstream(r.id, String(u), msg.id)));
    }
    let n: number;
    try {
      n = await this.#o.store.incrementAttempts(msg.id);
    } catch (err2) {
      if (!isHubError(err2, 'HUB_ERR_NOT_FOUND')) throw err2;
      this.#o.log.warn(
        { id: msg.id, connector: r.id },
        'message record gone after a failed send; job dropped',
      );
      return;
    }
    const rule = e.recovery === 'permanent' ? r.config.retries.permanent : r.config.retries.temporary;
    const tries = Math.max(1, n - msg.attempts);
    const last = tries >= rule.attempts;
    if (fallbacks.length > 0 && (e.recovery === 'permanent' || last || !r.connector.state().up)) {
      await this.#failover(r, msg, job, e.code, n);
      return;
    }
    if (!last) {
      const now = Date.now();
      let delay = backoff(rule, tries);
      if (msg.options.expireAt !== undefined)
        delay = Math.min(delay, Math.max(0, msg.options.expireAt - now));
      const jobId = `${jobIdFor(msg.id)}-a${n}`;
      await this.#o.bus.enqueue(
        Queues.connector(r.id),
        { ...msg, state: 'routed' },
        { jobId, delay, track: true },
      );
      this.#o.log.warn(
        { id: msg.id, connector: r.id, code: e.code, try: tries, of: rule.attempts, delayMs: delay, jobId },
        'send failed; will retry',
      );
      return;
    }
    const state: MessageState = e.recovery === 'permanent' ? 'rejected' : 'undeliverable';
    this.#o.log.warn(
      { id: msg.id, connector: r.id, code: e.code, err: e, tries, state },
      'send failed for good',
    );
    this.#o.count?.(r.id, 'failed');
    await this.#finish(msg, state, 'failed', {
      by,
      connector: r.id,
      error: receiptError(e),
      detail: `${e.code}: ${e.message}`.slice(0, 512),
    });
  }

  /**
   * Hands the message to the route's next connector. `attempts` (the record's count now) becomes the
   * payload's, the base the next connector counts its tries from. A job under a fresh id (retry) passes
   * its id on, so a job kept from an earlier round on that queue cannot swallow it.
   */
  async #failover(r: Running, msg: HubMessage, job: JobInfo, why: string, attempts?: number): Promise<void> {
    const [next, ...rest] = msg.route?.fallbacks ?? [];
    if (next === undefined || msg.route === undefined) return;
    const route = {
      routeId: msg.route.routeId,
      connector: next,
      ...(rest.length > 0 ? { fallbacks: rest } : {}),
    };
    const base = attempts ?? (await this.#o.store.get(msg.id))?.attempts ?? msg.attempts;
    this.#o.log.info({ id: msg.id, from: r.id, to: next, why }, 'failover to the next connector');
    // Route first, so a cancel_sm meanwhile looks in the right queue.
    await this.#o.store.update(msg.id, { route });
    await this.#o.store.transition(msg.id, 'routed', 'routed', {
      by: this.#o.instance,
      connector: next,
      detail: `failover from ${r.id}: ${why}`.slice(0, 512),
    });
    await this.#o.bus.enqueue(
      Queues.connector(next),
      { ...msg, state: 'routed', route, attempts: base },
      job.id === '' || job.id === jobIdFor(msg.id) ? {} : { jobId: job.id, track: true },
    );
  }

  /** Final state for a message that will not be sent, with its report (enqueued first, see enqueueReport). */
  async #finish(msg: HubMessage, state: MessageState, hop: Hop, info: StampInfo): Promise<void> {
    await enqueueReport(this.#o.bus, this.#o.ids, msg, {
      state,
      at: Date.now(),
      ...(info.error === undefined ? {} : { error: info.error }),
    });
    try {
      await this.#o.store.transition(msg.id, state, hop, info);
    } catch (err) {
      if (!isHubError(err, 'HUB_ERR_NOT_FOUND') && !isHubError(err, 'HUB_ERR_ILLEGAL_TRANSITION')) throw err;
      this.#o.log.warn({ id: msg.id, state, err }, 'final state not recorded');
    }
  }

  // ---- receiving -------------------------------------------------------------------------------------

  async #onEvent(r: Running, ev: ConnectorEvent): Promise<void> {
    if (ev.type === 'report') await this.#onReport(r, ev.report);
    else await this.#onMo(r, ev.mo);
  }

  async #onReport(r: Running, rep: UpstreamReport): Promise<void> {
    const eventId = `${r.id}.${rep.upstreamId}.${rep.state}`;
    const ev: StatusEvent = {
      v: 1,
      kind: 'receipt',
      connector: r.id,
      upstreamId: rep.upstreamId.slice(0, 128),
      state: rep.state,
      at: Math.max(0, Math.trunc(rep.doneAt ?? rep.receivedAt)),
      ...(rep.error === undefined ? {} : { error: rep.error.slice(0, 128) }),
      ...(rep.raw.text === undefined ? {} : { detail: rep.raw.text.slice(0, 512) }),
      // A re-sent receipt PDU enqueued while the first is still queued collapses into one job.
      ...(EVENT_ID.test(eventId) ? { eventId } : {}),
    };
    // Receipts arriving together share one job (see Bus.enqueueBatched); still stored before the resp.
    await this.#o.bus.enqueueBatched(Queues.events, ev);
  }

  async #onMo(r: Running, mo: UpstreamMo): Promise<void> {
    const note =
      mo.incomplete === undefined
        ? []
        : [
            {
              at: mo.receivedAt,
              hop: 'note' as const,
              detail:
                `incomplete: ${mo.incomplete.missing.length} of ${mo.incomplete.total} parts missing (${mo.incomplete.missing.join(',')})`.slice(
                  0,
                  512,
                ),
            },
          ];
    const msg = createMessage(
      {
        ...mo.message,
        id: this.#o.ids.next(),
        direction: 'mo',
        origin: { ...mo.message.origin, protocol: r.connector.kind, connector: r.id },
        history: note,
      },
      mo.receivedAt,
      this.#o.instance,
    );
    await Promise.all([this.#o.store.put(msg), this.#o.bus.enqueue(Queues.route, msg)]);
  }
}

const EVENT_ID = /^[A-Za-z0-9_.-]{1,64}$/;

/** Delay before try `tries + 1` of a retry policy: `delayMs` doubled per try, capped at `maxDelayMs`. */
function backoff(rule: { delayMs: number; maxDelayMs: number }, tries: number): number {
  const d = rule.delayMs * 2 ** Math.min(Math.max(0, tries - 1), 30);
  return Math.min(d, Math.max(rule.maxDelayMs, rule.delayMs));
}

/** The 3-digit `err:` of the receipt owed: the upstream's command_status when it gave one, else Hub's own. */
function receiptError(e: HubError): string {
  const up = e.details?.upstreamStatus;
  const n = typeof up === 'number' ? up : toSmppStatus(e);
  return String(n).padStart(3, '0').slice(-3);
}

/** Bookkeeping for a record purged meanwhile is dropped: the message is gone. */
async function ignoreGone(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (err) {
    if (!isHubError(err, 'HUB_ERR_NOT_FOUND')) throw err;
  }
}
