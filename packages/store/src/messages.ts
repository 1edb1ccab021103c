import { Errors, isHubError } from '@hub/errors';
import {
  transition as decide,
  type HistoryEntry,
  type Hop,
  type HubMessage,
  idTimestamp,
  MessageState,
  type StampInfo,
  type TransitionOutcome,
} from '@hub/message';
import { DEFAULT_PREFIX, LuaScript, type RedisClient } from './redis.js';

/**
 * Message records in Redis.
 *
 * Layout per message (one hash tag, so every script works on Cluster):
 * - `<p>:msg:{<id>}` hash: one field per top-level message field, JSON-encoded (`state` is kept raw for the
 *   scripts; `attempts` and `updatedAt` are plain integers so they can be incremented in place);
 * - `<p>:msg:{<id>}:h` list: history entries (JSON), capped: the first 10 and the newest ones are kept.
 *
 * Both keys expire after the retention period (default 7 days), counted from `put`.
 * Concurrent updates from many instances (a receipt racing the submit response) are serialised by Redis:
 * `transition` and `stamp` are single scripts, `update` writes only the fields it names.
 */

/** Default record retention: 7 days. */
export const DEFAULT_RETENTION_MS = 7 * 86_400_000;
/** Default upstream-id index lifetime: 3 days. */
export const DEFAULT_UPSTREAM_TTL_MS = 3 * 86_400_000;
/** Default history cap (the schema's maximum). */
export const DEFAULT_HISTORY_CAP = 1000;

/** Options of {@link MessageStore}. */
export interface MessageStoreOptions {
  readonly redis: RedisClient;
  /** Key prefix (default `hub`). */
  readonly prefix?: string;
  /** Record lifetime in ms (default 7 days). */
  readonly retentionMs?: number;
  /** Upstream-id index lifetime in ms (default 3 days). */
  readonly upstreamTtlMs?: number;
  /** Max history entries kept per message (default 1000, at least 20). */
  readonly historyCap?: number;
  /**
   * Called after every `put`, `transition` and `stamp` that Redis applied (metrics: per-hop latency and
   * messages by state). Gets the hop, when it happened (`at`, ms), when the message was received
   * (`createdAt`, read from the Hub id at no cost), the state after it (absent for stamps) and the
   * message's labels. Runs synchronously on the caller's path: keep it cheap. Whatever it throws is ignored.
   */
  readonly onHop?: HopObserver;
}

/** Facts about the message a {@link HopObserver} is told about. */
export interface HopFacts {
  readonly id: string;
  /** Which write it was. */
  readonly via: 'put' | 'transition' | 'stamp';
  /** `ok` for a state change, `duplicate`/`late` for a recorded report that changed nothing; absent for stamps and puts. */
  readonly outcome?: Exclude<TransitionOutcome, 'illegal'>;
  /** Origin protocol, account and the connector (the hop's, else the route's, else the origin's); set on puts and `ok` transitions. */
  readonly protocol?: string;
  readonly account?: string;
  readonly connector?: string;
}

/** See {@link MessageStoreOptions.onHop}. */
export type HopObserver = (
  hop: Hop,
  at: number,
  createdAt: number,
  state: MessageState | undefined,
  facts: HopFacts,
) => void;

/** What {@link MessageStore.transition} reports. */
export interface TransitionResult {
  /** `ok` changed the state; `duplicate`/`late` were recorded without a change. */
  readonly outcome: Exclude<TransitionOutcome, 'illegal'>;
  readonly previous: MessageState;
  readonly state: MessageState;
  /** The reassembled record after the change, when `withMessage` was asked for. */
  readonly message?: HubMessage;
}

/** Fields {@link MessageStore.update} may set (state and history only change through transition/stamp). */
export type MessagePatch = Partial<
  Pick<HubMessage, 'route' | 'upstream' | 'attempts' | 'extras' | 'options' | 'report' | 'origin' | 'content'>
>;

/** Options of {@link MessageStore.transition}. */
export interface TransitionOptions {
  /** Use the retry table of the state machine (operator retry of a failed message). */
  readonly retry?: boolean;
  /** When the change happened (default now). */
  readonly now?: number;
  /** Also read the whole record back (one more round trip). */
  readonly withMessage?: boolean;
  /**
   * Fields to set in the same script when the change is recorded (`ok`, `duplicate` or `late`; nothing on
   * `illegal`), as {@link MessageStore.update} would: saves a round trip and a script per message.
   * Throws `HUB_ERR_VALIDATION` for a field that is not patchable.
   */
  readonly patch?: MessagePatch;
  /**
   * Refuse (`HUB_ERR_ILLEGAL_TRANSITION`) unless the message still waits (`accepted`, `routed`) and no
   * sender has taken it (see {@link MessageStore.take}); not with `retry`. {@link MessageStore.withdraw} uses it.
   */
  readonly guardTaken?: boolean;
  /** A hop stamp appended after the transition's entry in the same script, dated `at`, as {@link MessageStore.stamp} would. */
  readonly stamp?: { readonly hop: Hop; readonly at: number; readonly info?: StampInfo };
}

/** Listing options of {@link MessageStore.listByAccount}. */
export interface ListOptions {
  /** Inclusive lower bound of createdAt (ms). */
  readonly from?: number;
  /** Inclusive upper bound of createdAt (ms). */
  readonly to?: number;
  /** Max ids returned (default 100, at most 1000). */
  readonly limit?: number;
  /** Skip this many (paging). */
  readonly offset?: number;
  /** Newest first (default true). */
  readonly newestFirst?: boolean;
}

/** Lua table literal `{from={to='outcome',…},…}` of every non-illegal outcome, generated from @hub/message. */
function transitionTable(opts: { retry?: boolean }): string {
  const states = MessageState.options;
  const rows = states.map((from) => {
    const cells = states
      .map((to) => [to, decide(from, to, opts)] as const)
      .filter(([, o]) => o !== 'illegal')
      .map(([to, o]) => `${to}='${o}'`);
    return `${from}={${cells.join(',')}}`;
  });
  return `{${rows.join(',')}}`;
}

// Shared tail: append one entry, keep the list within the cap (drop the oldest after the first 10), keep the
// history's expiry in line with the record's.
const APPEND = `
local function append(entry, cap)
  local n = redis.call('RPUSH', KEYS[2], entry)
  while n > cap do
    redis.call('LSET', KEYS[2], 10, '\\0')
    redis.call('LREM', KEYS[2], 1, '\\0')
    n = n - 1
  end
  local ttl = redis.call('PTTL', KEYS[1])
  if ttl > 0 then redis.call('PEXPIRE', KEYS[2], ttl) end
end
`;

// KEYS: record, history. ARGV: to, entry JSON without its closing brace, now, retry (1/0), cap, labels (1/0),
// an extra stamp entry JSON ('' for none), then field/value pairs to set (a patch) when the change is recorded.
// With labels, an applied change also returns the origin and route fields (metrics labels, one HMGET).
const TRANSITION = new LuaScript(`
local T = ${transitionTable({})}
local R = ${transitionTable({ retry: true })}
${APPEND}
local from = redis.call('HGET', KEYS[1], 'state')
if not from then return {'missing'} end
local to = ARGV[1]
if ARGV[4] == '2' and ((from ~= 'accepted' and from ~= 'routed') or redis.call('HEXISTS', KEYS[1], 'taken') == 1) then
  return {'taken', from}
end
local row = (ARGV[4] == '1' and R or T)[from]
local outcome = row and row[to]
if not outcome then return {'illegal', from} end
append(ARGV[2] .. ',"state":"' .. to .. '","outcome":"' .. outcome .. '"}', tonumber(ARGV[5]))
if ARGV[7] and ARGV[7] ~= '' then append(ARGV[7], tonumber(ARGV[5])) end
if #ARGV > 7 then redis.call('HSET', KEYS[1], unpack(ARGV, 8, #ARGV)) end
local state = from
if outcome == 'ok' then
  state = to
  redis.call('HSET', KEYS[1], 'state', to, 'updatedAt', ARGV[3])
  if ARGV[6] == '1' then
    local l = redis.call('HMGET', KEYS[1], 'origin', 'route')
    return {outcome, from, state, l[1] or '', l[2] or ''}
  end
else
  redis.call('HSET', KEYS[1], 'updatedAt', ARGV[3])
end
return {outcome, from, state}
`);

// KEYS: upstream link. ARGV: the record key's prefix and suffix around the Hub id. Reads a key it was not
// given (the record, named by the link's value): only where keys cannot live on different nodes (not Cluster).
const BY_UPSTREAM = new LuaScript(`
local id = redis.call('GET', KEYS[1])
if not id then return false end
return {id, redis.call('HGETALL', ARGV[1] .. id .. ARGV[2])}
`);

// KEYS: record. ARGV: now. A message still waiting (accepted, routed) is marked taken for sending.
const TAKE = new LuaScript(`
local s = redis.call('HGET', KEYS[1], 'state')
if s == 'accepted' or s == 'routed' then redis.call('HSET', KEYS[1], 'taken', ARGV[1]) end
return s
`);

// KEYS: record, history. ARGV: entry JSON, now, cap.
const STAMP = new LuaScript(`
${APPEND}
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
append(ARGV[1], tonumber(ARGV[3]))
redis.call('HSET', KEYS[1], 'updatedAt', ARGV[2])
return 1
`);

// KEYS: record, history. ARGV: retention ms, n, then n field/value items (the record), then history entries.
// Replaces whatever was there: the record, its history, and both expiries in one step.
const PUT = new LuaScript(`
redis.call('DEL', KEYS[1], KEYS[2])
local n = tonumber(ARGV[2])
redis.call('HSET', KEYS[1], unpack(ARGV, 3, 2 + n))
redis.call('PEXPIRE', KEYS[1], ARGV[1])
if #ARGV > 2 + n then
  redis.call('RPUSH', KEYS[2], unpack(ARGV, 3 + n, #ARGV))
  redis.call('PEXPIRE', KEYS[2], ARGV[1])
end
return 1
`);

// KEYS: record. ARGV: field, value, field, value, ...
const UPDATE = new LuaScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV))
return 1
`);

// KEYS: record. ARGV: by.
const INCR_ATTEMPTS = new LuaScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
return redis.call('HINCRBY', KEYS[1], 'attempts', ARGV[1])
`);

const PATCHABLE: ReadonlySet<string> = new Set([
  'route',
  'upstream',
  'attempts',
  'extras',
  'options',
  'report',
  'origin',
  'content',
]);

/**
 * Message records, the upstream-id index and the per-account time index. Safe to use from many instances at
 * once. Redis errors propagate as they are (the caller maps them to `HUB_ERR_STORE_UNAVAILABLE` / retries).
 */
export class MessageStore {
  /** When each account index was last trimmed and its TTL refreshed (per process). */
  readonly #indexMaintained = new Map<string, number>();
  private readonly redis: RedisClient;
  private readonly p: string;
  readonly retentionMs: number;
  readonly upstreamTtlMs: number;
  private readonly cap: number;
  private readonly onHop: HopObserver | undefined;

  constructor(opts: MessageStoreOptions) {
    this.redis = opts.redis;
    this.p = opts.prefix ?? DEFAULT_PREFIX;
    this.retentionMs = opts.retentionMs ?? DEFAULT_RETENTION_MS;
    this.upstreamTtlMs = opts.upstreamTtlMs ?? DEFAULT_UPSTREAM_TTL_MS;
    this.cap = Math.max(20, opts.historyCap ?? DEFAULT_HISTORY_CAP);
    this.onHop = opts.onHop;
  }

  private observe(hop: Hop, at: number, id: string, state: MessageState | undefined, facts: HopFacts): void {
    if (this.onHop === undefined) return;
    try {
      this.onHop(hop, at, idTimestamp(id), state, facts);
    } catch {
      // An observer (metrics) must never fail a store write that already happened.
    }
  }

  /** Record hash key of a message. */
  recordKey(id: string): string {
    return `${this.p}:msg:{${id}}`;
  }

  /** History list key of a message. */
  historyKey(id: string): string {
    return `${this.p}:msg:{${id}}:h`;
  }

  /** Per-account time index key. */
  accountKey(account: string): string {
    return `${this.p}:acct:{${account}}:msgs`;
  }

  private upstreamKey(connectorId: string, upstreamId: string): string {
    return `${this.p}:up:{${connectorId}:${upstreamId}}`;
  }

  /**
   * Stores (or replaces) a record with its history and indexes it under its origin account. Resolves once
   * Redis has applied it (one script: the record, its history and their expiry at once). Rejects with the
   * Redis error when it did not: the caller must not acknowledge the message to its sender.
   */
  async put(msg: HubMessage): Promise<void> {
    const jobs: Array<Promise<unknown>> = [
      PUT.run(this.redis, [this.recordKey(msg.id), this.historyKey(msg.id)], this.putArgs(msg)),
    ];
    // Another slot on Cluster: a separate command, issued in parallel.
    if (msg.origin.account !== undefined)
      jobs.push(this.indexAccount(msg.origin.account, msg.id, msg.createdAt));
    await Promise.all(jobs);
    this.observePut(msg);
  }

  /**
   * {@link MessageStore.put} for many records at once (ingest micro-batches): one pipeline, one write to
   * the socket, one round trip, and one ZADD per account. Resolves once Redis applied every record;
   * rejects with the first error otherwise, in which case some records may have been written (the
   * caller acknowledges none of them: an ESME retry gets a new id, the stray record expires).
   * On Cluster, whose pipelines cannot span slots, the records are written one by one, in parallel.
   */
  async putMany(msgs: readonly HubMessage[]): Promise<void> {
    if (msgs.length === 0) return;
    if (msgs.length === 1 || this.redis.isCluster) {
      await Promise.all(msgs.map((m) => this.put(m)));
      return;
    }
    const pipe = this.redis.pipeline();
    const argsOf: Array<Array<string | number>> = [];
    for (const m of msgs) {
      const args = this.putArgs(m);
      argsOf.push(args);
      pipe.evalsha(PUT.sha, 2, this.recordKey(m.id), this.historyKey(m.id), ...args);
    }
    const byAccount = new Map<string, Array<string | number>>();
    for (const m of msgs) {
      const a = m.origin.account;
      if (a === undefined) continue;
      const members = byAccount.get(a);
      if (members === undefined) byAccount.set(a, [m.createdAt, m.id]);
      else members.push(m.createdAt, m.id);
    }
    const now = Date.now();
    for (const [account, members] of byAccount) {
      const k = this.accountKey(account);
      pipe.zadd(k, ...members);
      if (now - (this.#indexMaintained.get(k) ?? 0) >= 1000) {
        this.#indexMaintained.set(k, now);
        pipe.zremrangebyscore(k, '-inf', `(${now - this.retentionMs}`).pexpire(k, this.retentionMs);
      }
    }
    const res = await pipe.exec();
    if (res === null) throw new Errors.HUB_ERR_STORE_UNAVAILABLE('pipeline aborted');
    const retry: Array<Promise<unknown>> = [];
    for (let i = 0; i < res.length; i++) {
      const err = (res[i] as [Error | null, unknown])[0];
      if (err === null) continue;
      // A restarted Redis has forgotten the script: that record was not written, write it with EVAL.
      const m = i < msgs.length ? msgs[i] : undefined;
      if (m !== undefined && String(err.message).startsWith('NOSCRIPT'))
        retry.push(PUT.run(this.redis, [this.recordKey(m.id), this.historyKey(m.id)], argsOf[i] ?? []));
      else throw err;
    }
    await Promise.all(retry);
    for (const m of msgs) this.observePut(m);
  }

  /** ARGV of the PUT script for one message. */
  private putArgs(msg: HubMessage): Array<string | number> {
    const { state, history } = msg;
    const args: Array<string | number> = [this.retentionMs, 0, 'state', state];
    for (const k in msg) {
      if (k === 'state' || k === 'history') continue;
      const v = (msg as Record<string, unknown>)[k];
      if (v !== undefined) args.push(k, JSON.stringify(v));
    }
    args[1] = args.length - 2;
    const cap = this.cap;
    if (history.length > cap) {
      for (let i = 0; i < 10; i++) args.push(JSON.stringify(history[i]));
      for (let i = history.length - (cap - 10); i < history.length; i++)
        args.push(JSON.stringify(history[i]));
    } else {
      for (const e of history) args.push(JSON.stringify(e));
    }
    return args;
  }

  private observePut(msg: HubMessage): void {
    if (this.onHop === undefined) return;
    const connector = msg.route?.connector ?? msg.origin.connector;
    const facts = {
      id: msg.id,
      via: 'put' as const,
      protocol: msg.origin.protocol,
      ...(msg.origin.account === undefined ? {} : { account: msg.origin.account }),
      ...(connector === undefined ? {} : { connector }),
    };
    // A record can be born past `accepted` (routed at ingest: received + routed in one write): every state
    // it went through counts, so intake (`accepted`) and the `routed` hop latency stay complete. A re-put
    // (replace_sm) counts its states again.
    let seen = false;
    for (const h of msg.history) {
      if (h.state === undefined) continue;
      seen = true;
      this.observe(h.hop, h.at, msg.id, h.state, facts);
    }
    if (!seen) this.observe(msg.history.at(-1)?.hop ?? 'received', msg.updatedAt, msg.id, msg.state, facts);
  }

  /**
   * The reassembled message, or `undefined` when unknown or expired. With `history: false` the history
   * is not read (one HGETALL instead of a transaction; `history` comes back empty): for callers that only
   * look at the message itself, such as a status worker building a receipt.
   */
  async get(id: string, opts: { history?: boolean } = {}): Promise<HubMessage | undefined> {
    let hash: Record<string, string>;
    let list: string[] = [];
    if (opts.history === false) {
      hash = await this.redis.hgetall(this.recordKey(id));
    } else {
      const res = await execOrThrow(
        this.redis.multi().hgetall(this.recordKey(id)).lrange(this.historyKey(id), 0, -1).exec(),
      );
      hash = res[0] as Record<string, string>;
      list = res[1] as string[];
    }
    return fromHash(hash, list);
  }

  /**
   * The message an upstream id is linked to ({@link MessageStore.linkUpstream}), read without its history:
   * on standalone and Sentinel Redis in one script (one round trip instead of `findByUpstream` + `get`), on
   * Cluster in two steps. `undefined` when no link exists; `{ id }` alone when the link outlived the record.
   */
  async getByUpstream(
    connectorId: string,
    upstreamId: string,
  ): Promise<{ id: string; message?: HubMessage } | undefined> {
    if (this.redis.isCluster) {
      const id = await this.findByUpstream(connectorId, upstreamId);
      if (id === undefined) return undefined;
      const message = await this.get(id, { history: false });
      return message === undefined ? { id } : { id, message };
    }
    const [pre, post] = this.recordKey('\u0000').split('\u0000') as [string, string];
    const r = (await BY_UPSTREAM.run(this.redis, [this.upstreamKey(connectorId, upstreamId)], [pre, post])) as
      | [string, string[]]
      | null;
    if (r === null) return undefined;
    const flat = r[1];
    const hash: Record<string, string> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) hash[flat[i] as string] = flat[i + 1] as string;
    const message = fromHash(hash, []);
    return message === undefined ? { id: r[0] } : { id: r[0], message };
  }

  /** Current state only (one HGET), or `undefined`. */
  async state(id: string): Promise<MessageState | undefined> {
    const s = await this.redis.hget(this.recordKey(id), 'state');
    return s === null ? undefined : (s as MessageState);
  }

  /**
   * Atomically moves a message to `to` using @hub/message's state machine, whatever other instances do at the
   * same time. Duplicates and late reports are recorded in the history (outcome `duplicate`/`late`) without a
   * state change. Throws `HUB_ERR_ILLEGAL_TRANSITION` (nothing recorded; log and drop the event) and
   * `HUB_ERR_NOT_FOUND` for an unknown or expired message.
   */
  async transition(
    id: string,
    to: MessageState,
    hop: Hop,
    info: StampInfo = {},
    opts: TransitionOptions = {},
  ): Promise<TransitionResult> {
    const now = opts.now ?? Date.now();
    const entry = entryPrefix(now, hop, info);
    const args: Array<string | number> = [
      to,
      entry,
      now,
      opts.retry === true ? 1 : opts.guardTaken === true ? 2 : 0,
      this.cap,
      this.onHop === undefined ? 0 : 1,
    ];
    const extra = opts.stamp;
    args.push(extra === undefined ? '' : `${entryPrefix(extra.at, extra.hop, extra.info ?? {})}}`);
    if (opts.patch !== undefined) args.push(...patchArgs(opts.patch));
    const r = (await TRANSITION.run(this.redis, [this.recordKey(id), this.historyKey(id)], args)) as string[];
    if (r[0] === 'missing') throw new Errors.HUB_ERR_NOT_FOUND('message', id);
    if (r[0] === 'illegal') throw new Errors.HUB_ERR_ILLEGAL_TRANSITION(r[1] ?? '?', to);
    if (r[0] === 'taken') throw new Errors.HUB_ERR_ILLEGAL_TRANSITION(`${r[1] ?? '?'} (taken)`, to);
    const result: TransitionResult = {
      outcome: r[0] as TransitionResult['outcome'],
      previous: r[1] as MessageState,
      state: r[2] as MessageState,
    };
    if (this.onHop !== undefined)
      this.observe(hop, now, id, result.state, {
        id,
        via: 'transition',
        outcome: result.outcome,
        ...labelsOf(r[3], r[4], info),
      });
    if (extra !== undefined) this.observe(extra.hop, extra.at, id, undefined, { id, via: 'stamp' });
    if (opts.withMessage !== true) return result;
    const message = await this.get(id);
    return message === undefined ? result : { ...result, message };
  }

  /**
   * A sender's claim before it hands a message on: returns the state (`undefined` for an unknown or
   * expired record) and, when the message is still waiting (`accepted`, `routed`), marks it *taken* in the
   * same step, so that {@link MessageStore.withdraw} no longer succeeds. The mark stays: a message taken
   * once and queued again for a retry is withdrawn by removing its job instead.
   */
  async take(id: string, now: number = Date.now()): Promise<MessageState | undefined> {
    const s = (await TAKE.run(this.redis, [this.recordKey(id)], [now])) as string | null;
    return s === null ? undefined : (s as MessageState);
  }

  /**
   * Cancels a message that waits in a shared batch job (which cannot be removed alone): moves it to `to`
   * (normally `deleted`) unless a sender has {@link MessageStore.take}n it. Returns the transition, or
   * `undefined` when it was taken or the state did not change (refused, or already there): answer
   * "cannot cancel".
   * Throws `HUB_ERR_NOT_FOUND` for an unknown message.
   */
  async withdraw(
    id: string,
    to: MessageState,
    hop: Hop,
    info: StampInfo = {},
  ): Promise<TransitionResult | undefined> {
    try {
      const r = await this.transition(id, to, hop, info, { guardTaken: true });
      return r.outcome === 'ok' ? r : undefined;
    } catch (err) {
      if (isHubError(err, 'HUB_ERR_ILLEGAL_TRANSITION')) return undefined;
      throw err;
    }
  }

  /** Appends a hop stamp without a state change. Throws `HUB_ERR_NOT_FOUND` for an unknown message. */
  async stamp(id: string, hop: Hop, info: StampInfo = {}, now: number = Date.now()): Promise<void> {
    const entry = `${entryPrefix(now, hop, info)}}`;
    const ok = await STAMP.run(this.redis, [this.recordKey(id), this.historyKey(id)], [entry, now, this.cap]);
    if (ok !== 1) throw new Errors.HUB_ERR_NOT_FOUND('message', id);
    this.observe(hop, now, id, undefined, { id, via: 'stamp' });
  }

  /**
   * Sets top-level fields (route, upstream, attempts, …) and `updatedAt`; other fields are untouched, so two
   * instances updating different fields do not overwrite each other. `undefined` values are ignored. Throws
   * `HUB_ERR_NOT_FOUND` for an unknown message and `HUB_ERR_VALIDATION` for a field that is not patchable.
   */
  async update(id: string, patch: MessagePatch, now: number = Date.now()): Promise<void> {
    const args: string[] = ['updatedAt', String(now), ...patchArgs(patch)];
    const ok = await UPDATE.run(this.redis, [this.recordKey(id)], args);
    if (ok !== 1) throw new Errors.HUB_ERR_NOT_FOUND('message', id);
  }

  /** Atomically adds `by` (default 1) to `attempts` and returns the new value. Throws `HUB_ERR_NOT_FOUND`. */
  async incrementAttempts(id: string, by = 1): Promise<number> {
    const n = await INCR_ATTEMPTS.run(this.redis, [this.recordKey(id)], [by]);
    if (typeof n !== 'number') throw new Errors.HUB_ERR_NOT_FOUND('message', id);
    return n;
  }

  /** Deletes a record and its history (operator purge). Returns whether it existed. */
  async delete(id: string): Promise<boolean> {
    return (await this.redis.del(this.recordKey(id), this.historyKey(id))) > 0;
  }

  /**
   * Remembers which Hub message an upstream id belongs to, for receipts. `upstreamId` must already be
   * normalised by the connector (case, hex/decimal form). Expires after `ttlMs` (default 3 days).
   */
  async linkUpstream(
    connectorId: string,
    upstreamId: string,
    hubId: string,
    ttlMs: number = this.upstreamTtlMs,
  ): Promise<void> {
    await this.redis.set(this.upstreamKey(connectorId, upstreamId), hubId, 'PX', ttlMs);
  }

  /** The Hub id linked to an upstream id, or `undefined` (unknown or expired: the receipt is orphaned). */
  async findByUpstream(connectorId: string, upstreamId: string): Promise<string | undefined> {
    return (await this.redis.get(this.upstreamKey(connectorId, upstreamId))) ?? undefined;
  }

  /**
   * Adds a message to an account's time index (done by `put` for the origin account; call it for the
   * destination account of MO traffic). Entries older than the retention are trimmed on each write, and the
   * index itself expires when the account is idle for a whole retention period.
   */
  async indexAccount(
    account: string,
    id: string,
    createdAt: number,
    now: number = Date.now(),
  ): Promise<void> {
    const k = this.accountKey(account);
    // Trimming and the TTL refresh matter once a second, not once a message: at thousands of submits per
    // second a bare ZADD keeps the index cheap.
    const last = this.#indexMaintained.get(k) ?? 0;
    if (now - last < 1000) {
      await this.redis.zadd(k, createdAt, id);
      return;
    }
    this.#indexMaintained.set(k, now);
    await execOrThrow(
      this.redis
        .multi()
        .zadd(k, createdAt, id)
        .zremrangebyscore(k, '-inf', `(${now - this.retentionMs}`)
        .pexpire(k, this.retentionMs)
        .exec(),
    );
  }

  /** An account's message ids by creation time (newest first by default). */
  async listByAccount(account: string, opts: ListOptions = {}): Promise<string[]> {
    const min = opts.from === undefined ? '-inf' : String(opts.from);
    const max = opts.to === undefined ? '+inf' : String(opts.to);
    const limit = Math.max(1, Math.min(1000, opts.limit ?? 100));
    const offset = Math.max(0, opts.offset ?? 0);
    const k = this.accountKey(account);
    return opts.newestFirst === false
      ? await this.redis.zrangebyscore(k, min, max, 'LIMIT', offset, limit)
      : await this.redis.zrevrangebyscore(k, max, min, 'LIMIT', offset, limit);
  }
}

/** Metrics labels from the origin and route JSON a labelled TRANSITION returns (absent when it did not). */
function labelsOf(
  origin: string | undefined,
  route: string | undefined,
  info: StampInfo,
): Pick<HopFacts, 'protocol' | 'account' | 'connector'> {
  if (origin === undefined) return {};
  let o: { protocol?: unknown; account?: unknown; connector?: unknown } = {};
  let rt: { connector?: unknown } = {};
  try {
    if (origin !== '') o = JSON.parse(origin) as typeof o;
    if (route !== undefined && route !== '') rt = JSON.parse(route) as typeof rt;
  } catch {
    return {};
  }
  // The hop's own connector is the freshest (a route decision not yet written to the record).
  const connector = [info.connector, rt.connector, o.connector].find(
    (c): c is string => typeof c === 'string',
  );
  return {
    ...(typeof o.protocol === 'string' ? { protocol: o.protocol } : {}),
    ...(typeof o.account === 'string' ? { account: o.account } : {}),
    ...(connector === undefined ? {} : { connector }),
  };
}

/** HSET arguments of a patch (JSON values; `undefined` skipped). Throws `HUB_ERR_VALIDATION` for a field that is not patchable. */
function patchArgs(patch: MessagePatch): string[] {
  const args: string[] = [];
  for (const [k, v] of Object.entries(patch)) {
    if (!PATCHABLE.has(k)) throw new Errors.HUB_ERR_VALIDATION('message patch', `${k} cannot be updated`);
    if (v !== undefined) args.push(k, JSON.stringify(v));
  }
  return args;
}

function entryPrefix(now: number, hop: Hop, info: StampInfo): string {
  const { state: _s, outcome: _o, at: _a, hop: _h, ...rest } = info as StampInfo & Partial<HistoryEntry>;
  return JSON.stringify({ at: now, hop, ...rest }).slice(0, -1);
}

/** MULTI results with the first command error thrown. */
/** A record from its hash fields (JSON values, `state` plain) and history entries; `undefined` without a state. */
function fromHash(hash: Record<string, string>, list: readonly string[]): HubMessage | undefined {
  if (hash.state === undefined) return undefined;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(hash)) out[k] = k === 'state' ? v : JSON.parse(v);
  out.history = list.map((e) => JSON.parse(e) as HistoryEntry);
  return out as HubMessage;
}

async function execOrThrow(p: Promise<Array<[Error | null, unknown]> | null>): Promise<unknown[]> {
  const res = await p;
  if (res === null) throw new Errors.HUB_ERR_STORE_UNAVAILABLE('transaction aborted');
  return res.map(([err, v]) => {
    if (err !== null) throw err;
    return v;
  });
}
