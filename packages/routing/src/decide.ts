import { Errors, type HubError } from '@hub/errors';
import type { HubMessage } from '@hub/message';
import { MatchContext } from './context.js';
import type { CompiledFilter } from './filters.js';
import type { Route, RouteTableName, SplitTarget } from './schema.js';
import type { CompiledSide, RoutingTable } from './table.js';

/** Inputs a decision depends on besides the table and the message; injected so `decide` stays pure. */
export interface DecideOptions {
  /** Current time, ms since epoch (time-of-day filters). */
  readonly now: number;
  /** Whether a connector is up (bound, not paused); default: every connector is up. */
  readonly connectorsUp?: (connectorId: string) => boolean;
  /** Uniform in [0, 1) for weighted splits; default `Math.random` (pass a seeded one for repeatable runs). */
  readonly random?: () => number;
}

/** Send through a carrier connector; try `fallbacks` in order if it fails or goes down. */
export interface ConnectorDecision {
  readonly type: 'connector';
  readonly routeId: string;
  readonly connector: string;
  /** The route's other connectors: those up first, each group in preference order. Empty for `connector` routes. */
  readonly fallbacks: string[];
}

/** MO: deliver to this client account's outbox. */
export interface AccountDecision {
  readonly type: 'account';
  readonly routeId: string;
  readonly account: string;
}

/** Codes a rejection maps to (see {@link rejectionError}). */
export type RejectCode = 'HUB_ERR_NO_ROUTE' | 'HUB_ERR_ROUTING_REJECTED' | 'HUB_ERR_ROUTING_MO_REJECTED';

/** Refuse the message: a `reject` route matched (`routeId` set) or nothing matched (`HUB_ERR_NO_ROUTE`). */
export interface RejectDecision {
  readonly type: 'reject';
  readonly reject: string;
  readonly routeId?: string;
  readonly code: RejectCode;
}

/** What the router decided for one message. Shaped so `{ routeId, connector, fallbacks }` fits `HubMessage.route`. */
export type RouteDecision = ConnectorDecision | AccountDecision | RejectDecision;

const allUp = (): boolean => true;

function allMatch(filters: readonly CompiledFilter[], ctx: MatchContext): boolean {
  for (let i = 0; i < filters.length; i++) if (!(filters[i] as CompiledFilter).match(ctx)) return false;
  return true;
}

function weighted(targets: readonly SplitTarget[], random: () => number): SplitTarget {
  let total = 0;
  for (const t of targets) total += t.weight;
  let r = random() * total;
  let last = targets[0] as SplitTarget;
  for (const t of targets) {
    if (t.weight <= 0) continue;
    last = t;
    r -= t.weight;
    if (r < 0) return t;
  }
  // random() returned 1 (or rounding left a remainder): the last positive target.
  return last;
}

const byWeight = (a: SplitTarget, b: SplitTarget): number => b.weight - a.weight;

/** @internal Applies a matched route's action. Shared with `explain` so both answer alike. */
export function act(route: Route, direction: RouteTableName, opts: DecideOptions): RouteDecision {
  const a = route.action;
  const isUp = opts.connectorsUp ?? allUp;
  switch (a.type) {
    case 'connector':
      return { type: 'connector', routeId: route.id, connector: a.connector, fallbacks: [] };
    case 'failover': {
      const up: string[] = [];
      const down: string[] = [];
      for (const c of a.connectors) (isUp(c) ? up : down).push(c);
      // All down: still answer with the first choice, whose queue holds the message until it recovers.
      const ordered = up.length > 0 ? [...up, ...down] : down;
      return {
        type: 'connector',
        routeId: route.id,
        connector: ordered[0] as string,
        fallbacks: ordered.slice(1),
      };
    }
    case 'split': {
      const up: SplitTarget[] = [];
      const down: SplitTarget[] = [];
      for (const t of a.targets) (isUp(t.connector) ? up : down).push(t);
      const random = opts.random ?? Math.random;
      let chosen: SplitTarget;
      if (up.some((t) => t.weight > 0)) chosen = weighted(up, random);
      else if (up.length > 0)
        chosen = up[0] as SplitTarget; // only standby (weight 0) targets are up
      else chosen = weighted(a.targets, random);
      const fallbacks = [...up.sort(byWeight), ...down.sort(byWeight)]
        .filter((t) => t !== chosen)
        .map((t) => t.connector);
      return { type: 'connector', routeId: route.id, connector: chosen.connector, fallbacks };
    }
    case 'account':
      return { type: 'account', routeId: route.id, account: a.account };
    case 'reject':
      return {
        type: 'reject',
        routeId: route.id,
        reject: a.reason,
        code: direction === 'mo' ? 'HUB_ERR_ROUTING_MO_REJECTED' : 'HUB_ERR_ROUTING_REJECTED',
      };
  }
}

/** @internal The decision when no route matched. */
export function noRoute(side: CompiledSide, direction: RouteTableName): RejectDecision {
  return {
    type: 'reject',
    code: 'HUB_ERR_NO_ROUTE',
    reject: side.hasDefault
      ? `no ${direction} route matches`
      : `no ${direction} route matches and the ${direction} table has no default (order 0) route`,
  };
}

/** Positions of enabled routes whose indexed prefix filter accepts `key`, ascending and unique. */
function prefixCandidates(side: CompiledSide, key: string): number[] {
  const out: number[] = [];
  let node = side.trie;
  for (let i = 0; i < key.length; i++) {
    const d = key.charCodeAt(i) - 48;
    if (d < 0 || d > 9) break;
    const n = node.next[d];
    if (n === undefined) break;
    node = n;
    for (const p of n.prefix) out.push(p);
    if (i === key.length - 1) for (const p of n.exact) out.push(p);
  }
  if (out.length > 1) {
    out.sort((a, b) => a - b);
    let w = 1;
    for (let r = 1; r < out.length; r++) if (out[r] !== out[w - 1]) out[w++] = out[r] as number;
    out.length = w;
  }
  return out;
}

/**
 * Routes one message: picks the table by `message.direction`, tries enabled routes highest order first
 * and applies the first whose filters all match (order 0, the default, comes last). Pure: the result
 * depends only on the arguments (and `random` for splits); never throws for a valid message.
 *
 * - `failover` picks the first connector that `connectorsUp` reports up; if none is, the first one.
 * - `split` picks among the up targets by weight with `random`; if none is up, among all.
 * - No match gives a `reject` decision with code `HUB_ERR_NO_ROUTE`. A caller turns any rejection into
 *   the error its protocol answers with through {@link rejectionError}.
 *
 * Destination prefixes are looked up in a digit trie, so only routes whose prefix matches (plus those
 * without a prefix filter) are evaluated.
 */
export function decide(table: RoutingTable, message: HubMessage, opts: DecideOptions): RouteDecision {
  const direction = message.direction;
  const side = table[direction];
  const ctx = new MatchContext(message, opts.now);
  const indexed = prefixCandidates(side, ctx.destination);
  const plain = side.unindexed;
  let a = 0;
  let b = 0;
  // Merge the two ascending position lists so routes are still tried in order.
  while (a < indexed.length || b < plain.length) {
    const pos =
      b >= plain.length || (a < indexed.length && (indexed[a] as number) < (plain[b] as number))
        ? (indexed[a++] as number)
        : (plain[b++] as number);
    const cr = side.routes[pos];
    if (cr !== undefined && allMatch(cr.rest, ctx)) return act(cr.route, direction, opts);
  }
  return noRoute(side, direction);
}

/**
 * The typed error for a rejection, carrying its wire statuses (SMPP, MM7, SMTP, HTTP) from the catalog:
 * `HUB_ERR_NO_ROUTE`, `HUB_ERR_ROUTING_REJECTED` (MT) or `HUB_ERR_ROUTING_MO_REJECTED` (MO).
 */
export function rejectionError(decision: RejectDecision): HubError {
  const details = { details: decision.routeId === undefined ? {} : { routeId: decision.routeId } };
  switch (decision.code) {
    case 'HUB_ERR_NO_ROUTE':
      return new Errors.HUB_ERR_NO_ROUTE(decision.reject, details);
    case 'HUB_ERR_ROUTING_REJECTED':
      return new Errors.HUB_ERR_ROUTING_REJECTED(decision.routeId ?? '(none)', decision.reject, details);
    case 'HUB_ERR_ROUTING_MO_REJECTED':
      return new Errors.HUB_ERR_ROUTING_MO_REJECTED(decision.routeId ?? '(none)', decision.reject, details);
  }
}
