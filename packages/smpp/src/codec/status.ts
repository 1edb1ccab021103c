/**
 * SMPP command_status values (3.4 §5.1.3 and 5.0 §4.7.6) and command_id values, as named constants.
 * Values match node-smpp `lib/defs.js` and Cloudhopper `SmppConstants` (checked in status.test.ts).
 */

/** command_status constants. Codes from 0x100 up are SMPP 5.0 only. */
export const SmppStatus = {
  ESME_ROK: 0x00,
  ESME_RINVMSGLEN: 0x01,
  ESME_RINVCMDLEN: 0x02,
  ESME_RINVCMDID: 0x03,
  ESME_RINVBNDSTS: 0x04,
  ESME_RALYBND: 0x05,
  ESME_RINVPRTFLG: 0x06,
  ESME_RINVREGDLVFLG: 0x07,
  ESME_RSYSERR: 0x08,
  ESME_RINVSRCADR: 0x0a,
  ESME_RINVDSTADR: 0x0b,
  ESME_RINVMSGID: 0x0c,
  ESME_RBINDFAIL: 0x0d,
  ESME_RINVPASWD: 0x0e,
  ESME_RINVSYSID: 0x0f,
  ESME_RCANCELFAIL: 0x11,
  ESME_RREPLACEFAIL: 0x13,
  ESME_RMSGQFUL: 0x14,
  ESME_RINVSERTYP: 0x15,
  ESME_RINVNUMDESTS: 0x33,
  ESME_RINVDLNAME: 0x34,
  ESME_RINVDESTFLAG: 0x40,
  ESME_RINVSUBREP: 0x42,
  ESME_RINVESMCLASS: 0x43,
  ESME_RCNTSUBDL: 0x44,
  ESME_RSUBMITFAIL: 0x45,
  ESME_RINVSRCTON: 0x48,
  ESME_RINVSRCNPI: 0x49,
  ESME_RINVDSTTON: 0x50,
  ESME_RINVDSTNPI: 0x51,
  ESME_RINVSYSTYP: 0x53,
  ESME_RINVREPFLAG: 0x54,
  ESME_RINVNUMMSGS: 0x55,
  ESME_RTHROTTLED: 0x58,
  ESME_RINVSCHED: 0x61,
  ESME_RINVEXPIRY: 0x62,
  ESME_RINVDFTMSGID: 0x63,
  ESME_RX_T_APPN: 0x64,
  ESME_RX_P_APPN: 0x65,
  ESME_RX_R_APPN: 0x66,
  ESME_RQUERYFAIL: 0x67,
  ESME_RINVTLVSTREAM: 0xc0,
  ESME_RTLVNOTALLWD: 0xc1,
  ESME_RINVTLVLEN: 0xc2,
  ESME_RMISSINGTLV: 0xc3,
  ESME_RINVTLVVAL: 0xc4,
  ESME_RDELIVERYFAILURE: 0xfe,
  ESME_RUNKNOWNERR: 0xff,
  ESME_RSERTYPUNAUTH: 0x100,
  ESME_RPROHIBITED: 0x101,
  ESME_RSERTYPUNAVAIL: 0x102,
  ESME_RSERTYPDENIED: 0x103,
  ESME_RINVDCS: 0x104,
  ESME_RINVSRCADDRSUBUNIT: 0x105,
  ESME_RINVDSTADDRSUBUNIT: 0x106,
  ESME_RINVBCASTFREQINT: 0x107,
  ESME_RINVBCASTALIAS_NAME: 0x108,
  ESME_RINVBCASTAREAFMT: 0x109,
  ESME_RINVNUMBCAST_AREAS: 0x10a,
  ESME_RINVBCASTCNTTYPE: 0x10b,
  ESME_RINVBCASTMSGCLASS: 0x10c,
  ESME_RBCASTFAIL: 0x10d,
  ESME_RBCASTQUERYFAIL: 0x10e,
  ESME_RBCASTCANCELFAIL: 0x10f,
  ESME_RINVBCAST_REP: 0x110,
  ESME_RINVBCASTSRVGRP: 0x111,
  ESME_RINVBCASTCHANIND: 0x112,
} as const;

/** A command_status constant name. */
export type SmppStatusName = keyof typeof SmppStatus;

/** command_id constants; a response id is the request id with bit 31 set. */
export const CommandId = {
  generic_nack: 0x80000000,
  bind_receiver: 0x00000001,
  bind_receiver_resp: 0x80000001,
  bind_transmitter: 0x00000002,
  bind_transmitter_resp: 0x80000002,
  query_sm: 0x00000003,
  query_sm_resp: 0x80000003,
  submit_sm: 0x00000004,
  submit_sm_resp: 0x80000004,
  deliver_sm: 0x00000005,
  deliver_sm_resp: 0x80000005,
  unbind: 0x00000006,
  unbind_resp: 0x80000006,
  replace_sm: 0x00000007,
  replace_sm_resp: 0x80000007,
  cancel_sm: 0x00000008,
  cancel_sm_resp: 0x80000008,
  bind_transceiver: 0x00000009,
  bind_transceiver_resp: 0x80000009,
  outbind: 0x0000000b,
  enquire_link: 0x00000015,
  enquire_link_resp: 0x80000015,
  submit_multi: 0x00000021,
  submit_multi_resp: 0x80000021,
  alert_notification: 0x00000102,
  data_sm: 0x00000103,
  data_sm_resp: 0x80000103,
  broadcast_sm: 0x00000111,
  broadcast_sm_resp: 0x80000111,
  query_broadcast_sm: 0x00000112,
  query_broadcast_sm_resp: 0x80000112,
  cancel_broadcast_sm: 0x00000113,
  cancel_broadcast_sm_resp: 0x80000113,
} as const;

/** A command name as node-smpp spells it (`submit_sm`, `deliver_sm_resp`, ...). */
export type CommandName = keyof typeof CommandId;

const statusNames = new Map<number, SmppStatusName>();
for (const [name, code] of Object.entries(SmppStatus)) statusNames.set(code, name as SmppStatusName);
const commandNames = new Map<number, CommandName>();
for (const [name, id] of Object.entries(CommandId)) commandNames.set(id, name as CommandName);

/**
 * Name of a command_status, e.g. `statusName(0x58) === 'ESME_RTHROTTLED'`. Unknown codes (reserved or
 * vendor range 0x400–0x4FF) give `'UNKNOWN_0x<hex>'`; never throws, safe for logs.
 */
export function statusName(code: number): string {
  return statusNames.get(code) ?? `UNKNOWN_0x${(code >>> 0).toString(16).padStart(8, '0')}`;
}

/** Name of a command_id, or `undefined` for an unknown id (answer those with generic_nack ESME_RINVCMDID). */
export function commandName(id: number): CommandName | undefined {
  return commandNames.get(id >>> 0);
}

/** True when `id` is a response command_id (bit 31 set, generic_nack included). */
export function isResponseId(id: number): boolean {
  return (id & 0x80000000) !== 0;
}

/** The response command_id for a request id (`submit_sm` 0x04 → 0x80000004). */
export function responseIdFor(requestId: number): number {
  return (requestId | 0x80000000) >>> 0;
}

/** True for codes defined only by SMPP 5.0 (0x100–0x112), which a 3.4 peer does not know. */
export function isV5OnlyStatus(code: number): boolean {
  return code >= 0x100 && code <= 0x112;
}

/**
 * The status to actually send to a peer of `interfaceVersion` (bind's interface_version: 0x50 = 5.0,
 * 0x34 = 3.4, lower = 3.3). A 5.0-only code sent to an older peer becomes `fallback`, by default
 * ESME_RSUBMITFAIL (0x45): a permanent-looking refusal, unlike ESME_RSYSERR which clients tend to retry.
 */
export function downgradeStatus(
  code: number,
  interfaceVersion: number,
  fallback: number = SmppStatus.ESME_RSUBMITFAIL,
): number {
  return interfaceVersion < 0x50 && isV5OnlyStatus(code) ? fallback : code;
}
