/**
 * A pure check of the 16-octet SMPP PDU header at the front of a stream buffer, so the session layer can
 * detect framing errors before handing bytes to node-smpp (which wedges on them, see notes §10 #5).
 */
import { commandName } from './status.js';

/** Smallest PDU: the header alone. */
export const SMPP_HEADER_LENGTH = 16;

/** Default largest accepted command_length: room for a 64K message_payload plus the other fields. */
export const DEFAULT_MAX_PDU_LENGTH = 70_000;

/** The header fields, available once 16 octets are buffered. */
export interface SmppHeader {
  readonly commandLength: number;
  readonly commandId: number;
  readonly commandStatus: number;
  readonly sequenceNumber: number;
}

/** Verdict of {@link inspectHeader}. */
export type HeaderVerdict =
  | { readonly verdict: 'need-more'; readonly have: number }
  | { readonly verdict: 'invalid-length'; readonly commandLength: number; readonly maxLength: number }
  | (SmppHeader & {
      readonly verdict: 'ok';
      /** The whole PDU (`commandLength` octets) is in the buffer. */
      readonly complete: boolean;
      /** command_id is one Hub knows; otherwise answer generic_nack ESME_RINVCMDID. */
      readonly knownCommand: boolean;
    });

/**
 * Inspects the header at `offset` of `buf`. `need-more`: fewer than 16 octets (and, when 4 are present,
 * the length is plausible). `invalid-length`: command_length < 16 or > `maxLength` (default 70,000): send
 * generic_nack ESME_RINVCMDLEN (0x02) and close, since the stream cannot be resynchronised. `ok`: header
 * fields, plus whether the body is complete. Never throws and never copies.
 */
export function inspectHeader(
  buf: Uint8Array,
  offset = 0,
  maxLength = DEFAULT_MAX_PDU_LENGTH,
): HeaderVerdict {
  const have = buf.length - offset;
  if (have < 4) return { verdict: 'need-more', have: Math.max(0, have) };
  const view = new DataView(buf.buffer, buf.byteOffset + offset, have);
  const commandLength = view.getUint32(0);
  if (commandLength < SMPP_HEADER_LENGTH || commandLength > maxLength) {
    return { verdict: 'invalid-length', commandLength, maxLength };
  }
  if (have < SMPP_HEADER_LENGTH) return { verdict: 'need-more', have };
  const commandId = view.getUint32(4);
  return {
    verdict: 'ok',
    commandLength,
    commandId,
    commandStatus: view.getUint32(8),
    sequenceNumber: view.getUint32(12),
    complete: have >= commandLength,
    knownCommand: commandName(commandId) !== undefined,
  };
}
