/**
 * MM7 StatusCode table (3GPP TS 23.140 Table 12.21, Rel-6 additions) and MMStatus values.
 * Codes are grouped by thousands: 1xxx success, 2xxx client, 3xxx server, 4xxx service errors.
 */

/** One row of the StatusCode table. */
export interface Mm7StatusInfo {
  readonly code: number;
  /** Stable identifier, e.g. `ADDRESS_ERROR`. */
  readonly name: string;
  /** The spec's StatusText, sent as-is in responses. */
  readonly text: string;
}

function row(code: number, name: string, text: string): Mm7StatusInfo {
  return { code, name, text };
}

/** Every standard MM7 StatusCode, keyed by code. */
export const MM7_STATUS: Readonly<Record<number, Mm7StatusInfo>> = Object.freeze(
  Object.fromEntries(
    [
      row(1000, 'SUCCESS', 'Success'),
      row(1100, 'PARTIAL_SUCCESS', 'Partial success'),
      row(2000, 'CLIENT_ERROR', 'Client error'),
      row(2001, 'OPERATION_RESTRICTED', 'Operation restricted'),
      row(2002, 'ADDRESS_ERROR', 'Address Error'),
      row(2003, 'ADDRESS_NOT_FOUND', 'Address Not Found'),
      row(2004, 'MULTIMEDIA_CONTENT_REFUSED', 'Multimedia content refused'),
      row(2005, 'MESSAGE_ID_NOT_FOUND', 'Message ID Not found'),
      row(2006, 'LINKED_ID_NOT_FOUND', 'LinkedID not found'),
      row(2007, 'MESSAGE_FORMAT_CORRUPT', 'Message format corrupt'),
      row(2008, 'APPLICATION_ID_NOT_FOUND', 'Application ID not found'),
      row(2009, 'REPLY_APPLICATION_ID_NOT_FOUND', 'Reply Application ID not found'),
      row(3000, 'SERVER_ERROR', 'Server Error'),
      row(3001, 'NOT_POSSIBLE', 'Not Possible'),
      row(3002, 'MESSAGE_REJECTED', 'Message rejected'),
      row(3003, 'MULTIPLE_ADDRESSES_NOT_SUPPORTED', 'Multiple addresses not supported'),
      row(3004, 'APPLICATION_ADDRESSING_NOT_SUPPORTED', 'Application Addressing not supported'),
      row(4000, 'GENERAL_SERVICE_ERROR', 'General service error'),
      row(4001, 'IMPROPER_IDENTIFICATION', 'Improper identification'),
      row(4002, 'UNSUPPORTED_VERSION', 'Unsupported version'),
      row(4003, 'UNSUPPORTED_OPERATION', 'Unsupported operation'),
      row(4004, 'VALIDATION_ERROR', 'Validation error'),
      row(4005, 'SERVICE_ERROR', 'Service error'),
      row(4006, 'SERVICE_UNAVAILABLE', 'Service unavailable'),
      row(4007, 'SERVICE_DENIED', 'Service denied'),
      row(4008, 'APPLICATION_DENIED', 'Application denied'),
    ].map((r) => [r.code, Object.freeze(r)]),
  ),
);

/** Named constants for the codes Hub emits, e.g. `Mm7Status.VALIDATION_ERROR === 4004`. */
export const Mm7Status = {
  SUCCESS: 1000,
  PARTIAL_SUCCESS: 1100,
  CLIENT_ERROR: 2000,
  OPERATION_RESTRICTED: 2001,
  ADDRESS_ERROR: 2002,
  ADDRESS_NOT_FOUND: 2003,
  MULTIMEDIA_CONTENT_REFUSED: 2004,
  MESSAGE_ID_NOT_FOUND: 2005,
  LINKED_ID_NOT_FOUND: 2006,
  MESSAGE_FORMAT_CORRUPT: 2007,
  APPLICATION_ID_NOT_FOUND: 2008,
  REPLY_APPLICATION_ID_NOT_FOUND: 2009,
  SERVER_ERROR: 3000,
  NOT_POSSIBLE: 3001,
  MESSAGE_REJECTED: 3002,
  MULTIPLE_ADDRESSES_NOT_SUPPORTED: 3003,
  APPLICATION_ADDRESSING_NOT_SUPPORTED: 3004,
  GENERAL_SERVICE_ERROR: 4000,
  IMPROPER_IDENTIFICATION: 4001,
  UNSUPPORTED_VERSION: 4002,
  UNSUPPORTED_OPERATION: 4003,
  VALIDATION_ERROR: 4004,
  SERVICE_ERROR: 4005,
  SERVICE_UNAVAILABLE: 4006,
  SERVICE_DENIED: 4007,
  APPLICATION_DENIED: 4008,
} as const;

/** The four StatusCode classes. */
export type Mm7StatusClass = 'success' | 'client' | 'server' | 'service';

/**
 * Class of a StatusCode by its thousands digit. Codes outside 1000–4999 (or non-integers) are
 * treated as server errors, as TS 23.140 asks receivers to do.
 */
export function statusClass(code: number): Mm7StatusClass {
  if (!Number.isInteger(code)) return 'server';
  switch (Math.floor(code / 1000)) {
    case 1:
      return 'success';
    case 2:
      return 'client';
    case 4:
      return 'service';
    default:
      return 'server';
  }
}

/** True for 1xxx codes (1000 Success, 1100 Partial success). */
export function isSuccessStatus(code: number): boolean {
  return statusClass(code) === 'success';
}

/**
 * The code a receiver should act on: a known code as-is, vendor codes (x500–x999, e.g. Sinch/Skycore
 * 2500–2572) as-is, any other unknown code mapped to x000 of its class, and codes outside the four
 * classes to 3000.
 */
export function normalizeStatusCode(code: number): number {
  if (!Number.isInteger(code) || code < 1000 || code > 4999) return 3000;
  if (MM7_STATUS[code] !== undefined || code % 1000 >= 500) return code;
  return Math.floor(code / 1000) * 1000;
}

/** Spec StatusText for `code`, or the text of its class's x000 code for unknown ones. */
export function statusText(code: number): string {
  return (
    (MM7_STATUS[code] ?? MM7_STATUS[normalizeStatusCode(code)] ?? MM7_STATUS[3000])?.text ?? 'Server Error'
  );
}

/**
 * SOAP 1.1 faultcode local name for an error StatusCode: `Client` when the request itself is at fault
 * (2xxx, and the 4xxx codes about identification, version, operation, validation and denial),
 * `Server` otherwise (3xxx, 4000, 4005 service error, 4006 service unavailable).
 */
export function faultCodeFor(code: number): 'Client' | 'Server' {
  const cls = statusClass(code);
  if (cls === 'client') return 'Client';
  if (cls === 'service') return code === 4000 || code === 4005 || code === 4006 ? 'Server' : 'Client';
  return 'Server';
}

/** MMStatus values of DeliveryReportReq (REL-6-MM7-1-4 `mmDeliveryStatusType`, incl. later additions). */
export const MM_DELIVERY_STATUSES = [
  'Expired',
  'Retrieved',
  'Rejected',
  'Deferred',
  'Indeterminate',
  'Forwarded',
  'Unrecognised',
  'DeliveryConditionNotMet',
  'Processing',
  'Cancelled',
  'Replaced',
  'Delivered',
] as const;

/** An MMStatus of a DeliveryReportReq. */
export type Mm7DeliveryStatus = (typeof MM_DELIVERY_STATUSES)[number];

/** MMStatus values of ReadReplyReq. */
export const MM_READ_STATUSES = ['Indeterminate', 'Read', 'Deleted'] as const;

/** An MMStatus of a ReadReplyReq. */
export type Mm7ReadStatus = (typeof MM_READ_STATUSES)[number];

const DELIVERY_ALIASES: Readonly<Record<string, Mm7DeliveryStatus>> = {
  // US aggregator spellings (notes §7): normalised, the raw value stays on the decoded message.
  unrecognized: 'Unrecognised',
  notsupported: 'Unrecognised',
  unreachable: 'Indeterminate',
};

/**
 * Canonical MMStatus for a DeliveryReportReq value: case-insensitive match on the standard values,
 * vendor aliases mapped, anything else `undefined` (the decoder then reports `Indeterminate` and keeps
 * the raw value, so an unknown vendor status never makes a report bounce).
 */
export function parseDeliveryStatus(raw: string): Mm7DeliveryStatus | undefined {
  const lower = raw.trim().toLowerCase();
  return MM_DELIVERY_STATUSES.find((s) => s.toLowerCase() === lower) ?? DELIVERY_ALIASES[lower];
}

/** Canonical MMStatus for a ReadReplyReq value (case-insensitive), or `undefined`. */
export function parseReadStatus(raw: string): Mm7ReadStatus | undefined {
  const lower = raw.trim().toLowerCase();
  return MM_READ_STATUSES.find((s) => s.toLowerCase() === lower);
}
