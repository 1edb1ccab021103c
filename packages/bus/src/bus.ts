import { Errors, isHubError } from '@hub/errors';
import { describeIssues } from '@hub/message';
import { type Job, Queue, UnrecoverableError, Worker } from 'bullmq';
import { jobIdFor, type QueueDef } from './catalog.js';
import type { RedisClient, RedisConnection } from './redis.js';

/** Where the bus reports connection trouble and failed jobs (a pino logger fits). */
export interface BusLogger {
  warn(obj: Record<string, unknown>, msg: string): void;
}

/** Options of {@link createBus}. */
export interface BusOptions {
  readonly connection: RedisConnection;
  /** BullMQ key prefix (default: the connection's prefix, `hub`). */
  readonly prefix?: string;
  readonly logger?: BusLogger;
}

/** Per-call overrides of {@link Bus.enqueue}. */
export interface EnqueueOptions {
  /** Replaces the catalog's job id (e.g. a re-queue that must not collide with a retained failed job). */
  readonly jobId?: string;
  /** Replaces the computed delay (ms). */
  readonly delay?: number;
  /** Replaces the computed BullMQ priority (1 = first); ignored on FIFO queues. */
  readonly priority?: number;
  /** Replaces the catalog's attempts. */
  readonly attempts?: number;
  /** Replaces the catalog's backoff base delay (ms). */
  readonly backoffMs?: number;
  /**
   * With a custom `jobId` on a message queue: remember it as the message's latest job on this queue, so
   * {@link Bus.remove} without a `jobId` finds it (cancel of a message re-queued under a fresh id, such
   * as a connector retry `m-<id>-a<n>` or an operator retry `m-<id>-r<n>`). Costs one extra Redis write;
   * the pointer lapses after the queue's failed-job retention.
   */
  readonly track?: boolean;
  /**
   * `false` skips the producer-side schema check: only for a payload this process has just built and
   * validated itself (a message from `createMessage`, or one a worker received validated and only set
   * known-good fields on). The worker validates every job again on dequeue, so a bad payload still fails
   * there, permanently. Default `true`.
   */
  readonly validate?: boolean;
}

/** Options of {@link Bus.enqueueMany} (applies to every payload of the call). */
export interface EnqueueManyOptions {
  /** See {@link EnqueueOptions.validate}. */
  readonly validate?: boolean;
  /**
   * Carry payloads that are due now in shared batch jobs (see {@link Bus.enqueueBatched}) instead of one
   * job each; delayed payloads still get a job each. Default `false`.
   */
  readonly batch?: boolean;
}

/** Options of {@link Bus.enqueueBatched}. */
export interface EnqueueBatchedOptions {
  /** See {@link EnqueueOptions.jobId}: used when the payload ends up in a job of its own. */
  readonly jobId?: string;
  /** See {@link EnqueueOptions.validate}. */
  readonly validate?: boolean;
}

/** What {@link Bus.enqueue} returns. */
export interface EnqueueResult {
  readonly jobId: string;
}

/** Job facts handed to a processor next to the payload. */
export interface JobInfo {
  readonly id: string;
  /** Failed attempts before this one (0 on the first run). */
  readonly attemptsMade: number;
  /**
   * Times this job was started, this run included: also counts runs that ended in a throttled pause or
   * a crash (stall), which `attemptsMade` does not.
   */
  readonly attemptsStarted: number;
  readonly queue: string;
}

/** Options of {@link Bus.worker}. */
export interface WorkerOptions {
  /** Jobs processed in parallel by this worker (default 10). */
  readonly concurrency?: number;
  /** Pause for a `throttled` HubError without `details.retryAfterMs` (default 1000 ms). */
  readonly throttleMs?: number;
  /**
   * How long a job stays locked without renewal; a crashed worker's jobs are retried after about twice this
   * (default 30 s). Lower it where a crash must not hold messages for a minute.
   */
  readonly lockDurationMs?: number;
  /** How often this worker looks for stalled jobs (default: `lockDurationMs`). */
  readonly stalledIntervalMs?: number;
  /** How often a job may be recovered from a crashed worker before it fails (default 3). */
  readonly maxStalledCount?: number;
}

/** A running worker. */
export interface BusWorker {
  /** Stops taking jobs, waits for in-flight ones, closes its connections. Idempotent. */
  close(): Promise<void>;
  /** Resolves once the worker's connections are ready (useful in tests). */
  ready(): Promise<void>;
  /** Changes how many payloads run in parallel (e.g. as receiver binds come and go); at least 1. */
  setConcurrency(n: number): void;
}

/** The message bus. */
export interface Bus {
  /**
   * Validates `payload` against the queue's schema and adds it as a job; resolves only after Redis stored it.
   * Enqueueing an id that is already waiting, delayed, active or retained as failed is a no-op (idempotent).
   * Throws `HUB_ERR_VALIDATION` (permanent) for a bad payload, `HUB_ERR_BUS_ENQUEUE_FAILED` (temporary) when
   * Redis did not confirm (answer the sender "try later"), `HUB_ERR_BUS_CLOSED` after {@link Bus.close}.
   */
  enqueue<T>(def: QueueDef<T>, payload: T, opts?: EnqueueOptions): Promise<EnqueueResult>;
  /**
   * {@link Bus.enqueue} for many payloads of one queue at once (one pipeline, one round trip: BullMQ
   * `addBulk`), each with the catalog's job id, priority and delay. Resolves, in payload order, once Redis
   * stored every job. Throws `HUB_ERR_VALIDATION` before anything is written when a payload is bad, and
   * `HUB_ERR_BUS_ENQUEUE_FAILED` when Redis did not confirm them all (some may have been added: enqueueing is
   * idempotent per job id, so retrying the whole call is safe), `HUB_ERR_BUS_CLOSED` after {@link Bus.close}.
   */
  enqueueMany<T>(
    def: QueueDef<T>,
    payloads: readonly T[],
    opts?: EnqueueManyOptions,
  ): Promise<EnqueueResult[]>;
  /**
   * Adds `payload` to the queue together with whatever else this process enqueues on the same queue in the
   * same event-loop turn: up to {@link BATCH_MAX} payloads due now travel in one BullMQ job (a *batch
   * job*), which divides the queue's per-job Redis work (add, fetch, lock, complete, events) by the batch
   * size. A payload alone, or one with a delay, gets a job of its own (with its job id).
   *
   * Resolves once Redis stored the job that carries it; rejects with {@link Bus.enqueue}'s errors (the
   * whole batch failed: the caller retries or answers "try later"). Batched payloads lose job-id
   * deduplication and {@link Bus.remove}: use it where the processor is idempotent and cancel does not
   * rely on removing the job (the message store's state decides). Workers process batch jobs
   * transparently (see {@link Bus.worker}).
   */
  enqueueBatched<T>(def: QueueDef<T>, payload: T, opts?: EnqueueBatchedOptions): Promise<void>;
  /**
   * Starts a worker. The processor receives the validated payload. Errors it throws:
   * - HubError with recovery `permanent` (or an invalid payload): the job fails at once, no retry;
   * - `throttled`: the whole queue pauses for `details.retryAfterMs` (or `throttleMs`) and the job goes back
   *   to waiting without using an attempt;
   * - anything else: retried with exponential backoff up to the catalog's attempts.
   *
   * A batch job (see {@link Bus.enqueueBatched}) runs the processor once per payload, at most
   * `concurrency` payloads at a time across all the worker's jobs. A payload that fails, or is invalid, is
   * re-enqueued as a job of its own (its job id, a delay from the error: the backoff base, or the throttle
   * pause) where the rules above apply; after a `throttled` error the payloads not yet started follow it
   * and the queue pauses. The batch job completes once those re-enqueues are stored; if they cannot be,
   * it fails and runs again whole, so processors must be idempotent (they are: at-least-once).
   */
  worker<T>(
    def: QueueDef<T>,
    processor: (payload: T, job: JobInfo) => Promise<unknown>,
    opts?: WorkerOptions,
  ): BusWorker;
  /**
   * Jobs not yet finished: waiting (incl. paused) + prioritised + delayed + active, each batch job counted as
   * the payloads it carries (for high-water marks). Throws `HUB_ERR_BUS_CLOSED` after {@link Bus.close}.
   */
  depth(def: QueueDef<unknown>): Promise<number>;
  /**
   * Removes a waiting or delayed job of a message (cancel). Returns false when there is none or it is already
   * running or finished (the caller then answers "cannot cancel").
   *
   * Which job: `opts.jobId` when given (only that one); otherwise the message's plain job (`m-<id>`) and,
   * when that one is not removable, the latest job enqueued for the message with `track: true` (see
   * {@link EnqueueOptions.track}). Throws the Redis error when Redis is unreachable.
   */
  remove(def: QueueDef<unknown>, messageId: string, opts?: { jobId?: string }): Promise<boolean>;
  /** Closes workers (in-flight jobs finish first), then queues and connections. Idempotent. */
  close(): Promise<void>;
}

const KEEP_COMPLETED = true;

/** Most payloads one batch job carries (see {@link Bus.enqueueBatched}). */
export const BATCH_MAX = 128;

/** BullMQ job name of batch jobs; single jobs are named after the queue's catalog key. */
const BATCH_JOB = 'batch';

/** One payload inside a batch job, with the job id it gets if it must go on alone. */
interface BatchItem {
  readonly p: unknown;
  readonly j?: string;
}

/** Data of a batch job. */
interface BatchEnvelope {
  readonly v: 1;
  readonly items: BatchItem[];
}

/** A counting semaphore (batch items of one worker share its `concurrency`). */
class Slots {
  #free: number;
  #size: number;
  readonly #waiting: Array<() => void> = [];
  constructor(n: number) {
    this.#size = Math.max(1, n);
    this.#free = this.#size;
  }
  resize(n: number): void {
    const size = Math.max(1, Math.trunc(n));
    this.#free += size - this.#size;
    this.#size = size;
    while (this.#free > 0 && this.#waiting.length > 0) {
      this.#free--;
      this.#waiting.shift()?.();
    }
  }
  acquire(): Promise<void> {
    if (this.#free > 0) {
      this.#free--;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#waiting.push(resolve));
  }
  release(): void {
    const next = this.#free >= 0 ? this.#waiting.shift() : undefined;
    if (next !== undefined) next();
    else this.#free++;
  }
}

/** The payload parsed by the queue's schema (defaults applied); `HUB_ERR_VALIDATION` when it does not fit. */
function checked<T>(def: QueueDef<T>, payload: T): T {
  const r = def.schema.safeParse(payload);
  if (!r.success) throw new Errors.HUB_ERR_VALIDATION(`${def.key} payload`, describeIssues(r.error));
  return r.data;
}

/** BullMQ options of one job: the catalog's defaults, the payload's priority and delay, per-call overrides. */
function jobOptions<T>(def: QueueDef<T>, data: T, jobId: string | undefined, o: EnqueueOptions, now: number) {
  const delay = o.delay ?? def.delay(data, now);
  return {
    ...(jobId === undefined ? {} : { jobId }),
    ...(def.prioritized ? { priority: o.priority ?? def.priority(data) } : {}),
    ...(delay > 0 ? { delay } : {}),
    attempts: o.attempts ?? def.defaults.attempts,
    backoff: { type: 'exponential', delay: o.backoffMs ?? def.defaults.backoffMs },
    // The message store keeps the record; completed jobs would only block re-queueing the same id.
    removeOnComplete: KEEP_COMPLETED,
    removeOnFail: { age: def.defaults.removeOnFail.age, count: def.defaults.removeOnFail.count },
  };
}

/**
 * Creates the bus on a {@link RedisConnection}. One non-blocking client is shared by all producers; each worker
 * gets its own blocking client. Nothing connects until first use.
 */
export function createBus(opts: BusOptions): Bus {
  const prefix = opts.prefix ?? opts.connection.prefix;
  const log = opts.logger;
  const queues = new Map<string, Queue>();
  const workers = new Set<BusWorker>();
  const batchers = new Map<string, MicroBatcher<{ data: unknown; jobId: string | undefined }>>();
  const counts = new Map<string, { jobs: number; items: number }>();
  let countTimer: NodeJS.Timeout | undefined;
  let commandClient: RedisClient | undefined;
  let closed = false;
  let closing: Promise<void> | undefined;

  function client(): RedisClient {
    // After close, never open a new connection: one created by a late caller (a metrics sample racing
    // shutdown) would never be closed and would keep the process alive.
    if (closed) throw new Errors.HUB_ERR_BUS_CLOSED();
    commandClient ??= opts.connection.client('command');
    return commandClient;
  }

  function queueOf(def: QueueDef<unknown>): Queue {
    let q = queues.get(def.name);
    if (q === undefined) {
      q = new Queue(def.name, { connection: client(), prefix });
      q.on('error', (err: Error) => log?.warn({ err, queue: def.name }, 'queue connection error'));
      queues.set(def.name, q);
    }
    return q;
  }

  return {
    async enqueue<T>(def: QueueDef<T>, payload: T, o: EnqueueOptions = {}): Promise<EnqueueResult> {
      if (closed) throw new Errors.HUB_ERR_BUS_CLOSED();
      const data = o.validate === false ? payload : checked(def, payload);
      const jobId = o.jobId ?? def.jobId(data);
      const plain = def.jobId(data);
      try {
        if (o.track === true && jobId !== undefined && plain !== undefined && jobId !== plain) {
          // Written before the add: a pointer to a job that never got added only makes remove miss it.
          await client().set(latestKey(def.name, plain), jobId, 'EX', def.defaults.removeOnFail.age);
        }
        const job = await queueOf(def as QueueDef<unknown>).add(
          def.key,
          data,
          jobOptions(def, data, jobId, o, Date.now()),
        );
        return { jobId: job.id ?? jobId ?? '' };
      } catch (err) {
        if (closed) throw new Errors.HUB_ERR_BUS_CLOSED({ cause: err });
        throw new Errors.HUB_ERR_BUS_ENQUEUE_FAILED(jobId ?? def.key, def.name, (err as Error).message, {
          cause: err,
        });
      }
    },

    async enqueueMany<T>(
      def: QueueDef<T>,
      payloads: readonly T[],
      o: EnqueueManyOptions = {},
    ): Promise<EnqueueResult[]> {
      if (closed) throw new Errors.HUB_ERR_BUS_CLOSED();
      if (payloads.length === 0) return [];
      const now = Date.now();
      const items = payloads.map((p) => {
        const data = o.validate === false ? p : checked(def, p);
        return { data, jobId: def.jobId(data) };
      });
      if (o.batch === true) {
        await addBatched(def as QueueDef<unknown>, items, now);
        return items.map((it) => ({ jobId: it.jobId ?? '' }));
      }
      const jobs = items.map(({ data, jobId }) => ({
        name: def.key,
        data,
        opts: jobOptions(def, data, jobId, {}, now),
      }));
      try {
        const added = await queueOf(def as QueueDef<unknown>).addBulk(jobs);
        return added.map((j, i) => ({ jobId: j.id ?? jobs[i]?.opts.jobId ?? '' }));
      } catch (err) {
        if (closed) throw new Errors.HUB_ERR_BUS_CLOSED({ cause: err });
        const first = jobs[0]?.opts.jobId ?? def.key;
        throw new Errors.HUB_ERR_BUS_ENQUEUE_FAILED(
          jobs.length > 1 ? `${first} (+${jobs.length - 1})` : first,
          def.name,
          (err as Error).message,
          { cause: err },
        );
      }
    },

    enqueueBatched<T>(def: QueueDef<T>, payload: T, o: EnqueueBatchedOptions = {}): Promise<void> {
      if (closed) return Promise.reject(new Errors.HUB_ERR_BUS_CLOSED());
      let data: T;
      try {
        data = o.validate === false ? payload : checked(def, payload);
      } catch (err) {
        return Promise.reject(err);
      }
      let b = batchers.get(def.name);
      if (b === undefined) {
        b = new MicroBatcher({
          maxItems: BATCH_MAX,
          flush: (items) => addBatched(def as QueueDef<unknown>, items, Date.now()),
        });
        batchers.set(def.name, b);
      }
      return b.add({ data, jobId: o.jobId ?? def.jobId(data) });
    },

    worker<T>(
      def: QueueDef<T>,
      processor: (payload: T, job: JobInfo) => Promise<unknown>,
      wo: WorkerOptions = {},
    ): BusWorker {
      if (closed) throw new Errors.HUB_ERR_BUS_CLOSED();
      const conn = opts.connection.client('blocking');
      const lockDuration = wo.lockDurationMs ?? 30_000;
      const slots = new Slots(wo.concurrency ?? 10);
      // BullMQ's concurrency counts jobs; a batch job carries many payloads, and payloads taken here wait
      // here while another process's worker on the same queue (scale-out) could have run them. So this
      // worker takes jobs only while what it holds stays within twice what it works on at once, judging a
      // job's size by the last one seen (1 for single jobs: then it is plain `concurrency`). It starts at
      // one job, until it has seen one.
      let size = Math.max(1, Math.trunc(wo.concurrency ?? 10));
      let held = 0;
      let active = 0;
      let perJob = size;
      const pace = (): void => {
        const room = Math.max(0, 2 * size - held);
        const want = Math.min(size, Math.max(1, active + Math.floor(room / perJob)));
        if (w.concurrency !== want) w.concurrency = want;
      };
      const track = async <R>(n: number, run: () => Promise<R>): Promise<R> => {
        perJob = n;
        active++;
        held += n;
        pace();
        try {
          return await run();
        } finally {
          active--;
          held -= n;
          pace();
        }
      };
      const runOne = async (job: Job): Promise<unknown> => {
        const r = def.schema.safeParse(job.data);
        if (!r.success) throw new UnrecoverableError(`HUB_ERR_VALIDATION: ${describeIssues(r.error)}`);
        try {
          return await processor(r.data, {
            id: job.id ?? '',
            attemptsMade: job.attemptsMade,
            attemptsStarted: job.attemptsStarted,
            queue: def.name,
          });
        } catch (err) {
          if (isHubError(err)) {
            if (err.recovery === 'permanent') throw new UnrecoverableError(`${err.code}: ${err.message}`);
            if (err.recovery === 'throttled') {
              const after = err.details?.retryAfterMs;
              await queueOf(def as QueueDef<unknown>).rateLimit(
                typeof after === 'number' && after > 0 ? after : (wo.throttleMs ?? 1_000),
              );
              throw Worker.RateLimitError();
            }
          }
          throw err;
        }
      };
      const w: Worker = new Worker(
        def.name,
        async (job: Job) => {
          if (job.name !== BATCH_JOB) return track(1, () => runOne(job));
          const n = Math.max(1, (job.data as Partial<BatchEnvelope> | undefined)?.items?.length ?? 1);
          return track(n, () => runBatch(def as QueueDef<unknown>, job, processor as never, slots, wo));
        },
        {
          connection: conn,
          prefix,
          concurrency: 1,
          lockDuration,
          stalledInterval: wo.stalledIntervalMs ?? lockDuration,
          maxStalledCount: wo.maxStalledCount ?? 3,
          // A manual rate limit (throttled errors) only takes effect on workers that have a limiter.
          limiter: { max: Number.MAX_SAFE_INTEGER - 1, duration: 1_000 },
        },
      );
      w.on('error', (err: Error) => log?.warn({ err, queue: def.name }, 'worker error'));
      w.on('failed', (job: Job | undefined, err: Error) => {
        if (
          job !== undefined &&
          (err.name === 'UnrecoverableError' || job.attemptsMade >= (job.opts.attempts ?? 1))
        ) {
          const held = (job.data as Partial<BatchEnvelope> | undefined)?.items;
          if (job.name === BATCH_JOB && Array.isArray(held)) countBatched(def.name, -1, -held.length);
          log?.warn(
            { err, queue: def.name, jobId: job.id, id: (job.data as { id?: unknown } | undefined)?.id },
            'job failed for good',
          );
        }
      });
      let closing: Promise<void> | undefined;
      const handle: BusWorker = {
        close() {
          closing ??= (async () => {
            try {
              await w.close();
            } finally {
              workers.delete(handle);
              conn.disconnect();
            }
          })();
          return closing;
        },
        ready: () => w.waitUntilReady().then(() => undefined),
        setConcurrency(n) {
          const c = Math.max(1, Math.trunc(n));
          if (c === size) return;
          size = c;
          slots.resize(c);
          pace();
        },
      };
      workers.add(handle);
      return handle;
    },

    async depth(def: QueueDef<unknown>): Promise<number> {
      if (closed) throw new Errors.HUB_ERR_BUS_CLOSED();
      // This process's pending counts go first, on the same connection as the read.
      if (counts.size > 0) flushCounts();
      const [c, batched] = await Promise.all([
        queueOf(def).getJobCounts('waiting', 'prioritized', 'delayed', 'active'),
        client().hmget(batchedKey(def.name), 'jobs', 'items'),
      ]);
      const jobs = Object.values(c).reduce((a, b) => a + b, 0);
      // A batch job holds many payloads: count those instead (the counters are kept beside the queue).
      const inBatches = Math.max(0, Number(batched[1] ?? 0));
      const batchJobs = Math.min(jobs, Math.max(0, Number(batched[0] ?? 0)));
      return jobs - batchJobs + inBatches;
    },

    async remove(def: QueueDef<unknown>, messageId: string, o: { jobId?: string } = {}): Promise<boolean> {
      const q = queueOf(def);
      const removeOne = async (id: string): Promise<boolean> => {
        const state = await q.getJobState(id);
        if (state !== 'waiting' && state !== 'delayed' && state !== 'prioritized') return false;
        // Remove refuses locked (active) jobs, so a job that started in between is not cancelled.
        return (await q.remove(id)) === 1;
      };
      if (o.jobId !== undefined) return removeOne(o.jobId);
      const plain = jobIdFor(messageId);
      if (await removeOne(plain)) return true;
      const latest = await client().get(latestKey(def.name, plain));
      return latest !== null && latest !== plain && (await removeOne(latest));
    },

    close(): Promise<void> {
      closing ??= shutdown();
      return closing;
    },
  };

  /**
   * Adds payloads, putting those due now into batch jobs: grouped by BullMQ priority (a batch job has one),
   * at most {@link BATCH_MAX} each. A group of one, and every delayed payload, gets a job of its own.
   */
  async function addBatched(
    def: QueueDef<unknown>,
    items: ReadonlyArray<{ data: unknown; jobId: string | undefined }>,
    now: number,
    delays?: readonly number[],
  ): Promise<void> {
    const singles: Array<{ name: string; data: unknown; opts: ReturnType<typeof jobOptions> }> = [];
    const groups = new Map<number, BatchItem[]>();
    items.forEach((it, i) => {
      const delay = delays?.[i] ?? def.delay(it.data, now);
      if (delay > 0 || items.length === 1) {
        singles.push({
          name: def.key,
          data: it.data,
          opts: jobOptions(def, it.data, it.jobId, { delay }, now),
        });
        return;
      }
      const prio = def.prioritized ? def.priority(it.data) : 0;
      let g = groups.get(prio);
      if (g === undefined) {
        g = [];
        groups.set(prio, g);
      }
      g.push(it.jobId === undefined ? { p: it.data } : { p: it.data, j: it.jobId });
    });
    const jobs = [...singles];
    let batchJobs = 0;
    let batchItems = 0;
    for (const [prio, g] of groups) {
      if (g.length === 1 && g[0] !== undefined) {
        const one = items.find((it) => it.data === g[0]?.p);
        jobs.push({
          name: def.key,
          data: g[0].p,
          opts: jobOptions(def, g[0].p, one?.jobId, { delay: 0 }, now),
        });
        continue;
      }
      for (let i = 0; i < g.length; i += BATCH_MAX) {
        const data: BatchEnvelope = { v: 1, items: g.slice(i, i + BATCH_MAX) };
        batchJobs++;
        batchItems += data.items.length;
        jobs.push({
          name: BATCH_JOB,
          data,
          opts: {
            ...(def.prioritized ? { priority: prio } : {}),
            attempts: def.defaults.attempts,
            backoff: { type: 'exponential', delay: def.defaults.backoffMs },
            removeOnComplete: KEEP_COMPLETED,
            removeOnFail: { age: def.defaults.removeOnFail.age, count: def.defaults.removeOnFail.count },
          },
        });
      }
    }
    try {
      // One job (the usual case below a few thousand messages a second): BullMQ's single add is one
      // script call, without addBulk's pipeline and bulk bookkeeping.
      const only = jobs.length === 1 ? jobs[0] : undefined;
      if (only !== undefined) await queueOf(def).add(only.name, only.data, only.opts);
      else await queueOf(def).addBulk(jobs);
    } catch (err) {
      if (closed) throw new Errors.HUB_ERR_BUS_CLOSED({ cause: err });
      throw new Errors.HUB_ERR_BUS_ENQUEUE_FAILED(
        `${items.length} payload(s)`,
        def.name,
        (err as Error).message,
        { cause: err },
      );
    }
    countBatched(def.name, batchJobs, batchItems);
  }

  /**
   * Counts payloads held in batch jobs (for {@link Bus.depth}): `jobs` and `items` beside the queue,
   * raised once batch jobs are stored and lowered when one ends. Best effort: a failed update skews a
   * high-water mark, never a message.
   */
  function countBatched(queueName: string, jobs: number, items: number): void {
    if (jobs === 0) return;
    const c = counts.get(queueName) ?? { jobs: 0, items: 0 };
    c.jobs += jobs;
    c.items += items;
    counts.set(queueName, c);
    // Summed for up to 50 ms: one write per queue instead of one per batch (the high-water marks that
    // read them sample every 250 ms anyway).
    countTimer ??= setTimeout(flushCounts, 50);
  }

  function flushCounts(): void {
    countTimer = undefined;
    if (closed) counts.clear();
    if (counts.size === 0 || commandClient === undefined) return;
    const m = client().multi();
    for (const [q, c] of counts) {
      if (c.jobs !== 0) m.hincrby(batchedKey(q), 'jobs', c.jobs);
      if (c.items !== 0) m.hincrby(batchedKey(q), 'items', c.items);
    }
    counts.clear();
    void m.exec().catch(() => undefined);
  }

  /**
   * Runs the payloads of one batch job through `processor` (see {@link Bus.worker}); what fails goes on
   * as jobs of their own. Throws only when those cannot be stored (the batch then runs again).
   */
  async function runBatch(
    def: QueueDef<unknown>,
    job: Job,
    processor: (payload: unknown, job: JobInfo) => Promise<unknown>,
    slots: Slots,
    wo: WorkerOptions,
  ): Promise<void> {
    const env = job.data as Partial<BatchEnvelope> | undefined;
    if (env?.v !== 1 || !Array.isArray(env.items))
      throw new UnrecoverableError('HUB_ERR_VALIDATION: batch job without items');
    const info: JobInfo = {
      id: '',
      attemptsMade: job.attemptsMade,
      attemptsStarted: job.attemptsStarted,
      queue: def.name,
    };
    const again: Array<{ item: BatchItem; delay: number }> = [];
    let pause: number | undefined;
    await Promise.all(
      env.items.map(async (item) => {
        await slots.acquire();
        try {
          if (pause !== undefined) {
            again.push({ item, delay: pause });
            return;
          }
          const r = def.schema.safeParse(item.p);
          // Invalid: on its own it fails for good, visibly, like any invalid job.
          if (!r.success) again.push({ item, delay: 0 });
          else await processor(r.data, info);
        } catch (err) {
          let delay = def.defaults.backoffMs;
          if (isHubError(err) && err.recovery === 'throttled') {
            const after = err.details?.retryAfterMs;
            delay = typeof after === 'number' && after > 0 ? after : (wo.throttleMs ?? 1_000);
            pause = Math.max(pause ?? 0, delay);
          } else if (isHubError(err) && err.recovery === 'permanent') delay = 0;
          else log?.warn({ err, queue: def.name }, 'payload of a batch job failed; retried alone');
          again.push({ item, delay });
        } finally {
          slots.release();
        }
      }),
    );
    if (pause !== undefined) await queueOf(def).rateLimit(pause);
    // Each on its own now: one job each, so the usual retry, throttle and failure rules apply.
    await Promise.all(
      again.map(({ item, delay }) => addBatched(def, [{ data: item.p, jobId: item.j }], Date.now(), [delay])),
    );
    countBatched(def.name, -1, -env.items.length);
  }

  /** Counters of payloads in batch jobs (see countBatched); the hash tag keeps them in the queue's slot. */
  function batchedKey(queueName: string): string {
    return `${prefix}:${queueName}:batched`;
  }

  /** Pointer to a message's latest tracked job; the queue name's hash tag keeps it in the queue's slot. */
  function latestKey(queueName: string, plainJobId: string): string {
    return `${prefix}:${queueName}:latest:${plainJobId}`;
  }

  async function shutdown(): Promise<void> {
    // Workers first: their in-flight jobs may still enqueue (route → connector), so producers stay open.
    await Promise.allSettled([...workers].map((w) => w.close()));
    await Promise.allSettled([...batchers.values()].map((b) => b.drain()));
    if (countTimer !== undefined) clearTimeout(countTimer);
    flushCounts();
    closed = true;
    await Promise.allSettled([...queues.values()].map((q) => q.close()));
    queues.clear();
    if (commandClient !== undefined) {
      await commandClient.quit().catch(() => commandClient?.disconnect());
      commandClient = undefined;
    }
  }
}

/** Options of {@link MicroBatcher}. */
export interface MicroBatcherOptions<T> {
  /**
   * Writes one batch durably. Resolving acknowledges every item of the batch; throwing rejects every one
   * with that error (the callers answer their senders "try later").
   */
  readonly flush: (items: T[]) => Promise<void>;
  /** Most items per batch (default 64); a full batch is flushed at once. */
  readonly maxItems?: number;
  /**
   * Longest an item waits for companions, in ms. `0` (the default) flushes at the end of the current
   * event-loop turn (`setImmediate`): what arrived together (one socket read, several sessions in one poll)
   * goes out together, and a lone item waits for nothing.
   */
  readonly maxDelayMs?: number;
}

/**
 * Collects items (messages accepted by an ingress) for at most `maxDelayMs` or `maxItems` and hands them
 * to `flush` together, so that N messages cost one pipeline to Redis rather than N round trips. Each
 * {@link MicroBatcher.add} resolves only when its batch was flushed successfully, so an ingress still
 * acknowledges a message only once it is durable. Batches are flushed concurrently (they pipeline on the
 * Redis connection); items keep their order within a batch.
 */
export class MicroBatcher<T> {
  readonly #flush: (items: T[]) => Promise<void>;
  readonly #max: number;
  readonly #delay: number;
  #items: T[] = [];
  #waiters: Array<{ resolve: () => void; reject: (err: unknown) => void }> = [];
  #timer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  readonly #inFlight = new Set<Promise<void>>();

  constructor(o: MicroBatcherOptions<T>) {
    this.#flush = o.flush;
    this.#max = Math.max(1, Math.trunc(o.maxItems ?? 64));
    this.#delay = Math.max(0, o.maxDelayMs ?? 0);
  }

  /** Items waiting for their batch to be flushed (not counting batches in flight). */
  get pending(): number {
    return this.#items.length;
  }

  /** Queues one item; resolves once its batch is durable, rejects with the batch's flush error. */
  add(item: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#items.push(item);
      this.#waiters.push({ resolve, reject });
      if (this.#items.length >= this.#max) this.#run();
      else if (this.#timer === undefined)
        this.#timer =
          this.#delay > 0 ? setTimeout(() => this.#run(), this.#delay) : setImmediate(() => this.#run());
    });
  }

  /** Flushes what is waiting now and resolves once every batch in flight has settled (shutdown, tests). */
  async drain(): Promise<void> {
    this.#run();
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  #run(): void {
    if (this.#timer !== undefined) {
      if (this.#delay > 0) clearTimeout(this.#timer as NodeJS.Timeout);
      else clearImmediate(this.#timer as NodeJS.Immediate);
      this.#timer = undefined;
    }
    if (this.#items.length === 0) return;
    const items = this.#items;
    const waiters = this.#waiters;
    this.#items = [];
    this.#waiters = [];
    let p: Promise<void>;
    try {
      p = this.#flush(items);
    } catch (err) {
      p = Promise.reject(err);
    }
    const done = p.then(
      () => {
        for (const w of waiters) w.resolve();
      },
      (err: unknown) => {
        for (const w of waiters) w.reject(err);
      },
    );
    this.#inFlight.add(done);
    void done.finally(() => this.#inFlight.delete(done));
  }
}
