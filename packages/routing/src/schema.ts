import { z } from 'zod';
import { checkPattern } from './pattern.js';

/**
 * The route table as data (Jasmin's "router as data"): what the REST API edits, the config file holds
 * and {@link compileTable} turns into something {@link decide} can evaluate. Everything here is JSON.
 */

/** Route, connector and account ids: the same shape and length the message model stores. */
const Id = z
  .string()
  .min(1)
  .max(64)
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._:@-]*$/,
    'must start with a letter or digit and use only letters, digits and . _ : @ -',
  );
const IdList = z.array(Id).min(1).max(1000);
const DigitPrefix = z.string().regex(/^[0-9]{1,20}$/, 'must be 1-20 digits');

/** A regular expression as text: compiled once by the table, in a safe subset (see `checkPattern`). */
const Pattern = z.string().superRefine((p, ctx) => {
  const reason = checkPattern(p);
  if (reason !== undefined) ctx.addIssue({ code: 'custom', message: reason });
});

/** The two tables: MT (accounts toward carriers) and MO (carriers toward accounts). */
export const RouteTableName = z.enum(['mt', 'mo']);
export type RouteTableName = z.infer<typeof RouteTableName>;

/** Weekday names for time windows (local to the window's time zone). */
export const Weekday = z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']);
export type Weekday = z.infer<typeof Weekday>;

const HHMM = /^([01][0-9]|2[0-3]):[0-5][0-9]$/;

/**
 * One time window, half-open `[from, to)` on the wall clock of `tz` (IANA name, default `UTC`).
 * `to` may be `24:00` (end of day). When `to` is earlier than `from` the window wraps midnight
 * (`22:00`-`06:00`); `days` then names the day the window *starts* on, so Friday 22:00-06:00 covers
 * Saturday 03:00. Without `days` every day counts.
 */
export const TimeWindow = z
  .object({
    from: z.string().regex(HHMM, 'must be HH:MM (00:00-23:59)'),
    to: z.string().regex(/^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$/, 'must be HH:MM (00:00-24:00)'),
    days: z.array(Weekday).min(1).max(7).optional(),
    tz: z.string().max(64).refine(isTimeZone, 'is not an IANA time zone known to this runtime').optional(),
  })
  .refine((w) => w.from !== w.to, {
    message: 'from and to are equal; use 00:00-24:00 for a whole day',
    path: ['to'],
  });
export type TimeWindow = z.infer<typeof TimeWindow>;

/**
 * Filters, ANDed within a route. List-valued filters match when any element matches. Destination filters
 * look at the routing key (`routingKey()` of `@hub/message`: digits without `+` for E.164, the value for
 * short codes, sender ids and e-mail) of the FIRST recipient only: per-recipient routing of a
 * multi-recipient message is out of scope (split the message before routing if recipients need
 * different carriers).
 */
export const Filter = z.discriminatedUnion('type', [
  /** Redundant with the table, accepted for clarity; must name the table's own direction. */
  z.object({ type: z.literal('direction'), direction: RouteTableName }),
  z.object({ type: z.literal('kind'), kind: z.enum(['sms', 'mms']) }),
  /** MT: the client account (ESME, VASP, MM4 peer) that submitted the message (`origin.account`). */
  z.object({ type: z.literal('account'), accounts: IdList }),
  /** MO: the carrier connector the message arrived on (`origin.connector`). */
  z.object({ type: z.literal('connector'), connectors: IdList }),
  /** Digit prefixes of the first recipient's routing key; `exact` turns them into whole-key matches (short codes). */
  z.object({
    type: z.literal('destinationPrefix'),
    prefixes: z.array(DigitPrefix).min(1).max(100_000),
    exact: z.boolean().optional(),
  }),
  /** A regular expression tested against the first recipient's routing key. */
  z.object({ type: z.literal('destinationPattern'), pattern: Pattern, ignoreCase: z.boolean().optional() }),
  /** Sender: prefixes (case-sensitive, alphanumeric ids allowed) or a pattern on the sender's routing key. */
  z
    .object({
      type: z.literal('sourceAddress'),
      prefixes: z.array(z.string().min(1).max(64)).min(1).max(10_000).optional(),
      pattern: Pattern.optional(),
      ignoreCase: z.boolean().optional(),
    })
    .refine((f) => (f.prefixes === undefined) !== (f.pattern === undefined), {
      message: 'give exactly one of prefixes or pattern',
      path: ['prefixes'],
    }),
  /** `options.serviceCode` (MM7 ServiceCode, charging service code) is one of these. */
  z.object({ type: z.literal('serviceCode'), codes: z.array(z.string().min(1).max(64)).min(1).max(1000) }),
  /** SMS `data_coding` is one of these; never matches MMS. */
  z.object({
    type: z.literal('dataCoding'),
    values: z.array(z.number().int().min(0).max(255)).min(1).max(256),
  }),
  /**
   * The first word of the text (SMS) or subject (MMS), compared case-insensitively: a word is what comes
   * before the first whitespace, so `STOP!` is not `STOP`. Meant for MO (`STOP`, `JOIN`).
   */
  z.object({
    type: z.literal('keyword'),
    keywords: z
      .array(z.string().min(1).max(64).regex(/^\S+$/, 'must be one word (no whitespace)'))
      .min(1)
      .max(1000),
  }),
  /** Any of the windows (see {@link TimeWindow}) contains `now`. */
  z.object({ type: z.literal('timeOfDay'), windows: z.array(TimeWindow).min(1).max(32) }),
]);
export type Filter = z.infer<typeof Filter>;
/** The filter kinds, e.g. `destinationPrefix` (what a dry run reports as the failing filter). */
export type FilterType = Filter['type'];

/** Split target: weight is a non-negative share; 0 means standby (only ever a fallback). */
export const SplitTarget = z.object({ connector: Id, weight: z.number().finite().min(0).max(1_000_000) });
export type SplitTarget = z.infer<typeof SplitTarget>;

/**
 * What a matching route does. MT tables: `connector`, `failover`, `split`, `reject`. MO tables: `account`
 * (deliver to the account's outbox) and `reject`. {@link compileTable} refuses the other combinations.
 */
export const Action = z.discriminatedUnion('type', [
  z.object({ type: z.literal('connector'), connector: Id }),
  /** Ordered preference: the first connector that is up is used. */
  z.object({
    type: z.literal('failover'),
    connectors: z
      .array(Id)
      .min(1)
      .max(32)
      .refine((l) => new Set(l).size === l.length, 'lists a connector twice'),
  }),
  /** Weighted random choice among the targets that are up. */
  z.object({
    type: z.literal('split'),
    targets: z
      .array(SplitTarget)
      .min(1)
      .max(32)
      .refine((l) => new Set(l.map((t) => t.connector)).size === l.length, 'lists a connector twice')
      .refine((l) => l.some((t) => t.weight > 0), 'needs at least one target with a positive weight'),
  }),
  z.object({ type: z.literal('account'), account: Id }),
  /** Refuse the message; `reason` is shown to the sender (keep it free of internal detail). */
  z.object({ type: z.literal('reject'), reason: z.string().min(1).max(256) }),
]);
export type Action = z.infer<typeof Action>;
/** The action kinds: `connector`, `failover`, `split`, `account`, `reject`. */
export type ActionType = Action['type'];

/** Action types each table accepts. */
export const ACTIONS_BY_TABLE: Readonly<Record<RouteTableName, readonly ActionType[]>> = Object.freeze({
  mt: Object.freeze(['connector', 'failover', 'split', 'reject'] as const),
  mo: Object.freeze(['account', 'reject'] as const),
});

/**
 * One route. Routes are tried highest `order` first; the first whose filters all match wins. `order` 0 is
 * the table's default (catch-all) and must have no filters. Orders are unique within a table, ids across
 * both tables (a message records the id of the route that carried it).
 */
export const Route = z.object({
  id: Id,
  order: z.number().int().min(0).max(1_000_000_000),
  table: RouteTableName,
  description: z.string().max(512).optional(),
  enabled: z.boolean().default(true),
  filters: z.array(Filter).max(32).default([]),
  action: Action,
});
/** A validated route (defaults applied). */
export type Route = z.infer<typeof Route>;
/** What callers may write: `enabled` and `filters` may be omitted. */
export type RouteInput = z.input<typeof Route>;

const tzCache = new Map<string, boolean>();

/** True when the runtime's Intl knows `tz` (IANA name such as `Europe/Berlin`). */
export function isTimeZone(tz: string): boolean {
  let ok = tzCache.get(tz);
  if (ok === undefined) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: tz });
      ok = true;
    } catch {
      ok = false;
    }
    if (tzCache.size < 1000) tzCache.set(tz, ok);
  }
  return ok;
}
