import { type Bus, createBus, createRedisConnection, type RedisConnection } from '@hub/bus';
import type { HubConfig } from '@hub/config';
import { IdGenerator } from '@hub/message';
import { allocateNodeId, ConfigStore, MessageStore, type NodeLease } from '@hub/store';
import type { Logger } from 'pino';
import { type HubMetrics, processMetrics } from './metrics.js';

/**
 * The clients one process shares between all its services: one Redis connection factory, one bus, one
 * message store, one config store, one id generator (with a node id leased from Redis so no two live
 * processes mint the same ids). In all-in-one mode every app uses the same core.
 */
export interface HubCore {
  readonly connection: RedisConnection;
  readonly bus: Bus;
  readonly messages: MessageStore;
  readonly configStore: ConfigStore;
  readonly ids: IdGenerator;
  readonly nodeId: number;
  /** This process's Prometheus metrics; the message store already feeds it (messages by state, hop latency). */
  readonly metrics: HubMetrics;
  close(): Promise<void>;
}

/**
 * Builds the core. `opts.metrics` defaults to the process-wide {@link processMetrics}; it is wired as the
 * message store's hop observer. Rejects with the Redis error when no node id can be leased.
 */
export async function createCore(
  config: Readonly<HubConfig>,
  redisUrl: string,
  instance: string,
  log: Logger,
  opts: { readonly metrics?: HubMetrics } = {},
): Promise<HubCore> {
  const metrics = opts.metrics ?? processMetrics();
  const connection = createRedisConnection({
    url: redisUrl,
    prefix: config.redis.prefix,
    connectionName: `hub:${instance}`,
  });
  const redis = connection.client('command');
  const lease: NodeLease = await allocateNodeId(redis, instance, { prefix: connection.prefix });
  lease.onLost(() => {
    // Minting ids without a lease risks duplicates: stop hard, a supervisor restarts us with a fresh lease.
    log.fatal({ nodeId: lease.nodeId }, 'node id lease lost: exiting so that ids stay unique');
    process.exit(70);
  });
  const bus = createBus({ connection, logger: log });
  // Its own auto-pipelined client: the message path issues many independent store commands per turn.
  const storeRedis = connection.client('command', { autoPipelining: true });
  const messages = new MessageStore({
    redis: storeRedis,
    prefix: connection.prefix,
    retentionMs: config.retention.messagesSeconds * 1000,
    upstreamTtlMs: config.retention.upstreamIdsSeconds * 1000,
    onHop: metrics.onHop,
  });
  const configStore = new ConfigStore({
    redis,
    prefix: connection.prefix,
    subscriber: () => connection.client('subscriber'),
  });
  return {
    connection,
    bus,
    messages,
    configStore,
    ids: new IdGenerator(lease.nodeId),
    nodeId: lease.nodeId,
    metrics,
    async close() {
      await bus.close();
      await lease.release();
      await redis.quit().catch(() => undefined);
      await storeRedis.quit().catch(() => undefined);
    },
  };
}
