import { isHubError } from '@hub/errors';

/** `X-Mms-Request-Status-Code` values of an MM4 .RES (TS 23.140). */
export const REQUEST_STATUSES = [
  'Ok',
  'Error-unspecified',
  'Error-service-denied',
  'Error-message-format-corrupt',
  'Error-sending-address-unresolved',
  'Error-message-not-found',
  'Error-network-problem',
  'Error-content-not-accepted',
  'Error-unsupported-message',
] as const;
/** One `X-Mms-Request-Status-Code` value, in its canonical spelling. */
export type Mm4RequestStatus = (typeof REQUEST_STATUSES)[number];

/** `X-Mms-MM-Status-Code` values of an MM4_delivery_report.REQ. */
export const MM_STATUSES = [
  'Expired',
  'Retrieved',
  'Rejected',
  'Deferred',
  'Indeterminate',
  'Forwarded',
  'Unrecognised',
] as const;
/** One `X-Mms-MM-Status-Code` value, in its canonical spelling. */
export type Mm4MmStatus = (typeof MM_STATUSES)[number];

/** Read status of an MM4_read_reply_report.REQ. */
export const READ_STATUSES = ['Read', 'Deleted without being read'] as const;
/** One read status value, in its canonical spelling. */
export type Mm4ReadStatus = (typeof READ_STATUSES)[number];

/** The small vocabulary the rest of Hub understands for MM4 outcomes. */
export type Mm4Outcome =
  | 'delivered'
  | 'expired'
  | 'rejected'
  | 'deferred'
  | 'indeterminate'
  | 'forwarded'
  | 'unrecognised';

function lookup<T extends string>(
  list: readonly T[],
  aliases: Record<string, T>,
  raw: string | undefined,
): T | undefined {
  if (raw === undefined) return undefined;
  const k = raw.trim().toLowerCase();
  return list.find((v) => v.toLowerCase() === k) ?? aliases[k];
}

/** Canonical `Mm4RequestStatus` for `raw` (case-insensitive), or `undefined` when unknown. */
export function parseRequestStatus(raw: string | undefined): Mm4RequestStatus | undefined {
  return lookup(REQUEST_STATUSES, { success: 'Ok', 'error-permanent-failure': 'Error-unspecified' }, raw);
}

/**
 * Canonical `Mm4MmStatus` for `raw` (case-insensitive; US spelling `Unrecognized` and vendor
 * `Delivered` accepted), or `undefined` when unknown.
 */
export function parseMmStatus(raw: string | undefined): Mm4MmStatus | undefined {
  return lookup(MM_STATUSES, { unrecognized: 'Unrecognised', delivered: 'Retrieved' }, raw);
}

/** Canonical `Mm4ReadStatus` for `raw` (case-insensitive; `Deleted` accepted), or `undefined`. */
export function parseReadStatus(raw: string | undefined): Mm4ReadStatus | undefined {
  return lookup(READ_STATUSES, { deleted: 'Deleted without being read' }, raw);
}

/**
 * Outcome of a delivery report status. `Retrieved` → `delivered`; the others map to their own word.
 * Unknown values (vendor extensions) give `indeterminate`: never guess success.
 */
export function mmStatusOutcome(raw: string | undefined): Mm4Outcome {
  switch (parseMmStatus(raw)) {
    case 'Retrieved':
      return 'delivered';
    case 'Expired':
      return 'expired';
    case 'Rejected':
      return 'rejected';
    case 'Deferred':
      return 'deferred';
    case 'Forwarded':
      return 'forwarded';
    case 'Unrecognised':
      return 'unrecognised';
    default:
      return 'indeterminate';
  }
}

/**
 * Outcome of a forward.RES status: `Ok` means the peer MMSC accepted the MM (`forwarded`, not yet
 * delivered); `Error-network-problem` is the one transient error (`deferred`: resend later); every
 * other error is final (`rejected`). Unknown values give `indeterminate`.
 */
export function requestStatusOutcome(raw: string | undefined): Mm4Outcome {
  const s = parseRequestStatus(raw);
  if (s === undefined) return 'indeterminate';
  if (s === 'Ok') return 'forwarded';
  if (s === 'Error-network-problem') return 'deferred';
  return 'rejected';
}

/** True for `Ok` (case-insensitive). */
export function isRequestOk(raw: string | undefined): boolean {
  return parseRequestStatus(raw) === 'Ok';
}

/**
 * The `X-Mms-Request-Status-Code` to put in the .RES when handling a REQ failed with `err`
 * (a `HUB_ERR_*` from this package or the core catalog). Temporary failures answer
 * `Error-network-problem` so the peer retries; unknown errors answer `Error-unspecified`.
 */
export function requestStatusForError(err: unknown): Mm4RequestStatus {
  if (!isHubError(err)) return 'Error-unspecified';
  switch (err.code) {
    case 'HUB_ERR_MM4_MALFORMED':
    case 'HUB_ERR_MM4_MISSING_HEADER':
      return 'Error-message-format-corrupt';
    case 'HUB_ERR_MM4_UNSUPPORTED_TYPE':
      return 'Error-unsupported-message';
    case 'HUB_ERR_MM4_UNSUPPORTED_ENCODING':
    case 'HUB_ERR_MM4_LIMIT_EXCEEDED':
    case 'HUB_ERR_TOO_LARGE':
      return 'Error-content-not-accepted';
    case 'HUB_ERR_MM4_INVALID_ADDRESS':
    case 'HUB_ERR_NO_ROUTE':
      return 'Error-sending-address-unresolved';
    case 'HUB_ERR_NOT_FOUND':
      return 'Error-message-not-found';
    case 'HUB_ERR_FORBIDDEN':
    case 'HUB_ERR_AUTH_FAILED':
      return 'Error-service-denied';
    default:
      return err.recovery === 'permanent' ? 'Error-unspecified' : 'Error-network-problem';
  }
}
