import { isDeepStrictEqual } from 'node:util';
import type { Account, Connector } from '@hub/config';
import { compileTable, type Route } from '@hub/routing';
import type { ConfigDoc, ConfigStore } from '@hub/store';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AuditLog } from '../audit.js';
import { type ApiContext, audit } from '../context.js';
import {
  AccountInput,
  checkAccountUniqueness,
  checkStoreId,
  KINDS,
  loadKind,
  maskAccount,
  maskConnector,
  resolveAccount,
  resolveConnector,
  validateTable,
} from '../model.js';
import { jsonSchema, parseOr400, validationError } from '../validation.js';

const tags = ['config'];
const ImportZ = z.object({
  /** `replace` (default): each kind given becomes exactly the list; `merge`: add and update only. */
  mode: z.enum(['replace', 'merge']).default('replace'),
  /** Validate and report what would change, write nothing. */
  dryRun: z.boolean().default(false),
  accounts: z.array(z.record(z.string(), z.unknown())).max(100_000).optional(),
  connectors: z.array(z.record(z.string(), z.unknown())).max(10_000).optional(),
  routes: z.array(z.record(z.string(), z.unknown())).max(10_000).optional(),
});
const ImportBody = jsonSchema(ImportZ);
type ImportInput = z.infer<typeof ImportZ>;

/** Export format version. */
export const EXPORT_VERSION = 1;

/** Counts per kind of what an import did (or would do). */
export type ImportSummary = Record<
  'created' | 'updated' | 'deleted' | 'unchanged',
  Record<'accounts' | 'connectors' | 'routes', number>
>;

interface Plan<T> {
  readonly kind: string;
  readonly puts: Array<{ id: string; doc: T; expectedRev: number }>;
  readonly deletes: Array<{ id: string; expectedRev: number }>;
  unchanged: number;
  created: number;
}

function plan<T>(
  kind: string,
  current: Map<string, ConfigDoc<T>>,
  next: Map<string, T>,
  replace: boolean,
): Plan<T> {
  const p: Plan<T> = { kind, puts: [], deletes: [], unchanged: 0, created: 0 };
  for (const [id, doc] of next) {
    const cur = current.get(id);
    if (cur !== undefined && isDeepStrictEqual(cur.doc, doc)) p.unchanged += 1;
    else {
      if (cur === undefined) p.created += 1;
      p.puts.push({ id, doc, expectedRev: cur?.rev ?? 0 });
    }
  }
  if (replace)
    for (const [id, cur] of current) if (!next.has(id)) p.deletes.push({ id, expectedRev: cur.rev });
  return p;
}

function duplicates(ids: readonly string[], kind: string): void {
  const seen = new Map<string, number>();
  ids.forEach((id, i) => {
    const j = seen.get(id);
    if (j !== undefined)
      throw validationError(
        [{ path: `${kind}.${i}.id`, reason: `duplicates ${kind}.${j}.id "${id}"` }],
        'body',
      );
    seen.set(id, i);
  });
}

/**
 * Validates a whole import against the current store, then writes it: connectors and accounts first, then
 * routes, then deletions of accounts and connectors (so routes never name a missing target on the way).
 * Nothing is written when any part is invalid (400 naming `accounts.3.smpp.password` etc.). Each document
 * write checks its revision, so a concurrent edit stops the import with 409 part-way ("atomic-ish").
 */
export async function importConfig(
  store: ConfigStore,
  input: ImportInput,
  opts: { audit?: AuditLog; who?: string; now?: () => number } = {},
): Promise<ImportSummary> {
  const replace = input.mode === 'replace';
  const [accounts, connectors, routes] = await Promise.all([
    loadKind<Account>(store, KINDS.accounts),
    loadKind<Connector>(store, KINDS.connectors),
    loadKind<Route>(store, KINDS.routes),
  ]);

  let nextConnectors = new Map([...connectors].map(([id, d]) => [id, d.doc]));
  if (input.connectors !== undefined) {
    const parsed = input.connectors.map((raw, i) => {
      const id = typeof raw.id === 'string' ? raw.id : undefined;
      const c = resolveConnector(
        raw,
        id === undefined ? undefined : connectors.get(id)?.doc,
        `connectors.${i}`,
      );
      checkStoreId(c.id, `connectors.${i}.id`);
      return c;
    });
    duplicates(
      parsed.map((c) => c.id),
      'connectors',
    );
    nextConnectors = new Map([...(replace ? [] : nextConnectors), ...parsed.map((c) => [c.id, c] as const)]);
  }

  let nextAccounts = new Map([...accounts].map(([id, d]) => [id, d.doc]));
  if (input.accounts !== undefined) {
    const parsed: Account[] = [];
    for (const [i, raw] of input.accounts.entries()) {
      const a = parseOr400(AccountInput, raw, `accounts.${i}`, 'body');
      parsed.push(await resolveAccount(a, accounts.get(a.id)?.doc, `accounts.${i}`));
    }
    duplicates(
      parsed.map((a) => a.id),
      'accounts',
    );
    nextAccounts = new Map([...(replace ? [] : nextAccounts), ...parsed.map((a) => [a.id, a] as const)]);
    checkAccountUniqueness([...nextAccounts.values()]);
  }

  let nextRoutes = new Map([...routes].map(([id, d]) => [id, d.doc]));
  if (input.routes !== undefined) {
    const merged = replace
      ? input.routes
      : [
          ...[...nextRoutes.values()].filter((r) => !input.routes?.some((x) => x.id === r.id)),
          ...input.routes,
        ];
    nextRoutes = new Map(compileTable(merged).routes.map((r) => [r.id, r]));
    input.routes.forEach((r, i) => {
      if (typeof r.id === 'string') checkStoreId(r.id, `routes.${i}.id`);
    });
  }
  // References are checked on the resulting whole: an import may delete a connector only with its routes.
  validateTable([...nextRoutes.values()], {
    connectors: new Set(nextConnectors.keys()),
    accounts: new Set(nextAccounts.keys()),
  });

  const plans = {
    connectors: plan(
      KINDS.connectors,
      connectors,
      input.connectors === undefined ? new Map() : nextConnectors,
      replace && input.connectors !== undefined,
    ),
    accounts: plan(
      KINDS.accounts,
      accounts,
      input.accounts === undefined ? new Map() : nextAccounts,
      replace && input.accounts !== undefined,
    ),
    routes: plan(
      KINDS.routes,
      routes,
      input.routes === undefined ? new Map() : nextRoutes,
      replace && input.routes !== undefined,
    ),
  };
  const summary: ImportSummary = { created: {}, updated: {}, deleted: {}, unchanged: {} } as ImportSummary;
  for (const k of ['accounts', 'connectors', 'routes'] as const) {
    const p = plans[k] as Plan<unknown>;
    summary.created[k] = p.created;
    summary.updated[k] = p.puts.length - p.created;
    summary.deleted[k] = p.deletes.length;
    summary.unchanged[k] = p.unchanged;
  }
  if (input.dryRun) return summary;

  const now = opts.now ?? Date.now;
  const log = async (
    kind: string,
    id: string,
    op: 'create' | 'update' | 'delete',
    rev?: number,
  ): Promise<void> => {
    await opts.audit
      ?.record({
        at: now(),
        who: opts.who ?? 'unknown',
        kind,
        id,
        op,
        ...(rev === undefined ? {} : { rev }),
        detail: 'import',
      })
      .catch(() => undefined);
  };
  const write = async (p: Plan<unknown>): Promise<void> => {
    for (const w of p.puts) {
      const rev = await store.put(p.kind, w.id, w.doc, { expectedRev: w.expectedRev });
      await log(p.kind, w.id, w.expectedRev === 0 ? 'create' : 'update', rev);
    }
  };
  const remove = async (p: Plan<unknown>): Promise<void> => {
    for (const d of p.deletes) {
      await store.delete(p.kind, d.id, { expectedRev: d.expectedRev });
      await log(p.kind, d.id, 'delete');
    }
  };
  await write(plans.connectors as Plan<unknown>);
  await write(plans.accounts as Plan<unknown>);
  await remove(plans.routes as Plan<unknown>);
  await write(plans.routes as Plan<unknown>);
  await remove(plans.accounts as Plan<unknown>);
  await remove(plans.connectors as Plan<unknown>);
  return summary;
}

/** What the config file contributes to the store at first start. */
export interface SeedSource {
  readonly accounts: readonly Account[];
  readonly connectors: readonly Connector[];
  readonly routes: readonly unknown[];
}

/**
 * Seeds the config store from the config file once: when it holds no accounts, connectors or routes and was
 * never seeded. From then on the store is the source of truth (REST edits win; editing the file's lists has no
 * effect until the store is emptied, or use POST /v1/config/import). A marker `meta/seeded` written with
 * expectedRev 0 makes one instance do it when several start together. Throws `HUB_ERR_ROUTING_INVALID` for
 * bad routes in the file (refuse to start). Returns whether this call seeded.
 */
export async function seedFromConfig(
  store: ConfigStore,
  src: SeedSource,
  opts: { audit?: AuditLog; instance?: string; now?: () => number } = {},
): Promise<boolean> {
  if ((await store.get(KINDS.meta, 'seeded')) !== undefined) return false;
  const routes = compileTable(src.routes).routes;
  const [a, c, r] = await Promise.all([
    store.getAll(KINDS.accounts),
    store.getAll(KINDS.connectors),
    store.getAll(KINDS.routes),
  ]);
  const now = opts.now ?? Date.now;
  const marker = {
    at: now(),
    by: opts.instance ?? 'unknown',
    accounts: src.accounts.length,
    connectors: src.connectors.length,
    routes: routes.length,
  };
  if (a.length + c.length + r.length > 0) {
    await store
      .put(KINDS.meta, 'seeded', { ...marker, skipped: 'store already had documents' })
      .catch(() => undefined);
    return false;
  }
  try {
    await store.put(KINDS.meta, 'seeded', marker, { expectedRev: 0 });
  } catch (err) {
    if ((err as { code?: string }).code === 'HUB_ERR_STORE_REVISION_CONFLICT') return false;
    throw err;
  }
  for (const x of src.connectors) await store.put(KINDS.connectors, x.id, x, { expectedRev: 0 });
  for (const x of src.accounts) await store.put(KINDS.accounts, x.id, x, { expectedRev: 0 });
  for (const x of routes) await store.put(KINDS.routes, x.id, x, { expectedRev: 0 });
  await opts.audit
    ?.record({
      at: now(),
      who: 'config-file',
      kind: 'config',
      id: 'seed',
      op: 'seed',
      detail: `${src.accounts.length} accounts, ${src.connectors.length} connectors, ${routes.length} routes`,
    })
    .catch(() => undefined);
  return true;
}

/** Whole-configuration export and import (`/v1/config`), admin only. */
export function registerConfig(app: FastifyInstance, ctx: ApiContext): void {
  app.get(
    '/v1/config/export',
    {
      config: { role: 'admin' },
      schema: { tags, summary: 'Accounts, connectors and routes as one document (credentials masked)' },
    },
    async () => {
      const [accounts, connectors, routes] = await Promise.all([
        ctx.store.getAll<Account>(KINDS.accounts),
        ctx.store.getAll<Connector>(KINDS.connectors),
        ctx.store.getAll<Route>(KINDS.routes),
      ]);
      const byId = <T extends { id: string }>(a: T, b: T): number => a.id.localeCompare(b.id);
      return {
        version: EXPORT_VERSION,
        exportedAt: new Date(ctx.now()).toISOString(),
        revision: await ctx.store.revision(),
        accounts: accounts
          .map((d) => maskAccount(d.doc))
          .sort((x, y) => String(x.id).localeCompare(String(y.id))),
        connectors: connectors
          .map((d) => maskConnector(d.doc))
          .sort((x, y) => String(x.id).localeCompare(String(y.id))),
        routes: routes
          .map((d) => d.doc)
          .sort((x, y) => x.table.localeCompare(y.table) || y.order - x.order || byId(x, y)),
      };
    },
  );

  app.post(
    '/v1/config/import',
    {
      config: { role: 'admin' },
      bodyLimit: 50 * 1024 * 1024,
      schema: {
        tags,
        summary:
          'Validate everything, then write (replace or merge); credentials omitted keep the stored ones',
        body: ImportBody,
      },
    },
    async (req) => {
      const input = req.body as ImportInput;
      const summary = await importConfig(ctx.store, input, {
        audit: ctx.audit,
        who: req.principal?.keyId ?? 'unknown',
        now: ctx.now,
      });
      if (!input.dryRun)
        await audit(ctx, req, {
          kind: 'config',
          id: 'import',
          op: 'import',
          detail: JSON.stringify(summary),
        });
      return { mode: input.mode, dryRun: input.dryRun, ...summary };
    },
  );
}
