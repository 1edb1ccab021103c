export * from './bus.js';
export * from './catalog.js';
export * from './redis.js';
