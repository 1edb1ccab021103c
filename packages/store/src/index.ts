export * from './config.js';
export * from './content.js';
export * from './messages.js';
export * from './node-id.js';
export * from './rate-limit.js';
export type { RedisClient } from './redis.js';
export { DEFAULT_PREFIX, LuaScript } from './redis.js';
export * from './secrets.js';
