import { randomBytes } from 'node:crypto';
import { type Bus, createBus, createRedisConnection, type RedisConnection } from '@hub/bus';
import { type HubMessage, IdGenerator } from '@hub/message';
import { ConfigStore, hashSecret, MessageStore, type RedisClient } from '@hub/store';
import { mtSms, RedisServer } from '@hub/testkit';
import type { FastifyInstance } from 'fastify';
import { type ApiAppOptions, buildApiApp } from './app.js';
import type { StoredApiKey } from './auth.js';

/** Plain tokens of the three config-file keys every harness has. */
export const TOKENS = {
  admin: 'root:admin-secret',
  operator: 'ops:operator-secret',
  read: 'viewer:read-secret',
} as const;

let keys: StoredApiKey[] | undefined;
async function configKeys(): Promise<StoredApiKey[]> {
  keys ??= [
    { id: 'root', role: 'admin', keyHash: await hashSecret('admin-secret') },
    { id: 'ops', role: 'operator', keyHash: await hashSecret('operator-secret') },
    { id: 'viewer', role: 'read', keyHash: await hashSecret('read-secret') },
  ];
  return keys;
}

// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary response shapes
type Json = any;

/** A private redis-server and everything the API needs, on a unique key prefix. */
export interface Harness {
  readonly server: RedisServer;
  readonly conn: RedisConnection;
  readonly redis: RedisClient;
  readonly bus: Bus;
  readonly store: ConfigStore;
  readonly messages: MessageStore;
  readonly app: FastifyInstance;
  readonly prefix: string;
  readonly ids: IdGenerator;
  /** inject() with the role's bearer token. */
  call(
    role: keyof typeof TOKENS | null,
    method: string,
    url: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; json: Json; headers: Record<string, unknown> }>;
  /** A new HubMessage record (stored) for `account`. */
  message(account: string, over?: Partial<HubMessage>): Promise<HubMessage>;
  close(): Promise<void>;
}

/** Starts a harness; pass `server` to share one redis-server between harnesses. */
export async function startHarness(
  opts: Partial<ApiAppOptions> & { server?: RedisServer } = {},
): Promise<Harness> {
  const server = opts.server ?? (await RedisServer.start({ appendonly: false }));
  const prefix = `t${randomBytes(3).toString('hex')}`;
  const conn = createRedisConnection({ url: server.url, prefix });
  const redis = conn.client('command');
  const bus = createBus({ connection: conn });
  const store = new ConfigStore({ redis, prefix });
  const messages = new MessageStore({ redis, prefix });
  const ids = new IdGenerator(Math.floor(Math.random() * 1000));
  const { server: _s, ...appOpts } = opts;
  const app = await buildApiApp({
    configStore: store,
    messages,
    bus,
    redis,
    prefix,
    apiKeys: await configKeys(),
    rateLimit: false,
    ...appOpts,
  });
  return {
    server,
    conn,
    redis,
    bus,
    store,
    messages,
    app,
    prefix,
    ids,
    async call(role, method, url, body, headers = {}) {
      const res = await app.inject({
        method: method as 'GET',
        url,
        headers: { ...(role === null ? {} : { authorization: `Bearer ${TOKENS[role]}` }), ...headers },
        ...(body === undefined ? {} : { payload: body as object }),
      });
      let json: unknown;
      try {
        json = res.body === '' ? undefined : JSON.parse(res.body);
      } catch {
        json = res.body;
      }
      return { status: res.statusCode, json, headers: res.headers };
    },
    async message(account, over = {}) {
      const m = mtSms({ id: ids.next(), origin: { protocol: 'smpp', account } });

      const msg = { ...m, ...over };
      await messages.put(msg);
      return msg;
    },
    async close() {
      await app.close();
      await bus.close();
      await redis.quit().catch(() => undefined);
      if (opts.server === undefined) await server.stop();
    },
  };
}

/** A valid SMPP connector body. */
export function smppConnector(id: string, over: Record<string, unknown> = {}): Record<string, unknown> {
  return { id, kind: 'smpp', host: '127.0.0.1', port: 2775, systemId: 'hub', password: 'pw', ...over };
}
