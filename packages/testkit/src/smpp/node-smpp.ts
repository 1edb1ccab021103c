/**
 * A small typed view of node-smpp (npm `smpp`, pinned 0.6.0-rc.4), which ships no types. Loaded with
 * `createRequire` so no ambient `declare module` is needed; only what the simulators use is declared.
 *
 * The simulators are deliberately independent of Hub's own session layer (`@hub/smpp` session): they
 * share node-smpp's PDU codec but not Hub's framing, state machine or window, so both sides cannot agree
 * on the same mistake.
 */
import type { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import type { Server, Socket } from 'node:net';

/** A node-smpp PDU: header fields plus mandatory parameters and TLVs under node-smpp's snake_case names. */
export interface NodeSmppPdu {
  command: string;
  command_id: number;
  command_status: number;
  sequence_number: number;
  /** Builds the `<command>_resp` (or generic_nack for an unknown command) with this sequence_number. */
  response(options?: Record<string, unknown>): NodeSmppPdu;
  [field: string]: unknown;
}

/** The `PDU` class: `new PDU(name, fields)` to build one, `new PDU(buffer)` to parse a whole frame. */
export interface NodeSmppPduClass {
  new (command: string | Buffer, options?: Record<string, unknown>): NodeSmppPdu;
  /** Largest accepted command_length (16384 unless someone in this process raised it). */
  maxLength: number;
}

/** A node-smpp `Session` (one per TCP connection, client or server side). */
export interface NodeSmppSession extends EventEmitter {
  readonly socket: Socket;
  closed: boolean;
  paused: boolean;
  /** Sends a PDU; requests get the next sequence_number. Returns false when the socket is not writable. */
  send(
    pdu: NodeSmppPdu,
    onResponse?: (resp: NodeSmppPdu) => void,
    onSent?: (pdu: NodeSmppPdu) => void,
    onFailure?: (pdu: NodeSmppPdu, err?: Error) => void,
  ): boolean;
  close(callback?: () => void): void;
  destroy(callback?: () => void): void;
  pause(): void;
  resume(): void;
  // Internals of 0.6.0-rc.4 replaced by installRawFraming (see there).
  _extractPDUs: () => void;
  _busy: boolean;
  _command_length: number | null;
  _callbacks: Record<number, ((pdu: NodeSmppPdu) => void) | undefined>;
}

/** A node-smpp server (a `net.Server` or `tls.Server` subclass). */
export interface NodeSmppServer extends Server {
  readonly sessions: NodeSmppSession[];
}

interface NodeSmppModule {
  createServer(
    options: Record<string, unknown>,
    listener?: (session: NodeSmppSession) => void,
  ): NodeSmppServer;
  connect(options: Record<string, unknown>): NodeSmppSession;
  PDU: NodeSmppPduClass;
}

const require = createRequire(import.meta.url);

/** The node-smpp module. */
export const nodeSmpp = require('smpp') as NodeSmppModule;

/** The node-smpp PDU class. */
export const PDU: NodeSmppPduClass = nodeSmpp.PDU;

/** Why {@link installRawFraming} gave up on a stream. */
export interface FramingError {
  readonly reason: 'invalid-length' | 'parse-error';
  readonly commandLength: number;
  readonly cause?: unknown;
}

/**
 * Replaces the session's PDU extractor with one that also hands the listener the **raw frame**, as
 * `session.emit(command, pdu, raw)` (and `'pdu'`). node-smpp decodes short_message in place (GSM-decodes
 * dc 0, so receipt ids and exact bytes are lost), so the raw frame is the only byte-exact source.
 *
 * It mirrors 0.6.0-rc.4's `_extractPDUs` (pause, response callbacks) minus the debug/metrics events, and
 * on a framing error (command_length < 16 or > `PDU.maxLength`, or a PDU node-smpp cannot parse) calls
 * `onError` once and stops reading, instead of emitting an `'error'` that kills the process when
 * unhandled. The caller then answers generic_nack and/or destroys the session.
 */
export function installRawFraming(session: NodeSmppSession, onError: (e: FramingError) => void): void {
  const socket = session.socket;
  let failed = false;
  session._extractPDUs = () => {
    if (session._busy || failed) return;
    session._busy = true;
    try {
      extract();
    } finally {
      session._busy = failed; // after a framing error nothing more is read from this stream
    }
  };
  const extract = (): void => {
    while (!session.paused) {
      let len = session._command_length;
      if (len === null || len === 0) {
        const head = socket.read(4) as Buffer | null;
        if (head === null || head.length < 4) break;
        len = head.readUInt32BE(0);
        if (len < 16 || len > PDU.maxLength) {
          failed = true;
          onError({ reason: 'invalid-length', commandLength: len });
          return;
        }
        session._command_length = len;
      }
      const rest = socket.read(len - 4) as Buffer | null;
      if (rest === null || rest.length < len - 4) break;
      session._command_length = null;
      const raw = Buffer.allocUnsafe(len);
      raw.writeUInt32BE(len, 0);
      rest.copy(raw, 4);
      let pdu: NodeSmppPdu;
      try {
        pdu = new PDU(raw);
      } catch (cause) {
        failed = true;
        onError({ reason: 'parse-error', commandLength: len, cause });
        return;
      }
      session.emit('pdu', pdu, raw);
      session.emit(pdu.command, pdu, raw);
      if ((pdu.command_id & 0x80000000) !== 0) {
        const cb = session._callbacks[pdu.sequence_number];
        if (cb !== undefined) {
          delete session._callbacks[pdu.sequence_number];
          cb(pdu);
        }
      }
    }
  };
}
