import { createHash } from 'node:crypto';
import type { Bus } from '@hub/bus';
import type { ResWait } from '@hub/connectors';
import type { RedisClient } from '@hub/store';
import type { Mm4Correlation, SentReq } from './ports.js';
import { type Mm4ResTimeoutJob, mm4ResTimeoutQueue, resTimeoutJobId } from './queue.js';

/** Options of {@link RedisMm4Correlation}. */
export interface RedisMm4CorrelationOptions {
  readonly redis: RedisClient;
  /** Key prefix (default `hub`). */
  readonly prefix?: string;
  /** How long an outbound REQ waits for its .RES, and how long inbound REQs are deduped (default 3 days). */
  readonly ttlMs?: number;
  /**
   * Where .RES timeouts are queued (`{hub.mm4.restimeout.v1}`, handled by the MM4 gateway's worker).
   * Without it {@link RedisMm4Correlation.awaitRes} arms nothing.
   */
  readonly bus?: Bus;
}

/**
 * {@link Mm4Correlation} in Redis: `<p>:mm4:tx:{<sha1 of key>}` → JSON {@link SentReq},
 * `<p>:mm4:in:{<peer>:<sha1 of Transaction-ID>}` → Hub id, `<p>:mm4:res:{<hub id>}` once a forward.RES
 * arrived; .RES timeouts are delayed jobs on the bus. Keys are hashed because Transaction-IDs are
 * peer-chosen text of any length. Every method rejects when Redis does not answer.
 */
export class RedisMm4Correlation implements Mm4Correlation {
  readonly #redis: RedisClient;
  readonly #p: string;
  readonly #ttl: number;
  readonly #bus: Bus | undefined;

  constructor(o: RedisMm4CorrelationOptions) {
    this.#redis = o.redis;
    this.#p = o.prefix ?? 'hub';
    this.#ttl = o.ttlMs ?? 3 * 86_400_000;
    this.#bus = o.bus;
  }

  async awaitRes(key: string, req: SentReq, wait: ResWait): Promise<void> {
    if (this.#bus === undefined) return;
    await this.#bus.enqueue(mm4ResTimeoutQueue, timeoutJob(key, req, wait));
  }

  async resArrived(req: SentReq): Promise<void> {
    await this.#redis.set(`${this.#p}:mm4:res:{${req.hubId}}`, '1', 'PX', this.#ttl);
    // Saves the delayed job's memory; if this fails the job still finds the marker and does nothing.
    await this.#bus
      ?.remove(mm4ResTimeoutQueue, req.hubId, { jobId: resTimeoutJobId(req.hubId, req.attempt ?? 1) })
      .catch(() => false);
  }

  async hasRes(hubId: string): Promise<boolean> {
    return (await this.#redis.exists(`${this.#p}:mm4:res:{${hubId}}`)) === 1;
  }

  async rememberSent(key: string, req: SentReq): Promise<void> {
    await this.#redis.set(`${this.#p}:mm4:tx:{${h(key)}}`, JSON.stringify(req), 'PX', this.#ttl);
  }

  async findSent(key: string): Promise<SentReq | undefined> {
    const v = await this.#redis.get(`${this.#p}:mm4:tx:{${h(key)}}`);
    return v === null ? undefined : (JSON.parse(v) as SentReq);
  }

  async findInbound(peer: string, transactionId: string): Promise<string | undefined> {
    return (await this.#redis.get(`${this.#p}:mm4:in:{${peer}:${h(transactionId)}}`)) ?? undefined;
  }

  async rememberInbound(peer: string, transactionId: string, hubId: string): Promise<void> {
    await this.#redis.set(`${this.#p}:mm4:in:{${peer}:${h(transactionId)}}`, hubId, 'PX', this.#ttl);
  }
}

const h = (s: string): string => createHash('sha1').update(s).digest('hex');

function timeoutJob(key: string, req: SentReq, wait: ResWait): Mm4ResTimeoutJob {
  return {
    v: 1,
    hubId: req.hubId,
    via: req.via,
    key: key.slice(0, 1100),
    messageId: req.messageId.slice(0, 512),
    attempt: Math.min(100, req.attempt ?? 1),
    maxAttempts: Math.min(100, Math.max(1, wait.maxAttempts)),
    timeoutMs: wait.timeoutMs,
  };
}

/**
 * In-process {@link Mm4Correlation} (tests, single-instance tools). .RES timeouts are only recorded in
 * {@link MemoryMm4Correlation.pending} (no timer runs).
 */
export class MemoryMm4Correlation implements Mm4Correlation {
  readonly #sent = new Map<string, SentReq>();
  readonly #in = new Map<string, string>();
  readonly #res = new Set<string>();
  /** Timeouts armed by {@link awaitRes}, in order. */
  readonly pending: Mm4ResTimeoutJob[] = [];
  async awaitRes(key: string, req: SentReq, wait: ResWait): Promise<void> {
    this.pending.push(timeoutJob(key, req, wait));
  }
  async resArrived(req: SentReq): Promise<void> {
    this.#res.add(req.hubId);
  }
  async hasRes(hubId: string): Promise<boolean> {
    return this.#res.has(hubId);
  }
  async rememberSent(key: string, req: SentReq): Promise<void> {
    this.#sent.set(key, req);
  }
  async findSent(key: string): Promise<SentReq | undefined> {
    return this.#sent.get(key);
  }
  async findInbound(peer: string, transactionId: string): Promise<string | undefined> {
    return this.#in.get(`${peer}\0${transactionId}`);
  }
  async rememberInbound(peer: string, transactionId: string, hubId: string): Promise<void> {
    this.#in.set(`${peer}\0${transactionId}`, hubId);
  }
}
