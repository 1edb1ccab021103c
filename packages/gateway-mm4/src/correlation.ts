import { createHash } from 'node:crypto';
import type { RedisClient } from '@hub/store';
import type { Mm4Correlation, SentReq } from './ports.js';

/** Options of {@link RedisMm4Correlation}. */
export interface RedisMm4CorrelationOptions {
  readonly redis: RedisClient;
  /** Key prefix (default `hub`). */
  readonly prefix?: string;
  /** How long an outbound REQ waits for its .RES, and how long inbound REQs are deduped (default 3 days). */
  readonly ttlMs?: number;
}

/**
 * {@link Mm4Correlation} in Redis: `<p>:mm4:tx:{<sha1 of key>}` → JSON {@link SentReq}, and
 * `<p>:mm4:in:{<peer>:<sha1 of Transaction-ID>}` → Hub id. Keys are hashed because Transaction-IDs are
 * peer-chosen text of any length.
 */
export class RedisMm4Correlation implements Mm4Correlation {
  readonly #redis: RedisClient;
  readonly #p: string;
  readonly #ttl: number;

  constructor(o: RedisMm4CorrelationOptions) {
    this.#redis = o.redis;
    this.#p = o.prefix ?? 'hub';
    this.#ttl = o.ttlMs ?? 3 * 86_400_000;
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

/** In-process {@link Mm4Correlation} (tests, single-instance tools). */
export class MemoryMm4Correlation implements Mm4Correlation {
  readonly #sent = new Map<string, SentReq>();
  readonly #in = new Map<string, string>();
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
