/**
 * submit_sm_resp command_status → what the worker should do. The one table:
 *
 * | command_status | recovery | error |
 * |---|---|---|
 * | ESME_RTHROTTLED 0x58, ESME_RMSGQFUL 0x14 | throttled | HUB_ERR_CONNECTOR_THROTTLED (and the rate halves) |
 * | ESME_RSYSERR 0x08, ESME_RINVBNDSTS 0x04, ESME_RX_T_APPN 0x64, ESME_RDELIVERYFAILURE 0xFE, ESME_RUNKNOWNERR 0xFF, any code not listed | temporary | HUB_ERR_CONNECTOR_TEMPORARY |
 * | ESME_RINVMSGLEN 0x01, ESME_RINVCMDLEN 0x02, ESME_RINVCMDID 0x03, ESME_RINVPRTFLG 0x06, ESME_RINVREGDLVFLG 0x07, ESME_RINVSRCADR 0x0A, ESME_RINVDSTADR 0x0B, ESME_RINVSERTYP 0x15, ESME_RINVESMCLASS 0x43, ESME_RSUBMITFAIL 0x45, ESME_RINVSRCTON/NPI 0x48/0x49, ESME_RINVDSTTON/NPI 0x50/0x51, ESME_RINVSYSTYP 0x53, ESME_RINVSCHED 0x61, ESME_RINVEXPIRY 0x62, ESME_RX_P_APPN 0x65, ESME_RX_R_APPN 0x66, TLV errors 0xC0–0xC4, SMPP 5.0 refusals 0x100–0x106 (RINVDCS 0x104) | permanent | HUB_ERR_CONNECTOR_REJECTED |
 *
 * Transport failures are the session's own errors and stay as they are: response timeout
 * (`HUB_ERR_SMPP_RESPONSE_TIMEOUT`), connection lost (`HUB_ERR_SMPP_SESSION_CLOSED`), not bound
 * (`HUB_ERR_SMPP_NOT_BOUND`), window full (`HUB_ERR_SMPP_WINDOW_TIMEOUT`, throttled) — all retryable.
 *
 * ESME_RSUBMITFAIL is "generic submit failure": some SMSCs use it for transient trouble, but most for a
 * refusal they will repeat (barred destination, no route). It is permanent here; a route with fallbacks
 * gives the message another connector, and an unknown vendor code (0x400–0x4FF) stays temporary, bounded
 * by the connector's `retries.temporary.attempts`.
 */
import { Errors, type HubError } from '@hub/errors';
import { SmppStatus, statusName } from '@hub/smpp';

/** Recovery class of an upstream command_status (see the table above). 0 is not an error: `ok`. */
export type StatusClass = 'ok' | 'throttled' | 'temporary' | 'permanent';

const THROTTLED = new Set<number>([SmppStatus.ESME_RTHROTTLED, SmppStatus.ESME_RMSGQFUL]);

const PERMANENT = new Set<number>([
  SmppStatus.ESME_RINVMSGLEN,
  SmppStatus.ESME_RINVCMDLEN,
  SmppStatus.ESME_RINVCMDID,
  SmppStatus.ESME_RINVPRTFLG,
  SmppStatus.ESME_RINVREGDLVFLG,
  SmppStatus.ESME_RINVSRCADR,
  SmppStatus.ESME_RINVDSTADR,
  SmppStatus.ESME_RINVSERTYP,
  SmppStatus.ESME_RINVESMCLASS,
  SmppStatus.ESME_RSUBMITFAIL,
  SmppStatus.ESME_RINVSRCTON,
  SmppStatus.ESME_RINVSRCNPI,
  SmppStatus.ESME_RINVDSTTON,
  SmppStatus.ESME_RINVDSTNPI,
  SmppStatus.ESME_RINVSYSTYP,
  SmppStatus.ESME_RINVSCHED,
  SmppStatus.ESME_RINVEXPIRY,
  SmppStatus.ESME_RX_P_APPN,
  SmppStatus.ESME_RX_R_APPN,
  SmppStatus.ESME_RINVTLVSTREAM,
  SmppStatus.ESME_RTLVNOTALLWD,
  SmppStatus.ESME_RINVTLVLEN,
  SmppStatus.ESME_RMISSINGTLV,
  SmppStatus.ESME_RINVTLVVAL,
  SmppStatus.ESME_RSERTYPUNAUTH,
  SmppStatus.ESME_RPROHIBITED,
  SmppStatus.ESME_RSERTYPUNAVAIL,
  SmppStatus.ESME_RSERTYPDENIED,
  SmppStatus.ESME_RINVDCS,
  SmppStatus.ESME_RINVSRCADDRSUBUNIT,
  SmppStatus.ESME_RINVDSTADDRSUBUNIT,
]);

/** Classifies a submit_sm_resp / generic_nack command_status. */
export function classifyStatus(status: number): StatusClass {
  if (status === 0) return 'ok';
  if (THROTTLED.has(status)) return 'throttled';
  if (PERMANENT.has(status)) return 'permanent';
  return 'temporary';
}

/** The HubError for a non-zero command_status; `details` carry the status and its name. */
export function statusError(
  connector: string,
  status: number,
  extra: Record<string, unknown> = {},
): HubError {
  const name = statusName(status);
  const details = { upstreamStatus: status, upstreamStatusName: name, ...extra };
  switch (classifyStatus(status)) {
    case 'throttled':
      return new Errors.HUB_ERR_CONNECTOR_THROTTLED(connector, name, { details });
    case 'permanent':
      return new Errors.HUB_ERR_CONNECTOR_REJECTED(connector, name, { details });
    default:
      return new Errors.HUB_ERR_CONNECTOR_TEMPORARY(connector, name, { details });
  }
}
