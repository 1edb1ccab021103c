/**
 * Addresses as people type them in spreadsheets (`+82 10-1234-5678`, `(010) 1234 5678`, `8210…` stored as a
 * number) turned into SMPP TON/NPI and digits. No I/O.
 */

/** An SMPP address: type of number, numbering plan, and the address digits or text. */
export interface SmppAddr {
  readonly ton: number;
  readonly npi: number;
  readonly addr: string;
}

// Separators people put inside phone numbers.
const SEPARATORS = /[\s\-().\u00a0/]/g;

/**
 * A destination: `+` and 6–15 digits → international (TON 1, NPI 1, digits without `+`); `00` prefix is
 * read as `+`; 3–20 bare digits → unknown TON 0, NPI 1 (the SMSC applies its numbering rules). Returns
 * `undefined` for anything else; the caller reports the row as an invalid number and sends nothing.
 */
export function parseDestination(input: string): SmppAddr | undefined {
  let s = input.trim().replace(SEPARATORS, '');
  if (s.startsWith('00')) s = `+${s.slice(2)}`;
  if (/^\+\d{6,15}$/.test(s)) return { ton: 1, npi: 1, addr: s.slice(1) };
  if (/^\d{3,20}$/.test(s)) return { ton: 0, npi: 1, addr: s };
  return undefined;
}

/**
 * A source address: `+` and digits → international (1/1); up to 8 digits → short code (TON 3, NPI 0);
 * more digits → unknown (0/1); any other text of 1–11 characters → alphanumeric (TON 5, NPI 0); empty →
 * 0/0 and empty (Hub or the route fills it). Returns `undefined` for a longer alphanumeric sender.
 */
export function parseSource(input: string): SmppAddr | undefined {
  const raw = input.trim();
  if (raw.length === 0) return { ton: 0, npi: 0, addr: '' };
  const s = raw.replace(SEPARATORS, '');
  if (/^\+\d{3,15}$/.test(s)) return { ton: 1, npi: 1, addr: s.slice(1) };
  if (/^\d{1,8}$/.test(s)) return { ton: 3, npi: 0, addr: s };
  if (/^\d{9,20}$/.test(s)) return { ton: 0, npi: 1, addr: s };
  if (raw.length <= 11) return { ton: 5, npi: 0, addr: raw };
  return undefined;
}

/** True when `value` looks like a phone number (used to tell a header row from a first data row). */
export function looksLikeNumber(value: string): boolean {
  return parseDestination(value) !== undefined && /\d{5,}/.test(value.replace(SEPARATORS, ''));
}
