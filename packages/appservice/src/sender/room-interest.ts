/**
 * Which rooms an appservice is interested in (Application Service API
 * "Registration"): a room whose id matches its rooms namespaces, one with a
 * local alias matching its aliases namespaces, or one where a local user it
 * owns (its sender included) is joined. Answers are kept for one
 * transaction's worth of reads: a transaction sees rooms as of its build.
 */
import type { Queryable } from '@lattice/storage';
import type { Appservice } from '../registration/appservice.js';

export class RoomInterest {
  private readonly rooms = new Map<string, Promise<boolean>>();

  constructor(
    private readonly db: Queryable,
    private readonly as: Appservice,
  ) {}

  isInterested(roomId: string): Promise<boolean> {
    let answer = this.rooms.get(roomId);
    if (answer === undefined) {
      answer = this.lookUp(roomId);
      this.rooms.set(roomId, answer);
    }
    return answer;
  }

  private async lookUp(roomId: string): Promise<boolean> {
    if (this.as.isInterestedInRoom(roomId)) return true;
    const aliases = await this.db.query<{ room_alias: string }>('SELECT room_alias FROM room_aliases WHERE room_id = $1', [roomId]);
    if (aliases.rows.some((r) => this.as.isInterestedInAlias(r.room_alias))) return true;
    const members = await this.db.query<{ user_id: string }>(
      `SELECT user_id FROM local_current_membership WHERE room_id = $1 AND membership = 'join'`,
      [roomId],
    );
    return members.rows.some((r) => this.as.isInterestedInUser(r.user_id));
  }
}
