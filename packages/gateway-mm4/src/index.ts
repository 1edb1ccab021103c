/**
 * `@hub/gateway-mm4`: MM4 interconnect with peer MMSCs over SMTP — the inbound SMTP server
 * ({@link Mm4Gateway}), .RES and reports back to peers, and the outbound {@link Mm4Sender} that the
 * `mm4` connector kind wraps.
 */

export type { RedisMm4CorrelationOptions } from './correlation.js';
export { MemoryMm4Correlation, RedisMm4Correlation } from './correlation.js';
export type { Mm4GatewayLogger, Mm4GatewayOptions } from './gateway.js';
export { Mm4Gateway } from './gateway.js';
export type { ForwardContext } from './inbound.js';
export { envelopeRecipient, forwardToMessage, originator, partOf, priorityOf } from './inbound.js';
export type { PeerRoute } from './peers.js';
export { Mm4PeerDirectory } from './peers.js';
export type { Mm4ContentStore, Mm4Correlation, Mm4MessageStore, SentReq } from './ports.js';
export { Mm4MailJob, mm4ResQueue } from './queue.js';
export type { Mm4SenderConfig, Mm4SenderDeps, Mm4SendResult } from './sender.js';
export { Mm4Sender } from './sender.js';
export { createMm4GatewayService } from './service.js';
export type { PeerTransport, SmtpSendResult, SmtpTarget } from './smtp.js';
export { classifySmtpError, createPeerTransport } from './smtp.js';
