import { EventEmitter } from 'node:events';
import type { AddressInfo } from 'node:net';
import { Errors, isHubError, toSmppStatus } from '@hub/errors';
import { type NodePdu, type NodeSession, smpp } from './node-smpp.js';
import {
  type CloseReason,
  effectiveMaxPduLength,
  type ProtocolErrorInfo,
  type RequestHandler,
  type SessionTimings,
  SmppSession,
} from './session.js';
import {
  type BindCommand,
  type BindType,
  bindCommandFor,
  bindTypeOf,
  boundStateFor,
  isBound,
  SessionState,
} from './state.js';
import { InterfaceVersion, Status } from './status.js';

/** What an ESME presented in its bind, handed to {@link SmppServerOptions.onBind}. */
export interface BindRequest {
  readonly systemId: string;
  readonly password: string;
  readonly systemType: string;
  /** interface_version as sent (0x33 or lower = 3.3, 0x34, 0x50). */
  readonly interfaceVersion: number;
  readonly bindType: BindType;
  readonly addrTon: number;
  readonly addrNpi: number;
  readonly addressRange: string;
  readonly remoteAddress: string;
  /** True when the bind came in on the TLS listener. */
  readonly secure: boolean;
}

/**
 * The bind hook's decision. `ok: true` binds the session and attaches `context` (the account, typically);
 * `ok: false` answers the bind_resp with `status` (ESME_RINVPASWD 0x0E, ESME_RINVSYSID 0x0F,
 * ESME_RBINDFAIL 0x0D, ...) and leaves the session OPEN until the session-init timer drops it.
 */
export type BindDecision =
  | { readonly ok: true; readonly context?: unknown }
  | { readonly ok: false; readonly status: number };

/**
 * Decides a bind. May be async (the session stops reading meanwhile). Throwing a catalog HubError answers
 * its SMPP status; any other throw answers ESME_RBINDFAIL.
 */
export type BindHook = (request: BindRequest) => Promise<BindDecision> | BindDecision;

/**
 * Told that a bind was decided after its session had already closed (the ESME disconnected, the
 * session-init timer fired, or the server is shutting down while `onBind` was pending): nothing was
 * answered and, for `ok: true`, the session never bound, so no `bound`/`closed` pair will carry the
 * decision's `context`. Release here whatever `onBind` reserved for it (a bind slot). Synchronous; a throw
 * is reported as a `protocolError` of kind `handler-error` and otherwise ignored.
 */
export type BindAbandonedHook = (request: BindRequest, decision: BindDecision) => void;

/** Options of an {@link SmppServer}. */
export interface SmppServerOptions extends SessionTimings {
  /** Bind authentication and authorisation. */
  readonly onBind: BindHook;
  /** See {@link BindAbandonedHook}. Needed whenever `onBind` reserves something per bind. */
  readonly onBindAbandoned?: BindAbandonedHook;
  /**
   * Handles every request a bound ESME may issue (submit_sm, data_sm, query_sm, ...). Default: answers
   * ESME_RSYSERR. enquire_link, unbind, binds and state errors never reach it.
   */
  readonly onRequest?: RequestHandler;
  /** system_id in bind_resp (default `hub`). */
  readonly systemId?: string;
  /** Hub's interface version, the upper bound of sc_interface_version (default 0x50). */
  readonly interfaceVersion?: number;
  /** No bind within this time → the connection is dropped (default 10000). */
  readonly sessionInitTimeoutMs?: number;
}

/** Where to listen. */
export interface ListenOptions {
  readonly port: number;
  /** Default 127.0.0.1: bind to all interfaces deliberately (`0.0.0.0` / `::`). */
  readonly host?: string;
}

/** TLS listener: PEM key and certificate (plus optional CA for client certificates). */
export interface TlsListenOptions extends ListenOptions {
  readonly key: string | Buffer;
  readonly cert: string | Buffer;
  readonly ca?: string | Buffer | Array<string | Buffer>;
  /** Ask ESMEs for a client certificate (default false). */
  readonly requestCert?: boolean;
}

/** Events of an {@link SmppServer}. */
export interface SmppServerEvents {
  /** A connection was accepted (state OPEN). */
  session: [ServerSession];
  /** A session bound. */
  bound: [ServerSession];
  /** A session ended. */
  closed: [ServerSession, CloseReason];
  /** A protocol problem a session already answered. */
  protocolError: [ServerSession, ProtocolErrorInfo];
  /** A listener-level problem (TLS handshake failure, accept error). Sessions are unaffected. */
  listenerError: [Error];
}

/** A session accepted by {@link SmppServer}: Hub is the MC. */
export class ServerSession extends SmppSession {
  /** True when accepted on the TLS listener. */
  readonly secure: boolean;
  #systemId: string | undefined;
  #bindType: BindType | undefined;
  #context: unknown;
  #initTimer: NodeJS.Timeout | undefined;
  readonly #options: SmppServerOptions;

  /** @internal built by SmppServer */
  constructor(node: NodeSession, options: SmppServerOptions, secure: boolean) {
    super(node, { side: 'mc', timings: options, onRequest: options.onRequest });
    this.#options = options;
    this.secure = secure;
    this.#initTimer = setTimeout(() => {
      if (!isBound(this.state)) this.destroy('session-init-timeout');
    }, options.sessionInitTimeoutMs ?? 10_000);
    this.#initTimer.unref();
  }

  /** system_id of the bound ESME. */
  get systemId(): string | undefined {
    return this.#systemId;
  }

  /** How the ESME bound. */
  get bindType(): BindType | undefined {
    return this.#bindType;
  }

  /** What `onBind` returned as `context` (the account). */
  get context(): unknown {
    return this.#context;
  }

  protected override handleBind(pdu: NodePdu): void {
    const command = pdu.command as BindCommand;
    const sequence = pdu.sequence_number;
    const theirs = Number(pdu.interface_version ?? 0);
    const request: BindRequest = {
      systemId: String(pdu.system_id ?? ''),
      password: String(pdu.password ?? ''),
      systemType: String(pdu.system_type ?? ''),
      interfaceVersion: theirs,
      bindType: bindTypeOf(command),
      addrTon: Number(pdu.addr_ton ?? 0),
      addrNpi: Number(pdu.addr_npi ?? 0),
      addressRange: String(pdu.address_range ?? ''),
      remoteAddress: this.remoteAddress,
      secure: this.secure,
    };
    this.setState(SessionState.BINDING);
    this.pauseReading('bind');
    const finish = (decision: BindDecision): void => {
      if (this.closed) {
        this.#abandoned(request, decision);
        return;
      }
      if (!decision.ok) {
        this.setState(SessionState.OPEN);
        this.respond(command, sequence, { status: decision.status || Status.ESME_RBINDFAIL });
        this.resumeReading('bind');
        return;
      }
      const ours = this.#options.interfaceVersion ?? InterfaceVersion.V50;
      this.setInterfaceVersion(Math.min(ours, theirs));
      this.#systemId = request.systemId;
      this.#bindType = request.bindType;
      this.#context = decision.context;
      if (this.#initTimer) clearTimeout(this.#initTimer);
      this.setState(boundStateFor(command));
      // sc_interface_version only to ESMEs that speak TLVs (3.4+); a 3.3 session never gets a TLV.
      const tlvs =
        theirs >= InterfaceVersion.V34 ? { sc_interface_version: Math.min(ours, theirs) } : undefined;
      this.respond(command, sequence, {
        status: 0,
        fields: { system_id: this.#options.systemId ?? 'hub' },
        tlvs,
      });
      this.resumeReading('bind');
    };
    const failed = (err: unknown): void => {
      finish({ ok: false, status: isHubError(err) ? toSmppStatus(err) : Status.ESME_RBINDFAIL });
    };
    try {
      Promise.resolve(this.#options.onBind(request)).then(finish, failed);
    } catch (err) {
      failed(err);
    }
  }

  #abandoned(request: BindRequest, decision: BindDecision): void {
    try {
      this.#options.onBindAbandoned?.(request, decision);
    } catch (err) {
      this.emit('protocolError', {
        kind: 'handler-error',
        command: bindCommandFor(request.bindType),
        error: err instanceof Error ? err : new Error(String(err)),
      });
    }
  }

  protected override onFinish(): void {
    if (this.#initTimer) clearTimeout(this.#initTimer);
  }
}

/**
 * Hub's SMPP server (Hub is the MC): plain TCP and TLS on separate listeners over node-smpp's
 * `createServer`, one {@link ServerSession} per connection. Policy lives in the hooks: `onBind` decides
 * binds, `onRequest` decides every other request, and the session writes all responses. Listener
 * errors are reported as `listenerError`, never thrown at the process.
 */
export class SmppServer extends EventEmitter<SmppServerEvents> {
  readonly #options: SmppServerOptions;
  readonly #listeners: smpp.Server[] = [];
  readonly #sessions = new Set<ServerSession>();

  /** Throws `HUB_ERR_CONFIG` for an unusable `maxPduLength` or `windowSize` (fix the configuration). */
  constructor(options: SmppServerOptions) {
    super();
    effectiveMaxPduLength(options.maxPduLength);
    if (
      options.windowSize !== undefined &&
      !(Number.isInteger(options.windowSize) && options.windowSize >= 1)
    )
      throw new Errors.HUB_ERR_CONFIG('windowSize', `must be an integer >= 1, got ${options.windowSize}`);
    this.#options = options;
  }

  /** Live sessions (any state but CLOSED). */
  get sessions(): ReadonlySet<ServerSession> {
    return this.#sessions;
  }

  /** Starts a plain TCP listener; resolves with its address (port 0 → an ephemeral port). */
  listen(options: ListenOptions): Promise<AddressInfo> {
    return this.#start(smpp.createServer({}), options, false);
  }

  /** Starts a TLS listener (SMPP over TLS, conventionally port 3550). */
  listenTls(options: TlsListenOptions): Promise<AddressInfo> {
    const server = smpp.createServer({
      key: options.key,
      cert: options.cert,
      ...(options.ca === undefined ? {} : { ca: options.ca }),
      requestCert: options.requestCert ?? false,
    });
    server.on('tlsClientError', (err: Error) => this.emit('listenerError', err));
    return this.#start(server, options, true);
  }

  /**
   * Stops accepting, unbinds every bound session (waiting up to the response timer for unbind_resp),
   * closes the rest, and resolves when every session and listener is closed.
   */
  async close(): Promise<void> {
    const listeners = this.#listeners
      .splice(0)
      .map((l) => new Promise<void>((resolve) => l.close(() => resolve())));
    const sessions = [...this.#sessions].map(
      (s) =>
        new Promise<void>((resolve) => {
          if (s.state === SessionState.CLOSED) return resolve();
          s.once('close', () => resolve());
          if (isBound(s.state)) void s.unbind();
          else s.close('closed');
        }),
    );
    await Promise.all([...sessions, ...listeners]);
  }

  #start(server: smpp.Server, options: ListenOptions, secure: boolean): Promise<AddressInfo> {
    server.on('session', (node: NodeSession) => this.#accept(node, secure));
    server.on('error', (err: Error) => this.emit('listenerError', err));
    return new Promise<AddressInfo>((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      server.once('error', onError);
      server.listen(options.port, options.host ?? '127.0.0.1', () => {
        server.off('error', onError);
        this.#listeners.push(server);
        resolve(server.address() as AddressInfo);
      });
    });
  }

  #accept(node: NodeSession, secure: boolean): void {
    const session = new ServerSession(node, this.#options, secure);
    this.#sessions.add(session);
    session.on('protocolError', (info) => this.emit('protocolError', session, info));
    session.on('state', (state) => {
      if (isBound(state)) this.emit('bound', session);
    });
    session.once('close', (reason) => {
      this.#sessions.delete(session);
      this.emit('closed', session, reason);
    });
    this.emit('session', session);
  }
}
