/**
 * `@hub/gateway-mm4`: MM4 interconnect with peer MMSCs over SMTP — the inbound SMTP server
 * ({@link Mm4Gateway}), .RES and reports back to peers, the .RES timeout worker, and the Redis
 * correlation the `mm4` connector kind of `@hub/connectors` shares with it. The outbound `Mm4Sender`
 * lives in `@hub/connectors` and is re-exported here.
 */

export type {
  Mm4SenderConfig,
  Mm4SenderDeps,
  Mm4SendResult,
  PeerTransport,
  SmtpSendResult,
  SmtpTarget,
} from '@hub/connectors';
export { classifySmtpError, createPeerTransport, Mm4Sender } from '@hub/connectors';
export type { RedisMm4CorrelationOptions } from './correlation.js';
export { MemoryMm4Correlation, RedisMm4Correlation } from './correlation.js';
export type { Mm4GatewayLogger, Mm4GatewayOptions } from './gateway.js';
export { Mm4Gateway } from './gateway.js';
export type { ForwardContext } from './inbound.js';
export { envelopeRecipient, forwardToMessage, originator, partOf, priorityOf } from './inbound.js';
export type { PeerRoute } from './peers.js';
export { Mm4PeerDirectory } from './peers.js';
export type { Mm4ContentStore, Mm4Correlation, Mm4MessageStore, SentReq } from './ports.js';
export { Mm4MailJob, Mm4ResTimeoutJob, mm4ResQueue, mm4ResTimeoutQueue, resTimeoutJobId } from './queue.js';
export type { Mm4ConnectorServicesOptions } from './service.js';
export { createMm4ConnectorServices, createMm4ContentStore, createMm4GatewayService } from './service.js';
