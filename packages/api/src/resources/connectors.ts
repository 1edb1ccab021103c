import { Connector } from '@hub/config';
import { Errors } from '@hub/errors';
import type { Route } from '@hub/routing';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { type ApiContext, audit, etag, expectedRev, replaceTarget } from '../context.js';
import { readConnectorStates } from '../live.js';
import {
  AnyObject,
  checkStoreId,
  KINDS,
  maskConnector,
  resolveConnector,
  routesReferencing,
} from '../model.js';
import { jsonSchema } from '../validation.js';

const tags = ['connectors'];
const IdParams = jsonSchema(z.object({ id: z.string().min(1).max(64) }));
const ConnectorBody = jsonSchema(Connector, AnyObject);

/** Carrier connectors (`/v1/connectors`): admin writes, with live state from the connector workers. */
export function registerConnectors(app: FastifyInstance, ctx: ApiContext): void {
  app.get('/v1/connectors', { schema: { tags, summary: 'List connectors with live state' } }, async () => {
    const docs = (await ctx.store.getAll<Connector>(KINDS.connectors)).sort((a, b) =>
      a.id.localeCompare(b.id),
    );
    const live = await readConnectorStates(
      ctx.redis,
      ctx.prefix,
      docs.map((d) => d.id),
    );
    return { items: docs.map((d, i) => ({ ...maskConnector(d.doc), rev: d.rev, live: live[i] })) };
  });

  app.get(
    '/v1/connectors/:id',
    { schema: { tags, summary: 'Get one connector with live state', params: IdParams } },
    async (req, reply) => {
      const { id } = req.params as { id: string };
      const d = await ctx.store.get<Connector>(KINDS.connectors, id);
      if (d === undefined) throw new Errors.HUB_ERR_NOT_FOUND('connector', id);
      const [live] = await readConnectorStates(ctx.redis, ctx.prefix, [id]);
      etag(reply, d.rev);
      return { ...maskConnector(d.doc), rev: d.rev, live };
    },
  );

  app.get(
    '/v1/connectors/:id/state',
    { schema: { tags, summary: 'Live state only', params: IdParams } },
    async (req) => {
      const { id } = req.params as { id: string };
      if ((await ctx.store.get(KINDS.connectors, id)) === undefined)
        throw new Errors.HUB_ERR_NOT_FOUND('connector', id);
      const [live] = await readConnectorStates(ctx.redis, ctx.prefix, [id]);
      return live;
    },
  );

  app.post(
    '/v1/connectors',
    { schema: { tags, summary: 'Create a connector', body: ConnectorBody } },
    async (req, reply) => {
      const c = resolveConnector(req.body, undefined);
      checkStoreId(c.id);
      if ((await ctx.store.get(KINDS.connectors, c.id)) !== undefined) {
        throw new Errors.HUB_ERR_CONFLICT(`connector ${c.id} already exists`);
      }
      const rev = await ctx.store.put(KINDS.connectors, c.id, c, { expectedRev: 0 });
      await audit(ctx, req, { kind: KINDS.connectors, id: c.id, op: 'create', rev });
      etag(reply, rev);
      return reply.code(201).send({ ...maskConnector(c), rev });
    },
  );

  app.put(
    '/v1/connectors/:id',
    {
      schema: {
        tags,
        summary: 'Replace a connector (omit password to keep it)',
        params: IdParams,
        body: ConnectorBody,
      },
    },
    async (req, reply) => {
      const body = req.body as Record<string, unknown>;
      const { id, rev: rev0 } = replaceTarget(req, body);
      const existing = await ctx.store.get<Connector>(KINDS.connectors, id);
      if (existing === undefined) throw new Errors.HUB_ERR_NOT_FOUND('connector', id);
      const { rev: _r, ...rest } = body;
      const c = resolveConnector({ ...rest, id }, existing.doc);
      const rev = await ctx.store.put(KINDS.connectors, id, c, { expectedRev: rev0 ?? existing.rev });
      await audit(ctx, req, { kind: KINDS.connectors, id, op: 'update', rev });
      etag(reply, rev);
      return { ...maskConnector(c), rev };
    },
  );

  for (const op of ['enable', 'disable'] as const) {
    app.post(
      `/v1/connectors/:id/${op}`,
      {
        schema: { tags, summary: `${op === 'enable' ? 'Enable' : 'Disable'} a connector`, params: IdParams },
      },
      async (req, reply) => {
        const { id } = req.params as { id: string };
        const existing = await ctx.store.get<Connector>(KINDS.connectors, id);
        if (existing === undefined) throw new Errors.HUB_ERR_NOT_FOUND('connector', id);
        const c = { ...existing.doc, enabled: op === 'enable' };
        const rev = await ctx.store.put(KINDS.connectors, id, c, {
          expectedRev: expectedRev(req) ?? existing.rev,
        });
        await audit(ctx, req, { kind: KINDS.connectors, id, op, rev });
        etag(reply, rev);
        return { ...maskConnector(c), rev };
      },
    );
  }

  app.delete(
    '/v1/connectors/:id',
    { schema: { tags, summary: 'Delete a connector (409 while a route uses it)', params: IdParams } },
    async (req, reply) => {
      const { id } = req.params as { id: string };
      const existing = await ctx.store.get<Connector>(KINDS.connectors, id);
      if (existing === undefined) throw new Errors.HUB_ERR_NOT_FOUND('connector', id);
      const routes = (await ctx.store.getAll<Route>(KINDS.routes)).map((d) => d.doc);
      const users = routesReferencing(routes, { connector: id });
      if (users.length > 0) {
        throw new Errors.HUB_ERR_CONFLICT(`connector ${id} is used by routes ${users.join(', ')}`, {
          details: { routes: users },
        });
      }
      await ctx.store.delete(KINDS.connectors, id, { expectedRev: expectedRev(req) ?? existing.rev });
      await audit(ctx, req, { kind: KINDS.connectors, id, op: 'delete' });
      return reply.code(204).send();
    },
  );
}
