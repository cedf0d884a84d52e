import type { Queryable } from '@lattice/storage';
import type { EventStreamRow, PositionedRow, StreamName, StreamRowSource } from '../types.js';

/** An events row as selected: the stream row plus its position. */
type EventRowRecord = Required<EventStreamRow> & { stream_ordering: string | number };

/**
 * The events stream's rows read back from the `events` table (index
 * events_instance_stream), shaped as the persister announces them. Membership
 * comes from room_memberships, else from the event's JSON; rejected and
 * soft-failed events are `hidden` (they move positions but wake nobody).
 */
export class EventsRowSource implements StreamRowSource<EventStreamRow> {
  constructor(private readonly db: Queryable) {}

  async rowsBetween(
    stream: StreamName,
    instance: string,
    fromExclusive: number,
    toInclusive: number,
  ): Promise<PositionedRow<EventStreamRow>[]> {
    if (stream !== 'events') throw new Error(`EventsRowSource cannot read the ${stream} stream`);
    const { rows } = await this.db.query<EventRowRecord>(
      `SELECT e.stream_ordering, e.event_id, e.room_id, e.type, e.state_key, e.sender,
              CASE WHEN e.type = 'm.room.member'
                   THEN COALESCE(m.membership, event_jsonb(e.json) -> 'content' ->> 'membership') END AS membership,
              (e.rejected_reason IS NOT NULL OR e.soft_failed) AS hidden
         FROM events e
         LEFT JOIN room_memberships m ON e.type = 'm.room.member' AND m.event_id = e.event_id
        WHERE e.instance_name = $1 AND e.stream_ordering > $2 AND e.stream_ordering <= $3
        ORDER BY e.stream_ordering`,
      [instance, fromExclusive, toInclusive],
    );
    return rows.map((r) => {
      const row: EventStreamRow = {
        event_id: r.event_id,
        room_id: r.room_id,
        type: r.type,
        state_key: r.state_key,
        sender: r.sender,
        membership: r.membership,
      };
      if (r.hidden) row.hidden = true;
      return { position: Number(r.stream_ordering), row };
    });
  }
}
