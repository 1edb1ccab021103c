/**
 * Status and version constants the session layer answers with. command_status values come from the
 * codec's table (`SmppStatus`), re-exported here under a short local name.
 */
export { downgradeStatus, SmppStatus as Status } from '../codec/status.js';

/** SMPP interface_version values. Anything below 0x34 is treated as 3.3 (no TLVs at all). */
export const InterfaceVersion = {
  V33: 0x33,
  V34: 0x34,
  V50: 0x50,
} as const;
