/**
 * Which m.room.member events each device was already sent while lazy-loading
 * members, so that later syncs can leave out redundant ones (spec "Lazy-loading
 * room members"). Keyed by member event id: a changed membership is never
 * mistaken for one already sent. Memory only and bounded: forgetting merely
 * makes the server send a member again, which is always allowed.
 */
import { Lru } from '@lattice/rooms';

const MAX_DEVICES = 10_000;

export class LazyMembersSent {
  /** device key → room → member user id → member event id. */
  private readonly byDevice = new Lru<string, Map<string, Map<string, string>>>(MAX_DEVICES);

  private roomsOf(userId: string, deviceId: string, create: boolean): Map<string, Map<string, string>> | undefined {
    const key = `${userId}\u0000${deviceId}`;
    let rooms = this.byDevice.get(key);
    if (!rooms && create) this.byDevice.set(key, (rooms = new Map()));
    return rooms;
  }

  /** A predicate for lazyMembersToSend: the device has `memberEventId` for `memberId` in `roomId`. */
  sentCheck(userId: string, deviceId: string, roomId: string): (memberId: string, memberEventId: string | undefined) => boolean {
    const sent = this.roomsOf(userId, deviceId, false)?.get(roomId);
    return (memberId, memberEventId) => memberEventId !== undefined && sent?.get(memberId) === memberEventId;
  }

  record(userId: string, deviceId: string, roomId: string, members: Iterable<{ state_key?: string; event_id: string }>): void {
    const rooms = this.roomsOf(userId, deviceId, true)!;
    let sent = rooms.get(roomId);
    if (!sent) rooms.set(roomId, (sent = new Map()));
    for (const m of members) if (m.state_key !== undefined) sent.set(m.state_key, m.event_id);
  }

  /** An initial sync starts the device afresh: it keeps nothing from before. */
  reset(userId: string, deviceId: string): void {
    this.byDevice.delete(`${userId}\u0000${deviceId}`);
  }
}
