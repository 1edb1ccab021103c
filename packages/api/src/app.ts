import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { Bus } from '@hub/bus';
import { consolePlugin } from '@hub/console';
import { Errors, type HubError, isHubError, toHttpStatus } from '@hub/errors';
import { parseId } from '@hub/message';
import { type ConfigStore, DEFAULT_PREFIX, type MessageStore, type RedisClient } from '@hub/store';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyRequest } from 'fastify';
import { AuditLog, DEFAULT_AUDIT_MAX } from './audit.js';
import { Authenticator, parseToken, roleAllows, type StoredApiKey } from './auth.js';
import type { ApiContext, ApiLogger } from './context.js';
import {
  isQueueBoardUrl,
  QUEUE_BOARD_CHALLENGE,
  QueueBoardAuth,
  queueBoardRole,
  registerQueueBoard,
} from './queues.js';
import { registerAccounts } from './resources/accounts.js';
import { registerApiKeys } from './resources/apikeys.js';
import { registerConfig } from './resources/config.js';
import { registerConnectors } from './resources/connectors.js';
import { registerMessages } from './resources/messages.js';
import { registerRoutes } from './resources/routes.js';
import { registerStats } from './resources/stats.js';
import { registerCampaigns } from './routes/campaigns.js';
import { zodValidatorCompiler } from './validation.js';

/** Options of {@link buildApiApp}. */
export interface ApiAppOptions {
  readonly configStore: ConfigStore;
  readonly messages: MessageStore;
  readonly bus: Bus;
  /** Command client for the audit log, stats, connector live state and readiness. */
  readonly redis: RedisClient;
  /** Key prefix shared with the stores (default `hub`). */
  readonly prefix?: string;
  /** API keys from the config file (`apiKeys`); keys created through the API live in the config store. */
  readonly apiKeys?: readonly StoredApiKey[];
  /**
   * Per-instance request limit per API key (or client IP before authentication): default 600 per minute.
   * `false` turns it off.
   */
  readonly rateLimit?: { readonly max: number; readonly timeWindowMs: number } | false;
  /** Audit entries kept (default 10,000). */
  readonly auditMax?: number;
  /** Largest JSON body in bytes (default 1 MiB; imports allow 50 MiB). */
  readonly bodyLimit?: number;
  /** Where 5xx causes are logged (default: nowhere). */
  readonly log?: ApiLogger;
  /** HTTPS key and certificate (PEM); plain HTTP without. */
  readonly https?: { readonly key: Buffer | string; readonly cert: Buffer | string };
  /** Clock (tests). */
  readonly now?: () => number;
  /**
   * The queue dashboard at `/queues` (bull-board; operator or admin keys): connector and account ids from
   * the config file to list besides the config store's. Default: on, the store's only. `false`: not mounted.
   */
  readonly queueBoard?:
    | { readonly connectors?: readonly string[]; readonly accounts?: readonly string[] }
    | false;
  /** Called with every error answered (its catalog code and HTTP status), e.g. to count it in metrics. */
  readonly onError?: (code: string, status: number) => void;
}

const PUBLIC_PREFIXES = ['/docs', '/openapi.json', '/healthz', '/readyz'];

function isPublic(req: FastifyRequest): boolean {
  if (req.routeOptions.config.public === true) return true;
  const url = req.routeOptions.url;
  return url !== undefined && PUBLIC_PREFIXES.some((p) => url === p || url.startsWith(`${p}/`));
}

/** `{id}` of the message a `/v1/messages/:id…` request is about, so its log lines join the message's trail. */
function messageIdOf(req: FastifyRequest): { id?: string } {
  const url = req.routeOptions.url;
  const id = (req.params as { id?: unknown } | undefined)?.id;
  if (url?.startsWith('/v1/messages/:id') !== true || typeof id !== 'string') return {};
  return { id: parseId(id) ?? id };
}

/** Any thrown value as a HubError; fastify's own client errors keep their 4xx meaning. */
function toHubError(err: unknown, req: FastifyRequest, bodyLimit: number): HubError {
  if (isHubError(err)) return err;
  const fe = err as Partial<FastifyError>;
  switch (fe.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new Errors.HUB_ERR_API_UNSUPPORTED_MEDIA_TYPE(String(req.headers['content-type'] ?? '(none)'));
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new Errors.HUB_ERR_API_BODY_TOO_LARGE(bodyLimit);
  }
  const status = fe.statusCode ?? 500;
  if (status === 429) return new Errors.HUB_ERR_THROTTLED('too many requests');
  if (status >= 400 && status < 500)
    return new Errors.HUB_ERR_API_BAD_REQUEST(fe.message ?? 'unreadable request');
  return new Errors.HUB_ERR_INTERNAL('unexpected error', { cause: err });
}

/**
 * Builds the operators' REST API as a fastify instance (not listening: call `listen`, or `inject` in tests).
 *
 * Every route has a JSON schema (written in zod, validated by zod, published at `/openapi.json` and browsable
 * at `/docs`). Every error goes through one handler: HubErrors map to their catalog HTTP status and answer
 * `{code, message, details}`; a bad request is a 400 naming the field; anything unexpected is a 500 with a
 * generic message (the cause goes to `log`). Resolves once plugins are loaded; rejects only on a
 * programming error (a route schema not built with `jsonSchema`).
 */
export async function buildApiApp(opts: ApiAppOptions): Promise<FastifyInstance> {
  const bodyLimit = opts.bodyLimit ?? 1024 * 1024;
  const app = Fastify({
    logger: false,
    bodyLimit,
    ...(opts.https === undefined ? {} : { https: { key: opts.https.key, cert: opts.https.cert } }),
  }) as unknown as FastifyInstance;
  const prefix = opts.prefix ?? DEFAULT_PREFIX;
  const log: ApiLogger = opts.log ?? { error: () => {}, warn: () => {} };
  const ctx: ApiContext = {
    store: opts.configStore,
    messages: opts.messages,
    bus: opts.bus,
    redis: opts.redis,
    prefix,
    auth: new Authenticator(opts.apiKeys ?? [], opts.configStore),
    audit: new AuditLog(opts.redis, prefix, opts.auditMax ?? DEFAULT_AUDIT_MAX),
    log,
    now: opts.now ?? Date.now,
  };

  app.setValidatorCompiler(zodValidatorCompiler);
  // JSON only: a text/plain body would otherwise reach the handlers as a string.
  app.removeContentTypeParser('text/plain');
  app.decorateRequest('principal', undefined);

  app.setErrorHandler((err, req, reply) => {
    const e = toHubError(err, req, bodyLimit);
    const status = toHttpStatus(e);
    try {
      opts.onError?.(e.code, status);
    } catch {
      // counting must not change the answer
    }
    if (status >= 500)
      log.error(
        { err, method: req.method, url: req.url, code: e.code, ...messageIdOf(req) },
        'API request failed',
      );
    if (status === 401)
      void reply.header(
        'www-authenticate',
        isQueueBoardUrl(req.url) ? QUEUE_BOARD_CHALLENGE : 'Bearer realm="hub"',
      );
    return reply.code(status).send(e.toJSON());
  });
  app.setNotFoundHandler((req) => {
    throw new Errors.HUB_ERR_API_UNKNOWN_ENDPOINT(req.method, req.url.split('?')[0] ?? req.url);
  });

  if (opts.rateLimit !== false) {
    const rl = opts.rateLimit ?? { max: 600, timeWindowMs: 60_000 };
    await app.register(rateLimit, {
      global: true,
      max: rl.max,
      timeWindow: rl.timeWindowMs,
      // Health probes must never be throttled.
      allowList: (req) => req.url === '/healthz' || req.url === '/readyz',
      keyGenerator: (req) => {
        const h = req.headers.authorization;
        const id = typeof h === 'string' ? parseToken(h.replace(/^Bearer\s+/i, ''))?.id : undefined;
        return id === undefined ? `ip:${req.ip}` : `key:${id}`;
      },
      errorResponseBuilder: (_req, c) =>
        new Errors.HUB_ERR_THROTTLED(`${c.max} requests per ${c.after}`, {
          details: { retryAfterMs: c.ttl },
        }),
    });
  }

  // After the rate limiter: a flood of wrong keys is throttled before it costs an scrypt each.
  const boardAuth = opts.queueBoard === false ? undefined : new QueueBoardAuth(ctx.auth, ctx.now);
  app.addHook('onRequest', async (req, reply) => {
    if (boardAuth !== undefined && isQueueBoardUrl(req.url)) {
      // bull-board routes have their own error handler: answer auth failures here, in the API's shape.
      try {
        const p = await boardAuth.authenticate(req.headers.authorization);
        req.principal = p;
        const needs = queueBoardRole(req.method, req.url);
        if (!roleAllows(p.role, needs))
          throw new Errors.HUB_ERR_FORBIDDEN(
            `a ${p.role} key cannot ${req.method} the queue dashboard (needs ${needs})`,
          );
      } catch (err) {
        const e = toHubError(err, req, bodyLimit);
        const status = toHttpStatus(e);
        try {
          opts.onError?.(e.code, status);
        } catch {}
        if (status >= 500)
          log.error({ err, method: req.method, url: req.url, code: e.code }, 'API request failed');
        if (status === 401) void reply.header('www-authenticate', QUEUE_BOARD_CHALLENGE);
        return reply.code(status).send(e.toJSON());
      }
      return;
    }
    if (isPublic(req)) return;
    const p = await ctx.auth.authenticate(req.headers.authorization);
    req.principal = p;
    const needs =
      req.routeOptions.config.role ?? (req.method === 'GET' || req.method === 'HEAD' ? 'read' : 'admin');
    if (!roleAllows(p.role, needs)) {
      throw new Errors.HUB_ERR_FORBIDDEN(
        `a ${p.role} key cannot ${req.method} ${req.routeOptions.url ?? req.url} (needs ${needs})`,
      );
    }
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Hub operators API',
        version: '1',
        description:
          'Routes, connectors, accounts, API keys, messages, stats. Errors are {code, message, details}.',
      },
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: '<key id>:<secret>' } },
      },
      security: [{ bearer: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { config: { public: true }, schema: { hide: true } }, async () => app.swagger());

  registerRoutes(app, ctx);
  registerConnectors(app, ctx);
  registerAccounts(app, ctx);
  registerApiKeys(app, ctx);
  registerMessages(app, ctx);
  registerStats(app, ctx);
  registerConfig(app, ctx);
  await registerCampaigns(app, ctx, opts.campaigns);
  await app.register(consolePlugin, { prefix: '/console' });
  if (opts.queueBoard !== false)
    await registerQueueBoard(app, {
      redis: opts.redis,
      prefix,
      store: opts.configStore,
      ...(opts.queueBoard?.connectors === undefined ? {} : { connectors: opts.queueBoard.connectors }),
      ...(opts.queueBoard?.accounts === undefined ? {} : { accounts: opts.queueBoard.accounts }),
      log,
    });
  await app.ready();
  return app;
}
