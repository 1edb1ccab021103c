import type { RedisLike } from './concat.js';

/**
 * Live binds of each account across every gateway instance, for `maxBinds`. One sorted set per account:
 * member = a bind token, score = when it lapses (Redis clock, ms). Each instance refreshes its own
 * members periodically; a crashed instance's binds lapse after `ttlMs`, so a dead gateway cannot lock an
 * account out for longer than that.
 */
export interface BindRegistry {
  /** Takes a slot for `token` unless `max` live binds exist; true when taken. Rejects on Redis errors. */
  acquire(account: string, token: string, max: number): Promise<boolean>;
  /** Frees a slot (idempotent). */
  release(account: string, token: string): Promise<void>;
  /** Extends the lapse time of live binds. */
  refresh(entries: ReadonlyArray<{ account: string; token: string }>): Promise<void>;
}

// KEYS[1] set. ARGV: token, max, ttlMs. Drops lapsed members first, then counts.
const ACQUIRE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 1 end
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]) * 2)
return 1
`;

// KEYS[1] set. ARGV: ttlMs, tokens... Only members still present are extended (XX).
const REFRESH = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
for i = 2, #ARGV do redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[1]), ARGV[i]) end
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1]) * 2)
return 1
`;

const RELEASE = `redis.call('ZREM', KEYS[1], ARGV[1]) return 1`;

/** {@link BindRegistry} in Redis. `ttlMs` (default 60 s) must exceed the refresh interval by a margin. */
export class RedisBindRegistry implements BindRegistry {
  constructor(
    private readonly redis: RedisLike,
    private readonly prefix = 'hub',
    readonly ttlMs = 60_000,
  ) {}

  #key(account: string): string {
    return `${this.prefix}:binds:{${account}}`;
  }

  async acquire(account: string, token: string, max: number): Promise<boolean> {
    return Number(await this.redis.eval(ACQUIRE, 1, this.#key(account), token, max, this.ttlMs)) === 1;
  }

  async release(account: string, token: string): Promise<void> {
    await this.redis.eval(RELEASE, 1, this.#key(account), token);
  }

  async refresh(entries: ReadonlyArray<{ account: string; token: string }>): Promise<void> {
    const by = new Map<string, string[]>();
    for (const e of entries) by.set(e.account, [...(by.get(e.account) ?? []), e.token]);
    await Promise.all(
      [...by].map(([a, tokens]) => this.redis.eval(REFRESH, 1, this.#key(a), this.ttlMs, ...tokens)),
    );
  }
}
