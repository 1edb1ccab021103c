/**
 * A plain TCP socket speaking raw bytes, for malformed-input tests against an SMPP server: send any hex,
 * collect what comes back framed by command_length (via `@hub/smpp` inspectHeader), watch for the close.
 */
import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { type CommandName, commandName, type HeaderVerdict, inspectHeader, type SmppHeader } from '@hub/smpp';
import { SmppSimError } from './errors.js';

/** One PDU received on a {@link RawSmppSocket}. */
export interface RawPdu extends SmppHeader {
  /** node-smpp style command name, undefined for an unknown command_id. */
  readonly command: CommandName | undefined;
  /** The whole frame, header included (a copy). */
  readonly frame: Buffer;
  /** The body after the 16-octet header. */
  readonly body: Buffer;
}

/** Fields of {@link buildFrame}. */
export interface FrameFields {
  readonly commandId: number;
  readonly commandStatus?: number;
  readonly sequenceNumber?: number;
  /** Body octets (or hex, whitespace ignored). */
  readonly body?: Uint8Array | string;
  /** Override command_length (default: the true length) to build a lying header. */
  readonly commandLength?: number;
}

/** Builds an SMPP frame from header fields and a body: for hand-made valid or malformed PDUs. */
export function buildFrame(f: FrameFields): Buffer {
  const body = typeof f.body === 'string' ? hexBytes(f.body) : Buffer.from(f.body ?? new Uint8Array(0));
  const out = Buffer.alloc(16 + body.length);
  out.writeUInt32BE((f.commandLength ?? out.length) >>> 0, 0);
  out.writeUInt32BE(f.commandId >>> 0, 4);
  out.writeUInt32BE((f.commandStatus ?? 0) >>> 0, 8);
  out.writeUInt32BE((f.sequenceNumber ?? 1) >>> 0, 12);
  body.copy(out, 16);
  return out;
}

function hexBytes(hex: string): Buffer {
  const clean = hex.replace(/\s+/g, '');
  if (clean.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(clean)) {
    throw new TypeError(`not an even-length hex string: ${hex.slice(0, 40)}`);
  }
  return Buffer.from(clean, 'hex');
}

/** A raw client socket; create with {@link rawSocket}. */
export class RawSmppSocket {
  /** PDUs received so far, in order. */
  readonly pdus: RawPdu[] = [];
  /** Set when the peer sent a header with an impossible command_length; parsing stopped there. */
  invalid: Extract<HeaderVerdict, { verdict: 'invalid-length' }> | undefined;
  private buf: Buffer = Buffer.alloc(0);
  private _closed = false;

  constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => {});
    socket.on('close', () => {
      this._closed = true;
    });
  }

  /** True once the connection has closed (either side). */
  get closed(): boolean {
    return this._closed;
  }

  /** Bytes received that do not (yet) form a whole frame. */
  get pendingBytes(): number {
    return this.buf.length;
  }

  /** Writes raw octets. */
  send(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  /** Writes octets given as hex (whitespace ignored). Throws TypeError for malformed hex. */
  sendHex(hex: string): void {
    this.socket.write(hexBytes(hex));
  }

  /**
   * Resolves with every PDU received so far once there are at least `min` (default 1). Rejects after
   * `timeoutMs` (default 5 s), or early with `closed` when the connection closed short of `min`.
   */
  async readPdus(min = 1, timeoutMs = 5_000): Promise<RawPdu[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.pdus.length < min) {
      if (this._closed) throw new SmppSimError('closed', `closed after ${this.pdus.length} of ${min} PDUs`);
      if (Date.now() > deadline) {
        throw new SmppSimError('timeout', `${this.pdus.length} of ${min} PDUs after ${timeoutMs} ms`);
      }
      await sleep(5);
    }
    return this.pdus.slice();
  }

  /** Resolves once the connection has closed; rejects with `timeout` after `timeoutMs` (default 5 s). */
  async waitForClose(timeoutMs = 5_000): Promise<void> {
    if (this._closed) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.socket.off('close', onClose);
        reject(new SmppSimError('timeout', `socket still open after ${timeoutMs} ms`));
      }, timeoutMs);
      const onClose = (): void => {
        clearTimeout(timer);
        resolve();
      };
      this.socket.once('close', onClose);
    });
  }

  /** Destroys the socket. */
  close(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    if (this.invalid !== undefined) return;
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    let off = 0;
    for (;;) {
      const v = inspectHeader(this.buf, off);
      if (v.verdict === 'need-more') break;
      if (v.verdict === 'invalid-length') {
        this.invalid = v;
        break;
      }
      if (!v.complete) break;
      const frame = Buffer.from(this.buf.subarray(off, off + v.commandLength));
      this.pdus.push({
        commandLength: v.commandLength,
        commandId: v.commandId,
        commandStatus: v.commandStatus,
        sequenceNumber: v.sequenceNumber,
        command: commandName(v.commandId),
        frame,
        body: frame.subarray(16),
      });
      off += v.commandLength;
    }
    this.buf = off === 0 ? this.buf : this.buf.subarray(off);
  }
}

/**
 * Opens a plain TCP connection to `host:port` (default 127.0.0.1) and resolves once connected; rejects
 * with SmppSimError `connect-failed` or `timeout` (after `timeoutMs`, default 5 s).
 */
export async function rawSocket(port: number, host = '127.0.0.1', timeoutMs = 5_000): Promise<RawSmppSocket> {
  return await new Promise<RawSmppSocket>((resolve, reject) => {
    const socket = connect({ port, host });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new SmppSimError('timeout', `connect to ${host}:${port} took over ${timeoutMs} ms`));
    }, timeoutMs);
    const onError = (e: Error): void => {
      clearTimeout(timer);
      reject(
        new SmppSimError('connect-failed', `connect to ${host}:${port}: ${e.message}`, undefined, {
          cause: e,
        }),
      );
    };
    socket.once('error', onError);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.off('error', onError);
      resolve(new RawSmppSocket(socket));
    });
  });
}
