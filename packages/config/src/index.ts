export { loadConfig } from './load.js';
export type { LoadOptions } from './load.js';
export * from './schema.js';
export { IpAllowlist, loadAccounts } from './accounts.js';
export type { AccountSource } from './accounts.js';
