import { isHubError } from './hub-error.js';

/** SMPP command_status for any thrown value: the catalog's, or ESME_RSYSERR (0x08) for the unknown. */
export function toSmppStatus(err: unknown): number {
  return isHubError(err) ? (err.spec.smpp ?? 0x08) : 0x08;
}

/** MM7 StatusCode for any thrown value: the catalog's, or 3000 (server error) for the unknown. */
export function toMm7Status(err: unknown): number {
  return isHubError(err) ? (err.spec.mm7 ?? 3000) : 3000;
}

/** SMTP reply `[code, enhanced]` for any thrown value: the catalog's, or `451 4.3.0` (try again). */
export function toSmtpReply(err: unknown): readonly [number, string] {
  return isHubError(err) ? (err.spec.smtp ?? [451, '4.3.0']) : [451, '4.3.0'];
}

/** HTTP status for the REST API: the catalog's, or 500 for the unknown. */
export function toHttpStatus(err: unknown): number {
  return isHubError(err) ? (err.spec.http ?? 500) : 500;
}
