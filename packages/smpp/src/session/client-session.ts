import { EventEmitter } from 'node:events';
import { isIP } from 'node:net';
import { Errors, type HubError, isHubError } from '@hub/errors';
import { type NodeSession, type SmppPdu, smpp } from './node-smpp.js';
import {
  type CloseReason,
  type ProtocolErrorInfo,
  type RequestHandler,
  type RequestOptions,
  type SessionTimings,
  SmppSession,
} from './session.js';
import { type BindType, bindCommandFor, boundStateFor, isBound, SessionState } from './state.js';
import { InterfaceVersion, Status } from './status.js';

/** Reconnect policy (exponential backoff with jitter). */
export interface ReconnectOptions {
  /** First delay (default 1000). */
  readonly initialDelayMs?: number;
  /** Cap (default 60000). */
  readonly maxDelayMs?: number;
  /** Growth per failed attempt (default 2). */
  readonly factor?: number;
  /** ± fraction of random spread (default 0.2). */
  readonly jitter?: number;
}

/** TLS settings toward an upstream SMSC. */
export interface ClientTlsOptions {
  /** Verify the SMSC certificate (default true; node-smpp's own default is false). */
  readonly rejectUnauthorized?: boolean;
  readonly ca?: string | Buffer | Array<string | Buffer>;
  /** SNI / certificate name (default: host). */
  readonly servername?: string;
  readonly cert?: string | Buffer;
  readonly key?: string | Buffer;
}

/** Options of an {@link SmppClient}. */
export interface SmppClientOptions extends SessionTimings {
  readonly host: string;
  readonly port: number;
  /** TLS on (true = defaults, verification on) or its settings; default plain TCP. */
  readonly tls?: boolean | ClientTlsOptions;
  readonly bindType: BindType;
  readonly systemId: string;
  readonly password: string;
  readonly systemType?: string;
  /** interface_version sent in the bind (default 0x34: some 3.4 SMSCs refuse 0x50). */
  readonly interfaceVersion?: number;
  readonly addrTon?: number;
  readonly addrNpi?: number;
  readonly addressRange?: string;
  /** TCP/TLS connect timeout (default 10000). */
  readonly connectTimeoutMs?: number;
  /** bind_resp timeout (default: responseTimeoutMs). */
  readonly bindTimeoutMs?: number;
  /**
   * Version assumed when the bind_resp carries no sc_interface_version. The spec says: assume the SMSC
   * takes no TLVs (0x33, the default); set 0x34 for SMSCs known to omit it yet accept TLVs.
   */
  readonly assumedPeerVersion?: number;
  /** Reconnect policy, or false to connect once (default: reconnect). */
  readonly reconnect?: ReconnectOptions | false;
  /**
   * Answers deliver_sm, data_sm and alert_notification from the SMSC. Default: ESME_RSYSERR
   * (the SMSC retries later) — a connector always sets it.
   */
  readonly onRequest?: RequestHandler;
}

/** What {@link SmppClient} reports on `bound`. */
export interface BoundInfo {
  readonly session: SmppSession;
  /** system_id from bind_resp. */
  readonly peerSystemId: string;
  /** Interface version in force (see `assumedPeerVersion`). */
  readonly interfaceVersion: number;
}

/** Events of an {@link SmppClient}. */
export interface SmppClientEvents {
  /** Connected and bound. */
  bound: [BoundInfo];
  /** The bound session ended (a reconnect follows unless stopped). */
  unbound: [CloseReason];
  /** Stopped for good (after {@link SmppClient.stop} or with reconnect off). */
  closed: [];
  /** A connect or bind attempt failed; a retry is scheduled in `retryInMs` (undefined: none). */
  failure: [HubError, number | undefined];
  /** congestion_state read from a response (SMPP 5.0): 0 idle … 100 congested. */
  congestion: [number];
  /** A response with ESME_RTHROTTLED or ESME_RMSGQFUL: slow down. */
  throttled: [SmppPdu];
  protocolError: [ProtocolErrorInfo];
}

/** An ESME-side session (Hub binds to an SMSC). Built by {@link SmppClient}. */
export class ClientSession extends SmppSession {
  /** @internal built by SmppClient */
  constructor(node: NodeSession, options: SmppClientOptions) {
    super(node, { side: 'esme', timings: options, onRequest: options.onRequest });
    this.setInterfaceVersion(options.interfaceVersion ?? InterfaceVersion.V34);
  }

  /**
   * Sends the bind and resolves with the bind_resp when it is accepted. The session is bound from the
   * moment that bind_resp is read, so requests the peer sends right behind it are served. Rejects with
   * `HUB_ERR_SMPP_BIND_REFUSED` (details.status = the command_status) or a transport error.
   */
  async bind(options: SmppClientOptions): Promise<SmppPdu> {
    const command = bindCommandFor(options.bindType);
    const ours = options.interfaceVersion ?? InterfaceVersion.V34;
    const respCommand = `${command}_resp`;
    const bound = (resp: SmppPdu): void => {
      if (resp.command !== respCommand || resp.status !== 0 || this.state !== SessionState.BINDING) return;
      const sc = resp.tlvs.sc_interface_version;
      const peer = typeof sc === 'number' ? sc : (options.assumedPeerVersion ?? InterfaceVersion.V33);
      this.setInterfaceVersion(Math.min(ours, peer));
      this.setState(boundStateFor(options.bindType));
    };
    // Bound as soon as the bind_resp is read, not when `await` resumes: an SMSC writes its queued
    // deliver_sm (receipts held while no receiver was bound) right behind the bind_resp, and node-smpp
    // hands every PDU of one read over synchronously. Set later, those deliver_sm would be answered
    // ESME_RINVBNDSTS as if they came before the bind, and an SMSC that does not retry drops them.
    this.on('response', bound);
    try {
      // request() checks the state (OPEN) and writes synchronously, before the first await.
      const pending = this.request(
        command,
        {
          system_id: options.systemId,
          password: options.password,
          system_type: options.systemType ?? '',
          interface_version: ours,
          addr_ton: options.addrTon ?? 0,
          addr_npi: options.addrNpi ?? 0,
          address_range: options.addressRange ?? '',
        },
        { timeoutMs: options.bindTimeoutMs ?? options.responseTimeoutMs ?? 10_000 },
      );
      this.setState(SessionState.BINDING);
      const resp = await pending;
      if (resp.status !== 0) {
        this.setState(SessionState.OPEN);
        throw new Errors.HUB_ERR_SMPP_BIND_REFUSED(command, resp.status.toString(16).padStart(2, '0'), {
          details: { status: resp.status },
        });
      }
      bound(resp); // no-op when the 'response' listener already did it
      return resp;
    } finally {
      this.off('response', bound);
    }
  }
}

/**
 * A supervised ESME connection to one upstream SMSC: connects (TCP or TLS), binds, keeps the link alive
 * (enquire_link), answers the SMSC's requests through `onRequest`, and reconnects with exponential
 * backoff after any loss. Requests in flight when the link drops fail with
 * `HUB_ERR_SMPP_SESSION_CLOSED` (recovery `temporary`): the caller re-queues them and retries once
 * `bound` fires again. Exposes congestion_state and ESME_RTHROTTLED so the caller adapts its rate.
 */
export class SmppClient extends EventEmitter<SmppClientEvents> {
  readonly #options: SmppClientOptions;
  #session: ClientSession | undefined;
  #node: NodeSession | undefined;
  #running = false;
  #attempt = 0;
  #retryTimer: NodeJS.Timeout | undefined;
  #congestion: number | undefined;
  #lastThrottledAt: number | undefined;

  constructor(options: SmppClientOptions) {
    super();
    this.#options = options;
  }

  /** State of the current session (CLOSED between connections). */
  get state(): SessionState {
    return this.#session?.state ?? SessionState.CLOSED;
  }

  /** True while a session is bound. */
  get bound(): boolean {
    return this.#session !== undefined && isBound(this.#session.state);
  }

  /** The current session, if any. */
  get session(): SmppSession | undefined {
    return this.#session;
  }

  /** Last congestion_state the SMSC reported (SMPP 5.0), if any. */
  get congestionState(): number | undefined {
    return this.#congestion;
  }

  /** `Date.now()` of the last ESME_RTHROTTLED / ESME_RMSGQFUL response, if any. */
  get lastThrottledAt(): number | undefined {
    return this.#lastThrottledAt;
  }

  /** Starts connecting (idempotent). Progress is reported by events. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#attempt = 0;
    this.#connect();
  }

  /** Stops reconnecting, unbinds the current session and resolves once it is closed; emits `closed`. */
  async stop(): Promise<void> {
    const wasRunning = this.#running;
    this.#running = false;
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    const session = this.#session;
    if (session && !session.closed) {
      const closed = new Promise<void>((resolve) => session.once('close', () => resolve()));
      await session.unbind();
      await closed;
    } else if (this.#node && !this.#node.closed) {
      const node = this.#node;
      await new Promise<void>((resolve) => node.destroy(() => resolve()));
    }
    if (wasRunning) this.emit('closed');
  }

  /** Resolves when bound (at once if already), rejects with `HUB_ERR_SMPP_NOT_BOUND` after `timeoutMs`. */
  whenBound(timeoutMs: number): Promise<void> {
    if (this.bound) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off('bound', onBound);
        reject(new Errors.HUB_ERR_SMPP_NOT_BOUND('bind', this.state));
      }, timeoutMs);
      const onBound = (): void => {
        clearTimeout(timer);
        resolve();
      };
      this.once('bound', onBound);
    });
  }

  /**
   * submit_sm on the bound session; resolves with the submit_sm_resp (or generic_nack) whatever its
   * status. Rejects like {@link SmppSession.request}; `HUB_ERR_SMPP_NOT_BOUND` when no session is bound.
   */
  submit(fields: Readonly<Record<string, unknown>>, options?: RequestOptions): Promise<SmppPdu> {
    return this.request('submit_sm', fields, options);
  }

  /** Any request on the bound session (data_sm, query_sm, cancel_sm, ...). */
  request(
    command: string,
    fields: Readonly<Record<string, unknown>>,
    options?: RequestOptions,
  ): Promise<SmppPdu> {
    const session = this.#session;
    if (!session || !isBound(session.state)) {
      return Promise.reject(new Errors.HUB_ERR_SMPP_NOT_BOUND(command, this.state));
    }
    return session.request(command, fields, options);
  }

  #connect(): void {
    if (!this.#running) return;
    const o = this.#options;
    const tls = o.tls === true ? {} : o.tls || undefined;
    const connectOptions: smpp.ConnectOptions = {
      host: o.host,
      port: o.port,
      connectTimeout: o.connectTimeoutMs ?? 10_000,
    };
    if (tls) {
      Object.assign(connectOptions, {
        tls: true,
        rejectUnauthorized: tls.rejectUnauthorized ?? true,
        // SNI must not be an IP address.
        ...(tls.servername !== undefined || isIP(o.host) === 0
          ? { servername: tls.servername ?? o.host }
          : {}),
        ...(tls.ca === undefined ? {} : { ca: tls.ca }),
        ...(tls.cert === undefined ? {} : { cert: tls.cert }),
        ...(tls.key === undefined ? {} : { key: tls.key }),
      });
    }
    const node = smpp.connect(connectOptions);
    this.#node = node;
    let connected = false;
    const onConnectError = (err: Error): void => {
      if (connected || !this.#running) return;
      node.destroy();
      this.#retry(new Errors.HUB_ERR_SMPP_CONNECT_FAILED(`${o.host}:${o.port}`, err.message, { cause: err }));
    };
    node.on('error', onConnectError);
    node.once(tls ? 'secureConnect' : 'connect', () => {
      connected = true;
      node.off('error', onConnectError);
      void this.#onConnected(node);
    });
    node.once('close', () => {
      if (!connected) onConnectError(new Error('connection closed'));
    });
  }

  async #onConnected(node: NodeSession): Promise<void> {
    const session = new ClientSession(node, this.#options);
    this.#session = session;
    session.on('protocolError', (info) => this.emit('protocolError', info));
    session.on('response', (pdu) => this.#observe(pdu));
    let wasBound = false;
    session.once('close', (reason) => {
      if (this.#session === session) this.#session = undefined;
      if (wasBound) this.emit('unbound', reason);
      if (this.#running && wasBound) this.#retry(new Errors.HUB_ERR_SMPP_SESSION_CLOSED(reason));
    });
    try {
      const resp = await session.bind(this.#options);
      if (!this.#running) {
        void session.unbind();
        return;
      }
      wasBound = true;
      this.#attempt = 0;
      this.emit('bound', {
        session,
        peerSystemId: String(resp.fields.system_id ?? ''),
        interfaceVersion: session.interfaceVersion,
      });
    } catch (err) {
      // Bind refused or unanswered: drop this connection and retry with backoff.
      session.destroy('bind-failed');
      if (!this.#running) return;
      this.#retry(
        isHubError(err) ? err : new Errors.HUB_ERR_SMPP_SESSION_CLOSED('bind failed', { cause: err }),
      );
    }
  }

  #observe(pdu: SmppPdu): void {
    const cs = pdu.tlvs.congestion_state;
    if (typeof cs === 'number') {
      this.#congestion = cs;
      this.emit('congestion', cs);
    }
    if (pdu.status === Status.ESME_RTHROTTLED || pdu.status === Status.ESME_RMSGQFUL) {
      this.#lastThrottledAt = Date.now();
      this.emit('throttled', pdu);
    }
  }

  #retry(error: HubError): void {
    if (!this.#running) {
      this.emit('failure', error, undefined);
      return;
    }
    if (this.#options.reconnect === false) {
      this.#running = false;
      this.emit('failure', error, undefined);
      this.emit('closed');
      return;
    }
    if (this.#retryTimer) return;
    const r = this.#options.reconnect ?? {};
    const base = Math.min(
      r.maxDelayMs ?? 60_000,
      (r.initialDelayMs ?? 1_000) * (r.factor ?? 2) ** Math.min(this.#attempt, 30),
    );
    const jitter = r.jitter ?? 0.2;
    const delay = Math.max(0, Math.round(base * (1 + jitter * (Math.random() * 2 - 1))));
    this.#attempt++;
    this.emit('failure', error, delay);
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      this.#connect();
    }, delay);
  }
}
