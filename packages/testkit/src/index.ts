export type { RedisServerOptions } from '@hub/redis-process';
export { hasRedisServer, RedisServer } from '@hub/redis-process';
export { freePort } from './ports.js';
export * from './smpp/index.js';
export type { WaitOptions } from './wait.js';
export { once, waitFor } from './wait.js';
