import type { ConcatStore } from './ports.js';

/** Minimal Redis surface used here (ioredis `Redis` and `Cluster` both fit). */
export interface RedisLike {
  eval(script: string, numKeys: number, ...args: Array<string | number | Buffer>): Promise<unknown>;
}

// One hash per concatenated message: field `id` = the logical Hub id, `p<seq>` = part bytes (hex).
// Adding the last part returns all parts and deletes the hash, atomically, so two instances receiving
// parts of the same message at once never both (or neither) complete it.
const ADD_PART = `
local key = KEYS[1]
redis.call('HSETNX', key, 'id', ARGV[4])
redis.call('HSET', key, 'p' .. ARGV[1], ARGV[3])
redis.call('EXPIRE', key, tonumber(ARGV[5]))
local id = redis.call('HGET', key, 'id')
local total = tonumber(ARGV[2])
if redis.call('HLEN', key) - 1 >= total then
  local out = { id }
  for i = 1, total do
    local p = redis.call('HGET', key, 'p' .. i)
    if not p then return { id } end
    out[#out + 1] = p
  end
  redis.call('DEL', key)
  return out
end
return { id }
`;

/**
 * Redis-backed {@link ConcatStore}. Parts live for `ttlSeconds` (default 1 hour) after the last part
 * arrived. Known gap: a set that never completes expires with its parts (the ESME was answered for each
 * part); a sweeper that forwards stale parts individually is planned.
 */
export class RedisConcatStore implements ConcatStore {
  constructor(
    private readonly redis: RedisLike,
    private readonly prefix = 'hub',
    private readonly ttlSeconds = 3600,
  ) {}

  async addPart(key: string, seq: number, total: number, bytes: Buffer, newId: string): Promise<{ id: string; parts?: Buffer[] }> {
    const r = (await this.redis.eval(
      ADD_PART,
      1,
      `${this.prefix}:concat:{${key}}`,
      seq,
      total,
      bytes.toString('hex'),
      newId,
      this.ttlSeconds,
    )) as string[];
    const [id, ...parts] = r;
    return parts.length > 0 ? { id: id!, parts: parts.map((p) => Buffer.from(p, 'hex')) } : { id: id! };
  }
}
