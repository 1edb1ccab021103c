import { createHash } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';

/** A standalone/Sentinel or Cluster ioredis client (e.g. from `@hub/bus`'s `createRedisConnection().client()`). */
export type RedisClient = Redis | Cluster;

/** Default key prefix, same as `@hub/bus`. */
export const DEFAULT_PREFIX = 'hub';

/**
 * A Lua script run by SHA (EVALSHA) with a fallback to EVAL when the server does not have it yet (after a
 * restart or on a fresh Cluster node). Keys must share one hash slot.
 */
export class LuaScript {
  readonly sha: string;
  constructor(readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run(
    redis: RedisClient,
    keys: readonly string[],
    args: ReadonlyArray<string | number>,
  ): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (err) {
      // Redis reports a missing script only through the reply text.
      if (!String((err as Error).message).startsWith('NOSCRIPT')) throw err;
      return await redis.eval(this.source, keys.length, ...keys, ...args);
    }
  }
}
