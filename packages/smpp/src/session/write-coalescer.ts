import type { Socket } from 'node:net';

/**
 * Coalesces the PDUs a session writes within one tick into a single socket write.
 *
 * Why: every `write` on an uncorked TCP socket is its own syscall, and Hub writes one PDU at a time
 * (submit_sm_resp, deliver_sm, ... — typically dozens per tick under load, as one Redis reply settles
 * many requests): that was ~11% of the hub's CPU. Corking on the first write of a tick and uncorking in
 * `process.nextTick` hands Node the whole tick's PDUs at once (one `writev`; on TLS one SSL_write),
 * in write order. No PDU waits past the current tick: nextTick runs before the event loop moves on, so
 * latency is unchanged (`setImmediate` measured no cheaper).
 *
 * Cork is Writable-level, so it works the same for `net.Socket` and `tls.TLSSocket`, and a direct
 * `socket.end(data)` still queues behind the corked PDUs (end() uncorks). `socket.destroy()` discards
 * corked data: call {@link flush} first when what was just written must reach the peer.
 */
export class WriteCoalescer {
  readonly #socket: Socket;
  #corked = false;
  readonly #flush = (): void => this.flush();

  constructor(socket: Socket) {
    this.#socket = socket;
  }

  /** Writes `buf` with this tick's batch; `cb` runs once it is written or failed (as `socket.write`'s). */
  write(buf: Buffer, cb?: (err?: Error | null) => void): void {
    if (!this.#corked) {
      this.#corked = true;
      this.#socket.cork();
      process.nextTick(this.#flush);
    }
    this.#socket.write(buf, cb);
  }

  /** Sends what this tick wrote so far, now. Idempotent; harmless on an ended or destroyed socket. */
  flush(): void {
    if (!this.#corked) return;
    this.#corked = false;
    this.#socket.uncork();
  }
}
