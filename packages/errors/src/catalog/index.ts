import { api } from './api.js';
import { connectorWorker } from './connector-worker.js';
import { connectors } from './connectors.js';
import { core } from './core.js';
import { gateway } from './gateway.js';
import { gatewayMm4 } from './gateway-mm4.js';
import { gatewayMm7 } from './gateway-mm7.js';
import { mm4 } from './mm4.js';
import { mm7 } from './mm7.js';
import { routing } from './routing.js';
import { send } from './send.js';
import { smpp } from './smpp.js';
import { smppSession } from './smpp-session.js';
import { store } from './store.js';

/**
 * The whole catalog. Each area adds its own file beside this one (`smpp.ts`, `mm7.ts`, `mm4.ts`, ...)
 * and spreads it here; codes are unique across areas (checked by `catalog.test.ts`).
 */
export const Errors = {
  ...api,
  ...connectorWorker,
  ...connectors,
  ...core,
  ...gateway,
  ...gatewayMm4,
  ...gatewayMm7,
  ...mm4,
  ...mm7,
  ...routing,
  ...send,
  ...smpp,
  ...smppSession,
  ...store,
} as const;

export type ErrorCode = keyof typeof Errors;
