import { Errors } from '@hub/errors';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { API_KEYS_KIND, newApiKey, type StoredApiKey } from '../auth.js';
import { type ApiContext, audit, who } from '../context.js';
import { jsonSchema } from '../validation.js';

const tags = ['api keys'];
const KeyId = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/,
    'must be 1-64 of A-Z a-z 0-9 _ . - (not starting with a symbol)',
  );
const IdParams = jsonSchema(z.object({ id: z.string().min(1).max(64) }));
const CreateBody = jsonSchema(
  z.object({
    id: KeyId,
    role: z.enum(['read', 'operator', 'admin']),
    description: z.string().max(256).optional(),
  }),
);

/** API keys (`/v1/apikeys`), admin only. The plain key is returned once, at creation. */
export function registerApiKeys(app: FastifyInstance, ctx: ApiContext): void {
  app.get(
    '/v1/apikeys',
    { config: { role: 'admin' }, schema: { tags, summary: 'List API keys (never secrets)' } },
    async () => {
      const stored = (await ctx.store.getAll<StoredApiKey>(API_KEYS_KIND)).map((d) => ({
        id: d.id,
        role: d.doc.role,
        source: 'store' as const,
        ...(d.doc.createdAt === undefined ? {} : { createdAt: d.doc.createdAt }),
        ...(d.doc.createdBy === undefined ? {} : { createdBy: d.doc.createdBy }),
        ...(d.doc.description === undefined ? {} : { description: d.doc.description }),
      }));
      const fromConfig = ctx.auth.listConfigKeys().map((k) => ({ ...k, source: 'config' as const }));
      return {
        items: [...fromConfig, ...stored.filter((k) => !ctx.auth.isConfigKey(k.id))].sort((a, b) =>
          a.id.localeCompare(b.id),
        ),
      };
    },
  );

  app.post(
    '/v1/apikeys',
    {
      config: { role: 'admin' },
      schema: {
        tags,
        summary: 'Create an API key; the response holds the key, shown only this once',
        body: CreateBody,
      },
    },
    async (req, reply) => {
      const b = req.body as { id: string; role: StoredApiKey['role']; description?: string };
      if (ctx.auth.isConfigKey(b.id))
        throw new Errors.HUB_ERR_CONFLICT(`API key ${b.id} is defined in the config file`);
      if ((await ctx.store.get(API_KEYS_KIND, b.id)) !== undefined)
        throw new Errors.HUB_ERR_CONFLICT(`API key ${b.id} already exists`);
      const { token, keyHash } = await newApiKey(b.id);
      const doc: StoredApiKey = {
        id: b.id,
        role: b.role,
        keyHash,
        createdAt: ctx.now(),
        createdBy: who(req),
        ...(b.description === undefined ? {} : { description: b.description }),
      };
      const rev = await ctx.store.put(API_KEYS_KIND, b.id, doc, { expectedRev: 0 });
      await audit(ctx, req, { kind: API_KEYS_KIND, id: b.id, op: 'create', rev, detail: `role ${b.role}` });
      return reply.code(201).send({ id: b.id, role: b.role, key: token, createdAt: doc.createdAt });
    },
  );

  app.delete(
    '/v1/apikeys/:id',
    {
      config: { role: 'admin' },
      schema: { tags, summary: 'Revoke an API key (keys from the config file cannot be)', params: IdParams },
    },
    async (req, reply) => {
      const { id } = req.params as { id: string };
      if (ctx.auth.isConfigKey(id))
        throw new Errors.HUB_ERR_CONFLICT(`API key ${id} is defined in the config file; remove it there`);
      if (!(await ctx.store.delete(API_KEYS_KIND, id))) throw new Errors.HUB_ERR_NOT_FOUND('API key', id);
      await audit(ctx, req, { kind: API_KEYS_KIND, id, op: 'delete' });
      return reply.code(204).send();
    },
  );
}
