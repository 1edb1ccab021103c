import type { Bus, QueueDef } from '@hub/bus';
import type { Hop, HubMessage, MessageState, StampInfo } from '@hub/message';

/**
 * What the gateway needs from the message store. `@hub/store` implements it; keeping the surface this
 * small keeps the gateway testable and the contract obvious.
 */
export interface GatewayStore {
  /** Writes a new record; resolves only after Redis confirmed it. */
  put(msg: HubMessage): Promise<void>;
  get(id: string): Promise<HubMessage | undefined>;
  /** Atomic state change (see @hub/message transition rules); throws HUB_ERR_ILLEGAL_TRANSITION. */
  transition(id: string, to: MessageState, hop: Hop, info?: StampInfo): Promise<unknown>;
  /** Adds a hop stamp without a state change. */
  stamp(id: string, hop: Hop, info?: StampInfo): Promise<void>;
  /**
   * Cancels a message waiting in a shared batch job unless a connector already took it (see `@hub/store`
   * `MessageStore.withdraw`); `undefined` when it could not. Optional: without it such a message cannot
   * be cancelled.
   */
  withdraw?(id: string, to: MessageState, hop: Hop, info?: StampInfo): Promise<unknown>;
}

/** Reassembly of concatenated submits across PDUs, sessions and instances (Redis-backed). */
export interface ConcatStore {
  /**
   * Records one part and returns the logical message id all parts share (the first part's `newId`
   * wins) and, when this part completed the set, every part's bytes in order. The completer then calls
   * {@link ConcatStore.complete} or {@link ConcatStore.release}.
   */
  addPart(
    key: string,
    seq: number,
    total: number,
    bytes: Buffer,
    newId: string,
    meta?: string,
  ): Promise<{ id: string; parts?: Buffer[] }>;
  /** The completed message is safely stored: forget the set. */
  complete(key: string): Promise<void>;
  /** Storing the completed message failed: let a retried part complete the set again. */
  release(key: string): Promise<void>;
  /**
   * Removes and returns sets whose last part is at least `staleMs` old (the sender gave up or a part was
   * lost). Optional: without it incomplete sets are kept until the store expires them.
   */
  takeStale?(staleMs: number, limit?: number): Promise<StaleConcat[]>;
}

/** An incomplete concatenated message taken out of the {@link ConcatStore}. */
export interface StaleConcat {
  readonly key: string;
  /** The logical id every part was answered with. */
  readonly id: string;
  /** What `addPart` was given as `meta` with the first part (JSON, gateway-defined). */
  readonly meta: string;
  /** Part bytes by sequence number (1-based). */
  readonly parts: ReadonlyMap<number, Buffer>;
}

export type { Bus, QueueDef };
