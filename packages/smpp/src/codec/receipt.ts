/**
 * Delivery receipts in the de-facto SMPP text format (3.4 Appendix B):
 * `id:<id> sub:<sss> dlvrd:<ddd> submit date:<YYMMDDhhmm> done date:<YYMMDDhhmm> stat:<STAT> err:<eee> text:<…>`,
 * the stat ↔ message_state table, and upstream message id normalisation (hex vs decimal ids).
 *
 * Prefer the receipted_message_id / message_state TLVs when present; parse the text as the fallback,
 * from the **raw bytes** (Latin-1), never from node-smpp's GSM-decoded string.
 */
import { Errors } from '@hub/errors';
import { formatReceiptDate, parseReceiptDate } from './time.js';

/** message_state values (SMPP 5.0 §4.8.4.37); 0 and 9 are 5.0 only. */
export const MessageState = {
  SCHEDULED: 0,
  ENROUTE: 1,
  DELIVERED: 2,
  EXPIRED: 3,
  DELETED: 4,
  UNDELIVERABLE: 5,
  ACCEPTED: 6,
  UNKNOWN: 7,
  REJECTED: 8,
  SKIPPED: 9,
} as const;

/** A message_state value. */
export type MessageStateValue = (typeof MessageState)[keyof typeof MessageState];

/** Receipt `stat:` text per message_state. 0 and 9 have no 3.4 text; Hub writes SCHEDULED / SKIPPED. */
export const STAT_BY_STATE: readonly string[] = [
  'SCHEDULED',
  'ENROUTE',
  'DELIVRD',
  'EXPIRED',
  'DELETED',
  'UNDELIV',
  'ACCEPTD',
  'UNKNOWN',
  'REJECTD',
  'SKIPPED',
];

const STATE_BY_STAT = new Map<string, MessageStateValue>();
for (const [i, s] of STAT_BY_STATE.entries()) STATE_BY_STAT.set(s, i as MessageStateValue);
// Spellings seen in the wild.
for (const [alias, state] of [
  ['DELIVERED', 2],
  ['UNDELIVERABLE', 5],
  ['ACCEPTED', 6],
  ['REJECTED', 8],
  ['SCHEDUL', 0],
  ['SKIPPD', 9],
  ['UNDELIVERED', 5],
] as const) {
  STATE_BY_STAT.set(alias, state);
}

/** The `stat:` text for a message_state, or `undefined` for values outside 0–9. */
export function statForState(state: number): string | undefined {
  return STAT_BY_STATE[state];
}

/** The message_state for a `stat:` text (case-insensitive, common long spellings accepted), or `undefined`. */
export function stateForStat(stat: string): MessageStateValue | undefined {
  return STATE_BY_STAT.get(stat.toUpperCase());
}

/** True for final states (everything but SCHEDULED, ENROUTE and ACCEPTED). */
export function isFinalState(state: number): boolean {
  return state >= 2 && state <= 9 && state !== 6;
}

/** Fields of a receipt to generate. */
export interface ReceiptFields {
  readonly id: string;
  /** Parts submitted (default 1) and delivered (default 1 when stat is DELIVRD, else 0); 0–999. */
  readonly sub?: number;
  readonly dlvrd?: number;
  readonly submitDate: Date;
  readonly doneDate: Date;
  /** `stat:` text or a message_state value. */
  readonly stat: string | number;
  /** Error code: a number is written as 3 digits; a string of 1–3 characters is zero-padded to 3. Default 0. */
  readonly err?: number | string;
  /** Original message text; the first 20 characters are written. */
  readonly text?: string;
}

function pad3(n: number, what: string): string {
  if (!Number.isInteger(n) || n < 0 || n > 999)
    throw new Errors.HUB_ERR_SMPP_INVALID_RECEIPT(`${what} ${n} not 0..999`);
  return n < 10 ? `00${n}` : n < 100 ? `0${n}` : String(n);
}

/**
 * Formats a receipt text exactly as
 * `id:<id> sub:<sss> dlvrd:<ddd> submit date:<YYMMDDhhmm> done date:<YYMMDDhhmm> stat:<STAT> err:<eee> text:<20>`
 * (dates in UTC). Throws `HUB_ERR_SMPP_INVALID_RECEIPT` for an empty id or id with spaces, counts outside
 * 0–999, an unknown message_state or an err longer than 3 characters.
 */
export function formatReceipt(r: ReceiptFields): string {
  if (r.id.length === 0 || r.id.includes(' '))
    throw new Errors.HUB_ERR_SMPP_INVALID_RECEIPT(`id ${JSON.stringify(r.id)}`);
  const stat = typeof r.stat === 'number' ? statForState(r.stat) : r.stat.toUpperCase();
  if (stat === undefined) throw new Errors.HUB_ERR_SMPP_INVALID_RECEIPT(`message_state ${r.stat}`);
  const err = r.err ?? 0;
  let errText: string;
  if (typeof err === 'number') errText = pad3(err, 'err');
  else if (err.length >= 1 && err.length <= 3) errText = err.padStart(3, '0');
  else throw new Errors.HUB_ERR_SMPP_INVALID_RECEIPT(`err ${JSON.stringify(err)}`);
  const sub = pad3(r.sub ?? 1, 'sub');
  const dlvrd = pad3(r.dlvrd ?? (stat === 'DELIVRD' ? 1 : 0), 'dlvrd');
  return (
    `id:${r.id} sub:${sub} dlvrd:${dlvrd} submit date:${formatReceiptDate(r.submitDate)} ` +
    `done date:${formatReceiptDate(r.doneDate)} stat:${stat} err:${errText} text:${(r.text ?? '').slice(0, 20)}`
  );
}

/** A parsed receipt. Optional fields are absent from many real receipts. */
export interface ParsedReceipt {
  readonly id: string;
  readonly sub: number | undefined;
  readonly dlvrd: number | undefined;
  /** Raw date strings and their UTC interpretation (undefined when unparseable). */
  readonly submitDateRaw: string | undefined;
  readonly submitDate: Date | undefined;
  readonly doneDateRaw: string | undefined;
  readonly doneDate: Date | undefined;
  /** Upper-cased `stat:` value and its message_state (undefined for an unknown stat). */
  readonly stat: string;
  readonly state: MessageStateValue | undefined;
  /** `err:` value as written (1–3 alphanumerics usually), undefined when absent. */
  readonly err: string | undefined;
  readonly text: string | undefined;
}

// Keys are found with one pass of a global regex over the whole receipt (not per character).
const KEY_RE = /(?:^|[\s,;])(id|sub|dlvrd|submit[ _]?date|done[ _]?date|stat|err|text)\s*:/gi;

function firstToken(v: string): string {
  const t = v.trim();
  const sp = t.search(/\s/);
  return sp === -1 ? t : t.slice(0, sp);
}

function toCount(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const t = firstToken(v);
  if (t.length === 0 || t.length > 9) return undefined;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
  }
  return Number(t);
}

/**
 * Parses a receipt text tolerantly: keys in any case, in any order, `sub`/`dlvrd`/`err`/`text` optional,
 * `submit_date` accepted, dates in three formats, `text:` taken verbatim to the end. Bytes are read as
 * Latin-1 and trailing NULs dropped. Throws `HUB_ERR_SMPP_INVALID_RECEIPT` when `id` or `stat` is missing:
 * the caller treats the PDU as an ordinary MO message or answers deliver_sm_resp with that error's status.
 */
export function parseReceipt(input: string | Uint8Array): ParsedReceipt {
  let s =
    typeof input === 'string'
      ? input
      : Buffer.from(input.buffer, input.byteOffset, input.length).toString('latin1');
  let end = s.length;
  while (end > 0 && s.charCodeAt(end - 1) === 0) end--;
  if (end !== s.length) s = s.slice(0, end);

  const values = new Map<string, string>();
  const re = new RegExp(KEY_RE.source, KEY_RE.flags);
  let prevKey: string | undefined;
  let prevStart = 0;
  for (let m = re.exec(s); m !== null; m = re.exec(s)) {
    if (prevKey !== undefined && !values.has(prevKey)) values.set(prevKey, s.slice(prevStart, m.index));
    prevKey = (m[1] as string).toLowerCase().replace(/[ _]/, '');
    prevStart = m.index + m[0].length;
    if (prevKey === 'text') break;
  }
  if (prevKey !== undefined && !values.has(prevKey)) values.set(prevKey, s.slice(prevStart));

  const id = firstToken(values.get('id') ?? '');
  const stat = firstToken(values.get('stat') ?? '').toUpperCase();
  if (id.length === 0)
    throw new Errors.HUB_ERR_SMPP_INVALID_RECEIPT('no id', { details: { receipt: s.slice(0, 200) } });
  if (stat.length === 0)
    throw new Errors.HUB_ERR_SMPP_INVALID_RECEIPT('no stat', { details: { receipt: s.slice(0, 200) } });
  const submitDateRaw = values.has('submitdate') ? firstToken(values.get('submitdate') as string) : undefined;
  const doneDateRaw = values.has('donedate') ? firstToken(values.get('donedate') as string) : undefined;
  const errRaw = values.get('err');
  const err = errRaw === undefined ? undefined : firstToken(errRaw) || undefined;
  const text = values.get('text');
  return {
    id,
    sub: toCount(values.get('sub')),
    dlvrd: toCount(values.get('dlvrd')),
    submitDateRaw,
    submitDate: submitDateRaw === undefined ? undefined : parseReceiptDate(submitDateRaw),
    doneDateRaw,
    doneDate: doneDateRaw === undefined ? undefined : parseReceiptDate(doneDateRaw),
    stat,
    state: stateForStat(stat),
    err,
    text,
  };
}

// ---------------------------------------------------------------------------------------------
// Upstream message ids
// ---------------------------------------------------------------------------------------------

/** How a connector's upstream writes a message id: hex digits, decimal digits, or an opaque string. */
export type IdBase = 'hex' | 'dec' | 'string';

const MAX_ID_LENGTH = 65; // receipted_message_id is a C-string of up to 65 octets

function invalidId(id: string, why: string): never {
  throw new Errors.HUB_ERR_SMPP_INVALID_MESSAGE_ID(JSON.stringify(id.slice(0, 80)), why);
}

function digitsOk(id: string, hex: boolean): boolean {
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i) | 0x20; // fold A-F to a-f; digits are unaffected
    if (!((c >= 48 && c <= 57) || (hex && c >= 97 && c <= 102))) return false;
  }
  return true;
}

/**
 * Canonical form of an upstream message id for matching a submit_sm_resp id with a receipt id:
 * `hex` and `dec` ids become the decimal string of their value (so `0e999f21` (hex) and `E999F21` (hex) and
 * `244948769` (dec) all give `244948769`; leading zeros vanish); `string` ids are only trimmed.
 * Configure the base per connector and per direction (Kannel `msg-id-type`). Throws
 * `HUB_ERR_SMPP_INVALID_MESSAGE_ID` for empty or over-long ids or digits invalid in the base.
 */
export function normalizeUpstreamId(id: string, base: IdBase): string {
  const t = id.trim();
  if (t.length === 0) invalidId(id, 'empty');
  if (t.length > MAX_ID_LENGTH) invalidId(id, `longer than ${MAX_ID_LENGTH}`);
  if (base === 'string') return t;
  if (!digitsOk(t, base === 'hex')) invalidId(id, `not ${base === 'hex' ? 'hexadecimal' : 'decimal'}`);
  return BigInt(base === 'hex' ? `0x${t}` : t).toString(10);
}

/** Hex id → decimal string (`0E999F21` → `244948769`). Throws `HUB_ERR_SMPP_INVALID_MESSAGE_ID` on non-hex input. */
export function hexToDec(hex: string): string {
  return normalizeUpstreamId(hex, 'hex');
}

/** Decimal id → upper-case hex without leading zeros (`244948769` → `E999F21`). Throws on non-decimal input. */
export function decToHex(dec: string): string {
  return BigInt(normalizeUpstreamId(dec, 'dec')).toString(16).toUpperCase();
}
