import { DEFAULT_PREFIX, LuaScript, type RedisClient } from './redis.js';

/**
 * Per-account throughput limits shared by all instances: messages/s and segments/s, fixed 1-second windows on
 * Redis's clock (so instance clocks do not matter), checked and counted in one script.
 *
 * Cost: one round trip per submit (~0.1 ms on a LAN; Redis does well over 50k of these per second). A local
 * token pre-fetch (reserve e.g. 10 tokens per round trip) would cut that tenfold, at the price of accuracy:
 * tokens reserved by one instance are unusable by others in that second, so several instances sharing an
 * account could refuse traffic below the limit, and a crashed instance wastes its reservation. Per-account
 * limits are usually small (tens to hundreds per second), where that error is large relative to the limit, so
 * this limiter stays exact; add batching only for accounts with very high limits.
 *
 * Fixed windows allow up to twice the limit across a window boundary (end of one second, start of the next);
 * carriers' own throttles are usually per second too, so this matches what they enforce.
 */

/** Limits of one account; absent or 0 = unlimited. */
export interface RateLimits {
  readonly messagesPerSecond?: number;
  readonly segmentsPerSecond?: number;
}

/** What one request costs. */
export interface RateCost {
  readonly messages?: number;
  readonly segments?: number;
}

/** Outcome of {@link RateLimiter.take}. */
export type RateDecision =
  | { readonly allowed: true }
  | {
      readonly allowed: false;
      /** Milliseconds until the next window. */
      readonly retryAfterMs: number;
      readonly limit: 'messages' | 'segments';
    };

// KEYS: messages window, segments window (hashes {w, n}). ARGV: msgLimit, msgCost, segLimit, segCost.
// A request larger than a whole window's limit is let through when the window is empty, else it could never pass.
const TAKE = new LuaScript(`
local t = redis.call('TIME')
local sec = t[1]
local retry = 1000 - math.floor(tonumber(t[2]) / 1000)
local function used(k)
  local w = redis.call('HGET', k, 'w')
  if w ~= sec then return 0 end
  return tonumber(redis.call('HGET', k, 'n') or '0')
end
local names = {'messages', 'segments'}
local counts = {}
for i = 1, 2 do
  local limit = tonumber(ARGV[i * 2 - 1])
  local cost = tonumber(ARGV[i * 2])
  local n = used(KEYS[i])
  counts[i] = n
  if limit > 0 and cost > 0 and n + cost > limit and n > 0 then return {0, retry, names[i]} end
end
for i = 1, 2 do
  local cost = tonumber(ARGV[i * 2])
  if tonumber(ARGV[i * 2 - 1]) > 0 and cost > 0 then
    redis.call('HSET', KEYS[i], 'w', sec, 'n', counts[i] + cost)
    redis.call('PEXPIRE', KEYS[i], 2000)
  end
end
return {1, 0, ''}
`);

/** Options of {@link RateLimiter}. */
export interface RateLimiterOptions {
  readonly redis: RedisClient;
  readonly prefix?: string;
}

/** Cluster-wide per-account rate limiter. */
export class RateLimiter {
  private readonly redis: RedisClient;
  private readonly p: string;

  constructor(opts: RateLimiterOptions) {
    this.redis = opts.redis;
    this.p = opts.prefix ?? DEFAULT_PREFIX;
  }

  /**
   * Counts `cost` against `key`'s limits if it fits in the current second, else refuses without counting.
   * On refusal the SMPP gateway answers ESME_RTHROTTLED (`HUB_ERR_THROTTLED`), HTTP 429 with Retry-After.
   * Redis errors propagate: the caller decides between failing open and closed.
   */
  async take(key: string, limits: RateLimits, cost: RateCost = {}): Promise<RateDecision> {
    const ml = limits.messagesPerSecond ?? 0;
    const sl = limits.segmentsPerSecond ?? 0;
    if (ml <= 0 && sl <= 0) return { allowed: true };
    const r = (await TAKE.run(
      this.redis,
      [`${this.p}:rl:{${key}}:m`, `${this.p}:rl:{${key}}:s`],
      [ml, cost.messages ?? 1, sl, cost.segments ?? 1],
    )) as [number, number, string];
    return r[0] === 1
      ? { allowed: true }
      : { allowed: false, retryAfterMs: r[1], limit: r[2] as 'messages' | 'segments' };
  }
}
