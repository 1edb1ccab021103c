export { startHub, stopOnSignals } from './hub.js';
export type { RunningHub, StartOptions } from './hub.js';
export { createLogger } from './log.js';
export type { Logger } from './log.js';
export type { Service, ServiceContext, ServiceFactory } from './service.js';
