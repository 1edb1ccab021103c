import type { MatchContext } from './context.js';
import type { Filter, TimeWindow, Weekday } from './schema.js';

/** A filter ready to evaluate: `match` is the hot path, `why` explains a failure for dry runs. */
export interface CompiledFilter {
  /** Position in the route's `filters` array. */
  readonly index: number;
  readonly filter: Filter;
  match(ctx: MatchContext): boolean;
  why(ctx: MatchContext): string;
}

/** Prefix set that answers "does `key` start with one of these" in at most (distinct lengths) lookups. */
class PrefixSet {
  private readonly set: Set<string>;
  private readonly lengths: number[];

  constructor(
    prefixes: readonly string[],
    private readonly fold: boolean,
  ) {
    this.set = new Set(prefixes.map((p) => (fold ? p.toLowerCase() : p)));
    this.lengths = [...new Set(prefixes.map((p) => p.length))].sort((a, b) => a - b);
  }

  startsOne(key: string): boolean {
    const k = this.fold ? key.toLowerCase() : key;
    for (const len of this.lengths) {
      if (len > k.length) return false;
      if (this.set.has(k.slice(0, len))) return true;
    }
    return false;
  }

  has(key: string): boolean {
    return this.set.has(this.fold ? key.toLowerCase() : key);
  }
}

const DAY_INDEX: Readonly<Record<Weekday, number>> = {
  sun: 0,
  mon: 1,
  tue: 2,
  wed: 3,
  thu: 4,
  fri: 5,
  sat: 6,
};

interface CompiledWindow {
  readonly from: number;
  readonly to: number;
  /** Bit per weekday (bit 0 = Sunday); all bits when no days are given. */
  readonly days: number;
  readonly tz: string;
}

function minutes(hhmm: string): number {
  return Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
}

function compileWindow(w: TimeWindow): CompiledWindow {
  const days = w.days === undefined ? 0x7f : w.days.reduce((m, d) => m | (1 << DAY_INDEX[d]), 0);
  return { from: minutes(w.from), to: minutes(w.to), days, tz: w.tz ?? 'UTC' };
}

/** Half-open `[from, to)`; a wrapping window belongs to the day it starts on. */
function inWindow(w: CompiledWindow, ctx: MatchContext): boolean {
  const { minute, day } = ctx.clock(w.tz);
  if (w.from < w.to) return minute >= w.from && minute < w.to && (w.days & (1 << day)) !== 0;
  if (minute >= w.from) return (w.days & (1 << day)) !== 0;
  return minute < w.to && (w.days & (1 << ((day + 6) % 7))) !== 0;
}

function quote(s: string | null | undefined): string {
  return s === undefined || s === null ? '(none)' : JSON.stringify(s);
}

function some(list: readonly unknown[]): string {
  return list.length <= 5 ? list.map((x) => JSON.stringify(x)).join(', ') : `${list.length} values`;
}

/** Compiles one validated filter. Regexes are built here, once per table. */
export function compileFilter(filter: Filter, index: number): CompiledFilter {
  const make = (
    match: (ctx: MatchContext) => boolean,
    why: (ctx: MatchContext) => string,
  ): CompiledFilter => ({
    index,
    filter,
    match,
    why,
  });
  switch (filter.type) {
    case 'direction':
      return make(
        (c) => c.message.direction === filter.direction,
        (c) => `direction is ${c.message.direction}, not ${filter.direction}`,
      );
    case 'kind':
      return make(
        (c) => c.message.kind === filter.kind,
        (c) => `kind is ${c.message.kind}, not ${filter.kind}`,
      );
    case 'account': {
      const set = new Set(filter.accounts);
      return make(
        (c) => c.message.origin.account !== undefined && set.has(c.message.origin.account),
        (c) => `account ${quote(c.message.origin.account)} is not one of ${some(filter.accounts)}`,
      );
    }
    case 'connector': {
      const set = new Set(filter.connectors);
      return make(
        (c) => c.message.origin.connector !== undefined && set.has(c.message.origin.connector),
        (c) => `connector ${quote(c.message.origin.connector)} is not one of ${some(filter.connectors)}`,
      );
    }
    case 'destinationPrefix': {
      const set = new PrefixSet(filter.prefixes, false);
      const exact = filter.exact === true;
      return make(
        (c) => (exact ? set.has(c.destination) : set.startsOne(c.destination)),
        (c) =>
          `destination ${quote(c.destination)} ${exact ? 'is not one of' : 'does not start with any of'} ${some(filter.prefixes)}`,
      );
    }
    case 'destinationPattern': {
      const re = new RegExp(filter.pattern, filter.ignoreCase === true ? 'iu' : 'u');
      return make(
        (c) => re.test(c.destination),
        (c) => `destination ${quote(c.destination)} does not match /${filter.pattern}/`,
      );
    }
    case 'sourceAddress': {
      const fold = filter.ignoreCase === true;
      if (filter.pattern !== undefined) {
        const re = new RegExp(filter.pattern, fold ? 'iu' : 'u');
        return make(
          (c) => re.test(c.source),
          (c) => `source ${quote(c.source)} does not match /${filter.pattern}/`,
        );
      }
      const prefixes = filter.prefixes ?? [];
      const set = new PrefixSet(prefixes, fold);
      return make(
        (c) => set.startsOne(c.source),
        (c) => `source ${quote(c.source)} does not start with any of ${some(prefixes)}`,
      );
    }
    case 'serviceCode': {
      const set = new Set(filter.codes);
      return make(
        (c) => c.message.options.serviceCode !== undefined && set.has(c.message.options.serviceCode),
        (c) => `service code ${quote(c.message.options.serviceCode)} is not one of ${some(filter.codes)}`,
      );
    }
    case 'dataCoding': {
      const set = new Set(filter.values);
      return make(
        (c) => c.message.content.type === 'sms' && set.has(c.message.content.dataCoding),
        (c) =>
          c.message.content.type === 'sms'
            ? `data_coding ${c.message.content.dataCoding} is not one of ${some(filter.values)}`
            : 'MMS has no data_coding',
      );
    }
    case 'keyword': {
      const set = new Set(filter.keywords.map((k) => k.toUpperCase()));
      return make(
        (c) => c.keyword !== null && set.has(c.keyword),
        (c) => `first word ${quote(c.keyword)} is not one of ${some(filter.keywords)}`,
      );
    }
    case 'timeOfDay': {
      const windows = filter.windows.map(compileWindow);
      return make(
        (c) => windows.some((w) => inWindow(w, c)),
        (c) =>
          `${new Date(c.now).toISOString()} is outside ${windows.length === 1 ? 'the window' : 'every window'}`,
      );
    }
  }
}
