import { randomUUID } from 'node:crypto';
import { type Bus, type BusWorker, MicroBatcher, type QueueDef, Queues } from '@hub/bus';
import type { Account, HubConfig } from '@hub/config';
import { Errors, isHubError, toSmppStatus } from '@hub/errors';
import {
  type Address,
  createMessage,
  formatId,
  type HubMessage,
  type IdGenerator,
  isFinal,
  type Options,
  type Origin,
  parseId,
  toSmppMessageState,
  toSmppStat,
  validateMessage,
} from '@hub/message';
import { type IngestRouting, ingestWrites, type RouteDecider } from '@hub/router';
import {
  buildUdh,
  concatElement,
  formatReceipt,
  MAX_PDU_LENGTH,
  parseUdh,
  type RequestDecision,
  type ServerSession,
  type SmppPdu,
  SmppServer,
  type SmppSession,
  SmppStatus,
  type UdhElement,
} from '@hub/smpp';
import type { AccountDirectory } from './accounts.js';
import type { BindRegistry } from './binds.js';
import { address, decodeSubmit, type InboundSubmit, segmentsOf, textOf } from './inbound.js';
import type { ConcatStore, GatewayStore } from './ports.js';
import { TokenBucket } from './throttle.js';

/** Logger surface (pino fits). */
export interface GatewayLogger {
  debug?(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface SmppGatewayOptions {
  /** Outbox worker lock settings (config `workers`); a crashed instance's deliveries resume after about this long. */
  readonly workers?: Pick<HubConfig['workers'], 'lockDurationMs' | 'stalledIntervalMs'>;
  readonly listener: HubConfig['listeners']['smpp'];
  readonly accounts: AccountDirectory;
  readonly store: GatewayStore;
  readonly bus: Bus;
  readonly concat: ConcatStore;
  readonly ids: IdGenerator;
  /** Checks a bind password against the account's stored hash. */
  readonly verifyPassword: (plain: string, hash: string) => Promise<boolean>;
  readonly instance: string;
  readonly log: GatewayLogger;
  /** Route queue depth above which submits get ESME_RMSGQFUL (default: config limits). */
  readonly routeQueueHighWater: number;
  /** PEM contents for the TLS listener, when configured. */
  readonly tls?: { key: string | Buffer; cert: string | Buffer };
  /**
   * Account throughput shared by every instance (`@hub/store` RateLimiter fits). Without it each process
   * enforces the account's full rate with a local token bucket.
   */
  readonly rateLimiter?: AccountRateLimiter;
  /** maxBinds across instances (see RedisBindRegistry). Without it the limit is per process. */
  readonly binds?: BindRegistry;
  /** Incomplete concatenations idle this long are forwarded part by part (default 300000 = 5 min). */
  readonly concatStaleMs?: number;
  /** How often to look for them (default 60000; 0 disables the timer, see {@link SmppGateway.sweepStaleConcat}). */
  readonly concatSweepIntervalMs?: number;
  /**
   * Micro-batching of accepted submits: records and route jobs of the submits that arrive together are
   * written with one pipeline each (see `MicroBatcher` in @hub/bus); every response still waits for its
   * own message to be durable. `maxItems` defaults to 64, `maxDelayMs` to 0 (the end of the current
   * event-loop turn: no added wait when idle). `false` writes each message on its own.
   */
  readonly ingestBatch?: false | { readonly maxItems?: number; readonly maxDelayMs?: number };
  /**
   * Routing at ingest (config `routing.atIngest`, on by default in `hub start smpp`): each accepted MT
   * submit goes through this route table (the router's, kept current by `startRouteTable` in
   * @hub/router) before its first write, so the record is stored already `routed` (stamps `received` and
   * `routed`, `route` set) and the job goes straight on `connector:<id>`, skipping the route queue. A
   * message the table rejects (or one already expired) is still accepted: the ESME gets its id and the
   * record is written final with the receipt owed, exactly as the router would do. Scheduled submits
   * (`schedule_delivery_time` in the future) still go through the route queue, so they are routed when
   * due, with the table and connector states of then. Without it every submit goes on the route queue.
   */
  readonly routeAtIngest?: RouteDecider;
}

/** One accepted message's writes: its record, its job, and the report owed when it ended at ingest. */
type IngestWrite = Omit<IngestRouting, 'plan'>;

/** A store that can also write many records in one round trip (`@hub/store` MessageStore does). */
type BatchStore = GatewayStore & { putMany(msgs: readonly HubMessage[]): Promise<void> };

/** What the first part of a concatenated message leaves in the concat store, to forward parts alone. */
interface ConcatMeta {
  readonly origin: Origin;
  readonly from: Address;
  readonly to: readonly Address[];
  readonly dataCoding: number;
  readonly options: Options;
  readonly tlvs: Record<string, string>;
  readonly otherUdh?: string;
  readonly referenceBits: 8 | 16;
  readonly reference: number;
  readonly total: number;
}

/** The rate-limit surface the gateway uses (`@hub/store` RateLimiter). */
export interface AccountRateLimiter {
  take(
    key: string,
    limits: { messagesPerSecond?: number; segmentsPerSecond?: number },
    cost: { messages?: number; segments?: number },
  ): Promise<{ readonly allowed: true } | { readonly allowed: false; readonly retryAfterMs: number }>;
}

/** A queue depth as last read (`at` 0: never), and the read in progress. */
interface DepthSample {
  value: number;
  at: number;
  pending: Promise<void> | undefined;
}

/** What a bound session carries: its account (as at bind time) and its slot in the bind registry. */
interface BindContext {
  readonly account: Account;
  readonly token: string;
}

interface AccountRuntime {
  messages: TokenBucket;
  segments: TokenBucket;
  binds: number;
  /** Bind-registry tokens of this instance's live binds. */
  tokens: Set<string>;
  receivers: ServerSession[];
  next: number;
  worker: BusWorker | undefined;
  /** The account's outbox depth, sampled like the route queue's (for `queueHighWater`). */
  outbox: DepthSample;
}

/**
 * Hub's SMPP server for ESMEs. Bind hooks check accounts; request handlers decode, validate, store and
 * enqueue, and return decisions the session turns into responses. Every submit response is sent only
 * after Redis confirmed both the record and its job (on the connector queue when routed at ingest, else
 * on the route queue; a message that ended at routing has its receipt job instead). MO messages and
 * receipts owed to an account are delivered from its outbox queue by whichever instance holds a receiver bind for it.
 */
export class SmppGateway {
  readonly server: SmppServer;
  readonly #o: SmppGatewayOptions;
  readonly #accounts = new Map<string, AccountRuntime>();
  readonly #depth: DepthSample = { value: 0, at: 0, pending: undefined };
  #closing = false;
  #refresh: NodeJS.Timeout | undefined;
  #sweep: NodeJS.Timeout | undefined;
  readonly #ingest: MicroBatcher<IngestWrite> | undefined;
  readonly #write: (items: IngestWrite[]) => Promise<void>;

  constructor(options: SmppGatewayOptions) {
    this.#o = options;
    const store = options.store;
    const putMany =
      typeof (store as Partial<BatchStore>).putMany === 'function'
        ? (msgs: HubMessage[]) => (store as BatchStore).putMany(msgs)
        : (msgs: HubMessage[]) => Promise.all(msgs.map((m) => store.put(m))).then(() => undefined);
    // One pipeline for the records, one addBulk per queue. Jobs on the route queue go out together with
    // the records, as they always did. A job on any other queue waits for its record (one more round
    // trip, no more CPU): the connector worker drops a job whose record it cannot find as purged, and
    // the two writes travel on different connections (after a Redis reconnect either may land first).
    this.#write = async (items) => {
      const byQueue = new Map<string, { queue: QueueDef<HubMessage>; payloads: HubMessage[] }>();
      const reports: NonNullable<IngestWrite['report']>[] = [];
      for (const w of items) {
        if (w.job !== undefined) {
          const g = byQueue.get(w.job.queue.name);
          if (g === undefined)
            byQueue.set(w.job.queue.name, { queue: w.job.queue, payloads: [w.job.payload] });
          else g.payloads.push(w.job.payload);
        }
        if (w.report !== undefined) reports.push(w.report);
      }
      const jobs = () => [
        // The gateway built (and validated) these a moment ago: the worker validates again on dequeue.
        // Due now → shared batch jobs (a cancel_sm then goes by the record's state, see #cancel).
        ...[...byQueue.values()].map((g) =>
          options.bus.enqueueMany(g.queue, g.payloads, { validate: false, batch: true }),
        ),
        // Rare (ended at routing): one at a time, validated, under the per message+state job id.
        ...reports.map((r) => options.bus.enqueue(r.queue, r.payload, { jobId: r.jobId })),
      ];
      const records = putMany(items.map((w) => w.record));
      if (
        reports.length === 0 &&
        (byQueue.size === 0 || (byQueue.size === 1 && byQueue.has(Queues.route.name)))
      )
        await Promise.all([records, ...jobs()]);
      else {
        await records;
        await Promise.all(jobs());
      }
    };
    if (options.ingestBatch !== false)
      this.#ingest = new MicroBatcher<IngestWrite>({ ...options.ingestBatch, flush: this.#write });
    const l = options.listener;
    this.server = new SmppServer({
      onBind: (req) => this.#onBind(req),
      // The ESME left (or the session timed out) while its bind was being checked: free the slot it took.
      onBindAbandoned: (_req, decision) => {
        if (decision.ok) this.#releaseBind(decision.context as BindContext);
      },
      onRequest: (session, pdu) => this.#onRequest(session as ServerSession, pdu),
      systemId: 'hub',
      sessionInitTimeoutMs: l.sessionInitTimeoutMs,
      enquireLinkIntervalMs: l.enquireLinkIntervalMs,
      inactivityTimeoutMs: l.inactivityTimeoutMs,
      responseTimeoutMs: l.responseTimeoutMs,
      windowSize: l.windowSize,
      maxPduLength: Math.min(l.maxPduLength, MAX_PDU_LENGTH),
    });
    if (l.maxPduLength > MAX_PDU_LENGTH)
      options.log.warn(
        { configured: l.maxPduLength, applied: MAX_PDU_LENGTH },
        'listeners.smpp.maxPduLength above the process-wide limit: capped',
      );
    this.server.on('bound', (s) => this.#onBound(s));
    this.server.on('closed', (s, reason) => this.#onClosed(s, reason));
    this.server.on('protocolError', (s, info) =>
      options.log.warn(
        { session: s.id, systemId: s.systemId, kind: info.kind, command: info.command, status: info.status },
        'smpp protocol error',
      ),
    );
    this.server.on('listenerError', (err) => options.log.warn({ err }, 'smpp listener error'));
    const sweepEvery = options.concatSweepIntervalMs ?? 60_000;
    if (sweepEvery > 0 && options.concat.takeStale !== undefined) {
      this.#sweep = setInterval(() => {
        this.sweepStaleConcat().catch((err: unknown) => options.log.warn({ err }, 'concat sweep failed'));
      }, sweepEvery);
      this.#sweep.unref();
    }
    const reg = options.binds;
    if (reg !== undefined) {
      const ttl = (reg as { ttlMs?: number }).ttlMs ?? 60_000;
      this.#refresh = setInterval(
        () => {
          const entries = [...this.#accounts].flatMap(([account, rt]) =>
            [...rt.tokens].map((token) => ({ account, token })),
          );
          if (entries.length > 0)
            reg
              .refresh(entries)
              .catch((err: unknown) => options.log.warn({ err }, 'bind registry refresh failed'));
        },
        Math.max(1000, Math.floor(ttl / 3)),
      );
      this.#refresh.unref();
    }
  }

  /** Starts the plain (and TLS, when configured) listeners; returns the bound addresses. */
  async listen(): Promise<string[]> {
    const l = this.#o.listener;
    const out: string[] = [];
    const a = await this.server.listen({ port: l.port, host: l.host });
    out.push(`smpp://${a.address}:${a.port}`);
    if (l.tls !== undefined && this.#o.tls !== undefined) {
      const t = await this.server.listenTls({ port: l.tls.port, host: l.host, ...this.#o.tls });
      out.push(`smpps://${t.address}:${t.port}`);
    }
    return out;
  }

  /** Stops accepting, unbinds sessions politely, stops outbox workers (in-flight deliveries finish). */
  async close(): Promise<void> {
    this.#closing = true;
    if (this.#refresh !== undefined) clearInterval(this.#refresh);
    if (this.#sweep !== undefined) clearInterval(this.#sweep);
    await this.server.close();
    await this.#ingest?.drain();
    await Promise.all([...this.#accounts.values()].map((a) => a.worker?.close()));
  }

  #runtime(account: Account): AccountRuntime {
    let r = this.#accounts.get(account.id);
    if (r === undefined) {
      r = {
        messages: new TokenBucket(account.throughput.messagesPerSecond),
        segments: new TokenBucket(account.throughput.segmentsPerSecond),
        binds: 0,
        tokens: new Set(),
        receivers: [],
        next: 0,
        worker: undefined,
        outbox: { value: 0, at: 0, pending: undefined },
      };
      this.#accounts.set(account.id, r);
    }
    return r;
  }

  // ---- binds ---------------------------------------------------------------------------------------

  async #onBind(req: { systemId: string; password: string; systemType: string; remoteAddress: string }) {
    if (this.#closing) return { ok: false as const, status: SmppStatus.ESME_RBINDFAIL };
    const account = this.#o.accounts.bySystemId(req.systemId);
    const smpp = account?.smpp;
    if (account === undefined || smpp === undefined)
      return { ok: false as const, status: SmppStatus.ESME_RINVSYSID };
    // Policy before the password: a foreign IP or a disabled account costs no scrypt and learns nothing.
    if (!account.enabled || !this.#o.accounts.ipAllowed(account, req.remoteAddress)) {
      return { ok: false as const, status: SmppStatus.ESME_RBINDFAIL };
    }
    if (!(await this.#o.verifyPassword(req.password, smpp.passwordHash))) {
      return { ok: false as const, status: SmppStatus.ESME_RINVPASWD };
    }
    if (smpp.systemType !== undefined && smpp.systemType !== req.systemType) {
      return { ok: false as const, status: SmppStatus.ESME_RINVSYSTYP };
    }
    const rt = this.#runtime(account);
    const token = `${this.#o.instance}:${randomUUID()}`;
    if (this.#o.binds !== undefined) {
      if (!(await this.#o.binds.acquire(account.id, token, smpp.maxBinds))) {
        return { ok: false as const, status: SmppStatus.ESME_RBINDFAIL };
      }
    } else if (rt.binds >= smpp.maxBinds) {
      return { ok: false as const, status: SmppStatus.ESME_RBINDFAIL };
    }
    rt.binds += 1; // counted at decision time so parallel binds cannot overshoot
    rt.tokens.add(token);
    const context: BindContext = { account, token };
    return { ok: true as const, context };
  }

  /** The session's account as currently configured (accounts reload without a restart). */
  #accountOf(s: ServerSession): Account {
    const ctx = s.context as BindContext;
    return this.#o.accounts.byId(ctx.account.id) ?? ctx.account;
  }

  #onBound(s: ServerSession): void {
    const account = this.#accountOf(s);
    this.#o.log.info(
      { session: s.id, account: account.id, bindType: s.bindType, version: s.interfaceVersion },
      'smpp bound',
    );
    if (s.bindType === 'rx' || s.bindType === 'trx') {
      const rt = this.#runtime(account);
      rt.receivers.push(s);
      // One window's worth of deliveries in flight per receiver bind (they are spread over the binds).
      const concurrency = this.#o.listener.windowSize * rt.receivers.filter((r) => !r.closed).length;
      rt.worker?.setConcurrency(concurrency);
      rt.worker ??= this.#o.bus.worker(Queues.outbox(account.id), (msg) => this.#deliver(account, msg), {
        concurrency,
        lockDurationMs: this.#o.workers?.lockDurationMs ?? 30_000,
        ...(this.#o.workers?.stalledIntervalMs === undefined
          ? {}
          : { stalledIntervalMs: this.#o.workers.stalledIntervalMs }),
      });
    }
  }

  /** Gives back the bind slot `#onBind` took (a bound session that closed, or an abandoned bind). */
  #releaseBind(ctx: BindContext): void {
    const rt = this.#runtime(ctx.account);
    if (!rt.tokens.delete(ctx.token)) return; // already released
    rt.binds = Math.max(0, rt.binds - 1);
    this.#o.binds?.release(ctx.account.id, ctx.token).catch(() => undefined); // lapses by itself otherwise
  }

  #onClosed(s: ServerSession, reason: string): void {
    const ctx = s.context as BindContext | undefined;
    if (ctx === undefined) return;
    const account = ctx.account;
    const rt = this.#runtime(account);
    this.#releaseBind(ctx);
    rt.receivers = rt.receivers.filter((x) => x !== s);
    this.#o.log.info({ session: s.id, account: account.id, reason }, 'smpp session closed');
    if (rt.receivers.length === 0 && rt.worker !== undefined) {
      const w = rt.worker;
      rt.worker = undefined;
      void w.close();
    } else rt.worker?.setConcurrency(this.#o.listener.windowSize * rt.receivers.length);
  }

  // ---- requests from ESMEs -------------------------------------------------------------------------

  async #onRequest(session: ServerSession, pdu: SmppPdu): Promise<RequestDecision> {
    const account = this.#accountOf(session);
    try {
      switch (pdu.command) {
        case 'submit_sm':
        case 'data_sm':
          return await this.#submit(session, account, pdu);
        case 'submit_multi':
          return await this.#submitMulti(session, account, pdu);
        case 'query_sm':
          return await this.#query(account, pdu, session);
        case 'cancel_sm':
          return await this.#cancel(account, pdu);
        case 'replace_sm':
          return await this.#replace(account, pdu);
        default:
          throw new Errors.HUB_ERR_GATEWAY_UNSUPPORTED(pdu.command);
      }
    } catch (err) {
      // 5.0 ESMEs get congestion_state in error responses too: most useful exactly when Hub refuses.
      if (session.interfaceVersion < 0x50 || !isHubError(err)) throw err;
      this.#o.log.info(
        { session: session.id, account: account.id, command: pdu.command, code: err.code },
        'smpp request refused',
      );
      return { status: toSmppStatus(err), congestionState: this.#congestion(account) };
    }
  }

  async #admit(account: Account, segments: number): Promise<void> {
    const limits = account.throughput;
    if (this.#o.rateLimiter !== undefined) {
      const d = await this.#o.rateLimiter.take(`acct:${account.id}`, limits, { messages: 1, segments });
      if (!d.allowed)
        throw new Errors.HUB_ERR_THROTTLED(`account ${account.id}`, {
          details: { retryAfterMs: d.retryAfterMs },
        });
    } else {
      const rt = this.#runtime(account);
      if (!rt.messages.take(1) || !rt.segments.take(segments))
        throw new Errors.HUB_ERR_THROTTLED(`account ${account.id}`);
    }
    // The route queue depth, and per account what Hub holds FOR it, i.e. its outbox (MO and receipts not
    // yet acknowledged). The route and connector queues are shared, so counting one account's share there
    // would need every consumer to decrement a counter; throughput limits bound that share instead.
    const rt = this.#runtime(account);
    const now = Date.now();
    const route = this.#sample(this.#depth, now, () => this.#o.bus.depth(Queues.route));
    const outbox = this.#sample(rt.outbox, now, () => this.#o.bus.depth(Queues.outbox(account.id)));
    if (route !== undefined || outbox !== undefined) await Promise.all([route, outbox]);
    if (this.#depth.value > this.#o.routeQueueHighWater)
      throw new Errors.HUB_ERR_QUEUE_FULL('route queue above its high-water mark');
    if (rt.outbox.value > account.queueHighWater)
      throw new Errors.HUB_ERR_QUEUE_FULL(`account ${account.id} outbox above its high-water mark`);
  }

  /**
   * Keeps `s` at most 250 ms old (cheap, and enough to stop a flood). Only a sample never taken is waited
   * for (and its error fails the submit); later ones are read in the background, one at a time, while
   * submits go on with the previous value: a submit that arrives when the sample is due pays no round
   * trip for it. A failed background read keeps the previous value; the next submit tries again.
   */
  #sample(s: DepthSample, now: number, read: () => Promise<number>): Promise<void> | undefined {
    if (s.pending === undefined && now - s.at > 250) {
      const p = read()
        .then((value) => {
          s.value = value;
          s.at = now;
        })
        .finally(() => {
          s.pending = undefined;
        });
      s.pending = p;
      if (s.at !== 0) p.catch(() => undefined);
    }
    return s.at === 0 ? s.pending : undefined;
  }

  /** congestion_state for 5.0 sessions: the fuller of the route queue and the account's outbox (0–100). */
  #congestion(account?: Account): number {
    const route = this.#depth.value / this.#o.routeQueueHighWater;
    const own =
      account === undefined
        ? 0
        : (this.#accounts.get(account.id)?.outbox.value ?? 0) / account.queueHighWater;
    return Math.min(100, Math.round(Math.max(route, own) * 100));
  }

  async #submit(session: ServerSession, account: Account, pdu: SmppPdu): Promise<RequestDecision> {
    const inbound = decodeSubmit(pdu, account, new Date());
    const id = await this.#accept(session, account, inbound);
    return this.#ok(session, account, id);
  }

  #ok(session: SmppSession, account: Account, id: string): RequestDecision {
    const fields = { message_id: formatId(id, account.idBase) };
    const c = session.interfaceVersion >= 0x50 ? this.#congestion(account) : undefined;
    return c === undefined ? { status: 0, fields } : { status: 0, fields, congestionState: c };
  }

  /** Stores and enqueues one logical message (or one part of it); returns the id to answer with. */
  async #accept(session: ServerSession, account: Account, inbound: InboundSubmit): Promise<string> {
    const origin: Origin = {
      protocol: 'smpp',
      account: account.id,
      instance: this.#o.instance,
      session: session.id,
      systemId: session.systemId ?? account.smpp?.systemId,
      interfaceVersion: session.interfaceVersion,
      remoteAddress: session.remoteAddress,
    };
    if (inbound.options.expireAt !== undefined && inbound.options.expireAt <= Date.now()) {
      throw new Errors.HUB_ERR_SMPP_INVALID_EXPIRY(String(inbound.options.expireAt), 'already expired');
    }
    const newId = this.#o.ids.next();
    if (inbound.concat === undefined) {
      const segments = segmentsOf(inbound.body, inbound.dataCoding, account);
      await this.#admit(account, segments);
      await this.#store(account, newId, origin, inbound, inbound.body, segments, inbound.otherUdh);
      return newId;
    }
    // Each part counts as one message and one segment when it arrives.
    await this.#admit(account, 1);
    const c = inbound.concat;
    const key = `${account.id}:${inbound.from.value}:${inbound.to[0]?.value}:${c.referenceBits}:${c.reference}:${c.total}`;
    const meta: ConcatMeta = {
      origin,
      from: inbound.from,
      to: inbound.to,
      dataCoding: inbound.dataCoding,
      options: inbound.options,
      tlvs: inbound.tlvs,
      ...(inbound.otherUdh === undefined ? {} : { otherUdh: inbound.otherUdh.toString('base64') }),
      referenceBits: c.referenceBits,
      reference: c.reference,
      total: c.total,
    };
    const r = await this.#o.concat.addPart(key, c.seq, c.total, inbound.body, newId, JSON.stringify(meta));
    if (r.parts === undefined) return r.id; // more parts to come: this one is safely in Redis
    try {
      await this.#store(account, r.id, origin, inbound, Buffer.concat(r.parts), c.total, inbound.otherUdh);
    } catch (err) {
      // The parts stay in Redis: the ESME's retry of this part completes the set (or the sweeper forwards it).
      await this.#o.concat.release(key).catch(() => undefined);
      throw err;
    }
    await this.#o.concat
      .complete(key)
      .catch((err: unknown) => this.#o.log.warn({ err, key }, 'concat cleanup failed'));
    return r.id;
  }

  /** Writes the record and its job (see {@link SmppGatewayOptions.routeAtIngest}); resolves once Redis confirmed both. */
  async #store(
    account: Account,
    id: string,
    origin: Origin,
    inbound: Pick<InboundSubmit, 'from' | 'to' | 'dataCoding' | 'options' | 'tlvs'>,
    body: Buffer,
    segments: number,
    udh: Buffer | undefined,
  ): Promise<HubMessage> {
    let text: string | undefined;
    try {
      text = textOf(body, inbound.dataCoding, account);
    } catch {
      // Only reassembled or swept parts get here undecoded: keep the bytes rather than lose an accepted part.
      text = undefined;
    }
    const msg = createMessage(
      {
        id,
        direction: 'mt',
        kind: 'sms',
        origin,
        from: inbound.from,
        to: [...inbound.to],
        content: {
          type: 'sms',
          dataCoding: inbound.dataCoding,
          ...(text === undefined ? {} : { text }),
          bytes: body.toString('base64'),
          ...(udh === undefined ? {} : { udh: udh.toString('base64') }),
          segments,
        },
        options: inbound.options,
        ...(Object.keys(inbound.tlvs).length > 0 ? { extras: { smppTlvs: inbound.tlvs } } : {}),
      },
      Date.now(),
      this.#o.instance,
    );
    const w = this.#ingestWrites(msg, Date.now());
    // Ack only after Redis has both the record and the job.
    if (this.#ingest !== undefined) await this.#ingest.add(w);
    else await this.#write([w]);
    this.#o.log.debug?.({ id: msg.id, account: account.id, session: origin.session }, 'submit accepted');
    return w.record;
  }

  /** The writes of a message built just now (`ingestWrites` of @hub/router); only MT is routed here. */
  #ingestWrites(msg: HubMessage, now: number): IngestWrite {
    return ingestWrites(msg.direction === 'mt' ? this.#o.routeAtIngest : undefined, msg, now, this.#o.log);
  }

  /**
   * Forwards concatenated messages whose parts stopped arriving `staleMs` ago (default: the configured
   * sweep age): each received part becomes a message of its own with its concatenation UDH, so the handset
   * can still join what arrives. The first part keeps the logical id (the one the ESME holds, so its
   * receipt matches); the others get new ids and no receipt. Returns how many sets were forwarded.
   * A part that cannot be stored is logged and lost only if Redis fails mid-way (it was already removed).
   */
  async sweepStaleConcat(staleMs = this.#o.concatStaleMs ?? 300_000): Promise<number> {
    const take = this.#o.concat.takeStale?.bind(this.#o.concat);
    if (take === undefined) return 0;
    const sets = await take(staleMs);
    for (const set of sets) {
      let meta: ConcatMeta;
      try {
        meta = JSON.parse(set.meta) as ConcatMeta;
      } catch {
        this.#o.log.error(
          { key: set.key, id: set.id },
          'stale concatenation without metadata: parts dropped',
        );
        continue;
      }
      const account =
        (meta.origin.account === undefined ? undefined : this.#o.accounts.byId(meta.origin.account)) ??
        undefined;
      const seqs = [...set.parts.keys()].sort((a, b) => a - b);
      let first = true;
      for (const seq of seqs) {
        const other =
          meta.otherUdh === undefined
            ? []
            : (parseUdh(Buffer.from(meta.otherUdh, 'base64')).elements as UdhElement[]);
        const udh = buildUdh([
          concatElement({
            reference: meta.reference,
            total: meta.total,
            seq,
            referenceBits: meta.referenceBits,
          }),
          ...other,
        ]);
        const id = first ? set.id : this.#o.ids.next();
        const options: Options = first
          ? meta.options
          : { ...meta.options, receipt: 'none', intermediate: false };
        first = false;
        try {
          await this.#store(
            account ?? ({ smpp: undefined } as unknown as Account),
            id,
            meta.origin,
            { from: meta.from, to: meta.to, dataCoding: meta.dataCoding, options, tlvs: meta.tlvs },
            set.parts.get(seq) as Buffer,
            1,
            udh,
          );
        } catch (err) {
          this.#o.log.error({ err, key: set.key, id, seq }, 'forwarding a stale concatenation part failed');
        }
      }
      this.#o.log.warn(
        { key: set.key, id: set.id, received: seqs, total: meta.total },
        'incomplete concatenated message forwarded as parts',
      );
    }
    return sets.length;
  }

  async #submitMulti(session: ServerSession, account: Account, pdu: SmppPdu): Promise<RequestDecision> {
    const list = (pdu.fields.dest_address as Array<Record<string, unknown>> | undefined) ?? [];
    if (list.length === 0 || list.length > 255) {
      throw new Errors.HUB_ERR_GATEWAY_TOO_MANY_DESTINATIONS(`${list.length} (1..255 allowed)`);
    }
    const good: Address[] = [];
    const unsuccess: Array<Record<string, unknown>> = [];
    for (const d of list) {
      const raw = String(d.destination_addr ?? d.dl_name ?? '');
      const ton = Number(d.dest_addr_ton ?? 0);
      const npi = Number(d.dest_addr_npi ?? 0);
      if (d.dl_name !== undefined) {
        // Distribution lists are an SMSC-side feature Hub does not keep.
        unsuccess.push({
          dest_addr_ton: ton,
          dest_addr_npi: npi,
          destination_addr: raw,
          error_status_code: SmppStatus.ESME_RINVDSTADR,
        });
        continue;
      }
      try {
        good.push(address(raw, ton, npi, 'destination'));
      } catch (err) {
        unsuccess.push({
          dest_addr_ton: ton,
          dest_addr_npi: npi,
          destination_addr: raw,
          error_status_code: toSmppStatus(err),
        });
      }
    }
    if (good.length === 0) {
      return { status: SmppStatus.ESME_RINVDSTADR, fields: { message_id: '', unsuccess_sme: unsuccess } };
    }
    const inbound = decodeSubmit(pdu, account, new Date(), good);
    const id = await this.#accept(session, account, inbound);
    const ok = this.#ok(session, account, id);
    return { ...ok, fields: { ...ok.fields, unsuccess_sme: unsuccess } };
  }

  async #owned(account: Account, rawId: unknown): Promise<HubMessage> {
    const id = parseId(String(rawId ?? ''), account.idBase);
    const msg = id === undefined ? undefined : await this.#o.store.get(id);
    // Another account's message is "unknown" to this one: no information leaks across accounts.
    if (msg === undefined || msg.origin.account !== account.id)
      throw new Errors.HUB_ERR_NOT_FOUND('message', String(rawId));
    return msg;
  }

  async #query(account: Account, pdu: SmppPdu, session: SmppSession): Promise<RequestDecision> {
    const msg = await this.#owned(account, pdu.fields.message_id);
    const scheduled = msg.options.scheduleAt !== undefined && msg.options.scheduleAt > Date.now();
    const final = isFinal(msg.state);
    return {
      status: 0,
      fields: {
        message_id: formatId(msg.id, account.idBase),
        final_date: final ? smppAbsolute(new Date(msg.updatedAt)) : '',
        message_state: queryState(msg.state, scheduled, session.interfaceVersion >= 0x50),
        error_code: 0,
      },
    };
  }

  async #cancel(account: Account, pdu: SmppPdu): Promise<RequestDecision> {
    const msg = await this.#owned(account, pdu.fields.message_id);
    if (isFinal(msg.state)) throw new Errors.HUB_ERR_CANCEL_FAILED(msg.id, `already ${msg.state}`);
    // Only a message still waiting in a queue can be withdrawn; one in flight upstream cannot.
    const removed =
      (await this.#o.bus.remove(Queues.route, msg.id)) ||
      (msg.route !== undefined && (await this.#o.bus.remove(Queues.connector(msg.route.connector), msg.id)));
    const info = { by: this.#o.instance, detail: 'cancel_sm' };
    if (removed) await this.#o.store.transition(msg.id, 'deleted', 'cancel', info);
    // Due now, it waits in a shared batch job: cancelled by its state unless a connector took it.
    else if ((await this.#o.store.withdraw?.(msg.id, 'deleted', 'cancel', info)) === undefined)
      throw new Errors.HUB_ERR_CANCEL_FAILED(msg.id, 'already sent upstream');
    return { status: 0 };
  }

  async #replace(account: Account, pdu: SmppPdu): Promise<RequestDecision> {
    const msg = await this.#owned(account, pdu.fields.message_id);
    if (msg.state !== 'accepted' && msg.state !== 'routed')
      throw new Errors.HUB_ERR_REPLACE_FAILED(msg.id, `already ${msg.state}`);
    const removed =
      (await this.#o.bus.remove(Queues.route, msg.id)) ||
      (msg.route !== undefined && (await this.#o.bus.remove(Queues.connector(msg.route.connector), msg.id)));
    if (!removed) throw new Errors.HUB_ERR_REPLACE_FAILED(msg.id, 'already sent upstream');
    // replace_sm carries no data_coding: the new text keeps the original's coding.
    const view = {
      command: 'submit_sm',
      fields: {
        ...pdu.fields,
        destination_addr: msg.to[0]?.original ?? '',
        dest_addr_ton: msg.to[0]?.ton ?? 0,
        dest_addr_npi: msg.to[0]?.npi ?? 0,
        data_coding: msg.content.type === 'sms' ? msg.content.dataCoding : 0,
        esm_class: 0,
      },
      tlvs: {},
      unknownTlvs: new Map<number, Buffer>(),
    };
    const inbound = decodeSubmit(view, account, new Date(), msg.to);
    const segments = segmentsOf(inbound.body, inbound.dataCoding, account);
    const text = textOf(inbound.body, inbound.dataCoding, account);
    const replaced: HubMessage = {
      ...msg,
      state: 'accepted',
      content: {
        type: 'sms',
        dataCoding: inbound.dataCoding,
        ...(text === undefined ? {} : { text }),
        bytes: inbound.body.toString('base64'),
        segments,
      },
      options: {
        ...msg.options,
        receipt: inbound.options.receipt,
        ...(inbound.options.scheduleAt === undefined ? {} : { scheduleAt: inbound.options.scheduleAt }),
        ...(inbound.options.expireAt === undefined ? {} : { expireAt: inbound.options.expireAt }),
      },
    };
    // Routed again like a new submit (the new text may match other routes), under the same job id as
    // the original (removed above), so a later cancel_sm still finds it.
    await this.#write([this.#ingestWrites(validateMessage(replaced), Date.now())]);
    return { status: 0 };
  }

  // ---- deliveries to ESMEs (MO and receipts) -------------------------------------------------------

  #pick(account: Account): ServerSession | undefined {
    const rt = this.#runtime(account);
    const live = rt.receivers.filter((s) => !s.closed);
    if (live.length === 0) return undefined;
    rt.next = (rt.next + 1) % live.length;
    return live[rt.next];
  }

  async #deliver(account: Account, msg: HubMessage): Promise<void> {
    const session = this.#pick(account);
    // No receiver here any more: pause and let the job go back; another instance (or a rebind) takes it.
    if (session === undefined)
      throw new Errors.HUB_ERR_THROTTLED('no receiver bound', { details: { retryAfterMs: 1000 } });
    const built = buildDeliver(msg, account);
    const command =
      msg.class === 'report' && account.smpp?.receiptPdu === 'data_sm' ? 'data_sm' : 'deliver_sm';
    const { fields, tlvs } = command === 'data_sm' ? asDataSm(built) : built;
    let resp: SmppPdu;
    try {
      resp = await session.request(command, fields, { tlvs });
    } catch (err) {
      throw new Errors.HUB_ERR_INTERNAL(`deliver_sm to ${account.id} failed: ${(err as Error).message}`, {
        cause: err,
      });
    }
    if (resp.status === SmppStatus.ESME_RX_P_APPN || resp.status === SmppStatus.ESME_RX_R_APPN) {
      // The ESME refuses it for good: record and do not retry.
      this.#o.log.warn(
        { account: account.id, id: msg.id, status: resp.status },
        'ESME rejected delivery permanently',
      );
      await this.#stampDelivered(msg, `rejected by ESME (0x${resp.status.toString(16)})`);
      return;
    }
    if (resp.status !== 0) throw new Errors.HUB_ERR_INTERNAL(`ESME answered 0x${resp.status.toString(16)}`);
    await this.#stampDelivered(msg);
  }

  async #stampDelivered(msg: HubMessage, detail?: string): Promise<void> {
    const target = msg.class === 'report' ? msg.report?.messageId : msg.id;
    if (target === undefined) return;
    try {
      await this.#o.store.stamp(
        target,
        msg.class === 'report' ? 'receipt_delivered' : 'delivered_to_client',
        {
          by: this.#o.instance,
          ...(detail === undefined ? {} : { detail }),
        },
      );
    } catch (err) {
      if (!isHubError(err, 'HUB_ERR_NOT_FOUND')) throw err;
    }
  }
}

/**
 * message_state for query_sm_resp. A message still waiting in Hub is ENROUTE (or SCHEDULED on 5.0): SMPP's
 * ACCEPTED (6) means "read on the subscriber's behalf by customer service", which ESMEs do not expect for
 * a queued message (the receipt mapping in @hub/message keeps ACCEPTD for its own reasons).
 */
function queryState(state: HubMessage['state'], scheduled: boolean, v5: boolean): number {
  if (state === 'accepted' || state === 'routed') return scheduled && v5 ? 0 : 1;
  return toSmppMessageState(state, { scheduled, v5 });
}

function smppAbsolute(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCFullYear() % 100)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}000+`;
}

const addrFields = (a: Address | undefined): { ton: number; npi: number; value: string } => {
  if (a === undefined) return { ton: 0, npi: 0, value: '' };
  if (a.ton !== undefined) return { ton: a.ton, npi: a.npi ?? 0, value: a.original.trim() };
  switch (a.kind) {
    case 'e164':
      return { ton: 1, npi: 1, value: a.value.slice(1) };
    case 'alnum':
      return { ton: 5, npi: 0, value: a.value };
    case 'short':
      return { ton: 3, npi: 0, value: a.value };
    default:
      return { ton: 0, npi: 0, value: a.value };
  }
};

/**
 * The deliver_sm for an MO message or a receipt. Receipts follow the usual text format exactly, with
 * esm_class 0x04 and the receipted_message_id / message_state TLVs (dropped by the session for 3.3 ESMEs);
 * the id is the one the ESME got in its submit response.
 */
export function buildDeliver(
  msg: HubMessage,
  account: Account,
): { fields: Record<string, unknown>; tlvs: Record<string, unknown> } {
  const src = addrFields(msg.from);
  const dst = addrFields(msg.to[0]);
  const base = {
    source_addr_ton: src.ton,
    source_addr_npi: src.npi,
    source_addr: src.value,
    dest_addr_ton: dst.ton,
    dest_addr_npi: dst.npi,
    destination_addr: dst.value,
  };
  if (msg.class === 'report' && msg.report !== undefined) {
    const r = msg.report;
    const id = formatId(r.messageId, account.idBase);
    const err = (r.error ?? '0').replace(/[^0-9A-Za-z]/g, '').slice(-3) || '0';
    const text = formatReceipt({
      id,
      sub: 1,
      dlvrd: r.state === 'delivered' ? 1 : 0,
      submitDate: new Date(r.submittedAt ?? r.at),
      doneDate: new Date(r.at),
      stat: toSmppStat(r.state),
      err,
      // The receipt travels as data_coding 0 and is parsed as ASCII by every ESME: other characters
      // (the original's £, Cyrillic, emoji...) would go out as arbitrary octets, so they become '?'.
      text: msg.content.type === 'sms' ? asciiFold(msg.content.text ?? '') : '',
    });
    return {
      fields: { ...base, esm_class: 0x04, data_coding: 0, short_message: Buffer.from(text, 'latin1') },
      tlvs: { receipted_message_id: id, message_state: toSmppMessageState(r.state) },
    };
  }
  const c = msg.content;
  if (c.type !== 'sms') throw new Errors.HUB_ERR_GATEWAY_UNSUPPORTED('MMS content to an SMPP account');
  let bytes = Buffer.from(c.bytes, 'base64');
  let esmClass = 0;
  if (c.udh !== undefined) {
    bytes = Buffer.concat([Buffer.from(c.udh, 'base64'), bytes]);
    esmClass |= 0x40;
  }
  const long = bytes.length > 254;
  return {
    fields: {
      ...base,
      esm_class: esmClass,
      data_coding: c.dataCoding,
      short_message: long ? Buffer.alloc(0) : bytes,
    },
    tlvs: long ? { message_payload: bytes } : {},
  };
}

/** Printable ASCII only: anything else, one code point at a time, becomes '?'. */
function asciiFold(text: string): string {
  return text.replace(/[^\x20-\x7e]/gu, '?');
}

/** data_sm has no short_message: the receipt text travels in message_payload. */
function asDataSm(d: { fields: Record<string, unknown>; tlvs: Record<string, unknown> }): typeof d {
  const { short_message: sm, ...fields } = d.fields;
  return { fields, tlvs: { ...d.tlvs, message_payload: sm } };
}
