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
}

/** Reassembly of concatenated submits across PDUs, sessions and instances (Redis-backed). */
export interface ConcatStore {
  /**
   * Records one part and returns the logical message id all parts share (the first part's `newId`
   * wins) and, when this part completed the set, every part's bytes in order.
   */
  addPart(key: string, seq: number, total: number, bytes: Buffer, newId: string): Promise<{ id: string; parts?: Buffer[] }>;
}

export type { Bus, QueueDef };
