import type { Bus } from '@hub/bus';
import type { ConfigStore, MessageStore, RedisClient } from '@hub/store';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuditEntry, AuditLog } from './audit.js';
import type { Authenticator, Principal, Role } from './auth.js';
import { validationError } from './validation.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Least role allowed (default: `read` for GET/HEAD, `admin` otherwise). */
    role?: Role;
    /** No API key needed (health, readiness, the OpenAPI document). */
    public?: boolean;
  }
  interface FastifyRequest {
    /** The authenticated key; set by the auth hook on every non-public route. */
    principal: Principal | undefined;
  }
}

/** Where the API reports server-side failures (a pino logger fits). */
export interface ApiLogger {
  error(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
  /** Operator actions on messages (cancel, retry), with the message `id`. */
  info?(obj: Record<string, unknown>, msg: string): void;
}

/** What every resource module gets. */
export interface ApiContext {
  readonly store: ConfigStore;
  readonly messages: MessageStore;
  readonly bus: Bus;
  readonly redis: RedisClient;
  readonly prefix: string;
  readonly auth: Authenticator;
  readonly audit: AuditLog;
  readonly log: ApiLogger;
  readonly now: () => number;
}

/** The key id behind a request (`anonymous` cannot happen on authenticated routes). */
export function who(req: FastifyRequest): string {
  return req.principal?.keyId ?? 'anonymous';
}

/** Records an audit entry; a failure is logged, never turned into an error (the change is already stored). */
export async function audit(
  ctx: ApiContext,
  req: FastifyRequest,
  entry: Omit<AuditEntry, 'at' | 'who'>,
): Promise<void> {
  try {
    await ctx.audit.record({ at: ctx.now(), who: who(req), ...entry });
  } catch (err) {
    ctx.log.error(
      { err, entry, ...(entry.kind === 'messages' ? { id: entry.id } : {}) },
      'audit log write failed',
    );
  }
}

/**
 * The revision a write expects: `If-Match: "12"` (ETag form, weak or strong) or a `rev` field in the body;
 * `undefined` when neither is given (last write wins). Throws `HUB_ERR_VALIDATION` for an unreadable If-Match.
 */
export function expectedRev(req: FastifyRequest, body?: unknown): number | undefined {
  const h = req.headers['if-match'];
  if (typeof h === 'string' && h.trim() !== '*') {
    const m = /^\s*(?:W\/)?"?([0-9]{1,15})"?\s*$/.exec(h);
    if (m === null)
      throw validationError([{ path: 'If-Match', reason: 'must be a revision such as "12"' }], 'headers');
    return Number(m[1]);
  }
  if (typeof body === 'object' && body !== null && 'rev' in body) {
    const rev = (body as { rev: unknown }).rev;
    if (typeof rev !== 'number' || !Number.isInteger(rev) || rev < 0) {
      throw validationError([{ path: 'rev', reason: 'must be a non-negative integer revision' }], 'body');
    }
    return rev;
  }
  return undefined;
}

/**
 * The id and expected revision of a `PUT /v1/<kind>/:id`: the body's `id`, when given (or when `idRequired`),
 * must equal the URL's. Throws `HUB_ERR_VALIDATION` naming `id` (or `If-Match`/`rev`) otherwise.
 */
export function replaceTarget(
  req: FastifyRequest,
  body: { readonly id?: unknown },
  opts: { readonly idRequired?: boolean } = {},
): { id: string; rev: number | undefined } {
  const { id } = req.params as { id: string };
  if ((opts.idRequired === true || body.id !== undefined) && body.id !== id) {
    throw validationError([{ path: 'id', reason: `must equal the id in the URL (${id})` }], 'body');
  }
  return { id, rev: expectedRev(req, body) };
}

/** Sets the ETag of a document revision. */
export function etag(reply: FastifyReply, rev: number): void {
  void reply.header('etag', `"${rev}"`);
}
