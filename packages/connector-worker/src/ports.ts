import type { Hop, HubMessage, MessageState, StampInfo } from '@hub/message';

/** Logger surface (pino fits). */
export interface WorkerLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/**
 * What the connector and status workers need from the message store (implemented by `@hub/store`'s
 * `MessageStore`). Every method may reject with a Redis error: the workers let it propagate so the bus
 * retries the job.
 */
export interface WorkerStore {
  /** Current state only, or `undefined` for an unknown/expired record. */
  state(id: string): Promise<MessageState | undefined>;
  /**
   * The state, marking a waiting message taken for sending so a cancel no longer withdraws it (see
   * `@hub/store` `MessageStore.take`). Optional: without it the worker reads {@link WorkerStore.state}.
   */
  take?(id: string): Promise<MessageState | undefined>;
  /** The whole record, or `undefined`; with `history: false` its history is not read (comes back empty). */
  get(id: string, opts?: { history?: boolean }): Promise<HubMessage | undefined>;
  /**
   * Atomic state change; throws HUB_ERR_ILLEGAL_TRANSITION / HUB_ERR_NOT_FOUND. `opts.patch` and
   * `opts.stamp` are applied in the same step when the change is recorded (see `@hub/store`
   * `TransitionOptions`).
   */
  transition(
    id: string,
    to: MessageState,
    hop: Hop,
    info?: StampInfo,
    opts?: {
      patch?: { upstream?: HubMessage['upstream'] };
      stamp?: { hop: Hop; at: number; info?: StampInfo };
    },
  ): Promise<unknown>;
  /** Hop stamp without a state change, dated `now`; throws HUB_ERR_NOT_FOUND. */
  stamp(id: string, hop: Hop, info?: StampInfo, now?: number): Promise<void>;
  /** Sets `route` / `upstream`; throws HUB_ERR_NOT_FOUND. */
  update(
    id: string,
    patch: { route?: HubMessage['route']; upstream?: HubMessage['upstream'] },
  ): Promise<void>;
  /** Adds 1 to the record's `attempts`; throws HUB_ERR_NOT_FOUND. */
  incrementAttempts(id: string): Promise<number>;
  linkUpstream(connectorId: string, upstreamId: string, hubId: string): Promise<void>;
  findByUpstream(connectorId: string, upstreamId: string): Promise<string | undefined>;
  /**
   * The linked message without its history, in one round trip where the store can (`@hub/store`
   * `MessageStore.getByUpstream`). Optional: without it the worker calls `findByUpstream` then `get`.
   */
  getByUpstream?(
    connectorId: string,
    upstreamId: string,
  ): Promise<{ id: string; message?: HubMessage } | undefined>;
  /** Writes a new record (MO messages). */
  put(msg: HubMessage): Promise<void>;
}
