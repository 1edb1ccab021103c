export { Router } from './router.js';
export type { RouterOptions, RouterStore } from './router.js';
export { createRouterService } from './service.js';
