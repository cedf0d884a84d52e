/**
 * What operators see of each destination (admin API, metrics), in
 * federation_destinations (migrations/0016, 0025): the sender records every
 * acknowledged transaction here (backoff cleared, the newest event the
 * destination acknowledged, overall and per room), so a destination's row stays
 * after a success and every server this one has sent to is listed; an admin's
 * reset clears a backoff and tells the sender through the `caches` stream.
 */
import { computeEventId, type PDU } from '@lattice/core';
import type { RoomStore } from '@lattice/rooms';
import type { Queryable } from '@lattice/storage';

/** The `caches` stream row an admin's reset_connection writes: the sender retries the keys (destinations) now. */
export const DESTINATION_RETRY_CACHE = 'federation_destination_retry';

/** One destination as the admin API shows it (Synapse's field names). */
export interface DestinationStatus {
  destination: string;
  /** When the last failed attempt was (0: the last attempt succeeded). */
  retry_last_ts: number;
  /** How long after retry_last_ts the next attempt is (0: not backing off). */
  retry_interval: number;
  /** When the destination started failing (null: it is not failing). */
  failure_ts: number | null;
  last_successful_stream_ordering: number | null;
}

/** The columns of federation_destinations as DestinationStatus; retry_last_ts follows from the next retry and the interval. */
const DESTINATION_STATUS_COLUMNS = `destination,
  CASE WHEN retry_interval_ms > 0 THEN retry_after_ts - retry_interval_ms ELSE 0 END AS retry_last_ts,
  retry_interval_ms AS retry_interval, failing_since_ts AS failure_ts, last_successful_stream_ordering`;

function toDestinationStatus(row: Record<string, unknown>): DestinationStatus {
  const nullable = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return {
    destination: String(row.destination),
    retry_last_ts: Number(row.retry_last_ts),
    retry_interval: Number(row.retry_interval),
    failure_ts: nullable(row.failure_ts),
    last_successful_stream_ordering: nullable(row.last_successful_stream_ordering),
  };
}

/** Orders of the destinations list (Synapse's order_by values). */
export const DESTINATION_ORDERS = ['destination', 'retry_last_ts', 'retry_interval', 'failure_ts', 'last_successful_stream_ordering'] as const;

export interface DestinationPage {
  from: number;
  limit: number;
  orderBy: (typeof DESTINATION_ORDERS)[number];
  dir: 'f' | 'b';
}

export interface DestinationRoom {
  room_id: string;
  stream_ordering: number;
}

export class DestinationStatusStore {
  constructor(
    private readonly db: Queryable,
    private readonly store: Pick<RoomStore, 'roomVersion'>,
  ) {}

  /**
   * A transaction the destination acknowledged: its backoff ends, and the
   * newest of the PDUs' events (our stream positions) is recorded overall and
   * per room, and the transaction's outbox rows (`outboxIds`) are deleted, all in
   * one statement. Wire PDUs of v3+ rooms carry no event id: it is derived.
   */
  async delivered(destination: string, pdus: readonly unknown[], outboxIds: readonly number[] = []): Promise<void> {
    const eventIds: string[] = [];
    for (const pdu of pdus as PDU[]) {
      if (typeof pdu.room_id !== 'string') continue;
      const version = await this.store.roomVersion(pdu.room_id);
      if (version !== undefined) eventIds.push(computeEventId(pdu, version));
    }
    await this.db.query(
      `WITH acked AS (
         DELETE FROM federation_outbox WHERE id = ANY($3::bigint[])
       ), sent AS (
         SELECT room_id, max(stream_ordering) AS stream_ordering FROM events WHERE event_id = ANY($2::text[]) GROUP BY room_id
       ), dest AS (
         INSERT INTO federation_destinations (destination, retry_after_ts, retry_interval_ms, failing_since_ts, last_successful_stream_ordering)
         VALUES ($1, 0, 0, NULL, (SELECT max(stream_ordering) FROM sent))
         ON CONFLICT (destination) DO UPDATE SET retry_after_ts = 0, retry_interval_ms = 0, failing_since_ts = NULL,
           last_successful_stream_ordering = GREATEST(federation_destinations.last_successful_stream_ordering, EXCLUDED.last_successful_stream_ordering)
       )
       INSERT INTO federation_destination_rooms (destination, room_id, stream_ordering)
       SELECT $1, room_id, stream_ordering FROM sent
       ON CONFLICT (destination, room_id) DO UPDATE
         SET stream_ordering = GREATEST(federation_destination_rooms.stream_ordering, EXCLUDED.stream_ordering)`,
      [destination, eventIds, outboxIds],
    );
  }

  /** A page of destinations in the given order (ties by name), and how many there are. */
  async list(page: DestinationPage): Promise<{ destinations: DestinationStatus[]; total: number }> {
    const direction = page.dir === 'b' ? 'DESC' : 'ASC';
    // NULLs (never acknowledged / never failed) count as the smallest, as in Synapse.
    const nulls = page.dir === 'b' ? 'NULLS LAST' : 'NULLS FIRST';
    const { rows } = await this.db.query(
      `SELECT ${DESTINATION_STATUS_COLUMNS}, count(*) OVER () AS total FROM federation_destinations
       ORDER BY ${page.orderBy} ${direction} ${nulls}, destination ${direction} LIMIT $1 OFFSET $2`,
      [page.limit, page.from],
    );
    const total = rows.length > 0 ? Number(rows[0]!.total) : await this.count('SELECT count(*) AS n FROM federation_destinations', []);
    return { destinations: rows.map(toDestinationStatus), total };
  }

  /** A page of the rooms shared with a destination, by room id, with the newest of their events it acknowledged. */
  async rooms(destination: string, page: Omit<DestinationPage, 'orderBy'>): Promise<{ rooms: DestinationRoom[]; total: number }> {
    const direction = page.dir === 'b' ? 'DESC' : 'ASC';
    const { rows } = await this.db.query<{ room_id: string; stream_ordering: number }>(
      `SELECT room_id, stream_ordering FROM federation_destination_rooms WHERE destination = $1
       ORDER BY room_id ${direction} LIMIT $2 OFFSET $3`,
      [destination, page.limit, page.from],
    );
    const total = await this.count('SELECT count(*) AS n FROM federation_destination_rooms WHERE destination = $1', [destination]);
    return { rooms: rows.map((r) => ({ room_id: r.room_id, stream_ordering: Number(r.stream_ordering) })), total };
  }

  private async count(sql: string, params: unknown[]): Promise<number> {
    const { rows } = await this.db.query<{ n: number }>(sql, params);
    return Number(rows[0]?.n ?? 0);
  }

  async get(destination: string): Promise<DestinationStatus | undefined> {
    const { rows } = await this.db.query(`SELECT ${DESTINATION_STATUS_COLUMNS} FROM federation_destinations WHERE destination = $1`, [destination]);
    return rows[0] === undefined ? undefined : toDestinationStatus(rows[0]);
  }

  /** Ends a backoff now (the row stays, with what was last acknowledged). Resolves false for an unknown destination. */
  async clearBackoff(q: Queryable, destination: string): Promise<boolean> {
    const { rowCount } = await q.query(
      'UPDATE federation_destinations SET retry_after_ts = 0, retry_interval_ms = 0, failing_since_ts = NULL WHERE destination = $1',
      [destination],
    );
    return rowCount > 0;
  }
}
