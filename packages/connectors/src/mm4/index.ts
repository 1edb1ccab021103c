/**
 * The MM4 connector kind: {@link Mm4Connector} around the outbound {@link Mm4Sender} (MM4_forward.REQ over
 * pooled SMTP), the SMTP transport and error mapping, and the ports the MM4 gateway implements.
 */

export type { Mm4ConnectorDeps } from './mm4-connector.js';
export { Mm4Connector, mm4SenderConfig } from './mm4-connector.js';
export type { Mm4ConnectorServices, Mm4PartReader, Mm4SendCorrelation, ResWait, SentReq } from './ports.js';
export type { Mm4SenderConfig, Mm4SenderDeps, Mm4SendResult } from './sender.js';
export { Mm4Sender } from './sender.js';
export type { PeerTransport, SmtpSendResult, SmtpTarget } from './smtp.js';
export { classifySmtpError, createPeerTransport, DEFAULT_PEER_MAX_MESSAGES } from './smtp.js';
