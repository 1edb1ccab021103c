import { jobIdFor, Queues } from '@hub/bus';
import { Errors } from '@hub/errors';
import {
  type HistoryEntry,
  type HubMessage,
  isFinal,
  MessageState,
  normalizeAddress,
  parseId,
  RETRYABLE_STATES,
} from '@hub/message';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { type ApiContext, audit, who } from '../context.js';
import { jsonSchema, validationError } from '../validation.js';

const tags = ['messages'];
const IdParams = jsonSchema(
  z.object({ id: z.string().min(1).max(20).describe('Hub message id: 16 hex digits, or its decimal form') }),
);
const ListQueryZ = z.object({
  account: z.string().min(1).max(64).optional(),
  /** createdAt lower bound: ms since epoch or an ISO 8601 date. */
  from: z.string().max(40).optional(),
  to: z.string().max(40).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).max(100_000).default(0),
  state: MessageState.optional(),
  recipient: z.string().min(1).max(254).optional(),
  connector: z.string().min(1).max(64).optional(),
  upstreamId: z.string().min(1).max(128).optional(),
});
const ListQuery = jsonSchema(ListQueryZ);

/** Parses a time query parameter (ms since epoch or ISO 8601). Throws `HUB_ERR_VALIDATION` naming it. */
export function parseTime(v: string | undefined, field: string): number | undefined {
  if (v === undefined) return undefined;
  const n = /^[0-9]{1,15}$/.test(v) ? Number(v) : Date.parse(v);
  if (!Number.isFinite(n)) {
    throw validationError(
      [{ path: field, reason: 'must be ms since the epoch or an ISO 8601 date' }],
      'querystring',
    );
  }
  return n;
}

function canonicalId(raw: string): string {
  const id = parseId(raw);
  if (id === undefined) {
    throw validationError(
      [{ path: 'id', reason: 'must be a Hub message id (16 hex digits or its decimal form)' }],
      'params',
    );
  }
  return id;
}

/** One history entry with the time since the message was created and since the previous entry. */
export interface TimelineEntry extends HistoryEntry {
  readonly sinceCreatedMs: number;
  readonly sincePreviousMs: number;
}

/** The history in time order with per-hop durations, and the first time each hop was reached. */
export function timeline(m: HubMessage): {
  entries: TimelineEntry[];
  hops: Record<string, number>;
  totalMs: number;
} {
  const sorted = [...m.history].sort((a, b) => a.at - b.at);
  let prev = m.createdAt;
  const hops: Record<string, number> = {};
  const entries = sorted.map((e) => {
    const out = { ...e, sinceCreatedMs: e.at - m.createdAt, sincePreviousMs: e.at - prev };
    prev = e.at;
    if (hops[e.hop] === undefined) hops[e.hop] = e.at - m.createdAt;
    return out;
  });
  return { entries, hops, totalMs: (sorted[sorted.length - 1]?.at ?? m.createdAt) - m.createdAt };
}

function summary(m: HubMessage): Record<string, unknown> {
  return {
    id: m.id,
    direction: m.direction,
    kind: m.kind,
    class: m.class,
    state: m.state,
    account: m.origin.account,
    from: m.from.value,
    to: m.to.map((a) => a.value),
    createdAt: m.createdAt,
    updatedAt: m.updatedAt,
    ...(m.route === undefined ? {} : { route: m.route }),
    ...(m.upstream === undefined ? {} : { upstream: m.upstream }),
    attempts: m.attempts,
  };
}

/** Operator retries so far (each re-queued the message under a fresh job id). */
function retries(m: HubMessage): number {
  return m.history.filter((e) => e.hop === 'retry' && e.state === 'accepted' && e.outcome === 'ok').length;
}

/** Route queue job id of the message's current (re)queueing: the first, or the latest operator retry's. */
export function routeJobId(id: string, retryCount: number): string {
  return retryCount === 0 ? jobIdFor(id) : `${jobIdFor(id)}-r${retryCount}`;
}

/** Message lookup, search, cancel and retry (`/v1/messages`). */
export function registerMessages(app: FastifyInstance, ctx: ApiContext): void {
  app.get(
    '/v1/messages/:id',
    { schema: { tags, summary: 'A message with its full history and per-hop durations', params: IdParams } },
    async (req) => {
      const id = canonicalId((req.params as { id: string }).id);
      const m = await ctx.messages.get(id);
      if (m === undefined) throw new Errors.HUB_ERR_NOT_FOUND('message', id);
      return { message: m, timeline: timeline(m) };
    },
  );

  app.get(
    '/v1/messages',
    {
      schema: {
        tags,
        summary:
          'Search by account (and time, state, recipient within the page), or look up ?connector=&upstreamId=',
        querystring: ListQuery,
      },
    },
    async (req) => {
      const q = req.query as z.infer<typeof ListQueryZ>;
      if ((q.connector === undefined) !== (q.upstreamId === undefined)) {
        const missing = q.connector === undefined ? 'connector' : 'upstreamId';
        throw validationError(
          [{ path: missing, reason: 'connector and upstreamId go together' }],
          'querystring',
        );
      }
      if (q.connector !== undefined && q.upstreamId !== undefined) {
        const hubId = await ctx.messages.findByUpstream(q.connector, q.upstreamId);
        const m = hubId === undefined ? undefined : await ctx.messages.get(hubId);
        return { items: m === undefined ? [] : [summary(m)] };
      }
      if (q.account === undefined) {
        throw validationError(
          [{ path: 'account', reason: 'is required (or give connector and upstreamId)' }],
          'querystring',
        );
      }
      const from = parseTime(q.from, 'from');
      const to = parseTime(q.to, 'to');
      const ids = await ctx.messages.listByAccount(q.account, {
        limit: q.limit,
        offset: q.offset,
        ...(from === undefined ? {} : { from }),
        ...(to === undefined ? {} : { to }),
      });
      const msgs = (await Promise.all(ids.map((id) => ctx.messages.get(id)))).filter(
        (m): m is HubMessage => m !== undefined,
      );
      const rcpt =
        q.recipient === undefined ? undefined : (normalizeAddress(q.recipient)?.value ?? q.recipient);
      const items = msgs
        .filter((m) => q.state === undefined || m.state === q.state)
        .filter((m) => rcpt === undefined || m.to.some((a) => a.value === rcpt))
        .map(summary);
      // Filters apply within the page of `limit` ids: a short page does not mean the end.
      return {
        items,
        page: { offset: q.offset, limit: q.limit, scanned: ids.length, more: ids.length === q.limit },
      };
    },
  );

  app.post(
    '/v1/messages/:id/cancel',
    {
      config: { role: 'operator' },
      schema: { tags, summary: 'Cancel a message still queued in Hub (409 once sent)', params: IdParams },
    },
    async (req) => {
      const id = canonicalId((req.params as { id: string }).id);
      const m = await ctx.messages.get(id);
      if (m === undefined) throw new Errors.HUB_ERR_NOT_FOUND('message', id);
      if (isFinal(m.state)) throw new Errors.HUB_ERR_CANCEL_FAILED(id, `it is already ${m.state}`);
      if (m.state === 'submitted' || m.state === 'unknown')
        throw new Errors.HUB_ERR_CANCEL_FAILED(id, 'it was already sent to the carrier');
      let queue: string;
      let removed: boolean;
      if (m.state === 'accepted') {
        queue = Queues.route.name;
        removed = await ctx.bus.remove(Queues.route, id, { jobId: routeJobId(id, retries(m)) });
      } else if (m.route !== undefined) {
        const q = Queues.connector(m.route.connector);
        queue = q.name;
        removed = await ctx.bus.remove(q, id);
      } else {
        throw new Errors.HUB_ERR_CANCEL_FAILED(id, 'it was already handed to its account');
      }
      const info = { by: `api:${who(req)}`, detail: 'cancelled by operator' };
      // Not removable alone: due now, it may wait in a shared batch job; then its state decides.
      const r = removed
        ? await ctx.messages.transition(id, 'deleted', 'cancel', info)
        : await ctx.messages.withdraw(id, 'deleted', 'cancel', info);
      if (r === undefined)
        throw new Errors.HUB_ERR_CANCEL_FAILED(id, 'it is being processed right now or is no longer queued');
      ctx.log.info?.({ id, by: who(req), queue }, 'message cancelled by operator');
      await audit(ctx, req, { kind: 'messages', id, op: 'cancel', detail: `removed from ${queue}` });
      return { id, state: r.state, removedFrom: queue };
    },
  );

  app.post(
    '/v1/messages/:id/retry',
    {
      config: { role: 'operator' },
      schema: { tags, summary: 'Send a failed message again through the router', params: IdParams },
    },
    async (req) => {
      const id = canonicalId((req.params as { id: string }).id);
      const m = await ctx.messages.get(id);
      if (m === undefined) throw new Errors.HUB_ERR_NOT_FOUND('message', id);
      if (!RETRYABLE_STATES.has(m.state)) {
        throw new Errors.HUB_ERR_CONFLICT(
          `message ${id} is ${m.state}; only ${[...RETRYABLE_STATES].join(', ')} messages can be retried`,
        );
      }
      const n = retries(m) + 1;
      // A fresh job id: the message's first job may still be retained as failed, which would make a re-add a no-op.
      const jobId = routeJobId(id, n);
      await ctx.messages.transition(
        id,
        'accepted',
        'retry',
        { by: `api:${who(req)}`, detail: `operator retry ${n}` },
        { retry: true },
      );
      const fresh = await ctx.messages.get(id);
      if (fresh === undefined) throw new Errors.HUB_ERR_NOT_FOUND('message', id);
      const { route: _route, ...payload } = fresh;
      try {
        await ctx.bus.enqueue(Queues.route, payload, { jobId });
      } catch (err) {
        ctx.log.error({ err, id }, 'retry: message marked accepted but not re-queued');
        throw err;
      }
      ctx.log.info?.({ id, by: who(req), jobId }, 'message re-queued by operator');
      await audit(ctx, req, { kind: 'messages', id, op: 'retry', detail: `job ${jobId}` });
      return { id, state: 'accepted', jobId };
    },
  );
}
