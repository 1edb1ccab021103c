import { resolveMx } from 'node:dns/promises';
import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';
import { type Bus, type BusWorker, Queues } from '@hub/bus';
import type { Account, HubConfig } from '@hub/config';
import { createPeerTransport, Mm4Sender, mm4SenderConfig, type PeerTransport } from '@hub/connectors';
import { Errors, isHubError, toSmtpReply } from '@hub/errors';
import {
  type Address,
  buildReport,
  createMessage,
  fromMmStatus,
  type HubMessage,
  type IdGenerator,
  isFinal,
  type MessageState,
  reportOwed,
  toMmStatus,
} from '@hub/message';
import {
  ackFor,
  decodeMm4,
  encodeMm4,
  formatMm4Address,
  type Mm4DeliveryReportReq,
  type Mm4ForwardReq,
  type Mm4Init,
  type Mm4Pdu,
  type Mm4ReadReplyReq,
  type Mm4Req,
  type Mm4RequestStatus,
  type Mm4Res,
  normalizeId,
  parseMm4Address,
  requestStatusForError,
  requestStatusOutcome,
  resKey,
  transactionKey,
} from '@hub/mm4';
import { enqueueIngestJobs, ingestWrites, type RouteDecider } from '@hub/router';
import {
  SMTPServer,
  type SMTPServerAddress,
  type SMTPServerDataStream,
  type SMTPServerSession,
} from 'smtp-server';
import { envelopeRecipient, forwardToMessage, partOf } from './inbound.js';
import type { Mm4PeerDirectory } from './peers.js';
import type { Mm4ContentStore, Mm4Correlation, Mm4MessageStore } from './ports.js';
import { type Mm4MailJob, type Mm4ResTimeoutJob, mm4ResQueue, mm4ResTimeoutQueue } from './queue.js';

/** Logger surface (pino fits). */
export interface Mm4GatewayLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** Options of {@link Mm4Gateway}. */
export interface Mm4GatewayOptions {
  readonly listener: HubConfig['listeners']['mm4'];
  readonly peers: Mm4PeerDirectory;
  readonly store: Mm4MessageStore;
  readonly bus: Bus;
  readonly content: Mm4ContentStore;
  readonly correlation: Mm4Correlation;
  readonly ids: IdGenerator;
  /** Checks an SMTP AUTH password against `account.mm4.passwordHash` (`verifySecret`). */
  readonly verifyPassword: (plain: string, hash: string) => Promise<boolean>;
  readonly instance: string;
  readonly log: Mm4GatewayLogger;
  /**
   * Our X-Mms-Originator-System (where peers send .RES and reports) when the peer's connector names
   * none. Its domain is also the SMTP greeting name.
   */
  readonly systemAddress: string;
  /**
   * Domains RCPT TO may name (our MMS domains, lower-case). Empty or absent: any domain is accepted
   * (the peer is already identified; useful behind a relay that rewrites domains).
   */
  readonly localDomains?: readonly string[];
  /** PEM key and certificate: STARTTLS is offered when set. */
  readonly tls?: { readonly key: string | Buffer; readonly cert: string | Buffer };
  /** Route queue depth above which forward.REQs get 452 4.3.1 (default: no check). */
  readonly routeQueueHighWater?: number;
  /** How long `close()` waits for open SMTP sessions before cutting them (default 5000 ms). */
  readonly closeTimeoutMs?: number;
  /** Idle SMTP session timeout (default 60 s). */
  readonly socketTimeoutMs?: number;
  /** Resolves the SMTP route for a peer without a connector (default: DNS MX of the address's domain). */
  readonly resolveMx?: (domain: string) => Promise<string | undefined>;
  /**
   * Routing at ingest (config `routing.atIngest`, on by default in `hub start mm4`): each forward.REQ goes
   * through this route table (the router's, kept current by `startRouteTable` in @hub/router) before its
   * record is written, so the record is stored already `routed` and the job goes straight on the account
   * outbox (or connector queue), skipping the route queue and the router's hop. A message the table
   * rejects is still taken (250), its record written final with the report owed, as the router would do.
   * Without it every forward.REQ goes on the route queue.
   */
  readonly routeAtIngest?: RouteDecider;
}

/** What a hook decided: accept (with an optional reply text) or reject with an error from the catalog. */
type Decision =
  | { readonly ok: true; readonly message?: string }
  | { readonly ok: false; readonly error: unknown };

const OK: Decision = { ok: true };

interface SmtpReplyError extends Error {
  responseCode: number;
}

/** The SMTP reply error for a thrown value: catalog code + enhanced code + the error's message. */
function smtpError(err: unknown): SmtpReplyError {
  const [code, enhanced] = toSmtpReply(err);
  const text = isHubError(err) ? err.message : 'Temporary failure, please try again later';
  return Object.assign(new Error(`${enhanced} ${text}`), { responseCode: code });
}

function answer(cb: (err?: Error | null, message?: string) => void, d: Decision): void {
  if (d.ok) cb(null, d.message);
  else cb(smtpError(d.error));
}

/** Unknown failures (Redis down, bugs) become a temporary 451 rather than a crash or a 5xx. */
function temporary(err: unknown): unknown {
  return isHubError(err)
    ? err
    : new Errors.HUB_ERR_STORE_UNAVAILABLE(err instanceof Error ? err.message : 'error', { cause: err });
}

async function readLimited(stream: Readable, limit: number): Promise<{ buf: Buffer; exceeded: boolean }> {
  const chunks: Buffer[] = [];
  let n = 0;
  let exceeded = false;
  // Keep draining past the limit: the client must reach the end of DATA to read our 552.
  for await (const c of stream) {
    const b = c as Buffer;
    n += b.length;
    if (n > limit) exceeded = true;
    else chunks.push(b);
  }
  return { buf: Buffer.concat(chunks), exceeded };
}

const domainOf = (a: string): string | undefined => {
  const at = a.lastIndexOf('@');
  return at === -1 ? undefined : a.slice(at + 1).toLowerCase();
};

/**
 * Hub's MM4 interconnect: an SMTP server for peer MMSCs and the workers that answer them.
 *
 * Inbound, the hooks return decisions the SMTP layer turns into replies: MAIL FROM/RCPT TO check the
 * peer (IP allowlist and/or SMTP AUTH) and the recipient form; DATA decodes the MM4 mail and answers
 * 250 only after Redis confirmed everything the mail produced (message record + route job, state change
 * + owed report, and the queued .RES). A mail Hub cannot take gets the catalog's 5xx; a Redis outage
 * gets 451. Every REQ with `X-Mms-Ack-Request: Yes` gets its .RES as a separate SMTP transaction from
 * the `{hub.mm4.res.v1}` queue (retried with backoff while the peer is down).
 *
 * Outbound to peers, one outbox worker per MM4 peer account turns reports owed to that peer into
 * MM4_delivery_report.REQ / MM4_read_reply_report.REQ, and MMs routed to it into MM4_forward.REQ.
 */
export class Mm4Gateway {
  readonly server: SMTPServer;
  readonly #o: Mm4GatewayOptions;
  readonly #sessions = new Map<string, Account>();
  readonly #transports = new Map<string, PeerTransport>();
  readonly #senders = new Map<string, Mm4Sender>();
  /** Senders of `mm4` connectors, for resends after a missing .RES (own pooled transports). */
  readonly #resenders = new Map<string, Mm4Sender>();
  readonly #workers: BusWorker[] = [];
  #depth = { value: 0, at: 0 };
  #closing = false;

  constructor(options: Mm4GatewayOptions) {
    this.#o = options;
    const tls = options.tls;
    this.server = new SMTPServer({
      name: domainOf(options.systemAddress) ?? 'hub',
      banner: 'Hub MM4',
      size: options.listener.maxMessageBytes,
      // Peers identified by IP alone send without AUTH; MAIL FROM refuses everyone else.
      authOptional: true,
      authMethods: ['PLAIN', 'LOGIN'],
      // Without TLS configured, AUTH over the plain link (interconnects are private links or IPsec).
      allowInsecureAuth: tls === undefined,
      disabledCommands: tls === undefined ? ['STARTTLS'] : [],
      ...(tls === undefined ? {} : { key: tls.key, cert: tls.cert }),
      // A pooled peer connection sends many mails without AUTH: no unauthenticated-command cap.
      maxAllowedUnauthenticatedCommands: false,
      disableReverseLookup: true,
      logger: false,
      closeTimeout: options.closeTimeoutMs ?? 5_000,
      socketTimeout: options.socketTimeoutMs ?? 60_000,
      onAuth: (auth, session, cb) => {
        void this.#auth(auth.username ?? '', auth.password ?? '', session).then(
          (account) =>
            account === undefined
              ? cb(null, { message: '5.7.8 Authentication credentials invalid', responseCode: 535 })
              : cb(null, { user: account.id }),
          (err) => cb(smtpError(err)),
        );
      },
      onMailFrom: (_addr, session, cb) => {
        void this.#mailFrom(session).then((d) => answer(cb, d));
      },
      onRcptTo: (addr, session, cb) => {
        void this.#rcptTo(addr, session).then((d) => answer(cb, d));
      },
      onData: (stream, session, cb) => {
        void this.#data(stream, session).then((d) => answer(cb, d));
      },
      onClose: (session) => {
        this.#sessions.delete(session.id);
      },
    });
    this.server.on('error', (err) => options.log.warn({ err }, 'mm4 smtp server error'));
  }

  /** Starts the SMTP listener and the .RES and peer-outbox workers; returns `smtp://host:port`. */
  async listen(): Promise<string[]> {
    const l = this.#o.listener;
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      this.server.server.once('error', onError);
      this.server.listen(l.port, l.host, () => {
        this.server.server.off('error', onError);
        resolve();
      });
    });
    this.startWorkers();
    const a = this.server.server.address() as AddressInfo;
    return [`smtp://${a.address}:${a.port}`];
  }

  /** The bound port (after {@link listen}). */
  get port(): number {
    return (this.server.server.address() as AddressInfo).port;
  }

  /** Starts the .RES and .RES-timeout workers and one outbox worker per MM4 peer account (idempotent). */
  startWorkers(): void {
    if (this.#workers.length > 0) return;
    this.#workers.push(this.#o.bus.worker(mm4ResQueue, (job) => this.#sendRes(job), { concurrency: 20 }));
    this.#workers.push(
      this.#o.bus.worker(mm4ResTimeoutQueue, (job) => this.#resTimeout(job), { concurrency: 10 }),
    );
    for (const peer of this.#o.peers.peers) {
      this.#workers.push(
        this.#o.bus.worker(Queues.outbox(peer.id), (msg) => this.#toPeer(peer.id, msg), { concurrency: 10 }),
      );
    }
  }

  /** Waits until every worker is connected (tests). */
  async ready(): Promise<void> {
    await Promise.all(this.#workers.map((w) => w.ready()));
  }

  /** Stops accepting, lets open sessions finish (bounded), stops workers, closes peer connections. */
  async close(): Promise<void> {
    this.#closing = true;
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await Promise.all(this.#workers.splice(0).map((w) => w.close()));
    for (const t of this.#transports.values()) t.close();
    this.#transports.clear();
    this.#senders.clear();
    for (const s of this.#resenders.values()) s.close();
    this.#resenders.clear();
  }

  // ---- peer identification ------------------------------------------------------------------------

  async #auth(username: string, password: string, session: SMTPServerSession): Promise<Account | undefined> {
    const a = this.#o.peers.byUsername(username);
    const hash = a?.mm4?.passwordHash;
    if (a === undefined || hash === undefined || !a.enabled) return undefined;
    if (!this.#o.peers.ipAllowed(a, session.remoteAddress)) return undefined;
    try {
      return (await this.#o.verifyPassword(password, hash)) ? a : undefined;
    } catch (err) {
      // A stored hash in an unknown format is a configuration error: refuse, and say so in the log.
      this.#o.log.error({ err, account: a.id }, 'mm4 peer password hash unusable');
      return undefined;
    }
  }

  #peerOf(session: SMTPServerSession): Account {
    const ip = session.remoteAddress;
    if (typeof session.user === 'string') {
      const a = this.#o.peers.byId(session.user);
      if (a === undefined || !a.enabled) throw new Errors.HUB_ERR_MM4GW_UNKNOWN_PEER(String(session.user));
      return a;
    }
    const hit = this.#o.peers.byIp(ip);
    if (hit === undefined || !hit.account.enabled) throw new Errors.HUB_ERR_MM4GW_UNKNOWN_PEER(ip);
    if (hit.requiresAuth) throw new Errors.HUB_ERR_MM4GW_AUTH_REQUIRED(hit.account.id);
    return hit.account;
  }

  async #mailFrom(session: SMTPServerSession): Promise<Decision> {
    try {
      if (this.#closing) return { ok: false, error: new Errors.HUB_ERR_BUS_CLOSED() };
      this.#sessions.set(session.id, this.#peerOf(session));
      return OK;
    } catch (err) {
      return { ok: false, error: err };
    }
  }

  async #rcptTo(addr: SMTPServerAddress, session: SMTPServerSession): Promise<Decision> {
    try {
      // The peer was checked at MAIL FROM; a session without one (RCPT first) is checked now.
      if (!this.#sessions.has(session.id)) this.#sessions.set(session.id, this.#peerOf(session));
      let a: ReturnType<typeof parseMm4Address>;
      try {
        a = parseMm4Address(addr.address);
      } catch (err) {
        throw new Errors.HUB_ERR_GATEWAY_INVALID_DESTINATION(addr.address.slice(0, 120), { cause: err });
      }
      // Numbers are MMs for our subscribers; mailboxes are our system address (.RES and reports).
      if (a.kind === 'msisdn') envelopeRecipient(addr.address);
      else if (a.kind !== 'email')
        throw new Errors.HUB_ERR_GATEWAY_INVALID_DESTINATION(
          `${addr.address.slice(0, 120)} (not a phone number)`,
        );
      const local = this.#o.localDomains ?? [];
      if (local.length > 0 && (a.domain === undefined || !local.includes(a.domain))) {
        throw new Errors.HUB_ERR_MM4GW_RELAY_DENIED(a.domain ?? '(none)');
      }
      return OK;
    } catch (err) {
      return { ok: false, error: err };
    }
  }

  // ---- DATA ------------------------------------------------------------------------------------------

  async #data(stream: SMTPServerDataStream, session: SMTPServerSession): Promise<Decision> {
    let pdu: Mm4Pdu | undefined;
    let peer: Account | undefined;
    try {
      const { buf, exceeded } = await readLimited(stream, this.#o.listener.maxMessageBytes);
      peer = this.#sessions.get(session.id) ?? this.#peerOf(session);
      if (exceeded || stream.sizeExceeded) {
        throw new Errors.HUB_ERR_MM4_LIMIT_EXCEEDED(
          'size',
          `more than ${this.#o.listener.maxMessageBytes} bytes`,
        );
      }
      pdu = decodeMm4(buf, { maxSize: this.#o.listener.maxMessageBytes });
      const rcpt = session.envelope.rcptTo.map((r) => r.address);
      switch (pdu.type) {
        case 'MM4_forward.REQ':
          return await this.#forward(pdu, peer, rcpt, session.remoteAddress);
        case 'MM4_delivery_report.REQ':
          return await this.#deliveryReport(pdu, peer);
        case 'MM4_read_reply_report.REQ':
          return await this.#readReply(pdu, peer);
        default:
          return await this.#res(pdu, rcpt[0]);
      }
    } catch (err) {
      const error = temporary(err);
      const permanent = isHubError(error) && error.recovery === 'permanent';
      this.#o.log.warn(
        {
          err: error,
          peer: peer?.id,
          session: session.id,
          type: pdu?.type,
          transactionId: pdu?.transactionId,
        },
        permanent ? 'mm4 mail refused' : 'mm4 mail deferred',
      );
      // A decodable REQ refused for good also gets its .RES with the matching error status: peers that
      // track .RES rather than SMTP replies learn the outcome too. A deferred one is retried by the peer.
      if (permanent && peer !== undefined && pdu !== undefined && isReq(pdu) && pdu.ackRequest) {
        await this.#queueAck(pdu, peer, ackStatusFor(error)).catch((e: unknown) =>
          this.#o.log.warn({ err: e, peer: peer?.id }, 'mm4 .RES for a refused REQ not queued'),
        );
      }
      return { ok: false, error };
    }
  }

  async #admit(): Promise<void> {
    const hw = this.#o.routeQueueHighWater;
    if (hw === undefined) return;
    const now = Date.now();
    if (now - this.#depth.at > 250) this.#depth = { value: await this.#o.bus.depth(Queues.route), at: now };
    if (this.#depth.value > hw) throw new Errors.HUB_ERR_QUEUE_FULL('route queue above its high-water mark');
  }

  async #forward(
    pdu: Mm4ForwardReq,
    peer: Account,
    rcpt: readonly string[],
    remoteAddress: string,
  ): Promise<Decision> {
    // A peer that did not see our 250 sends the same REQ again: answer it, do not create a second MM.
    const seen = await this.#o.correlation.findInbound(peer.id, pdu.transactionId);
    if (seen !== undefined) {
      if (pdu.ackRequest) await this.#queueAck(pdu, peer, 'Ok');
      return { ok: true, message: `2.0.0 Ok: already queued as ${seen}` };
    }
    const size = pdu.parts.reduce((n, p) => n + p.body.length, 0);
    const max = peer.mm4?.maxContentBytes;
    if (max !== undefined && size > max)
      throw new Errors.HUB_ERR_TOO_LARGE(`content of ${size} bytes exceeds ${max} for ${peer.id}`);
    const now = Date.now();
    // Validate addresses before anything is written.
    forwardToMessage(pdu, [], {
      peer: peer.id,
      rcptTo: rcpt,
      remoteAddress,
      instance: this.#o.instance,
      now,
    });
    await this.#admit();
    const refs = await Promise.all(
      pdu.parts.map((p) => this.#o.content.put(p.body, { contentType: p.contentType })),
    );
    const parts = pdu.parts.map((p, i) => partOf(p, refs[i] as string));
    const id = this.#o.ids.next();
    const msg = createMessage(
      {
        id,
        ...forwardToMessage(pdu, parts, {
          peer: peer.id,
          rcptTo: rcpt,
          remoteAddress,
          instance: this.#o.instance,
          now,
        }),
      },
      now,
      this.#o.instance,
    );
    const ack = pdu.ackRequest ? this.#ackMail(pdu, peer, 'Ok') : undefined;
    const w = ingestWrites(this.#o.routeAtIngest, msg, now, this.#o.log);
    // Answer only after Redis has the record, its job (and the report owed), the dedupe key and the .RES
    // job. A job on the route queue goes out with the record; one on an outbox or a connector queue waits
    // for its record (its worker drops a job whose record it cannot find, and the two writes travel on
    // different connections). Mails taken together share jobs (Bus.enqueueBatched; a .RES that fails is
    // retried on its own). createMessage validated the message a moment ago; its worker validates it
    // again on dequeue.
    const job = w.job;
    const jobs = (): Promise<unknown> => enqueueIngestJobs(this.#o.bus, w);
    const record = Promise.all([
      this.#o.store.put(w.record),
      this.#o.correlation.rememberInbound(peer.id, pdu.transactionId, id),
      ack === undefined ? undefined : this.#o.bus.enqueueBatched(mm4ResQueue, ack),
    ]);
    if (job?.queue.name === Queues.route.name && w.report === undefined) await Promise.all([record, jobs()]);
    else {
      await record;
      await jobs();
    }
    this.#o.log.info(
      { peer: peer.id, id, transactionId: pdu.transactionId, recipients: msg.to.length },
      'mm4 forward accepted',
    );
    return { ok: true, message: `2.0.0 Ok: queued as ${id}` };
  }

  /** The Hub message a report from `peer` is about (X-Mms-Message-ID of our forward.REQ). */
  async #original(peer: Account, messageId: string): Promise<{ id: string; connector: string } | undefined> {
    const up = normalizeId(messageId);
    for (const c of [...this.#o.peers.connectorIdsFor(peer), peer.id]) {
      const id = await this.#o.store.findByUpstream(c, up);
      if (id !== undefined) return { id, connector: c };
    }
    return undefined;
  }

  async #deliveryReport(pdu: Mm4DeliveryReportReq, peer: Account): Promise<Decision> {
    const orig = await this.#original(peer, pdu.messageId);
    if (orig === undefined) {
      this.#o.log.warn(
        { peer: peer.id, mm4MessageId: pdu.messageId },
        'mm4 delivery report for an unknown message',
      );
      if (pdu.ackRequest) await this.#queueAck(pdu, peer, 'Error-message-not-found');
      return { ok: true, message: '2.0.0 Ok: report for an unknown message ignored' };
    }
    const state = fromMmStatus(pdu.mmStatus);
    const detail = `${pdu.mmStatus}${pdu.statusText === undefined ? '' : `: ${pdu.statusText}`}`.slice(
      0,
      512,
    );
    const at = pdu.date?.getTime() ?? Date.now();
    const jobs: Array<Promise<unknown>> = [];
    const r = await this.#transition(orig.id, state, 'receipt', {
      connector: orig.connector,
      upstreamId: normalizeId(pdu.messageId).slice(0, 128),
      detail,
      ...(pdu.recipient === undefined ? {} : { error: pdu.mmStatus.slice(0, 128) }),
    });
    if (r?.outcome === 'ok' && r.message !== undefined && reportOwed(r.message, state)) {
      jobs.push(
        this.#report(
          r.message,
          {
            state,
            at,
            error: pdu.mmStatus,
            ...(pdu.statusText === undefined ? {} : { statusText: pdu.statusText }),
          },
          `r-${orig.id}-${state}`,
        ),
      );
    }
    const ack = pdu.ackRequest ? this.#ackMail(pdu, peer, 'Ok') : undefined;
    if (ack !== undefined) jobs.push(this.#o.bus.enqueue(mm4ResQueue, ack));
    await Promise.all(jobs);
    return { ok: true, message: `2.0.0 Ok: report recorded for ${orig.id}` };
  }

  async #readReply(pdu: Mm4ReadReplyReq, peer: Account): Promise<Decision> {
    const orig = await this.#original(peer, pdu.messageId);
    if (orig === undefined) {
      this.#o.log.warn(
        { peer: peer.id, mm4MessageId: pdu.messageId },
        'mm4 read reply for an unknown message',
      );
      if (pdu.ackRequest) await this.#queueAck(pdu, peer, 'Error-message-not-found');
      return { ok: true, message: '2.0.0 Ok: read reply for an unknown message ignored' };
    }
    const read = pdu.readStatus === 'Read';
    const jobs: Array<Promise<unknown>> = [
      this.#o.store.stamp(orig.id, 'receipt', {
        connector: orig.connector,
        detail:
          `read reply: ${pdu.readStatus}${pdu.statusText === undefined ? '' : ` (${pdu.statusText})`}`.slice(
            0,
            512,
          ),
      }),
    ];
    const msg = await this.#o.store.get(orig.id);
    if (msg !== undefined && msg.options.readReply === true && msg.origin.account !== undefined) {
      const state: MessageState = read ? 'delivered' : 'deleted';
      jobs.push(
        this.#report(
          msg,
          { state, at: pdu.date?.getTime() ?? Date.now(), statusText: pdu.readStatus },
          `rr-${orig.id}`,
          true,
        ),
      );
    }
    const ack = pdu.ackRequest ? this.#ackMail(pdu, peer, 'Ok') : undefined;
    if (ack !== undefined) jobs.push(this.#o.bus.enqueue(mm4ResQueue, ack));
    await Promise.all(jobs);
    return { ok: true, message: `2.0.0 Ok: read reply recorded for ${orig.id}` };
  }

  async #res(pdu: Mm4Res, rcptTo: string | undefined): Promise<Decision> {
    const sent = await this.#o.correlation.findSent(resKey(pdu, rcptTo));
    if (sent === undefined) {
      this.#o.log.warn(
        { type: pdu.type, transactionId: pdu.transactionId, status: pdu.requestStatus },
        'mm4 .RES matches no request',
      );
      return { ok: true, message: '2.0.0 Ok: no matching request' };
    }
    const detail =
      `${pdu.type} ${pdu.requestStatus}${pdu.statusText === undefined ? '' : `: ${pdu.statusText}`}`.slice(
        0,
        512,
      );
    if (pdu.type !== 'MM4_forward.RES') {
      await this.#o.store.stamp(sent.hubId, 'note', { connector: sent.via, detail });
      return { ok: true, message: '2.0.0 Ok' };
    }
    const outcome = requestStatusOutcome(pdu.requestStatus);
    const state: MessageState =
      outcome === 'forwarded'
        ? 'submitted'
        : outcome === 'deferred'
          ? 'undeliverable'
          : outcome === 'rejected'
            ? 'rejected'
            : 'unknown';
    const r = await this.#transition(sent.hubId, state, state === 'submitted' ? 'upstream_ack' : 'failed', {
      connector: sent.via,
      upstreamId: normalizeId(sent.messageId).slice(0, 128),
      detail,
      ...(state === 'submitted' ? {} : { error: pdu.requestStatus.slice(0, 128) }),
    });
    // Any .RES (even an error status) settles the wait: the .RES timeout must not resend.
    const jobs: Array<Promise<unknown>> = [this.#o.correlation.resArrived(sent)];
    if (state === 'submitted' && r !== undefined && r.outcome !== 'late') {
      jobs.push(
        this.#o.store.update(sent.hubId, {
          upstream: { connector: sent.via, id: normalizeId(sent.messageId).slice(0, 128) },
        }),
      );
    }
    if (r?.outcome === 'ok' && r.message !== undefined && reportOwed(r.message, state)) {
      const facts = {
        state,
        at: pdu.date?.getTime() ?? Date.now(),
        error: pdu.requestStatus,
        ...(pdu.statusText === undefined ? {} : { statusText: pdu.statusText }),
      };
      jobs.push(this.#report(r.message, facts, `r-${sent.hubId}-${state}`));
    }
    await Promise.all(jobs);
    return { ok: true, message: '2.0.0 Ok' };
  }

  /** Applies a state change; an illegal or unknown one is logged and dropped (the mail is still taken). */
  async #transition(
    id: string,
    state: MessageState,
    hop: 'receipt' | 'upstream_ack' | 'failed',
    info: Record<string, string>,
  ) {
    try {
      return await this.#o.store.transition(
        id,
        state,
        hop,
        { by: this.#o.instance, ...info },
        { withMessage: true },
      );
    } catch (err) {
      if (isHubError(err, 'HUB_ERR_ILLEGAL_TRANSITION') || isHubError(err, 'HUB_ERR_NOT_FOUND')) {
        this.#o.log.warn({ err, id, state }, 'mm4 status not applied');
        return undefined;
      }
      throw err;
    }
  }

  async #report(
    msg: HubMessage,
    facts: { state: MessageState; at: number; error?: string; statusText?: string },
    jobId: string,
    read = false,
  ): Promise<void> {
    const account = msg.origin.account;
    if (account === undefined) return;
    const built = buildReport(
      msg,
      { ...facts, ...(facts.error === undefined ? {} : { error: facts.error.slice(0, 64) }) },
      this.#o.ids.next(),
    );
    const report =
      read && built.report !== undefined ? { ...built, report: { ...built.report, read: true } } : built;
    await this.#o.bus.enqueue(Queues.outbox(account), report, { jobId });
  }

  // ---- .RES to peers ---------------------------------------------------------------------------------

  #ourSystem(peer: Account): string {
    return this.#o.peers.routeFor(peer)?.originatorSystem ?? this.#o.systemAddress;
  }

  /** The .RES job for `req`, or undefined when the REQ names nowhere to answer (logged). */
  #ackMail(req: Mm4Req, peer: Account, status: Mm4RequestStatus): Mm4MailJob | undefined {
    let init: Mm4Init;
    try {
      init = ackFor(req, status, { originatorSystem: this.#ourSystem(peer) });
    } catch (err) {
      this.#o.log.warn(
        { err, peer: peer.id, transactionId: req.transactionId },
        'mm4 REQ asks for a .RES but names no originator system',
      );
      return undefined;
    }
    const e = encodeMm4(init);
    return {
      v: 1,
      peer: peer.id,
      type: init.type,
      transactionId: req.transactionId.slice(0, 512),
      mail: e.mail.toString('base64'),
      from: e.envelope.from,
      to: [...e.envelope.to],
    };
  }

  async #queueAck(req: Mm4Req, peer: Account, status: Mm4RequestStatus): Promise<void> {
    const job = this.#ackMail(req, peer, status);
    if (job !== undefined) await this.#o.bus.enqueue(mm4ResQueue, job);
  }

  async #sendRes(job: Mm4MailJob): Promise<void> {
    const peer = this.#o.peers.byId(job.peer);
    if (peer === undefined) throw new Errors.HUB_ERR_MM4GW_UNKNOWN_PEER(job.peer);
    const t = await this.#transportFor(peer, job.to[0] ?? '');
    await t.send({ mail: Buffer.from(job.mail, 'base64'), envelope: { from: job.from, to: job.to } });
    this.#o.log.info({ peer: peer.id, type: job.type, transactionId: job.transactionId }, 'mm4 .RES sent');
  }

  async #transportFor(peer: Account, to: string): Promise<PeerTransport> {
    const route = this.#o.peers.routeFor(peer);
    if (route !== undefined) {
      let t = this.#transports.get(`c:${route.via}`);
      if (t === undefined) {
        t = createPeerTransport(route.via, route.target);
        this.#transports.set(`c:${route.via}`, t);
      }
      return t;
    }
    const domain = domainOf(to) ?? peer.mm4?.domain.toLowerCase();
    if (domain === undefined) throw new Errors.HUB_ERR_MM4GW_NO_PEER_ROUTE(peer.id, 'no domain');
    let t = this.#transports.get(`d:${domain}`);
    if (t === undefined) {
      const host = await (this.#o.resolveMx ?? lowestMx)(domain).catch(() => undefined);
      if (host === undefined)
        throw new Errors.HUB_ERR_MM4GW_NO_PEER_ROUTE(peer.id, `no connector and no MX for ${domain}`);
      t = createPeerTransport(peer.id, { host, port: 25 });
      this.#transports.set(`d:${domain}`, t);
    }
    return t;
  }

  // ---- outbox of an MM4 peer account: reports and MMs owed to the peer --------------------------------

  async #toPeer(peerId: string, msg: HubMessage): Promise<void> {
    const peer = this.#o.peers.byId(peerId);
    if (peer?.mm4 === undefined) throw new Errors.HUB_ERR_MM4GW_UNKNOWN_PEER(peerId);
    if (msg.class === 'report') {
      await this.#sendReport(peer, msg);
      return;
    }
    const sender = await this.#peerSender(peer);
    const r = await sender.send(msg);
    await this.#o.store
      .stamp(msg.id, 'delivered_to_client', {
        by: this.#o.instance,
        connector: peer.id,
        upstreamId: r.upstreamIds[0]?.slice(0, 128) ?? '',
      })
      .catch((err: unknown) => {
        if (!isHubError(err, 'HUB_ERR_NOT_FOUND')) throw err;
      });
  }

  /** The sender of MMs owed to a peer account (its route's transport; the route connector's .RES wait). */
  async #peerSender(peer: Account): Promise<Mm4Sender> {
    const domain = peer.mm4?.domain ?? '';
    let sender = this.#senders.get(peer.id);
    if (sender === undefined) {
      const transport = await this.#transportFor(peer, `x@${domain}`);
      const via = this.#o.peers.routeFor(peer)?.via;
      const c = via === undefined ? undefined : this.#o.peers.connector(via);
      sender = new Mm4Sender(
        {
          id: peer.id,
          host: '',
          port: 0,
          domain,
          originatorSystem: this.#ourSystem(peer),
          ...(c === undefined
            ? {}
            : { resWait: { timeoutMs: c.resTimeoutMs, maxAttempts: c.retries.temporary.attempts } }),
        },
        {
          content: this.#o.content,
          correlation: this.#o.correlation,
          store: this.#o.store,
          transport,
          onWarning: (what, err) => this.#o.log.warn({ err, peer: peer.id }, what),
        },
      );
      this.#senders.set(peer.id, sender);
    }
    return sender;
  }

  // ---- .RES timeout ------------------------------------------------------------------------------------

  /**
   * A forward.REQ whose .RES did not come within the connector's `resTimeoutMs`: nothing to do when the
   * .RES or a final state (a delivery report) arrived meanwhile; else resent with a new Transaction-ID
   * while attempts are left, else `undeliverable` with the report owed. A resend the peer defers (4xx,
   * down) throws, and the bus retries the check; one it refuses (5xx) makes the message `rejected`.
   */
  async #resTimeout(job: Mm4ResTimeoutJob): Promise<void> {
    if (await this.#o.correlation.hasRes(job.hubId)) return;
    const msg = await this.#o.store.get(job.hubId);
    if (msg === undefined || isFinal(msg.state)) return;
    const waited = `no MM4_forward.RES within ${Math.round(job.timeoutMs / 1000)} s (attempt ${job.attempt} of ${job.maxAttempts})`;
    const log = { id: job.hubId, via: job.via, attempt: job.attempt, maxAttempts: job.maxAttempts };
    if (job.attempt < job.maxAttempts) {
      const sender = await this.#resenderFor(job.via);
      if (sender !== undefined) {
        try {
          await sender.send(msg, { attempt: job.attempt + 1 });
        } catch (err) {
          if (!isHubError(err) || err.recovery !== 'permanent') throw err;
          this.#o.log.warn({ ...log, err }, 'mm4 resend after a missing .RES refused');
          await this.#fail(msg, job, 'rejected', `${waited}; resend refused: ${err.message}`, err.code);
          return;
        }
        this.#o.log.warn(log, 'mm4 .RES missing: forward.REQ resent');
        await this.#o.store
          .stamp(msg.id, 'note', { by: this.#o.instance, connector: job.via, detail: `${waited}: resent` })
          .catch((err: unknown) => {
            if (!isHubError(err, 'HUB_ERR_NOT_FOUND')) throw err;
          });
        return;
      }
      this.#o.log.warn(log, 'mm4 .RES missing and no sender for the connector: failing the message');
    }
    this.#o.log.warn(log, 'mm4 .RES missing: message failed');
    await this.#fail(msg, job, 'undeliverable', waited, 'no MM4_forward.RES');
  }

  async #fail(
    msg: HubMessage,
    job: Mm4ResTimeoutJob,
    state: 'undeliverable' | 'rejected',
    detail: string,
    error: string,
  ): Promise<void> {
    const r = await this.#transition(msg.id, state, 'failed', {
      connector: job.via,
      upstreamId: normalizeId(job.messageId).slice(0, 128),
      detail: detail.slice(0, 512),
      error: error.slice(0, 128),
    });
    if (r?.outcome === 'ok' && r.message !== undefined && reportOwed(r.message, state)) {
      await this.#report(r.message, { state, at: Date.now(), error }, `r-${msg.id}-${state}`);
    }
  }

  /** The sender a resend goes through: the `mm4` connector `via`, or the outbox sender of peer `via`. */
  async #resenderFor(via: string): Promise<Mm4Sender | undefined> {
    const c = this.#o.peers.connector(via);
    if (c !== undefined) {
      let s = this.#resenders.get(via);
      if (s === undefined) {
        s = new Mm4Sender(mm4SenderConfig(c), {
          content: this.#o.content,
          correlation: this.#o.correlation,
          onWarning: (what, err) => this.#o.log.warn({ err, connector: via }, what),
        });
        this.#resenders.set(via, s);
      }
      return s;
    }
    const peer = this.#o.peers.byId(via);
    return peer?.mm4 === undefined ? undefined : await this.#peerSender(peer);
  }

  /** A report owed to an MM4 peer → MM4_delivery_report.REQ / MM4_read_reply_report.REQ to it. */
  async #sendReport(peer: Account, msg: HubMessage): Promise<void> {
    const r = msg.report;
    const domain = peer.mm4?.domain ?? '';
    const messageId = msg.origin.senderMessageId;
    if (r === undefined || messageId === undefined) {
      throw new Errors.HUB_ERR_VALIDATION('MM4 report', 'report without the original X-Mms-Message-ID');
    }
    const ours = this.#ourSystem(peer);
    const transactionId = `${msg.id}.r`;
    const recipient = mm4Party(r.recipient ?? msg.from);
    const to = [mm4Party(msg.to[0] ?? msg.from)];
    const common = {
      transactionId,
      messageId,
      recipient,
      to,
      originatorSystem: ours,
      recipientDomain: domain,
      ackRequest: true,
      ...(r.statusText === undefined ? {} : { statusText: r.statusText }),
      envelopeTo: to.map((a) => (a.includes('@') ? a : formatMm4Address(a, domain))),
    };
    const init: Mm4Init =
      r.read === true
        ? {
            type: 'MM4_read_reply_report.REQ',
            ...common,
            readStatus: r.state === 'delivered' ? 'Read' : 'Deleted without being read',
          }
        : { type: 'MM4_delivery_report.REQ', ...common, mmStatus: toMmStatus(r.state) };
    const encoded = encodeMm4(init);
    await this.#o.correlation.rememberSent(transactionKey(transactionId, ours), {
      hubId: r.messageId,
      via: peer.id,
      type: init.type,
      messageId,
    });
    const t = await this.#transportFor(peer, encoded.envelope.to[0] ?? '');
    await t.send(encoded);
    await this.#o.store
      .stamp(r.messageId, 'receipt_delivered', { by: this.#o.instance, connector: peer.id })
      .catch((err: unknown) => {
        if (!isHubError(err, 'HUB_ERR_NOT_FOUND')) throw err;
      });
  }
}

/** .RES status for a refused REQ: the gateway's own codes first, then the codec's table. */
function ackStatusFor(err: unknown): Mm4RequestStatus {
  if (
    isHubError(err, 'HUB_ERR_GATEWAY_INVALID_DESTINATION') ||
    isHubError(err, 'HUB_ERR_GATEWAY_INVALID_SOURCE')
  ) {
    return 'Error-sending-address-unresolved';
  }
  if (isHubError(err, 'HUB_ERR_MM4GW_RELAY_DENIED') || isHubError(err, 'HUB_ERR_MM4GW_UNKNOWN_PEER'))
    return 'Error-service-denied';
  if (isHubError(err, 'HUB_ERR_VALIDATION')) return 'Error-message-format-corrupt';
  return requestStatusForError(err);
}

function isReq(p: Mm4Pdu): p is Mm4Req {
  return p.type.endsWith('.REQ');
}

/** A Hub address as an MM4 party: a number (digits, `+` kept) or an e-mail address. */
function mm4Party(a: Address): string {
  if (a.kind === 'email') return a.value;
  if (a.kind === 'e164' || a.kind === 'short' || a.kind === 'national') return a.value;
  throw new Errors.HUB_ERR_GATEWAY_INVALID_DESTINATION(
    `${a.original} (MM4 needs a phone number or e-mail address)`,
  );
}

async function lowestMx(domain: string): Promise<string | undefined> {
  const mx = await resolveMx(domain);
  mx.sort((a, b) => a.priority - b.priority);
  return mx[0]?.exchange;
}
