import { Errors } from '@hub/errors';
import { type Address, type MmsPart, type NewMessage, normalizeAddress } from '@hub/message';
import { type Mm4Address, type Mm4ForwardReq, type Mm4Part, parseMm4Address } from '@hub/mm4';

/**
 * A recipient from the SMTP envelope (RCPT TO) as a Hub address. MM4 routes by the envelope, so this
 * is the authoritative recipient list. Throws `HUB_ERR_GATEWAY_INVALID_DESTINATION` (553 5.1.3) when it
 * is not a phone number (`+E164/TYPE=PLMN@domain`, with or without `/TYPE=PLMN`).
 */
export function envelopeRecipient(rcpt: string): Address {
  let a: Mm4Address;
  try {
    a = parseMm4Address(rcpt);
  } catch (err) {
    throw new Errors.HUB_ERR_GATEWAY_INVALID_DESTINATION(rcpt.slice(0, 120), { cause: err });
  }
  const n = a.kind === 'msisdn' ? normalizeAddress(a.value) : undefined;
  if (n === undefined || n.kind === 'alnum' || n.kind === 'email') {
    throw new Errors.HUB_ERR_GATEWAY_INVALID_DESTINATION(`${rcpt.slice(0, 120)} (not a phone number)`);
  }
  return { ...n, original: rcpt.slice(0, 254) };
}

/** The MM's originator as a Hub address. Throws `HUB_ERR_GATEWAY_INVALID_SOURCE` (553 5.1.7). */
export function originator(a: Mm4Address): Address {
  const n = a.kind === 'ipv4' || a.kind === 'ipv6' ? undefined : normalizeAddress(a.value);
  if (n === undefined) throw new Errors.HUB_ERR_GATEWAY_INVALID_SOURCE(a.original.slice(0, 120));
  return { ...n, original: a.original.slice(0, 254) };
}

/** X-Mms-Priority → Hub priority 0..2. */
export function priorityOf(p: string | undefined): number {
  switch (p?.toLowerCase()) {
    case 'low':
      return 0;
    case 'high':
      return 2;
    default:
      return 1;
  }
}

/** Facts of the SMTP transaction a forward.REQ arrived in. */
export interface ForwardContext {
  /** Peer account id. */
  readonly peer: string;
  readonly rcptTo: readonly string[];
  readonly remoteAddress: string;
  readonly instance: string;
  readonly now: number;
}

/**
 * The Hub message for a peer's MM4_forward.REQ, given the stored parts (same order as `pdu.parts`).
 * Direction `mo`: it comes from another network toward our subscribers or a VASP. Recipients come from
 * the envelope; every X-Mms-* header is kept in `extras.mm4Headers` (lower-case names). Throws the
 * address errors of {@link envelopeRecipient} / {@link originator} (5xx).
 */
export function forwardToMessage(
  pdu: Mm4ForwardReq,
  parts: readonly MmsPart[],
  ctx: ForwardContext,
): Omit<NewMessage, 'id'> {
  const to = ctx.rcptTo.map(envelopeRecipient);
  if (to.length === 0) throw new Errors.HUB_ERR_GATEWAY_INVALID_DESTINATION('no RCPT TO');
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(pdu.extensions)) headers[k.toLowerCase()] = v;
  const content = pdu.content;
  const expireAt =
    pdu.expiry === undefined
      ? undefined
      : typeof pdu.expiry === 'number'
        ? ctx.now + pdu.expiry * 1000
        : pdu.expiry.getTime();
  const receipt = pdu.deliveryReport === true ? 'final' : 'none';
  return {
    direction: 'mo',
    kind: 'mms',
    origin: {
      protocol: 'mm4',
      account: ctx.peer,
      instance: ctx.instance,
      transactionId: pdu.transactionId.slice(0, 256),
      ...(pdu.originatorSystem === undefined ? {} : { originatorSystem: pdu.originatorSystem.slice(0, 256) }),
      senderMessageId: pdu.messageId.slice(0, 256),
      remoteAddress: ctx.remoteAddress.slice(0, 64),
    },
    from: originator(pdu.from),
    to,
    content: {
      type: 'mms',
      ...(pdu.subject === undefined ? {} : { subject: pdu.subject.slice(0, 1024) }),
      contentType: content.contentType,
      ...(content.kind === 'multipart' && content.start !== undefined ? { start: content.start } : {}),
      parts: [...parts],
    },
    options: {
      receipt,
      ...(pdu.readReply === undefined ? {} : { readReply: pdu.readReply }),
      priority: priorityOf(pdu.priority),
      ...(expireAt === undefined || Number.isNaN(expireAt) ? {} : { expireAt: Math.max(0, expireAt) }),
      ...(pdu.messageClass === undefined ? {} : { messageClass: pdu.messageClass.slice(0, 32) }),
    },
    extras: { mm4Headers: headers },
  };
}

/** MmsPart metadata of a decoded part whose bytes were stored under `ref`. */
export function partOf(p: Mm4Part, ref: string): MmsPart {
  return {
    contentType: p.contentType.slice(0, 256),
    ...(p.contentId === undefined ? {} : { contentId: p.contentId.slice(0, 256) }),
    ...(p.contentLocation === undefined ? {} : { location: p.contentLocation.slice(0, 256) }),
    ...(p.charset === undefined ? {} : { charset: p.charset.slice(0, 64) }),
    size: p.body.length,
    ref,
  };
}
