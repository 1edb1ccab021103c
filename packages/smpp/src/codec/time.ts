/**
 * SMPP time strings (SMPP 3.4 §7.1.1, 5.0 §4.7.23.4) for schedule_delivery_time and validity_period, and
 * the YYMMDDhhmm dates of delivery receipts.
 *
 * Absolute `YYMMDDhhmmsstnnp`: t tenths of a second, nn offset from UTC in quarter hours (00–48),
 * p `+` (local time ahead of UTC) or `-`. Relative `YYMMDDhhmmss000R`: a period added to "now".
 * Years are 20YY. Parsing is strict; the caller picks the field so the error carries the right status.
 */
import { Errors } from '@hub/errors';

/** Which PDU field a time string came from: decides the error (ESME_RINVSCHED 0x61 / ESME_RINVEXPIRY 0x62). */
export type SmppTimeField = 'schedule' | 'expiry';

function fail(field: SmppTimeField, value: string, why: string): never {
  if (field === 'schedule') throw new Errors.HUB_ERR_SMPP_INVALID_SCHEDULE(JSON.stringify(value), why);
  throw new Errors.HUB_ERR_SMPP_INVALID_EXPIRY(JSON.stringify(value), why);
}

// Two ASCII digits at s[i], or -1.
function d2(s: string, i: number): number {
  const a = s.charCodeAt(i) - 48;
  const b = s.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * Parses an SMPP time string. Returns `undefined` for the empty string (NUL-only C-string: "immediately" /
 * "SMSC default validity"). A relative time is resolved against `now` with calendar arithmetic in UTC.
 * Throws `HUB_ERR_SMPP_INVALID_SCHEDULE` or `HUB_ERR_SMPP_INVALID_EXPIRY` (per `field`) for any other
 * length, non-digits, out-of-range fields or an unknown `p`; the caller answers with that error's status.
 */
export function parseSmppTime(value: string, now: Date, field: SmppTimeField): Date | undefined {
  if (value.length === 0) return undefined;
  if (value.length !== 16) fail(field, value, `length ${value.length}, expected 16`);
  const yy = d2(value, 0);
  const mo = d2(value, 2);
  const dd = d2(value, 4);
  const hh = d2(value, 6);
  const mi = d2(value, 8);
  const ss = d2(value, 10);
  const t = value.charCodeAt(12) - 48;
  const nn = d2(value, 13);
  const p = value[15];
  if (yy < 0 || mo < 0 || dd < 0 || hh < 0 || mi < 0 || ss < 0 || nn < 0 || t < 0 || t > 9) {
    fail(field, value, 'non-digit in a numeric field');
  }
  if (p === 'R') {
    if (mi > 59 || ss > 59 || hh > 23) fail(field, value, 'relative hh/mm/ss out of range');
    const n = new Date(now.getTime());
    n.setUTCFullYear(n.getUTCFullYear() + yy, n.getUTCMonth() + mo, n.getUTCDate() + dd);
    n.setUTCHours(n.getUTCHours() + hh, n.getUTCMinutes() + mi, n.getUTCSeconds() + ss);
    return n;
  }
  if (p !== '+' && p !== '-') fail(field, value, `unknown time type ${JSON.stringify(p)}`);
  const year = 2000 + yy;
  if (mo < 1 || mo > 12) fail(field, value, `month ${mo}`);
  if (dd < 1 || dd > daysInMonth(year, mo)) fail(field, value, `day ${dd}`);
  if (hh > 23 || mi > 59 || ss > 59) fail(field, value, 'time of day out of range');
  if (nn > 48) fail(field, value, `UTC offset ${nn} quarter hours`);
  const local = Date.UTC(year, mo - 1, dd, hh, mi, ss, t * 100);
  const offsetMs = nn * 15 * 60_000;
  return new Date(p === '+' ? local - offsetMs : local + offsetMs);
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/**
 * Formats `date` as an absolute SMPP time `YYMMDDhhmmsstnnp`. With `offsetQuarterHours` (−48..48, default 0)
 * the local time of that offset is written. Throws a RangeError for years outside 2000–2099 or a bad offset
 * (programming errors, not peer input).
 */
export function formatSmppAbsolute(date: Date, offsetQuarterHours = 0): string {
  if (!Number.isInteger(offsetQuarterHours) || Math.abs(offsetQuarterHours) > 48) {
    throw new RangeError(`offset ${offsetQuarterHours} quarter hours`);
  }
  const d = new Date(date.getTime() + offsetQuarterHours * 15 * 60_000);
  const y = d.getUTCFullYear();
  if (y < 2000 || y > 2099) throw new RangeError(`year ${y} not representable`);
  const tenths = Math.floor(d.getUTCMilliseconds() / 100);
  return (
    pad2(y - 2000) +
    pad2(d.getUTCMonth() + 1) +
    pad2(d.getUTCDate()) +
    pad2(d.getUTCHours()) +
    pad2(d.getUTCMinutes()) +
    pad2(d.getUTCSeconds()) +
    String(tenths) +
    pad2(Math.abs(offsetQuarterHours)) +
    (offsetQuarterHours < 0 ? '-' : '+')
  );
}

/**
 * Formats a duration as a relative SMPP time `YYMMDDhhmmss000R` using days, hours, minutes and seconds
 * (no months or years, so the period is exact). Throws a RangeError for negative or ≥ 100-day periods.
 */
export function formatSmppRelative(seconds: number): string {
  const s = Math.floor(seconds);
  if (s < 0 || s >= 100 * 86_400) throw new RangeError(`relative period ${seconds}s`);
  const days = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  return `0000${pad2(days)}${pad2(h)}${pad2(m)}${pad2(s % 60)}000R`;
}

/** Receipt date `YYMMDDhhmm` in UTC (the `submit date:` / `done date:` fields). */
export function formatReceiptDate(date: Date): string {
  return (
    pad2(date.getUTCFullYear() % 100) +
    pad2(date.getUTCMonth() + 1) +
    pad2(date.getUTCDate()) +
    pad2(date.getUTCHours()) +
    pad2(date.getUTCMinutes())
  );
}

/**
 * Parses a receipt date: `YYMMDDhhmm`, `YYMMDDhhmmss` or `yyyyMMddHHmmss`, read as UTC (receipts carry no
 * zone). Returns `undefined` for anything else or out-of-range fields: receipt parsing is tolerant.
 */
export function parseReceiptDate(value: string): Date | undefined {
  let year: number;
  let i: number;
  if (value.length === 14) {
    const c = d2(value, 0);
    const y = d2(value, 2);
    if (c < 0 || y < 0) return undefined;
    year = c * 100 + y;
    i = 4;
  } else if (value.length === 10 || value.length === 12) {
    const y = d2(value, 0);
    if (y < 0) return undefined;
    year = 2000 + y;
    i = 2;
  } else return undefined;
  const mo = d2(value, i);
  const dd = d2(value, i + 2);
  const hh = d2(value, i + 4);
  const mi = d2(value, i + 6);
  const ss = value.length === 10 ? 0 : d2(value, i + 8);
  if (mo < 1 || mo > 12 || dd < 1 || dd > daysInMonth(year, mo) || hh < 0 || hh > 23 || mi < 0 || mi > 59) {
    return undefined;
  }
  if (ss < 0 || ss > 59) return undefined;
  return new Date(Date.UTC(year, mo - 1, dd, hh, mi, ss));
}
