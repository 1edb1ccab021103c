import { Errors } from '@hub/errors';
import { DEFAULT_PREFIX, LuaScript, type RedisClient } from './redis.js';

/**
 * Configuration entities (accounts, connectors, routes, …) as JSON documents in Redis, with revisions and a
 * change feed over pub/sub so every running instance reloads without a restart.
 *
 * Documents are opaque here: the caller validates them (the schemas live in `@hub/config`). Secrets must be
 * hashed first ({@link hashSecret}); this store never sees a clear password.
 *
 * Keys share the `{cfg}` hash tag so one script updates document, revision and counter atomically on Cluster:
 * `<p>:{cfg}:<kind>` (id → JSON), `<p>:{cfg}:<kind>:rev` (id → revision), `<p>:{cfg}:rev` (global counter).
 */

/** One stored document. */
export interface ConfigDoc<T = unknown> {
  readonly id: string;
  /** Global revision at which this document was last written. */
  readonly rev: number;
  readonly doc: T;
}

/** What {@link ConfigStore.subscribeChanges} delivers. `resync` follows a reconnect: reload everything. */
export type ConfigChange =
  | { readonly op: 'put' | 'delete'; readonly kind: string; readonly id: string; readonly rev: number }
  | { readonly op: 'resync' };

/** Options of {@link ConfigStore}. */
export interface ConfigStoreOptions {
  readonly redis: RedisClient;
  readonly prefix?: string;
  /**
   * Makes the dedicated pub/sub connection (a subscribed client cannot run other commands). Default:
   * `redis.duplicate()`; pass `() => connection.client('subscriber')` to get the right retry settings.
   */
  readonly subscriber?: () => RedisClient;
}

const NAME = /^[A-Za-z0-9_.-]{1,64}$/;

// KEYS: docs, revs, counter. ARGV: id, json ('' = delete), expectedRev ('' = none, '0' = must not exist), channel, kind.
const WRITE = new LuaScript(`
local cur = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
if ARGV[3] ~= '' and tonumber(ARGV[3]) ~= cur then return {-1, cur} end
local op = 'put'
if ARGV[2] == '' then
  if cur == 0 then return {0, 0} end
  op = 'delete'
end
local rev = redis.call('INCR', KEYS[3])
if op == 'put' then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
  redis.call('HSET', KEYS[2], ARGV[1], rev)
else
  redis.call('HDEL', KEYS[1], ARGV[1])
  redis.call('HDEL', KEYS[2], ARGV[1])
end
redis.call('PUBLISH', ARGV[4], '{"op":"' .. op .. '","kind":"' .. ARGV[5] .. '","id":"' .. ARGV[1] .. '","rev":' .. rev .. '}')
return {1, rev}
`);

/** Accounts, connectors and routes in Redis. */
export class ConfigStore {
  private readonly redis: RedisClient;
  private readonly p: string;
  private readonly makeSubscriber: () => RedisClient;

  constructor(opts: ConfigStoreOptions) {
    this.redis = opts.redis;
    this.p = opts.prefix ?? DEFAULT_PREFIX;
    this.makeSubscriber = opts.subscriber ?? (() => (opts.redis as { duplicate(): RedisClient }).duplicate());
  }

  /** Pub/sub channel of change notifications. */
  get channel(): string {
    return `${this.p}:cfg:changes`;
  }

  private keys(kind: string): [string, string, string] {
    check('kind', kind);
    return [`${this.p}:{cfg}:${kind}`, `${this.p}:{cfg}:${kind}:rev`, `${this.p}:{cfg}:rev`];
  }

  /** Every document of a kind (unordered). */
  async getAll<T = unknown>(kind: string): Promise<Array<ConfigDoc<T>>> {
    const [dk, rk] = this.keys(kind);
    const res = await this.redis.multi().hgetall(dk).hgetall(rk).exec();
    const docs = (res?.[0]?.[1] ?? {}) as Record<string, string>;
    const revs = (res?.[1]?.[1] ?? {}) as Record<string, string>;
    return Object.entries(docs).map(([id, json]) => ({
      id,
      rev: Number(revs[id] ?? 0),
      doc: JSON.parse(json) as T,
    }));
  }

  /** One document, or `undefined`. */
  async get<T = unknown>(kind: string, id: string): Promise<ConfigDoc<T> | undefined> {
    const [dk, rk] = this.keys(kind);
    check('id', id);
    const res = await this.redis.multi().hget(dk, id).hget(rk, id).exec();
    const json = res?.[0]?.[1] as string | null | undefined;
    if (json === null || json === undefined) return undefined;
    return { id, rev: Number(res?.[1]?.[1] ?? 0), doc: JSON.parse(json) as T };
  }

  /**
   * Creates or replaces a document and notifies every subscriber; returns its new revision. With
   * `expectedRev` (0 = must not exist yet) it refuses a concurrent edit with `HUB_ERR_STORE_REVISION_CONFLICT`
   * (reload and retry). Throws `HUB_ERR_VALIDATION` for a kind or id outside `[A-Za-z0-9_.-]{1,64}`.
   */
  async put(kind: string, id: string, doc: unknown, opts: { expectedRev?: number } = {}): Promise<number> {
    return await this.write(kind, id, JSON.stringify(doc), opts.expectedRev);
  }

  /** Deletes a document and notifies subscribers. Returns false when it did not exist. Same `expectedRev` rule. */
  async delete(kind: string, id: string, opts: { expectedRev?: number } = {}): Promise<boolean> {
    return (await this.write(kind, id, '', opts.expectedRev)) > 0;
  }

  /** The global revision (bumped by every write): a cheap "did anything change" check. */
  async revision(): Promise<number> {
    return Number((await this.redis.get(`${this.p}:{cfg}:rev`)) ?? 0);
  }

  private async write(
    kind: string,
    id: string,
    json: string,
    expectedRev: number | undefined,
  ): Promise<number> {
    const keys = this.keys(kind);
    check('id', id);
    const r = (await WRITE.run(this.redis, keys, [
      id,
      json,
      expectedRev === undefined ? '' : expectedRev,
      this.channel,
      kind,
    ])) as [number, number];
    if (r[0] === -1) throw new Errors.HUB_ERR_STORE_REVISION_CONFLICT(kind, id, r[1], expectedRev ?? '');
    return r[0] === 0 ? 0 : r[1];
  }

  /**
   * Calls `cb` for every change made by any instance (including this one), and with `{op: 'resync'}` after
   * the subscription was re-established following a disconnect (changes may have been missed: reload all).
   * Resolves once subscribed; the returned function unsubscribes and closes the connection. Exceptions thrown
   * by `cb` are swallowed (keep the feed alive); handle errors inside it.
   */
  async subscribeChanges(cb: (change: ConfigChange) => void): Promise<() => Promise<void>> {
    const sub = this.makeSubscriber();
    sub.on('error', () => {});
    const channel = this.channel;
    let subscribedOnce = false;
    sub.on('message', (ch: string, text: string) => {
      if (ch !== channel) return;
      try {
        cb(JSON.parse(text) as ConfigChange);
      } catch {}
    });
    sub.on('ready', () => {
      // ioredis re-subscribes by itself after a reconnect; anything published meanwhile was lost.
      if (!subscribedOnce) return;
      try {
        cb({ op: 'resync' });
      } catch {}
    });
    await sub.subscribe(channel);
    subscribedOnce = true;
    return async () => {
      await sub.quit().catch(() => sub.disconnect());
    };
  }
}

function check(what: string, v: string): void {
  if (!NAME.test(v))
    throw new Errors.HUB_ERR_VALIDATION(`config ${what}`, `"${v}" must be 1-64 of A-Z a-z 0-9 _ . -`);
}
