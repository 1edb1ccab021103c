import { core } from './core.js';

/**
 * The whole catalog. Each area adds its own file beside this one (`smpp.ts`, `mm7.ts`, `mm4.ts`, ...)
 * and spreads it here; codes are unique across areas (checked by `catalog.test.ts`).
 */
export const Errors = {
  ...core,
} as const;

export type ErrorCode = keyof typeof Errors;
