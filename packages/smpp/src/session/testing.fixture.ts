/** Test helpers for session tests: a raw SMPP peer over a plain socket. Not part of the build. */
import { once } from 'node:events';
import net from 'node:net';
import { within } from '@hub/interop-kit';
import { encodePdu, smpp } from './node-smpp.js';

/** One PDU read off the wire, header decoded, body raw. */
export interface WirePdu {
  readonly length: number;
  readonly id: number;
  readonly command: string;
  readonly status: number;
  readonly sequence: number;
  readonly raw: Buffer;
}

// `within` bounds every wait in the tests; re-exported for the session tests that import it from here.
export { within };

/** A bare TCP peer speaking SMPP bytes: for malformed input and exact-bytes assertions. */
export class RawPeer {
  readonly socket: net.Socket;
  readonly closed: Promise<void>;
  #buf = Buffer.alloc(0);
  readonly #queue: WirePdu[] = [];
  #wake: (() => void) | undefined;
  #seq = 0;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => {});
    socket.on('close', () => this.#wake?.());
    socket.on('data', (chunk: Buffer) => {
      this.#buf = Buffer.concat([this.#buf, chunk]);
      while (this.#buf.length >= 16) {
        const length = this.#buf.readUInt32BE(0);
        if (this.#buf.length < length) break;
        const raw = this.#buf.subarray(0, length);
        this.#buf = this.#buf.subarray(length);
        const id = raw.readUInt32BE(4);
        this.#queue.push({
          length,
          id,
          command: smpp.commandsById[id]?.command ?? 'unknown',
          status: raw.readUInt32BE(8),
          sequence: raw.readUInt32BE(12),
          raw: Buffer.from(raw),
        });
      }
      this.#wake?.();
    });
  }

  static async connect(port: number): Promise<RawPeer> {
    const socket = net.connect({ port, host: '127.0.0.1' });
    await within(once(socket, 'connect'), 2000, 'connect');
    return new RawPeer(socket);
  }

  /** Writes raw bytes. */
  write(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** Sends a request with the next sequence number (or `sequence`); returns the sequence used. */
  send(command: string, fields: Record<string, unknown> = {}, sequence?: number): number {
    const seq = sequence ?? ++this.#seq;
    this.socket.write(encodePdu({ command, sequence: seq, fields, tlvsAllowed: true }));
    return seq;
  }

  /** Answers a received request. */
  reply(req: WirePdu, status = 0, fields: Record<string, unknown> = {}): void {
    this.socket.write(
      encodePdu({
        command: `${req.command}_resp`,
        sequence: req.sequence,
        status,
        fields,
        tlvsAllowed: true,
      }),
    );
  }

  /** Next PDU received, within `ms`. */
  async next(ms = 2000): Promise<WirePdu> {
    const deadline = Date.now() + ms;
    while (this.#queue.length === 0) {
      const left = deadline - Date.now();
      if (left <= 0 || this.socket.destroyed) throw new Error('no PDU received');
      await within(
        new Promise<void>((resolve) => {
          this.#wake = resolve;
        }),
        left,
        'a PDU',
      ).catch(() => {});
      this.#wake = undefined;
    }
    return this.#queue.shift() as WirePdu;
  }

  /** Sends bind_transceiver (or another bind) and returns the response. */
  async bind(fields: Record<string, unknown> = {}, command = 'bind_transceiver'): Promise<WirePdu> {
    this.send(command, { system_id: 'esme1', password: 'secret', interface_version: 0x34, ...fields });
    return this.next();
  }

  end(): void {
    this.socket.destroy();
  }
}

/** Walks the TLVs after the mandatory fields of `raw` given where they end; returns their tags. */
export function tlvTags(raw: Buffer, bodyEnd: number): number[] {
  const tags: number[] = [];
  let off = bodyEnd;
  while (off + 4 <= raw.length) {
    tags.push(raw.readUInt16BE(off));
    off += 4 + raw.readUInt16BE(off + 2);
  }
  return tags;
}
