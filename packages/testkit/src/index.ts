export { hasRedisServer, RedisServer } from '@hub/redis-process';
export type { RedisServerOptions } from '@hub/redis-process';
export { freePort } from './ports.js';
export { once, waitFor } from './wait.js';
export type { WaitOptions } from './wait.js';
