/**
 * The durable side of inbound transactions (migrations/0016_federation_rooms.sql):
 * checked PDUs are staged before the transaction is answered and deleted once
 * handled; answered transactions are remembered so a retry gets the same answer.
 */
import type { Database } from '@lattice/storage';

export interface StagedPdu {
  id: number;
  origin: string;
  roomId: string;
  eventId: string;
  pduJson: string;
}

export interface PduToStage {
  roomId: string;
  eventId: string;
  pduJson: string;
}

export class StagingStore {
  constructor(private readonly db: Database) {}

  /** The stored answer of a transaction, if it was answered before. */
  async answered(origin: string, txnId: string): Promise<string | undefined> {
    const { rows } = await this.db.query<{ response_json: string | null }>(
      'SELECT response_json FROM federation_inbound_txns WHERE origin = $1 AND txn_id = $2',
      [origin, txnId],
    );
    return rows[0]?.response_json ?? undefined;
  }

  /** Records the transaction and stages its PDUs in one statement; returns the staged rows' ids in input order. */
  async stage(origin: string, txnId: string, pdus: readonly PduToStage[], now: number): Promise<number[]> {
    const { rows } = await this.db.query<{ id: number }>(
      `WITH txn AS (
         INSERT INTO federation_inbound_txns (origin, txn_id, response_json, received_ts) VALUES ($1, $2, NULL, $3)
         ON CONFLICT (origin, txn_id) DO NOTHING
       )
       INSERT INTO federation_staged_pdus (origin, txn_id, room_id, event_id, pdu_json, received_ts)
       SELECT $1, $2, p.room, p.id, p.json, $3
       FROM unnest($4::text[], $5::text[], ARRAY(SELECT j.v FROM json_array_elements_text($6::json) WITH ORDINALITY AS j (v, n) ORDER BY j.n))
         WITH ORDINALITY AS p (room, id, json, ord)
       ORDER BY p.ord
       RETURNING id`,
      // The PDUs' JSON as one JSON array: node-postgres escapes each text[] element with regular expressions.
      [origin, txnId, now, pdus.map((p) => p.roomId), pdus.map((p) => p.eventId), JSON.stringify(pdus.map((p) => p.pduJson))],
    );
    return rows.map((r) => Number(r.id));
  }

  async saveAnswer(origin: string, txnId: string, responseJson: string): Promise<void> {
    await this.db.query('UPDATE federation_inbound_txns SET response_json = $3 WHERE origin = $1 AND txn_id = $2', [origin, txnId, responseJson]);
  }

  /** The oldest staged PDUs of a room. */
  async next(roomId: string, limit: number): Promise<StagedPdu[]> {
    const { rows } = await this.db.query<{ id: string; origin: string; room_id: string; event_id: string; pdu_json: string }>(
      'SELECT id, origin, room_id, event_id, pdu_json FROM federation_staged_pdus WHERE room_id = $1 ORDER BY id LIMIT $2',
      [roomId, limit],
    );
    return rows.map((r) => ({ id: Number(r.id), origin: r.origin, roomId: r.room_id, eventId: r.event_id, pduJson: r.pdu_json }));
  }

  async remove(ids: readonly number[]): Promise<void> {
    if (ids.length > 0) await this.db.query('DELETE FROM federation_staged_pdus WHERE id = ANY($1::bigint[])', [ids]);
  }

  /** Rooms with staged PDUs (start-up: resume what a crash left). */
  async roomsWithStaged(): Promise<string[]> {
    const { rows } = await this.db.query<{ room_id: string }>('SELECT DISTINCT room_id FROM federation_staged_pdus');
    return rows.map((r) => r.room_id);
  }
}
