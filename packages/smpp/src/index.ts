export * from './codec/index.js';
export * from './session/index.js';
