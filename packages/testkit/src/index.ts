export { freePort } from './ports.js';
export { hasRedisServer, RedisServer } from './redis-server.js';
export type { RedisServerOptions } from './redis-server.js';
export { once, waitFor } from './wait.js';
export type { WaitOptions } from './wait.js';
