import { type HubMessage, routingKey } from '@hub/message';

/** Wall-clock reading in one time zone: minutes since local midnight and weekday (0 = Sunday). */
export interface LocalClock {
  readonly minute: number;
  readonly day: number;
}

const WEEKDAY: Readonly<Record<string, number>> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
    });
    // Zones come from validated tables, so this stays small; the bound only guards against misuse.
    if (formatters.size < 512) formatters.set(tz, f);
  }
  return f;
}

/** Reads the wall clock of `tz` (IANA) at `now` (ms since epoch); `UTC` skips Intl. */
export function localClock(now: number, tz: string): LocalClock {
  if (tz === 'UTC') {
    const d = new Date(now);
    return { minute: d.getUTCHours() * 60 + d.getUTCMinutes(), day: d.getUTCDay() };
  }
  let hour = 0;
  let minute = 0;
  let day = 0;
  for (const p of formatter(tz).formatToParts(now)) {
    if (p.type === 'hour') hour = Number(p.value) % 24;
    else if (p.type === 'minute') minute = Number(p.value);
    else if (p.type === 'weekday') day = WEEKDAY[p.value] ?? 0;
  }
  return { minute: hour * 60 + minute, day };
}

/**
 * What the filters look at, derived once per decision. Keyword and clocks are computed on first use:
 * most messages never reach a keyword or time filter.
 */
export class MatchContext {
  /** Routing key of the first recipient (see the schema note on multi-recipient messages). */
  readonly destination: string;
  readonly source: string;
  private keywordMemo: string | null | undefined;
  private clocks: Map<string, LocalClock> | undefined;

  constructor(
    readonly message: HubMessage,
    readonly now: number,
  ) {
    const first = message.to[0];
    this.destination = first === undefined ? '' : routingKey(first);
    this.source = routingKey(message.from);
  }

  /** First word of the SMS text or MMS subject, upper-cased; `null` when there is none. */
  get keyword(): string | null {
    if (this.keywordMemo === undefined) {
      const c = this.message.content;
      const text = c.type === 'sms' ? c.text : c.subject;
      const m = text === undefined ? null : /^\s*(\S+)/u.exec(text);
      this.keywordMemo = m === null ? null : (m[1] as string).toUpperCase();
    }
    return this.keywordMemo;
  }

  /** Wall clock in `tz` at `now`, computed once per zone. */
  clock(tz: string): LocalClock {
    this.clocks ??= new Map();
    let c = this.clocks.get(tz);
    if (c === undefined) {
      c = localClock(this.now, tz);
      this.clocks.set(tz, c);
    }
    return c;
  }
}
