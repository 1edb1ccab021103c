import { Errors } from '@hub/errors';
import { FINAL_STATES, type HubMessage, MessageState } from '@hub/message';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ApiContext } from '../context.js';
import { connectorStatsKey, readConnectorStates } from '../live.js';
import { KINDS } from '../model.js';
import { jsonSchema } from '../validation.js';
import { parseTime } from './messages.js';

const tags = ['stats'];
const IdParams = jsonSchema(z.object({ id: z.string().min(1).max(64) }));
const AccountStatsQuery = jsonSchema(
  z.object({
    from: z.string().max(40).optional(),
    to: z.string().max(40).optional(),
    /** Newest messages examined (default 500, at most 1000). */
    sample: z.coerce.number().int().min(1).max(1000).default(500),
  }),
);
const AuditQuery = jsonSchema(
  z.object({
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
  }),
);

/** Nearest-rank percentiles of `values` (undefined when empty). */
export function percentiles(values: number[]): {
  n: number;
  p50?: number;
  p90?: number;
  p99?: number;
  max?: number;
} {
  if (values.length === 0) return { n: 0 };
  const s = [...values].sort((a, b) => a - b);
  const at = (p: number): number => s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] as number;
  return { n: s.length, p50: at(50), p90: at(90), p99: at(99), max: s[s.length - 1] as number };
}

function firstAt(m: HubMessage, state: MessageState): number | undefined {
  return m.history.find((e) => e.state === state && e.outcome !== 'duplicate')?.at;
}

/**
 * Stats computed from the message records of one account: the store keeps no counters, so this examines
 * the newest `sample` messages of the window (accurate for quiet accounts, a sample for busy ones).
 */
function accountStats(msgs: HubMessage[], from: number | undefined, to: number): Record<string, unknown> {
  const byState: Record<string, number> = Object.fromEntries(MessageState.options.map((s) => [s, 0]));
  const submit: number[] = [];
  const deliver: number[] = [];
  for (const m of msgs) {
    byState[m.state] = (byState[m.state] ?? 0) + 1;
    const sub = firstAt(m, 'submitted');
    if (sub !== undefined) submit.push(sub - m.createdAt);
    const del = firstAt(m, 'delivered');
    if (del !== undefined) deliver.push(del - m.createdAt);
  }
  const oldest = msgs.reduce((min, m) => Math.min(min, m.createdAt), to);
  const windowMs = Math.max(1, to - (from ?? oldest));
  const failed = (byState.undeliverable ?? 0) + (byState.expired ?? 0) + (byState.rejected ?? 0);
  return {
    messages: msgs.length,
    accepted: msgs.length,
    delivered: byState.delivered ?? 0,
    failed,
    pending: msgs.filter((m) => !FINAL_STATES.has(m.state)).length,
    byState,
    ratePerSecond: Math.round((msgs.length / (windowMs / 1000)) * 1000) / 1000,
    latencyMs: { submit: percentiles(submit), deliver: percentiles(deliver) },
  };
}

/** Stats, health, readiness and the audit log. */
export function registerStats(app: FastifyInstance, ctx: ApiContext): void {
  app.get(
    '/healthz',
    { config: { public: true }, schema: { tags: ['health'], summary: 'The process is up' } },
    async () => ({
      status: 'ok',
      uptimeSeconds: Math.round(process.uptime()),
    }),
  );

  app.get(
    '/readyz',
    { config: { public: true }, schema: { tags: ['health'], summary: 'Redis answers PING' } },
    async () => {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          ctx.redis.ping(),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error('PING timed out after 2000 ms')), 2_000);
          }),
        ]);
      } catch (err) {
        throw new Errors.HUB_ERR_STORE_UNAVAILABLE((err as Error).message, { cause: err });
      } finally {
        clearTimeout(timer);
      }
      return { status: 'ready' };
    },
  );

  app.get(
    '/v1/stats/accounts/:id',
    {
      schema: {
        tags,
        summary: "An account's traffic over a window, from its newest messages",
        params: IdParams,
        querystring: AccountStatsQuery,
      },
    },
    async (req) => {
      const { id } = req.params as { id: string };
      const q = req.query as { from?: string; to?: string; sample: number };
      if ((await ctx.store.get(KINDS.accounts, id)) === undefined)
        throw new Errors.HUB_ERR_NOT_FOUND('account', id);
      const from = parseTime(q.from, 'from');
      const to = parseTime(q.to, 'to') ?? ctx.now();
      const ids = await ctx.messages.listByAccount(id, {
        to,
        limit: q.sample,
        ...(from === undefined ? {} : { from }),
      });
      const msgs = (await Promise.all(ids.map((m) => ctx.messages.get(m)))).filter(
        (m): m is HubMessage => m !== undefined,
      );
      return {
        account: id,
        window: { from: from ?? null, to },
        sampled: msgs.length,
        truncated: ids.length === q.sample,
        ...accountStats(msgs, from, to),
      };
    },
  );

  app.get(
    '/v1/stats/connectors/:id',
    { schema: { tags, summary: "A connector's counters and live state", params: IdParams } },
    async (req) => {
      const { id } = req.params as { id: string };
      if ((await ctx.store.get(KINDS.connectors, id)) === undefined)
        throw new Errors.HUB_ERR_NOT_FOUND('connector', id);
      const [raw, live] = await Promise.all([
        ctx.redis.hgetall(connectorStatsKey(ctx.prefix, id)),
        readConnectorStates(ctx.redis, ctx.prefix, [id]),
      ]);
      const counters: Record<string, number> = {
        submitted: 0,
        acked: 0,
        failed: 0,
        delivered: 0,
        throttled: 0,
      };
      for (const [k, v] of Object.entries(raw)) if (/^-?[0-9]+$/.test(v)) counters[k] = Number(v);
      return { connector: id, counters, live: live[0] };
    },
  );

  app.get(
    '/v1/audit',
    { schema: { tags: ['audit'], summary: 'Configuration changes, newest first', querystring: AuditQuery } },
    async (req) => {
      const q = req.query as { limit: number; offset: number };
      return { items: await ctx.audit.list(q.offset, q.limit) };
    },
  );
}
