import type { HubMessage, MessageState, NewMessage } from '@hub/message';
import type { Mm4ConnectorServices } from './mm4/ports.js';

/** Connector kinds: one folder per kind under `src/` (`smpp/`, `mm4/`; `mm7/` to come). */
export type ConnectorKind = 'smpp' | 'mm4' | 'mm7';

/**
 * One carrier link as the worker sees it (Novu-style small interface). The worker takes a routed
 * {@link HubMessage} off the queue, calls {@link send}, stores the result; receipts and MO messages come
 * back through the `onEvent` callback given at construction ({@link ConnectorDeps}).
 *
 * Every method is safe to call concurrently. Errors are always `HubError`s from the catalog; the worker
 * acts on `err.recovery` alone (never on the message text):
 * - `throttled`: slow the queue down (BullMQ rate limit) and retry the same message later;
 * - `temporary`: retry with backoff, maybe on a fallback connector (a reconnect is under way);
 * - `permanent`: fail the message (`rejected`/`undeliverable`), retrying cannot help.
 */
export interface Connector {
  /** The configured connector id (routes name it). */
  readonly id: string;
  readonly kind: ConnectorKind;

  /**
   * Starts connecting (binding). Resolves as soon as the connector is usable, or after the start wait
   * (`ConnectorDeps.startWaitMs`) with the connector still down — it then keeps retrying in the
   * background with backoff, and {@link state} tells when it is up. Rejects only for a configuration the
   * connector cannot run with. Idempotent.
   */
  start(): Promise<void>;

  /**
   * Sends one message (all its segments) upstream and resolves once every segment was accepted.
   * Throws a `HubError` whose `recovery` is `temporary`, `throttled` or `permanent` (see the interface
   * doc). When a multi-segment message fails part way, `details.acceptedUpstreamIds` lists the segments
   * already accepted (a retry resends them all).
   */
  send(msg: HubMessage): Promise<SendResult>;

  /** A snapshot for health checks, failover decisions and the API (cheap, synchronous). */
  state(): ConnectorState;

  /**
   * Unbinds politely and stops reconnecting. Sends still in flight or waiting for a rate slot fail with
   * a `temporary` error (the worker re-queues them: nothing is lost). Idempotent.
   */
  stop(): Promise<void>;
}

/** What {@link Connector.send} resolves with. */
export interface SendResult {
  /**
   * Upstream ids of every submitted segment, in segment order, normalised with the connector's
   * `submitIdBase` (hex/dec ids as decimal strings): a receipt for any segment maps back to the message.
   */
  readonly upstreamIds: string[];
  /** Submits made (PDUs; a message_payload submit counts 1). */
  readonly segments: number;
  /** `Date.now()` when the last segment was accepted. */
  readonly acceptedAt: number;
}

/** Health snapshot of a connector. */
export interface ConnectorState {
  readonly id: string;
  readonly kind: ConnectorKind;
  /** True while the connector can send (at least one transmit-capable session bound). */
  readonly up: boolean;
  /** Sessions configured and currently bound. */
  readonly sessions: { readonly configured: number; readonly bound: number };
  /** Requests awaiting an upstream response, over all sessions. */
  readonly inFlight: number;
  /** Sends waiting for a rate slot. */
  readonly waiting: number;
  /** Rate limiter: configured msg/s (0 = unlimited) and the current (backed-off) rate; `null` = unlimited. */
  readonly rate: { readonly configured: number; readonly current: number | null };
  /** Last congestion_state reported by the upstream (SMPP 5.0), if any. */
  readonly congestion?: number;
  /** Last error seen (connect/bind failure, send failure), for operators. */
  readonly lastError?: { readonly code: string; readonly message: string; readonly at: number };
  /** `Date.now()` of the last up/down change. */
  readonly since: number;
}

/** Raw upstream fields of a report, for the history and debugging. */
export interface ReportRaw {
  /** The id as the upstream wrote it (before normalisation). */
  readonly id: string;
  /** message_state TLV value, receipt `stat:` word, `err:` text, network_error_code TLV. */
  readonly messageState?: number;
  readonly stat?: string;
  readonly err?: string;
  readonly networkErrorCode?: { readonly type: number; readonly code: number };
  /** Receipt text (read from the raw bytes as Latin-1), when there was one. */
  readonly text?: string;
  readonly sub?: number;
  readonly dlvrd?: number;
  /** esm_class of the PDU carrying it. */
  readonly esmClass?: number;
}

/** A delivery report from upstream about a message Hub submitted. */
export interface UpstreamReport {
  /** Connector id it arrived on. */
  readonly connector: string;
  /**
   * Upstream id normalised with the connector's `receiptIdBase`, comparable with
   * {@link SendResult.upstreamIds} (hex/dec ids as decimal strings, string ids trimmed).
   */
  readonly upstreamId: string;
  /** Hub state it reports (`submitted` for intermediate states such as ENROUTE/ACCEPTD). */
  readonly state: MessageState;
  /** Upstream error code: receipt `err:`, else network_error_code as `<type>:<code>`. */
  readonly error?: string;
  /** Done date (ms since epoch, read as UTC), when the upstream gave one. */
  readonly doneAt?: number;
  readonly submitDate?: number;
  /** `Date.now()` on arrival. */
  readonly receivedAt: number;
  readonly raw: ReportRaw;
}

/**
 * A mobile-originated message from upstream, ready for `createMessage()` once the worker gives it an id:
 * direction `mo`, addresses normalised, content with dataCoding/text/bytes/segments (concatenated parts
 * already reassembled), unknown TLVs in `extras.smppTlvs`.
 */
export interface UpstreamMo {
  readonly connector: string;
  readonly receivedAt: number;
  readonly message: Omit<NewMessage, 'id'>;
  /**
   * Set when the parts timed out before all arrived: the message holds the parts that did, in order
   * (`missing` lists the part numbers lost).
   */
  readonly incomplete?: { readonly total: number; readonly missing: readonly number[] };
}

/** The receive side: what {@link ConnectorEvent} carries, as a map. */
export interface ConnectorEvents {
  report(ev: UpstreamReport): Promise<void>;
  mo(ev: UpstreamMo): Promise<void>;
}

/** One event from a connector's receive side. */
export type ConnectorEvent =
  | { readonly type: 'report'; readonly report: UpstreamReport }
  | { readonly type: 'mo'; readonly mo: UpstreamMo };

/**
 * Receives reports and MO messages. The returned promise is the acknowledgement: the connector answers
 * the upstream (SMPP deliver_sm_resp) only after it resolves, so a report or MO is acked only once Hub
 * stored it. Rejecting makes the connector answer a temporary error (SMPP ESME_RX_T_APPN) and the
 * upstream redelivers later.
 */
export type OnConnectorEvent = (ev: ConnectorEvent) => Promise<void>;

/** Adapts a {@link ConnectorEvents} object to the {@link OnConnectorEvent} callback. */
export function eventsCallback(events: ConnectorEvents): OnConnectorEvent {
  return (ev) => (ev.type === 'report' ? events.report(ev.report) : events.mo(ev.mo));
}

/** What a connector needs besides its config. */
export interface ConnectorDeps {
  /** Receive side (reports, MO). Default: refuse with a temporary error, so the upstream keeps them. */
  readonly onEvent?: OnConnectorEvent;
  /** How long {@link Connector.start} waits for the connector to become usable (default 5000 ms). */
  readonly startWaitMs?: number;
  /** How long `send()` waits for a bound session before failing `temporary` (default 0: fail at once). */
  readonly bindWaitMs?: number;
  /** Longest wait for a rate slot before `send()` fails `throttled` (default: the response timeout). */
  readonly maxRateWaitMs?: number;
  /** How long partial concatenated MO parts are kept (default 60000 ms). */
  readonly moPartTimeoutMs?: number;
  /**
   * Called for problems the connector handled itself (unparseable receipt, dropped MO part, failed
   * event delivery after a timeout). For logs and metrics; must not throw.
   */
  readonly onWarning?: (what: string, err?: unknown) => void;
  /** Services of the `mm4` kind (part bytes, REQ/RES correlation); other kinds ignore it. */
  readonly mm4?: Mm4ConnectorServices;
  /** Clock (tests). */
  readonly now?: () => number;
}
