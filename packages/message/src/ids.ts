import { Errors } from '@hub/errors';

/**
 * Hub message ids: 64-bit, time-sortable, unique across instances.
 *
 * Layout (most significant first): 42 bits milliseconds since 2024-01-01 UTC (good until ~2163),
 * 10 bits node id (0-1023, handed out by Redis at start so instances never share one),
 * 12 bits sequence within the millisecond (4096 ids/ms/node; the clock is borrowed from when it runs out).
 *
 * The canonical form is 16 upper-case hex digits (fixed width, so string order = time order). Accounts can
 * be shown the decimal form instead (up to 20 digits), as many SMPP clients expect digits in receipts.
 */
export const ID_EPOCH_MS = Date.UTC(2024, 0, 1);

/** How an account or connector writes message ids. */
export type IdBase = 'hex' | 'dec';

/** Generates ids for one process. Not shared between processes: each gets its own node id. */
export class IdGenerator {
  private lastMs = 0;
  private seq = 0;
  private readonly node: bigint;

  /** @param nodeId 0-1023, unique among running instances (see `@hub/store` node registry). */
  constructor(nodeId: number) {
    if (!Number.isInteger(nodeId) || nodeId < 0 || nodeId > 1023) {
      throw new Errors.HUB_ERR_VALIDATION('node id', `${nodeId} is not an integer in 0..1023`);
    }
    this.node = BigInt(nodeId);
  }

  /** Returns the next canonical id (16 hex digits). Never repeats within this generator. */
  next(now: number = Date.now()): string {
    let ms = Math.max(now - ID_EPOCH_MS, this.lastMs);
    if (ms === this.lastMs) {
      this.seq += 1;
      if (this.seq > 0xfff) {
        // Sequence exhausted in this millisecond: borrow the next one rather than repeat an id.
        ms += 1;
        this.seq = 0;
      }
    } else {
      this.seq = 0;
    }
    this.lastMs = ms;
    const v = (BigInt(ms) << 22n) | (this.node << 12n) | BigInt(this.seq);
    return v.toString(16).toUpperCase().padStart(16, '0');
  }
}

const HEX_ID = /^[0-9A-F]{16}$/;

/** True when `id` is a canonical Hub id. */
export function isHubId(id: string): boolean {
  return HEX_ID.test(id);
}

/** Renders a canonical id in an account's base: `hex` as is, `dec` as its decimal value. */
export function formatId(id: string, base: IdBase): string {
  return base === 'hex' ? id : BigInt(`0x${id}`).toString(10);
}

/**
 * Parses an id an account gave back (query_sm, cancel_sm, REST) in either form to the canonical one.
 * Returns `undefined` when it cannot be a Hub id; the caller answers "unknown message id".
 */
export function parseId(input: string, base?: IdBase): string | undefined {
  const s = input.trim();
  let v: bigint;
  // Canonical ids are exactly 16 hex digits; decimal forms of current ids are 18-20 digits, so
  // without a declared base the length decides.
  const asHex = base === 'hex' || (base === undefined && (s.length === 16 || /[A-Fa-f]/.test(s)));
  if (asHex && /^[0-9A-Fa-f]{1,16}$/.test(s)) v = BigInt(`0x${s}`);
  else if (!asHex && /^[0-9]{1,20}$/.test(s)) v = BigInt(s);
  else return undefined;
  if (v >= 1n << 64n) return undefined;
  return v.toString(16).toUpperCase().padStart(16, '0');
}

/** The creation time encoded in a canonical id (ms since the Unix epoch). */
export function idTimestamp(id: string): number {
  return Number(BigInt(`0x${id}`) >> 22n) + ID_EPOCH_MS;
}
