/**
 * A recording TCP proxy between a foreign SMPP peer and Hub's listener, and a minimal SMPP frame/body reader
 * written from the spec (deliberately not Hub's codec or node-smpp, so a shared mistake cannot hide).
 */
import { EventEmitter, once } from 'node:events';
import net from 'node:net';
import { within } from './process.js';

/** Command names by command_id (SMPP 3.4 §5.1.2.1 and 5.0 additions), for readable assertions. */
const COMMANDS = new Map<number, string>([
  [0x80000000, 'generic_nack'],
  [0x00000001, 'bind_receiver'],
  [0x80000001, 'bind_receiver_resp'],
  [0x00000002, 'bind_transmitter'],
  [0x80000002, 'bind_transmitter_resp'],
  [0x00000003, 'query_sm'],
  [0x80000003, 'query_sm_resp'],
  [0x00000004, 'submit_sm'],
  [0x80000004, 'submit_sm_resp'],
  [0x00000005, 'deliver_sm'],
  [0x80000005, 'deliver_sm_resp'],
  [0x00000006, 'unbind'],
  [0x80000006, 'unbind_resp'],
  [0x00000007, 'replace_sm'],
  [0x80000007, 'replace_sm_resp'],
  [0x00000008, 'cancel_sm'],
  [0x80000008, 'cancel_sm_resp'],
  [0x00000009, 'bind_transceiver'],
  [0x80000009, 'bind_transceiver_resp'],
  [0x0000000b, 'outbind'],
  [0x00000015, 'enquire_link'],
  [0x80000015, 'enquire_link_resp'],
  [0x00000021, 'submit_multi'],
  [0x80000021, 'submit_multi_resp'],
  [0x00000102, 'alert_notification'],
  [0x00000103, 'data_sm'],
  [0x80000103, 'data_sm_resp'],
]);

/** One PDU seen on the wire. `dir` is `in` for peer → Hub, `out` for Hub → peer. */
export interface Frame {
  readonly conn: number;
  readonly dir: 'in' | 'out';
  readonly command: string;
  readonly id: number;
  readonly status: number;
  readonly sequence: number;
  readonly raw: Buffer;
}

/** Splits a byte stream into SMPP PDUs by command_length. */
class Framer {
  #buf = Buffer.alloc(0);
  push(chunk: Buffer): Buffer[] {
    this.#buf = Buffer.concat([this.#buf, chunk]);
    const out: Buffer[] = [];
    while (this.#buf.length >= 4) {
      const len = this.#buf.readUInt32BE(0);
      if (len < 16 || this.#buf.length < len) break;
      out.push(Buffer.from(this.#buf.subarray(0, len)));
      this.#buf = this.#buf.subarray(len);
    }
    return out;
  }
}

/**
 * A TCP proxy on 127.0.0.1 that forwards every byte unchanged to Hub's listener and records each PDU in
 * both directions, per connection, in arrival order.
 */
export class WireTap extends EventEmitter<{ frame: [Frame] }> {
  /** Every PDU seen so far, both directions, in arrival order. */
  readonly frames: Frame[] = [];
  #server: net.Server;
  #sockets = new Set<net.Socket>();
  #conns = 0;
  /** The proxy's own port: point the peer here instead of at Hub. */
  port = 0;

  private constructor(targetPort: number) {
    super();
    this.#server = net.createServer((client) => {
      const conn = ++this.#conns;
      const upstream = net.connect({ host: '127.0.0.1', port: targetPort });
      for (const s of [client, upstream]) {
        this.#sockets.add(s);
        s.setNoDelay(true);
        s.on('error', () => {});
        s.on('close', () => this.#sockets.delete(s));
      }
      const tap = (from: net.Socket, to: net.Socket, dir: 'in' | 'out'): void => {
        const framer = new Framer();
        from.on('data', (chunk: Buffer) => {
          for (const raw of framer.push(chunk)) this.#record(conn, dir, raw);
          to.write(chunk);
        });
        from.on('end', () => to.end());
        from.on('close', () => to.destroy());
      };
      tap(client, upstream, 'in');
      tap(upstream, client, 'out');
    });
  }

  /** Starts a proxy on 127.0.0.1 in front of `targetPort`; rejects when it cannot listen within 2 s. */
  static async start(targetPort: number): Promise<WireTap> {
    const tap = new WireTap(targetPort);
    tap.#server.listen(0, '127.0.0.1');
    await within(once(tap.#server, 'listening'), 2000, 'wiretap listen');
    tap.port = (tap.#server.address() as net.AddressInfo).port;
    return tap;
  }

  #record(conn: number, dir: 'in' | 'out', raw: Buffer): void {
    const id = raw.readUInt32BE(4);
    const frame: Frame = {
      conn,
      dir,
      command: COMMANDS.get(id) ?? `0x${id.toString(16).padStart(8, '0')}`,
      id,
      status: raw.readUInt32BE(8),
      sequence: raw.readUInt32BE(12),
      raw,
    };
    this.frames.push(frame);
    this.emit('frame', frame);
  }

  /** First recorded frame (past or future) matching `pred`, within `ms`. */
  waitFor(pred: (f: Frame) => boolean, ms: number, what: string): Promise<Frame> {
    const seen = this.frames.find(pred);
    if (seen) return Promise.resolve(seen);
    let listener: ((f: Frame) => void) | undefined;
    const p = new Promise<Frame>((resolve) => {
      listener = (f: Frame): void => {
        if (pred(f)) resolve(f);
      };
      this.on('frame', listener);
    });
    return within(p, ms, what).finally(() => {
      if (listener) this.off('frame', listener);
    });
  }

  /** `dir:command` of every frame of connection `conn`, in order. */
  transcript(conn: number): string[] {
    return this.frames.filter((f) => f.conn === conn).map((f) => `${f.dir}:${f.command}`);
  }

  /** Drops every proxied connection and stops listening. */
  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

/** submit_sm / deliver_sm body (SMPP 3.4 §4.4.1 / §4.6.1), parsed independently of Hub's code. */
export interface SmBody {
  readonly serviceType: string;
  readonly sourceTon: number;
  readonly sourceNpi: number;
  readonly sourceAddr: string;
  readonly destTon: number;
  readonly destNpi: number;
  readonly destAddr: string;
  readonly esmClass: number;
  readonly protocolId: number;
  readonly priority: number;
  readonly scheduleDeliveryTime: string;
  readonly validityPeriod: string;
  readonly registeredDelivery: number;
  readonly replaceIfPresent: number;
  readonly dataCoding: number;
  readonly smDefaultMsgId: number;
  readonly shortMessage: Buffer;
  /** TLVs by tag, raw values, in wire order. */
  readonly tlvs: Array<[number, Buffer]>;
}

/** Parses a submit_sm or deliver_sm PDU (header included). Throws on a truncated body. */
export function parseSm(raw: Buffer): SmBody {
  let off = 16;
  const need = (n: number): void => {
    if (off + n > raw.length) throw new Error(`truncated PDU at ${off}`);
  };
  const cstr = (): string => {
    const end = raw.indexOf(0, off);
    if (end < 0) throw new Error(`unterminated C-string at ${off}`);
    const s = raw.toString('latin1', off, end);
    off = end + 1;
    return s;
  };
  const u8 = (): number => {
    need(1);
    return raw[off++] as number;
  };
  const serviceType = cstr();
  const sourceTon = u8();
  const sourceNpi = u8();
  const sourceAddr = cstr();
  const destTon = u8();
  const destNpi = u8();
  const destAddr = cstr();
  const esmClass = u8();
  const protocolId = u8();
  const priority = u8();
  const scheduleDeliveryTime = cstr();
  const validityPeriod = cstr();
  const registeredDelivery = u8();
  const replaceIfPresent = u8();
  const dataCoding = u8();
  const smDefaultMsgId = u8();
  const smLength = u8();
  need(smLength);
  const shortMessage = Buffer.from(raw.subarray(off, off + smLength));
  off += smLength;
  return {
    serviceType,
    sourceTon,
    sourceNpi,
    sourceAddr,
    destTon,
    destNpi,
    destAddr,
    esmClass,
    protocolId,
    priority,
    scheduleDeliveryTime,
    validityPeriod,
    registeredDelivery,
    replaceIfPresent,
    dataCoding,
    smDefaultMsgId,
    shortMessage,
    tlvs: parseTlvs(raw, off),
  };
}

/** TLVs from `off` to the end of `raw`. Throws on a broken TLV stream. */
export function parseTlvs(raw: Buffer, off: number): Array<[number, Buffer]> {
  const out: Array<[number, Buffer]> = [];
  while (off < raw.length) {
    if (off + 4 > raw.length) throw new Error(`broken TLV header at ${off}`);
    const tag = raw.readUInt16BE(off);
    const len = raw.readUInt16BE(off + 2);
    if (off + 4 + len > raw.length) throw new Error(`TLV 0x${tag.toString(16)} overruns the PDU`);
    out.push([tag, Buffer.from(raw.subarray(off + 4, off + 4 + len))]);
    off += 4 + len;
  }
  return out;
}
