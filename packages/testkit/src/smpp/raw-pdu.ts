/**
 * Byte-exact reading of the message-carrying PDUs (submit_sm, deliver_sm, data_sm) from a raw frame, so the
 * simulators can record exactly what crossed the wire. node-smpp's decoded PDU is kept beside it, but its
 * short_message is already charset-decoded (dc 0 through GSM, dc 8 through UTF-16) and cannot be trusted
 * for byte comparisons.
 */

/** message_payload TLV tag. */
export const TLV_MESSAGE_PAYLOAD = 0x0424;

/** Mandatory fields and TLVs of a submit_sm / deliver_sm / data_sm, read from the raw frame. */
export interface RawMessageFields {
  readonly serviceType: string;
  readonly sourceAddrTon: number;
  readonly sourceAddrNpi: number;
  readonly sourceAddr: string;
  readonly destAddrTon: number;
  readonly destAddrNpi: number;
  readonly destinationAddr: string;
  readonly esmClass: number;
  /** 0 for data_sm, which has no such field (likewise priorityFlag, the time strings, replaceIfPresentFlag, smDefaultMsgId). */
  readonly protocolId: number;
  readonly priorityFlag: number;
  /** As sent (16-character SMPP time or empty); node-smpp would turn it into a Date. */
  readonly scheduleDeliveryTime: string;
  readonly validityPeriod: string;
  readonly registeredDelivery: number;
  readonly replaceIfPresentFlag: number;
  readonly dataCoding: number;
  readonly smDefaultMsgId: number;
  /** short_message octets exactly as sent, UDH included (empty for data_sm). A view into the frame. */
  readonly shortMessage: Buffer;
  /** The UDH (length octet included) when esm_class has UDHI (0x40), from short_message or else message_payload. */
  readonly udh: Buffer | undefined;
  /** The message body: message_payload when present, else short_message, minus the UDH. */
  readonly body: Buffer;
  /** message_payload TLV value when present. */
  readonly messagePayload: Buffer | undefined;
  /** Every TLV by tag, value bytes as sent (a later duplicate tag wins). */
  readonly tlvs: ReadonlyMap<number, Buffer>;
}

class Reader {
  off = 16;
  constructor(
    readonly buf: Buffer,
    readonly end: number,
  ) {}
  u8(): number {
    return this.off < this.end ? (this.buf[this.off++] as number) : 0;
  }
  cstr(): string {
    const start = this.off;
    let i = start;
    while (i < this.end && this.buf[i] !== 0) i++;
    this.off = Math.min(i + 1, this.end);
    return this.buf.toString('latin1', start, i);
  }
}

/**
 * Reads the fields of a submit_sm / deliver_sm (same layout) or data_sm frame. Lenient like a test tool
 * should be: a truncated frame yields empty/zero fields rather than an exception; TLVs that overrun the
 * frame are cut at its end. `frame` is a whole PDU, header included.
 */
export function readMessagePdu(
  frame: Buffer,
  command: 'submit_sm' | 'deliver_sm' | 'data_sm',
): RawMessageFields {
  const end = Math.min(frame.length, frame.length >= 4 ? frame.readUInt32BE(0) : 0);
  const r = new Reader(frame, end);
  const serviceType = r.cstr();
  const sourceAddrTon = r.u8();
  const sourceAddrNpi = r.u8();
  const sourceAddr = r.cstr();
  const destAddrTon = r.u8();
  const destAddrNpi = r.u8();
  const destinationAddr = r.cstr();
  const esmClass = r.u8();
  let protocolId = 0;
  let priorityFlag = 0;
  let scheduleDeliveryTime = '';
  let validityPeriod = '';
  let replaceIfPresentFlag = 0;
  let smDefaultMsgId = 0;
  let registeredDelivery: number;
  let dataCoding: number;
  let shortMessage: Buffer;
  if (command === 'data_sm') {
    registeredDelivery = r.u8();
    dataCoding = r.u8();
    shortMessage = frame.subarray(r.off, r.off);
  } else {
    protocolId = r.u8();
    priorityFlag = r.u8();
    scheduleDeliveryTime = r.cstr();
    validityPeriod = r.cstr();
    registeredDelivery = r.u8();
    replaceIfPresentFlag = r.u8();
    dataCoding = r.u8();
    smDefaultMsgId = r.u8();
    const smLength = r.u8();
    const smEnd = Math.min(r.off + smLength, end);
    shortMessage = frame.subarray(r.off, smEnd);
    r.off = smEnd;
  }
  const tlvs = new Map<number, Buffer>();
  let off = r.off;
  while (off + 4 <= end) {
    const tag = frame.readUInt16BE(off);
    const len = frame.readUInt16BE(off + 2);
    const vEnd = Math.min(off + 4 + len, end);
    tlvs.set(tag, frame.subarray(off + 4, vEnd));
    off = vEnd;
  }
  const messagePayload = tlvs.get(TLV_MESSAGE_PAYLOAD);
  const carrier = messagePayload !== undefined && shortMessage.length === 0 ? messagePayload : shortMessage;
  let udh: Buffer | undefined;
  let body = carrier;
  if ((esmClass & 0x40) !== 0 && carrier.length > 0) {
    const udhEnd = Math.min((carrier[0] as number) + 1, carrier.length);
    udh = carrier.subarray(0, udhEnd);
    body = carrier.subarray(udhEnd);
  }
  if (messagePayload !== undefined && carrier !== messagePayload) body = messagePayload;
  return {
    serviceType,
    sourceAddrTon,
    sourceAddrNpi,
    sourceAddr,
    destAddrTon,
    destAddrNpi,
    destinationAddr,
    esmClass,
    protocolId,
    priorityFlag,
    scheduleDeliveryTime,
    validityPeriod,
    registeredDelivery,
    replaceIfPresentFlag,
    dataCoding,
    smDefaultMsgId,
    shortMessage,
    udh,
    body,
    messagePayload,
    tlvs,
  };
}
