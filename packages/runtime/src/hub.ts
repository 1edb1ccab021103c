import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import type { HubConfig } from '@hub/config';
import { Errors } from '@hub/errors';
import { hasRedisServer, RedisServer } from '@hub/redis-process';
import pino, { type Logger } from 'pino';
import { createCore, type HubCore } from './core.js';
import { startMetricsEndpoint } from './metrics.js';
import type { Service, ServiceContext, ServiceFactory } from './service.js';

export interface StartOptions {
  readonly config: Readonly<HubConfig>;
  /** Services to run, in start order (stopped in reverse). */
  readonly services: ReadonlyArray<readonly [name: string, factory: ServiceFactory]>;
  readonly log: Logger;
  /** Bound on the whole shutdown (default 15 s); then the process exits anyway. */
  readonly shutdownTimeoutMs?: number;
}

/** A running Hub process (all-in-one or a single app). */
export interface RunningHub {
  readonly redisUrl: string;
  readonly embeddedRedis: RedisServer | undefined;
  readonly services: readonly Service[];
  /** Stops services in reverse order, then the embedded Redis. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts the given services in one process. When the configuration has no Redis URL, launches an embedded
 * `redis-server` (appendonly, under `<dataDir>/redis`) first and stops it last. If a service fails to
 * start, everything already started is stopped and the error is rethrown.
 */
export async function startHub(opts: StartOptions): Promise<RunningHub> {
  const { config, log } = opts;
  let embedded: RedisServer | undefined;
  let redisUrl = config.redis.url;
  if (redisUrl === undefined || redisUrl === '') {
    if (!hasRedisServer()) {
      throw new Errors.HUB_ERR_CONFIG(
        'redis.url',
        'no Redis URL is configured and redis-server is not installed for the embedded mode. ' +
          'Install it with `sudo apt-get install -y redis-server` (Debian/Ubuntu) or set HUB_REDIS_URL=redis://host:6379',
      );
    }
    const dir = resolve(config.dataDir, 'redis');
    mkdirSync(dir, { recursive: true });
    embedded = await RedisServer.start({ port: config.redis.embeddedPort, dir, appendonly: true });
    redisUrl = embedded.url;
    log.info({ redis: redisUrl, dir }, 'embedded redis-server started');
  }
  const controller = new AbortController();
  const instance = config.instance ?? `${hostname()}-${process.pid}`;
  let core: HubCore;
  try {
    core = await createCore(config, redisUrl, instance, log);
  } catch (err) {
    if (embedded !== undefined) await embedded.stop({ keepData: true });
    throw err;
  }
  const ctx: ServiceContext = { config, redisUrl, instance, log, core, signal: controller.signal };
  const started: Service[] = [];
  // Every error a service logs (`{err}`) is counted by code in hub_errors_total: one place for all apps.
  const countingErr = {
    serializers: {
      err: (e: unknown) => {
        core.metrics.error(e);
        return pino.stdSerializers.err(e as Error);
      },
    },
  };
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      controller.abort();
      const deadline = opts.shutdownTimeoutMs ?? 15_000;
      for (const s of [...started].reverse()) {
        try {
          await withTimeout(s.stop(), deadline, `${s.name} did not stop within ${deadline} ms`);
          log.info({ service: s.name }, 'stopped');
        } catch (err) {
          log.error({ service: s.name, err }, 'stop failed');
        }
      }
      await core.close().catch((err: unknown) => log.error({ err }, 'closing redis clients failed'));
      if (embedded !== undefined) await embedded.stop({ keepData: true });
    })();
    return stopping;
  };
  try {
    const m = config.listeners.metrics;
    if (m.enabled) {
      // Started first, so stopped last: the final counters stay scrapeable while services drain.
      const ep = await startMetricsEndpoint({
        metrics: core.metrics,
        host: m.host,
        port: m.port,
        core,
        config,
        log: log.child({ app: 'metrics' }),
      });
      started.push({ name: 'metrics', endpoints: [ep.url], stop: () => ep.close() });
    }
    for (const [name, factory] of opts.services) {
      const s = await factory({ ...ctx, log: log.child({ app: name }, countingErr) });
      started.push(s);
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { redisUrl, embeddedRedis: embedded, services: started, stop };
}

async function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(message)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Installs SIGINT/SIGTERM handlers that stop `hub` once; a second signal forces exit. Returns a promise
 * resolved after the clean stop.
 */
export function stopOnSignals(hub: RunningHub, log: Logger): Promise<void> {
  return new Promise((resolveDone) => {
    let count = 0;
    const onSignal = (sig: NodeJS.Signals): void => {
      count += 1;
      if (count > 1) {
        log.warn({ signal: sig }, 'second signal: exiting now');
        process.exit(130);
      }
      log.info({ signal: sig }, 'shutting down: no new connections, draining in-flight work');
      void hub.stop().then(() => resolveDone());
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
