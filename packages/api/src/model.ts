import { Account, Connector } from '@hub/config';
import { Errors, type HubError, isHubError } from '@hub/errors';
import { compileTable, type Route, type RouteIssue } from '@hub/routing';
import { type ConfigDoc, type ConfigStore, hashSecret } from '@hub/store';
import { z } from 'zod';
import { parseOr400, validationError } from './validation.js';

/**
 * The configuration documents the API edits, as they sit in the config store (kinds below, one document per
 * id): exactly the `@hub/config` / `@hub/routing` shapes with defaults applied, so the router and gateways
 * read them like the config file. Secrets are stored as scrypt hashes (account credentials) or as given
 * (outbound connector passwords, which cannot be hashed) and never returned by the API.
 */

/** Config store kinds. Changing one strands every stored document of that kind. */
export const KINDS = Object.freeze({
  accounts: 'accounts',
  connectors: 'connectors',
  routes: 'routes',
  meta: 'meta',
} as const);

/** Loose object used to validate bodies that the handler parses itself (after merging stored secrets). */
export const AnyObject = z.record(z.string(), z.unknown());

const smppSection = Account.shape.smpp.unwrap();
const mm7Section = Account.shape.mm7.unwrap();
const mm4Section = Account.shape.mm4.unwrap();

/**
 * What clients send for an account: like the config file's, except that each credential is a clear
 * `password` (hashed here) or, for GitOps, an existing `passwordHash`; omit both on an update to keep the
 * stored one.
 */
export const AccountInput = Account.extend({
  smpp: smppSection
    .extend({
      passwordHash: smppSection.shape.passwordHash.optional(),
      /** SMPP passwords are at most 8 characters (9 octets with the NUL). */
      password: z.string().min(1).max(8).optional(),
    })
    .optional(),
  mm7: mm7Section
    .extend({
      passwordHash: mm7Section.shape.passwordHash.optional(),
      password: z.string().min(1).max(128).optional(),
    })
    .optional(),
  mm4: mm4Section.extend({ password: z.string().min(1).max(128).optional() }).optional(),
});
export type AccountInput = z.infer<typeof AccountInput>;

type Section = 'smpp' | 'mm7' | 'mm4';
const SECTIONS: readonly Section[] = ['smpp', 'mm7', 'mm4'];

/**
 * Turns a validated {@link AccountInput} into the stored account: hashes clear passwords, keeps the stored
 * hash (and MM7 delivery password) when none is given. Throws `HUB_ERR_VALIDATION` (400) naming
 * `<section>.password` when a new credential section has no password. `prefix` prefixes field paths
 * (`accounts.3` in an import).
 */
export async function resolveAccount(
  input: AccountInput,
  existing: Account | undefined,
  prefix = '',
): Promise<Account> {
  const out: Record<string, unknown> = { ...input };
  for (const s of SECTIONS) {
    const sec = input[s] as
      | (Record<string, unknown> & { password?: string; passwordHash?: string })
      | undefined;
    if (sec === undefined) continue;
    const { password, ...rest } = sec;
    const before = existing?.[s] as Record<string, unknown> | undefined;
    if (password !== undefined) rest.passwordHash = await hashSecret(password);
    else if (rest.passwordHash === undefined && before?.passwordHash !== undefined)
      rest.passwordHash = before.passwordHash as string;
    else if (rest.passwordHash === undefined && s !== 'mm4') {
      const path = [prefix, s, 'password'].filter((p) => p !== '').join('.');
      throw validationError([{ path, reason: 'is required: no password is stored for this account yet' }]);
    }
    if (s === 'mm7' && rest.deliveryPassword === undefined && before?.deliveryPassword !== undefined) {
      rest.deliveryPassword = before.deliveryPassword;
    }
    out[s] = rest;
  }
  return parseOr400(Account, out, prefix);
}

/** An account as the API shows it: hashes and outbound passwords replaced by `passwordSet` flags. */
export function maskAccount(a: Account): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const s of SECTIONS) {
    const sec = a[s] as Record<string, unknown> | undefined;
    if (sec === undefined) continue;
    const { passwordHash, deliveryPassword, ...rest } = sec;
    out[s] = {
      ...rest,
      passwordSet: passwordHash !== undefined,
      ...(s === 'mm7' ? { deliveryPasswordSet: deliveryPassword !== undefined } : {}),
    };
  }
  return out;
}

/**
 * Parses a connector body, keeping the stored outbound password when the body has none. Throws
 * `HUB_ERR_VALIDATION` naming the field.
 */
export function resolveConnector(input: unknown, existing: Connector | undefined, prefix = ''): Connector {
  const raw = typeof input === 'object' && input !== null ? { ...(input as Record<string, unknown>) } : input;
  if (typeof raw === 'object' && raw !== null) {
    const r = raw as Record<string, unknown>;
    delete r.passwordSet;
    if (r.password === undefined && existing?.password !== undefined) r.password = existing.password;
  }
  return parseOr400(Connector, raw, prefix);
}

/** A connector as the API shows it: `password` replaced by `passwordSet`. */
export function maskConnector(c: Connector): Record<string, unknown> {
  const { password, ...rest } = c;
  return { ...rest, passwordSet: password !== undefined && password !== '' };
}

/** Accounts and connectors the route actions may name. */
export interface KnownTargets {
  readonly connectors: ReadonlySet<string>;
  readonly accounts: ReadonlySet<string>;
}

/**
 * Validates a whole route table: {@link compileTable}'s rules, then every connector and account named by an
 * action must exist. Returns the routes with defaults applied. Throws `HUB_ERR_ROUTING_INVALID` (400) naming
 * the route, the field path and the reason, every issue in `details.issues`.
 */
export function validateTable(routes: readonly unknown[], known: KnownTargets): readonly Route[] {
  const table = compileTable(routes);
  const issues: RouteIssue[] = [];
  for (const r of table.routes) {
    const a = r.action;
    const need = (path: string, id: string, set: ReadonlySet<string>, what: string): void => {
      if (!set.has(id)) issues.push({ routeId: r.id, path, reason: `unknown ${what} "${id}"` });
    };
    if (a.type === 'connector') need('action.connector', a.connector, known.connectors, 'connector');
    if (a.type === 'failover') {
      for (const [i, c] of a.connectors.entries())
        need(`action.connectors[${i}]`, c, known.connectors, 'connector');
    }
    if (a.type === 'split') {
      for (const [i, t] of a.targets.entries()) {
        need(`action.targets[${i}].connector`, t.connector, known.connectors, 'connector');
      }
    }
    if (a.type === 'account') need('action.account', a.account, known.accounts, 'account');
  }
  const first = issues[0];
  if (first !== undefined) {
    throw new Errors.HUB_ERR_ROUTING_INVALID(first.routeId, first.path, first.reason, {
      details: { issues },
    });
  }
  return table.routes;
}

/** Store ids must also fit the config store's key rule; route ids may use `:` and `@`, which it refuses. */
export function checkStoreId(id: string, field = 'id'): void {
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(id)) {
    throw validationError([{ path: field, reason: 'must be 1-64 of A-Z a-z 0-9 _ . - to be stored' }]);
  }
}

/** Everything of one kind, by id. */
export async function loadKind<T>(store: ConfigStore, kind: string): Promise<Map<string, ConfigDoc<T>>> {
  return new Map((await store.getAll<T>(kind)).map((d) => [d.id, d]));
}

/** Routes that name a connector or account in their action (for refusing a delete that would break them). */
export function routesReferencing(
  routes: readonly Route[],
  target: { connector?: string; account?: string },
): string[] {
  return routes
    .filter((r) => {
      const a = r.action;
      if (target.connector !== undefined) {
        if (a.type === 'connector') return a.connector === target.connector;
        if (a.type === 'failover') return a.connectors.includes(target.connector);
        if (a.type === 'split') return a.targets.some((t) => t.connector === target.connector);
      }
      return target.account !== undefined && a.type === 'account' && a.account === target.account;
    })
    .map((r) => r.id);
}

/**
 * Uniqueness across accounts of what gateways look accounts up by (SMPP system_id, MM7 username).
 * Throws `HUB_ERR_CONFLICT` (409) naming the field.
 */
export function checkAccountUniqueness(accounts: readonly Account[]): void {
  const seen = new Map<string, string>();
  for (const a of accounts) {
    for (const [field, v] of [
      ['smpp.systemId', a.smpp?.systemId],
      ['mm7.username', a.mm7?.username],
    ] as const) {
      if (v === undefined) continue;
      const k = `${field}\0${v}`;
      const other = seen.get(k);
      if (other !== undefined && other !== a.id) {
        throw new Errors.HUB_ERR_CONFLICT(
          `${field} "${v}" of account ${a.id} is already used by account ${other}`,
          {
            details: { field, account: a.id, usedBy: other },
          },
        );
      }
      seen.set(k, a.id);
    }
  }
}

/** True when `err` is a revision conflict from the store. */
export function isRevisionConflict(err: unknown): err is HubError {
  return isHubError(err, 'HUB_ERR_STORE_REVISION_CONFLICT');
}
