import type { Mm4SendCorrelation, SentReq } from '@hub/connectors';
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
export type { ContentMeta, SentReq };

/**
 * Correlation state shared by all instances (Redis-backed in production, see `RedisMm4Correlation`):
 * outbound REQ → .RES by transaction key (the send side, {@link Mm4SendCorrelation}, is what the `mm4`
 * connector uses), the .RES timeout, and inbound REQ dedupe (a peer re-sending a forward.REQ whose 250
 * it did not see must not create a second message).
 */
export interface Mm4Correlation extends Mm4SendCorrelation {
  /** The REQ a .RES answers, or `undefined` (unknown or expired). */
  findSent(key: string): Promise<SentReq | undefined>;
  /**
   * Records that the forward.RES for message `hubId` arrived (any attempt), so a pending .RES timeout of
   * it does nothing. Best effort for the timer: the timeout also checks the message state.
   */
  resArrived(req: SentReq): Promise<void>;
  /** True when {@link resArrived} was recorded for the message. */
  hasRes(hubId: string): Promise<boolean>;
  /** Hub id already created for a peer's REQ (peer account + Transaction-ID), if any. */
  findInbound(peer: string, transactionId: string): Promise<string | undefined>;
  rememberInbound(peer: string, transactionId: string, hubId: string): Promise<void>;
}
