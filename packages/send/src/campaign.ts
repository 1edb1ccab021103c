/**
 * Sends a list of recipients through Hub's own SMPP interface exactly as a customer's application would:
 * one {@link SmppClient} session (transceiver when receipts are awaited, else transmitter), a window of
 * submits in flight, a pacing rate limit, retries on ESME_RTHROTTLED / ESME_RMSGQFUL, and delivery
 * receipts read from deliver_sm through the client's `onRequest` hook.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Errors, type HubError, isHubError, toSmppStatus } from '@hub/errors';
import {
  type ClientTlsOptions,
  EsmClass,
  isFinalState,
  parseReceipt,
  type RequestDecision,
  SmppClient,
  type SmppPdu,
  SmppStatus,
  stateForStat,
  statForState,
  statusName,
} from '@hub/smpp';
import { parseSource } from './address.js';
import { planMessage } from './plan.js';
import { type RateClock, RateLimiter } from './rate.js';
import type { Recipient } from './recipients.js';
import type { SmppTarget } from './url.js';

/** Options of a {@link Campaign}. */
export interface CampaignOptions {
  /** Where to bind; `password` must be resolved (URL or HUB_SEND_PASSWORD) by the caller. */
  readonly target: SmppTarget & { readonly password: string };
  readonly recipients: readonly Recipient[];
  /** Sender (`+8210…`, short code, or alphanumeric ≤ 11). Default empty: Hub or the route fills it. */
  readonly from?: string;
  /** submit_sm PDUs per second (a 3-part message counts 3). 0 or absent: unlimited. */
  readonly rate?: number;
  /** submit_sm in flight at once (default 10, 1–1000). */
  readonly window?: number;
  /**
   * Ask for receipts and, after the last submit, wait up to this long for a final one per accepted
   * message. Absent: no receipts requested, bind as transmitter.
   */
  readonly waitReceiptsMs?: number;
  /** TLS settings for smpps:// (default: verify the certificate). */
  readonly tls?: ClientTlsOptions;
  /** Connect + bind timeout for the first bind (default 10 s). */
  readonly connectTimeoutMs?: number;
  /** submit_sm_resp timeout (default 30 s). */
  readonly responseTimeoutMs?: number;
  /** Retries of one part answered ESME_RTHROTTLED / ESME_RMSGQFUL (default 5, backoff from 250 ms). */
  readonly throttleRetries?: number;
  /** How long to wait for a rebind after the link drops mid-campaign (default 30 s). */
  readonly rebindWaitMs?: number;
  /** For tests: the rate limiter's clock. */
  readonly rateClock?: RateClock;
}

/** Outcome of one row's submit. */
export type SubmitOutcome =
  | 'accepted' // every part got submit_sm_resp status 0
  | 'refused' // Hub answered a part with an error status (see smppStatus)
  | 'failed' // transport trouble: outcome unknown or never sent (see error)
  | 'invalid-number' // not sent: the number is unusable
  | 'empty-text' // not sent: the rendered text is empty
  | 'not-sent'; // not attempted: the campaign was stopped first

/** A receipt as read from a deliver_sm. */
export interface ReceiptInfo {
  /** `stat:` text (DELIVRD, UNDELIV, EXPIRED, …). */
  readonly stat: string;
  readonly err: string | undefined;
  /** `Date.now()` when it arrived. */
  readonly at: number;
  readonly final: boolean;
}

/** What happened to one row; the report file has one line per row. */
export interface RowResult {
  readonly row: number;
  readonly number: string;
  outcome: SubmitOutcome;
  /** Hub message id of each accepted part, in part order. */
  readonly messageIds: string[];
  parts: number;
  /** command_status of the refusing response, for `refused`. */
  smppStatus: number | undefined;
  /** Error code (HUB_ERR_…) for `failed` and locally refused rows. */
  error: string | undefined;
  /** Receipt per accepted part, by message id. */
  readonly receipts: Map<string, ReceiptInfo>;
}

/** A live snapshot for progress display. */
export interface Progress {
  readonly phase: 'binding' | 'sending' | 'waiting-receipts' | 'done';
  readonly total: number;
  /** Rows finished (any outcome). */
  readonly done: number;
  readonly accepted: number;
  readonly refused: number;
  readonly failed: number;
  readonly skipped: number;
  readonly submits: number;
  readonly finalReceipts: number;
  /** Accepted parts still without a final receipt. */
  readonly awaitingReceipts: number;
  readonly elapsedMs: number;
}

/** Totals at the end of a campaign. */
export interface Summary {
  readonly total: number;
  /** Rows submitted (accepted + refused + failed). */
  readonly sent: number;
  readonly accepted: number;
  /** Refused rows by status name (ESME_RINVDSTADR, …). */
  readonly refused: Readonly<Record<string, number>>;
  /** Failed rows by error code. */
  readonly failed: Readonly<Record<string, number>>;
  /** Rows not sent, by reason (invalid-number, empty-text, not-sent). */
  readonly skipped: Readonly<Record<string, number>>;
  /** submit_sm PDUs answered (retries included). */
  readonly submits: number;
  /** Retries after ESME_RTHROTTLED / ESME_RMSGQFUL. */
  readonly throttled: number;
  /** Whether receipts were requested and awaited. */
  readonly receiptsRequested: boolean;
  /** Final receipts per accepted row, by stat (a multi-part row counts once, by its worst part). */
  readonly receipts: Readonly<Record<string, number>>;
  /** Accepted rows without a final receipt when the wait ended. */
  readonly receiptsMissing: number;
  /** Receipts whose id matched no message of this run. */
  readonly receiptsUnmatched: number;
  /** Ordinary (non-receipt) deliver_sm received and acknowledged. */
  readonly mo: number;
  readonly durationMs: number;
  /** Mean submit_sm per second over the sending phase. */
  readonly submitsPerSecond: number;
}

/** The result of {@link Campaign.run}. */
export interface CampaignResult {
  readonly rows: readonly RowResult[];
  readonly summary: Summary;
}

const THROTTLING: ReadonlySet<number> = new Set([SmppStatus.ESME_RTHROTTLED, SmppStatus.ESME_RMSGQFUL]);
// Errors after which the submit certainly did not reach Hub: wait for a bind and try again.
const NOT_SENT = new Set(['HUB_ERR_SMPP_NOT_BOUND', 'HUB_ERR_SMPP_WINDOW_TIMEOUT']);

/** Canonical form of a message id for matching receipts (case, spaces and hex leading zeros ignored). */
export function idKey(id: string): string {
  const t = id.trim().toLowerCase();
  return /^[0-9a-f]+$/.test(t) ? t.replace(/^0+(?=.)/, '') : t;
}

/** The row's receipt stat: undefined until every part has a final one, then DELIVRD or the first other stat. */
export function rowStat(r: RowResult): ReceiptInfo | undefined {
  if (r.outcome !== 'accepted' || r.messageIds.length === 0) return undefined;
  let last: ReceiptInfo | undefined;
  for (const id of r.messageIds) {
    const rc = r.receipts.get(id);
    if (rc === undefined || !rc.final) return undefined;
    if (rc.stat !== 'DELIVRD') return rc;
    if (last === undefined || rc.at > last.at) last = rc;
  }
  return last;
}

function bump(m: Record<string, number>, k: string): void {
  m[k] = (m[k] ?? 0) + 1;
}

/**
 * One run over a list of recipients. `run()` binds, sends and (optionally) waits for receipts, then
 * unbinds; `progress` can be read at any time; `stop()` ends early (rows not yet started are `not-sent`).
 * `run()` rejects only with `HUB_ERR_SEND_CONNECT_FAILED` (nothing sent: fix the URL, account or network)
 * or `HUB_ERR_SEND_INVALID_OPTION` (bad rate, window or sender); per-row problems are in the result.
 */
export class Campaign {
  readonly #o: CampaignOptions;
  readonly #rows: RowResult[];
  readonly #byId = new Map<string, { row: RowResult; id: string }>();
  // Receipts that overtook their submit_sm_resp bookkeeping, by id key.
  readonly #early = new Map<string, ReceiptInfo>();
  #phase: Progress['phase'] = 'binding';
  #next = 0;
  #stopped = false;
  #started = 0;
  #sendEnded = 0;
  #submits = 0;
  #throttled = 0;
  #finalReceipts = 0;
  #awaiting = 0;
  #unmatched = 0;
  #mo = 0;
  #reference = Math.floor(Math.random() * 256);
  #receiptWaiter: (() => void) | undefined;
  readonly #stopSignal = new AbortController();
  readonly #counts = { accepted: 0, refused: 0, failed: 0, skipped: 0, done: 0 };

  constructor(options: CampaignOptions) {
    this.#o = options;
    this.#rows = options.recipients.map((r) => ({
      row: r.row,
      number: r.number,
      outcome: 'not-sent',
      messageIds: [],
      parts: 0,
      smppStatus: undefined,
      error: undefined,
      receipts: new Map(),
    }));
  }

  /** A snapshot of where the run is. */
  get progress(): Progress {
    return {
      phase: this.#phase,
      total: this.#rows.length,
      ...this.#counts,
      submits: this.#submits,
      finalReceipts: this.#finalReceipts,
      awaitingReceipts: this.#awaiting,
      elapsedMs: this.#started === 0 ? 0 : Date.now() - this.#started,
    };
  }

  /** Stops taking new rows (in-flight submits finish) and ends any receipt wait. Idempotent. */
  stop(): void {
    this.#stopped = true;
    this.#receiptWaiter?.();
    this.#stopSignal.abort();
  }

  /** Runs the campaign once; see the class comment for what rejects. */
  async run(): Promise<CampaignResult> {
    const o = this.#o;
    const window = o.window ?? 10;
    if (!Number.isInteger(window) || window < 1 || window > 1000)
      throw new Errors.HUB_ERR_SEND_INVALID_OPTION('--window', `${window} (1–1000)`);
    const rate = o.rate ?? 0;
    if (!Number.isFinite(rate) || rate < 0)
      throw new Errors.HUB_ERR_SEND_INVALID_OPTION('--rate', String(rate));
    const source = parseSource(o.from ?? '');
    if (source === undefined)
      throw new Errors.HUB_ERR_SEND_INVALID_OPTION(
        '--from',
        `'${o.from}' (alphanumeric senders are at most 11 characters)`,
      );
    const wantReceipts = o.waitReceiptsMs !== undefined;
    this.#started = Date.now();

    const client = new SmppClient({
      host: o.target.host,
      port: o.target.port,
      ...(o.target.tls ? { tls: o.tls ?? true } : {}),
      bindType: wantReceipts ? 'trx' : 'tx',
      systemId: o.target.systemId,
      password: o.target.password,
      systemType: o.target.systemType,
      windowSize: window,
      responseTimeoutMs: o.responseTimeoutMs ?? 30_000,
      windowWaitMs: o.responseTimeoutMs ?? 30_000,
      connectTimeoutMs: o.connectTimeoutMs ?? 10_000,
      reconnect: { initialDelayMs: 500, maxDelayMs: 5_000 },
      onRequest: (_s, pdu) => this.#onRequest(pdu),
    });
    // Reported through bind/submit outcomes; the listener keeps EventEmitter from throwing.
    client.on('failure', () => {});
    await this.#firstBind(client);

    this.#phase = 'sending';
    const limiter = new RateLimiter(rate, o.rateClock);
    try {
      const workers = Array.from({ length: Math.min(window, Math.max(1, this.#rows.length)) }, () =>
        this.#worker(client, limiter, source, wantReceipts),
      );
      await Promise.all(workers);
      this.#sendEnded = Date.now();
      if (wantReceipts && !this.#stopped && this.#awaiting > 0) {
        this.#phase = 'waiting-receipts';
        await this.#waitReceipts(o.waitReceiptsMs ?? 0);
      }
    } finally {
      this.#phase = 'done';
      await client.stop();
    }
    return { rows: this.#rows, summary: this.#summary(wantReceipts) };
  }

  async #firstBind(client: SmppClient): Promise<void> {
    const o = this.#o;
    const where = `${o.target.tls ? 'smpps' : 'smpp'}://${o.target.systemId}@${o.target.host}:${o.target.port}`;
    const timeoutMs = (o.connectTimeoutMs ?? 10_000) + 1_000;
    const failure = await new Promise<HubError | undefined>((resolve) => {
      const timer = setTimeout(() => done(new Errors.HUB_ERR_SMPP_NOT_BOUND('bind', 'timeout')), timeoutMs);
      const onBound = (): void => done(undefined);
      const onFailure = (err: HubError): void => done(err);
      const done = (err: HubError | undefined): void => {
        clearTimeout(timer);
        client.off('bound', onBound);
        client.off('failure', onFailure);
        resolve(err);
      };
      client.once('bound', onBound);
      client.once('failure', onFailure);
      client.start();
    });
    if (failure === undefined) return;
    await client.stop();
    const status = failure.details?.status;
    const why =
      typeof status === 'number'
        ? `bind refused with ${statusName(status)}${status === SmppStatus.ESME_RINVPASWD ? ' (wrong password)' : status === SmppStatus.ESME_RINVSYSID ? ' (unknown system_id)' : ''}`
        : failure.message;
    throw new Errors.HUB_ERR_SEND_CONNECT_FAILED(where, why, {
      cause: failure,
      ...(typeof status === 'number' ? { details: { status } } : {}),
    });
  }

  async #worker(
    client: SmppClient,
    limiter: RateLimiter,
    source: NonNullable<ReturnType<typeof parseSource>>,
    wantReceipts: boolean,
  ): Promise<void> {
    const recipients = this.#o.recipients;
    for (;;) {
      if (this.#stopped) return;
      const i = this.#next++;
      const rcpt = recipients[i];
      const row = this.#rows[i];
      if (rcpt === undefined || row === undefined) return;
      if (rcpt.skip !== undefined || rcpt.dest === undefined) {
        row.outcome = rcpt.skip ?? 'invalid-number';
        this.#counts.skipped++;
        this.#counts.done++;
        continue;
      }
      let parts: ReadonlyArray<Readonly<Record<string, unknown>>>;
      try {
        const reference = this.#reference;
        this.#reference = (this.#reference + 1) & 0xff;
        parts = planMessage({
          source,
          dest: rcpt.dest,
          text: rcpt.text,
          reference,
          receipt: wantReceipts,
        }).parts;
      } catch (err) {
        // Too long or unencodable: what Hub would refuse, decided here without a round trip.
        this.#finish(row, 'refused', {
          status: toSmppStatus(err),
          error: isHubError(err) ? err.code : undefined,
        });
        continue;
      }
      row.parts = parts.length;
      await this.#sendParts(client, limiter, row, parts);
    }
  }

  async #sendParts(
    client: SmppClient,
    limiter: RateLimiter,
    row: RowResult,
    parts: ReadonlyArray<Readonly<Record<string, unknown>>>,
  ): Promise<void> {
    const maxThrottle = this.#o.throttleRetries ?? 5;
    for (const fields of parts) {
      let throttled = 0;
      let rebinds = 0;
      for (;;) {
        await limiter.take();
        let resp: SmppPdu;
        try {
          resp = await client.submit(fields);
        } catch (err) {
          const code = isHubError(err) ? err.code : 'HUB_ERR_INTERNAL';
          if (NOT_SENT.has(code) && rebinds < 3 && !this.#stopped) {
            rebinds++;
            try {
              await client.whenBound(this.#o.rebindWaitMs ?? 30_000);
              continue;
            } catch {
              // Still unbound: give the row up below.
            }
          }
          // Response timeout or link lost with the submit in flight: Hub may have accepted it.
          this.#finish(row, 'failed', { error: code });
          return;
        }
        this.#submits++;
        if (resp.status === 0) {
          const id = String(resp.fields.message_id ?? '');
          row.messageIds.push(id);
          this.#track(row, id);
          break;
        }
        if (THROTTLING.has(resp.status) && throttled < maxThrottle && !this.#stopped) {
          throttled++;
          this.#throttled++;
          await this.#pause(Math.min(5_000, 250 * 2 ** (throttled - 1)));
          continue;
        }
        this.#finish(row, 'refused', { status: resp.status });
        return;
      }
    }
    this.#finish(row, 'accepted', {});
  }

  // Sleeps, but wakes at once on stop().
  async #pause(ms: number): Promise<void> {
    await sleep(ms, undefined, { signal: this.#stopSignal.signal }).catch(() => {});
  }

  #finish(row: RowResult, outcome: SubmitOutcome, r: { status?: number; error?: string | undefined }): void {
    row.outcome = outcome;
    row.smppStatus = r.status;
    row.error = r.error;
    if (outcome === 'accepted') this.#counts.accepted++;
    else if (outcome === 'refused') this.#counts.refused++;
    else this.#counts.failed++;
    this.#counts.done++;
  }

  #track(row: RowResult, id: string): void {
    const key = idKey(id);
    this.#byId.set(key, { row, id });
    const early = this.#early.get(key);
    if (early !== undefined) {
      this.#early.delete(key);
      this.#unmatched--;
      row.receipts.set(id, early);
      if (early.final) {
        this.#finalReceipts++;
        return;
      }
    }
    this.#awaiting++;
  }

  #onRequest(pdu: SmppPdu): RequestDecision {
    if (pdu.command !== 'deliver_sm' && pdu.command !== 'data_sm')
      return { status: SmppStatus.ESME_RINVCMDID };
    const esm = typeof pdu.fields.esm_class === 'number' ? pdu.fields.esm_class : 0;
    const type = esm & EsmClass.TYPE_MASK;
    const tlvId =
      typeof pdu.tlvs.receipted_message_id === 'string' ? pdu.tlvs.receipted_message_id : undefined;
    const isReceipt =
      type === EsmClass.TYPE_MC_DELIVERY_RECEIPT ||
      type === EsmClass.TYPE_INTERMEDIATE_NOTIFICATION ||
      tlvId !== undefined;
    if (!isReceipt) {
      this.#mo++;
      return { status: 0 };
    }
    const info = readReceipt(pdu, tlvId);
    // Unreadable receipts are acknowledged: redelivering the same bytes cannot help.
    if (info !== undefined) this.#onReceipt(info.id, info.receipt);
    return { status: 0 };
  }

  #onReceipt(id: string, rc: ReceiptInfo): void {
    const key = idKey(id);
    const hit = this.#byId.get(key);
    if (hit === undefined) {
      if (!this.#early.has(key)) this.#unmatched++;
      this.#early.set(key, rc);
      return;
    }
    const before = hit.row.receipts.get(hit.id);
    if (before?.final) return; // duplicate
    hit.row.receipts.set(hit.id, rc);
    if (rc.final) {
      this.#finalReceipts++;
      this.#awaiting--;
      if (this.#awaiting === 0 && this.#sendEnded !== 0) this.#receiptWaiter?.();
    }
  }

  async #waitReceipts(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => finish(), ms);
      const finish = (): void => {
        clearTimeout(timer);
        this.#receiptWaiter = undefined;
        resolve();
      };
      this.#receiptWaiter = finish;
      if (this.#awaiting === 0 || this.#stopped) finish();
    });
  }

  #summary(receiptsRequested: boolean): Summary {
    const refused: Record<string, number> = {};
    const failed: Record<string, number> = {};
    const skipped: Record<string, number> = {};
    const receipts: Record<string, number> = {};
    let missing = 0;
    for (const r of this.#rows) {
      switch (r.outcome) {
        case 'accepted': {
          if (!receiptsRequested) break;
          const st = rowStat(r);
          if (st === undefined) missing++;
          else bump(receipts, st.stat);
          break;
        }
        case 'refused':
          bump(refused, r.smppStatus === undefined ? 'unknown' : statusName(r.smppStatus));
          break;
        case 'failed':
          bump(failed, r.error ?? 'unknown');
          break;
        default:
          bump(skipped, r.outcome);
      }
    }
    const end = Date.now();
    const sendingMs = Math.max(1, (this.#sendEnded || end) - this.#started);
    return {
      total: this.#rows.length,
      sent: this.#counts.accepted + this.#counts.refused + this.#counts.failed,
      accepted: this.#counts.accepted,
      refused,
      failed,
      skipped,
      submits: this.#submits,
      throttled: this.#throttled,
      receiptsRequested,
      receipts,
      receiptsMissing: missing,
      receiptsUnmatched: this.#unmatched,
      mo: this.#mo,
      durationMs: end - this.#started,
      submitsPerSecond: (this.#submits * 1000) / sendingMs,
    };
  }
}

/**
 * Id and stat of a receipt: receipted_message_id and message_state TLVs first, the receipt text (read as
 * Latin-1 octets) for what they lack. `undefined` when neither gives both.
 */
export function readReceipt(
  pdu: SmppPdu,
  tlvId: string | undefined,
): { id: string; receipt: ReceiptInfo } | undefined {
  const data = Buffer.isBuffer(pdu.tlvs.message_payload)
    ? pdu.tlvs.message_payload
    : Buffer.isBuffer(pdu.fields.short_message)
      ? pdu.fields.short_message
      : undefined;
  let parsed: ReturnType<typeof parseReceipt> | undefined;
  try {
    if (data !== undefined && data.length > 0) parsed = parseReceipt(data);
  } catch {
    parsed = undefined;
  }
  const id = tlvId?.trim() || parsed?.id;
  const state = typeof pdu.tlvs.message_state === 'number' ? pdu.tlvs.message_state : parsed?.state;
  const stat =
    (typeof pdu.tlvs.message_state === 'number' ? statForState(pdu.tlvs.message_state) : undefined) ??
    parsed?.stat;
  if (id === undefined || id.length === 0 || stat === undefined) return undefined;
  const st = state ?? stateForStat(stat);
  return {
    id,
    receipt: { stat, err: parsed?.err, at: Date.now(), final: st === undefined || isFinalState(st) },
  };
}
