export * from './address.js';
export * from './ids.js';
export * from './message.js';
export * from './report.js';
export * from './schema.js';
export * from './status.js';
