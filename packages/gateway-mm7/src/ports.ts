import type { Hop, HubMessage, MessageState, StampInfo } from '@hub/message';
import type { ContentMeta, ContentStore } from '@hub/store';

/**
 * What the MM7 gateway needs from the message store. `@hub/store`'s MessageStore implements it; the small
 * surface keeps the gateway's contract obvious and its tests honest.
 */
export interface Mm7MessageStore {
  /** Writes a record; resolves only after Redis confirmed it. */
  put(msg: HubMessage): Promise<void>;
  get(id: string): Promise<HubMessage | undefined>;
  /** Atomic state change; throws `HUB_ERR_ILLEGAL_TRANSITION` / `HUB_ERR_NOT_FOUND`. */
  transition(id: string, to: MessageState, hop: Hop, info?: StampInfo): Promise<unknown>;
  /** Adds a hop stamp without a state change; throws `HUB_ERR_NOT_FOUND` when the record expired. */
  stamp(id: string, hop: Hop, info?: StampInfo): Promise<void>;
  /**
   * Cancels a message waiting in a shared batch job unless a connector already took it (`@hub/store`
   * `MessageStore.withdraw`); `undefined` when it could not. Optional.
   */
  withdraw?(id: string, to: MessageState, hop: Hop, info?: StampInfo): Promise<unknown>;
}

/** Logger surface (pino fits). */
export interface Mm7Logger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** A logger that drops everything (tests, embedding). */
export const silentLogger: Mm7Logger = { info() {}, warn() {}, error() {} };

export type { ContentMeta, ContentStore };
