export type { AccountSource } from './accounts.js';
export { IpAllowlist, loadAccounts } from './accounts.js';
export type { LoadOptions } from './load.js';
export { loadConfig } from './load.js';
export * from './schema.js';
