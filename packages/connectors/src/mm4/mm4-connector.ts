import type { Mm4ConnectorConfig } from '@hub/config';
import { Errors, isHubError } from '@hub/errors';
import type { HubMessage } from '@hub/message';
import type { Connector, ConnectorDeps, ConnectorState, SendResult } from '../types.js';
import { Mm4Sender, type Mm4SenderConfig } from './sender.js';
import type { PeerTransport } from './smtp.js';

/** Options of an {@link Mm4Connector}: the common deps (with `mm4` services) plus a transport override. */
export interface Mm4ConnectorDeps extends ConnectorDeps {
  /** SMTP transport to the peer (tests); default a pooled nodemailer transport from the config. */
  readonly transport?: PeerTransport;
  /** How long the connector reports `up: false` after a connection-level failure (default 30 s). */
  readonly downForMs?: number;
}

/**
 * The sender settings of an `mm4` connector config: peer host/port/TLS/auth, domains, pool, and the
 * .RES wait (`resTimeoutMs`, resends per `retries.temporary.attempts`).
 */
export function mm4SenderConfig(c: Mm4ConnectorConfig): Mm4SenderConfig {
  return {
    id: c.id,
    host: c.host,
    port: c.port,
    secure: c.secure,
    requireTls: c.requireTls,
    ...(c.username === undefined ? {} : { username: c.username }),
    ...(c.password === undefined ? {} : { password: c.password }),
    domain: c.domain,
    originatorSystem: c.originatorSystem,
    pool: { maxConnections: c.pool.maxConnections, maxMessages: c.pool.maxMessages },
    resWait: { timeoutMs: c.resTimeoutMs, maxAttempts: c.retries.temporary.attempts },
  };
}

/**
 * A {@link Connector} to one peer MMSC over MM4 (SMTP), wrapping {@link Mm4Sender}: `send()` is one
 * MM4_forward.REQ per message on a pooled connection and resolves on the peer's SMTP 250 (the worker then
 * marks the message `submitted`). SMTP 4xx, connection, TLS and timeout failures are `temporary`
 * (`HUB_ERR_MM4GW_PEER_UNAVAILABLE`), 5xx `permanent` (`HUB_ERR_MM4GW_PEER_REJECTED`, `details.smtpCode`),
 * a message MM4 cannot carry `permanent` (address or content errors).
 *
 * **Receive side:** MM4 has none on the connector. The peer's MM4_forward.RES, delivery reports and read
 * replies are SMTP mails to Hub's MM4 listener (`@hub/gateway-mm4`), which correlates them through the
 * shared `deps.mm4.correlation` and the upstream ids the worker links; `onEvent` is never called. The
 * .RES timeout (`resTimeoutMs`) is armed after each 250 through `correlation.awaitRes` and handled by the
 * gateway's timeout worker (resend with a new Transaction-ID while `retries.temporary.attempts` allows,
 * then `undeliverable`).
 *
 * **State:** SMTP connects on demand, so `start()` connects nothing. The connector is `up` once started,
 * except for `downForMs` after a connection-level failure (no SMTP reply) that no success has followed:
 * the worker's failover then prefers a fallback, and sends are tried again afterwards.
 */
export class Mm4Connector implements Connector {
  readonly id: string;
  readonly kind = 'mm4' as const;
  readonly #config: Mm4ConnectorConfig;
  readonly #deps: Mm4ConnectorDeps;
  readonly #sender: Mm4Sender;
  readonly #now: () => number;
  #started = false;
  #stopped = false;
  #inFlight = 0;
  #connFailAt: number | undefined;
  #lastError: { code: string; message: string; at: number } | undefined;
  #since: number;

  constructor(config: Mm4ConnectorConfig, deps: Mm4ConnectorDeps = {}) {
    this.id = config.id;
    this.#config = config;
    this.#deps = deps;
    this.#now = deps.now ?? Date.now;
    this.#since = this.#now();
    this.#sender = new Mm4Sender(mm4SenderConfig(config), {
      ...(deps.mm4?.content === undefined ? {} : { content: deps.mm4.content }),
      ...(deps.mm4?.correlation === undefined ? {} : { correlation: deps.mm4.correlation }),
      ...(deps.transport === undefined ? {} : { transport: deps.transport }),
      ...(deps.onWarning === undefined ? {} : { onWarning: deps.onWarning }),
      ...(deps.now === undefined ? {} : { now: deps.now }),
    });
  }

  /** Marks the connector usable (SMTP connects per send). Warns when `deps.mm4` services are missing. */
  async start(): Promise<void> {
    if (this.#started || this.#stopped) return;
    this.#started = true;
    this.#since = this.#now();
    if (this.#deps.mm4?.content === undefined)
      this.#deps.onWarning?.('mm4 connector without a content store: MMs with stored parts cannot be sent');
    if (this.#deps.mm4?.correlation === undefined)
      this.#deps.onWarning?.('mm4 connector without correlation: .RES will not update messages');
  }

  async send(msg: HubMessage): Promise<SendResult> {
    if (this.#stopped) throw new Errors.HUB_ERR_CONNECTOR_STOPPED(this.id);
    if (!this.#started) throw new Errors.HUB_ERR_CONNECTOR_DOWN(this.id, 'not started');
    this.#inFlight++;
    try {
      const r = await this.#sender.send(msg);
      if (this.#connFailAt !== undefined) {
        this.#connFailAt = undefined;
        this.#since = this.#now();
      }
      return { upstreamIds: r.upstreamIds, segments: r.segments, acceptedAt: r.acceptedAt };
    } catch (err) {
      const at = this.#now();
      if (isHubError(err)) {
        this.#lastError = { code: err.code, message: err.message, at };
        // No SMTP reply at all (refused, reset, TLS, timeout): the peer is unreachable, not just busy.
        if (isHubError(err, 'HUB_ERR_MM4GW_PEER_UNAVAILABLE') && err.details?.smtpCode === undefined) {
          if (this.#connFailAt === undefined) this.#since = at;
          this.#connFailAt = at;
        }
      }
      throw err;
    } finally {
      this.#inFlight--;
    }
  }

  state(): ConnectorState {
    const now = this.#now();
    const failing =
      this.#connFailAt !== undefined && now - this.#connFailAt < (this.#deps.downForMs ?? 30_000);
    const up = this.#started && !this.#stopped && !failing;
    return {
      id: this.id,
      kind: 'mm4',
      up,
      sessions: {
        configured: this.#config.pool.maxConnections,
        bound: up ? this.#config.pool.maxConnections : 0,
      },
      inFlight: this.#inFlight,
      waiting: 0,
      rate: { configured: 0, current: null },
      ...(this.#lastError === undefined ? {} : { lastError: this.#lastError }),
      since: this.#since,
    };
  }

  /** Closes the pooled SMTP connections; later sends fail `HUB_ERR_CONNECTOR_STOPPED` (temporary). */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#since = this.#now();
    this.#sender.close();
  }
}
