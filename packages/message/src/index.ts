export * from './address.js';
export * from './ids.js';
export * from './message.js';
export * from './schema.js';
export * from './status.js';
export * from './report.js';
