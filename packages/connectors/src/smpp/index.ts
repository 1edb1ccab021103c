/** The SMPP connector kind: submit planning, receive parsing, status table and the connector itself. */

export type { AddResult, MoPart, ReceiveConfig, ReceivedPdu } from './receive.js';
export {
  buildMo,
  canonicalId,
  isReport,
  MoAssembler,
  parseReport,
  readMoPart,
  unknownTlvsToExtras,
  userData,
} from './receive.js';
export type { SmppConnectorDeps } from './smpp-connector.js';
export { SmppConnector } from './smpp-connector.js';
export type { StatusClass } from './status-map.js';
export { classifyStatus, statusError } from './status-map.js';
export type {
  EncodedContent,
  PlannedSubmit,
  PlanOptions,
  SmppAddress,
  SubmitConfig,
  SubmitPlan,
} from './submit.js';
export { capacity, cutPoints, encodeContent, planSubmits, smppAddress } from './submit.js';
