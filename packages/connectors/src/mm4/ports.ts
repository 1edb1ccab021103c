/**
 * What the MM4 send path needs from the rest of Hub, as small interfaces: `@hub/gateway-mm4` implements
 * them (Redis correlation, the .RES timeout queue) and `@hub/store` provides the content store. Kept here so
 * the connector does not depend on the gateway (the gateway depends on this package).
 */

/** Reads MMS part bytes referenced by `MmsPart.ref` (the `@hub/store` ContentStore fits). */
export interface Mm4PartReader {
  /** The bytes of `ref`; throws `HUB_ERR_NOT_FOUND` when they expired. */
  get(ref: string): Promise<Buffer>;
}

/** What Hub remembers about a REQ it sent, until the peer's .RES arrives. */
export interface SentReq {
  /** Hub id of the message (forward.REQ) or of the message reported on (report REQs). */
  readonly hubId: string;
  /** The connector (or peer account) the REQ went out on. */
  readonly via: string;
  readonly type: 'MM4_forward.REQ' | 'MM4_delivery_report.REQ' | 'MM4_read_reply_report.REQ';
  /** X-Mms-Message-ID of the REQ. */
  readonly messageId: string;
  /** Which send of this message it was (1 = first; a resend after a missing .RES counts up). */
  readonly attempt?: number;
}

/** How long to wait for a forward.RES and what to do when none comes (from the connector's config). */
export interface ResWait {
  /** Wait this long after the peer's SMTP 250. */
  readonly timeoutMs: number;
  /** Sends in all (first + resends with a new Transaction-ID); when used up the message fails. */
  readonly maxAttempts: number;
}

/**
 * The send side of MM4 REQ/RES correlation, shared with the inbound gateway that receives the .RES.
 * `@hub/gateway-mm4`'s `RedisMm4Correlation` implements it.
 */
export interface Mm4SendCorrelation {
  /**
   * Records an outbound REQ under its transaction key (`transactionKey(txId, ourOriginatorSystem)`)
   * before the mail leaves, so a fast .RES always matches. Rejects when the store is down: the caller
   * fails the send as temporary.
   */
  rememberSent(key: string, req: SentReq): Promise<void>;
  /**
   * Called after the peer's SMTP 250 of a forward.REQ that asked for a .RES: arms the .RES timeout (a
   * delayed job that resends or fails the message if no .RES came). Optional: without it, no timeout.
   * Rejects when the store is down (the mail is already with the peer: the caller logs and goes on).
   */
  awaitRes?(key: string, req: SentReq, wait: ResWait): Promise<void>;
}

/** Services the `mm4` connector kind needs besides its config (passed as `ConnectorDeps.mm4`). */
export interface Mm4ConnectorServices {
  /** Part bytes of MMs (required for MMs whose parts are stored by ref, i.e. all that came in over MM4/MM7). */
  readonly content?: Mm4PartReader;
  /** REQ/RES correlation (required for the .RES to update the message, and for the .RES timeout). */
  readonly correlation?: Mm4SendCorrelation;
}
