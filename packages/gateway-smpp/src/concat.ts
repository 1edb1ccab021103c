import type { ConcatStore, StaleConcat } from './ports.js';

/** Minimal Redis surface used here (ioredis `Redis` and `Cluster` both fit). */
export interface RedisLike {
  eval(script: string, numKeys: number, ...args: Array<string | number | Buffer>): Promise<unknown>;
}

// One hash per concatenated message: `id` = the logical Hub id (first part wins), `meta` = what is needed
// to forward parts on their own (first part wins), `t` = Redis time of the last part, `p<seq>` = part
// bytes (hex). Adding the last part returns all parts and sets `claim`, atomically, so two instances
// receiving parts of the same message at once never both (or neither) complete it. The completer deletes
// the set only once the logical message is safely stored (complete), or drops the claim when storing
// failed (release) so that the ESME's retry of that part completes it; the parts are never deleted first.
const ADD_PART = `
local key = KEYS[1]
local t = redis.call('TIME')
redis.call('HSETNX', key, 'id', ARGV[4])
redis.call('HSETNX', key, 'meta', ARGV[6])
redis.call('HSET', key, 'p' .. ARGV[1], ARGV[3], 't', tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000))
redis.call('EXPIRE', key, tonumber(ARGV[5]))
local id = redis.call('HGET', key, 'id')
if redis.call('HEXISTS', key, 'claim') == 1 then return { id } end
local total = tonumber(ARGV[2])
local out = { id }
for i = 1, total do
  local p = redis.call('HGET', key, 'p' .. i)
  if not p then return { id } end
  out[#out + 1] = p
end
redis.call('HSET', key, 'claim', '1')
return out
`;

// Takes a set whose last part is older than ARGV[1] ms (Redis clock): returns id, meta, then seq/hex
// pairs, and deletes it. Returns {} when the set is gone, {'fresh'} when a part arrived meanwhile.
const TAKE_STALE = `
local key = KEYS[1]
if redis.call('EXISTS', key) == 0 then return {} end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local last = tonumber(redis.call('HGET', key, 't') or '0')
if now - last < tonumber(ARGV[1]) then return { 'fresh' } end
local all = redis.call('HGETALL', key)
redis.call('DEL', key)
local id, meta = '', ''
local parts = {}
for i = 1, #all, 2 do
  local f = all[i]
  if f == 'id' then id = all[i + 1]
  elseif f == 'meta' then meta = all[i + 1]
  elseif string.sub(f, 1, 1) == 'p' and f ~= 'p' then parts[#parts + 1] = string.sub(f, 2); parts[#parts + 1] = all[i + 1] end
end
local res = { id, meta }
for i = 1, #parts do res[#res + 1] = parts[i] end
return res
`;

/** Sorted-set commands the sweeper index needs (ioredis fits). */
export interface RedisIndexLike extends RedisLike {
  zadd(key: string, score: number, member: string): Promise<unknown>;
  zrem(key: string, member: string): Promise<unknown>;
  zrangebyscore(
    key: string,
    min: number | string,
    max: number | string,
    limit: 'LIMIT',
    offset: number,
    count: number,
  ): Promise<string[]>;
}

/**
 * Redis-backed {@link ConcatStore}. Parts live for `ttlSeconds` (default 24 h) after the last part arrived,
 * but the gateway's sweeper forwards incomplete sets long before that (see {@link RedisConcatStore.takeStale}):
 * every part an ESME was answered for reaches the router. An index sorted set (`<prefix>:concat:index`,
 * score = last part time) lets the sweeper find stale sets without SCAN; it lives in its own hash slot
 * and is written outside the part script, before it, so a crash in between leaves only a dangling index
 * entry (dropped by the next sweep), never an unindexed set.
 */
export class RedisConcatStore implements ConcatStore {
  constructor(
    private readonly redis: RedisIndexLike,
    private readonly prefix = 'hub',
    private readonly ttlSeconds = 86_400,
  ) {}

  #index(): string {
    return `${this.prefix}:concat:index`;
  }

  #key(key: string): string {
    return `${this.prefix}:concat:{${key}}`;
  }

  async addPart(
    key: string,
    seq: number,
    total: number,
    bytes: Buffer,
    newId: string,
    meta = '',
  ): Promise<{ id: string; parts?: Buffer[] }> {
    await this.redis.zadd(this.#index(), Date.now(), key);
    const r = (await this.redis.eval(
      ADD_PART,
      1,
      this.#key(key),
      seq,
      total,
      bytes.toString('hex'),
      newId,
      this.ttlSeconds,
      meta,
    )) as string[];
    const [id, ...parts] = r;
    if (parts.length === 0) return { id: id! };
    return { id: id!, parts: parts.map((p) => Buffer.from(p, 'hex')) };
  }

  async complete(key: string): Promise<void> {
    await this.redis.eval(`redis.call('DEL', KEYS[1]) return 1`, 1, this.#key(key));
    await this.redis.zrem(this.#index(), key).catch(() => undefined); // a dangling entry is harmless
  }

  async release(key: string): Promise<void> {
    await this.redis.eval(`redis.call('HDEL', KEYS[1], 'claim') return 1`, 1, this.#key(key));
  }

  /**
   * Removes and returns up to `limit` sets whose last part is at least `staleMs` old. The caller must
   * forward what it gets: the parts are gone from Redis once returned.
   */
  async takeStale(staleMs: number, limit = 100): Promise<StaleConcat[]> {
    const keys = await this.redis.zrangebyscore(
      this.#index(),
      '-inf',
      Date.now() - staleMs,
      'LIMIT',
      0,
      limit,
    );
    const out: StaleConcat[] = [];
    for (const key of keys) {
      const r = (await this.redis.eval(TAKE_STALE, 1, this.#key(key), staleMs)) as string[];
      if (r[0] === 'fresh') continue;
      await this.redis.zrem(this.#index(), key);
      if (r.length < 2) continue;
      const parts = new Map<number, Buffer>();
      for (let i = 2; i + 1 < r.length; i += 2)
        parts.set(Number(r[i]), Buffer.from(r[i + 1] as string, 'hex'));
      out.push({ key, id: r[0] as string, meta: r[1] as string, parts });
    }
    return out;
  }
}
