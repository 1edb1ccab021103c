import { randomBytes } from 'node:crypto';
import { close, fdatasync, open, writeFile } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
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
   * Stores bytes and returns a ref. Resolves after the write is durable for the tier (Redis ack, file data
   * fdatasync'ed): store the ref (the message record) only after that, so no reader meets a part still being
   * written. Throws `HUB_ERR_TOO_LARGE` above the per-part limit (answer the sender with its wire status).
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

// Ids come from one CSPRNG pool (256 ids per refill): `randomBytes(16)` per part cost ~2-9 µs. Each id is
// 16 fresh pool bytes, never reused, so ids stay 128-bit random and unguessable.
const ID_BYTES = 16;
let idPool = Buffer.alloc(0);
let idAt = 0;
function newId(): string {
  if (idAt + ID_BYTES > idPool.length) {
    idPool = randomBytes(ID_BYTES * 256);
    idAt = 0;
  }
  const id = idPool.toString('hex', idAt, idAt + ID_BYTES);
  idAt += ID_BYTES;
  return id;
}

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
 * Parts as files under `<dir>/<ab>/<cd>/<id>` (two shard levels keep folders small). `put` creates the file
 * under its final name (`O_EXCL`) and resolves after `fdatasync`; no temp name and rename are needed, because
 * a ref is random and only becomes known to anyone (the message record) after `put` resolved, so nobody
 * reads a file while it is written (the MM4 and MM7 gateways write the record after `put`). A failed write
 * removes its file; a crash during `put` can leave an unreferenced, possibly partial file that nothing reads.
 * Files do not expire: deleting them is the caller's (or a retention sweeper's) job. Shared across instances
 * only if `dir` is on shared storage.
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
    let fd: number;
    try {
      fd = await openNew(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      // First part in this shard folder (or someone removed it): create it and try once more.
      await mkdir(dirname(path), { recursive: true });
      fd = await openNew(path);
    }
    try {
      // On an fd, writeFile writes all of `bytes` (looping over short writes) and leaves the fd open.
      await fsCall<void>((cb) => writeFile(fd, bytes, cb));
      // Data and size, which reading it back needs (not timestamps). On ext4/xfs this also commits the
      // transaction that created the directory entry; the folder itself is not fsync'ed.
      await fsCall<void>((cb) => fdatasync(fd, cb));
    } catch (err) {
      await fsCall<void>((cb) => close(fd, cb)).catch(() => undefined);
      await rm(path, { force: true });
      throw err;
    }
    await fsCall<void>((cb) => close(fd, cb));
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

// The fd-based callback API: ~20 µs less CPU per part than FileHandle (fs/promises) on this path.
function fsCall<T>(f: (cb: (err: NodeJS.ErrnoException | null, v?: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => f((err, v) => (err ? reject(err) : resolve(v as T))));
}

/** Opens a new file for writing; fails `EEXIST` rather than overwrite (ids are random: never in practice). */
function openNew(path: string): Promise<number> {
  return fsCall<number>((cb) => open(path, 'wx', cb));
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
