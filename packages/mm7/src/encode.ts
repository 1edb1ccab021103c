/**
 * Typed MM7 message → SOAP XML / HTTP body. Elements are emitted in REL-6-MM7-1-4 schema order
 * (notes §5), all MM7 elements qualified with one prefix declared on the Envelope (or, with
 * `prefix: ''`, a default namespace on TransactionID and the body element, as in the spec examples).
 * Responses echo the request's namespace, MM7Version and TransactionID: pass the decoded envelope as
 * the context.
 */
import { Errors, isHubError, toMm7Status } from '@hub/errors';
import { buildMultipartRelated, type MimeEntity, type MimePartInput, normalizeContentId } from './mime.js';
import { faultCodeFor, statusText } from './status.js';
import type {
  Mm7Address,
  Mm7CancelReq,
  Mm7ContentRef,
  Mm7DeliverReq,
  Mm7DeliveryReportReq,
  Mm7Message,
  Mm7ReadReplyReq,
  Mm7Recipients,
  Mm7ReplaceReq,
  Mm7SenderIdentification,
  Mm7StatusValue,
  Mm7SubmitReq,
  Mm7Time,
  Mm7UaCapabilities,
} from './types.js';
import { elementToNode, serializeXml, type XmlElement, type XmlNode } from './xml.js';

/** SOAP 1.1 envelope namespace. */
export const SOAP_ENV_NAMESPACE = 'http://schemas.xmlsoap.org/soap/envelope/';
/** Namespace URI prefix of every MM7 schema release. */
export const MM7_NAMESPACE_BASE = 'http://www.3gpp.org/ftp/Specs/archive/23_series/23.140/schema/';
/** Default namespace for messages Hub originates: REL-6-MM7-1-4. */
export const DEFAULT_MM7_NAMESPACE = `${MM7_NAMESPACE_BASE}REL-6-MM7-1-4`;
/** Default MM7Version for messages Hub originates. */
export const DEFAULT_MM7_VERSION = '6.8.0';

/** Namespace URI for a release name, e.g. `REL-5-MM7-1-0`. */
export function mm7NamespaceFor(release: string): string {
  return `${MM7_NAMESPACE_BASE}${release}`;
}

/**
 * What the envelope of an encoded message carries. A decoded {@link Mm7Envelope} fits as-is, so a reply
 * echoes the request. Per-peer settings (namespace, version, prefix) come from connector config.
 */
export interface Mm7EncodeContext {
  /** SOAP Header TransactionID (omitted from the header when undefined). */
  readonly transactionId?: string | undefined;
  /** MM7 namespace URI (default {@link DEFAULT_MM7_NAMESPACE}). */
  readonly namespace?: string | undefined;
  /** MM7Version (default {@link DEFAULT_MM7_VERSION}). */
  readonly version?: string | undefined;
  /** Prefix of MM7 elements (default `mm7`); `''` writes a default `xmlns` instead. */
  readonly prefix?: string | undefined;
  /** Prefix of SOAP envelope elements (default `env`). */
  readonly soapPrefix?: string | undefined;
}

/** Message input for the encoders: `extensions` optional. */
export type Mm7Input<T extends Mm7Message> = T extends Mm7Message
  ? Omit<T, 'extensions'> & { readonly extensions?: readonly XmlElement[] | undefined }
  : never;

type Q = (local: string) => string;
const plain: Q = (l) => l;

function n(
  name: string,
  children?: readonly (XmlNode | undefined)[],
  attributes?: Record<string, string | undefined>,
): XmlNode {
  return { name, children: children ?? [], attributes: attributes ?? {} };
}

function leaf(q: Q, local: string, value: string | number | boolean | undefined): XmlNode | undefined {
  if (value === undefined) return undefined;
  return { name: q(local), text: String(value) };
}

function timeLeaf(q: Q, local: string, v: Mm7Time | undefined): XmlNode | undefined {
  return v === undefined ? undefined : leaf(q, local, v.raw);
}

function addressNode(q: Q, a: Mm7Address): XmlNode {
  return {
    name: q(a.kind),
    text: a.value,
    attributes: {
      displayOnly: a.displayOnly === undefined ? undefined : String(a.displayOnly),
      addressCoding: a.addressCoding,
      id: a.id,
    },
  };
}

function holder(q: Q, local: string, a: Mm7Address | undefined): XmlNode | undefined {
  return a === undefined ? undefined : n(q(local), [addressNode(q, a)]);
}

function recipientsNode(q: Q, r: Mm7Recipients | undefined): XmlNode | undefined {
  if (r === undefined) return undefined;
  const group = (local: string, list: readonly Mm7Address[]): XmlNode | undefined =>
    list.length === 0
      ? undefined
      : n(
          q(local),
          list.map((a) => addressNode(q, a)),
        );
  return n(q('Recipients'), [group('To', r.to), group('Cc', r.cc), group('Bcc', r.bcc)]);
}

function identNode(q: Q, si: Mm7SenderIdentification): XmlNode {
  return n(q('SenderIdentification'), [
    leaf(q, 'VASPID', si.vaspId),
    leaf(q, 'VASID', si.vasId),
    holder(q, 'SenderAddress', si.senderAddress),
  ]);
}

function contentNodes(q: Q, refs: readonly Mm7ContentRef[]): XmlNode[] {
  return refs.map((c) =>
    n(q('Content'), [], {
      href: c.href,
      allowAdaptations: c.allowAdaptations === undefined ? undefined : String(c.allowAdaptations),
    }),
  );
}

function uaNode(q: Q, ua: Mm7UaCapabilities | undefined): XmlNode | undefined {
  return ua === undefined
    ? undefined
    : n(q('UACapabilities'), [], { UAProf: ua.uaProf, TimeStamp: ua.timeStamp?.raw });
}

function statusNode(q: Q, s: Mm7StatusValue): XmlNode {
  return n(q('Status'), [
    leaf(q, 'StatusCode', s.code),
    leaf(q, 'StatusText', s.text),
    leaf(q, 'Details', s.details),
  ]);
}

function applic(
  q: Q,
  m: {
    applicId?: string | undefined;
    replyApplicId?: string | undefined;
    auxApplicInfo?: string | undefined;
  },
): (XmlNode | undefined)[] {
  return [
    leaf(q, 'ApplicID', m.applicId),
    leaf(q, 'ReplyApplicID', m.replyApplicId),
    leaf(q, 'AuxApplicInfo', m.auxApplicInfo),
  ];
}

/** Children of the MM7 element after MM7Version, in schema order. */
function bodyChildren(q: Q, m: Mm7Input<Mm7Message>): (XmlNode | undefined)[] {
  switch (m.type) {
    case 'SubmitReq':
      return [
        identNode(q, m.senderIdentification),
        recipientsNode(q, m.recipients),
        m.preferredChannels === undefined
          ? undefined
          : n(
              q('PreferredChannels'),
              m.preferredChannels.map((c) => leaf(q, 'DeliverUsing', c)),
            ),
        leaf(q, 'ServiceCode', m.serviceCode),
        leaf(q, 'LinkedID', m.linkedId),
        leaf(q, 'MessageClass', m.messageClass),
        timeLeaf(q, 'TimeStamp', m.timeStamp),
        m.replyCharging === undefined
          ? undefined
          : n(q('ReplyCharging'), [], {
              replyChargingSize:
                m.replyCharging.replyChargingSize === undefined
                  ? undefined
                  : String(m.replyCharging.replyChargingSize),
              replyDeadline: m.replyCharging.replyDeadline?.raw,
            }),
        timeLeaf(q, 'EarliestDeliveryTime', m.earliestDeliveryTime),
        timeLeaf(q, 'ExpiryDate', m.expiryDate),
        leaf(q, 'DeliveryReport', m.deliveryReport),
        leaf(q, 'ReadReply', m.readReply),
        leaf(q, 'Priority', m.priority),
        leaf(q, 'Subject', m.subject),
        leaf(q, 'ChargedParty', m.chargedParty),
        leaf(q, 'ChargedPartyID', m.chargedPartyId),
        leaf(q, 'DistributionIndicator', m.distributionIndicator),
        ...applic(q, m),
        leaf(q, 'ContentClass', m.contentClass),
        leaf(q, 'DRMContent', m.drmContent),
        ...contentNodes(q, m.content),
      ];
    case 'DeliverReq':
      return [
        leaf(q, 'MMSRelayServerID', m.mmsRelayServerId),
        leaf(q, 'VASPID', m.vaspId),
        leaf(q, 'VASID', m.vasId),
        leaf(q, 'LinkedID', m.linkedId),
        holder(q, 'Sender', m.sender),
        recipientsNode(q, m.recipients),
        timeLeaf(q, 'TimeStamp', m.timeStamp),
        leaf(q, 'ReplyChargingID', m.replyChargingId),
        leaf(q, 'Priority', m.priority),
        leaf(q, 'Subject', m.subject),
        ...applic(q, m),
        uaNode(q, m.uaCapabilities),
        ...contentNodes(q, m.content),
      ];
    case 'CancelReq':
      return [
        identNode(q, m.senderIdentification),
        leaf(q, 'MessageID', m.messageId),
        recipientsNode(q, m.recipients),
        ...applic(q, m),
      ];
    case 'ReplaceReq':
      return [
        identNode(q, m.senderIdentification),
        leaf(q, 'MessageID', m.messageId),
        leaf(q, 'ServiceCode', m.serviceCode),
        timeLeaf(q, 'TimeStamp', m.timeStamp),
        leaf(q, 'ReadReply', m.readReply),
        timeLeaf(q, 'EarliestDeliveryTime', m.earliestDeliveryTime),
        leaf(q, 'DistributionIndicator', m.distributionIndicator),
        leaf(q, 'ContentClass', m.contentClass),
        leaf(q, 'DRMContent', m.drmContent),
        ...applic(q, m),
        ...contentNodes(q, m.content),
      ];
    case 'DeliveryReportReq':
      return [
        leaf(q, 'MMSRelayServerID', m.mmsRelayServerId),
        leaf(q, 'MessageID', m.messageId),
        holder(q, 'Recipient', m.recipient),
        holder(q, 'Sender', m.sender),
        timeLeaf(q, 'Date', m.date),
        leaf(q, 'MMStatus', m.mmStatusRaw ?? m.mmStatus),
        leaf(q, 'MMStatusExtension', m.mmStatusExtension),
        leaf(q, 'StatusText', m.statusText),
        ...applic(q, m),
        uaNode(q, m.uaCapabilities),
      ];
    case 'ReadReplyReq':
      return [
        leaf(q, 'MMSRelayServerID', m.mmsRelayServerId),
        leaf(q, 'MessageID', m.messageId),
        holder(q, 'Recipient', m.recipient),
        holder(q, 'Sender', m.sender),
        timeLeaf(q, 'TimeStamp', m.timeStamp),
        leaf(q, 'MMStatus', m.mmStatusRaw ?? m.mmStatus),
        leaf(q, 'StatusText', m.statusText),
        ...applic(q, m),
      ];
    case 'SubmitRsp':
      return [statusNode(q, m.status), leaf(q, 'MessageID', m.messageId)];
    case 'DeliverRsp':
      return [statusNode(q, m.status), leaf(q, 'ServiceCode', m.serviceCode)];
    case 'CancelRsp':
    case 'ReplaceRsp':
    case 'DeliveryReportRsp':
    case 'ReadReplyRsp':
    case 'RSErrorRsp':
    case 'VASPErrorRsp':
      return [statusNode(q, m.status)];
    case 'Fault':
      return [];
  }
}

/**
 * Encodes any message as a SOAP envelope (XML text). Error responses (`RSErrorRsp`, `VASPErrorRsp`)
 * and `Fault` are wrapped in a SOAP 1.1 Fault; its faultcode is the message's `fault.code` or, by
 * default, `Client`/`Server` by StatusCode class ({@link faultCodeFor}).
 */
export function encodeMm7Xml(ctx: Mm7EncodeContext, message: Mm7Input<Mm7Message>): string {
  const ns = ctx.namespace ?? DEFAULT_MM7_NAMESPACE;
  const prefix = ctx.prefix ?? 'mm7';
  const soap = ctx.soapPrefix ?? 'env';
  const q: Q = prefix === '' ? (l) => l : (l) => `${prefix}:${l}`;
  const s: Q = (l) => `${soap}:${l}`;
  const defaultNs = prefix === '' ? { xmlns: ns } : {};
  const envAttrs: Record<string, string> = { [`xmlns:${soap}`]: SOAP_ENV_NAMESPACE };
  if (prefix !== '') envAttrs[`xmlns:${prefix}`] = ns;

  const header =
    ctx.transactionId === undefined
      ? undefined
      : {
          name: s('Header'),
          children: [
            {
              name: q('TransactionID'),
              text: ctx.transactionId,
              attributes: { ...defaultNs, [s('mustUnderstand')]: '1' },
            },
          ],
        };

  const outScope: Record<string, string> = { [soap]: SOAP_ENV_NAMESPACE, [prefix]: ns };
  const extensions = (message.extensions ?? []).map((x) => elementToNode(x, outScope));
  let bodyChild: XmlNode;
  if (message.type === 'Fault') {
    bodyChild = n(s('Fault'), [
      leaf(plain, 'faultcode', message.fault.code),
      leaf(plain, 'faultstring', message.fault.string),
      leaf(plain, 'faultactor', message.fault.actor),
      extensions.length === 0 ? undefined : n('detail', extensions),
    ]);
  } else {
    const mm7 = n(
      q(message.type),
      [leaf(q, 'MM7Version', ctx.version ?? DEFAULT_MM7_VERSION), ...bodyChildren(q, message), ...extensions],
      defaultNs,
    );
    if (message.type === 'RSErrorRsp' || message.type === 'VASPErrorRsp') {
      const code = message.status.code;
      bodyChild = n(s('Fault'), [
        leaf(plain, 'faultcode', message.fault?.code ?? s(faultCodeFor(code))),
        leaf(plain, 'faultstring', message.fault?.string ?? message.status.text ?? statusText(code)),
        leaf(plain, 'faultactor', message.fault?.actor),
        n('detail', [mm7]),
      ]);
    } else {
      bodyChild = mm7;
    }
  }
  return serializeXml(n(s('Envelope'), [header, n(s('Body'), [bodyChild])], envAttrs));
}

/** Options of {@link encodeMm7}. */
export interface Mm7BodyOptions {
  /** Content-ID of the SOAP part (default `mm7-soap`). */
  readonly soapContentId?: string;
  /** Top-level boundary (default: generated). */
  readonly boundary?: string;
}

const XML_CONTENT_TYPE = 'text/xml; charset="utf-8"';

/**
 * Encodes a message as an HTTP body. Without content: `text/xml`. With content: `multipart/related`
 * (`type="text/xml"`, `start` = the SOAP part) whose parts after the SOAP part are `content`; each gets
 * a Content-ID (`mm7-content`, `mm7-content-2`, … unless set) and, when the message has no `Content`
 * references, one `<Content href="cid:…">` per part is added.
 *
 * @throws HubError `HUB_ERR_MM7_ENCODE` when content is given for a message type that carries none, or
 *   a fixed boundary occurs in the content.
 */
export function encodeMm7(
  ctx: Mm7EncodeContext,
  message: Mm7Input<Mm7Message>,
  content?: MimePartInput | readonly MimePartInput[],
  options?: Mm7BodyOptions,
): MimeEntity {
  const list: readonly MimePartInput[] =
    content === undefined ? [] : Array.isArray(content) ? content : [content as MimePartInput];
  if (list.length === 0)
    return { contentType: XML_CONTENT_TYPE, body: Buffer.from(encodeMm7Xml(ctx, message), 'utf8') };
  if (!('content' in message)) throw new Errors.HUB_ERR_MM7_ENCODE(`${message.type} carries no content`);
  const parts = list.map((p, i) => ({
    ...p,
    contentId: p.contentId ?? (i === 0 ? 'mm7-content' : `mm7-content-${i + 1}`),
  }));
  const withRefs =
    message.content.length > 0
      ? message
      : { ...message, content: parts.map((p) => ({ href: `cid:${normalizeContentId(p.contentId)}` })) };
  const soapId = options?.soapContentId ?? 'mm7-soap';
  const soapPart: MimePartInput = {
    contentType: XML_CONTENT_TYPE,
    contentId: soapId,
    transferEncoding: '8bit',
    body: encodeMm7Xml(ctx, withRefs),
  };
  return buildMultipartRelated([soapPart, ...parts], {
    start: soapId,
    type: 'text/xml',
    ...(options?.boundary === undefined ? {} : { boundary: options.boundary }),
  });
}

// ---------------------------------------------------------------------------------------------------------
// Responses

function st(status: Mm7StatusValue | number | undefined): Mm7StatusValue {
  if (status === undefined) return { code: 1000, text: statusText(1000) };
  if (typeof status === 'number') return { code: status, text: statusText(status) };
  return status.text === undefined ? { ...status, text: statusText(status.code) } : status;
}

/** SubmitRsp (default status 1000 Success) carrying the MessageID Hub assigned. */
export function encodeSubmitRsp(
  ctx: Mm7EncodeContext,
  rsp: { messageId?: string; status?: Mm7StatusValue | number },
): MimeEntity {
  return encodeMm7(ctx, { type: 'SubmitRsp', status: st(rsp.status), messageId: rsp.messageId });
}

/** DeliverRsp (a VASP's answer to a DeliverReq; Hub as MM7 client). */
export function encodeDeliverRsp(
  ctx: Mm7EncodeContext,
  rsp?: { status?: Mm7StatusValue | number; serviceCode?: string },
): MimeEntity {
  return encodeMm7(ctx, { type: 'DeliverRsp', status: st(rsp?.status), serviceCode: rsp?.serviceCode });
}

/** CancelRsp (generic response). */
export function encodeCancelRsp(ctx: Mm7EncodeContext, status?: Mm7StatusValue | number): MimeEntity {
  return encodeMm7(ctx, { type: 'CancelRsp', status: st(status) });
}

/** ReplaceRsp (generic response). */
export function encodeReplaceRsp(ctx: Mm7EncodeContext, status?: Mm7StatusValue | number): MimeEntity {
  return encodeMm7(ctx, { type: 'ReplaceRsp', status: st(status) });
}

/** DeliveryReportRsp (generic response). */
export function encodeDeliveryReportRsp(ctx: Mm7EncodeContext, status?: Mm7StatusValue | number): MimeEntity {
  return encodeMm7(ctx, { type: 'DeliveryReportRsp', status: st(status) });
}

/** ReadReplyRsp (generic response). */
export function encodeReadReplyRsp(ctx: Mm7EncodeContext, status?: Mm7StatusValue | number): MimeEntity {
  return encodeMm7(ctx, { type: 'ReadReplyRsp', status: st(status) });
}

/**
 * RSErrorRsp inside a SOAP Fault: `faultcode` env:Client/env:Server by StatusCode class, `faultstring`
 * the StatusText, `detail/RSErrorRsp` with the Status. Send it with HTTP 500 (SOAP 1.1) unless the
 * peer's profile wants 200.
 */
export function encodeRsErrorRsp(
  ctx: Mm7EncodeContext,
  status: Mm7StatusValue | number,
  faultString?: string,
): MimeEntity {
  const s = st(status);
  return encodeMm7(ctx, {
    type: 'RSErrorRsp',
    status: s,
    fault:
      faultString === undefined
        ? undefined
        : { code: `${ctx.soapPrefix ?? 'env'}:${faultCodeFor(s.code)}`, string: faultString },
  });
}

/**
 * The RSErrorRsp answering a failed decode or handler: StatusCode from the error catalog
 * (`toMm7Status`, 3000 for unknown errors), `Details` from `details.reason` of a HubError, and the
 * TransactionID/namespace/version the decoder recorded in `details` unless `ctx` sets them (a refused
 * MM7Version is not echoed: the default or `ctx.version` is used).
 * Never exposes messages of non-Hub errors.
 */
export function encodeRsErrorFor(err: unknown, ctx?: Mm7EncodeContext): MimeEntity {
  const code = toMm7Status(err);
  const d = isHubError(err) ? (err.details ?? {}) : {};
  const pick = (k: string): string | undefined => (typeof d[k] === 'string' ? (d[k] as string) : undefined);
  const reason = pick('reason') ?? (isHubError(err) ? err.message : undefined);
  const echo: Mm7EncodeContext = {
    ...ctx,
    transactionId: ctx?.transactionId ?? pick('transactionId'),
    namespace: ctx?.namespace ?? pick('namespace'),
    // Never echo a version we just refused.
    version:
      ctx?.version ?? (isHubError(err, 'HUB_ERR_MM7_VERSION_UNSUPPORTED') ? undefined : pick('version')),
  };
  return encodeMm7(echo, { type: 'RSErrorRsp', status: { code, text: statusText(code), details: reason } });
}

// ---------------------------------------------------------------------------------------------------------
// Requests

/** DeliverReq (MO MMS to a VASP). `content` becomes the multipart/related content part(s); text-only MO: one text/plain part. */
export function encodeDeliverReq(
  ctx: Mm7EncodeContext,
  req: Omit<Mm7Input<Mm7DeliverReq>, 'type' | 'content'> & { content?: readonly Mm7ContentRef[] },
  content?: MimePartInput | readonly MimePartInput[],
  options?: Mm7BodyOptions,
): MimeEntity {
  return encodeMm7(ctx, { ...req, type: 'DeliverReq', content: req.content ?? [] }, content, options);
}

/** SubmitReq (MT from a VASP; used by tests, the bench and MM7 client connectors). */
export function encodeSubmitReq(
  ctx: Mm7EncodeContext,
  req: Omit<Mm7Input<Mm7SubmitReq>, 'type' | 'content'> & { content?: readonly Mm7ContentRef[] },
  content?: MimePartInput | readonly MimePartInput[],
  options?: Mm7BodyOptions,
): MimeEntity {
  return encodeMm7(ctx, { ...req, type: 'SubmitReq', content: req.content ?? [] }, content, options);
}

/** DeliveryReportReq (MMStatus Retrieved, Rejected, Deferred, Expired, Indeterminate, Forwarded, Unrecognised, …). */
export function encodeDeliveryReportReq(
  ctx: Mm7EncodeContext,
  req: Omit<Mm7Input<Mm7DeliveryReportReq>, 'type'>,
): MimeEntity {
  return encodeMm7(ctx, { ...req, type: 'DeliveryReportReq' });
}

/** ReadReplyReq (MMStatus Read, Deleted, Indeterminate). */
export function encodeReadReplyReq(
  ctx: Mm7EncodeContext,
  req: Omit<Mm7Input<Mm7ReadReplyReq>, 'type'>,
): MimeEntity {
  return encodeMm7(ctx, { ...req, type: 'ReadReplyReq' });
}

/** CancelReq (MM7 client connectors). */
export function encodeCancelReq(
  ctx: Mm7EncodeContext,
  req: Omit<Mm7Input<Mm7CancelReq>, 'type'>,
): MimeEntity {
  return encodeMm7(ctx, { ...req, type: 'CancelReq' });
}

/** ReplaceReq (MM7 client connectors). */
export function encodeReplaceReq(
  ctx: Mm7EncodeContext,
  req: Omit<Mm7Input<Mm7ReplaceReq>, 'type' | 'content'> & { content?: readonly Mm7ContentRef[] },
  content?: MimePartInput | readonly MimePartInput[],
  options?: Mm7BodyOptions,
): MimeEntity {
  return encodeMm7(ctx, { ...req, type: 'ReplaceReq', content: req.content ?? [] }, content, options);
}

/** An absolute {@link Mm7Time} for a Date (UTC, millisecond precision). */
export function absoluteTime(date: Date): Mm7Time {
  return { kind: 'absolute', raw: date.toISOString(), epochMs: date.getTime() };
}

/** A relative {@link Mm7Time} of whole seconds, written as an ISO 8601 duration (`PT3600S`). */
export function relativeTime(seconds: number): Mm7Time {
  const s = Math.max(0, Math.floor(seconds));
  return { kind: 'relative', raw: `PT${s}S`, seconds: s };
}
