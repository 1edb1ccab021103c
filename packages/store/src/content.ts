import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Errors } from '@hub/errors';
import { DEFAULT_PREFIX, type RedisClient } from './redis.js';

/**
 * Storage for MMS part bytes, referenced from `MmsPart.ref`. A ref is `<tier>:<32 hex>` (`redis:…`, `file:…`),
 * opaque to callers.
 */

/** Metadata accepted by {@link ContentStore.put}. */
export interface ContentMeta {
  /** For diagnostics only; not needed to read the bytes back. */
  readonly contentType?: string;
  /** Lifetime for tiers that expire (Redis); default the store's TTL. */
  readonly ttlMs?: number;
}

/** Where MMS part bytes live. */
export interface ContentStore {
  /**
   * Stores bytes and returns a ref. Resolves after the write is durable for the tier (Redis ack, file renamed
   * into place). Throws `HUB_ERR_TOO_LARGE` above the per-part limit (answer the sender with its wire status).
   */
  put(bytes: Buffer, meta?: ContentMeta): Promise<string>;
  /** The bytes of a ref. Throws `HUB_ERR_NOT_FOUND` (expired/deleted) or `HUB_ERR_STORE_BAD_CONTENT_REF`. */
  get(ref: string): Promise<Buffer>;
  /** Deletes a ref's bytes; missing is not an error. */
  delete(ref: string): Promise<void>;
}

/** Default largest part: 10 MB. */
export const DEFAULT_MAX_PART_BYTES = 10 * 1024 * 1024;
/** Default size up to which parts go to Redis: 64 KB. */
export const DEFAULT_REDIS_THRESHOLD = 64 * 1024;
/** Default lifetime of Redis-held parts: 7 days (the message retention). */
export const DEFAULT_CONTENT_TTL_MS = 7 * 86_400_000;

const REF = /^(redis|file):([0-9a-f]{32})$/;

function parseRef(ref: string, tier?: 'redis' | 'file'): string {
  const m = REF.exec(ref);
  if (m === null || (tier !== undefined && m[1] !== tier))
    throw new Errors.HUB_ERR_STORE_BAD_CONTENT_REF(ref.slice(0, 80));
  return m[2] ?? '';
}

function checkSize(bytes: Buffer, max: number): void {
  if (bytes.length > max) throw new Errors.HUB_ERR_TOO_LARGE(`part of ${bytes.length} bytes exceeds ${max}`);
}

const newId = (): string => randomBytes(16).toString('hex');

/** Options of {@link RedisContentStore}. */
export interface RedisContentStoreOptions {
  readonly redis: RedisClient;
  readonly prefix?: string;
  readonly ttlMs?: number;
  readonly maxPartBytes?: number;
}

/** Small parts in Redis with a TTL (`<p>:content:{<id>}`). */
export class RedisContentStore implements ContentStore {
  private readonly redis: RedisClient;
  private readonly p: string;
  private readonly ttlMs: number;
  private readonly max: number;

  constructor(opts: RedisContentStoreOptions) {
    this.redis = opts.redis;
    this.p = opts.prefix ?? DEFAULT_PREFIX;
    this.ttlMs = opts.ttlMs ?? DEFAULT_CONTENT_TTL_MS;
    this.max = opts.maxPartBytes ?? DEFAULT_MAX_PART_BYTES;
  }

  private key(id: string): string {
    return `${this.p}:content:{${id}}`;
  }

  async put(bytes: Buffer, meta: ContentMeta = {}): Promise<string> {
    checkSize(bytes, this.max);
    const id = newId();
    await this.redis.set(this.key(id), bytes, 'PX', meta.ttlMs ?? this.ttlMs);
    return `redis:${id}`;
  }

  async get(ref: string): Promise<Buffer> {
    const b = await this.redis.getBuffer(this.key(parseRef(ref, 'redis')));
    if (b === null) throw new Errors.HUB_ERR_NOT_FOUND('content', ref);
    return b;
  }

  async delete(ref: string): Promise<void> {
    await this.redis.del(this.key(parseRef(ref, 'redis')));
  }
}

/** Options of {@link FileContentStore}. */
export interface FileContentStoreOptions {
  /** Folder, e.g. `<data>/content`; created when missing. */
  readonly dir: string;
  readonly maxPartBytes?: number;
}

/**
 * Parts as files under `<dir>/<ab>/<cd>/<id>` (two shard levels keep folders small). Written to a temp name and
 * renamed, so a reader never sees a half-written part. Files do not expire: deleting them is the caller's
 * (or a retention sweeper's) job. Shared across instances only if `dir` is on shared storage.
 */
export class FileContentStore implements ContentStore {
  readonly dir: string;
  private readonly max: number;

  constructor(opts: FileContentStoreOptions) {
    this.dir = opts.dir;
    this.max = opts.maxPartBytes ?? DEFAULT_MAX_PART_BYTES;
  }

  /** Path of a ref's file. */
  pathOf(ref: string): string {
    const id = parseRef(ref, 'file');
    return join(this.dir, id.slice(0, 2), id.slice(2, 4), id);
  }

  async put(bytes: Buffer, _meta: ContentMeta = {}): Promise<string> {
    checkSize(bytes, this.max);
    const ref = `file:${newId()}`;
    const path = this.pathOf(ref);
    await mkdir(join(path, '..'), { recursive: true });
    const tmp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      await writeFile(tmp, bytes, { flush: true });
      await rename(tmp, path);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
    return ref;
  }

  async get(ref: string): Promise<Buffer> {
    try {
      return await readFile(this.pathOf(ref));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT')
        throw new Errors.HUB_ERR_NOT_FOUND('content', ref);
      throw err;
    }
  }

  async delete(ref: string): Promise<void> {
    await rm(this.pathOf(ref), { force: true });
  }
}

/** Options of {@link TieredContentStore}. */
export interface TieredContentStoreOptions {
  readonly small: ContentStore;
  readonly large: ContentStore;
  /** Parts up to this size go to `small` (default 64 KB). */
  readonly thresholdBytes?: number;
  readonly maxPartBytes?: number;
}

/** Small parts to Redis, large ones to files; reads and deletes go by the ref's tier. */
export class TieredContentStore implements ContentStore {
  private readonly small: ContentStore;
  private readonly large: ContentStore;
  private readonly threshold: number;
  private readonly max: number;

  constructor(opts: TieredContentStoreOptions) {
    this.small = opts.small;
    this.large = opts.large;
    this.threshold = opts.thresholdBytes ?? DEFAULT_REDIS_THRESHOLD;
    this.max = opts.maxPartBytes ?? DEFAULT_MAX_PART_BYTES;
  }

  async put(bytes: Buffer, meta: ContentMeta = {}): Promise<string> {
    checkSize(bytes, this.max);
    return await (bytes.length <= this.threshold ? this.small : this.large).put(bytes, meta);
  }

  private tier(ref: string): ContentStore {
    parseRef(ref);
    return ref.startsWith('redis:') ? this.small : this.large;
  }

  async get(ref: string): Promise<Buffer> {
    return await this.tier(ref).get(ref);
  }

  async delete(ref: string): Promise<void> {
    await this.tier(ref).delete(ref);
  }
}
