/**
 * Which connectors are up, as the connector worker publishes it (`@hub/connector-worker`'s
 * `connectorStateKey`): `<prefix>:connector-state:<id>` holds JSON with at least `up: boolean`, rewritten
 * every few seconds with a TTL, so an absent key means no live process runs that connector.
 */

/** The Redis surface the reader needs (an ioredis `Redis` or `Cluster` fits). */
export interface StateRedis {
  mget(...keys: string[]): Promise<Array<string | null>>;
  get(key: string): Promise<string | null>;
  /** Set by ioredis on `Cluster` clients: keys of different slots cannot share one MGET there. */
  readonly isCluster?: boolean;
}

/** Options of {@link ConnectorStates}. */
export interface ConnectorStatesOptions {
  readonly redis: StateRedis;
  /** Hub's key prefix (`RedisConnection.prefix`). */
  readonly prefix: string;
  /** Connector ids to watch (the configured ones); called on every refresh, so it may change. */
  readonly ids: () => readonly string[];
  /** Refresh period (default 2000 ms). */
  readonly intervalMs?: number;
  readonly log?: { warn(obj: object, msg: string): void };
}

/** Key of one connector's published state; must stay equal to `@hub/connector-worker`'s `connectorStateKey`. */
export function publishedStateKey(prefix: string, connectorId: string): string {
  return `${prefix}:connector-state:${connectorId}`;
}

/**
 * Reads the published connector states every `intervalMs` (one MGET for all watched connectors; one GET
 * each, sent together, on Redis Cluster) and answers {@link ConnectorStates.isUp} from the last read.
 *
 * What counts as up:
 * - key present with `up: true` → up; `up: false` → down;
 * - key absent (or unreadable JSON) → **down**: no live process runs the connector, so its queue has no
 *   consumer. Routing still falls back to it when nothing else is up (failover answers its first choice,
 *   split picks among all), so a router that starts before any connector publishes routes as if all
 *   were up;
 * - connector not watched (not configured) → up (routing decides as it would without this reader);
 * - before the first successful read → every connector up; a failed read keeps the previous answers
 *   (logged), so a Redis blip does not flip routing.
 */
export class ConnectorStates {
  readonly #o: ConnectorStatesOptions;
  #down: ReadonlySet<string> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;

  constructor(o: ConnectorStatesOptions) {
    this.#o = o;
  }

  /** Reads now, then every `intervalMs`. Never rejects (a failed read is logged). */
  async start(): Promise<void> {
    if (this.#timer === undefined) {
      this.#timer = setInterval(() => void this.refresh(), this.#o.intervalMs ?? 2_000);
      this.#timer.unref();
    }
    await this.refresh();
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Whether routing may pick `connectorId` (see the class comment). */
  isUp(connectorId: string): boolean {
    return this.#down === undefined || !this.#down.has(connectorId);
  }

  /** One read of every watched connector's state. Never rejects; overlapping calls share one read. */
  refresh(): Promise<void> {
    this.#running ??= this.#read().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #read(): Promise<void> {
    const ids = [...new Set(this.#o.ids())];
    if (ids.length === 0) {
      this.#down = new Set();
      return;
    }
    const keys = ids.map((id) => publishedStateKey(this.#o.prefix, id));
    let values: Array<string | null>;
    try {
      const r = this.#o.redis;
      values = r.isCluster === true ? await Promise.all(keys.map((k) => r.get(k))) : await r.mget(...keys);
    } catch (err) {
      this.#o.log?.warn({ err }, 'reading connector states failed; keeping the previous view');
      return;
    }
    const down = new Set<string>();
    ids.forEach((id, i) => {
      if (!upIn(values[i] ?? null)) down.add(id);
    });
    this.#down = down;
  }
}

function upIn(json: string | null): boolean {
  if (json === null) return false;
  try {
    return (JSON.parse(json) as { up?: unknown }).up === true;
  } catch {
    return false;
  }
}
