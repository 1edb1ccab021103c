/**
 * `@hub/gateway-mm7`: Hub's MM7 endpoint for VASPs (SubmitReq, CancelReq, ReplaceReq over SOAP 1.1) and the
 * outbox delivery of MO messages, delivery reports and read replies to them. See docs/mm7.md.
 */
export { loadAccounts } from '@hub/config';
export { VaspDirectory } from './accounts.js';
export type { Mm7AppOptions } from './app.js';
export { buildMm7App } from './app.js';
export type { Mm7Decision, Mm7GatewayOptions, Mm7RequestMeta } from './gateway.js';
export { bodyLimitFor, Mm7Gateway } from './gateway.js';
export type { ContentLeaf, FlatContent, SubmitRecipients } from './inbound.js';
export {
  flattenContent,
  submitExtras,
  submitOptions,
  submitRecipients,
  submitSender,
  timeOf,
  toHubAddress,
  toMm7Address,
} from './inbound.js';
export type { VaspDeliveryOptions, VaspOutcome } from './outbox.js';
export { classifyVaspResponse, VaspDelivery } from './outbox.js';
export type { ContentMeta, ContentStore, Mm7Logger, Mm7MessageStore } from './ports.js';
export { silentLogger } from './ports.js';
export { createMm7GatewayService } from './service.js';
