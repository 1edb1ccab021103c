import { Errors } from '@hub/errors';
import { type Address, type HubMessage, normalizeAddress } from '@hub/message';
import { compileTable, explain, Route, RouteTableName } from '@hub/routing';
import type { ConfigDoc } from '@hub/store';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { type ApiContext, audit, etag, expectedRev, replaceTarget } from '../context.js';
import { AnyObject, checkStoreId, KINDS, loadKind, validateTable } from '../model.js';
import { jsonSchema, validationError } from '../validation.js';

const tags = ['routes'];
const IdParams = jsonSchema(z.object({ id: z.string().min(1).max(64) }));
const RouteBody = jsonSchema(Route.extend({ rev: z.number().int().nonnegative().optional() }), AnyObject);
const ListQuery = jsonSchema(z.object({ table: RouteTableName.optional() }));
const ReorderBody = jsonSchema(
  z.object({
    table: RouteTableName,
    /** Every route id of the table, the one tried first first; an order-0 default route, if any, last. */
    ids: z.array(z.string().min(1).max(64)).min(1).max(10_000),
  }),
);

/** A message-like body for the dry run: only what the filters look at. */
const DryRunInput = z.object({
  direction: z.enum(['mt', 'mo']).default('mt'),
  kind: z.enum(['sms', 'mms']).default('sms'),
  from: z.string().min(1).max(254),
  to: z.union([z.string().min(1).max(254), z.array(z.string().min(1).max(254)).min(1).max(1000)]),
  text: z.string().max(65_535).optional(),
  /** MMS subject (the keyword filter reads it for MMS). */
  subject: z.string().max(1024).optional(),
  /** MT: the submitting account. */
  account: z.string().min(1).max(64).optional(),
  /** MO: the connector it arrived on. */
  connector: z.string().min(1).max(64).optional(),
  dataCoding: z.number().int().min(0).max(255).default(0),
  serviceCode: z.string().max(64).optional(),
  /** Evaluate time windows at this instant (ms since epoch; default now). */
  at: z.number().int().nonnegative().optional(),
  /** Connectors to treat as down (failover/split choice). */
  down: z.array(z.string().min(1).max(64)).max(1000).optional(),
});
const DryRunBody = jsonSchema(DryRunInput);

function sortRoutes(docs: Iterable<ConfigDoc<Route>>): Array<Route & { rev: number }> {
  return [...docs]
    .map((d) => ({ ...d.doc, rev: d.rev }))
    .sort((a, b) => a.table.localeCompare(b.table) || b.order - a.order || a.id.localeCompare(b.id));
}

/** Ids of the connectors and accounts route actions may name. */
async function knownTargets(ctx: ApiContext): Promise<{ connectors: Set<string>; accounts: Set<string> }> {
  const [c, a] = await Promise.all([ctx.store.getAll(KINDS.connectors), ctx.store.getAll(KINDS.accounts)]);
  return { connectors: new Set(c.map((d) => d.id)), accounts: new Set(a.map((d) => d.id)) };
}

/** Validates the table that results from replacing (or adding) `route`; returns the stored form of `route`. */
async function validatedWith(
  ctx: ApiContext,
  all: Map<string, ConfigDoc<Route>>,
  route: unknown,
  id: string,
): Promise<Route> {
  const others = [...all.values()].filter((d) => d.id !== id).map((d) => d.doc);
  const routes = validateTable([...others, route], await knownTargets(ctx));
  return routes.find((r) => r.id === id) as Route;
}

function address(raw: string, field: string): Address {
  const a = normalizeAddress(raw);
  if (a === undefined)
    throw validationError([{ path: field, reason: `"${raw}" is not a usable address` }], 'body');
  return a;
}

/** The route table endpoints (`/v1/routes`). Reads need `read`, writes `operator`. */
export function registerRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get(
    '/v1/routes',
    { schema: { tags, summary: 'List routes (both tables, highest order first)', querystring: ListQuery } },
    async (req) => {
      const q = req.query as { table?: string };
      const all = await loadKind<Route>(ctx.store, KINDS.routes);
      const items = sortRoutes(all.values()).filter((r) => q.table === undefined || r.table === q.table);
      return { items };
    },
  );

  app.get(
    '/v1/routes/:id',
    { schema: { tags, summary: 'Get one route', params: IdParams } },
    async (req, reply) => {
      const { id } = req.params as { id: string };
      const d = await ctx.store.get<Route>(KINDS.routes, id);
      if (d === undefined) throw new Errors.HUB_ERR_NOT_FOUND('route', id);
      etag(reply, d.rev);
      return { ...d.doc, rev: d.rev };
    },
  );

  app.post(
    '/v1/routes',
    {
      config: { role: 'operator' },
      schema: { tags, summary: 'Create a route (the whole table is validated)', body: RouteBody },
    },
    async (req, reply) => {
      const body = req.body as Record<string, unknown>;
      const id = typeof body.id === 'string' ? body.id : '';
      if (id !== '') checkStoreId(id);
      const all = await loadKind<Route>(ctx.store, KINDS.routes);
      if (all.has(id))
        throw new Errors.HUB_ERR_CONFLICT(`route ${id} already exists (PUT /v1/routes/${id} to change it)`);
      const route = await validatedWith(ctx, all, { ...body, rev: undefined }, id);
      const rev = await ctx.store.put(KINDS.routes, route.id, route, { expectedRev: 0 });
      await audit(ctx, req, { kind: KINDS.routes, id: route.id, op: 'create', rev });
      etag(reply, rev);
      return reply.code(201).send({ ...route, rev });
    },
  );

  app.put(
    '/v1/routes/:id',
    {
      config: { role: 'operator' },
      schema: {
        tags,
        summary: 'Replace a route (If-Match or body rev: 409 when stale)',
        params: IdParams,
        body: RouteBody,
      },
    },
    async (req, reply) => {
      const body = req.body as Record<string, unknown>;
      const { id, rev: rev0 } = replaceTarget(req, body);
      const all = await loadKind<Route>(ctx.store, KINDS.routes);
      const existing = all.get(id);
      if (existing === undefined) throw new Errors.HUB_ERR_NOT_FOUND('route', id);
      const route = await validatedWith(ctx, all, { ...body, id, rev: undefined }, id);
      const rev = await ctx.store.put(KINDS.routes, id, route, { expectedRev: rev0 ?? existing.rev });
      await audit(ctx, req, { kind: KINDS.routes, id, op: 'update', rev });
      etag(reply, rev);
      return { ...route, rev };
    },
  );

  app.delete(
    '/v1/routes/:id',
    {
      config: { role: 'operator' },
      schema: { tags, summary: 'Delete a route (If-Match honoured)', params: IdParams },
    },
    async (req, reply) => {
      const { id } = req.params as { id: string };
      const existing = await ctx.store.get<Route>(KINDS.routes, id);
      if (existing === undefined) throw new Errors.HUB_ERR_NOT_FOUND('route', id);
      await ctx.store.delete(KINDS.routes, id, { expectedRev: expectedRev(req) ?? existing.rev });
      await audit(ctx, req, { kind: KINDS.routes, id, op: 'delete' });
      return reply.code(204).send();
    },
  );

  app.post(
    '/v1/routes/reorder',
    {
      config: { role: 'operator' },
      schema: {
        tags,
        summary:
          'Reorder one table: ids in evaluation order; orders are rewritten as 10, 20, … from the last',
        body: ReorderBody,
      },
    },
    async (req) => {
      const { table, ids } = req.body as { table: 'mt' | 'mo'; ids: string[] };
      const all = await loadKind<Route>(ctx.store, KINDS.routes);
      const inTable = [...all.values()].filter((d) => d.doc.table === table);
      const seen = new Set<string>();
      ids.forEach((id, i) => {
        const d = all.get(id);
        if (d === undefined || d.doc.table !== table)
          throw validationError(
            [{ path: `ids.${i}`, reason: `"${id}" is not a route of the ${table} table` }],
            'body',
          );
        if (seen.has(id))
          throw validationError([{ path: `ids.${i}`, reason: `"${id}" is listed twice` }], 'body');
        seen.add(id);
      });
      const missing = inTable.filter((d) => !seen.has(d.id)).map((d) => d.id);
      if (missing.length > 0) {
        throw validationError(
          [
            {
              path: 'ids',
              reason: `must list every route of the ${table} table; missing ${missing.join(', ')}`,
            },
          ],
          'body',
        );
      }
      // The default route (order 0) stays the catch-all: it must come last and keeps order 0.
      const defaults = inTable.filter((d) => d.doc.order === 0).map((d) => d.id);
      const ranked = ids.filter((id) => !defaults.includes(id));
      if (defaults.length > 0 && ids[ids.length - 1] !== defaults[0]) {
        throw validationError(
          [{ path: 'ids', reason: `the default route ${defaults[0]} (order 0) must be last` }],
          'body',
        );
      }
      const next = new Map<string, Route>();
      for (const [i, id] of ranked.entries()) {
        next.set(id, { ...(all.get(id) as ConfigDoc<Route>).doc, order: (ranked.length - i) * 10 });
      }
      const table2 = [...all.values()].map((d) => next.get(d.id) ?? d.doc);
      validateTable(table2, await knownTargets(ctx));
      const changed = [...next.values()].filter(
        (r) => r.order !== (all.get(r.id) as ConfigDoc<Route>).doc.order,
      );
      const revs: Record<string, number> = {};
      for (const r of changed) {
        revs[r.id] = await ctx.store.put(KINDS.routes, r.id, r, {
          expectedRev: (all.get(r.id) as ConfigDoc<Route>).rev,
        });
      }
      await audit(ctx, req, { kind: KINDS.routes, id: table, op: 'reorder', detail: ids.join(',') });
      const after = await loadKind<Route>(ctx.store, KINDS.routes);
      return {
        items: sortRoutes(after.values()).filter((r) => r.table === table),
        changed: changed.map((r) => r.id),
      };
    },
  );

  app.post(
    '/v1/routes/dry-run',
    {
      config: { role: 'read' },
      schema: {
        tags,
        summary: 'Which route and connector a message would take (nothing is sent)',
        body: DryRunBody,
      },
    },
    async (req) => {
      const b = req.body as z.infer<typeof DryRunInput>;
      const all = await loadKind<Route>(ctx.store, KINDS.routes);
      const table = compileTable([...all.values()].map((d) => d.doc));
      const now = b.at ?? ctx.now();
      const to = (Array.isArray(b.to) ? b.to : [b.to]).map((t, i) =>
        address(t, Array.isArray(b.to) ? `to.${i}` : 'to'),
      );
      const text = b.text ?? '';
      const msg: HubMessage = {
        v: 1,
        id: '0000000000000000',
        direction: b.direction,
        kind: b.kind,
        class: 'message',
        origin: {
          protocol: 'api',
          ...(b.account === undefined ? {} : { account: b.account }),
          ...(b.connector === undefined ? {} : { connector: b.connector }),
        },
        from: address(b.from, 'from'),
        to,
        content:
          b.kind === 'sms'
            ? {
                type: 'sms',
                dataCoding: b.dataCoding,
                text,
                bytes: Buffer.from(text).toString('base64'),
                segments: 1,
              }
            : { type: 'mms', parts: [], ...(b.subject === undefined ? {} : { subject: b.subject }) },
        options: {
          receipt: 'none',
          priority: 0,
          ...(b.serviceCode === undefined ? {} : { serviceCode: b.serviceCode }),
        },
        state: 'accepted',
        createdAt: now,
        updatedAt: now,
        attempts: 0,
        history: [],
      };
      const down = new Set(b.down ?? []);
      // A fixed draw keeps the dry run repeatable for weighted splits.
      const result = explain(table, msg, { now, connectorsUp: (c) => !down.has(c), random: () => 0 });
      return { ...result, routingKey: { from: msg.from, to: msg.to[0] } };
    },
  );
}
