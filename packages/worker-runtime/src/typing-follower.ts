/**
 * Typing on the workers that do not own the in-memory typing stream (sync
 * workers, the other client readers): each typing row carries the room's
 * typers after the change, so following the stream is enough to answer
 * /sync's typing sections. Typing updates themselves go to the owner (nginx
 * routes them there); one arriving here is refused rather than kept where
 * nobody would see it.
 */
import { MatrixError } from '@lattice/core';
import { MemoryStreamWriter, TypingManager, type ReplicationHub } from '@lattice/replication';

interface FollowedRoom {
  users: string[];
  changedAt: number;
}

export class TypingFollower extends TypingManager {
  private readonly followed = new Map<string, FollowedRoom>();
  private readonly unsubscribe: () => void;

  constructor(
    private readonly hub: ReplicationHub,
    private readonly owner: string,
  ) {
    // The base class's writer is never used: this instance publishes nothing.
    super(new MemoryStreamWriter('typing', hub.instanceName, { publish: () => undefined, subscribe: () => () => undefined }));
    // Runs before the typing position advances, so a woken /sync reads the new typers.
    this.unsubscribe = hub.onUpdate('typing', (update) => {
      for (const row of update.rows) {
        if (row.user_ids) this.followed.set(row.room_id, { users: [...row.user_ids], changedAt: update.position });
      }
    });
  }

  override get position(): number {
    return this.hub.positions.current('typing');
  }

  override setTyping(): void {
    throw new MatrixError(503, 'M_UNKNOWN', `typing is handled by instance ${this.owner}`);
  }

  override typingUsers(roomId: string): string[] {
    return [...(this.followed.get(roomId)?.users ?? [])];
  }

  /** A position ahead of the stream comes from the owner's earlier life: every room is reported. */
  override roomsChangedSince(position: number): string[] {
    const reset = position > this.position;
    return [...this.followed].filter(([, room]) => reset || room.changedAt > position).map(([roomId]) => roomId);
  }

  override close(): void {
    this.unsubscribe();
    this.followed.clear();
  }
}
