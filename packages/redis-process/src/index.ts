export { freePort } from './ports.js';
export type { RedisServerOptions } from './redis-server.js';
export { hasRedisServer, RedisServer } from './redis-server.js';
