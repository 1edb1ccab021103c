import type { Account } from '@hub/config';
import { Errors, isHubError, type Recovery } from '@hub/errors';
import { formatId, type HubMessage, type MessageState, toMmStatus } from '@hub/message';
import {
  absoluteTime,
  DEFAULT_MM7_NAMESPACE,
  DEFAULT_MM7_VERSION,
  decodeMm7Request,
  encodeDeliverReq,
  encodeDeliveryReportReq,
  encodeReadReplyReq,
  isSuccessStatus,
  type MimeEntity,
  type MimePartInput,
  type Mm7EncodeContext,
  type Mm7ReadStatus,
} from '@hub/mm7';
import { toMm7Address } from './inbound.js';
import type { ContentStore, Mm7Logger, Mm7MessageStore } from './ports.js';

/** Options of {@link VaspDelivery}. */
export interface VaspDeliveryOptions {
  /** Abort a POST to a VASP after this long; counts as a temporary failure (default 30 s). */
  readonly timeoutMs?: number;
  /** `MMSRelayServerID` written into requests (default `hub`). */
  readonly relayServerId?: string;
  /** Namespace and MM7Version when the VASP's own are unknown (default REL-6-MM7-1-4, 6.8.0). */
  readonly namespace?: string;
  readonly version?: string;
  /**
   * Treat an HTTP 2xx with an empty body as success. Off by default (success needs an MM7 response with a
   * 1xxx StatusCode); some aggregators answer MO and reports with a blank 200.
   */
  readonly acceptEmpty2xx?: boolean;
  /** Outbox jobs delivered in parallel per account (default 4). */
  readonly concurrency?: number;
}

interface Deps extends VaspDeliveryOptions {
  readonly store: Mm7MessageStore;
  readonly content: ContentStore;
  readonly log: Mm7Logger;
  readonly instance: string;
}

/** What a VASP's answer means for the outbox job. */
export type VaspOutcome =
  | { readonly ok: true; readonly status: number }
  | {
      readonly ok: false;
      readonly recovery: Exclude<Recovery, 'throttled'>;
      readonly reason: string;
      readonly status?: number;
    };

/**
 * Classifies a VASP's HTTP answer (pure). Success only for an MM7 response whose StatusCode is 1xxx.
 * An MM7 error status is temporary for 3xxx and 4006 (service unavailable), permanent otherwise (2xxx
 * client errors, 4xxx service errors). Without a decodable MM7 body: HTTP 5xx, 408 and 429 are temporary,
 * other codes permanent (a 2xx is success only with `acceptEmpty2xx` and an empty body).
 */
export function classifyVaspResponse(
  httpStatus: number,
  contentType: string | undefined,
  body: Buffer,
  opts: { acceptEmpty2xx?: boolean } = {},
): VaspOutcome {
  if (body.length > 0) {
    try {
      const { message } = decodeMm7Request(contentType, body);
      if ('status' in message) {
        const code = message.status.code;
        if (isSuccessStatus(code)) return { ok: true, status: code };
        const temporary = Math.floor(code / 1000) === 3 || code === 4006 || code < 1000 || code > 4999;
        const text = [message.status.text, message.status.details].filter((x) => x !== undefined).join(': ');
        return {
          ok: false,
          recovery: temporary ? 'temporary' : 'permanent',
          status: code,
          reason: `${message.type} ${code}${text === '' ? '' : ` ${text}`}`,
        };
      }
      if (message.type === 'Fault')
        return byHttp(httpStatus, `SOAP Fault ${message.fault.code} ${message.fault.string ?? ''}`.trim());
      return byHttp(httpStatus, `unexpected ${message.type} in response`);
    } catch (err) {
      const why = isHubError(err) ? err.message : 'undecodable body';
      if (httpStatus >= 200 && httpStatus < 300)
        return {
          ok: false,
          recovery: 'temporary',
          reason: `HTTP ${httpStatus} without MM7 response: ${why}`,
        };
      return byHttp(httpStatus, why);
    }
  }
  if (httpStatus >= 200 && httpStatus < 300) {
    return opts.acceptEmpty2xx === true
      ? { ok: true, status: 1000 }
      : { ok: false, recovery: 'temporary', reason: `HTTP ${httpStatus} with an empty body` };
  }
  return byHttp(httpStatus, 'empty body');
}

function byHttp(httpStatus: number, reason: string): VaspOutcome {
  const temporary =
    httpStatus >= 500 || httpStatus === 408 || httpStatus === 429 || (httpStatus >= 200 && httpStatus < 300);
  return {
    ok: false,
    recovery: temporary ? 'temporary' : 'permanent',
    reason: `HTTP ${httpStatus}: ${reason}`,
  };
}

function readStatus(state: MessageState): Mm7ReadStatus {
  if (state === 'delivered') return 'Read';
  if (state === 'deleted') return 'Deleted';
  return 'Indeterminate';
}

const ctype = (p: { contentType: string; charset?: string | undefined }): string =>
  p.charset === undefined ? p.contentType : `${p.contentType}; charset=${p.charset}`;

/**
 * Posts what Hub owes a VASP (from the account's outbox) to its `mm7.deliveryUrl`: reports as
 * DeliveryReportReq (MMStatus from `toMmStatus`) or ReadReplyReq (`report.read`), MO as DeliverReq (MMS
 * parts from the content store, SMS MO as one text part). Resolves when the VASP answered 1xxx; throws
 * `HUB_ERR_GATEWAY_MM7_DELIVERY_FAILED` (temporary: the bus retries with backoff) or
 * `HUB_ERR_GATEWAY_MM7_DELIVERY_REFUSED` (permanent: the job fails at once).
 */
export class VaspDelivery {
  readonly #o: Deps;

  constructor(deps: Deps) {
    this.#o = deps;
  }

  /** Builds the HTTP body for `msg` (reads content and, for reports, the original's namespace/version). */
  async build(account: Account, msg: HubMessage): Promise<MimeEntity> {
    const mm7 = account.mm7;
    const relay = this.#o.relayServerId ?? 'hub';
    if (msg.class === 'report' && msg.report !== undefined) {
      const r = msg.report;
      const ctx = await this.#contextFor(r.messageId);
      // Reports go back to the original sender: `to[0]`; the recipient reported on is `report.recipient`.
      const recipient = toMm7Address(r.recipient ?? msg.from);
      const sender = msg.to[0] === undefined ? undefined : toMm7Address(msg.to[0]);
      const messageId = formatId(r.messageId, account.idBase);
      const statusText = r.statusText ?? r.error;
      if (r.read === true) {
        return encodeReadReplyReq(ctx, {
          mmsRelayServerId: relay,
          messageId,
          recipient,
          sender,
          timeStamp: absoluteTime(new Date(r.at)),
          mmStatus: readStatus(r.state),
          statusText,
        });
      }
      return encodeDeliveryReportReq(ctx, {
        mmsRelayServerId: relay,
        messageId,
        recipient,
        sender,
        date: absoluteTime(new Date(r.at)),
        mmStatus: toMmStatus(r.state),
        statusText,
      });
    }
    const ctx = this.#defaults();
    const base = {
      mmsRelayServerId: relay,
      vaspId: mm7?.vaspId,
      vasId: mm7?.vasIds[0],
      linkedId: msg.options.linkedId,
      sender: toMm7Address(msg.from),
      recipients: {
        to: msg.to.map(toMm7Address),
        cc: (msg.cc ?? []).map(toMm7Address),
        bcc: (msg.bcc ?? []).map(toMm7Address),
      },
      timeStamp: absoluteTime(new Date(msg.createdAt)),
      priority: (['Low', 'Normal', 'High', 'High'] as const)[msg.options.priority],
    };
    const c = msg.content;
    if (c.type === 'sms') {
      const text = c.text;
      const part: MimePartInput =
        text === undefined
          ? { contentType: 'application/octet-stream', body: Buffer.from(c.bytes, 'base64') }
          : { contentType: 'text/plain; charset=utf-8', body: text };
      return encodeDeliverReq(ctx, base, part);
    }
    const leaves: MimePartInput[] = await Promise.all(
      c.parts.map(async (p) => ({
        contentType: ctype(p),
        ...(p.contentId === undefined ? {} : { contentId: p.contentId }),
        ...(p.location === undefined ? {} : { contentLocation: p.location }),
        body:
          p.inline !== undefined
            ? Buffer.from(p.inline, 'base64')
            : p.ref !== undefined
              ? await this.#o.content.get(p.ref)
              : Buffer.alloc(0),
      })),
    );
    const withSubject = { ...base, subject: c.subject };
    if (leaves.length === 0) return encodeDeliverReq(ctx, withSubject);
    if (leaves.length === 1) return encodeDeliverReq(ctx, withSubject, leaves);
    // Several parts travel as one multipart content part, as MMSCs send them.
    const type = c.contentType?.startsWith('multipart/') === true ? c.contentType : 'multipart/mixed';
    const startPart = c.start === undefined ? undefined : c.parts.find((p) => p.contentId === c.start);
    const params =
      type === 'multipart/related' && startPart !== undefined
        ? `; type="${startPart.contentType}"; start="<${c.start}>"`
        : '';
    return encodeDeliverReq(ctx, withSubject, [
      { contentType: `${type}${params}`, contentId: 'mm7-content', parts: leaves },
    ]);
  }

  #defaults(): Mm7EncodeContext {
    return {
      namespace: this.#o.namespace ?? DEFAULT_MM7_NAMESPACE,
      version: this.#o.version ?? DEFAULT_MM7_VERSION,
    };
  }

  /** Reports speak the namespace and version the VASP used for the original submit, when still known. */
  async #contextFor(originalId: string): Promise<Mm7EncodeContext> {
    const d = this.#defaults();
    try {
      const orig = await this.#o.store.get(originalId);
      const x = orig?.extras?.mm7;
      const ns = typeof x?.namespace === 'string' ? x.namespace : d.namespace;
      const v = typeof x?.version === 'string' ? x.version : d.version;
      return { namespace: ns, version: v };
    } catch {
      return d;
    }
  }

  /** Delivers one outbox message to the account's VASP (see the class contract). */
  async deliver(account: Account, msg: HubMessage): Promise<void> {
    const mm7 = account.mm7;
    const url = mm7?.deliveryUrl;
    if (mm7 === undefined || url === undefined)
      throw new Errors.HUB_ERR_GATEWAY_MM7_DELIVERY_REFUSED(account.id, 'no deliveryUrl configured');
    const entity = await this.build(account, msg);
    const headers: Record<string, string> = { 'content-type': entity.contentType, soapaction: '""' };
    if (mm7.deliveryUsername !== undefined) {
      headers.authorization = `Basic ${Buffer.from(`${mm7.deliveryUsername}:${mm7.deliveryPassword ?? ''}`).toString('base64')}`;
    }
    let status: number;
    let ct: string | undefined;
    let body: Buffer;
    try {
      // node's fetch (undici) keeps connections alive per origin.
      const res = await fetch(url, {
        method: 'POST',
        headers,
        body: entity.body,
        signal: AbortSignal.timeout(this.#o.timeoutMs ?? 30_000),
      });
      status = res.status;
      ct = res.headers.get('content-type') ?? undefined;
      body = Buffer.from(await res.arrayBuffer());
    } catch (err) {
      const why =
        err instanceof Error
          ? `${err.name}: ${(err.cause as Error | undefined)?.message ?? err.message}`
          : String(err);
      throw new Errors.HUB_ERR_GATEWAY_MM7_DELIVERY_FAILED(account.id, why, { cause: err });
    }
    const out = classifyVaspResponse(status, ct, body, { acceptEmpty2xx: this.#o.acceptEmpty2xx === true });
    const what =
      msg.class === 'report'
        ? msg.report?.read === true
          ? 'ReadReplyReq'
          : 'DeliveryReportReq'
        : 'DeliverReq';
    if (!out.ok) {
      this.#o.log.warn(
        { account: account.id, id: msg.id, what, reason: out.reason, recovery: out.recovery },
        'mm7 delivery to VASP failed',
      );
      if (out.recovery === 'permanent')
        throw new Errors.HUB_ERR_GATEWAY_MM7_DELIVERY_REFUSED(account.id, out.reason);
      throw new Errors.HUB_ERR_GATEWAY_MM7_DELIVERY_FAILED(account.id, out.reason);
    }
    await this.#stampDelivered(msg);
  }

  async #stampDelivered(msg: HubMessage): Promise<void> {
    const target = msg.class === 'report' ? msg.report?.messageId : msg.id;
    if (target === undefined) return;
    try {
      await this.#o.store.stamp(
        target,
        msg.class === 'report' ? 'receipt_delivered' : 'delivered_to_client',
        { by: this.#o.instance },
      );
    } catch (err) {
      // The delivery itself succeeded: never let a stamp failure make the job retry (a duplicate at the VASP).
      if (!isHubError(err, 'HUB_ERR_NOT_FOUND'))
        this.#o.log.warn({ err, id: target }, 'stamping an MM7 delivery failed');
    }
  }
}
