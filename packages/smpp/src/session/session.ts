import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { Errors, isHubError, toSmppStatus } from '@hub/errors';
import {
  checkRequestBody,
  encodePdu,
  isKnownCommand,
  limitPduLength,
  MAX_PDU_LENGTH,
  type NodePdu,
  type NodeSession,
  responseCommandOf,
  type SmppPdu,
  toSmppPdu,
} from './node-smpp.js';
import { allowed, isBindCommand, isBound, SessionState, type Side } from './state.js';
import { downgradeStatus, InterfaceVersion, Status } from './status.js';
import { Window } from './window.js';
import { WriteCoalescer } from './write-coalescer.js';

/** Why a session ended (gosmpp-style close reasons). */
export type CloseReason =
  | 'closed' // closed by Hub (close()/destroy() or shutdown)
  | 'unbound' // unbind completed, either direction
  | 'peer-closed' // the peer closed the TCP connection
  | 'socket-error' // ECONNRESET, TLS failure, ...
  | 'invalid-stream' // framing error: generic_nack sent, connection dropped
  | 'session-init-timeout' // no bind in time (server side)
  | 'enquire-link-timeout' // idle, pinged, no answer: dead peer
  | 'bind-failed'; // client side: bind refused or unanswered

/** A protocol problem the session handled by itself, reported for logs and metrics. */
export interface ProtocolErrorInfo {
  readonly kind:
    | 'framing' // unparseable stream, connection dropped
    | 'unknown-command' // answered generic_nack ESME_RINVCMDID
    | 'invalid-body' // answered with the status below
    | 'invalid-state' // answered ESME_RINVBNDSTS / ESME_RALYBND
    | 'unexpected-response' // a response matching no pending request (late, after a timeout)
    | 'handler-error'; // onRequest threw or rejected: answered with toSmppStatus(err)
  readonly command?: string;
  readonly sequence?: number;
  /** command_status sent back, when one was. */
  readonly status?: number;
  readonly error?: Error;
}

/**
 * What a request handler decides; the session writes the response (the one place that does). `fields`
 * and `tlvs` go into the `*_resp` (TLVs are dropped for SMPP 3.3 peers); `congestionState` (0–100) is
 * added as the congestion_state TLV on SMPP 5.0 sessions.
 */
export interface RequestDecision {
  readonly status: number;
  readonly fields?: Readonly<Record<string, unknown>>;
  readonly tlvs?: Readonly<Record<string, unknown>>;
  readonly congestionState?: number;
}

/**
 * Handles a request the peer may issue in the current state (already checked against the operation
 * matrix and the body validated). Throwing or rejecting answers with `toSmppStatus(err)` — throw a
 * catalog HubError to pick the status. The result is ignored for PDUs without a response
 * (alert_notification, outbind).
 */
export type RequestHandler = (
  session: SmppSession,
  pdu: SmppPdu,
) => Promise<RequestDecision> | RequestDecision;

/** Timers and limits of one session. All durations in milliseconds. */
export interface SessionTimings {
  /** Response timer for requests Hub sends (default 10000). */
  readonly responseTimeoutMs?: number;
  /** Most requests Hub has in flight (default 10). */
  readonly windowSize?: number;
  /** How long `request()` waits for a free window slot (default: responseTimeoutMs). */
  readonly windowWaitMs?: number;
  /** Idle time (nothing received) before Hub sends enquire_link; 0 disables (default 30000). */
  readonly enquireLinkIntervalMs?: number;
  /** Bound and no transaction (anything but enquire_link) for this long → unbind; 0 disables (default 0). */
  readonly inactivityTimeoutMs?: number;
  /** Peer requests handled at once; reading pauses beyond it (default 100). */
  readonly maxInboundInFlight?: number;
  /** After close(), how long to wait for the peer to close before destroying the socket (default 2000). */
  readonly closeGraceMs?: number;
  /**
   * Longest PDU (command_length, octets) accepted from the peer; a longer one gets generic_nack
   * ESME_RINVCMDLEN and the connection is closed. Capped at {@link MAX_PDU_LENGTH}, node-smpp's
   * process-wide limit (also the default). An integer below 16 throws `HUB_ERR_CONFIG`.
   */
  readonly maxPduLength?: number;
}

/**
 * The effective `maxPduLength` of {@link SessionTimings}: `value` capped at {@link MAX_PDU_LENGTH}.
 * Throws `HUB_ERR_CONFIG` when `value` is not an integer of at least 16 (an SMPP header): fix the
 * configuration.
 */
export function effectiveMaxPduLength(value: number | undefined): number {
  if (value === undefined) return MAX_PDU_LENGTH;
  if (!Number.isInteger(value) || value < 16)
    throw new Errors.HUB_ERR_CONFIG('maxPduLength', `must be an integer >= 16, got ${value}`);
  return Math.min(value, MAX_PDU_LENGTH);
}

/** Options of one request Hub sends. */
export interface RequestOptions {
  /** Response timer (default: the session's responseTimeoutMs). */
  readonly timeoutMs?: number;
  /** TLVs to add (dropped on SMPP 3.3 sessions). */
  readonly tlvs?: Readonly<Record<string, unknown>>;
}

/** Events of an {@link SmppSession}. */
export interface SmppSessionEvents {
  /** State change: new state, previous state. */
  state: [SessionState, SessionState];
  /** Any response received for a request Hub sent (after it settled the pending request). */
  response: [SmppPdu];
  /** A protocol problem the session already answered. */
  protocolError: [ProtocolErrorInfo];
  /** The session is over; emitted once. */
  close: [CloseReason];
}

const DEFAULTS = {
  responseTimeoutMs: 10_000,
  windowSize: 10,
  enquireLinkIntervalMs: 30_000,
  inactivityTimeoutMs: 0,
  maxInboundInFlight: 100,
  closeGraceMs: 2_000,
} as const;

/** Commands that get a response and are sent unwindowed (control traffic must not queue behind submits). */
const CONTROL = new Set(['enquire_link', 'unbind', 'bind_transmitter', 'bind_receiver', 'bind_transceiver']);

/** Internal construction parameters, filled by the server and client wrappers. */
export interface SessionInit {
  readonly side: Side;
  readonly timings: SessionTimings;
  readonly onRequest: RequestHandler | undefined;
}

type PauseCause = 'bind' | 'inflight';

/**
 * One SMPP connection over a node-smpp `Session`, on either side: state machine, window with response
 * timers, enquire_link both ways, unbind both ways, framing-error recovery (generic_nack then drop),
 * the operation matrix (ESME_RINVBNDSTS), TLV stripping for SMPP 3.3 peers. Built by {@link SmppServer}
 * (side `mc`) and {@link SmppClient} (side `esme`); not constructed directly.
 */
export class SmppSession extends EventEmitter<SmppSessionEvents> {
  /** Random id for logs. */
  readonly id: string = randomUUID();
  /** Hub's side of the link: `mc` for sessions accepted by the server, `esme` for client sessions. */
  readonly side: Side;
  /** Peer address as seen on the socket. */
  readonly remoteAddress: string;
  readonly remotePort: number;

  protected readonly node: NodeSession;
  protected readonly socket: Socket;
  protected readonly timings: Required<Omit<SessionTimings, 'windowWaitMs'>> & { windowWaitMs: number };
  protected readonly window: Window<string, SmppPdu>;
  /** Every PDU Hub sends goes through here: one socket write per tick, not per PDU. */
  readonly #out: WriteCoalescer;
  #state: SessionState = SessionState.OPEN;
  #version: number = InterfaceVersion.V34;
  #sequence = 0;
  #lastPeerSequence = 0;
  #lastRx = Date.now();
  #lastTransaction = Date.now();
  #pinging = false;
  #idleTimer: NodeJS.Timeout | undefined;
  #graceTimer: NodeJS.Timeout | undefined;
  #closeReason: CloseReason | undefined;
  #finished = false;
  #framingFailed = false;
  #inflight = 0;
  readonly #paused = new Set<PauseCause>();
  readonly #onRequest: RequestHandler | undefined;

  protected constructor(node: NodeSession, init: SessionInit) {
    super();
    this.node = node;
    this.socket = node.socket as Socket;
    this.#out = new WriteCoalescer(this.socket);
    this.side = init.side;
    this.#onRequest = init.onRequest;
    const t = init.timings;
    const responseTimeoutMs = t.responseTimeoutMs ?? DEFAULTS.responseTimeoutMs;
    this.timings = {
      responseTimeoutMs,
      windowSize: t.windowSize ?? DEFAULTS.windowSize,
      windowWaitMs: t.windowWaitMs ?? responseTimeoutMs,
      enquireLinkIntervalMs: t.enquireLinkIntervalMs ?? DEFAULTS.enquireLinkIntervalMs,
      inactivityTimeoutMs: t.inactivityTimeoutMs ?? DEFAULTS.inactivityTimeoutMs,
      maxInboundInFlight: t.maxInboundInFlight ?? DEFAULTS.maxInboundInFlight,
      closeGraceMs: t.closeGraceMs ?? DEFAULTS.closeGraceMs,
      maxPduLength: effectiveMaxPduLength(t.maxPduLength),
    };
    this.window = new Window<string, SmppPdu>({
      maxSize: this.timings.windowSize,
      label: (r) => String(r),
    });
    this.remoteAddress = node.remoteAddress ?? this.socket.remoteAddress ?? '';
    this.remotePort = node.remotePort ?? this.socket.remotePort ?? 0;
    this.socket.setNoDelay(true);
    if (this.timings.maxPduLength < MAX_PDU_LENGTH) limitPduLength(node, this.timings.maxPduLength);

    // node-smpp re-emits socket errors and parser errors as 'error'; without a listener the process dies.
    node.on('error', (err: Error) => this.#onNodeError(err));
    node.on('pdu', (pdu: NodePdu) => {
      // Never let an exception escape into node-smpp's read loop: it would wedge the session.
      try {
        this.#onPdu(pdu);
      } catch (err) {
        this.emit('protocolError', { kind: 'handler-error', command: pdu.command, error: asError(err) });
        this.destroy('closed');
      }
    });
    node.on('close', () => this.#finish(this.#closeReason ?? 'peer-closed'));
    // The first check comes at whichever timer is due first (an inactivity limit shorter than the ping
    // interval must not wait for the ping).
    const { enquireLinkIntervalMs: ping, inactivityTimeoutMs: inactive } = this.timings;
    this.#armIdle(ping > 0 && inactive > 0 ? Math.min(ping, inactive) : ping || inactive);
  }

  /** Current state. */
  get state(): SessionState {
    return this.#state;
  }

  /**
   * The interface version in force: the lower of both sides' (0x33 = SMPP 3.3: no TLVs are ever sent,
   * 0x34, 0x50 = SMPP 5.0: congestion_state is added to responses when a handler supplies it).
   */
  get interfaceVersion(): number {
    return this.#version;
  }

  /** Requests Hub has in flight on this session. */
  get inFlight(): number {
    return this.window.size;
  }

  /** True once the session is closed or closing. */
  get closed(): boolean {
    return this.#state === SessionState.CLOSED || this.#closeReason !== undefined;
  }

  /**
   * Sends a request and resolves with its response — whatever its command_status (callers read
   * `status`; a generic_nack may come back instead of the `*_resp`). Waits for a window slot first,
   * except for control PDUs (enquire_link, unbind, bind). Rejects with `HUB_ERR_SMPP_NOT_BOUND` when
   * the state forbids the command, `HUB_ERR_SMPP_WINDOW_TIMEOUT`, `HUB_ERR_SMPP_RESPONSE_TIMEOUT`
   * (outcome unknown: the peer may have acted), `HUB_ERR_SMPP_SESSION_CLOSED` (all recovery
   * `temporary`/`throttled`: retry, on another session if need be) or `HUB_ERR_SMPP_SEND_FAILED`
   * (permanent: the fields cannot be encoded).
   */
  async request(
    command: string,
    fields: Readonly<Record<string, unknown>> = {},
    options: RequestOptions = {},
  ): Promise<SmppPdu> {
    if (!responseCommandOf(command)) {
      throw new Errors.HUB_ERR_SMPP_SEND_FAILED(command, 'not a request with a response; use send()');
    }
    this.#assertMaySend(command);
    const windowed = !CONTROL.has(command);
    if (windowed) {
      await this.window.acquire(this.timings.windowWaitMs);
      try {
        this.#assertMaySend(command);
      } catch (err) {
        this.window.release();
        throw err;
      }
    }
    const sequence = this.#nextSequence();
    let buf: Buffer;
    try {
      buf = encodePdu({ command, sequence, fields, tlvs: options.tlvs, tlvsAllowed: this.#tlvsAllowed() });
    } catch (err) {
      if (windowed) this.window.release();
      throw err;
    }
    const promise = this.window.offer(sequence, command, options.timeoutMs ?? this.timings.responseTimeoutMs);
    this.#write(buf, (err) => {
      if (err)
        this.window.fail(sequence, new Errors.HUB_ERR_SMPP_SESSION_CLOSED(err.message, { cause: err }));
    });
    if (command !== 'enquire_link') this.#lastTransaction = Date.now();
    return promise;
  }

  /**
   * Sends a PDU that has no response (alert_notification). Throws like {@link request} when the state
   * forbids it or the fields cannot be encoded.
   */
  send(
    command: string,
    fields: Readonly<Record<string, unknown>> = {},
    tlvs?: Readonly<Record<string, unknown>>,
  ): void {
    if (responseCommandOf(command)) {
      throw new Errors.HUB_ERR_SMPP_SEND_FAILED(command, 'has a response; use request()');
    }
    this.#assertMaySend(command);
    const buf = encodePdu({
      command,
      sequence: this.#nextSequence(),
      fields,
      tlvs,
      tlvsAllowed: this.#tlvsAllowed(),
    });
    this.#write(buf);
  }

  /**
   * Unbinds: sends unbind, waits for unbind_resp (or the response timer), then closes with reason
   * `unbound`. On an unbound or closed session it just closes. Never rejects.
   */
  async unbind(): Promise<void> {
    if (this.closed) return;
    if (!isBound(this.#state)) {
      this.close('closed');
      return;
    }
    // request() checks the state and writes synchronously, before the first await.
    const response = this.request('unbind');
    this.#setState(SessionState.UNBINDING);
    try {
      await response;
    } catch {
      // Unanswered unbind: close anyway.
    }
    this.close('unbound');
  }

  /**
   * Ends the connection gracefully (FIN after pending writes); destroys it if the peer has not closed
   * within `closeGraceMs`. Pending requests fail with `HUB_ERR_SMPP_SESSION_CLOSED` once it is closed.
   */
  close(reason: CloseReason = 'closed'): void {
    if (this.#closeReason !== undefined || this.#finished) return;
    this.#closeReason = reason;
    this.#clearIdle();
    this.#out.flush();
    this.socket.end();
    // Kept ref'd on purpose: a half-closed socket with paused reads is not an active handle, and
    // without this timer the process could exit (or a shutdown hang) before the socket is released.
    this.#graceTimer = setTimeout(() => this.socket.destroy(), this.timings.closeGraceMs);
  }

  /** Drops the connection at once. */
  destroy(reason: CloseReason = 'closed'): void {
    if (this.#finished) return;
    this.#closeReason ??= reason;
    this.#out.flush(); // a PDU written just before (generic_nack, unbind_resp) still leaves
    this.socket.destroy();
  }

  // ---- for the server and client wrappers ----

  protected setState(state: SessionState): void {
    this.#setState(state);
  }

  protected setInterfaceVersion(version: number): void {
    this.#version =
      version < InterfaceVersion.V34 ? InterfaceVersion.V33 : Math.min(version, InterfaceVersion.V50);
  }

  /** Stops reading for `cause` (async bind auth, inbound backlog) until {@link resumeReading}. */
  protected pauseReading(cause: PauseCause): void {
    this.#paused.add(cause);
    this.node.pause();
  }

  protected resumeReading(cause: PauseCause): void {
    this.#paused.delete(cause);
    if (this.#paused.size === 0 && !this.#framingFailed && !this.#finished) this.node.resume();
  }

  /** Writes the response to request `command`/`sequence` for `decision` (the single place responses are built). */
  protected respond(command: string, sequence: number, decision: RequestDecision): void {
    if (this.#finished) return;
    // SMPP 5.0-only codes (0x100+) mean nothing to a 3.x peer: downgraded to ESME_RSUBMITFAIL.
    const status = downgradeStatus(decision.status, this.#version);
    const resp = responseCommandOf(command);
    if (!resp) {
      // Requests without a response get a generic_nack only on error.
      if (status !== 0) this.#nack(sequence, status);
      return;
    }
    // Error responses stay header-only before 5.0 (3.4 §3.2.1.3); 5.0 allows TLVs in any response.
    const v5 = this.#version >= InterfaceVersion.V50;
    const tlvs: Record<string, unknown> = status === 0 || v5 ? { ...(decision.tlvs ?? {}) } : {};
    if (decision.congestionState !== undefined && v5) {
      tlvs.congestion_state = Math.max(0, Math.min(100, Math.round(decision.congestionState)));
    }
    let buf: Buffer;
    try {
      buf = encodePdu({
        command: resp,
        sequence,
        status,
        fields: status === 0 || Object.keys(tlvs).length > 0 ? decision.fields : undefined,
        tlvs,
        tlvsAllowed: this.#tlvsAllowed(),
      });
    } catch (err) {
      this.emit('protocolError', {
        kind: 'handler-error',
        command,
        sequence,
        status: Status.ESME_RSYSERR,
        error: asError(err),
      });
      buf = encodePdu({ command: resp, sequence, status: Status.ESME_RSYSERR, tlvsAllowed: false });
    }
    this.#write(buf);
  }

  /** Server side: handles a bind request (already allowed by the state). Default: ESME_RINVBNDSTS. */
  protected handleBind(pdu: NodePdu): void {
    this.respond(pdu.command, pdu.sequence_number, { status: Status.ESME_RINVBNDSTS });
  }

  /** Called after `close` was emitted. */
  protected onFinish(): void {}

  // ---- internals ----

  #tlvsAllowed(): boolean {
    return this.#version >= InterfaceVersion.V34;
  }

  #nextSequence(): number {
    this.#sequence = this.#sequence >= 0x7fffffff ? 1 : this.#sequence + 1;
    return this.#sequence;
  }

  #assertMaySend(command: string): void {
    if (this.closed) throw new Errors.HUB_ERR_SMPP_SESSION_CLOSED(this.#closeReason ?? 'closed');
    if (!allowed(this.#state, command, this.side))
      throw new Errors.HUB_ERR_SMPP_NOT_BOUND(command, this.#state);
  }

  #setState(next: SessionState): void {
    const prev = this.#state;
    if (prev === next) return;
    this.#state = next;
    this.emit('state', next, prev);
  }

  #write(buf: Buffer, cb?: (err?: Error | null) => void): void {
    if (this.#finished || this.socket.destroyed || !this.socket.writable) {
      cb?.(new Error('socket is not writable'));
      return;
    }
    this.#out.write(buf, cb);
  }

  #nack(sequence: number, status: number): void {
    this.#write(encodePdu({ command: 'generic_nack', sequence, status, tlvsAllowed: false }));
  }

  #onPdu(pdu: NodePdu): void {
    if (this.#finished) return;
    this.#lastRx = Date.now();
    if (pdu.command !== 'enquire_link' && pdu.command !== 'enquire_link_resp')
      this.#lastTransaction = this.#lastRx;

    if ((pdu.command_id & 0x80000000) !== 0) {
      const view = toSmppPdu(pdu);
      if (!this.window.complete(pdu.sequence_number, view)) {
        this.emit('protocolError', {
          kind: 'unexpected-response',
          command: pdu.command,
          sequence: pdu.sequence_number,
        });
      }
      this.emit('response', view);
      return;
    }
    this.#lastPeerSequence = pdu.sequence_number;

    if (pdu.command === 'unknown' || !isKnownCommand(pdu.command)) {
      this.#nack(pdu.sequence_number, Status.ESME_RINVCMDID);
      this.emit('protocolError', {
        kind: 'unknown-command',
        sequence: pdu.sequence_number,
        status: Status.ESME_RINVCMDID,
      });
      return;
    }

    const bodyStatus = checkRequestBody(pdu);
    if (bodyStatus !== 0) {
      // An impossible command_length for the fields gets a generic_nack; a field-level error the PDU's own resp.
      if (bodyStatus === Status.ESME_RINVCMDLEN) this.#nack(pdu.sequence_number, bodyStatus);
      else this.respond(pdu.command, pdu.sequence_number, { status: bodyStatus });
      this.emit('protocolError', {
        kind: 'invalid-body',
        command: pdu.command,
        sequence: pdu.sequence_number,
        status: bodyStatus,
      });
      return;
    }

    if (pdu.command === 'enquire_link') {
      this.respond(pdu.command, pdu.sequence_number, { status: 0 });
      return;
    }

    const peer: Side = this.side === 'mc' ? 'esme' : 'mc';
    if (!allowed(this.#state, pdu.command, peer)) {
      const status =
        isBindCommand(pdu.command) && isBound(this.#state) ? Status.ESME_RALYBND : Status.ESME_RINVBNDSTS;
      this.respond(pdu.command, pdu.sequence_number, { status });
      this.emit('protocolError', {
        kind: 'invalid-state',
        command: pdu.command,
        sequence: pdu.sequence_number,
        status,
      });
      return;
    }

    if (isBindCommand(pdu.command)) {
      this.handleBind(pdu);
      return;
    }

    if (pdu.command === 'unbind') {
      this.#setState(SessionState.UNBINDING);
      this.respond(pdu.command, pdu.sequence_number, { status: 0 });
      this.close('unbound');
      return;
    }

    this.#dispatch(pdu);
  }

  #dispatch(pdu: NodePdu): void {
    const handler = this.#onRequest;
    const view = toSmppPdu(pdu);
    this.#inflight++;
    if (this.#inflight >= this.timings.maxInboundInFlight) this.pauseReading('inflight');
    const done = (decision: RequestDecision): void => {
      this.#inflight--;
      this.respond(pdu.command, pdu.sequence_number, decision);
      if (this.#inflight < this.timings.maxInboundInFlight && this.#paused.has('inflight'))
        this.resumeReading('inflight');
    };
    const failed = (err: unknown): void => {
      const status = toSmppStatus(err);
      this.emit('protocolError', {
        kind: 'handler-error',
        command: pdu.command,
        sequence: pdu.sequence_number,
        status,
        error: asError(err),
      });
      done({ status });
    };
    if (!handler) {
      done({ status: Status.ESME_RSYSERR });
      return;
    }
    try {
      Promise.resolve(handler(this, view)).then(done, failed);
    } catch (err) {
      failed(err);
    }
  }

  #onNodeError(err: Error): void {
    // node-smpp leaves `_busy` set when its parser threw: that is a framing error, not a socket error.
    if (this.node._busy && !this.#framingFailed && !this.#finished) {
      this.#onFramingError(err);
      return;
    }
    if (this.#framingFailed || this.#finished) return;
    this.#closeReason ??= 'socket-error';
    this.socket.destroy();
  }

  /**
   * node-smpp stops reading for good after a parser error and sends nothing. Answer generic_nack
   * ESME_RINVCMDLEN — with the offending PDU's sequence_number when its header is still buffered
   * (command_length too large), else the last one seen — then stop parsing, drain and drop.
   */
  #onFramingError(err: Error): void {
    this.#framingFailed = true;
    this.#clearIdle();
    let sequence = this.#lastPeerSequence;
    // No pending length (null at first, false once a read found none): the throw came from reading the
    // length itself, so the rest of the offending header is still buffered.
    if (!this.node._command_length && this.socket.readableLength >= 12) {
      const head = this.socket.read(12) as Buffer | null;
      if (head) sequence = head.readUInt32BE(8);
    }
    this.emit('protocolError', { kind: 'framing', sequence, status: Status.ESME_RINVCMDLEN, error: err });
    this.#closeReason ??= 'invalid-stream';
    const nack = encodePdu({
      command: 'generic_nack',
      sequence,
      status: Status.ESME_RINVCMDLEN,
      tlvsAllowed: false,
    });
    // Keep reading (and discarding) so closing does not reset the connection before the nack arrives.
    this.socket.removeAllListeners('readable');
    this.socket.on('data', () => {});
    this.socket.resume();
    this.#out.flush();
    if (this.socket.writable) this.socket.end(nack);
    this.#graceTimer = setTimeout(() => this.socket.destroy(), this.timings.closeGraceMs);
  }

  #finish(reason: CloseReason): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#closeReason ??= reason;
    this.#clearIdle();
    if (this.#graceTimer) clearTimeout(this.#graceTimer);
    this.window.failAll(new Errors.HUB_ERR_SMPP_SESSION_CLOSED(this.#closeReason));
    this.#setState(SessionState.CLOSED);
    this.onFinish();
    this.emit('close', this.#closeReason);
  }

  #armIdle(delay: number): void {
    this.#clearIdle();
    if (delay <= 0 || this.#finished) return;
    this.#idleTimer = setTimeout(() => this.#onIdleTimer(), delay);
    this.#idleTimer.unref();
  }

  #clearIdle(): void {
    if (this.#idleTimer) clearTimeout(this.#idleTimer);
    this.#idleTimer = undefined;
  }

  #onIdleTimer(): void {
    if (this.closed) return;
    const now = Date.now();
    const { enquireLinkIntervalMs: ping, inactivityTimeoutMs: inactive } = this.timings;
    if (inactive > 0 && isBound(this.#state) && now - this.#lastTransaction >= inactive) {
      void this.unbind();
      return;
    }
    // Reads paused (bind auth, backlog): silence says nothing about the peer, so no ping.
    const canPing =
      ping > 0 && !this.#pinging && this.#paused.size === 0 && this.#state !== SessionState.BINDING;
    if (canPing && now - this.#lastRx >= ping) {
      this.#pinging = true;
      this.request('enquire_link').then(
        () => {
          this.#pinging = false;
        },
        (err: unknown) => {
          this.#pinging = false;
          if (isHubError(err, 'HUB_ERR_SMPP_RESPONSE_TIMEOUT')) this.destroy('enquire-link-timeout');
        },
      );
    }
    let next = Number.POSITIVE_INFINITY;
    if (ping > 0) {
      const left = ping - (now - this.#lastRx);
      next = left > 0 ? left : ping;
    }
    if (inactive > 0) next = Math.min(next, Math.max(1, inactive - (now - this.#lastTransaction)));
    this.#armIdle(Number.isFinite(next) ? next : 0);
  }
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
