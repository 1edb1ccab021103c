import { randomUUID } from 'node:crypto';
import { Errors } from '@hub/errors';
import { DEFAULT_PREFIX, LuaScript, type RedisClient } from './redis.js';

/**
 * Node ids (0–1023) for `IdGenerator`, leased from Redis so that two live instances never share one.
 * Keys share the `{nodes}` hash tag: `<p>:{nodes}:seq` (round-robin counter) and `<p>:{nodes}:<n>` (lease).
 */

/** Number of node ids (10 bits in a Hub id). */
export const NODE_ID_COUNT = 1024;

/** Options of {@link allocateNodeId}. */
export interface NodeIdOptions {
  readonly prefix?: string;
  /** Lease lifetime (default 30 s); renewed every third of it. A crashed instance's id is free after this. */
  readonly leaseMs?: number;
}

/** A leased node id. */
export interface NodeLease {
  readonly nodeId: number;
  /** `instanceName:uuid`, the lease owner token stored in Redis. */
  readonly owner: string;
  /**
   * Called once if the lease is lost (Redis unreachable for longer than the lease and the id taken by another
   * instance meanwhile). The instance must stop minting ids: restart it.
   */
  onLost(cb: () => void): void;
  /** Stops renewing and frees the id. */
  release(): Promise<void>;
}

// KEYS: seq. ARGV: lease key prefix, owner, ttl, count. Lease keys are built here; they share KEYS[1]'s tag.
const ALLOCATE = new LuaScript(`
local count = tonumber(ARGV[4])
for i = 1, count do
  local n = redis.call('INCR', KEYS[1]) % count
  if redis.call('SET', ARGV[1] .. n, ARGV[2], 'NX', 'PX', ARGV[3]) then return n end
end
return -1
`);

// KEYS: lease. ARGV: owner, ttl. 1 = renewed, 0 = someone else holds it. A lease that expired during an outage
// but was not taken is simply taken back.
const RENEW = new LuaScript(`
local cur = redis.call('GET', KEYS[1])
if cur == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
if not cur then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end
return 0
`);

const RELEASE = new LuaScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`);

/**
 * Leases a free node id and keeps renewing it until {@link NodeLease.release}. Throws
 * `HUB_ERR_STORE_NODE_IDS_EXHAUSTED` when all 1024 are held by live instances, and the Redis error when Redis
 * is unreachable (startup should fail then).
 */
export async function allocateNodeId(
  redis: RedisClient,
  instanceName: string,
  opts: NodeIdOptions = {},
): Promise<NodeLease> {
  const p = opts.prefix ?? DEFAULT_PREFIX;
  const leaseMs = opts.leaseMs ?? 30_000;
  const owner = `${instanceName}:${randomUUID()}`;
  const leasePrefix = `${p}:{nodes}:`;
  const n = Number(
    await ALLOCATE.run(redis, [`${p}:{nodes}:seq`], [leasePrefix, owner, leaseMs, NODE_ID_COUNT]),
  );
  if (n < 0) throw new Errors.HUB_ERR_STORE_NODE_IDS_EXHAUSTED(NODE_ID_COUNT);
  const key = `${leasePrefix}${n}`;
  const lost: Array<() => void> = [];
  let isLost = false;
  const timer = setInterval(
    () => {
      RENEW.run(redis, [key], [owner, leaseMs]).then(
        (ok) => {
          if (ok === 1 || isLost) return;
          isLost = true;
          clearInterval(timer);
          for (const cb of lost) cb();
        },
        // Redis briefly unreachable: the next tick tries again; the lease outlives three missed renewals.
        () => {},
      );
    },
    Math.max(100, Math.floor(leaseMs / 3)),
  );
  timer.unref();
  return {
    nodeId: n,
    owner,
    onLost(cb) {
      if (isLost) cb();
      else lost.push(cb);
    },
    async release() {
      clearInterval(timer);
      await RELEASE.run(redis, [key], [owner]);
    },
  };
}
