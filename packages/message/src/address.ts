import { z } from 'zod';

/**
 * Address kinds Hub distinguishes. `e164` numbers carry a leading `+`; `short` codes are digits only;
 * `alnum` are alphanumeric sender ids; `email` are RFC 5322 addr-specs (MM4/MM7); `national` is a number
 * without a country code that could not be resolved.
 */
export const AddressKind = z.enum(['e164', 'short', 'alnum', 'email', 'national']);
export type AddressKind = z.infer<typeof AddressKind>;

export const Address = z.object({
  kind: AddressKind,
  /** Normalized value: `+4915112345678`, `12345`, `HUB`, `user@example.com`. */
  value: z.string().min(1).max(254),
  /** Exactly what the peer sent, for answering in its own form. */
  original: z.string().max(254),
  /** SMPP type of number and numbering plan, when it came over SMPP. */
  ton: z.number().int().min(0).max(255).optional(),
  npi: z.number().int().min(0).max(255).optional(),
});
export type Address = z.infer<typeof Address>;

/** Hints for {@link normalizeAddress}. */
export interface AddressHints {
  readonly ton?: number;
  readonly npi?: number;
  /** Country code (digits) to prefix national numbers with, when the account or connector sets one. */
  readonly defaultCountryCode?: string;
  /** Longest digit string still treated as a short code (default 8). */
  readonly maxShortCodeLength?: number;
}

const EMAIL = /^[^\s@<>]+@[^\s@<>]+$/;

/**
 * Normalizes an address as received from any protocol. Never throws; returns `undefined` for an empty or
 * unusable value so that the caller can reject with its protocol's "invalid address" status.
 */
export function normalizeAddress(raw: string, hints: AddressHints = {}): Address | undefined {
  const original = raw;
  const s = raw.trim();
  if (s.length === 0 || s.length > 254) return undefined;
  const base = {
    original,
    ...(hints.ton === undefined ? {} : { ton: hints.ton }),
    ...(hints.npi === undefined ? {} : { npi: hints.npi }),
  };
  if (EMAIL.test(s)) return { kind: 'email', value: s.toLowerCase(), ...base };
  // SMPP TON 5 = alphanumeric: keep the text as is (GSM-7 up to 11 chars on the air).
  // Letters with TON 1/2 are kept as an alphanumeric sender: many ESMEs send sender names with the wrong
  // TON, and SMSCs accept them. Destinations are stricter: the gateways refuse letters there.
  if (hints.ton === 5 || /[A-Za-z]/.test(s)) {
    if (/^[\x20-\x7E]{1,20}$/.test(s)) return { kind: 'alnum', value: s, ...base };
    return undefined;
  }
  const stripped = s.replace(/[\s().-]/g, '');
  if (/^\+[0-9]{6,15}$/.test(stripped)) return { kind: 'e164', value: stripped, ...base };
  if (/^00[1-9][0-9]{5,14}$/.test(stripped)) return { kind: 'e164', value: `+${stripped.slice(2)}`, ...base };
  if (!/^[0-9]{1,20}$/.test(stripped)) return undefined;
  const maxShort = hints.maxShortCodeLength ?? 8;
  if (hints.ton === 1 && stripped.length >= 6 && stripped.length <= 15) {
    return { kind: 'e164', value: `+${stripped}`, ...base };
  }
  if (stripped.length <= maxShort && hints.ton !== 1) return { kind: 'short', value: stripped, ...base };
  if (hints.defaultCountryCode !== undefined && (hints.ton === 2 || stripped.startsWith('0'))) {
    const national = stripped.replace(/^0+/, '');
    const full = `${hints.defaultCountryCode}${national}`;
    if (full.length <= 15) return { kind: 'e164', value: `+${full}`, ...base };
  }
  // International numbers often arrive without '+' and TON unknown (0): digits of E.164 length are E.164.
  if (stripped.length >= 9 && stripped.length <= 15 && hints.ton !== 2) {
    return { kind: 'e164', value: `+${stripped}`, ...base };
  }
  return { kind: 'national', value: stripped, ...base };
}

/** The digits of an address for prefix routing (`+4915…` → `4915…`); other kinds return their value. */
export function routingKey(a: Address): string {
  return a.kind === 'e164' ? a.value.slice(1) : a.value;
}
