import { z } from 'zod';
import { Address } from './address.js';
import { withFastParse } from './fast-parse.js';
import { MessageState } from './status.js';

/** Version of the message schema carried in every record and job. Bump on incompatible change. */
export const MESSAGE_SCHEMA_VERSION = 1 as const;

const HubIdSchema = z.string().regex(/^[0-9A-F]{16}$/, 'must be 16 upper-case hex digits');
/** Base64 of exact bytes (JSON-safe); decode with `Buffer.from(x, 'base64')`. */
const Base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64');
const Millis = z.number().int().nonnegative();

export const Protocol = z.enum(['smpp', 'mm7', 'mm4', 'api']);
export type Protocol = z.infer<typeof Protocol>;

/**
 * Where a message came from and what is needed to answer it (receipts, MO replies). For MT it names the
 * client account; for MO it names the carrier connector it arrived on.
 */
export const Origin = z.object({
  protocol: Protocol,
  /** Account id (ESME system_id owner, VASP, MM4 peer) for MT; absent for MO from a carrier. */
  account: z.string().min(1).max(64).optional(),
  /** Connector the message arrived on (MO and reports from carriers). */
  connector: z.string().min(1).max(64).optional(),
  /** Gateway instance and session it came in on (SMPP), for diagnostics: receipts go to any bind of the account. */
  instance: z.string().max(128).optional(),
  session: z.string().max(128).optional(),
  systemId: z.string().max(64).optional(),
  /** SMPP interface version of the session (0x33, 0x34, 0x50). */
  interfaceVersion: z.number().int().optional(),
  /** MM7: VASPID, VASID, and the endpoint to which reports go. */
  vaspId: z.string().max(128).optional(),
  vasId: z.string().max(128).optional(),
  /** MM7/MM4 transaction id of the request, MM4 originator system (where the .RES and reports go). */
  transactionId: z.string().max(256).optional(),
  originatorSystem: z.string().max(256).optional(),
  /** The id the sender knows the message by, when it chose one (MM4 X-Mms-Message-ID, MM7 MessageID). */
  senderMessageId: z.string().max(256).optional(),
  remoteAddress: z.string().max(64).optional(),
});
export type Origin = z.infer<typeof Origin>;

/** SMS content: text with its coding and the exact bytes, or binary with UDH. */
export const SmsContent = z.object({
  type: z.literal('sms'),
  /** SMPP data_coding as received (or chosen) for the bytes below. */
  dataCoding: z.number().int().min(0).max(255),
  /** Decoded text; absent for binary content (dc 2/4 or 8-bit class). */
  text: z.string().max(65_535).optional(),
  /** Exact user data bytes of the whole logical message, without UDH. */
  bytes: Base64,
  /** UDH other than concatenation (ports, etc.), exact bytes. */
  udh: Base64.optional(),
  /** Number of segments the message takes on the air (throttling and billing count these). */
  segments: z.number().int().min(1).max(255),
});
export type SmsContent = z.infer<typeof SmsContent>;

/** One MMS part: its bytes live in the content store (`ref`) or inline when small. */
export const MmsPart = z.object({
  contentType: z.string().min(1).max(256),
  contentId: z.string().max(256).optional(),
  location: z.string().max(256).optional(),
  charset: z.string().max(64).optional(),
  size: z.number().int().nonnegative(),
  /** Content store key. */
  ref: z.string().max(256).optional(),
  /** Base64 bytes for small parts (see the content store threshold). */
  inline: Base64.optional(),
});
export type MmsPart = z.infer<typeof MmsPart>;

export const MmsContent = z.object({
  type: z.literal('mms'),
  subject: z.string().max(1024).optional(),
  /** Content type of the whole (multipart/related, multipart/mixed) and its start part. */
  contentType: z.string().max(256).optional(),
  start: z.string().max(256).optional(),
  parts: z.array(MmsPart).max(256),
});
export type MmsContent = z.infer<typeof MmsContent>;

export const Content = z.discriminatedUnion('type', [SmsContent, MmsContent]);
export type Content = z.infer<typeof Content>;

/** Which receipts the sender wants. */
export const ReceiptRequest = z.enum(['none', 'final', 'failure', 'success']);
export type ReceiptRequest = z.infer<typeof ReceiptRequest>;

export const Options = z.object({
  receipt: ReceiptRequest.default('none'),
  /** Intermediate notifications (SMPP registered_delivery bit 4). */
  intermediate: z.boolean().optional(),
  readReply: z.boolean().optional(),
  /** 0 (lowest) to 3 (highest), SMPP priority_flag semantics; MM7 Low/Normal/High map to 0/1/2. */
  priority: z.number().int().min(0).max(3).default(0),
  /** Do not send before this time (ms since epoch). */
  scheduleAt: Millis.optional(),
  /** Give up (EXPIRED) after this time (ms since epoch). */
  expireAt: Millis.optional(),
  serviceCode: z.string().max(64).optional(),
  serviceType: z.string().max(6).optional(),
  linkedId: z.string().max(256).optional(),
  messageClass: z.string().max(32).optional(),
  chargedParty: z.string().max(32).optional(),
  /** Free-form charging reference (MM7 ChargedPartyID, SMPP billing_identification). */
  charging: z.string().max(256).optional(),
  distributionIndicator: z.boolean().optional(),
  /** SMPP esm_class and protocol_id as received, when they matter downstream. */
  esmClass: z.number().int().min(0).max(255).optional(),
  protocolId: z.number().int().min(0).max(255).optional(),
  replaceIfPresent: z.boolean().optional(),
});
export type Options = z.infer<typeof Options>;

/** Protocol data kept verbatim so that nothing a peer sent is lost in translation. */
export const Extras = z.object({
  /** SMPP TLVs Hub does not interpret: tag (decimal string) → hex value. */
  smppTlvs: z.record(z.string(), z.string()).optional(),
  /** MM7 elements Hub does not interpret: local name → text. */
  mm7: z.record(z.string(), z.unknown()).optional(),
  /** MM4 X-Mms-* headers as received: lower-case name → value. */
  mm4Headers: z.record(z.string(), z.string()).optional(),
});
export type Extras = z.infer<typeof Extras>;

/** Hops stamped into the history (transmission-time monitoring). */
export const Hop = z.enum([
  'received',
  'stored',
  'queued',
  'routed',
  'submitted',
  'upstream_ack',
  'receipt',
  'receipt_delivered',
  'delivered_to_client',
  'retry',
  'cancel',
  'expired',
  'failed',
  'note',
]);
export type Hop = z.infer<typeof Hop>;

export const HistoryEntry = z.object({
  /** ms since epoch */
  at: Millis,
  hop: Hop,
  /** State after this entry (absent for pure hop stamps). */
  state: MessageState.optional(),
  /** `duplicate` or `late` when a report did not change the state. */
  outcome: z.enum(['ok', 'duplicate', 'late']).optional(),
  /** Who recorded it: app and instance. */
  by: z.string().max(128).optional(),
  /** Connector, upstream id, error code, free text. */
  connector: z.string().max(64).optional(),
  upstreamId: z.string().max(128).optional(),
  error: z.string().max(128).optional(),
  detail: z.string().max(512).optional(),
});
export type HistoryEntry = z.infer<typeof HistoryEntry>;

/** For `class: 'report'`: what is being reported on. */
export const ReportInfo = z.object({
  /** Hub id of the message reported on. */
  messageId: HubIdSchema,
  state: MessageState,
  /** Error code from upstream (SMPP err:, network_error_code; MM7/MM4 status text). */
  error: z.string().max(64).optional(),
  statusText: z.string().max(256).optional(),
  /** When the reported event happened (done date). */
  at: Millis,
  submittedAt: Millis.optional(),
  /** The recipient this report is about (MMS reports are per recipient). */
  recipient: Address.optional(),
  /** Read reply (MMS) rather than a delivery report. */
  read: z.boolean().optional(),
});
export type ReportInfo = z.infer<typeof ReportInfo>;

/**
 * The normalized Hub message. Every ingress produces one; router and connectors see only this.
 * MT: from a client account toward carriers. MO: from a carrier toward an account. Reports travel as
 * `class: 'report'` messages with `report` set, addressed to the account the original came from.
 *
 * Parsed on every ingress and every dequeue: valid messages take a compiled fast path with zod's exact
 * result (see `fast-parse.ts`); anything else is parsed and reported by zod itself.
 */
export const HubMessage = withFastParse(
  z.object({
    v: z.literal(MESSAGE_SCHEMA_VERSION),
    id: HubIdSchema,
    direction: z.enum(['mt', 'mo']),
    kind: z.enum(['sms', 'mms']),
    class: z.enum(['message', 'report']).default('message'),
    origin: Origin,
    from: Address,
    to: z.array(Address).min(1).max(1000),
    /** Cc/Bcc recipients (MMS). */
    cc: z.array(Address).max(1000).optional(),
    bcc: z.array(Address).max(1000).optional(),
    content: Content,
    options: Options,
    extras: Extras.optional(),
    report: ReportInfo.optional(),
    state: MessageState,
    createdAt: Millis,
    updatedAt: Millis,
    /** Route decision: the connector chosen and any failover list left. */
    route: z
      .object({
        routeId: z.string().max(64),
        connector: z.string().max(64),
        fallbacks: z.array(z.string().max(64)).optional(),
      })
      .optional(),
    /** Where it went upstream and the upstream's id for it. */
    upstream: z.object({ connector: z.string().max(64), id: z.string().max(128).optional() }).optional(),
    /** Attempts made by connectors so far. */
    attempts: z.number().int().nonnegative().default(0),
    history: z.array(HistoryEntry).max(1000),
  }),
);
export type HubMessage = z.infer<typeof HubMessage>;
/** What builders accept: defaults (options, attempts, class) may be omitted. */
export type HubMessageInput = z.input<typeof HubMessage>;
