import type { RedisClient } from '@hub/store';

/** One configuration change: who (API key id), what (kind, id, operation), when. */
export interface AuditEntry {
  /** ms since epoch */
  readonly at: number;
  /** API key id, or `config-file` for the start-up seed. */
  readonly who: string;
  readonly kind: string;
  readonly id: string;
  readonly op:
    | 'create'
    | 'update'
    | 'delete'
    | 'enable'
    | 'disable'
    | 'reorder'
    | 'import'
    | 'seed'
    | 'cancel'
    | 'retry';
  /** Config store revision written (absent for deletes and message operations). */
  readonly rev?: number;
  readonly detail?: string;
}

/** Default number of entries kept. */
export const DEFAULT_AUDIT_MAX = 10_000;

/**
 * The audit log: a capped Redis list `<prefix>:audit`, newest first, shared by every instance. Writes are
 * best effort after the change is stored: a failed audit write is reported to the caller's logger, never
 * undoes the change.
 */
export class AuditLog {
  readonly key: string;

  constructor(
    private readonly redis: RedisClient,
    prefix: string,
    private readonly max: number = DEFAULT_AUDIT_MAX,
  ) {
    this.key = `${prefix}:audit`;
  }

  /** Appends one entry and trims the list to the cap. Rejects with the Redis error. */
  async record(entry: AuditEntry): Promise<void> {
    await this.redis
      .multi()
      .lpush(this.key, JSON.stringify(entry))
      .ltrim(this.key, 0, this.max - 1)
      .exec();
  }

  /** Newest first. */
  async list(offset: number, limit: number): Promise<AuditEntry[]> {
    const raw = await this.redis.lrange(this.key, offset, offset + limit - 1);
    return raw.map((s) => JSON.parse(s) as AuditEntry);
  }
}
