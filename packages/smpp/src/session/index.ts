/**
 * SMPP sessions over node-smpp: {@link SmppServer} (ESMEs bind to Hub) and {@link SmppClient} (Hub binds
 * to upstream SMSCs), both built on {@link SmppSession} (state machine, window, timers, framing recovery).
 */

export type {
  BoundInfo,
  ClientTlsOptions,
  ReconnectOptions,
  SmppClientEvents,
  SmppClientOptions,
} from './client-session.js';
export { ClientSession, SmppClient } from './client-session.js';
export type { SmppPdu, TlvKind } from './node-smpp.js';
export { MAX_PDU_LENGTH, registerTlv } from './node-smpp.js';
export type {
  BindAbandonedHook,
  BindDecision,
  BindHook,
  BindRequest,
  ListenOptions,
  SmppServerEvents,
  SmppServerOptions,
  TlsListenOptions,
} from './server-session.js';
export { ServerSession, SmppServer } from './server-session.js';
export type {
  CloseReason,
  ProtocolErrorInfo,
  RequestDecision,
  RequestHandler,
  RequestOptions,
  SessionTimings,
  SmppSessionEvents,
} from './session.js';
export { effectiveMaxPduLength, SmppSession } from './session.js';
export type { BindCommand, BindType, Side } from './state.js';
export {
  allowed,
  bindCommandFor,
  bindRefusalStatus,
  bindTypeOf,
  boundStateFor,
  isBindCommand,
  isBound,
  SessionState,
} from './state.js';
export type { PendingEntry, WindowOptions } from './window.js';
export { Window } from './window.js';
