import { createHash } from 'node:crypto';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import { Queues } from '@hub/bus';
import { isHubError, toHttpStatus } from '@hub/errors';
import type { ConfigStore, RedisClient } from '@hub/store';
import { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import type { Authenticator, Principal, Role } from './auth.js';

/**
 * The queue dashboard (bull-board) at `/queues`, behind the API keys.
 *
 * Authentication: `Authorization: Bearer <key id>:<secret>` like the rest of the API, or HTTP Basic with
 * the key id as user name and the secret as password, so a browser prompts for it (401 answers
 * `WWW-Authenticate: Basic`). Basic auth needs HTTPS outside a trusted network (`listeners.api.tls`).
 * Roles: `operator` may look at every queue and job, retry failed jobs and promote delayed ones; every
 * other change (pause, clean, empty, obliterate, add or edit jobs, rate limits) needs `admin`.
 */

/** Where the dashboard is mounted. */
export const QUEUE_BOARD_PATH = '/queues';

/** True for any request to the dashboard, its API and its static files. */
export function isQueueBoardUrl(url: string): boolean {
  return (
    url === QUEUE_BOARD_PATH ||
    url.startsWith(`${QUEUE_BOARD_PATH}/`) ||
    url.startsWith(`${QUEUE_BOARD_PATH}?`)
  );
}

/** Least role for a dashboard request: reads, retries and promotions are `operator`; the rest `admin`. */
export function queueBoardRole(method: string, url: string): Role {
  if (method === 'GET' || method === 'HEAD') return 'operator';
  const path = url.split('?')[0] ?? url;
  return /\/(retry(\/[a-z]+)?|promote)$/.test(path) ? 'operator' : 'admin';
}

const CACHE_MS = 30_000;
const CACHE_MAX = 256;

/**
 * Authenticates a dashboard request from a Bearer or Basic `Authorization` header. The dashboard polls
 * several times a second while open, so a verified header is remembered for 30 s (by its SHA-256) rather
 * than paying an scrypt each time; a revoked key therefore keeps dashboard access up to 30 s.
 * Throws `HUB_ERR_AUTH_FAILED` like {@link Authenticator.authenticate}.
 */
export class QueueBoardAuth {
  readonly #cache = new Map<string, { principal: Principal; until: number }>();

  constructor(
    private readonly auth: Authenticator,
    private readonly now: () => number = Date.now,
  ) {}

  async authenticate(header: string | undefined): Promise<Principal> {
    const bearer = toBearer(header);
    const key = createHash('sha256')
      .update(bearer ?? '')
      .digest('base64');
    const hit = this.#cache.get(key);
    const now = this.now();
    if (hit !== undefined && hit.until > now) return hit.principal;
    this.#cache.delete(key);
    const principal = await this.auth.authenticate(bearer);
    if (this.#cache.size >= CACHE_MAX) this.#cache.delete(this.#cache.keys().next().value as string);
    this.#cache.set(key, { principal, until: now + CACHE_MS });
    return principal;
  }
}

/** `Basic base64(id:secret)` → `Bearer id:secret`; a Bearer header as it is; anything else undefined. */
function toBearer(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (m === null) return header;
  return `Bearer ${Buffer.from(m[1] as string, 'base64').toString('utf8')}`;
}

/** Options of {@link registerQueueBoard}. */
export interface QueueBoardOptions {
  readonly redis: RedisClient;
  /** BullMQ prefix (the Redis key prefix, `hub`). */
  readonly prefix: string;
  readonly store: ConfigStore;
  /** Connector and account ids from the config file (the config store's are added). */
  readonly connectors?: readonly string[];
  readonly accounts?: readonly string[];
  readonly log?: { warn(obj: Record<string, unknown>, msg: string): void };
}

/**
 * Mounts bull-board at {@link QUEUE_BOARD_PATH} listing the route queue, the status-event queue, one
 * queue per connector and one outbox per account. The list follows the config store (re-listed on use,
 * at most once per config store revision). Authentication is the app's `onRequest` hook (see {@link isQueueBoardUrl}).
 * The queues share the API's command client; closing the app closes them.
 */
export async function registerQueueBoard(app: FastifyInstance, o: QueueBoardOptions): Promise<void> {
  const adapter = new FastifyAdapter();
  adapter.setBasePath(QUEUE_BOARD_PATH);
  const board = createBullBoard({
    queues: [],
    serverAdapter: adapter,
    options: { uiConfig: { boardTitle: 'Hub queues', hideDocsLink: true } },
  });
  // bull-board's own handler answers 500 for everything; keep HubErrors' statuses (503 when Redis is down).
  adapter.setErrorHandler((err: Error) =>
    isHubError(err)
      ? { status: toHttpStatus(err) as 500, body: err.toJSON() }
      : {
          status: ((err as { statusCode?: number }).statusCode ?? 500) as 500,
          body: { code: 'HUB_ERR_INTERNAL', message: err.message },
        },
  );
  const open = new Map<string, Queue>();
  let listedRev = -1;
  let refreshing: Promise<void> | undefined;

  async function refresh(): Promise<void> {
    const [c, a] = await Promise.all([o.store.getAll('connectors'), o.store.getAll('accounts')]);
    const connectors = new Set([...(o.connectors ?? []), ...c.map((d) => d.id)]);
    const accounts = new Set([...(o.accounts ?? []), ...a.map((d) => d.id)]);
    const wanted = new Map<string, string>([
      [Queues.route.name, 'Messages waiting for the router'],
      [Queues.events.name, 'Status events (submit results, receipts) from connectors'],
    ]);
    for (const id of [...connectors].sort())
      wanted.set(Queues.connector(id).name, `Messages routed to connector ${id}`);
    for (const id of [...accounts].sort())
      wanted.set(Queues.outbox(id).name, `MO messages and reports owed to account ${id}`);
    for (const [name, q] of open) {
      if (wanted.has(name)) continue;
      board.removeQueue(name);
      open.delete(name);
      await q.close().catch(() => undefined);
    }
    for (const [name, description] of wanted) {
      if (open.has(name)) continue;
      const q = new Queue(name, { connection: o.redis, prefix: o.prefix });
      q.on('error', (err: Error) => o.log?.warn({ err, queue: name }, 'queue dashboard: queue error'));
      open.set(name, q);
      board.addQueue(new BullMQAdapter(q, { description, allowRetries: true }));
    }
  }

  await app.register(async (scope) => {
    // After authentication (the app's onRequest): keep the list current before bull-board answers.
    scope.addHook('preHandler', async () => {
      // One GET per request: connectors and accounts are re-listed only when the configuration changed.
      const rev = await o.store.revision();
      if (rev === listedRev) return;
      refreshing ??= refresh()
        .then(() => {
          listedRev = rev;
        })
        .finally(() => {
          refreshing = undefined;
        });
      await refreshing;
    });
    await scope.register(adapter.registerPlugin(), { prefix: QUEUE_BOARD_PATH });
  });
  app.addHook('onClose', async () => {
    await Promise.all([...open.values()].map((q) => q.close().catch(() => undefined)));
    open.clear();
  });
}

/** The `WWW-Authenticate` challenge for dashboard requests (browsers then prompt for the key). */
export const QUEUE_BOARD_CHALLENGE = 'Basic realm="Hub queues", charset="UTF-8"';
