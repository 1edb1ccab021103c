import type { Account } from '@hub/config';
import { Errors } from '@hub/errors';
import type { Route } from '@hub/routing';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { type ApiContext, audit, etag, expectedRev, replaceTarget } from '../context.js';
import {
  AccountInput,
  checkAccountUniqueness,
  KINDS,
  maskAccount,
  resolveAccount,
  routesReferencing,
} from '../model.js';
import { jsonSchema } from '../validation.js';

const tags = ['accounts'];
const IdParams = jsonSchema(z.object({ id: z.string().min(1).max(64) }));
const AccountBody = jsonSchema(AccountInput.extend({ rev: z.number().int().nonnegative().optional() }));

/** Client accounts (`/v1/accounts`): admin writes; credentials are write-only. */
export function registerAccounts(app: FastifyInstance, ctx: ApiContext): void {
  async function save(
    id: string,
    input: AccountInput,
    existing: { doc: Account; rev: number } | undefined,
    expected: number,
  ): Promise<{ account: Account; rev: number }> {
    const account = await resolveAccount(input, existing?.doc);
    const others = (await ctx.store.getAll<Account>(KINDS.accounts))
      .filter((d) => d.id !== id)
      .map((d) => d.doc);
    checkAccountUniqueness([...others, account]);
    const rev = await ctx.store.put(KINDS.accounts, id, account, { expectedRev: expected });
    return { account, rev };
  }

  app.get('/v1/accounts', { schema: { tags, summary: 'List accounts (credentials masked)' } }, async () => {
    const docs = (await ctx.store.getAll<Account>(KINDS.accounts)).sort((a, b) => a.id.localeCompare(b.id));
    return { items: docs.map((d) => ({ ...maskAccount(d.doc), rev: d.rev })) };
  });

  app.get(
    '/v1/accounts/:id',
    { schema: { tags, summary: 'Get one account', params: IdParams } },
    async (req, reply) => {
      const { id } = req.params as { id: string };
      const d = await ctx.store.get<Account>(KINDS.accounts, id);
      if (d === undefined) throw new Errors.HUB_ERR_NOT_FOUND('account', id);
      etag(reply, d.rev);
      return { ...maskAccount(d.doc), rev: d.rev };
    },
  );

  app.post(
    '/v1/accounts',
    {
      schema: {
        tags,
        summary: 'Create an account (clear passwords are hashed, never returned)',
        body: AccountBody,
      },
    },
    async (req, reply) => {
      const input = req.body as AccountInput;
      if ((await ctx.store.get(KINDS.accounts, input.id)) !== undefined) {
        throw new Errors.HUB_ERR_CONFLICT(`account ${input.id} already exists`);
      }
      const { account, rev } = await save(input.id, input, undefined, 0);
      await audit(ctx, req, { kind: KINDS.accounts, id: account.id, op: 'create', rev });
      etag(reply, rev);
      return reply.code(201).send({ ...maskAccount(account), rev });
    },
  );

  app.put(
    '/v1/accounts/:id',
    {
      schema: {
        tags,
        summary: 'Replace an account (omit a password to keep it)',
        params: IdParams,
        body: AccountBody,
      },
    },
    async (req, reply) => {
      const input = req.body as AccountInput & { rev?: number };
      const { id, rev: rev0 } = replaceTarget(req, input, { idRequired: true });
      const existing = await ctx.store.get<Account>(KINDS.accounts, id);
      if (existing === undefined) throw new Errors.HUB_ERR_NOT_FOUND('account', id);
      const { rev: _r, ...rest } = input;
      const { account, rev } = await save(id, rest, existing, rev0 ?? existing.rev);
      await audit(ctx, req, { kind: KINDS.accounts, id, op: 'update', rev });
      etag(reply, rev);
      return { ...maskAccount(account), rev };
    },
  );

  app.delete(
    '/v1/accounts/:id',
    {
      schema: { tags, summary: 'Delete an account (409 while an MO route delivers to it)', params: IdParams },
    },
    async (req, reply) => {
      const { id } = req.params as { id: string };
      const existing = await ctx.store.get<Account>(KINDS.accounts, id);
      if (existing === undefined) throw new Errors.HUB_ERR_NOT_FOUND('account', id);
      const routes = (await ctx.store.getAll<Route>(KINDS.routes)).map((d) => d.doc);
      const users = routesReferencing(routes, { account: id });
      if (users.length > 0) {
        throw new Errors.HUB_ERR_CONFLICT(`account ${id} is used by routes ${users.join(', ')}`, {
          details: { routes: users },
        });
      }
      await ctx.store.delete(KINDS.accounts, id, { expectedRev: expectedRev(req) ?? existing.rev });
      await audit(ctx, req, { kind: KINDS.accounts, id, op: 'delete' });
      return reply.code(204).send();
    },
  );
}
