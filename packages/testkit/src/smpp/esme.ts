/**
 * EsmeClient: a simulated SMPP client (ESME) on real TCP/TLS, built straight on node-smpp, to drive Hub's
 * SMPP server in end-to-end tests and `pnpm bench`. Binds, submits with a window, answers deliver_sm
 * (receipts and MO) and enquire_link, and records what it received byte-exact.
 */
import { EventEmitter } from 'node:events';
import type { ConnectionOptions } from 'node:tls';
import { decodeText, encodeText, isReceiptEsmClass, type ParsedReceipt, parseReceipt } from '@hub/smpp';
import { SmppSimError, waitCount } from './errors.js';
import { installRawFraming, type NodeSmppPdu, type NodeSmppSession, nodeSmpp, PDU } from './node-smpp.js';
import { type RawMessageFields, readMessagePdu } from './raw-pdu.js';
import type { BindType } from './smsc.js';

/** Options of {@link EsmeClient.connect}. */
export interface EsmeClientOptions {
  readonly port: number;
  /** Default 127.0.0.1. */
  readonly host?: string;
  readonly systemId: string;
  readonly password: string;
  /** Default `trx`. */
  readonly bindType?: BindType;
  readonly systemType?: string;
  /** interface_version in the bind. Default 0x34 (node-smpp's own default would be 0x50). */
  readonly interfaceVersion?: number;
  readonly addrTon?: number;
  readonly addrNpi?: number;
  readonly addressRange?: string;
  /** TLS (`true`, or tls.connect options such as `ca`); node-smpp skips certificate checks unless `rejectUnauthorized`. */
  readonly tls?: boolean | ConnectionOptions;
  /** Most submits outstanding at once; more wait in a queue. Default 10. */
  readonly window?: number;
  /** A submit without a response after this long fails with `timeout`. Default 10 s. */
  readonly responseTimeoutMs?: number;
  /** TCP connect plus bind. Default 5 s. */
  readonly connectTimeoutMs?: number;
  /** Keep receipts/MOs in `receipts` / `mos` (default true); false only counts (for load). */
  readonly record?: boolean;
  /** deliver_sm_resp status, fixed or per PDU (to make the server retry). Default 0. */
  readonly deliverSmRespStatus?: number | DeliverSmRespStatusFn;
  /** Delay before each deliver_sm_resp. Default 0. */
  readonly deliverSmRespDelayMs?: number;
}

/** Chooses the deliver_sm_resp status for a received deliver_sm / data_sm. */
export type DeliverSmRespStatusFn = (pdu: NodeSmppPdu, kind: 'receipt' | 'mo') => number;

/** A message to submit. */
export interface EsmeSubmit {
  /** destination_addr. */
  readonly to: string;
  /** source_addr. Default ''. */
  readonly from?: string;
  /** Text, encoded for `dataCoding` with `@hub/smpp` encodeText (so dc 0 is GSM 03.38 unpacked). */
  readonly text?: string;
  /** Exact body octets; win over `text`. */
  readonly bytes?: Uint8Array;
  /** Default 0. Always sent explicitly (node-smpp mis-encodes some codings itself). */
  readonly dataCoding?: number;
  /** UDH octets (length octet included) prepended to the body; sets esm_class UDHI (0x40). */
  readonly udh?: Uint8Array;
  /** Default 0. */
  readonly esmClass?: number;
  /** Default 1 (receipt on success or failure). */
  readonly registeredDelivery?: number;
  readonly sourceTon?: number;
  readonly sourceNpi?: number;
  readonly destTon?: number;
  readonly destNpi?: number;
  readonly serviceType?: string;
  readonly protocolId?: number;
  readonly priorityFlag?: number;
  /** SMPP time strings, sent verbatim (16 characters). */
  readonly scheduleDeliveryTime?: string;
  readonly validityPeriod?: string;
  /** Send the body (with UDH) in message_payload and leave short_message empty. */
  readonly payload?: boolean;
  /** `data_sm` instead of `submit_sm` (body always in message_payload). */
  readonly command?: 'submit_sm' | 'data_sm';
  /** Extra node-smpp fields/TLVs by name, e.g. `{ sar_msg_ref_num: 1, sar_total_segments: 2 }`. */
  readonly extra?: Readonly<Record<string, unknown>>;
}

/** Outcome of a submit. */
export interface EsmeSubmitResult {
  /** command_status of submit_sm_resp / data_sm_resp (or generic_nack). */
  readonly status: number;
  /** message_id when status is 0. */
  readonly messageId: string | undefined;
  /** congestion_state TLV when present. */
  readonly congestionState: number | undefined;
  readonly sequenceNumber: number;
}

/** Summary of {@link EsmeClient.submitMany}. */
export interface SubmitManyResult {
  readonly sent: number;
  /** Responses with status 0. */
  readonly ok: number;
  /** Responses with another status, and local failures (timeouts, closed). */
  readonly failed: number;
  /** Count per command_status; local failures under -1. */
  readonly byStatus: ReadonlyMap<number, number>;
  /** Message ids in submission order (`undefined` where refused), only with `collectIds`. */
  readonly messageIds: readonly (string | undefined)[] | undefined;
  readonly elapsedMs: number;
  /** Responses per second over the run. */
  readonly ratePerSec: number;
}

/** Fields shared by received deliver_sm / data_sm records. */
export interface EsmeDelivered extends RawMessageFields {
  readonly command: 'deliver_sm' | 'data_sm';
  readonly sequenceNumber: number;
  /** deliver_sm_resp / data_sm_resp status answered. */
  readonly respStatus: number;
  readonly receivedAt: number;
  readonly frame: Buffer;
  readonly pdu: NodeSmppPdu;
}

/** A delivery receipt as received: TLVs first, parsed text as fallback. */
export interface EsmeReceipt extends EsmeDelivered {
  /** receipted_message_id TLV, else the text's `id:`; undefined when neither. */
  readonly id: string | undefined;
  /** message_state TLV, else the state of the text's `stat:`. */
  readonly state: number | undefined;
  readonly receiptedMessageId: string | undefined;
  readonly messageState: number | undefined;
  readonly networkErrorCode: Buffer | undefined;
  /** The body as Latin-1 text (what parseReceipt read). */
  readonly text: string;
  /** parseReceipt's result; undefined when it threw (see `parseError`). */
  readonly parsed: ParsedReceipt | undefined;
  readonly parseError: unknown;
}

/** An MO message as received. */
export interface EsmeMo extends EsmeDelivered {
  /** Body decoded for its data_coding; undefined for binary codings or undecodable bytes. */
  readonly text: string | undefined;
}

interface Pending {
  readonly cb: SubmitCallback;
  readonly sentAt: number;
}

type SubmitCallback = (status: number, resp: NodeSmppPdu | undefined, err: SmppSimError | undefined) => void;

const LOCAL_FAILURE = -1;

function tlvString(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (Buffer.isBuffer(v)) return v.toString('latin1');
  return undefined;
}

/**
 * A bound ESME. Create with {@link EsmeClient.connect}; finish with {@link EsmeClient.unbind} or
 * {@link EsmeClient.close}. Emits `'receipt'` (EsmeReceipt), `'mo'` (EsmeMo) when recording, and
 * `'close'` when the connection ends for any reason.
 */
export class EsmeClient extends EventEmitter {
  /** Receipts received (when recording), in arrival order. */
  readonly receipts: EsmeReceipt[] = [];
  /** MO messages received (when recording). */
  readonly mos: EsmeMo[] = [];
  /** Receipts received (always counted). */
  receiptCount = 0;
  /** MOs received (always counted). */
  moCount = 0;
  /** Submit responses received, and those with status 0. */
  responseCount = 0;
  okCount = 0;
  /** deliver_sm_resp status; change at any time (e.g. to make the server retry, then to 0). */
  deliverSmRespStatus: number | DeliverSmRespStatusFn;
  /** deliver_sm_resp delay in ms; change at any time. */
  deliverSmRespDelayMs: number;
  /** sc_interface_version from the bind response, when the SMSC sent it. */
  scInterfaceVersion: number | undefined;
  /** system_id from the bind response. */
  peerSystemId = '';

  private readonly session: NodeSmppSession;
  private readonly record: boolean;
  private readonly responseTimeoutMs: number;
  private readonly pending = new Map<number, Pending>();
  // FIFO of submits waiting for window space; head index avoids O(n) shifts under load.
  private queue: { pdu: NodeSmppPdu; cb: SubmitCallback }[] = [];
  private queueHead = 0;
  private inflight = 0;
  private window: number;
  private sweepTimer: NodeJS.Timeout | undefined;
  private readonly delayTimers = new Set<NodeJS.Timeout>();
  private readonly onResp = (resp: NodeSmppPdu): void => this.settle(resp.sequence_number, resp, undefined);
  private readonly onSendFail = (pdu: NodeSmppPdu): void =>
    this.settle(pdu.sequence_number, undefined, new SmppSimError('closed', 'write failed'));
  private _closed = false;
  private readonly closedPromise: Promise<void>;

  private constructor(session: NodeSmppSession, opts: EsmeClientOptions) {
    super();
    this.session = session;
    this.record = opts.record ?? true;
    this.window = Math.max(1, opts.window ?? 10);
    this.responseTimeoutMs = opts.responseTimeoutMs ?? 10_000;
    this.deliverSmRespStatus = opts.deliverSmRespStatus ?? 0;
    this.deliverSmRespDelayMs = opts.deliverSmRespDelayMs ?? 0;
    this.closedPromise = new Promise((resolve) => {
      session.once('close', () => {
        this.onClosed();
        resolve();
      });
    });
  }

  /**
   * Connects, binds and resolves with the bound client. Rejects with SmppSimError `bind-failed` (the
   * status in `.status`; the connection is closed), `connect-failed` or `timeout`.
   */
  static async connect(opts: EsmeClientOptions): Promise<EsmeClient> {
    const tlsOpts =
      opts.tls === undefined || opts.tls === false ? undefined : opts.tls === true ? {} : opts.tls;
    const session = nodeSmpp.connect({
      host: opts.host ?? '127.0.0.1',
      port: opts.port,
      ...(tlsOpts !== undefined ? { ...tlsOpts, tls: true } : {}),
      connectTimeout: opts.connectTimeoutMs ?? 5_000,
    });
    // Without an 'error' listener node-smpp's error event kills the process (notes §10 #4).
    session.on('error', () => {});
    const client = new EsmeClient(session, opts);
    installRawFraming(session, () => session.destroy());
    session.on('pdu', (pdu: NodeSmppPdu, raw: Buffer) => client.dispatch(pdu, raw));
    const timeoutMs = opts.connectTimeoutMs ?? 5_000;
    await new Promise<void>((resolve, reject) => {
      let done = false;
      const finish = (err?: Error): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        session.off('error', onError);
        if (err === undefined) resolve();
        else {
          session.destroy();
          reject(err);
        }
      };
      const onError = (e: Error): void =>
        finish(
          new SmppSimError('connect-failed', `connect to ${opts.port}: ${e.message}`, undefined, {
            cause: e,
          }),
        );
      const timer = setTimeout(
        () => finish(new SmppSimError('timeout', `no bind response within ${timeoutMs} ms`)),
        timeoutMs,
      );
      session.on('error', onError);
      session.once('close', () =>
        finish(new SmppSimError('closed', 'connection closed before bind response')),
      );
      session.once(tlsOpts !== undefined ? 'secureConnect' : 'connect', () => {
        const command =
          opts.bindType === 'tx'
            ? 'bind_transmitter'
            : opts.bindType === 'rx'
              ? 'bind_receiver'
              : 'bind_transceiver';
        const bind = new PDU(command, {
          system_id: opts.systemId,
          password: opts.password,
          system_type: opts.systemType ?? '',
          interface_version: opts.interfaceVersion ?? 0x34,
          addr_ton: opts.addrTon ?? 0,
          addr_npi: opts.addrNpi ?? 0,
          address_range: opts.addressRange ?? '',
        });
        session.send(bind, (resp) => {
          if (resp.command_status !== 0) {
            finish(
              new SmppSimError(
                'bind-failed',
                `bind refused with status ${resp.command_status}`,
                resp.command_status,
              ),
            );
            return;
          }
          client.peerSystemId = String(resp.system_id ?? '');
          client.scInterfaceVersion =
            typeof resp.sc_interface_version === 'number' ? resp.sc_interface_version : undefined;
          finish();
        });
      });
    });
    const sweepEvery = Math.min(1000, Math.max(20, Math.floor(client.responseTimeoutMs / 4)));
    client.sweepTimer = setInterval(() => client.sweep(), sweepEvery);
    client.sweepTimer.unref();
    return client;
  }

  /** True once the connection has ended. */
  get closed(): boolean {
    return this._closed;
  }

  /** Submits outstanding (sent, unanswered) and queued for window space. */
  get outstanding(): number {
    return this.inflight + (this.queue.length - this.queueHead);
  }

  /**
   * Submits one message and resolves with the response (any status; check `status`). Waits for window
   * space first. Rejects with SmppSimError `timeout` (no response in `responseTimeoutMs`) or `closed`.
   */
  async submit(fields: EsmeSubmit): Promise<EsmeSubmitResult> {
    const pdu = this.buildSubmit(fields);
    return await new Promise<EsmeSubmitResult>((resolve, reject) => {
      this.enqueue(pdu, (status, resp, err) => {
        if (err !== undefined) reject(err);
        else
          resolve({
            status,
            messageId: status === 0 ? tlvString(resp?.message_id) : undefined,
            congestionState: typeof resp?.congestion_state === 'number' ? resp.congestion_state : undefined,
            sequenceNumber: pdu.sequence_number,
          });
      });
    });
  }

  /**
   * Load driver: submits `n` messages made by `make(i)`, keeping up to `window` (default: the client's
   * window) outstanding, and resolves when all are answered or failed. Never rejects for individual
   * failures; they are counted. No per-message promise or record.
   */
  async submitMany(
    n: number,
    make: (i: number) => EsmeSubmit,
    opts: { readonly window?: number; readonly collectIds?: boolean } = {},
  ): Promise<SubmitManyResult> {
    const window = Math.max(1, opts.window ?? this.window);
    const savedWindow = this.window;
    if (window > this.window) this.window = window;
    const byStatus = new Map<number, number>();
    const ids: (string | undefined)[] | undefined = opts.collectIds
      ? new Array<string | undefined>(n)
      : undefined;
    const started = performance.now();
    let next = 0;
    let done = 0;
    let running = 0;
    let ok = 0;
    let pumping = false;
    return await new Promise<SubmitManyResult>((resolve) => {
      const finishIfDone = (): boolean => {
        if (done < n) return false;
        this.window = savedWindow;
        const elapsedMs = performance.now() - started;
        resolve({
          sent: next,
          ok,
          failed: done - ok,
          byStatus,
          messageIds: ids,
          elapsedMs,
          ratePerSec: elapsedMs > 0 ? (done * 1000) / elapsedMs : 0,
        });
        return true;
      };
      // Iterative: completions that happen synchronously (closed client) must not recurse per message.
      const pump = (): void => {
        if (pumping) return;
        pumping = true;
        while (running < window && next < n) {
          const i = next++;
          running++;
          let pdu: NodeSmppPdu;
          try {
            pdu = this.buildSubmit(make(i));
          } catch {
            onDone(i, LOCAL_FAILURE, undefined);
            continue;
          }
          this.enqueue(pdu, (status, resp, err) =>
            onDone(i, err === undefined ? status : LOCAL_FAILURE, resp),
          );
        }
        pumping = false;
        finishIfDone();
      };
      const onDone = (i: number, status: number, resp: NodeSmppPdu | undefined): void => {
        running--;
        done++;
        if (status === 0) ok++;
        byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
        if (ids !== undefined && status === 0) ids[i] = tlvString(resp?.message_id);
        if (!pumping) pump();
      };
      pump();
    });
  }

  /** Sends enquire_link and resolves with the response status; rejects like {@link submit}. */
  async enquireLink(): Promise<number> {
    return await new Promise<number>((resolve, reject) => {
      const pdu = new PDU('enquire_link', {});
      this.sendTracked(pdu, (status, _resp, err) => (err !== undefined ? reject(err) : resolve(status)));
    });
  }

  /** Resolves once `n` receipts have arrived in total; rejects after `timeoutMs` (default 10 s). */
  async waitForReceipts(n: number, timeoutMs = 10_000): Promise<void> {
    await waitCount(() => this.receiptCount, n, timeoutMs, 'receipts');
  }

  /** Resolves once `n` MO messages have arrived in total; rejects after `timeoutMs`. */
  async waitForMos(n: number, timeoutMs = 10_000): Promise<void> {
    await waitCount(() => this.moCount, n, timeoutMs, 'MOs');
  }

  /** Resolves when the connection has closed; rejects with `timeout` after `timeoutMs`. */
  async waitForClose(timeoutMs = 10_000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new SmppSimError('timeout', `still open after ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    try {
      await Promise.race([this.closedPromise, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Sends unbind, waits (bounded by `timeoutMs`) for unbind_resp, then closes. Resolves with the
   * unbind_resp status, or undefined when none came; never rejects.
   */
  async unbind(timeoutMs = 5_000): Promise<number | undefined> {
    if (this._closed) return undefined;
    const status = await new Promise<number | undefined>((resolve) => {
      const timer = setTimeout(() => resolve(undefined), timeoutMs);
      this.sendTracked(new PDU('unbind', {}), (s, _r, err) => {
        clearTimeout(timer);
        resolve(err === undefined ? s : undefined);
      });
    });
    await this.close();
    return status;
  }

  /** Destroys the connection (no unbind) and resolves once closed; outstanding submits fail with `closed`. */
  async close(): Promise<void> {
    if (!this._closed) this.session.destroy();
    await this.closedPromise;
  }

  // ---------------------------------------------------------------------------------------------

  private buildSubmit(f: EsmeSubmit): NodeSmppPdu {
    const dc = f.dataCoding ?? 0;
    const body =
      f.bytes !== undefined
        ? Buffer.from(f.bytes.buffer, f.bytes.byteOffset, f.bytes.length)
        : encodeText(dc, f.text ?? '');
    const sm = f.udh !== undefined ? Buffer.concat([f.udh, body]) : body;
    const esmClass = (f.esmClass ?? 0) | (f.udh !== undefined ? 0x40 : 0);
    const common = {
      service_type: f.serviceType ?? '',
      source_addr_ton: f.sourceTon ?? 1,
      source_addr_npi: f.sourceNpi ?? 1,
      source_addr: f.from ?? '',
      dest_addr_ton: f.destTon ?? 1,
      dest_addr_npi: f.destNpi ?? 1,
      destination_addr: f.to,
      esm_class: esmClass,
      registered_delivery: f.registeredDelivery ?? 1,
      data_coding: dc,
    };
    if (f.command === 'data_sm') return new PDU('data_sm', { ...common, message_payload: sm, ...f.extra });
    return new PDU('submit_sm', {
      ...common,
      protocol_id: f.protocolId ?? 0,
      priority_flag: f.priorityFlag ?? 0,
      schedule_delivery_time: f.scheduleDeliveryTime ?? '',
      validity_period: f.validityPeriod ?? '',
      short_message: f.payload ? Buffer.alloc(0) : sm,
      ...(f.payload ? { message_payload: sm } : {}),
      ...f.extra,
    });
  }

  private enqueue(pdu: NodeSmppPdu, cb: SubmitCallback): void {
    if (this._closed) {
      cb(LOCAL_FAILURE, undefined, new SmppSimError('closed', 'client is closed'));
      return;
    }
    if (this.inflight < this.window) this.sendTracked(pdu, cb, true);
    else this.queue.push({ pdu, cb });
  }

  private sendTracked(pdu: NodeSmppPdu, cb: SubmitCallback, windowed = false): void {
    if (windowed) this.inflight++;
    const ok = this.session.send(pdu, this.onResp, undefined, this.onSendFail);
    if (!ok) {
      if (windowed) this.inflight--;
      cb(LOCAL_FAILURE, undefined, new SmppSimError('closed', 'socket not writable'));
      return;
    }
    // Non-windowed requests (enquire_link, unbind) are marked with a negative sentAt.
    this.pending.set(pdu.sequence_number, { cb, sentAt: windowed ? performance.now() : -performance.now() });
  }

  private settle(seq: number, resp: NodeSmppPdu | undefined, err: SmppSimError | undefined): void {
    const p = this.pending.get(seq);
    if (p === undefined) return; // late answer to a timed-out request
    this.pending.delete(seq);
    if (p.sentAt >= 0) {
      this.inflight--;
      if (resp !== undefined) {
        this.responseCount++;
        if (resp.command_status === 0) this.okCount++;
      }
    }
    p.cb(resp?.command_status ?? LOCAL_FAILURE, resp, err);
    this.pump();
  }

  private pump(): void {
    while (this.inflight < this.window && this.queueHead < this.queue.length) {
      const item = this.queue[this.queueHead] as { pdu: NodeSmppPdu; cb: SubmitCallback };
      this.queue[this.queueHead++] = undefined as never;
      this.sendTracked(item.pdu, item.cb, true);
    }
    if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.queueHead);
      this.queueHead = 0;
    }
  }

  private sweep(): void {
    const now = performance.now();
    for (const [seq, p] of this.pending) {
      if (now - Math.abs(p.sentAt) < this.responseTimeoutMs) break; // insertion order is send order
      delete this.session._callbacks[seq];
      this.settle(
        seq,
        undefined,
        new SmppSimError('timeout', `no response to sequence ${seq} within ${this.responseTimeoutMs} ms`),
      );
    }
  }

  private onClosed(): void {
    this._closed = true;
    if (this.sweepTimer !== undefined) clearInterval(this.sweepTimer);
    for (const t of this.delayTimers) clearTimeout(t);
    this.delayTimers.clear();
    const err = new SmppSimError('closed', 'connection closed');
    for (const [seq, p] of this.pending) {
      this.pending.delete(seq);
      if (p.sentAt >= 0) this.inflight--;
      p.cb(LOCAL_FAILURE, undefined, err);
    }
    const queued = this.queue.slice(this.queueHead);
    this.queue = [];
    this.queueHead = 0;
    for (const q of queued) q.cb(LOCAL_FAILURE, undefined, err);
    this.emit('close');
  }

  private dispatch(pdu: NodeSmppPdu, raw: Buffer): void {
    switch (pdu.command) {
      case 'deliver_sm':
      case 'data_sm':
        this.onDeliver(pdu, raw);
        return;
      case 'enquire_link':
        this.session.send(pdu.response());
        return;
      case 'unbind':
        this.session.send(pdu.response(), undefined, () => this.session.close());
        return;
      default:
        if ((pdu.command_id & 0x80000000) === 0) {
          this.session.send(
            new PDU('generic_nack', { command_status: 0x03, sequence_number: pdu.sequence_number }),
          );
        }
    }
  }

  private onDeliver(pdu: NodeSmppPdu, raw: Buffer): void {
    const esmClass = typeof pdu.esm_class === 'number' ? pdu.esm_class : 0;
    const kind = isReceiptEsmClass(esmClass) ? 'receipt' : 'mo';
    const s = this.deliverSmRespStatus;
    const respStatus = typeof s === 'number' ? s : s(pdu, kind);
    if (kind === 'receipt') this.receiptCount++;
    else this.moCount++;
    if (this.record) {
      const command = pdu.command as 'deliver_sm' | 'data_sm';
      const base = {
        ...readMessagePdu(raw, command),
        command,
        sequenceNumber: pdu.sequence_number,
        respStatus,
        receivedAt: Date.now(),
        frame: raw,
        pdu,
      };
      if (kind === 'receipt') {
        const text = base.body.toString('latin1');
        let parsed: ParsedReceipt | undefined;
        let parseError: unknown;
        try {
          parsed = parseReceipt(base.body);
        } catch (e) {
          parseError = e;
        }
        const receiptedMessageId = tlvString(pdu.receipted_message_id);
        const messageState = typeof pdu.message_state === 'number' ? pdu.message_state : undefined;
        const rec: EsmeReceipt = {
          ...base,
          id: receiptedMessageId ?? parsed?.id,
          state: messageState ?? parsed?.state,
          receiptedMessageId,
          messageState,
          networkErrorCode: Buffer.isBuffer(pdu.network_error_code) ? pdu.network_error_code : undefined,
          text,
          parsed,
          parseError,
        };
        this.receipts.push(rec);
        this.emit('receipt', rec);
      } else {
        let text: string | undefined;
        try {
          text = decodeText(base.dataCoding, base.body);
        } catch {
          text = undefined;
        }
        const rec: EsmeMo = { ...base, text };
        this.mos.push(rec);
        this.emit('mo', rec);
      }
    }
    const resp = pdu.response(respStatus === 0 ? {} : { command_status: respStatus });
    const delay = this.deliverSmRespDelayMs;
    if (delay <= 0) {
      this.session.send(resp);
      return;
    }
    const t = setTimeout(() => {
      this.delayTimers.delete(t);
      if (!this._closed) this.session.send(resp);
    }, delay);
    this.delayTimers.add(t);
  }
}
