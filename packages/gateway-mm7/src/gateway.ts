import { type Bus, type BusWorker, Queues } from '@hub/bus';
import type { Account } from '@hub/config';
import { Errors } from '@hub/errors';
import {
  createMessage,
  formatId,
  type HubMessage,
  type IdGenerator,
  isFinal,
  type MmsPart,
  parseId,
} from '@hub/message';
import {
  type DecodedMm7Request,
  decodeMm7Request,
  type Mm7CancelReq,
  type Mm7ReplaceReq,
  type Mm7SenderIdentification,
  type Mm7SubmitReq,
} from '@hub/mm7';
import { enqueueIngestJobs, type IngestRouting, ingestWrites, type RouteDecider } from '@hub/router';
import type { VaspDirectory } from './accounts.js';
import {
  type FlatContent,
  flattenContent,
  submitExtras,
  submitOptions,
  submitRecipients,
  submitSender,
  timeOf,
} from './inbound.js';
import { VaspDelivery, type VaspDeliveryOptions } from './outbox.js';
import type { ContentStore, Mm7Logger, Mm7MessageStore } from './ports.js';

/** Options of {@link Mm7Gateway}. */
export interface Mm7GatewayOptions {
  readonly accounts: VaspDirectory;
  readonly store: Mm7MessageStore;
  readonly bus: Bus;
  /** Where MMS part bytes go (`@hub/store` TieredContentStore: Redis for small, files for large). */
  readonly content: ContentStore;
  readonly ids: IdGenerator;
  /** Checks a password against the account's stored hash (`verifySecret` of `@hub/store`). */
  readonly verifyPassword: (plain: string, hash: string) => Promise<boolean>;
  readonly instance: string;
  readonly log: Mm7Logger;
  /** Route queue depth above which submits are refused (3001) until the router catches up. */
  readonly routeQueueHighWater: number;
  /** Parts up to this size stay inline (base64) in the record and the jobs; larger go to `content` (default 2048). */
  readonly inlineMaxBytes?: number;
  /** Outbox delivery to VASPs (timeouts, relay server id, concurrency). */
  readonly delivery?: VaspDeliveryOptions;
  /**
   * Routing at ingest (config `routing.atIngest`, on by default in `hub start mm7`): each SubmitReq due
   * now goes through this route table (the router's, kept current by `startRouteTable` in @hub/router)
   * before its record is written, so the record is stored already `routed` and the job goes straight on
   * `connector:<id>`, skipping the route queue and the router's hop. A message the table rejects (or one
   * already expired) is still accepted, its record written final with the report owed, as the router
   * would do. Scheduled submits (EarliestDeliveryTime in the future) still go through the route queue.
   * Without it every submit goes on the route queue.
   */
  readonly routeAtIngest?: RouteDecider;
}

/** One accepted message's writes: its record, its job, and the report owed when it ended at ingest. */
type IngestWrite = Omit<IngestRouting, 'plan'>;

/** What a handled request is answered with (the HTTP layer encodes it, echoing the request's envelope). */
export type Mm7Decision =
  | { readonly type: 'SubmitRsp'; readonly messageId: string }
  | { readonly type: 'CancelRsp' }
  | { readonly type: 'ReplaceRsp' };

/** Facts about the HTTP request a handler may record. */
export interface Mm7RequestMeta {
  readonly remoteAddress: string;
}

// Request bodies carry the content base64-encoded inside MIME, plus the SOAP part.
const BODY_SLACK = 64 * 1024;

/** Largest HTTP body accepted for an account: its content limit with base64 overhead and SOAP slack. */
export function bodyLimitFor(maxContentBytes: number): number {
  return Math.ceil((maxContentBytes * 4) / 3) + BODY_SLACK;
}

class TokenBucket {
  #tokens: number;
  #last = Date.now();
  constructor(private readonly rate: number) {
    this.#tokens = rate;
  }
  take(): boolean {
    if (this.rate <= 0) return true;
    const now = Date.now();
    this.#tokens = Math.min(this.rate, this.#tokens + ((now - this.#last) / 1000) * this.rate);
    this.#last = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}

/**
 * Hub's MM7 relay/server side toward VASPs, without HTTP: authenticates, decodes, and handles SubmitReq,
 * CancelReq and ReplaceReq, returning decisions (or throwing catalog HubErrors whose MM7 StatusCode the
 * HTTP layer answers with). A SubmitRsp is decided only after Redis confirmed the message record and the
 * route job. Delivery to VASPs (MO, delivery reports, read replies) runs from each account's outbox queue
 * once {@link Mm7Gateway.startDelivery} was called.
 */
export class Mm7Gateway {
  readonly #o: Mm7GatewayOptions;
  readonly #buckets = new Map<string, TokenBucket>();
  readonly #workers = new Map<string, BusWorker>();
  readonly #delivery: VaspDelivery;
  #depth = { value: 0, at: 0 };
  #closing = false;
  #sync: Promise<unknown> = Promise.resolve();

  constructor(options: Mm7GatewayOptions) {
    this.#o = options;
    this.#delivery = new VaspDelivery({
      store: options.store,
      content: options.content,
      log: options.log,
      instance: options.instance,
      ...options.delivery,
    });
  }

  /** The account directory (replace it on configuration change). */
  get accounts(): VaspDirectory {
    return this.#o.accounts;
  }

  /** True once {@link close} began: requests are answered 4006. */
  get closing(): boolean {
    return this.#closing;
  }

  // ---- authentication ------------------------------------------------------------------------------

  /**
   * Resolves the account of an HTTP Basic `Authorization` header and checks the IP allowlist.
   * Throws `HUB_ERR_GATEWAY_MM7_AUTH_REQUIRED` / `_BAD_CREDENTIALS` (4001, HTTP 401),
   * `HUB_ERR_GATEWAY_MM7_RESTRICTED` (2001) for a disabled account or a refused address,
   * `HUB_ERR_GATEWAY_MM7_UNAVAILABLE` (4006) while shutting down.
   */
  async authenticate(authorization: string | undefined, remoteAddress: string): Promise<Account> {
    if (this.#closing) throw new Errors.HUB_ERR_GATEWAY_MM7_UNAVAILABLE('shutting down');
    const m = /^\s*Basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(authorization ?? '');
    if (m?.[1] === undefined) throw new Errors.HUB_ERR_GATEWAY_MM7_AUTH_REQUIRED();
    const decoded = Buffer.from(m[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw new Errors.HUB_ERR_GATEWAY_MM7_AUTH_REQUIRED();
    const username = decoded.slice(0, colon);
    const password = decoded.slice(colon + 1);
    const account = this.#o.accounts.byUsername(username);
    const mm7 = account?.mm7;
    if (account === undefined || mm7 === undefined) throw new Errors.HUB_ERR_GATEWAY_MM7_BAD_CREDENTIALS();
    let ok = false;
    try {
      ok = await this.#o.verifyPassword(password, mm7.passwordHash);
    } catch (err) {
      // A stored hash Hub cannot read is a configuration error: refuse the login, tell the operator.
      this.#o.log.error({ err, account: account.id }, 'mm7 account password hash unreadable');
    }
    if (!ok) throw new Errors.HUB_ERR_GATEWAY_MM7_BAD_CREDENTIALS();
    if (!account.enabled) throw new Errors.HUB_ERR_GATEWAY_MM7_RESTRICTED(account.id, 'account disabled');
    if (!this.#o.accounts.ipAllowed(account, remoteAddress)) {
      throw new Errors.HUB_ERR_GATEWAY_MM7_RESTRICTED(account.id, `address ${remoteAddress} not allowed`);
    }
    return account;
  }

  // ---- requests ------------------------------------------------------------------------------------

  /**
   * Decodes an HTTP body for `account`: refuses bodies above the account's limit (2004) before parsing,
   * then the codec's statuses (4004 with the parser's reason, 4002, 4003, 2002, 2007).
   */
  decode(account: Account, contentType: string | undefined, body: Buffer): DecodedMm7Request {
    const limit = bodyLimitFor(account.mm7?.maxContentBytes ?? 0);
    if (body.length > limit) {
      throw new Errors.HUB_ERR_GATEWAY_MM7_CONTENT_TOO_LARGE(
        `request of ${body.length} bytes exceeds ${limit}`,
      );
    }
    return decodeMm7Request(contentType, body, { mime: { maxBytes: limit } });
  }

  /**
   * Handles a decoded request of `account`. Throws catalog HubErrors (the HTTP layer answers RSErrorRsp
   * with their StatusCode); unknown errors are answered 3000.
   */
  async handle(account: Account, req: DecodedMm7Request, meta: Mm7RequestMeta): Promise<Mm7Decision> {
    if (this.#closing) throw new Errors.HUB_ERR_GATEWAY_MM7_UNAVAILABLE('shutting down');
    const m = req.message;
    switch (m.type) {
      case 'SubmitReq':
        this.#identify(account, m.senderIdentification);
        return { type: 'SubmitRsp', messageId: await this.#submit(account, req, m, meta) };
      case 'CancelReq':
        this.#identify(account, m.senderIdentification);
        await this.#cancel(account, m);
        return { type: 'CancelRsp' };
      case 'ReplaceReq':
        this.#identify(account, m.senderIdentification);
        await this.#replace(account, req, m);
        return { type: 'ReplaceRsp' };
      default:
        // DeliverReq, reports and responses travel the other way: a VASP must not post them here.
        throw new Errors.HUB_ERR_MM7_OPERATION_UNSUPPORTED(`${m.type} (not accepted from a VASP)`);
    }
  }

  #identify(account: Account, si: Mm7SenderIdentification): void {
    const mm7 = account.mm7;
    if (mm7 === undefined) throw new Errors.HUB_ERR_GATEWAY_MM7_BAD_CREDENTIALS();
    const vaspId = si.vaspId?.trim();
    if (vaspId !== mm7.vaspId) {
      throw new Errors.HUB_ERR_GATEWAY_MM7_VASP_MISMATCH(`VASPID ${JSON.stringify(vaspId ?? null)}`);
    }
    const vasId = si.vasId?.trim();
    if (mm7.vasIds.length > 0 && (vasId === undefined || !mm7.vasIds.includes(vasId))) {
      throw new Errors.HUB_ERR_GATEWAY_MM7_VASP_MISMATCH(`VASID ${JSON.stringify(vasId ?? null)}`);
    }
  }

  async #admit(account: Account): Promise<void> {
    let b = this.#buckets.get(account.id);
    if (b === undefined) {
      b = new TokenBucket(account.throughput.messagesPerSecond);
      this.#buckets.set(account.id, b);
    }
    if (!b.take()) throw new Errors.HUB_ERR_THROTTLED(`account ${account.id}`);
    // Sampled at most every 250 ms: cheap, and enough to stop a flood while the router is behind.
    const now = Date.now();
    if (now - this.#depth.at > 250) this.#depth = { value: await this.#o.bus.depth(Queues.route), at: now };
    if (this.#depth.value > this.#o.routeQueueHighWater)
      throw new Errors.HUB_ERR_QUEUE_FULL('route queue above its high-water mark');
  }

  /** Checks content size and references; throws 2004 for too large or nothing resolvable. */
  #content(account: Account, req: DecodedMm7Request): FlatContent {
    const hrefs = 'content' in req.message ? req.message.content : [];
    if (hrefs.length > 0 && req.attachments.length === 0) {
      throw new Errors.HUB_ERR_GATEWAY_MM7_CONTENT_UNRESOLVED(
        JSON.stringify(req.unresolved[0]?.href ?? hrefs[0]?.href),
      );
    }
    const flat = flattenContent(req.attachments);
    const max = account.mm7?.maxContentBytes ?? 0;
    if (flat.totalBytes > max) {
      throw new Errors.HUB_ERR_GATEWAY_MM7_CONTENT_TOO_LARGE(
        `${flat.totalBytes} bytes of content exceed the account limit of ${max}`,
      );
    }
    return flat;
  }

  /** Stores each leaf: small ones inline, the rest in the content store. */
  async #storeParts(flat: FlatContent): Promise<MmsPart[]> {
    const inlineMax = this.#o.inlineMaxBytes ?? 2048;
    return await Promise.all(
      flat.leaves.map(async (l): Promise<MmsPart> => {
        const base = {
          contentType: l.contentType,
          ...(l.contentId === undefined ? {} : { contentId: l.contentId }),
          ...(l.location === undefined ? {} : { location: l.location }),
          ...(l.charset === undefined ? {} : { charset: l.charset }),
          size: l.body.length,
        };
        if (l.body.length <= inlineMax) return { ...base, inline: l.body.toString('base64') };
        return { ...base, ref: await this.#o.content.put(l.body, { contentType: l.contentType }) };
      }),
    );
  }

  async #submit(
    account: Account,
    req: DecodedMm7Request,
    m: Mm7SubmitReq,
    meta: Mm7RequestMeta,
  ): Promise<string> {
    const now = Date.now();
    // Validate everything the VASP can get wrong before touching Redis.
    const recipients = submitRecipients(m);
    const from = submitSender(m);
    const options = submitOptions(m, now);
    const flat = this.#content(account, req);
    await this.#admit(account);
    const parts = await this.#storeParts(flat);
    const env = req.envelope;
    const extras: Record<string, unknown> = {
      ...submitExtras(m),
      ...(env.namespace === undefined ? {} : { namespace: env.namespace }),
      ...(env.version === undefined ? {} : { version: env.version }),
      ...(recipients.displayOnly.length === 0 ? {} : { displayOnly: recipients.displayOnly }),
      ...(req.unresolved.length === 0 ? {} : { unresolvedContent: req.unresolved.map((r) => r.href) }),
    };
    const si = m.senderIdentification;
    const msg = createMessage(
      {
        id: this.#o.ids.next(),
        direction: 'mt',
        kind: 'mms',
        origin: {
          protocol: 'mm7',
          account: account.id,
          instance: this.#o.instance,
          ...(si.vaspId === undefined ? {} : { vaspId: si.vaspId.trim() }),
          ...(si.vasId === undefined || si.vasId.trim() === '' ? {} : { vasId: si.vasId.trim() }),
          ...(env.transactionId === undefined ? {} : { transactionId: env.transactionId.slice(0, 256) }),
          remoteAddress: meta.remoteAddress.slice(0, 64),
        },
        from,
        to: recipients.to,
        ...(recipients.cc.length === 0 ? {} : { cc: recipients.cc }),
        ...(recipients.bcc.length === 0 ? {} : { bcc: recipients.bcc }),
        content: {
          type: 'mms',
          ...(m.subject === undefined ? {} : { subject: m.subject }),
          ...(flat.contentType === undefined ? {} : { contentType: flat.contentType }),
          ...(flat.start === undefined ? {} : { start: flat.start }),
          parts,
        },
        options,
        extras: { mm7: extras },
      },
      now,
      this.#o.instance,
    );
    await this.#write(ingestWrites(this.#o.routeAtIngest, msg, now, this.#o.log));
    return formatId(msg.id, account.idBase);
  }

  /**
   * Writes an accepted message; resolves once Redis has the record, its job and the report owed, so the
   * SubmitRsp is only sent for a message that is durable. A job on the route queue goes out with the
   * record; one on a connector queue or an outbox waits for its record (the connector worker drops a job
   * whose record it cannot find, and the two writes travel on different connections). Jobs arriving
   * together share one (Bus.enqueueBatched). The message was validated by createMessage a moment ago; its
   * worker validates it again on dequeue.
   */
  async #write(w: IngestWrite): Promise<void> {
    const job = w.job;
    const enqueue = (): Promise<unknown> => enqueueIngestJobs(this.#o.bus, w);
    if (job?.queue.name === Queues.route.name && w.report === undefined)
      await Promise.all([this.#o.store.put(w.record), enqueue()]);
    else {
      await this.#o.store.put(w.record);
      await enqueue();
    }
  }

  async #owned(account: Account, rawId: string): Promise<HubMessage> {
    const id = parseId(rawId, account.idBase);
    const msg = id === undefined ? undefined : await this.#o.store.get(id);
    // Another account's message is "not found" for this one: nothing leaks across accounts.
    if (msg === undefined || msg.origin.account !== account.id)
      throw new Errors.HUB_ERR_NOT_FOUND('message', rawId.trim().slice(0, 64));
    return msg;
  }

  /** Withdraws a message still waiting in the route or its connector queue; in flight upstream it cannot be. */
  async #withdraw(msg: HubMessage): Promise<boolean> {
    if (await this.#o.bus.remove(Queues.route, msg.id)) return true;
    return (
      msg.route !== undefined && (await this.#o.bus.remove(Queues.connector(msg.route.connector), msg.id))
    );
  }

  async #cancel(account: Account, m: Mm7CancelReq): Promise<void> {
    const msg = await this.#owned(account, m.messageId);
    if (isFinal(msg.state))
      throw new Errors.HUB_ERR_GATEWAY_MM7_NOT_POSSIBLE('cancel', m.messageId, `already ${msg.state}`);
    const info = { by: this.#o.instance, detail: 'MM7 CancelReq' };
    if (await this.#withdraw(msg)) await this.#o.store.transition(msg.id, 'deleted', 'cancel', info);
    // Due now, it waits in a shared batch job: cancelled by its state unless a connector took it.
    else if ((await this.#o.store.withdraw?.(msg.id, 'deleted', 'cancel', info)) === undefined)
      throw new Errors.HUB_ERR_GATEWAY_MM7_NOT_POSSIBLE('cancel', m.messageId, 'already sent on');
  }

  async #replace(account: Account, req: DecodedMm7Request, m: Mm7ReplaceReq): Promise<void> {
    const msg = await this.#owned(account, m.messageId);
    if (msg.state !== 'accepted' && msg.state !== 'routed') {
      throw new Errors.HUB_ERR_GATEWAY_MM7_NOT_POSSIBLE('replace', m.messageId, `already ${msg.state}`);
    }
    const flat = m.content.length > 0 ? this.#content(account, req) : undefined;
    if (!(await this.#withdraw(msg)))
      throw new Errors.HUB_ERR_GATEWAY_MM7_NOT_POSSIBLE('replace', m.messageId, 'already sent on');
    const now = Date.now();
    const scheduleAt = timeOf(m.earliestDeliveryTime, now);
    const oldContent = msg.content;
    const content =
      flat === undefined || msg.content.type !== 'mms'
        ? msg.content
        : {
            ...msg.content,
            contentType: flat.contentType,
            start: flat.start,
            parts: await this.#storeParts(flat),
          };
    const replaced: HubMessage = {
      ...msg,
      state: 'accepted',
      route: undefined,
      content: stripUndefined(content),
      options: {
        ...msg.options,
        ...(scheduleAt === undefined ? {} : { scheduleAt }),
        ...(m.readReply === undefined ? {} : { readReply: m.readReply }),
        ...(m.serviceCode === undefined ? {} : { serviceCode: m.serviceCode }),
        ...(m.distributionIndicator === undefined ? {} : { distributionIndicator: m.distributionIndicator }),
      },
      extras: { ...msg.extras, mm7: { ...msg.extras?.mm7, ...submitExtras(m), replacedAt: now } },
      updatedAt: now,
    };
    // The withdrawn job is gone, so the message goes back to the router under its usual job id.
    await Promise.all([this.#o.store.put(replaced), this.#o.bus.enqueue(Queues.route, replaced)]);
    if (flat !== undefined && oldContent.type === 'mms') {
      for (const p of oldContent.parts) {
        if (p.ref !== undefined) await this.#o.content.delete(p.ref).catch(() => undefined);
      }
    }
  }

  // ---- delivery to VASPs ---------------------------------------------------------------------------

  /**
   * Starts one outbox worker per account with `mm7.deliveryUrl` (MO messages, delivery reports, read
   * replies). Idempotent per account; does nothing after {@link close}. Returns the account ids served.
   * After an account change, call {@link syncDelivery} instead, which also stops workers.
   */
  startDelivery(): string[] {
    const served: string[] = [];
    for (const account of this.#o.accounts.all()) {
      if (account.mm7?.deliveryUrl === undefined) continue;
      served.push(account.id);
      if (this.#closing || this.#workers.has(account.id)) continue;
      this.#workers.set(account.id, this.#outboxWorker(account.id));
    }
    return served;
  }

  /**
   * Makes the outbox workers match the account directory after it was replaced: starts workers for
   * accounts that gained a `deliveryUrl`, stops (letting in-flight deliveries finish) those of accounts
   * that lost it or were removed — their reports stay queued until a URL is configured again. URL and
   * credential edits need no restart (read per job). Calls are serialised; never rejects (a worker that
   * fails to close is logged). Resolves with the account ids served.
   */
  syncDelivery(): Promise<string[]> {
    const run = this.#sync.then(async () => {
      const stops: Array<[string, BusWorker]> = [];
      for (const [id, w] of this.#workers) {
        if (this.#o.accounts.byId(id)?.mm7?.deliveryUrl === undefined) stops.push([id, w]);
      }
      for (const [id] of stops) this.#workers.delete(id);
      const before = new Set(this.#workers.keys());
      const served = this.startDelivery();
      await Promise.all(
        stops.map(async ([id, w]) => {
          try {
            await w.close();
            this.#o.log.info({ account: id }, 'mm7 delivery stopped: the account has no deliveryUrl now');
          } catch (err) {
            this.#o.log.warn({ account: id, err }, 'stopping an mm7 outbox worker failed');
          }
        }),
      );
      for (const id of served) {
        if (!before.has(id) && this.#workers.has(id))
          this.#o.log.info({ account: id }, 'mm7 delivery started');
      }
      return served;
    });
    this.#sync = run.catch(() => []);
    return run;
  }

  /** Account ids whose outbox is being consumed here. */
  delivering(): string[] {
    return [...this.#workers.keys()];
  }

  #outboxWorker(id: string): BusWorker {
    // The current account definition is read per job, so credential and URL edits apply without a restart.
    return this.#o.bus.worker(
      Queues.outbox(id),
      async (msg: HubMessage) => {
        const current = this.#o.accounts.byId(id);
        if (current?.mm7?.deliveryUrl === undefined) {
          throw new Errors.HUB_ERR_THROTTLED(`account ${id} has no MM7 delivery URL now`, {
            details: { retryAfterMs: 5000 },
          });
        }
        await this.#delivery.deliver(current, msg);
      },
      { concurrency: this.#o.delivery?.concurrency ?? 4, lockDurationMs: 60_000 },
    );
  }

  /** Refuses new requests (4006), stops outbox workers (in-flight deliveries finish). Idempotent. */
  async close(): Promise<void> {
    this.#closing = true;
    await this.#sync;
    const ws = [...this.#workers.values()];
    this.#workers.clear();
    await Promise.all(ws.map((w) => w.close()));
  }

  /** Waits until every outbox worker is connected (tests). */
  async ready(): Promise<void> {
    await Promise.all([...this.#workers.values()].map((w) => w.ready()));
  }
}

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
