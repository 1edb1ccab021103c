export { type ApiAppOptions, buildApiApp } from './app.js';
export { type AuditEntry, AuditLog, DEFAULT_AUDIT_MAX } from './audit.js';
export {
  API_KEYS_KIND,
  Authenticator,
  newApiKey,
  type Principal,
  parseToken,
  type Role,
  roleAllows,
  type StoredApiKey,
} from './auth.js';
export type { ApiLogger } from './context.js';
export {
  type ConnectorLiveState,
  connectorStateKey,
  connectorStatsKey,
  publishConnectorState,
  readConnectorStates,
} from './live.js';
export { AccountInput, KINDS, maskAccount, maskConnector, validateTable } from './model.js';
export {
  EXPORT_VERSION,
  type ImportSummary,
  importConfig,
  type SeedSource,
  seedFromConfig,
} from './resources/config.js';
export { createApiService } from './service.js';
export { type FieldIssue, jsonSchema } from './validation.js';
