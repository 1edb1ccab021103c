import type { Hop, HubMessage, MessageState, StampInfo } from '@hub/message';
import type { ContentMeta, ContentStore, MessagePatch, TransitionResult } from '@hub/store';

/**
 * What the MM4 gateway needs from the message store (`@hub/store` MessageStore implements it). Every
 * method resolves only after Redis confirmed; Redis errors propagate (the gateway answers 451).
 */
export interface Mm4MessageStore {
  put(msg: HubMessage): Promise<void>;
  get(id: string): Promise<HubMessage | undefined>;
  /** Atomic state change; throws HUB_ERR_ILLEGAL_TRANSITION / HUB_ERR_NOT_FOUND. */
  transition(
    id: string,
    to: MessageState,
    hop: Hop,
    info?: StampInfo,
    opts?: { withMessage?: boolean },
  ): Promise<TransitionResult>;
  stamp(id: string, hop: Hop, info?: StampInfo): Promise<void>;
  update(id: string, patch: MessagePatch): Promise<void>;
  linkUpstream(connectorId: string, upstreamId: string, hubId: string): Promise<void>;
  findByUpstream(connectorId: string, upstreamId: string): Promise<string | undefined>;
}

/** Where MMS part bytes go (the `@hub/store` ContentStore; only put/get are used). */
export type Mm4ContentStore = Pick<ContentStore, 'put' | 'get'>;
export type { ContentMeta };

/** What Hub remembers about a REQ it sent, until the peer's .RES arrives. */
export interface SentReq {
  /** Hub id of the message (forward.REQ) or of the message reported on (report REQs). */
  readonly hubId: string;
  /** The connector (or peer account) the REQ went out on. */
  readonly via: string;
  readonly type: 'MM4_forward.REQ' | 'MM4_delivery_report.REQ' | 'MM4_read_reply_report.REQ';
  /** X-Mms-Message-ID of the REQ. */
  readonly messageId: string;
}

/**
 * Correlation state shared by all instances (Redis-backed in production, see `RedisMm4Correlation`):
 * outbound REQ → .RES by transaction key, and inbound REQ dedupe (a peer re-sending a forward.REQ
 * whose 250 it did not see must not create a second message).
 */
export interface Mm4Correlation {
  /** Records an outbound REQ under its transaction key (`transactionKey(txId, ourOriginatorSystem)`). */
  rememberSent(key: string, req: SentReq): Promise<void>;
  /** The REQ a .RES answers, or `undefined` (unknown or expired). */
  findSent(key: string): Promise<SentReq | undefined>;
  /** Hub id already created for a peer's REQ (peer account + Transaction-ID), if any. */
  findInbound(peer: string, transactionId: string): Promise<string | undefined>;
  rememberInbound(peer: string, transactionId: string, hubId: string): Promise<void>;
}
