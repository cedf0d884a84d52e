/**
 * A client reader's EventPersisterApi (ARCHITECTURE.md §5): every write goes
 * over the internal HTTP API to the event persister owning the room, carrying
 * the sender's latest write positions; the answer's positions are waited for
 * (bounded) before the call returns, so the handler answers its client only
 * once this worker has seen the write. Client-API handlers do not change.
 */
import type { ReplicationHub, UserWritePositions, WritePositions } from '@lattice/replication';
import type { CreateRoomOptions, EventDraft, EventPersisterApi, SendResult, TxnKey } from '@lattice/rooms';
import { eventPersisterFor } from '../topology/shard.js';
import { internalCall, type InternalClientOptions } from './internal-client.js';
import type { CreateEventAnswer, CreateEventArgs } from './persister-endpoint.js';
import { SendBatcher } from './send-batcher.js';
import type { InternalOutcome } from './wire.js';

export interface RemotePersisterOptions {
  /** The configured event persisters (stream_writers.events). */
  persisters: readonly string[];
  /** Base URL of an instance's internal listener. */
  urlOf: (instance: string) => string;
  secret: string;
  hub: ReplicationHub;
  userWrites: UserWritePositions;
  /** Bound on one call (the persister may queue behind other sends to the room). */
  timeoutMs?: number;
  /** Bound on waiting to see the call's positions. */
  catchUpTimeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 60_000;
const DEFAULT_CATCH_UP_MS = 10_000;

export class RemoteEventPersister implements EventPersisterApi {
  private nextCreator = 0;
  private readonly client: InternalClientOptions;
  private readonly sends: SendBatcher;

  constructor(private readonly opts: RemotePersisterOptions) {
    this.client = {
      urlOf: opts.urlOf,
      secret: opts.secret,
      hub: opts.hub,
      timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      catchUpTimeoutMs: opts.catchUpTimeoutMs ?? DEFAULT_CATCH_UP_MS,
    };
    this.sends = new SendBatcher({
      one: (instance, positions, args) => internalCall(this.client, instance, 'persister/create_event', positions, args),
      many: (instance, positions, items) =>
        internalCall<{ items: CreateEventArgs[] }, Array<InternalOutcome<CreateEventAnswer>>>(this.client, instance, 'persister/create_events', positions, { items }),
    });
  }

  /**
   * A new room's id is only known once its persister built the create event,
   * so creations take turns over the persisters; every later event of the
   * room goes to its owner by hash (the creating persister committed it all
   * before answering, so the owner reads it from the database).
   */
  async createRoom(options: CreateRoomOptions): Promise<{ roomId: string; events: SendResult[] }> {
    const { persisters } = this.opts;
    const instance = persisters[this.nextCreator++ % persisters.length]!;
    return this.call(instance, 'create_room', options.creator, options);
  }

  /** Sends to one persister in the same turn share an internal call (send-batcher.ts). */
  async createEvent(draft: EventDraft, opts?: { txn?: TxnKey }): Promise<SendResult> {
    const instance = eventPersisterFor(draft.room_id, this.opts.persisters);
    const args: CreateEventArgs = opts?.txn ? { draft, txn: opts.txn } : { draft };
    // Read in the sender's own request (the positions are memoised per request).
    const positions: WritePositions = await this.opts.userWrites.get(draft.sender);
    const { senderWriteRecorded, ...result } = await this.sends.send(instance, positions, args);
    // The persister recorded the send as the sender's latest write: the handler's afterWrite need not.
    if (senderWriteRecorded) this.opts.userWrites.noteRecorded?.(draft.sender, { events: result.streamOrdering });
    return result;
  }

  private async call<A, R>(instance: string, method: string, userId: string, args: A): Promise<R> {
    // Nothing is known about the outcome of a failed call; a client retry with the same txnId is deduplicated by the persister.
    return internalCall<A, R>(this.client, instance, `persister/${method}`, await this.opts.userWrites.get(userId), args);
  }
}
