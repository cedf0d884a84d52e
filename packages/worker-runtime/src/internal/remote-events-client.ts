/**
 * RemoteEventsApi for workers without the room's persister (the worker
 * split's federation-inbound and client readers): each call goes to the event
 * persister owning the room (remote-events-endpoint.ts). A join returns once
 * this worker has seen its position, like a local send.
 */
import type { RoomEvent, RoomVersion } from '@lattice/core';
import type { IncomingEvent, RemoteEventResult, RemoteEventsApi, RemoteJoin, SendResult } from '@lattice/rooms';
import { eventPersisterFor } from '../topology/shard.js';
import { internalCall, type InternalClientOptions } from './internal-client.js';
import { toWireIncoming, type AcceptArgs, type JoinArgs, type MembershipOutlierArgs, type OutliersArgs } from './remote-events-wire.js';

export class RemoteEventsClient implements RemoteEventsApi {
  constructor(
    private readonly client: InternalClientOptions,
    /** The configured event persisters (stream_writers.events). */
    private readonly persisters: readonly string[],
  ) {}

  acceptEvents(roomId: string, incoming: readonly IncomingEvent[]): Promise<RemoteEventResult[]> {
    return this.call<AcceptArgs, RemoteEventResult[]>(roomId, 'accept', { roomId, incoming: toWireIncoming(incoming) });
  }

  backfillEvents(roomId: string, incoming: readonly IncomingEvent[]): Promise<RemoteEventResult[]> {
    return this.call<AcceptArgs, RemoteEventResult[]>(roomId, 'backfill', { roomId, incoming: toWireIncoming(incoming) });
  }

  storeOutliers(roomId: string, events: readonly RoomEvent[], version: RoomVersion): Promise<RemoteEventResult[]> {
    return this.call<OutliersArgs, RemoteEventResult[]>(roomId, 'outliers', { roomId, events: [...events], version: version.id });
  }

  storeLocalMembershipOutlier(event: RoomEvent, version: RoomVersion): Promise<RemoteEventResult> {
    return this.call<MembershipOutlierArgs, RemoteEventResult>(event.room_id, 'membership_outlier', { event, version: version.id });
  }

  joinRoom(input: RemoteJoin): Promise<SendResult> {
    const args: JoinArgs = { version: input.version.id, join: input.join, state: input.state, authChain: input.authChain };
    return this.call<JoinArgs, SendResult>(input.join.room_id, 'join', args);
  }

  private call<A, R>(roomId: string, method: string, args: A): Promise<R> {
    return internalCall<A, R>(this.client, eventPersisterFor(roomId, this.persisters), `remote_events/${method}`, {}, args);
  }
}
