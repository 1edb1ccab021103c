import { Errors } from '@hub/errors';
import { type Address, normalizeAddress, type Options } from '@hub/message';
import type { MimePart, Mm7Address, Mm7Attachment, Mm7ReplaceReq, Mm7SubmitReq, Mm7Time } from '@hub/mm7';

/**
 * Pure MM7 → Hub conversions (no I/O): addresses, times, submit options, and the flattened list of MIME
 * leaves a SubmitReq/ReplaceReq carries. Each throws a catalog HubError whose MM7 StatusCode the endpoint
 * answers with.
 */

// `+4915112345678/TYPE=PLMN` (MM1/MM4 style, seen inside <Number> and <RFC2822Address>).
const TYPE_SUFFIX = /^(.*?)\/TYPE=[A-Za-z0-9]+(?:@.*)?$/i;

/**
 * A Hub address for an MM7 address, or `undefined` when unusable (the caller answers 2002).
 * `Number` must be a phone number, `ShortCode` is kept verbatim as a short code (even 10 digits, which
 * {@link normalizeAddress} would read as E.164), `RFC2822Address` may be `Name <a@b>` or `+num/TYPE=PLMN@domain`.
 */
export function toHubAddress(a: Mm7Address): Address | undefined {
  let v = a.value.trim();
  if (a.kind === 'RFC2822Address') {
    const angle = /<([^>]*)>/.exec(v);
    if (angle?.[1] !== undefined) v = angle[1].trim();
  }
  const plmn = TYPE_SUFFIX.exec(v);
  if (plmn?.[1] !== undefined) v = plmn[1].trim();
  if (a.kind === 'ShortCode') {
    const s = v.replace(/[\s-]/g, '');
    if (/^[0-9]{1,20}$/.test(s)) return { kind: 'short', value: s, original: a.value };
    if (/^[\x21-\x7E]{1,20}$/.test(s)) return { kind: 'alnum', value: s, original: a.value };
    return undefined;
  }
  const n = normalizeAddress(v);
  if (n === undefined) return undefined;
  if (a.kind === 'Number' && (n.kind === 'email' || n.kind === 'alnum')) return undefined;
  return { ...n, original: a.value };
}

/** The MM7 address element for a Hub address (answering in the peer's form where Hub knows it). */
export function toMm7Address(a: Address): Mm7Address {
  switch (a.kind) {
    case 'email':
      return { kind: 'RFC2822Address', value: a.value };
    case 'short':
    case 'alnum':
      return { kind: 'ShortCode', value: a.value };
    default:
      return { kind: 'Number', value: a.value };
  }
}

/** Epoch ms of an MM7 time: absolute as given, relative counted from `now`. */
export function timeOf(t: Mm7Time | undefined, now: number): number | undefined {
  if (t === undefined) return undefined;
  return t.kind === 'absolute' ? t.epochMs : now + t.seconds * 1000;
}

const PRIORITY: Readonly<Record<string, number>> = { Low: 0, Normal: 1, High: 2 };

/** Recipients of a SubmitReq, split for the Hub message; `displayOnly` ones are kept aside (shown, not sent). */
export interface SubmitRecipients {
  readonly to: Address[];
  readonly cc: Address[];
  readonly bcc: Address[];
  readonly displayOnly: string[];
}

/** Normalises To/Cc/Bcc. Throws `HUB_ERR_GATEWAY_INVALID_DESTINATION` (2002) for the first bad one or when none is left. */
export function submitRecipients(req: Mm7SubmitReq): SubmitRecipients {
  const displayOnly: string[] = [];
  const map = (list: readonly Mm7Address[]): Address[] => {
    const out: Address[] = [];
    for (const a of list) {
      const h = toHubAddress(a);
      if (h === undefined) throw new Errors.HUB_ERR_GATEWAY_INVALID_DESTINATION(JSON.stringify(a.value));
      if (a.displayOnly === true) displayOnly.push(h.value);
      else out.push(h);
    }
    return out;
  };
  let to = map(req.recipients.to);
  let cc = map(req.recipients.cc);
  let bcc = map(req.recipients.bcc);
  // A Hub message needs a primary recipient; an MM with only Cc/Bcc is sent to them all as To.
  if (to.length === 0) {
    to = [...cc, ...bcc];
    cc = [];
    bcc = [];
  }
  if (to.length === 0) throw new Errors.HUB_ERR_GATEWAY_INVALID_DESTINATION('(no deliverable recipient)');
  return { to, cc, bcc, displayOnly };
}

/**
 * The sender of a SubmitReq: `SenderAddress`, else the VASID, else the VASPID as an alphanumeric id.
 * Throws `HUB_ERR_GATEWAY_INVALID_SOURCE` (2002) for an unusable SenderAddress.
 */
export function submitSender(req: Mm7SubmitReq | Mm7ReplaceReq): Address {
  const si = req.senderIdentification;
  if (si.senderAddress !== undefined) {
    const a = toHubAddress(si.senderAddress);
    if (a === undefined)
      throw new Errors.HUB_ERR_GATEWAY_INVALID_SOURCE(JSON.stringify(si.senderAddress.value));
    return a;
  }
  for (const id of [si.vasId, si.vaspId]) {
    const v = id?.trim();
    if (v !== undefined && /^[\x21-\x7E]{1,20}$/.test(v))
      return toHubAddress({ kind: 'ShortCode', value: v }) as Address;
  }
  throw new Errors.HUB_ERR_GATEWAY_INVALID_SOURCE('(no SenderAddress, VASID or VASPID usable as sender)');
}

/**
 * Hub options of a SubmitReq. DeliveryReport → receipt `final`; Priority Low/Normal/High → 0/1/2 (absent =
 * Normal); ExpiryDate / EarliestDeliveryTime (absolute or relative to `now`) → expireAt / scheduleAt.
 * Throws `HUB_ERR_GATEWAY_MM7_INVALID_TIME` (2007) for an expiry already past or before the delivery time.
 */
export function submitOptions(req: Mm7SubmitReq, now: number): Options {
  const expireAt = timeOf(req.expiryDate, now);
  const scheduleAt = timeOf(req.earliestDeliveryTime, now);
  if (expireAt !== undefined && expireAt <= now) {
    throw new Errors.HUB_ERR_GATEWAY_MM7_INVALID_TIME('ExpiryDate', `${req.expiryDate?.raw} is already past`);
  }
  if (expireAt !== undefined && scheduleAt !== undefined && expireAt <= scheduleAt) {
    throw new Errors.HUB_ERR_GATEWAY_MM7_INVALID_TIME('ExpiryDate', 'expires before EarliestDeliveryTime');
  }
  return {
    receipt: req.deliveryReport === true ? 'final' : 'none',
    ...(req.readReply === undefined ? {} : { readReply: req.readReply }),
    priority: PRIORITY[req.priority ?? 'Normal'] ?? 1,
    ...(scheduleAt === undefined || scheduleAt <= now ? {} : { scheduleAt }),
    ...(expireAt === undefined ? {} : { expireAt }),
    ...(req.serviceCode === undefined ? {} : { serviceCode: req.serviceCode }),
    ...(req.linkedId === undefined ? {} : { linkedId: req.linkedId }),
    ...(req.messageClass === undefined ? {} : { messageClass: req.messageClass }),
    ...(req.chargedParty === undefined ? {} : { chargedParty: req.chargedParty }),
    ...(req.chargedPartyId === undefined ? {} : { charging: req.chargedPartyId }),
    ...(req.distributionIndicator === undefined ? {} : { distributionIndicator: req.distributionIndicator }),
  };
}

/** MM7 elements Hub keeps verbatim in `extras.mm7` (nothing the VASP sent is lost). */
export function submitExtras(req: Mm7SubmitReq | Mm7ReplaceReq): Record<string, unknown> {
  const e: Record<string, unknown> = {};
  const put = (k: string, v: unknown): void => {
    if (v !== undefined && !(Array.isArray(v) && v.length === 0)) e[k] = v;
  };
  put('timeStamp', req.timeStamp?.raw);
  if (req.type === 'SubmitReq') {
    put('preferredChannels', req.preferredChannels);
    put('replyCharging', req.replyCharging);
    put('earliestDeliveryTime', req.earliestDeliveryTime?.raw);
    put('expiryDate', req.expiryDate?.raw);
  }
  put('contentClass', req.contentClass);
  put('drmContent', req.drmContent);
  put('applicId', req.applicId);
  put('replyApplicId', req.replyApplicId);
  put('auxApplicInfo', req.auxApplicInfo);
  const adapt = req.content.find((c) => c.allowAdaptations !== undefined)?.allowAdaptations;
  put('allowAdaptations', adapt);
  put('extensions', req.extensions);
  return e;
}

/** One MIME leaf of the submitted content, with the facts a Hub part keeps. */
export interface ContentLeaf {
  readonly contentType: string;
  readonly contentId: string | undefined;
  readonly location: string | undefined;
  readonly charset: string | undefined;
  readonly body: Buffer;
}

/** The flattened content of a request: its leaves, and the whole's type and start part when multipart. */
export interface FlatContent {
  readonly contentType: string | undefined;
  readonly start: string | undefined;
  readonly leaves: ContentLeaf[];
  readonly totalBytes: number;
}

function leavesOf(p: MimePart, out: ContentLeaf[]): void {
  if (p.parts !== undefined) {
    for (const c of p.parts) leavesOf(c, out);
    return;
  }
  out.push({
    contentType: p.contentType,
    contentId: p.contentId,
    location: p.contentLocation ?? p.params.name,
    charset: p.charset,
    body: p.body,
  });
}

/**
 * Flattens the parts behind `<Content href>` into leaves (nested multiparts of any depth). One multipart
 * attachment keeps its type and `start`; several attachments become `multipart/mixed`.
 */
export function flattenContent(attachments: readonly Mm7Attachment[]): FlatContent {
  const leaves: ContentLeaf[] = [];
  for (const a of attachments) leavesOf(a.part, leaves);
  const only = attachments.length === 1 ? attachments[0]?.part : undefined;
  let contentType: string | undefined;
  let start: string | undefined;
  if (only?.parts !== undefined) {
    contentType = only.contentType;
    start = only.params.start?.trim().replace(/^<|>$/g, '');
  } else if (attachments.length > 1) {
    contentType = 'multipart/mixed';
  }
  return { contentType, start, leaves, totalBytes: leaves.reduce((n, l) => n + l.body.length, 0) };
}
