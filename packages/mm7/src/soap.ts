/**
 * SOAP envelope → typed MM7 message. Elements and attributes are matched by local name whatever their
 * prefix or namespace (real peers use prefixed, default, Envelope-only and no namespaces), element order
 * is not enforced, and unknown elements land in `extensions`.
 *
 * Leniency decisions (notes §8): only the elements without which a message is meaningless are enforced:
 * `MM7Version` (all but error responses), `Status/StatusCode` (responses), at least one recipient
 * (SubmitReq), `MessageID` (Cancel/Replace/DeliveryReport/ReadReply), `MMStatus` (reports), `href` on
 * `Content`. Schema-mandatory elements missing in real traffic (DeliverReq `Sender`, report
 * `Recipient`/`Sender`/`Date`) are tolerated and simply `undefined`.
 */
import { Errors, type HubErrorClass } from '@hub/errors';
import {
  type Mm7DeliveryStatus,
  type Mm7ReadStatus,
  parseDeliveryStatus,
  parseReadStatus,
} from './status.js';
import type {
  Mm7Address,
  Mm7AddressKind,
  Mm7ContentRef,
  Mm7Envelope,
  Mm7Fault,
  Mm7FaultInfo,
  Mm7Message,
  Mm7MessageType,
  Mm7Recipients,
  Mm7ReplyCharging,
  Mm7SenderIdentification,
  Mm7StatusValue,
  Mm7Time,
  Mm7UaCapabilities,
} from './types.js';
import { attr, child, parseXml, type XmlElement, type XmlLimits } from './xml.js';

/** Options of {@link decodeSoap}. */
export interface SoapDecodeOptions {
  /**
   * Which MM7Version values are accepted; others fail with 4002. Default: any `5.x.y` or `6.x.y`
   * (5.3.0 … 6.8.0 seen in the field, including the schema-mismatched 5.3.0-in-REL-6 combinations).
   */
  readonly acceptVersion?: (version: string) => boolean;
  /** Guards for the XML parser. */
  readonly xml?: XmlLimits;
}

/** A decoded SOAP envelope: what to echo, and the typed message. */
export interface DecodedSoap {
  readonly envelope: Mm7Envelope;
  readonly message: Mm7Message;
}

const DEFAULT_ACCEPT = (v: string): boolean => /^[56]\.\d{1,2}\.\d{1,2}$/.test(v);

const KNOWN_TYPES = new Set<string>([
  'SubmitReq',
  'SubmitRsp',
  'DeliverReq',
  'DeliverRsp',
  'CancelReq',
  'CancelRsp',
  'ReplaceReq',
  'ReplaceRsp',
  'DeliveryReportReq',
  'DeliveryReportRsp',
  'ReadReplyReq',
  'ReadReplyRsp',
  'RSErrorRsp',
  'VASPErrorRsp',
]);

const SOAP_ENV_NS = 'http://schemas.xmlsoap.org/soap/envelope/';

/** Extracts `REL-x-MM7-y-z` from an MM7 namespace URI. */
export function releaseOf(namespace: string | undefined): string | undefined {
  return namespace === undefined ? undefined : /REL-\d+-MM7-\d+-\d+/i.exec(namespace)?.[0];
}

/** Details attached to every decode error so the fault can still echo the request's envelope. */
type Known = {
  transactionId?: string | undefined;
  namespace?: string | undefined;
  version?: string | undefined;
  messageType?: string | undefined;
};

class Ctx {
  readonly known: Known = {};

  fail(Cls: HubErrorClass, args: readonly (string | number)[], extra?: Record<string, unknown>): never {
    const details: Record<string, unknown> = { ...extra };
    for (const [k, v] of Object.entries(this.known)) if (v !== undefined) details[k] = v;
    throw new Cls(...args, { details });
  }

  missing(name: string, where: string): never {
    return this.fail(Errors.HUB_ERR_MM7_FIELD_MISSING, [name, where], { element: name });
  }

  invalid(name: string, reason: string): never {
    return this.fail(Errors.HUB_ERR_MM7_FIELD_INVALID, [name, reason], { element: name, reason });
  }

  badAddress(where: string, reason: string): never {
    return this.fail(Errors.HUB_ERR_MM7_ADDRESS_INVALID, [where, reason], { element: where, reason });
  }
}

/**
 * Decodes one SOAP envelope (the XML text of the SOAP part) into envelope facts and a typed message.
 *
 * @throws HubError — `HUB_ERR_MM7_XML_INVALID`/`_SOAP_INVALID`/`_FIELD_MISSING` (4004),
 *   `_VERSION_UNSUPPORTED` (4002), `_OPERATION_UNSUPPORTED` (4003), `_IDENTIFICATION` (4001),
 *   `_ADDRESS_INVALID` (2002), `_FIELD_INVALID` (2007). `details` carries `transactionId`, `namespace`,
 *   `version` and `messageType` once known, so the caller can answer with an RSErrorRsp echoing them.
 *   Use `toMm7Status(err)` for the StatusCode. Nothing else is thrown.
 */
export function decodeSoap(xml: string, options?: SoapDecodeOptions): DecodedSoap {
  const ctx: Ctx = new Ctx();
  const root = parseXml(xml, options?.xml);
  if (root.local !== 'Envelope') {
    ctx.fail(Errors.HUB_ERR_MM7_SOAP_INVALID, [`root element is <${root.name}>, not a SOAP Envelope`], {
      reason: 'not an Envelope',
    });
  }
  const header = child(root, 'Header');
  const tx = child(header, 'TransactionID');
  const transactionId = tx === undefined || tx.text.trim().length === 0 ? undefined : tx.text.trim();
  const mu = tx === undefined ? undefined : attr(tx, 'mustUnderstand');
  const mustUnderstand = mu === undefined ? undefined : mu === '1' || mu.toLowerCase() === 'true';
  ctx.known.transactionId = transactionId;
  const txNs = mm7Namespace(tx);
  ctx.known.namespace = txNs;

  const body = child(root, 'Body');
  if (body === undefined) ctx.fail(Errors.HUB_ERR_MM7_SOAP_INVALID, ['no SOAP Body'], { reason: 'no Body' });
  const first = body.children[0];
  if (first === undefined)
    ctx.fail(Errors.HUB_ERR_MM7_SOAP_INVALID, ['empty SOAP Body'], { reason: 'empty Body' });

  let mm7El: XmlElement | undefined = first;
  let fault: Mm7FaultInfo | undefined;
  let faultExtensions: XmlElement[] = [];
  if (first.local === 'Fault') {
    fault = decodeFaultInfo(first);
    const detail = child(first, 'detail') ?? child(first, 'Detail');
    mm7El = detail?.children.find((c) => c.local === 'RSErrorRsp' || c.local === 'VASPErrorRsp');
    faultExtensions = (detail?.children ?? []).filter((c) => c !== mm7El);
  } else if (!KNOWN_TYPES.has(first.local)) {
    ctx.known.messageType = first.local;
    ctx.fail(Errors.HUB_ERR_MM7_OPERATION_UNSUPPORTED, [first.local], { operation: first.local });
  }

  const namespace = mm7Namespace(mm7El) ?? txNs;
  ctx.known.namespace = namespace;
  const messageType = (mm7El?.local ?? 'Fault') as Mm7MessageType;
  ctx.known.messageType = messageType;

  if (mm7El === undefined) {
    const message: Mm7Fault = { type: 'Fault', fault: fault as Mm7FaultInfo, extensions: faultExtensions };
    return {
      envelope: {
        transactionId,
        mustUnderstand,
        namespace,
        release: releaseOf(namespace),
        version: undefined,
        messageType,
      },
      message,
    };
  }

  const versionEl = child(mm7El, 'MM7Version');
  const version = versionEl === undefined || versionEl.text.length === 0 ? undefined : versionEl.text;
  ctx.known.version = version;
  const isError = messageType === 'RSErrorRsp' || messageType === 'VASPErrorRsp';
  if (version === undefined && !isError) ctx.missing('MM7Version', messageType);
  if (version !== undefined && !isError && !(options?.acceptVersion ?? DEFAULT_ACCEPT)(version)) {
    ctx.fail(Errors.HUB_ERR_MM7_VERSION_UNSUPPORTED, [version], { reason: 'unsupported MM7Version' });
  }

  const message = decodeMessage(ctx, messageType, mm7El, fault);
  return {
    envelope: {
      transactionId,
      mustUnderstand,
      namespace,
      release: releaseOf(namespace),
      version,
      messageType,
    },
    message,
  };
}

/** Namespace of an MM7 element, ignoring the SOAP envelope namespace (inherited by unprefixed Fault children). */
function mm7Namespace(el: XmlElement | undefined): string | undefined {
  const ns = el?.namespace;
  return ns === undefined || ns === SOAP_ENV_NS ? undefined : ns;
}

function decodeFaultInfo(f: XmlElement): Mm7FaultInfo {
  const code = child(f, 'faultcode')?.text ?? '';
  const s = child(f, 'faultstring')?.text;
  const actor = child(f, 'faultactor')?.text;
  return { code, string: s || undefined, actor: actor || undefined };
}

// ---------------------------------------------------------------------------------------------------------
// Field readers

function str(el: XmlElement): string | undefined {
  return el.text.length === 0 ? undefined : el.text;
}

function bool(ctx: Ctx, name: string, raw: string): boolean {
  const v = raw.trim().toLowerCase();
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  return ctx.invalid(name, `"${raw}" is not a boolean`);
}

const DATE_TIME = /^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/;
const DURATION =
  /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

/**
 * Parses an MM7 time. Absolute: xsd:dateTime (no zone → UTC, so results never depend on the host's
 * time zone). Relative (when allowed): ISO 8601 duration, with a year taken as 365 days and a month as
 * 30 days (the spec gives no calendar anchor).
 */
export function parseMm7Time(raw: string, allowRelative: boolean): Mm7Time | undefined {
  const s = raw.trim();
  if (DATE_TIME.test(s)) {
    const zoned = /(Z|[+-]\d{2}:?\d{2})$/.test(s.slice(19)) ? s : `${s}Z`;
    const epochMs = Date.parse(zoned.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
    return Number.isNaN(epochMs) ? undefined : { kind: 'absolute', raw: s, epochMs };
  }
  if (!allowRelative) return undefined;
  const m = DURATION.exec(s);
  if (m === null || s === 'P' || s.endsWith('T')) return undefined;
  const n = (i: number): number => Number(m[i] ?? 0);
  const seconds =
    n(1) * 365 * 86400 + n(2) * 30 * 86400 + n(3) * 7 * 86400 + n(4) * 86400 + n(5) * 3600 + n(6) * 60 + n(7);
  return { kind: 'relative', raw: s, seconds };
}

function time(ctx: Ctx, el: XmlElement, allowRelative: boolean): Mm7Time {
  const t = parseMm7Time(el.text, allowRelative);
  return (
    t ??
    ctx.invalid(el.local, `"${el.text}" is not ${allowRelative ? 'a dateTime or duration' : 'a dateTime'}`)
  );
}

function oneOf<T extends string>(ctx: Ctx, el: XmlElement, allowed: readonly T[]): T {
  const lower = el.text.toLowerCase();
  return (
    allowed.find((a) => a.toLowerCase() === lower) ??
    ctx.invalid(el.local, `"${el.text}" is not one of ${allowed.join(', ')}`)
  );
}

function integer(ctx: Ctx, name: string, raw: string): number {
  const v = raw.trim();
  return /^\d{1,15}$/.test(v) ? Number(v) : ctx.invalid(name, `"${raw}" is not an integer`);
}

const ADDRESS_KINDS = new Set<string>(['Number', 'ShortCode', 'RFC2822Address']);
const CONTROL = /[\x00-\x1f\x7f]/;

function checkAddress(ctx: Ctx, where: string, kind: Mm7AddressKind, value: string): void {
  if (value.length === 0) ctx.badAddress(where, `empty ${kind}`);
  if (value.length > 256 || CONTROL.test(value)) ctx.badAddress(where, `malformed ${kind}`);
  if (kind === 'Number') {
    // `/TYPE=PLMN` inside <Number> and visual separators occur in real traffic (notes §8).
    const digits = value.replace(/\/TYPE=[A-Za-z0-9-]+$/i, '').replace(/[\s\-.()]/g, '');
    if (!/^\+?[0-9*#]{1,32}$/.test(digits)) ctx.badAddress(where, `"${value}" is not a phone number`);
  } else if (kind === 'ShortCode') {
    if (!/^[0-9A-Za-z+*#]{1,32}$/.test(value)) ctx.badAddress(where, `"${value}" is not a short code`);
  }
}

function addressFrom(ctx: Ctx, el: XmlElement, where: string): Mm7Address {
  const kind = el.local as Mm7AddressKind;
  const value = el.text.trim();
  checkAddress(ctx, where, kind, value);
  const d = attr(el, 'displayOnly');
  const coding = attr(el, 'addressCoding');
  const id = attr(el, 'id');
  const a: { -readonly [K in keyof Mm7Address]: Mm7Address[K] } = { kind, value };
  if (d !== undefined) a.displayOnly = bool(ctx, `${el.local}@displayOnly`, d);
  if (coding !== undefined) a.addressCoding = coding;
  if (id !== undefined) a.id = id;
  return a;
}

/** A single-address holder (`Sender`, `SenderAddress`, `Recipient`); text-only holders are the legacy form. */
function singleAddress(ctx: Ctx, holder: XmlElement): Mm7Address | undefined {
  const el = holder.children.find((c) => ADDRESS_KINDS.has(c.local));
  if (el !== undefined) return addressFrom(ctx, el, holder.local);
  if (holder.children.length > 0)
    return ctx.badAddress(holder.local, `no Number, ShortCode or RFC2822Address in ${holder.local}`);
  const v = holder.text.trim();
  if (v.length === 0) return undefined;
  // Legacy `<Sender>1065580001</Sender>` (Chinese MMSCs, instantcom-mm7 "text only" senders).
  const kind: Mm7AddressKind = v.includes('@')
    ? 'RFC2822Address'
    : /^\+?[0-9]{7,}(\/TYPE=PLMN)?$/i.test(v)
      ? 'Number'
      : 'ShortCode';
  checkAddress(ctx, holder.local, kind, v);
  return { kind, value: v };
}

function recipients(ctx: Ctx, el: XmlElement): Mm7Recipients {
  const out = { to: [] as Mm7Address[], cc: [] as Mm7Address[], bcc: [] as Mm7Address[] };
  for (const group of el.children) {
    const list =
      group.local === 'To'
        ? out.to
        : group.local === 'Cc'
          ? out.cc
          : group.local === 'Bcc'
            ? out.bcc
            : undefined;
    if (list === undefined) ctx.badAddress('Recipients', `unexpected <${group.name}> in Recipients`);
    for (const a of group.children) {
      if (!ADDRESS_KINDS.has(a.local))
        ctx.badAddress(group.local, `unexpected <${a.name}> in ${group.local}`);
      list.push(addressFrom(ctx, a, group.local));
    }
  }
  return out;
}

function senderIdentification(ctx: Ctx, el: XmlElement): Mm7SenderIdentification {
  const out: { -readonly [K in keyof Mm7SenderIdentification]: Mm7SenderIdentification[K] } = {};
  for (const c of el.children) {
    const v = c.local === 'SenderAddress' ? singleAddress(ctx, c) : str(c);
    if (v === undefined) continue; // empty `<VASID />` occurs in real traffic
    if (c.local === 'VASPID' && typeof v === 'string') out.vaspId = v;
    else if (c.local === 'VASID' && typeof v === 'string') out.vasId = v;
    else if (c.local === 'SenderAddress' && typeof v !== 'string') out.senderAddress = v;
  }
  return out;
}

function requireIdentification(
  ctx: Ctx,
  si: Mm7SenderIdentification | undefined,
  where: string,
): Mm7SenderIdentification {
  if (
    si === undefined ||
    (si.vaspId === undefined && si.vasId === undefined && si.senderAddress === undefined)
  ) {
    return ctx.fail(Errors.HUB_ERR_MM7_IDENTIFICATION, [`${where} has no VASPID, VASID or SenderAddress`], {
      element: 'SenderIdentification',
    });
  }
  return si;
}

function contentRef(ctx: Ctx, el: XmlElement): Mm7ContentRef {
  const href = attr(el, 'href');
  if (href === undefined || href.length === 0) ctx.missing('Content@href', 'Content');
  const aa = attr(el, 'allowAdaptations');
  return aa === undefined ? { href } : { href, allowAdaptations: bool(ctx, 'Content@allowAdaptations', aa) };
}

function status(ctx: Ctx, el: XmlElement | undefined, where: string): Mm7StatusValue {
  if (el === undefined) return ctx.missing('Status', where);
  const codeEl = child(el, 'StatusCode');
  if (codeEl === undefined) return ctx.missing('StatusCode', where);
  const code = integer(ctx, 'StatusCode', codeEl.text);
  const text = child(el, 'StatusText');
  const details = child(el, 'Details');
  const out: { -readonly [K in keyof Mm7StatusValue]: Mm7StatusValue[K] } = { code };
  if (text !== undefined && text.text.length > 0) out.text = text.text;
  if (details !== undefined && details.text.length > 0) out.details = details.text;
  return out;
}

function uaCapabilities(ctx: Ctx, el: XmlElement): Mm7UaCapabilities {
  const out: { -readonly [K in keyof Mm7UaCapabilities]: Mm7UaCapabilities[K] } = {};
  const prof = attr(el, 'UAProf');
  const ts = attr(el, 'TimeStamp');
  if (prof !== undefined) out.uaProf = prof;
  if (ts !== undefined)
    out.timeStamp =
      parseMm7Time(ts, false) ?? ctx.invalid('UACapabilities@TimeStamp', `"${ts}" is not a dateTime`);
  return out;
}

function replyCharging(ctx: Ctx, el: XmlElement): Mm7ReplyCharging {
  const out: { -readonly [K in keyof Mm7ReplyCharging]: Mm7ReplyCharging[K] } = {};
  const size = attr(el, 'replyChargingSize');
  const deadline = attr(el, 'replyDeadline');
  if (size !== undefined) out.replyChargingSize = integer(ctx, 'ReplyCharging@replyChargingSize', size);
  if (deadline !== undefined) {
    out.replyDeadline =
      parseMm7Time(deadline, true) ??
      ctx.invalid('ReplyCharging@replyDeadline', `"${deadline}" is not a time`);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Messages

type Fields = Record<string, unknown>;

/** Field table: element local name → how to read it into the message object. */
type Reader = (ctx: Ctx, el: XmlElement, out: Fields) => void;

const s =
  (key: string): Reader =>
  (_c, el, out) => {
    const v = str(el);
    if (v !== undefined) out[key] = v;
  };
const b =
  (key: string): Reader =>
  (c, el, out) => {
    out[key] = bool(c, el.local, el.text);
  };
const t =
  (key: string, rel: boolean): Reader =>
  (c, el, out) => {
    out[key] = time(c, el, rel);
  };
const e =
  <T extends string>(key: string, allowed: readonly T[]): Reader =>
  (c, el, out) => {
    out[key] = oneOf(c, el, allowed);
  };
const addr =
  (key: string): Reader =>
  (c, el, out) => {
    const a = singleAddress(c, el);
    if (a !== undefined) out[key] = a;
  };
const content: Reader = (c, el, out) => {
  (out.content as Mm7ContentRef[]).push(contentRef(c, el));
};
const rcpts: Reader = (c, el, out) => {
  out.recipients = recipients(c, el);
};
const ident: Reader = (c, el, out) => {
  out.senderIdentification = senderIdentification(c, el);
};
const ignore: Reader = () => undefined;

const PRIORITY = ['Normal', 'High', 'Low'] as const;
const APPLIC: Record<string, Reader> = {
  ApplicID: s('applicId'),
  ReplyApplicID: s('replyApplicId'),
  AuxApplicInfo: s('auxApplicInfo'),
};

const TABLES: Record<string, Record<string, Reader>> = {
  SubmitReq: {
    SenderIdentification: ident,
    Recipients: rcpts,
    PreferredChannels: (_c, el, out) => {
      out.preferredChannels = el.children.filter((x) => x.local === 'DeliverUsing').map((x) => x.text);
    },
    ServiceCode: s('serviceCode'),
    LinkedID: s('linkedId'),
    MessageClass: e('messageClass', ['Personal', 'Informational', 'Advertisement', 'Auto']),
    TimeStamp: t('timeStamp', false),
    ReplyCharging: (c, el, out) => {
      out.replyCharging = replyCharging(c, el);
    },
    EarliestDeliveryTime: t('earliestDeliveryTime', true),
    ExpiryDate: t('expiryDate', true),
    DeliveryReport: b('deliveryReport'),
    ReadReply: b('readReply'),
    Priority: e('priority', PRIORITY),
    Subject: s('subject'),
    ChargedParty: e('chargedParty', ['Sender', 'Recipient', 'Both', 'Neither', 'ThirdParty', 'Other']),
    ChargedPartyID: s('chargedPartyId'),
    DistributionIndicator: b('distributionIndicator'),
    ContentClass: s('contentClass'),
    DRMContent: b('drmContent'),
    Content: content,
    ...APPLIC,
  },
  DeliverReq: {
    MMSRelayServerID: s('mmsRelayServerId'),
    VASPID: s('vaspId'),
    VASID: s('vasId'),
    LinkedID: s('linkedId'),
    Sender: addr('sender'),
    Recipients: rcpts,
    TimeStamp: t('timeStamp', false),
    ReplyChargingID: s('replyChargingId'),
    Priority: e('priority', PRIORITY),
    Subject: s('subject'),
    UACapabilities: (c, el, out) => {
      out.uaCapabilities = uaCapabilities(c, el);
    },
    Content: content,
    ...APPLIC,
  },
  CancelReq: {
    SenderIdentification: ident,
    MessageID: s('messageId'),
    Recipients: rcpts,
    ...APPLIC,
  },
  ReplaceReq: {
    SenderIdentification: ident,
    MessageID: s('messageId'),
    ServiceCode: s('serviceCode'),
    TimeStamp: t('timeStamp', false),
    ReadReply: b('readReply'),
    EarliestDeliveryTime: t('earliestDeliveryTime', true),
    DistributionIndicator: b('distributionIndicator'),
    ContentClass: s('contentClass'),
    DRMContent: b('drmContent'),
    Content: content,
    ...APPLIC,
  },
  DeliveryReportReq: {
    MMSRelayServerID: s('mmsRelayServerId'),
    MessageID: s('messageId'),
    Recipient: addr('recipient'),
    Sender: addr('sender'),
    Date: t('date', false),
    MMStatus: s('mmStatusRaw'),
    MMStatusExtension: s('mmStatusExtension'),
    StatusText: s('statusText'),
    UACapabilities: (c, el, out) => {
      out.uaCapabilities = uaCapabilities(c, el);
    },
    ...APPLIC,
  },
  ReadReplyReq: {
    MMSRelayServerID: s('mmsRelayServerId'),
    MessageID: s('messageId'),
    Recipient: addr('recipient'),
    Sender: addr('sender'),
    TimeStamp: t('timeStamp', false),
    MMStatus: s('mmStatusRaw'),
    StatusText: s('statusText'),
    ...APPLIC,
  },
  SubmitRsp: { Status: ignore, MessageID: s('messageId') },
  DeliverRsp: { Status: ignore, ServiceCode: s('serviceCode') },
  CancelRsp: { Status: ignore },
  ReplaceRsp: { Status: ignore },
  DeliveryReportRsp: { Status: ignore },
  ReadReplyRsp: { Status: ignore },
  RSErrorRsp: { Status: ignore },
  VASPErrorRsp: { Status: ignore },
};

function decodeMessage(
  ctx: Ctx,
  type: Mm7MessageType,
  el: XmlElement,
  fault: Mm7FaultInfo | undefined,
): Mm7Message {
  const table = TABLES[type] ?? {};
  const out: Fields = { type };
  const extensions: XmlElement[] = [];
  if ('Content' in table) out.content = [];
  const seen = new Set<string>();
  for (const c of el.children) {
    if (c.local === 'MM7Version') continue;
    const reader = table[c.local];
    // A repeated singleton is kept verbatim rather than silently overwriting the first one.
    if (reader === undefined || (c.local !== 'Content' && seen.has(c.local))) {
      extensions.push(c);
      continue;
    }
    seen.add(c.local);
    reader(ctx, c, out);
  }
  out.extensions = extensions;

  switch (type) {
    case 'SubmitReq': {
      requireIdentification(ctx, out.senderIdentification as Mm7SenderIdentification | undefined, type);
      const r = out.recipients as Mm7Recipients | undefined;
      if (r === undefined) ctx.missing('Recipients', type);
      if (r.to.length + r.cc.length + r.bcc.length === 0)
        ctx.badAddress('Recipients', 'no recipient address');
      break;
    }
    case 'CancelReq':
    case 'ReplaceReq':
      requireIdentification(ctx, out.senderIdentification as Mm7SenderIdentification | undefined, type);
      if (out.messageId === undefined) ctx.missing('MessageID', type);
      break;
    case 'DeliveryReportReq':
    case 'ReadReplyReq': {
      if (out.messageId === undefined) ctx.missing('MessageID', type);
      const raw = out.mmStatusRaw as string | undefined;
      if (raw === undefined) ctx.missing('MMStatus', type);
      const canonical: Mm7DeliveryStatus | Mm7ReadStatus =
        (type === 'DeliveryReportReq' ? parseDeliveryStatus(raw) : parseReadStatus(raw)) ?? 'Indeterminate';
      out.mmStatus = canonical;
      if (canonical === raw) delete out.mmStatusRaw;
      break;
    }
    case 'SubmitRsp':
    case 'DeliverRsp':
    case 'CancelRsp':
    case 'ReplaceRsp':
    case 'DeliveryReportRsp':
    case 'ReadReplyRsp':
    case 'RSErrorRsp':
    case 'VASPErrorRsp':
      out.status = status(ctx, child(el, 'Status'), type);
      if (fault !== undefined) out.fault = fault;
      break;
    default:
      break;
  }
  return out as unknown as Mm7Message;
}
