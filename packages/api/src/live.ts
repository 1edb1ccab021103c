import type { RedisClient } from '@hub/store';

/**
 * Contract between connector workers and the API for live state and counters (documented in docs/api.md).
 *
 * - State: each connector worker writes `<prefix>:connector-state:<connector id>` (`hub:connector-state:smsc-1`)
 *   as the JSON of {@link ConnectorLiveState}, with `SET … PX <ttl>` every few seconds (TTL about 3× the
 *   interval). When several instances run the same connector, each writes its own key
 *   `<prefix>:connector-state:<id>:<instance>` as well, and the unsuffixed key holds the last writer's view.
 *   An absent key means no worker reported recently: the API shows `state: 'unknown'`.
 * - Counters: workers `HINCRBY <prefix>:stats:connector:<id> <field> 1` for `submitted`, `acked`, `failed`,
 *   `delivered`, `throttled` (any other integer field is passed through). Never expires.
 */

/** What a connector worker publishes. Unknown fields are passed through to API clients. */
export interface ConnectorLiveState {
  /** `bound` (at least one session up), `connecting`, `down`, `disabled`, or `unknown` (no report). */
  readonly state: 'bound' | 'connecting' | 'down' | 'disabled' | 'unknown' | (string & {});
  /** Sessions currently bound. */
  readonly sessions?: number;
  /** Requests sent and not yet answered. */
  readonly inFlight?: number;
  /** Messages per second over the last interval. */
  readonly rate?: number;
  readonly lastError?: string;
  readonly lastErrorAt?: number;
  /** When the worker wrote this (ms since epoch). */
  readonly updatedAt?: number;
  readonly instance?: string;
}

/** Redis key of a connector's live state. */
export function connectorStateKey(prefix: string, connectorId: string): string {
  return `${prefix}:connector-state:${connectorId}`;
}

/** Redis hash of a connector's counters. */
export function connectorStatsKey(prefix: string, connectorId: string): string {
  return `${prefix}:stats:connector:${connectorId}`;
}

/**
 * Reads the live state of many connectors (in order). Absent or unreadable entries come back as
 * `{ state: 'unknown' }`. Rejects with the Redis error.
 */
export async function readConnectorStates(
  redis: RedisClient,
  prefix: string,
  ids: readonly string[],
): Promise<ConnectorLiveState[]> {
  if (ids.length === 0) return [];
  // One key per GET: on Cluster the keys live in different slots, so no MGET.
  const raw = await Promise.all(ids.map((id) => redis.get(connectorStateKey(prefix, id))));
  return raw.map((s) => {
    if (s === null) return { state: 'unknown' };
    try {
      const v = JSON.parse(s) as ConnectorLiveState;
      return typeof v === 'object' && v !== null && typeof v.state === 'string' ? v : { state: 'unknown' };
    } catch {
      return { state: 'unknown' };
    }
  });
}

/** Writes a connector's live state with a TTL (what connector workers call; used by tests). */
export async function publishConnectorState(
  redis: RedisClient,
  prefix: string,
  connectorId: string,
  state: ConnectorLiveState,
  ttlMs: number,
): Promise<void> {
  await redis.set(connectorStateKey(prefix, connectorId), JSON.stringify(state), 'PX', ttlMs);
}
