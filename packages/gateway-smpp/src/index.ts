export { loadAccounts } from '@hub/config';
export { AccountDirectory } from './accounts.js';
export { type BindRegistry, RedisBindRegistry } from './binds.js';
export { RedisConcatStore } from './concat.js';
export type { AccountRateLimiter, GatewayLogger, SmppGatewayOptions } from './gateway.js';
export { buildDeliver, SmppGateway } from './gateway.js';
export { decodeSubmit } from './inbound.js';
export type { ConcatStore, GatewayStore } from './ports.js';
export { createSmppGatewayService } from './service.js';
