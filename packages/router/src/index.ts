export { Router } from './router.js';
export type { RouterOptions, RouterStore } from './router.js';
export { ConnectorStates, publishedStateKey } from './connector-states.js';
export type { ConnectorStatesOptions, StateRedis } from './connector-states.js';
export { createRouterService } from './service.js';
