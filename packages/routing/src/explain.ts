import type { HubMessage } from '@hub/message';
import { MatchContext } from './context.js';
import { act, type DecideOptions, noRoute, type RouteDecision } from './decide.js';
import type { FilterType, RouteTableName } from './schema.js';
import type { RoutingTable } from './table.js';

/** Why one route did or did not take the message. */
export interface RouteCheck {
  readonly routeId: string;
  readonly order: number;
  /** `matched`: this route decided; `disabled`: skipped; `filtered`: a filter failed (see `failed`). */
  readonly outcome: 'matched' | 'disabled' | 'filtered';
  /** The first filter that failed: its position in the route's `filters`, its type and why. */
  readonly failed?: { readonly index: number; readonly type: FilterType; readonly reason: string };
}

/** A dry run: the decision {@link decide} would take, and each route checked on the way, in order. */
export interface Explanation {
  readonly table: RouteTableName;
  readonly decision: RouteDecision;
  /** Routes tried, highest order first, ending with the matched one (or every route when none matched). */
  readonly checked: readonly RouteCheck[];
}

/**
 * Explains how `message` would be routed (the REST dry-run endpoint). Evaluates every route in order
 * without the prefix index, so it also cross-checks {@link decide}: for the same options (including the
 * same `random`) the decisions are equal. Pure; slower than `decide`, not for the message path.
 */
export function explain(table: RoutingTable, message: HubMessage, opts: DecideOptions): Explanation {
  const direction = message.direction;
  const side = table[direction];
  const ctx = new MatchContext(message, opts.now);
  const checked: RouteCheck[] = [];
  for (const cr of side.routes) {
    const { id: routeId, order } = cr.route;
    if (!cr.route.enabled) {
      checked.push({ routeId, order, outcome: 'disabled' });
      continue;
    }
    const bad = cr.filters.find((f) => !f.match(ctx));
    if (bad !== undefined) {
      checked.push({
        routeId,
        order,
        outcome: 'filtered',
        failed: { index: bad.index, type: bad.filter.type, reason: bad.why(ctx) },
      });
      continue;
    }
    checked.push({ routeId, order, outcome: 'matched' });
    return { table: direction, decision: act(cr.route, direction, opts), checked };
  }
  return { table: direction, decision: noRoute(side, direction), checked };
}
