import { connect, type Socket } from 'node:net';

/**
 * A minimal SMPP transceiver for the latency benchmark: submit_sm frames written straight into one
 * Buffer, responses matched by sequence number from the 16-octet header alone, deliver_sm / data_sm /
 * enquire_link answered, nothing decoded or recorded. The testkit's `EsmeClient` (node-smpp PDU objects,
 * a promise and a record per submit) cost ~50 µs of CPU per message and its own garbage collection,
 * which showed up as ~3 ms in every system's p99, the reference's included. Bench use only: no TLS, no
 * window (the open loop never waits), no timeouts beyond the caller's.
 */

/** command_id values the bench clients use (RESP is the response bit). */
export const BIND_TRANSCEIVER = 0x00000009;
export const SUBMIT_SM = 0x00000004;
export const DELIVER_SM = 0x00000005;
export const UNBIND = 0x00000006;
export const ENQUIRE_LINK = 0x00000015;
export const DATA_SM = 0x00000103;
export const RESP = 0x80000000;

/** Called with the submit_sm_resp command_status, or -1 when the connection closed first. */
export type SubmitDone = (status: number) => void;

/** One SMPP frame: the header and an optional body (enquire_link_resp, unbind, bind_transceiver, ...). */
export function frame(commandId: number, seq: number, body?: Buffer, status = 0): Buffer {
  const out = Buffer.allocUnsafe(16 + (body?.length ?? 0));
  out.writeUInt32BE(out.length, 0);
  out.writeUInt32BE(commandId >>> 0, 4);
  out.writeUInt32BE(status, 8);
  out.writeUInt32BE(seq, 12);
  body?.copy(out, 16);
  return out;
}

/** NUL-terminated Latin-1 strings, one after the other (SMPP C-Octet Strings). */
export function cstrings(...parts: string[]): Buffer {
  return Buffer.from(`${parts.join('\0')}\0`, 'latin1');
}

export class LeanEsme {
  /** deliver_sm and data_sm received (receipts in the latency bench). */
  receipts = 0;
  readonly #socket: Socket;
  readonly #pending = new Map<number, SubmitDone>();
  #seq = 1;
  #rest: Buffer | undefined;
  #corked = false;
  #bound: ((status: number) => void) | undefined;
  #unbound: (() => void) | undefined;
  #closed = false;

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => this.#onData(d));
    socket.on('error', () => {});
    socket.on('close', () => {
      this.#closed = true;
      for (const done of this.#pending.values()) done(-1);
      this.#pending.clear();
      this.#bound?.(-1);
      this.#unbound?.();
    });
  }

  /** Connects and binds as a transceiver; rejects on a bind error, a close or after 10 s. */
  static async connect(o: {
    port: number;
    host?: string;
    systemId: string;
    password: string;
  }): Promise<LeanEsme> {
    const socket = connect(o.port, o.host ?? '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const c = new LeanEsme(socket);
    const status = await new Promise<number>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('bind: no response in 10 s')), 10_000);
      c.#bound = (s) => {
        clearTimeout(t);
        resolve(s);
      };
      // system_id, password, system_type, interface_version 0x34, addr_ton, addr_npi, address_range.
      const body = Buffer.concat([cstrings(o.systemId, o.password, ''), Buffer.from([0x34, 0, 0, 0])]);
      c.#write(frame(BIND_TRANSCEIVER, c.#seq++, body));
    });
    c.#bound = undefined;
    if (status !== 0) {
      socket.destroy();
      throw new Error(`bind_transceiver refused: status 0x${status.toString(16)}`);
    }
    return c;
  }

  /**
   * Sends one submit_sm (ton/npi 1/1 both ways, data_coding 0, `text` in the GSM/ASCII common range) and
   * calls `done` with the response status.
   */
  submit(to: string, from: string, text: string, registeredDelivery: number, done: SubmitDone): void {
    if (this.#closed) {
      // Never synchronously: a closed loop calling submit again from `done` would recurse.
      queueMicrotask(() => done(-1));
      return;
    }
    const seq = this.#seq++;
    const len = 16 + 1 + 2 + from.length + 1 + 2 + to.length + 1 + 3 + 1 + 1 + 4 + 1 + text.length;
    const b = Buffer.allocUnsafe(len);
    b.writeUInt32BE(len, 0);
    b.writeUInt32BE(SUBMIT_SM, 4);
    b.writeUInt32BE(0, 8);
    b.writeUInt32BE(seq, 12);
    let o = 16;
    b[o++] = 0; // service_type
    b[o++] = 1; // source_addr_ton
    b[o++] = 1; // source_addr_npi
    o += b.write(from, o, 'latin1');
    b[o++] = 0;
    b[o++] = 1; // dest_addr_ton
    b[o++] = 1; // dest_addr_npi
    o += b.write(to, o, 'latin1');
    b[o++] = 0;
    b[o++] = 0; // esm_class
    b[o++] = 0; // protocol_id
    b[o++] = 0; // priority_flag
    b[o++] = 0; // schedule_delivery_time
    b[o++] = 0; // validity_period
    b[o++] = registeredDelivery;
    b[o++] = 0; // replace_if_present_flag
    b[o++] = 0; // data_coding
    b[o++] = 0; // sm_default_msg_id
    b[o++] = text.length;
    b.write(text, o, 'latin1');
    this.#pending.set(seq, done);
    this.#write(b);
  }

  /** Unbinds (up to 2 s for unbind_resp) and closes. */
  async close(): Promise<void> {
    if (this.#closed) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, 2_000);
      this.#unbound = () => {
        clearTimeout(t);
        resolve();
      };
      this.#write(frame(UNBIND, this.#seq++));
    });
    this.#socket.destroy();
  }

  /** One writev per tick for everything written in it (as Hub's own sessions do). */
  #write(b: Buffer): void {
    if (!this.#corked) {
      this.#corked = true;
      this.#socket.cork();
      process.nextTick(() => {
        this.#corked = false;
        this.#socket.uncork();
      });
    }
    this.#socket.write(b);
  }

  #onData(d: Buffer): void {
    let buf = this.#rest === undefined ? d : Buffer.concat([this.#rest, d]);
    this.#rest = undefined;
    let off = 0;
    while (buf.length - off >= 16) {
      const len = buf.readUInt32BE(off);
      if (len < 16) {
        this.#socket.destroy();
        return;
      }
      if (buf.length - off < len) break;
      this.#onPdu(buf, off);
      off += len;
    }
    if (off < buf.length) {
      buf = buf.subarray(off);
      // A copy, so the partial frame does not pin the whole read buffer.
      this.#rest = Buffer.from(buf);
    }
  }

  #onPdu(buf: Buffer, off: number): void {
    const id = buf.readUInt32BE(off + 4);
    const status = buf.readUInt32BE(off + 8);
    const seq = buf.readUInt32BE(off + 12);
    switch (id) {
      case (SUBMIT_SM | RESP) >>> 0:
      case RESP >>> 0: {
        // submit_sm_resp, or generic_nack for a submit.
        const done = this.#pending.get(seq);
        if (done !== undefined) {
          this.#pending.delete(seq);
          done(status);
        }
        break;
      }
      case (BIND_TRANSCEIVER | RESP) >>> 0:
        this.#bound?.(status);
        break;
      case DELIVER_SM:
      case DATA_SM:
        this.receipts++;
        // message_id: empty C-string (deliver_sm_resp; data_sm_resp the same mandatory field).
        this.#write(frame((id | RESP) >>> 0, seq, Buffer.from([0])));
        break;
      case ENQUIRE_LINK:
        this.#write(frame((ENQUIRE_LINK | RESP) >>> 0, seq));
        break;
      case UNBIND:
        this.#write(frame((UNBIND | RESP) >>> 0, seq));
        break;
      case (UNBIND | RESP) >>> 0:
        this.#unbound?.();
        break;
      default:
        // Any other request: generic_nack, ESME_RINVCMDID (responses we did not ask for are ignored).
        if ((id & RESP) === 0) this.#write(frame(RESP, seq, undefined, 0x03));
    }
  }
}
