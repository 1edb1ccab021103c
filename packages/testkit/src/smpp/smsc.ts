/**
 * SmscSimulator: an upstream SMSC on real TCP (or TLS), built straight on node-smpp, for Hub's end-to-end
 * tests and `pnpm bench`. Accepts binds, answers submit_sm / data_sm with its own message ids, sends
 * delivery receipts and MO messages as deliver_sm, and misbehaves on demand (throttling, failure
 * statuses, slow responses, dropped connections, congestion_state).
 */
import { EventEmitter } from 'node:events';
import type { AddressInfo } from 'node:net';
import {
  decodeText,
  encodeText,
  formatReceipt,
  MessageState,
  receiptWanted,
  SmppStatus,
  stateForStat,
  statForState,
} from '@hub/smpp';
import { SmppSimError, waitCount } from './errors.js';
import {
  type FramingError,
  installRawFraming,
  type NodeSmppPdu,
  type NodeSmppServer,
  type NodeSmppSession,
  nodeSmpp,
  PDU,
} from './node-smpp.js';
import { type RawMessageFields, readMessagePdu } from './raw-pdu.js';

/** Bind flavour: transmitter, receiver or transceiver. */
export type BindType = 'tx' | 'rx' | 'trx';

/** Shape of the message ids the SMSC hands out in submit_sm_resp. */
export type MessageIdStyle = 'hex' | 'dec' | 'uuid-ish';

/**
 * A submit_sm / data_sm as node-smpp decoded it, passed to the behaviour hooks. Rely on the address and
 * integer fields declared here; the message fields' shape depends on process-wide node-smpp settings
 * (Hub's `@hub/smpp` turns node-smpp's charset decoding off), so read exact bytes from {@link SmscSubmit}.
 */
export interface SmscSubmitPdu extends NodeSmppPdu {
  service_type: string;
  source_addr_ton: number;
  source_addr_npi: number;
  source_addr: string;
  dest_addr_ton: number;
  dest_addr_npi: number;
  destination_addr: string;
  esm_class: number;
  registered_delivery: number;
  data_coding: number | null;
}

/** A receipt outcome: `stat` text (`DELIVRD`, `UNDELIV`, ...) or message_state number, and the `err:` code. */
export interface ReceiptOutcome {
  readonly stat: string | number;
  readonly err?: number;
}

/** Behaviour switches; all of them can be changed at run time through {@link SmscSimulator.behaviour}. */
export interface SmscBehaviour {
  /** Delay before each submit_sm_resp / data_sm_resp (a slow SMSC). Default 0. */
  responseDelayMs: number;
  /** While true every submit is answered ESME_RTHROTTLED. Default false. */
  throttle: boolean;
  /** When > 0, every Nth submit (counted over the simulator's life) is answered ESME_RTHROTTLED. Default 0. */
  throttleEvery: number;
  /** A non-zero status to refuse a submit with (e.g. destination `333` → ESME_RSUBMITFAIL); undefined/0 accepts. */
  failStatus: ((pdu: SmscSubmitPdu) => number | undefined) | undefined;
  /** congestion_state TLV (0–100) added to successful submit_sm_resp / data_sm_resp; undefined = none. */
  congestionState: number | undefined;
  /** When to send receipts: as registered_delivery asks (default), always, or never. */
  receipts: 'registered' | 'always' | 'never';
  /** Delay between the submit response and its receipt; 0 sends it right after the response. Default 0. */
  receiptDelayMs: number;
  /**
   * The receipt outcome for an accepted submit; undefined sends none. Default: destination ending in
   * `0000` → UNDELIV (err 1), anything else DELIVRD.
   */
  receiptStat: (pdu: SmscSubmitPdu) => string | number | ReceiptOutcome | undefined;
  /** Add the receipted_message_id TLV to receipts. Default true. */
  receiptedMessageIdTlv: boolean;
  /** Add the message_state TLV to receipts. Default true. */
  messageStateTlv: boolean;
  /** Attempts per receipt when the ESME answers deliver_sm_resp with an error. Default 1 (no retry). */
  receiptMaxAttempts: number;
  /** Delay before a receipt retry. Default 100 ms. */
  receiptRetryDelayMs: number;
}

/** Options of {@link SmscSimulator.start}; behaviour switches may be given here too. */
export interface SmscSimulatorOptions extends Partial<SmscBehaviour> {
  /** Port to listen on; 0 (default) lets the OS pick, read it back from `sim.port`. */
  readonly port?: number;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** The account ESMEs bind with. */
  readonly systemId: string;
  readonly password: string;
  /** More accounts, e.g. to test receipts going to the right system_id. */
  readonly accounts?: readonly { readonly systemId: string; readonly password: string }[];
  /** system_id in bind responses. Default `SMSCSIM`. */
  readonly smscSystemId?: string;
  /** sc_interface_version TLV in successful bind responses to 3.4+ binds. Default 0x34. */
  readonly scInterfaceVersion?: number;
  /** Message id shape. Default `hex` (10 upper-case hex digits, leading zeros kept). */
  readonly messageIdStyle?: MessageIdStyle;
  /**
   * The same id as written in receipts (text and receipted_message_id): `same` (default) or re-based, e.g.
   * hex in submit_sm_resp and decimal in the receipt (Vonage does this). Ignored for `uuid-ish`.
   */
  readonly receiptIdStyle?: 'same' | 'hex' | 'dec';
  /** First numeric message id. Default 0x0E999F00. */
  readonly firstMessageId?: number;
  /** Keep a {@link SmscSubmit} per submit in `submits` (default true); false only counts (for load). */
  readonly record?: boolean;
  /** TLS server key and certificate (PEM); plain TCP when absent. */
  readonly tls?: { readonly key: string | Buffer; readonly cert: string | Buffer };
}

/** One submit_sm / data_sm as received, byte-exact, with the simulator's answer. */
export interface SmscSubmit extends RawMessageFields {
  readonly command: 'submit_sm' | 'data_sm';
  /** system_id of the session it arrived on. */
  readonly systemId: string;
  readonly sequenceNumber: number;
  /** command_status answered (0 = accepted), or {@link NOT_ANSWERED} (-1) when dropped unanswered. */
  readonly status: number;
  /** message_id answered; undefined when refused. */
  readonly messageId: string | undefined;
  /** Date.now() on arrival. */
  readonly receivedAt: number;
  /** The whole PDU as received. */
  readonly frame: Buffer;
  /** node-smpp's decoded PDU. */
  readonly pdu: SmscSubmitPdu;
}

/** A bind attempt and its answer. */
export interface SmscBind {
  readonly systemId: string;
  readonly bindType: BindType;
  readonly interfaceVersion: number;
  readonly status: number;
}

/** An MO message to deliver with {@link SmscSimulator.sendMo}. */
export interface SmscMo {
  readonly from: string;
  readonly to: string;
  /** Text, encoded for `dataCoding` with `@hub/smpp` encodeText; or give `bytes`. */
  readonly text?: string;
  /** Exact body octets (win over `text`). */
  readonly bytes?: Uint8Array;
  /** Default 0. */
  readonly dataCoding?: number;
  /** UDH octets (length octet included), prepended to the body; sets esm_class UDHI. */
  readonly udh?: Uint8Array;
  /** Default 0 (plus 0x40 with `udh`). */
  readonly esmClass?: number;
  /** Account whose receiver gets it; default the main `systemId`. */
  readonly systemId?: string;
  /** Send the body as message_payload (automatic above 254 octets). */
  readonly payload?: boolean;
  /** Extra node-smpp fields/TLVs by name, e.g. `{ sar_msg_ref_num: 7 }`. */
  readonly extra?: Readonly<Record<string, unknown>>;
  /** How long to wait for deliver_sm_resp. Default 10 s. */
  readonly timeoutMs?: number;
}

interface SessionState {
  readonly session: NodeSmppSession;
  bindType: BindType | undefined;
  systemId: string;
  interfaceVersion: number;
  readonly inflight: Set<PendingReceipt>;
  /** Rejecters of sendMo calls waiting for deliver_sm_resp on this session. */
  readonly moWaiters: Set<(err: SmppSimError) => void>;
}

interface PendingReceipt {
  readonly systemId: string;
  readonly pdu: NodeSmppPdu;
  attempts: number;
}

const RECEIPT_ESM_CLASS = 0x04;

/** {@link SmscSubmit.status} of a submit left unanswered because {@link SmscSimulator.dropAfter} dropped its connection. */
export const NOT_ANSWERED = -1;

function defaultReceiptStat(pdu: SmscSubmitPdu): ReceiptOutcome {
  return pdu.destination_addr.endsWith('0000') ? { stat: 'UNDELIV', err: 1 } : { stat: 'DELIVRD' };
}

function randomHex(n: number): string {
  let s = '';
  while (s.length < n)
    s += Math.floor(Math.random() * 0x100000000)
      .toString(16)
      .padStart(8, '0');
  return s.slice(0, n);
}

// The first 20 characters of the submitted text for the receipt's `text:` field. node-smpp's
// short_message is `{message, udh?}` normally but a raw Buffer once Hub's session layer has patched
// node-smpp process-wide (importing @hub/smpp does), so both shapes are handled. The receipt is written
// as Latin-1 octets, so only printable ASCII is kept.
function receiptText(pdu: SmscSubmitPdu): string {
  const sm = pdu.short_message ?? pdu.message_payload;
  let text: string | undefined;
  if (Buffer.isBuffer(sm)) {
    const body = (pdu.esm_class & 0x40) !== 0 && sm.length > 0 ? sm.subarray((sm[0] as number) + 1) : sm;
    try {
      text = decodeText(pdu.data_coding ?? 0, body.subarray(0, 40));
    } catch {
      text = undefined;
    }
  } else if (typeof sm === 'object' && sm !== null) {
    const m = (sm as { message?: unknown }).message;
    if (typeof m === 'string') text = m;
  }
  if (text === undefined) return '';
  let out = '';
  for (let i = 0; i < text.length && i < 20; i++) {
    const c = text.charCodeAt(i);
    out += c >= 0x20 && c < 0x7f ? text[i] : '?';
  }
  return out;
}

/**
 * A simulated SMSC. Start with {@link SmscSimulator.start}; always {@link SmscSimulator.stop} it (in an
 * `after` hook). Counters are always kept; per-submit records only with `record` (the default).
 * Events: `'submit'` (SmscSubmit, when recording), `'bound'` (systemId, bindType), `'unbound'` (systemId);
 * never `'error'`. Bind refusals: unknown system_id → ESME_RINVSYSID, wrong password → ESME_RINVPASWD,
 * second bind on a session → ESME_RALYBND; submits before bind or on a receiver → ESME_RINVBNDSTS;
 * other requests → generic_nack ESME_RINVCMDID; a bad command_length → generic_nack ESME_RINVCMDLEN
 * and close.
 */
export class SmscSimulator extends EventEmitter {
  /** Current behaviour; assign fields at any time (e.g. `sim.behaviour.throttle = true`). */
  readonly behaviour: SmscBehaviour;
  /** Every submit received (when recording), in arrival order. */
  readonly submits: SmscSubmit[] = [];
  /** Every bind attempt. */
  readonly binds: SmscBind[] = [];
  /** submit_sm + data_sm received from bound transmitters (refused ones included). */
  submitCount = 0;
  /** Submits answered with status 0. */
  acceptedCount = 0;
  /** Receipt deliver_sm written (retries included). */
  receiptsSent = 0;
  /** Receipts answered deliver_sm_resp status 0. */
  receiptsAcked = 0;
  /** Receipts answered with a non-zero status. */
  receiptsNacked = 0;
  /** MO deliver_sm sent. */
  mosSent = 0;
  /** Connections destroyed by {@link dropAfter} / {@link dropAll}. */
  drops = 0;
  /** Streams abandoned because of a framing error (answered generic_nack ESME_RINVCMDLEN). */
  framingErrors = 0;

  private readonly server: NodeSmppServer;
  private readonly accounts = new Map<string, string>();
  private readonly states = new Set<SessionState>();
  private readonly receivers = new Map<string, SessionState[]>();
  private readonly queued = new Map<string, PendingReceipt[]>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly record: boolean;
  private readonly smscSystemId: string;
  private readonly scInterfaceVersion: number;
  private readonly idStyle: MessageIdStyle;
  private readonly receiptIdStyle: 'same' | 'hex' | 'dec';
  private readonly uuidPrefix = `${randomHex(8)}-${randomHex(4)}-4${randomHex(3)}-a${randomHex(3)}-`;
  private nextId: number;
  private rr = 0;
  private dropCountdown = 0;
  private dropAnswerLast = false;
  private stopped = false;
  private _port = 0;

  private constructor(opts: SmscSimulatorOptions) {
    super();
    this.behaviour = {
      responseDelayMs: opts.responseDelayMs ?? 0,
      throttle: opts.throttle ?? false,
      throttleEvery: opts.throttleEvery ?? 0,
      failStatus: opts.failStatus,
      congestionState: opts.congestionState,
      receipts: opts.receipts ?? 'registered',
      receiptDelayMs: opts.receiptDelayMs ?? 0,
      receiptStat: opts.receiptStat ?? defaultReceiptStat,
      receiptedMessageIdTlv: opts.receiptedMessageIdTlv ?? true,
      messageStateTlv: opts.messageStateTlv ?? true,
      receiptMaxAttempts: opts.receiptMaxAttempts ?? 1,
      receiptRetryDelayMs: opts.receiptRetryDelayMs ?? 100,
    };
    this.accounts.set(opts.systemId, opts.password);
    for (const a of opts.accounts ?? []) this.accounts.set(a.systemId, a.password);
    this.record = opts.record ?? true;
    this.smscSystemId = opts.smscSystemId ?? 'SMSCSIM';
    this.scInterfaceVersion = opts.scInterfaceVersion ?? 0x34;
    this.idStyle = opts.messageIdStyle ?? 'hex';
    this.receiptIdStyle = opts.receiptIdStyle ?? 'same';
    this.nextId = opts.firstMessageId ?? 0x0e999f00;
    const serverOpts: Record<string, unknown> = opts.tls ? { key: opts.tls.key, cert: opts.tls.cert } : {};
    this.server = nodeSmpp.createServer(serverOpts, (session) => this.onSession(session));
    // The server emits errors of its own (listen failures) and, for TLS, per-socket handshake errors.
    this.server.on('error', () => {});
    this.server.on('tlsClientError', () => {});
  }

  /**
   * Starts listening and resolves once the port is bound. Rejects with the listen error (e.g.
   * EADDRINUSE) when the port is taken.
   */
  static async start(opts: SmscSimulatorOptions): Promise<SmscSimulator> {
    const sim = new SmscSimulator(opts);
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      sim.server.once('error', onError);
      sim.server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
        sim.server.off('error', onError);
        resolve();
      });
    });
    sim._port = (sim.server.address() as AddressInfo).port;
    return sim;
  }

  /** The TCP port listened on. */
  get port(): number {
    return this._port;
  }

  /** Open connections (bound or not). */
  get connectionCount(): number {
    return this.states.size;
  }

  /** Bound sessions, optionally only those of one system_id and/or bind type. */
  boundCount(systemId?: string, bindType?: BindType): number {
    let n = 0;
    for (const st of this.states) {
      if (st.bindType === undefined) continue;
      if (systemId !== undefined && st.systemId !== systemId) continue;
      if (bindType !== undefined && st.bindType !== bindType) continue;
      n++;
    }
    return n;
  }

  /** Receipts waiting for a receiver of their system_id to bind. */
  get receiptsQueued(): number {
    let n = 0;
    for (const q of this.queued.values()) n += q.length;
    return n;
  }

  /**
   * Arms a one-shot fault: the connection carrying the `n`th submit from now is destroyed (TCP close,
   * no unbind). With `answerLast` the `n`th submit is answered first (its response may still be lost);
   * by default it is not answered, leaving it in flight for the client. No receipt for the dropped one.
   */
  dropAfter(n: number, opts: { readonly answerLast?: boolean } = {}): void {
    this.dropCountdown = Math.max(0, Math.floor(n));
    this.dropAnswerLast = opts.answerLast ?? false;
  }

  /** Destroys every open connection now; the server keeps listening. */
  dropAll(): void {
    for (const st of this.states) {
      this.drops++;
      st.session.destroy();
    }
  }

  /** Empties `submits` and `binds` and zeroes the counters (queued receipts stay). */
  clearRecords(): void {
    this.submits.length = 0;
    this.binds.length = 0;
    this.submitCount = 0;
    this.acceptedCount = 0;
    this.receiptsSent = 0;
    this.receiptsAcked = 0;
    this.receiptsNacked = 0;
    this.mosSent = 0;
    this.drops = 0;
    this.framingErrors = 0;
  }

  /**
   * Resolves once `n` submits have arrived in total (refused ones included; `accepted: true` counts only
   * status 0). Rejects after `timeoutMs` (default 10 s) with the count seen.
   */
  async waitForSubmits(
    n: number,
    timeoutMs = 10_000,
    opts: { readonly accepted?: boolean } = {},
  ): Promise<void> {
    await waitCount(
      () => (opts.accepted ? this.acceptedCount : this.submitCount),
      n,
      timeoutMs,
      opts.accepted ? 'accepted submits' : 'submits',
    );
  }

  /** Resolves once `n` receipts have been acknowledged with status 0; rejects after `timeoutMs`. */
  async waitForReceiptsAcked(n: number, timeoutMs = 10_000): Promise<void> {
    await waitCount(() => this.receiptsAcked, n, timeoutMs, 'acknowledged receipts');
  }

  /** Resolves once at least `n` sessions (of `systemId`, if given) are bound; rejects after `timeoutMs`. */
  async waitForBound(n = 1, timeoutMs = 10_000, systemId?: string): Promise<void> {
    await waitCount(() => this.boundCount(systemId), n, timeoutMs, 'bound sessions');
  }

  /**
   * Sends an MO deliver_sm to a receiver/transceiver bound as `mo.systemId` (round robin) and resolves
   * with the deliver_sm_resp command_status. Rejects with SmppSimError `no-receiver` when none is bound,
   * `timeout` without a response, `closed` when the connection is gone.
   */
  async sendMo(mo: SmscMo): Promise<number> {
    const systemId = mo.systemId ?? this.firstSystemId();
    const st = this.pickReceiver(systemId);
    if (st === undefined) throw new SmppSimError('no-receiver', `no receiver bound as ${systemId}`);
    const dc = mo.dataCoding ?? 0;
    const body = mo.bytes !== undefined ? Buffer.from(mo.bytes) : encodeText(dc, mo.text ?? '');
    const udh = mo.udh !== undefined ? Buffer.from(mo.udh) : undefined;
    const sm = udh !== undefined ? Buffer.concat([udh, body]) : body;
    const usePayload = mo.payload ?? sm.length > 254;
    const pdu = new PDU('deliver_sm', {
      source_addr_ton: 1,
      source_addr_npi: 1,
      source_addr: mo.from,
      dest_addr_ton: 1,
      dest_addr_npi: 1,
      destination_addr: mo.to,
      esm_class: (mo.esmClass ?? 0) | (udh !== undefined ? 0x40 : 0),
      data_coding: dc,
      short_message: usePayload ? Buffer.alloc(0) : sm,
      ...(usePayload ? { message_payload: sm } : {}),
      ...mo.extra,
    });
    const timeoutMs = mo.timeoutMs ?? 10_000;
    return await new Promise<number>((resolve, reject) => {
      const fail = (err: SmppSimError): void => {
        clearTimeout(timer);
        st.moWaiters.delete(fail);
        reject(err);
      };
      const timer = setTimeout(
        () => fail(new SmppSimError('timeout', `no deliver_sm_resp within ${timeoutMs} ms`)),
        timeoutMs,
      );
      st.moWaiters.add(fail);
      const ok = st.session.send(pdu, (resp) => {
        clearTimeout(timer);
        st.moWaiters.delete(fail);
        resolve(resp.command_status);
      });
      if (!ok) fail(new SmppSimError('closed', 'connection not writable'));
      else this.mosSent++;
    });
  }

  /** Closes the listener and every connection, cancels pending timers. Safe to call twice. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const st of this.states) st.session.destroy();
    await closed;
  }

  // ---------------------------------------------------------------------------------------------

  private firstSystemId(): string {
    return this.accounts.keys().next().value as string;
  }

  private later(ms: number, fn: () => void): void {
    if (this.stopped) return;
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.stopped) fn();
    }, ms);
    this.timers.add(t);
  }

  private onSession(session: NodeSmppSession): void {
    const st: SessionState = {
      session,
      bindType: undefined,
      systemId: '',
      interfaceVersion: 0,
      inflight: new Set(),
      moWaiters: new Set(),
    };
    this.states.add(st);
    // Without an 'error' listener node-smpp's error event kills the process (notes §10 #4).
    session.on('error', () => {});
    installRawFraming(session, (e) => this.onFramingError(st, e));
    session.on('pdu', (pdu: NodeSmppPdu, raw: Buffer) => this.dispatch(st, pdu, raw));
    session.on('close', () => this.onClose(st));
    if (this.stopped) session.destroy();
  }

  private onFramingError(st: SessionState, _e: FramingError): void {
    this.framingErrors++;
    const nack = new PDU('generic_nack', { command_status: SmppStatus.ESME_RINVCMDLEN, sequence_number: 0 });
    if (!st.session.send(nack, undefined, () => st.session.destroy())) st.session.destroy();
  }

  private onClose(st: SessionState): void {
    this.states.delete(st);
    this.unregister(st);
    const err = new SmppSimError('closed', 'connection closed before deliver_sm_resp');
    for (const fail of [...st.moWaiters]) fail(err);
  }

  // Forget a session's binding: no more receipts or MOs go to it.
  private unregister(st: SessionState): void {
    if (st.bindType === undefined) return;
    if (st.bindType !== 'tx') {
      const list = this.receivers.get(st.systemId);
      const i = list?.indexOf(st) ?? -1;
      if (i !== -1) list?.splice(i, 1);
    }
    st.bindType = undefined;
    // Receipts written but not acknowledged go back to the queue (a real SMSC re-delivers them).
    for (const rc of st.inflight) this.deliverReceipt(rc);
    st.inflight.clear();
    this.emit('unbound', st.systemId);
  }

  private reply(
    st: SessionState,
    pdu: NodeSmppPdu,
    fields: Record<string, unknown>,
    onSent?: () => void,
  ): void {
    st.session.send(pdu.response(fields), undefined, onSent);
  }

  private nack(st: SessionState, pdu: NodeSmppPdu, status: number): void {
    st.session.send(
      new PDU('generic_nack', { command_status: status, sequence_number: pdu.sequence_number }),
    );
  }

  private dispatch(st: SessionState, pdu: NodeSmppPdu, raw: Buffer): void {
    switch (pdu.command) {
      case 'submit_sm':
      case 'data_sm':
        this.onSubmit(st, pdu as SmscSubmitPdu, raw);
        return;
      case 'enquire_link':
        this.reply(st, pdu, {});
        return;
      case 'bind_transmitter':
        this.onBind(st, pdu, 'tx');
        return;
      case 'bind_receiver':
        this.onBind(st, pdu, 'rx');
        return;
      case 'bind_transceiver':
        this.onBind(st, pdu, 'trx');
        return;
      case 'unbind':
        this.unregister(st);
        this.reply(st, pdu, {}, () => st.session.close());
        return;
      default:
        // Responses are matched by node-smpp's callbacks; any other request is unsupported here.
        if ((pdu.command_id & 0x80000000) === 0) this.nack(st, pdu, SmppStatus.ESME_RINVCMDID);
    }
  }

  private onBind(st: SessionState, pdu: NodeSmppPdu, bindType: BindType): void {
    const systemId = String(pdu.system_id ?? '');
    const interfaceVersion = Number(pdu.interface_version ?? 0);
    let status: number;
    if (st.bindType !== undefined) status = SmppStatus.ESME_RALYBND;
    else {
      const password = this.accounts.get(systemId);
      if (password === undefined) status = SmppStatus.ESME_RINVSYSID;
      else status = password === pdu.password ? SmppStatus.ESME_ROK : SmppStatus.ESME_RINVPASWD;
    }
    this.binds.push({ systemId, bindType, interfaceVersion, status });
    if (status !== SmppStatus.ESME_ROK) {
      this.reply(st, pdu, { command_status: status });
      return;
    }
    st.bindType = bindType;
    st.systemId = systemId;
    st.interfaceVersion = interfaceVersion;
    this.reply(st, pdu, {
      system_id: this.smscSystemId,
      ...(interfaceVersion >= 0x34 ? { sc_interface_version: this.scInterfaceVersion } : {}),
    });
    if (bindType !== 'tx') {
      const list = this.receivers.get(systemId);
      if (list === undefined) this.receivers.set(systemId, [st]);
      else list.push(st);
      const q = this.queued.get(systemId);
      if (q !== undefined && q.length > 0) {
        this.queued.delete(systemId);
        for (const rc of q) this.deliverReceipt(rc);
      }
    }
    this.emit('bound', systemId, bindType);
  }

  private formatId(n: number, style: MessageIdStyle | 'same'): string {
    switch (style) {
      case 'dec':
        return String(n);
      case 'uuid-ish':
        return this.uuidPrefix + n.toString(16).padStart(12, '0');
      default:
        return n.toString(16).toUpperCase().padStart(10, '0');
    }
  }

  private onSubmit(st: SessionState, pdu: SmscSubmitPdu, raw: Buffer): void {
    if (st.bindType === undefined || st.bindType === 'rx') {
      this.reply(st, pdu, { command_status: SmppStatus.ESME_RINVBNDSTS });
      return;
    }
    const b = this.behaviour;
    const count = ++this.submitCount;
    let drop = false;
    if (this.dropCountdown > 0 && --this.dropCountdown === 0) drop = true;
    const unanswered = drop && !this.dropAnswerLast;
    let status = 0;
    if (unanswered) status = NOT_ANSWERED;
    else if (b.throttle || (b.throttleEvery > 0 && count % b.throttleEvery === 0))
      status = SmppStatus.ESME_RTHROTTLED;
    else if (b.failStatus !== undefined) status = b.failStatus(pdu) ?? 0;
    let n = 0;
    let messageId: string | undefined;
    if (status === 0) {
      this.acceptedCount++;
      n = this.nextId++;
      messageId = this.formatId(n, this.idStyle);
    }
    const receivedAt = Date.now();
    if (this.record) {
      const command = pdu.command as 'submit_sm' | 'data_sm';
      const rec: SmscSubmit = {
        ...readMessagePdu(raw, command),
        command,
        systemId: st.systemId,
        sequenceNumber: pdu.sequence_number,
        status,
        messageId,
        receivedAt,
        frame: raw,
        pdu,
      };
      this.submits.push(rec);
      this.emit('submit', rec);
    }
    if (unanswered) {
      this.drops++;
      st.session.destroy();
      return;
    }
    const respond = (): void => {
      // A delayed response whose connection has gone is lost, and so is its receipt.
      if (st.session.closed) return;
      const fields: Record<string, unknown> =
        status !== 0
          ? { command_status: status }
          : b.congestionState === undefined
            ? { message_id: messageId }
            : { message_id: messageId, congestion_state: b.congestionState };
      const onSent = drop
        ? () => {
            this.drops++;
            st.session.destroy();
          }
        : undefined;
      this.reply(st, pdu, fields, onSent);
      if (status === 0 && !drop) this.scheduleReceipt(st.systemId, pdu, n, receivedAt);
    };
    if (b.responseDelayMs > 0) this.later(b.responseDelayMs, respond);
    else respond();
  }

  private scheduleReceipt(systemId: string, pdu: SmscSubmitPdu, n: number, receivedAt: number): void {
    const b = this.behaviour;
    if (b.receipts === 'never') return;
    const out = b.receiptStat(pdu);
    if (out === undefined) return;
    const outcome: ReceiptOutcome = typeof out === 'object' ? out : { stat: out };
    const state =
      typeof outcome.stat === 'number' ? outcome.stat : (stateForStat(outcome.stat) ?? MessageState.UNKNOWN);
    if (
      b.receipts === 'registered' &&
      !receiptWanted(pdu.registered_delivery, state === MessageState.DELIVERED ? 'success' : 'failure')
    )
      return;
    const id =
      this.idStyle === 'uuid-ish' || this.receiptIdStyle === 'same'
        ? this.formatId(n, this.idStyle)
        : this.formatId(n, this.receiptIdStyle);
    const make = (): void => {
      const text = formatReceipt({
        id,
        submitDate: new Date(receivedAt),
        doneDate: new Date(),
        stat: typeof outcome.stat === 'number' ? (statForState(outcome.stat) ?? 'UNKNOWN') : outcome.stat,
        err: outcome.err ?? 0,
        text: receiptText(pdu),
      });
      const fields: Record<string, unknown> = {
        source_addr_ton: pdu.dest_addr_ton,
        source_addr_npi: pdu.dest_addr_npi,
        source_addr: pdu.destination_addr,
        dest_addr_ton: pdu.source_addr_ton,
        dest_addr_npi: pdu.source_addr_npi,
        destination_addr: pdu.source_addr,
        esm_class: RECEIPT_ESM_CLASS,
        data_coding: 0,
        short_message: Buffer.from(text, 'latin1'),
      };
      if (b.receiptedMessageIdTlv) fields.receipted_message_id = id;
      if (b.messageStateTlv) fields.message_state = state;
      this.deliverReceipt({ systemId, pdu: new PDU('deliver_sm', fields), attempts: 0 });
    };
    if (b.receiptDelayMs > 0) this.later(b.receiptDelayMs, make);
    else make();
  }

  private pickReceiver(systemId: string): SessionState | undefined {
    const list = this.receivers.get(systemId);
    if (list === undefined || list.length === 0) return undefined;
    return list[this.rr++ % list.length];
  }

  // Keep a receipt until a receiver of its system_id binds.
  private hold(rc: PendingReceipt): void {
    const q = this.queued.get(rc.systemId);
    if (q === undefined) this.queued.set(rc.systemId, [rc]);
    else q.push(rc);
  }

  private deliverReceipt(rc: PendingReceipt): void {
    if (this.stopped) return;
    const st = this.pickReceiver(rc.systemId);
    if (st === undefined) {
      this.hold(rc);
      return;
    }
    rc.attempts++;
    // node-smpp assigns a sequence_number only when it is 0; a re-sent receipt needs a fresh one.
    rc.pdu.sequence_number = 0;
    st.inflight.add(rc);
    this.receiptsSent++;
    const ok = st.session.send(rc.pdu, (resp) => {
      st.inflight.delete(rc);
      if (resp.command_status === 0) {
        this.receiptsAcked++;
        return;
      }
      this.receiptsNacked++;
      if (rc.attempts < this.behaviour.receiptMaxAttempts)
        this.later(this.behaviour.receiptRetryDelayMs, () => this.deliverReceipt(rc));
    });
    if (!ok) {
      // Not writable: the session is closing; keep the receipt for the next bind.
      st.inflight.delete(rc);
      this.hold(rc);
    }
  }
}
