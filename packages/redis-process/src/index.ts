export { hasRedisServer, RedisServer } from './redis-server.js';
export type { RedisServerOptions } from './redis-server.js';
