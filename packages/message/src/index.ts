export * from './address.js';
export { withFastParse } from './fast-parse.js';
export * from './ids.js';
export * from './message.js';
export * from './report.js';
export * from './schema.js';
export * from './status.js';
