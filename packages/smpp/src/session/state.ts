/**
 * SMPP session states and the operation matrix (SMPP 5.0 §2.3–2.4, Table 2-1). Pure: no I/O.
 *
 * OPEN → BINDING → BOUND_TX | BOUND_RX | BOUND_TRX → UNBINDING → CLOSED. OUTBOUND (an MC that sent
 * outbind) is not modelled: Hub never sends outbind and answers a received one like a bind request.
 */
export const SessionState = {
  OPEN: 'OPEN',
  BINDING: 'BINDING',
  BOUND_TX: 'BOUND_TX',
  BOUND_RX: 'BOUND_RX',
  BOUND_TRX: 'BOUND_TRX',
  UNBINDING: 'UNBINDING',
  CLOSED: 'CLOSED',
} as const;

/** One of {@link SessionState}. */
export type SessionState = (typeof SessionState)[keyof typeof SessionState];

/** Who issues a PDU: the ESME (client) or the MC (SMSC, Hub's server side). */
export type Side = 'esme' | 'mc';

/** The three bind operations. */
export type BindCommand = 'bind_transmitter' | 'bind_receiver' | 'bind_transceiver';

/** Short bind type used in hooks and options. */
export type BindType = 'tx' | 'rx' | 'trx';

const BOUND: ReadonlySet<SessionState> = new Set([
  SessionState.BOUND_TX,
  SessionState.BOUND_RX,
  SessionState.BOUND_TRX,
]);
const TX: ReadonlySet<SessionState> = new Set([SessionState.BOUND_TX, SessionState.BOUND_TRX]);
const RX: ReadonlySet<SessionState> = new Set([SessionState.BOUND_RX, SessionState.BOUND_TRX]);

/** Requests an ESME may issue only while bound as transmitter (TX or TRX). */
const ESME_TX_OPS: ReadonlySet<string> = new Set([
  'submit_sm',
  'submit_multi',
  'data_sm',
  'query_sm',
  'cancel_sm',
  'replace_sm',
  'broadcast_sm',
  'query_broadcast_sm',
  'cancel_broadcast_sm',
]);

/** Requests an MC may issue only toward a receiver (RX or TRX). */
const MC_RX_OPS: ReadonlySet<string> = new Set(['deliver_sm', 'data_sm', 'alert_notification']);

const BIND_OPS: ReadonlySet<string> = new Set(['bind_transmitter', 'bind_receiver', 'bind_transceiver']);

/** True for BOUND_TX, BOUND_RX and BOUND_TRX. */
export function isBound(state: SessionState): boolean {
  return BOUND.has(state);
}

/** True for the bind request commands. */
export function isBindCommand(command: string): command is BindCommand {
  return BIND_OPS.has(command);
}

/** The bound state a successful bind of this kind leads to. */
export function boundStateFor(bind: BindCommand | BindType): SessionState {
  switch (bind) {
    case 'bind_transmitter':
    case 'tx':
      return SessionState.BOUND_TX;
    case 'bind_receiver':
    case 'rx':
      return SessionState.BOUND_RX;
    default:
      return SessionState.BOUND_TRX;
  }
}

/** `tx` / `rx` / `trx` for a bind command, and back with {@link bindCommandFor}. */
export function bindTypeOf(bind: BindCommand): BindType {
  return bind === 'bind_transmitter' ? 'tx' : bind === 'bind_receiver' ? 'rx' : 'trx';
}

/** The bind command for a bind type. */
export function bindCommandFor(type: BindType): BindCommand {
  return type === 'tx' ? 'bind_transmitter' : type === 'rx' ? 'bind_receiver' : 'bind_transceiver';
}

/**
 * Whether `side` may issue `command` while the session is in `state` (the operation matrix).
 * Responses (`*_resp`, generic_nack) and enquire_link are legal in every state but CLOSED; unknown
 * commands are never allowed. A caller answering a disallowed request replies ESME_RINVBNDSTS — or
 * ESME_RALYBND for a bind on a bound session (see {@link bindRefusalStatus}).
 */
export function allowed(state: SessionState, command: string, side: Side): boolean {
  if (state === SessionState.CLOSED) return false;
  if (command === 'enquire_link' || command === 'generic_nack' || command.endsWith('_resp')) return true;
  if (BIND_OPS.has(command)) return side === 'esme' && state === SessionState.OPEN;
  if (command === 'outbind') return side === 'mc' && state === SessionState.OPEN;
  if (command === 'unbind') return BOUND.has(state);
  if (side === 'esme') return ESME_TX_OPS.has(command) && TX.has(state);
  return MC_RX_OPS.has(command) && RX.has(state);
}

/**
 * The command_status for a bind received in `state`: 0 when a bind may proceed, ESME_RALYBND (0x05) on
 * a bound session, ESME_RINVBNDSTS (0x04) while binding or unbinding.
 */
export function bindRefusalStatus(state: SessionState): number {
  if (state === SessionState.OPEN) return 0;
  return BOUND.has(state) ? 0x05 : 0x04;
}
