export { AccountDirectory } from './accounts.js';
export { RedisConcatStore } from './concat.js';
export { buildDeliver, SmppGateway } from './gateway.js';
export type { GatewayLogger, SmppGatewayOptions } from './gateway.js';
export { decodeSubmit } from './inbound.js';
export type { ConcatStore, GatewayStore } from './ports.js';
export { createSmppGatewayService } from './service.js';
