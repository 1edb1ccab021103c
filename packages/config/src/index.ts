export { loadConfig } from './load.js';
export type { LoadOptions } from './load.js';
export * from './schema.js';
