import type { HubConfig } from '@hub/config';
import type { Logger } from 'pino';
import type { HubCore } from './core.js';

/** What every running piece of Hub (gateway, router, connector worker, API) looks like to the runtime. */
export interface Service {
  readonly name: string;
  /** Human-readable lines saying where it listens or what it consumes, printed at start. */
  readonly endpoints: readonly string[];
  /**
   * Stops the service: stop accepting new work, finish or hand back in-flight work, close sessions
   * politely. Must resolve even when peers misbehave (bounded by the runtime's shutdown deadline).
   */
  stop(): Promise<void>;
}

/** Shared, read-only facts a service factory receives. Services build their own clients from them. */
export interface ServiceContext {
  readonly config: Readonly<HubConfig>;
  /** The Redis URL in force (the embedded one when `hub start` launched it). */
  readonly redisUrl: string;
  /** This process's instance name (logs, node ids). */
  readonly instance: string;
  readonly log: Logger;
  /** Redis, bus, stores and ids shared by every service of this process. */
  readonly core: HubCore;
  /** Aborted when shutdown begins, so long loops can stop early. */
  readonly signal: AbortSignal;
}

/** Builds and starts one service. Throw a HubError to refuse to start with a clear reason. */
export type ServiceFactory = (ctx: ServiceContext) => Promise<Service>;
