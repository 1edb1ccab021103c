import { Errors } from '@hub/errors';
import type { Address, HubMessage } from '@hub/message';
import {
  type EncodedMm4,
  encodeMm4,
  formatMm4Address,
  type Mm4PartInit,
  normalizeId,
  transactionKey,
} from '@hub/mm4';
import type { Mm4PartReader, Mm4SendCorrelation, ResWait } from './ports.js';
import { createPeerTransport, type PeerTransport, type SmtpTarget } from './smtp.js';

/** Peer settings of an MM4 connector (a subset of the config's `kind: 'mm4'` connector). */
export interface Mm4SenderConfig {
  /** Connector id: labels errors and scopes upstream ids (`linkUpstream(id, X-Mms-Message-ID)`). */
  readonly id: string;
  readonly host: string;
  readonly port: number;
  readonly secure?: boolean;
  readonly requireTls?: boolean;
  readonly username?: string;
  readonly password?: string;
  /** The peer's MMS domain: recipients go out as `+E164/TYPE=PLMN@domain`. */
  readonly domain: string;
  /** Our system address (`X-Mms-Originator-System`): where the peer sends .RES and reports. */
  readonly originatorSystem: string;
  /** Pooled connections and mails per connection (defaults: see {@link SmtpTarget}). */
  readonly pool?: { readonly maxConnections?: number; readonly maxMessages?: number };
  /** Verify the peer's TLS certificate (default true). */
  readonly rejectUnauthorized?: boolean;
  /** Ask the peer for an MM4_forward.RES (default true). */
  readonly ackRequest?: boolean;
  /** Arm a .RES timeout after each 250 (needs `correlation.awaitRes`); none: wait forever. */
  readonly resWait?: ResWait;
  /** Socket, greeting and connection timeouts in ms (default 30 s). */
  readonly timeoutMs?: number;
}

/** What the sender needs besides its config. */
export interface Mm4SenderDeps {
  /**
   * Reads part bytes referenced by `MmsPart.ref`. Without it, an MM with stored parts fails the send as
   * temporary (`HUB_ERR_CONNECTOR_TEMPORARY`: a deployment that forgot it, fixable without losing the MM).
   */
  readonly content?: Mm4PartReader;
  /** Records the sent REQ so the inbound gateway can match the .RES (recommended). */
  readonly correlation?: Mm4SendCorrelation;
  /**
   * Links X-Mms-Message-ID → Hub id under the connector id, so delivery reports find the message
   * (`MessageStore.linkUpstream`). Optional when the caller links itself (the connector worker does).
   */
  readonly store?: { linkUpstream(connectorId: string, upstreamId: string, hubId: string): Promise<void> };
  /** Called when something went wrong after the mail was accepted (arming the .RES timeout). */
  readonly onWarning?: (what: string, err?: unknown) => void;
  /** Transport override (tests); default a pooled nodemailer transport to host:port. */
  readonly transport?: PeerTransport;
  /** Clock (tests). */
  readonly now?: () => number;
}

/** What {@link Mm4Sender.send} resolves with (shape of the connectors' `SendResult`, plus MM4 facts). */
export interface Mm4SendResult {
  /** `[X-Mms-Message-ID]` (normalised): what delivery reports from the peer will name. */
  readonly upstreamIds: string[];
  readonly segments: number;
  readonly acceptedAt: number;
  readonly transactionId: string;
  /** RCPT TO addresses the peer refused while accepting others (the MM went to the rest). */
  readonly rejectedRecipients: readonly string[];
}

const PRIORITY = ['Low', 'Normal', 'High', 'High'] as const;

/**
 * The outbound MM4 send path (wrapped by {@link Mm4Connector} as the `mm4` connector kind, and used by
 * `@hub/gateway-mm4` for MMs owed to peer accounts): one
 * MM4_forward.REQ per message over a pooled SMTP connection to the peer, with the X-Mms-* headers,
 * `+E164/TYPE=PLMN@domain` recipients and `multipart/related` content read from the content store.
 * The SMTP 250 means the peer's MTA has the mail; the MM4_forward.RES and delivery reports arrive later
 * on Hub's MM4 listener and are correlated there.
 */
export class Mm4Sender {
  readonly id: string;
  readonly #c: Mm4SenderConfig;
  readonly #d: Mm4SenderDeps;
  readonly #transport: PeerTransport;

  constructor(config: Mm4SenderConfig, deps: Mm4SenderDeps) {
    this.id = config.id;
    this.#c = config;
    this.#d = deps;
    const target: SmtpTarget = {
      host: config.host,
      port: config.port,
      ...(config.secure === undefined ? {} : { secure: config.secure }),
      ...(config.requireTls === undefined ? {} : { requireTls: config.requireTls }),
      ...(config.username === undefined
        ? {}
        : { auth: { user: config.username, pass: config.password ?? '' } }),
      ...(config.pool?.maxConnections === undefined ? {} : { maxConnections: config.pool.maxConnections }),
      ...(config.pool?.maxMessages === undefined ? {} : { maxMessages: config.pool.maxMessages }),
      ...(config.rejectUnauthorized === undefined ? {} : { rejectUnauthorized: config.rejectUnauthorized }),
      ...(config.timeoutMs === undefined ? {} : { timeoutMs: config.timeoutMs }),
    };
    this.#transport = deps.transport ?? createPeerTransport(config.id, target);
  }

  /**
   * Builds the MM4_forward.REQ for `msg` (without sending it). Throws `HUB_ERR_GATEWAY_INVALID_DESTINATION`
   * / `HUB_ERR_MM4_INVALID_ADDRESS` / `HUB_ERR_MM4_INVALID_PDU` (permanent) for a message that cannot be
   * expressed in MM4, `HUB_ERR_NOT_FOUND` when a part's bytes expired from the content store.
   */
  async encode(msg: HubMessage, transactionId: string): Promise<{ encoded: EncodedMm4; messageId: string }> {
    const now = this.#d.now?.() ?? Date.now();
    const ourDomain = domainOf(this.#c.originatorSystem) ?? 'hub.invalid';
    const messageId = `${msg.id}@${ourDomain}`;
    const recipients = [...msg.to, ...(msg.cc ?? []), ...(msg.bcc ?? [])];
    const rcpt = recipients.map((a) => phone(a, 'destination'));
    const parts = await this.#parts(msg);
    const c = msg.content;
    const smil = c.type === 'mms' ? c.start : undefined;
    const encoded = encodeMm4({
      type: 'MM4_forward.REQ',
      transactionId,
      messageId,
      date: new Date(now),
      from: sender(msg.from, ourDomain),
      to: msg.to.map((a) => phone(a, 'destination')),
      ...(msg.cc === undefined ? {} : { cc: msg.cc.map((a) => phone(a, 'destination')) }),
      ...(msg.bcc === undefined ? {} : { bcc: msg.bcc.map((a) => phone(a, 'destination')) }),
      ...(c.type === 'mms' && c.subject !== undefined ? { subject: c.subject } : {}),
      ...(msg.options.expireAt === undefined ? {} : { expiry: new Date(msg.options.expireAt) }),
      ...(msg.options.messageClass === undefined ? {} : { messageClass: msg.options.messageClass }),
      priority: PRIORITY[msg.options.priority] ?? 'Normal',
      deliveryReport: msg.options.receipt !== 'none',
      readReply: msg.options.readReply === true,
      ackRequest: this.#c.ackRequest ?? true,
      originatorSystem: this.#c.originatorSystem,
      senderDomain: ourDomain,
      recipientDomain: this.#c.domain,
      envelopeTo: rcpt.map((n) => formatMm4Address(n, this.#c.domain)),
      parts,
      ...(smil === undefined ? {} : { start: smil }),
    });
    return { encoded, messageId };
  }

  /**
   * Sends `msg` as an MM4_forward.REQ and resolves once the peer's SMTP server answered 250 to DATA.
   * Throws `HUB_ERR_MM4GW_PEER_UNAVAILABLE` (temporary: 4xx, connection, TLS, timeout — retry later),
   * `HUB_ERR_MM4GW_PEER_REJECTED` (permanent: 5xx; `details.smtpCode`), or the permanent encode errors of
   * {@link encode}. Correlation keys are written before the mail leaves, so a fast .RES always matches;
   * after the 250 the .RES timeout is armed (config `resWait`), its failure only warned about.
   * `attempt` numbers resends after a missing .RES (default 1).
   */
  async send(msg: HubMessage, opts: { attempt?: number } = {}): Promise<Mm4SendResult> {
    const now = this.#d.now?.() ?? Date.now();
    const attempt = opts.attempt ?? 1;
    // New Transaction-ID per attempt: a late .RES of an earlier attempt must not be taken for this one.
    const transactionId = `${msg.id}.${now.toString(36)}${attempt > 1 ? `.${attempt}` : ''}`;
    const { encoded, messageId } = await this.encode(msg, transactionId);
    const key = transactionKey(transactionId, this.#c.originatorSystem);
    const sent = {
      hubId: msg.id,
      via: this.#c.id,
      type: 'MM4_forward.REQ' as const,
      messageId,
      ...(attempt > 1 ? { attempt } : {}),
    };
    await Promise.all([
      this.#d.correlation?.rememberSent(key, sent),
      this.#d.store?.linkUpstream(this.#c.id, normalizeId(messageId), msg.id),
    ]);
    const r = await this.#transport.send(encoded);
    const wait = this.#c.resWait;
    const awaitRes = this.#d.correlation?.awaitRes;
    if ((this.#c.ackRequest ?? true) && wait !== undefined && awaitRes !== undefined) {
      // The peer has the mail: a failure here must not fail the send (the worker would send it again).
      await awaitRes
        .call(this.#d.correlation, key, { ...sent, attempt }, wait)
        .catch((err: unknown) => this.#d.onWarning?.('mm4 .RES timeout not armed', err));
    }
    return {
      upstreamIds: [normalizeId(messageId)],
      segments: 1,
      acceptedAt: this.#d.now?.() ?? Date.now(),
      transactionId,
      rejectedRecipients: r.rejected,
    };
  }

  /** Closes the pooled connections. */
  close(): void {
    this.#transport.close();
  }

  async #parts(msg: HubMessage): Promise<Mm4PartInit[]> {
    const c = msg.content;
    if (c.type === 'sms') {
      // SMS routed to an MM4 peer becomes a one-part MM.
      const text = c.text ?? Buffer.from(c.bytes, 'base64').toString('latin1');
      return [{ contentType: 'text/plain', body: text }];
    }
    const out: Mm4PartInit[] = [];
    for (const p of c.parts) {
      const body =
        p.ref !== undefined
          ? await this.#read(p.ref)
          : p.inline !== undefined
            ? Buffer.from(p.inline, 'base64')
            : Buffer.alloc(0);
      out.push({
        contentType: p.contentType,
        body,
        ...(p.charset === undefined ? {} : { charset: p.charset }),
        ...(p.contentId === undefined ? {} : { contentId: p.contentId }),
        ...(p.location === undefined ? {} : { contentLocation: p.location }),
      });
    }
    if (out.length === 0) throw new Errors.HUB_ERR_VALIDATION('MMS content', 'no parts');
    return out;
  }

  async #read(ref: string): Promise<Buffer> {
    const content = this.#d.content;
    if (content === undefined) {
      throw new Errors.HUB_ERR_CONNECTOR_TEMPORARY(this.#c.id, 'no content store to read MMS parts from');
    }
    return await content.get(ref);
  }
}

function domainOf(address: string): string | undefined {
  const at = address.lastIndexOf('@');
  return at === -1 ? undefined : address.slice(at + 1).toLowerCase();
}

/** A Hub address as an MM4 phone number (`+E164` or digits), or a permanent error. */
function phone(a: Address, what: 'destination' | 'source'): string {
  if (a.kind === 'e164' || a.kind === 'short' || a.kind === 'national') return a.value;
  if (what === 'source') throw new Errors.HUB_ERR_GATEWAY_INVALID_SOURCE(a.original);
  throw new Errors.HUB_ERR_GATEWAY_INVALID_DESTINATION(`${a.original} (MM4 needs a phone number)`);
}

/** MM4 `From:`: a number, an e-mail address, or an alphanumeric sender as `name@our-domain`. */
function sender(a: Address, ourDomain: string): string {
  if (a.kind === 'email') return a.value;
  if (a.kind === 'alnum') {
    if (!/^[A-Za-z0-9._-]+$/.test(a.value)) throw new Errors.HUB_ERR_GATEWAY_INVALID_SOURCE(a.original);
    return `${a.value}@${ourDomain}`;
  }
  return phone(a, 'source');
}
