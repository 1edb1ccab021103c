import { isIPv4, isIPv6 } from 'node:net';
import { Errors } from '@hub/errors';
import { unquote } from './mime/headers.js';
import { decodeEncodedWords } from './mime/rfc2047.js';

/** What an MM4 address designates (TS 23.140 `/TYPE=` values, plus plain RFC 5322 mailboxes). */
export type Mm4AddressKind = 'msisdn' | 'email' | 'ipv4' | 'ipv6' | 'other';

/** A parsed MM4 address. */
export interface Mm4Address {
  readonly kind: Mm4AddressKind;
  /**
   * Normalised value: msisdn → `+` (when written) and digits only (`+972590000003`); email →
   * `local@domain` with the domain lower-cased; ipv4/ipv6 → the address; other → the text as written.
   */
  readonly value: string;
  /** The address as received (trimmed, display name included). */
  readonly original: string;
  /** Domain after `@` (lower-cased): the MMSC for `…/TYPE=PLMN@mms.example`, the mail domain for e-mail. */
  readonly domain: string | undefined;
  /** `TYPE=` value as written (`PLMN`, `IPv4`, …), when present. */
  readonly type: string | undefined;
  /** Display name (`"Alice" <…>`), RFC 2047-decoded, when present. */
  readonly displayName: string | undefined;
}

const PHONE = /^\+?[0-9][0-9\-. ()]*$/;

function invalid(s: string): never {
  throw new Errors.HUB_ERR_MM4_INVALID_ADDRESS(JSON.stringify(s.slice(0, 120)));
}

/**
 * Parses one MM4 address: `+E164/TYPE=PLMN`, `+E164/TYPE=PLMN@mms.peer.example`, `+E164@domain`,
 * a bare number (Cellcom's `To:` has no `/TYPE=PLMN`), `1.2.3.4/TYPE=IPv4`, `…/TYPE=IPv6`, an e-mail
 * address, each optionally as `Name <addr>`. A word without `@` (`PostMaster`, as in peers' RES
 * `From:`) is kind `other`. Throws `HUB_ERR_MM4_INVALID_ADDRESS` for empty input, control characters,
 * or a `/TYPE=PLMN|IPv4|IPv6` whose value does not fit; an SMTP caller rejects with 553 5.1.3.
 */
export function parseMm4Address(input: string): Mm4Address {
  const original = input.trim();
  if (original === '' || /[\x00-\x1f\x7f]/.test(original)) invalid(input);
  let addr = original;
  let displayName: string | undefined;
  const angle = /^(.*?)<([^<>]*)>\s*$/.exec(original);
  if (angle !== null) {
    const name = unquote((angle[1] ?? '').trim());
    displayName = name === '' ? undefined : decodeEncodedWords(name);
    addr = (angle[2] ?? '').trim();
  }
  if (addr === '') invalid(input);
  let local = addr;
  let type: string | undefined;
  let domain: string | undefined;
  const typeAt = addr.search(/\/type=/i);
  if (typeAt !== -1) {
    local = addr.slice(0, typeAt);
    const rest = addr.slice(typeAt + 6);
    const at = rest.indexOf('@');
    type = at === -1 ? rest : rest.slice(0, at);
    domain = at === -1 ? undefined : rest.slice(at + 1);
  } else {
    const at = addr.lastIndexOf('@');
    if (at !== -1) {
      local = addr.slice(0, at);
      domain = addr.slice(at + 1);
    }
  }
  local = local.trim();
  domain = domain?.trim().toLowerCase() || undefined;
  if (local === '') invalid(input);
  const base = { original, domain, type, displayName };
  const t = type?.toUpperCase();
  if (t === 'PLMN' || (t === undefined && PHONE.test(local) && /\d{3}/.test(local.replace(/\D/g, '')))) {
    if (!PHONE.test(local)) invalid(input);
    const digits = local.replace(/\D/g, '');
    if (digits.length < 3 || digits.length > 20) invalid(input);
    return { kind: 'msisdn', value: (local.startsWith('+') ? '+' : '') + digits, ...base };
  }
  if (t === 'IPV4') {
    if (!isIPv4(local)) invalid(input);
    return { kind: 'ipv4', value: local, ...base };
  }
  if (t === 'IPV6') {
    if (!isIPv6(local)) invalid(input);
    return { kind: 'ipv6', value: local.toLowerCase(), ...base };
  }
  if (t === undefined && domain !== undefined) {
    return { kind: 'email', value: `${local}@${domain}`, ...base };
  }
  return { kind: 'other', value: local, ...base };
}

function splitList(value: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  let angle = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value[i] as string;
    if (quoted) {
      if (c === '\\') {
        cur += c + (value[i + 1] ?? '');
        i++;
        continue;
      }
      if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === '<') angle++;
    else if (c === '>') angle = Math.max(0, angle - 1);
    else if (c === ',' && angle === 0) {
      out.push(cur);
      cur = '';
      continue;
    }
    cur += c;
  }
  out.push(cur);
  return out;
}

/**
 * Parses an address-list header (`To:`, `Cc:`), folded or not, with any number of recipients.
 * Empty items (trailing commas, whitespace-only continuation lines) and empty groups
 * (`undisclosed-recipients:;`) are skipped. Throws `HUB_ERR_MM4_INVALID_ADDRESS` like
 * {@link parseMm4Address}.
 */
export function parseMm4AddressList(value: string | undefined): Mm4Address[] {
  if (value === undefined) return [];
  const out: Mm4Address[] = [];
  for (const raw of splitList(value)) {
    let item = raw.trim();
    // Group syntax `name: a, b;` — drop the label and the terminator.
    const group = /^[^<>@"]*:\s*/.exec(item);
    if (group !== null && !/\/type=/i.test(group[0])) item = item.slice(group[0].length);
    item = item.replace(/;\s*$/, '').trim();
    if (item === '') continue;
    out.push(parseMm4Address(item));
  }
  return out;
}

/**
 * Formats a phone number as an MM4 address: `+972590000003/TYPE=PLMN`, with `@domain` appended when
 * given (use the peer MMSC's domain for RCPT TO, none in `To:`/`From:` headers). Accepts the number
 * with or without `/TYPE=PLMN` and punctuation. Throws `HUB_ERR_MM4_INVALID_ADDRESS` when it is not a
 * phone number.
 */
export function formatMm4Address(msisdn: string, domain?: string): string {
  const a = parseMm4Address(msisdn);
  if (a.kind !== 'msisdn') invalid(msisdn);
  return `${a.value}/TYPE=PLMN${domain === undefined || domain === '' ? '' : `@${domain}`}`;
}

/**
 * Formats a parsed address back to MM4 form. `domain` (if given) replaces the address's own domain
 * for msisdn/ipv4/ipv6 kinds; e-mail addresses keep theirs. Display names are not written.
 */
export function formatAddress(a: Mm4Address, domain?: string): string {
  const d = domain ?? a.domain;
  const suffix = d === undefined || d === '' ? '' : `@${d}`;
  switch (a.kind) {
    case 'msisdn':
      return `${a.value}/TYPE=PLMN${suffix}`;
    case 'ipv4':
      return `${a.value}/TYPE=IPv4${suffix}`;
    case 'ipv6':
      return `${a.value}/TYPE=IPv6${suffix}`;
    case 'email':
      return a.value;
    case 'other':
      return a.type === undefined ? `${a.value}${suffix}` : `${a.value}/TYPE=${a.type}${suffix}`;
  }
}
