/**
 * Local typings for node-smpp (npm `smpp` 0.6.0-rc.4), which ships none (`@types/smpp` does not exist).
 * Only what `src/session` uses is declared. The module is CommonJS and fills most exports in a loop,
 * so import it as a default: `import smpp from 'smpp'`.
 */
declare module 'smpp' {
  import type { EventEmitter } from 'node:events';
  import type { Server as NetServer, Socket } from 'node:net';
  import type { TLSSocket } from 'node:tls';

  namespace smpp {
    /** A field codec of `defs.types` (`int8`, `cstring`, `buffer`, ... and `types.tlv.*`). */
    interface TypeCodec {
      read(buffer: Buffer, offset: number, length?: number): unknown;
      write(value: unknown, buffer: Buffer, offset: number): void;
      size(value: unknown): number;
      default: unknown;
    }

    /** A value filter (`defs.filters.*`): `decode` runs after parsing, `encode` before serialising. */
    interface FilterDef {
      encode(this: PDU, value: unknown, flag?: unknown): unknown;
      decode(this: PDU, value: unknown, flag?: unknown): unknown;
    }

    interface ParamDef {
      type: TypeCodec;
      default?: unknown;
      filter?: FilterDef;
    }

    interface CommandDef {
      id: number;
      command: string;
      params?: Record<string, ParamDef>;
      tlvMap?: Record<string, string>;
    }

    interface TlvDef {
      id: number;
      tag: string;
      type: TypeCodec;
      multiple?: boolean;
      filter?: FilterDef;
    }

    /** One PDU. Mandatory fields and named TLVs are own properties; unknown TLVs are `pdu[<tag number>]`. */
    class PDU {
      constructor(command: string, options?: Record<string, unknown>);
      constructor(buffer: Buffer);
      /** Largest accepted command_length; bigger PDUs make the session emit `error` (default 16384). */
      static maxLength: number;
      static commandLength(stream: NodeJS.ReadableStream): number | false;
      static fromStream(stream: NodeJS.ReadableStream, commandLength: number): PDU | false;
      static fromBuffer(buffer: Buffer): PDU | false;
      command: string;
      command_length: number;
      command_id: number;
      command_status: number;
      sequence_number: number;
      [field: string]: unknown;
      isResponse(): boolean;
      response(options?: Record<string, unknown>): PDU;
      toBuffer(): Buffer;
      fromBuffer(buffer: Buffer): void;
    }

    interface SessionEvents {
      pdu: [PDU];
      error: [Error];
      close: [];
      connect: [];
      secureConnect: [];
      [command: string]: unknown[];
    }

    /** One SMPP connection (server side: built per socket; client side: from `connect`). */
    class Session extends EventEmitter {
      socket: Socket | TLSSocket;
      sequence: number;
      paused: boolean;
      closed: boolean;
      remoteAddress: string | null;
      remotePort: number | null;
      /** Internal read guard; stays true after a framing error (the session never reads again). */
      _busy: boolean;
      _command_length: number | null;
      send(
        pdu: PDU,
        responseCallback?: (pdu: PDU) => void,
        sendCallback?: (pdu: PDU) => void,
        failureCallback?: (pdu: PDU, err?: Error) => void,
      ): boolean;
      pause(): void;
      resume(): void;
      close(callback?: () => void): void;
      destroy(callback?: () => void): void;
    }

    interface Server extends NetServer {
      sessions: Session[];
    }

    interface ServerOptions {
      key?: string | Buffer;
      cert?: string | Buffer;
      ca?: string | Buffer | Array<string | Buffer>;
      [option: string]: unknown;
    }

    interface ConnectOptions {
      host?: string;
      port?: number;
      tls?: boolean;
      url?: string;
      connectTimeout?: number;
      rejectUnauthorized?: boolean;
      [option: string]: unknown;
    }

    function createServer(options: ServerOptions, listener?: (session: Session) => void): Server;
    function connect(options: ConnectOptions, listener?: (session: Session) => void): Session;
    function addTLV(tag: string, options: { id: number; type: TypeCodec; multiple?: boolean }): void;

    const commands: Record<string, CommandDef>;
    const commandsById: Record<number, CommandDef>;
    const tlvs: Record<string, TlvDef>;
    const tlvsById: Record<number, TlvDef>;
    const filters: Record<string, FilterDef>;
    const types: Record<string, TypeCodec> & { tlv: Record<string, TypeCodec> };
    const errors: Record<string, number>;
  }

  export = smpp;
}
