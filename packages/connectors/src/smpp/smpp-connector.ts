import type { SmppConnectorConfig } from '@hub/config';
import { Errors, type HubError, isHubError, toSmppStatus } from '@hub/errors';
import type { HubMessage } from '@hub/message';
import {
  type BindType,
  type RequestDecision,
  SmppClient,
  type SmppClientOptions,
  type SmppPdu,
  SmppStatus,
} from '@hub/smpp';
import { RateLimiter } from '../rate-limiter.js';
import type { Connector, ConnectorDeps, ConnectorState, OnConnectorEvent, SendResult } from '../types.js';
import {
  buildMo,
  canonicalId,
  isReport,
  MoAssembler,
  type MoPart,
  parseReport,
  readMoPart,
} from './receive.js';
import { classifyStatus, statusError } from './status-map.js';
import { planSubmits } from './submit.js';

/** Options of an {@link SmppConnector}: the common deps plus a client factory (tests, instrumentation). */
export interface SmppConnectorDeps extends ConnectorDeps {
  /** Builds one session supervisor (default `new SmppClient(options)`). */
  readonly createClient?: (options: SmppClientOptions) => SmppClient;
}

type Role = 'trx' | 'tx' | 'rx';

interface Link {
  readonly role: Role;
  readonly client: SmppClient;
}

interface Waiter {
  readonly timer: NodeJS.Timeout;
  readonly reject: (err: HubError) => void;
}

const defaultOnEvent: OnConnectorEvent = () =>
  Promise.reject(new Errors.HUB_ERR_CONNECTOR_TEMPORARY('-', 'no event handler: the upstream keeps the PDU'));

/**
 * A {@link Connector} to one upstream SMSC over SMPP, on `@hub/smpp`'s `SmppClient`.
 *
 * - **Sessions:** `binds` transceiver sessions; for `bindType: transmitter`, `binds` transmitters plus
 *   `binds` receivers (receipts and MO arrive on receivers); `receiver` alone gives a receive-only
 *   connector whose `send()` fails permanently. Each session has its own window (`windowSize`) and
 *   reconnects with backoff (`reconnectDelayMs` … `reconnectMaxDelayMs`).
 * - **Sending:** round-robin over bound transmit-capable sessions; all segments of one message go on the
 *   same session, one after the other. A token bucket at `messagesPerSecond` (per submit_sm PDU) halves on
 *   ESME_RTHROTTLED / ESME_RMSGQFUL / congestion_state ≥ 80 and recovers gradually.
 * - **TLVs:** sessions assume the configured `interfaceVersion` when the bind_resp carries no
 *   sc_interface_version (SAR and message_payload need TLVs; an operator who set them knows the SMSC).
 * - **Receiving:** deliver_sm / data_sm become `report` or `mo` events; the deliver_sm_resp is written only
 *   when `onEvent` resolves (ESME_RX_T_APPN when it rejects, so the SMSC redelivers). Concatenated MO parts
 *   are acknowledged one by one and held in memory until complete (see {@link MoAssembler}).
 */
export class SmppConnector implements Connector {
  readonly id: string;
  readonly kind = 'smpp' as const;
  readonly #config: SmppConnectorConfig;
  readonly #deps: SmppConnectorDeps;
  readonly #onEvent: OnConnectorEvent;
  readonly #now: () => number;
  readonly #links: Link[] = [];
  readonly #limiter: RateLimiter;
  readonly #assembler: MoAssembler;
  readonly #waiters = new Set<Waiter>();
  #rr = 0;
  #reference = Math.floor(Math.random() * 0x10000);
  #started = false;
  #stopped = false;
  #sweepTimer: NodeJS.Timeout | undefined;
  #lastError: { code: string; message: string; at: number } | undefined;
  #since: number;
  #wasUp = false;
  #congestion: number | undefined;

  constructor(config: SmppConnectorConfig, deps: SmppConnectorDeps = {}) {
    this.id = config.id;
    this.#config = config;
    this.#deps = deps;
    this.#onEvent = deps.onEvent ?? defaultOnEvent;
    this.#now = deps.now ?? Date.now;
    this.#since = this.#now();
    this.#limiter = new RateLimiter({ messagesPerSecond: config.messagesPerSecond });
    this.#assembler = new MoAssembler(deps.moPartTimeoutMs ?? 60_000);
    const roles: Role[] = [];
    for (let i = 0; i < config.binds; i++) {
      if (config.bindType === 'transceiver') roles.push('trx');
      else if (config.bindType === 'receiver') roles.push('rx');
      else roles.push('tx', 'rx');
    }
    const create = deps.createClient ?? ((o: SmppClientOptions) => new SmppClient(o));
    for (const role of roles) {
      const client = create(this.#clientOptions(role));
      client.on('bound', () => this.#updateUp());
      client.on('unbound', () => this.#updateUp());
      client.on('failure', (err) => this.#noteError(err));
      client.on('congestion', (level) => {
        this.#congestion = level;
        this.#limiter.congestion(level, this.#now());
      });
      this.#links.push({ role, client });
    }
  }

  /**
   * Starts every session. Resolves when one transmit-capable session (any session for a receive-only
   * connector) is bound, or after `startWaitMs` (default 5000) while the sessions keep retrying in the
   * background. Never rejects. Calling it after {@link stop} does nothing.
   */
  async start(): Promise<void> {
    if (this.#started || this.#stopped) return;
    this.#started = true;
    const sweepEvery = Math.max(100, Math.min(5_000, Math.floor((this.#deps.moPartTimeoutMs ?? 60_000) / 4)));
    this.#sweepTimer = setInterval(() => this.#sweep(), sweepEvery);
    this.#sweepTimer.unref();
    for (const l of this.#links) l.client.start();
    await this.#waitUsable(this.#deps.startWaitMs ?? 5_000).catch(() => {});
  }

  /** See {@link Connector.send}; the error table is in `status-map.ts`. */
  async send(msg: HubMessage): Promise<SendResult> {
    if (this.#stopped) throw new Errors.HUB_ERR_CONNECTOR_STOPPED(this.id);
    if (!this.#links.some((l) => l.role !== 'rx')) {
      throw new Errors.HUB_ERR_CONNECTOR_UNSUPPORTED(this.id, 'receive-only connector (bindType receiver)');
    }
    const plan = planSubmits(msg, this.#config, { reference: this.#nextReference(), now: this.#now() });
    let link = await this.#pick();
    const upstreamIds: string[] = [];
    let acceptedAt = this.#now();
    for (const submit of plan.submits) {
      try {
        await this.#rateSlot();
        if (!link.client.bound) link = await this.#pick();
        const resp = await link.client.submit(submit.fields, { tlvs: submit.tlvs });
        if (resp.status !== 0) {
          if (classifyStatus(resp.status) === 'throttled') this.#limiter.backoff(this.#now());
          throw statusError(this.id, resp.status, { acceptedUpstreamIds: [...upstreamIds] });
        }
        upstreamIds.push(canonicalId(String(resp.fields.message_id ?? ''), this.#config.submitIdBase));
        acceptedAt = this.#now();
      } catch (err) {
        throw this.#sendFailure(err, upstreamIds);
      }
    }
    return { upstreamIds, segments: plan.submits.length, acceptedAt };
  }

  /** See {@link ConnectorState}. */
  state(): ConnectorState {
    const bound = this.#links.filter((l) => l.client.bound).length;
    const inFlight = this.#links.reduce((n, l) => n + (l.client.session?.inFlight ?? 0), 0);
    const current = this.#limiter.rate(this.#now());
    return {
      id: this.id,
      kind: this.kind,
      up: this.#isUp(),
      sessions: { configured: this.#links.length, bound },
      inFlight,
      waiting: this.#waiters.size,
      rate: {
        configured: this.#config.messagesPerSecond,
        current: Number.isFinite(current) ? current : null,
      },
      ...(this.#congestion === undefined ? {} : { congestion: this.#congestion }),
      ...(this.#lastError === undefined ? {} : { lastError: this.#lastError }),
      since: this.#since,
    };
  }

  /**
   * Unbinds every session and stops reconnecting. Sends waiting for a rate slot or a bind fail with
   * `HUB_ERR_CONNECTOR_STOPPED`; submits in flight fail with `HUB_ERR_SMPP_SESSION_CLOSED` unless the
   * SMSC answers them before its unbind_resp (both temporary). Partial MO parts held in memory are dropped
   * (they were acknowledged; see {@link MoAssembler}). Final: a stopped connector does not start again.
   */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.#sweepTimer) clearInterval(this.#sweepTimer);
    for (const w of [...this.#waiters]) {
      clearTimeout(w.timer);
      w.reject(new Errors.HUB_ERR_CONNECTOR_STOPPED(this.id));
    }
    this.#waiters.clear();
    await Promise.all(this.#links.map((l) => l.client.stop()));
    if (this.#assembler.size > 0)
      this.#deps.onWarning?.(
        `connector ${this.id}: ${this.#assembler.size} partial MO messages dropped at stop`,
      );
    this.#assembler.clear();
    this.#updateUp();
  }

  // ---- sending ----

  #clientOptions(role: Role): SmppClientOptions {
    const c = this.#config;
    return {
      host: c.host,
      port: c.port,
      ...(c.tls === undefined
        ? {}
        : {
            tls: {
              rejectUnauthorized: c.tls.rejectUnauthorized,
              ...(c.tls.ca === undefined ? {} : { ca: c.tls.ca }),
            },
          }),
      bindType: role satisfies BindType,
      systemId: c.systemId,
      password: c.password,
      systemType: c.systemType,
      interfaceVersion: c.interfaceVersion,
      assumedPeerVersion: c.interfaceVersion,
      windowSize: c.windowSize,
      responseTimeoutMs: c.responseTimeoutMs,
      enquireLinkIntervalMs: c.enquireLinkIntervalMs,
      reconnect: { initialDelayMs: c.reconnectDelayMs, maxDelayMs: c.reconnectMaxDelayMs },
      onRequest: (_session, pdu) => this.#onRequest(pdu),
    };
  }

  #nextReference(): number {
    this.#reference = (this.#reference + 1) & 0xffff;
    return this.#reference;
  }

  #transmitters(): Link[] {
    return this.#links.filter((l) => l.role !== 'rx' && l.client.bound);
  }

  #isUp(): boolean {
    if (this.#stopped) return false;
    const sendOnly = this.#links.every((l) => l.role === 'rx');
    return sendOnly ? this.#links.some((l) => l.client.bound) : this.#transmitters().length > 0;
  }

  #updateUp(): void {
    const up = this.#isUp();
    if (up !== this.#wasUp) {
      this.#wasUp = up;
      this.#since = this.#now();
    }
  }

  /** Next bound transmit-capable session (round-robin); waits up to `bindWaitMs` for one. */
  async #pick(): Promise<Link> {
    let ready = this.#transmitters();
    if (ready.length === 0 && (this.#deps.bindWaitMs ?? 0) > 0) {
      await this.#waitUsable(this.#deps.bindWaitMs ?? 0).catch(() => {});
      ready = this.#transmitters();
    }
    if (this.#stopped) throw new Errors.HUB_ERR_CONNECTOR_STOPPED(this.id);
    if (ready.length === 0)
      throw new Errors.HUB_ERR_CONNECTOR_DOWN(this.id, this.#lastError?.message ?? 'not bound yet');
    this.#rr = (this.#rr + 1) % ready.length;
    return ready[this.#rr] as Link;
  }

  /** Resolves when usable, rejects after `ms` (or at stop). */
  #waitUsable(ms: number): Promise<void> {
    if (this.#isUp()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const onBound = (): void => {
        if (!this.#isUp()) return;
        cleanup();
        resolve();
      };
      const cleanup = (): void => {
        clearTimeout(waiter.timer);
        this.#waiters.delete(waiter);
        for (const l of this.#links) l.client.off('bound', onBound);
      };
      const waiter: Waiter = {
        timer: setTimeout(() => {
          cleanup();
          reject(new Errors.HUB_ERR_CONNECTOR_DOWN(this.id, 'no bind in time'));
        }, ms),
        reject: (err) => {
          cleanup();
          reject(err);
        },
      };
      this.#waiters.add(waiter);
      for (const l of this.#links) l.client.on('bound', onBound);
    });
  }

  /** Waits for a rate slot; fails `throttled` when the wait would exceed `maxRateWaitMs`. */
  async #rateSlot(): Promise<void> {
    const maxWait = this.#deps.maxRateWaitMs ?? this.#config.responseTimeoutMs;
    const r = this.#limiter.reserve(this.#now(), maxWait);
    if (!r.ok) {
      throw new Errors.HUB_ERR_CONNECTOR_RATE_LIMITED(
        this.id,
        maxWait,
        this.#limiter.rate(this.#now()).toFixed(1),
        {
          details: { waitMs: r.waitMs },
        },
      );
    }
    if (r.waitMs === 0) return;
    await new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        timer: setTimeout(() => {
          this.#waiters.delete(waiter);
          resolve();
        }, r.waitMs),
        reject: (err) => {
          this.#limiter.release();
          reject(err);
        },
      };
      this.#waiters.add(waiter);
    });
  }

  #sendFailure(err: unknown, accepted: readonly string[]): HubError {
    let out: HubError;
    if (isHubError(err)) {
      // Status errors already carry the accepted ids; transport errors are wrapped only when some parts went.
      out =
        accepted.length > 0 && err.details?.acceptedUpstreamIds === undefined
          ? new Errors.HUB_ERR_CONNECTOR_TEMPORARY(this.id, err.code, {
              cause: err,
              details: { acceptedUpstreamIds: [...accepted], cause: err.code },
            })
          : err;
    } else {
      out = new Errors.HUB_ERR_CONNECTOR_TEMPORARY(
        this.id,
        err instanceof Error ? err.message : String(err),
        {
          cause: err,
          details: { acceptedUpstreamIds: [...accepted] },
        },
      );
    }
    if (out.recovery !== 'permanent') this.#noteError(out);
    return out;
  }

  #noteError(err: HubError): void {
    this.#lastError = { code: err.code, message: err.message, at: this.#now() };
  }

  // ---- receiving ----

  async #onRequest(pdu: SmppPdu): Promise<RequestDecision> {
    if (pdu.command !== 'deliver_sm' && pdu.command !== 'data_sm') return { status: 0 };
    const now = this.#now();
    if (isReport(pdu)) {
      const report = parseReport(pdu, this.#config, now);
      if (report === undefined) {
        this.#deps.onWarning?.(`connector ${this.id}: unparseable delivery receipt`);
        return { status: SmppStatus.ESME_RX_P_APPN };
      }
      return this.#deliver({ type: 'report', report });
    }
    let part: MoPart;
    try {
      part = readMoPart(pdu);
    } catch (err) {
      this.#deps.onWarning?.(`connector ${this.id}: malformed MO`, err);
      return { status: toSmppStatus(err) };
    }
    const added = this.#assembler.add(part, now);
    // Earlier parts are acked at once; only the completing part waits for Hub to store the message.
    if (added.status === 'partial') return { status: 0 };
    const mo = buildMo(added.first, added.bytes, added.total, this.#config, now);
    if (mo === undefined) {
      this.#assembler.done(part);
      this.#deps.onWarning?.(`connector ${this.id}: MO with an unusable address`);
      return { status: SmppStatus.ESME_RX_P_APPN };
    }
    const decision = await this.#deliver({ type: 'mo', mo });
    if (decision.status === 0) this.#assembler.done(part);
    else this.#assembler.forget(part);
    return decision;
  }

  async #deliver(ev: Parameters<OnConnectorEvent>[0]): Promise<RequestDecision> {
    try {
      await this.#onEvent(ev);
      return { status: 0 };
    } catch (err) {
      this.#deps.onWarning?.(`connector ${this.id}: ${ev.type} not stored, upstream will redeliver`, err);
      return { status: SmppStatus.ESME_RX_T_APPN };
    }
  }

  #sweep(): void {
    const now = this.#now();
    for (const g of this.#assembler.sweep(now)) {
      const mo = buildMo(g.first, g.bytes, g.total, this.#config, now, {
        total: g.total,
        missing: g.missing,
      });
      if (mo === undefined) continue;
      this.#onEvent({ type: 'mo', mo }).catch((err: unknown) =>
        this.#deps.onWarning?.(`connector ${this.id}: incomplete MO lost (parts already acknowledged)`, err),
      );
    }
  }
}
