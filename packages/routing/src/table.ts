import { Errors, type HubError } from '@hub/errors';
import type { z } from 'zod';
import { type CompiledFilter, compileFilter } from './filters.js';
import { ACTIONS_BY_TABLE, Route, type RouteTableName } from './schema.js';

/** Most routes one table input may hold (both directions together). */
export const MAX_ROUTES = 10_000;

/** One problem found while validating a table. `path` is relative to the route (`filters[0].pattern`). */
export interface RouteIssue {
  /** The route's id, or `#<index>` when the id itself is missing or invalid. */
  readonly routeId: string;
  /** Position of the route in the input array (absent for whole-table problems). */
  readonly index?: number;
  readonly path: string;
  readonly reason: string;
}

/** A route compiled for evaluation. Internal to the package; exposed read-only for diagnostics. */
export interface CompiledRoute {
  readonly route: Route;
  /** Position in its table's evaluation order (0 = tried first). */
  readonly position: number;
  readonly filters: readonly CompiledFilter[];
  /** Filters left to check after the prefix index admitted the route (all of them when not indexed). */
  readonly rest: readonly CompiledFilter[];
}

/** @internal Digit trie over the `destinationPrefix` filters of one table: node → routes (positions, ascending). */
export interface TrieNode {
  readonly next: Array<TrieNode | undefined>;
  readonly prefix: number[];
  readonly exact: number[];
}

function trieNode(): TrieNode {
  return { next: new Array<TrieNode | undefined>(10), prefix: [], exact: [] };
}

/** One direction's routes, highest order first, with the indexes {@link decide} uses. */
export interface CompiledSide {
  readonly routes: readonly CompiledRoute[];
  /** @internal */
  readonly trie: TrieNode;
  /** @internal Positions of enabled routes without an indexed prefix filter, ascending. */
  readonly unindexed: Int32Array;
  readonly hasDefault: boolean;
}

/**
 * A compiled, immutable route table. Build one with {@link compileTable}; swap the whole object when the
 * configuration changes (evaluation never mutates it, so in-flight decisions are unaffected).
 */
export interface RoutingTable {
  /** The validated routes (defaults applied), both tables, highest order first within each table. */
  readonly routes: readonly Route[];
  readonly mt: CompiledSide;
  readonly mo: CompiledSide;
}

function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? String(p) : `.${String(p)}`;
  return out === '' ? '(route)' : out;
}

function valueAt(input: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let v = input;
  for (const p of path) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}

function zodIssues(input: unknown, error: z.ZodError): Array<{ path: string; reason: string }> {
  return error.issues.map((i) => {
    // Unknown union members: name the offending value and what is allowed, not zod's "Invalid input".
    if (i.code === 'invalid_union' && (i as { note?: string }).note === 'No matching discriminator') {
      const got = valueAt(input, i.path);
      return { path: formatPath(i.path), reason: `unknown type ${JSON.stringify(got) ?? 'undefined'}` };
    }
    return { path: formatPath(i.path), reason: i.message };
  });
}

/** Checks of one parsed route that do not need the rest of the table. */
function routeIssues(r: Route): Array<{ path: string; reason: string }> {
  const out: Array<{ path: string; reason: string }> = [];
  if (r.order === 0 && r.filters.length > 0) {
    out.push({ path: 'filters', reason: 'the default route (order 0) must have no filters' });
  }
  if (!ACTIONS_BY_TABLE[r.table].includes(r.action.type)) {
    out.push({
      path: 'action.type',
      reason: `${r.action.type} is not allowed in the ${r.table} table (use ${ACTIONS_BY_TABLE[r.table].join(', ')})`,
    });
  }
  r.filters.forEach((f, i) => {
    if (f.type === 'direction' && f.direction !== r.table) {
      out.push({ path: `filters[${i}].direction`, reason: `must be ${r.table} in the ${r.table} table` });
    }
    // Filters on a field the table's messages never carry would silently never match.
    if (f.type === 'account' && r.table === 'mo') {
      out.push({
        path: `filters[${i}].type`,
        reason: 'never matches in the mo table: MO messages come from connectors',
      });
    }
    if (f.type === 'connector' && r.table === 'mt') {
      out.push({
        path: `filters[${i}].type`,
        reason: 'never matches in the mt table: MT messages come from accounts',
      });
    }
  });
  return out;
}

function invalid(issues: readonly RouteIssue[]): HubError {
  const first = issues[0] as RouteIssue;
  return new Errors.HUB_ERR_ROUTING_INVALID(first.routeId, first.path, first.reason, {
    details: { issues: issues.slice(0, 50) },
  });
}

function idOf(input: unknown, index: number): string {
  const id = valueAt(input, ['id']);
  return typeof id === 'string' && id.length > 0 && id.length <= 64 ? id : `#${index}`;
}

/**
 * Validates one route on its own (shape, order-0 rule, actions and filters allowed in its table).
 * Returns it with defaults applied. Throws `HUB_ERR_ROUTING_INVALID` (HTTP 400) naming the route id,
 * the field path and the reason, with every issue in `details.issues`; the API returns it as is.
 * Table-wide rules (unique ids and orders) are checked by {@link compileTable}.
 */
export function parseRoute(input: unknown): Route {
  const r = Route.safeParse(input);
  const issues = r.success ? routeIssues(r.data) : zodIssues(input, r.error);
  if (issues.length > 0) throw invalid(issues.map((i) => ({ routeId: idOf(input, 0), ...i })));
  return (r as { data: Route }).data;
}

function buildSide(routes: readonly Route[]): CompiledSide {
  const sorted = [...routes].sort((a, b) => b.order - a.order);
  const trie = trieNode();
  const unindexed: number[] = [];
  const compiled = sorted.map((route, position): CompiledRoute => {
    const filters = route.filters.map(compileFilter);
    const indexAt = filters.findIndex((f) => f.filter.type === 'destinationPrefix');
    const rest = indexAt < 0 ? filters : filters.filter((_, i) => i !== indexAt);
    if (route.enabled) {
      const f = filters[indexAt]?.filter;
      if (f?.type === 'destinationPrefix') {
        for (const p of new Set(f.prefixes)) {
          let node = trie;
          for (let i = 0; i < p.length; i++) {
            const d = p.charCodeAt(i) - 48;
            node = node.next[d] ??= trieNode();
          }
          (f.exact === true ? node.exact : node.prefix).push(position);
        }
      } else {
        unindexed.push(position);
      }
    }
    return Object.freeze({ route, position, filters: Object.freeze(filters), rest: Object.freeze(rest) });
  });
  return Object.freeze({
    routes: Object.freeze(compiled),
    trie,
    unindexed: Int32Array.from(unindexed),
    hasDefault: sorted.some((r) => r.order === 0 && r.enabled),
  });
}

function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}

/**
 * Validates a whole table (both directions) and compiles it for {@link decide}: ids unique across the
 * input, orders unique within each table, order 0 only as a filterless default, actions and filters
 * allowed in their table, regexes in the safe subset (compiled once here). A table without an order-0
 * route is legal: messages that match nothing are rejected with "no route".
 *
 * Throws `HUB_ERR_ROUTING_INVALID` (HTTP 400) for the first problem, with all of them (up to 50) in
 * `details.issues` as {@link RouteIssue}s; nothing is compiled then, so the caller keeps its old table.
 */
export function compileTable(input: readonly unknown[]): RoutingTable {
  if (!Array.isArray(input))
    throw invalid([{ routeId: '(table)', path: '(table)', reason: 'must be an array of routes' }]);
  if (input.length > MAX_ROUTES) {
    throw invalid([{ routeId: '(table)', path: '(table)', reason: `has more than ${MAX_ROUTES} routes` }]);
  }
  const issues: RouteIssue[] = [];
  const parsed: Route[] = [];
  const ids = new Map<string, number>();
  const orders = { mt: new Map<number, string>(), mo: new Map<number, string>() };
  input.forEach((raw: unknown, index) => {
    const routeId = idOf(raw, index);
    const r = Route.safeParse(raw);
    if (!r.success) {
      for (const i of zodIssues(raw, r.error)) issues.push({ routeId, index, ...i });
      return;
    }
    const route = r.data;
    for (const i of routeIssues(route)) issues.push({ routeId, index, ...i });
    const seen = ids.get(route.id);
    if (seen !== undefined)
      issues.push({ routeId, index, path: 'id', reason: `duplicates the id of route #${seen}` });
    else ids.set(route.id, index);
    const byOrder = orders[route.table as RouteTableName];
    const holder = byOrder.get(route.order);
    if (holder !== undefined) {
      issues.push({
        routeId,
        index,
        path: 'order',
        reason: `order ${route.order} is already used by route ${holder} in the ${route.table} table`,
      });
    } else {
      byOrder.set(route.order, route.id);
    }
    parsed.push(route);
  });
  if (issues.length > 0) throw invalid(issues);
  const mt = buildSide(parsed.filter((r) => r.table === 'mt'));
  const mo = buildSide(parsed.filter((r) => r.table === 'mo'));
  const routes = deepFreeze([...mt.routes, ...mo.routes].map((c) => c.route));
  return Object.freeze({ routes, mt, mo });
}
