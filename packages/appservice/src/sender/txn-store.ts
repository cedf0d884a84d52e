/**
 * The appservice transactions' durable state (migrations/0023_appservice.sql):
 * per appservice, how far each stream has been read, and the transactions
 * built but not acknowledged. A transaction is stored in the same database
 * transaction that advances the positions past its content, so a crash
 * between building and sending loses nothing and the retry carries the same
 * txn id and the same body.
 */
import type { Database, Queryable } from '@lattice/storage';

/** The streams a transaction reads from the database (typing lives in memory). */
export type TxnStream = 'events' | 'receipts' | 'presence' | 'to_device' | 'device_lists';
export type StreamCursor = Record<TxnStream, number>;

export interface PendingTxn {
  txnId: number;
  body: Record<string, unknown>;
}

export class TxnStore {
  constructor(private readonly db: Database) {}

  /** The stored positions, or undefined when the appservice has none yet (first start). */
  async cursor(appserviceId: string): Promise<Partial<StreamCursor> | undefined> {
    const { rows } = await this.db.query<{ stream: TxnStream; position: string }>(
      'SELECT stream, position FROM appservice_stream_positions WHERE appservice_id = $1',
      [appserviceId],
    );
    if (rows.length === 0) return undefined;
    return Object.fromEntries(rows.map((r) => [r.stream, Number(r.position)]));
  }

  async saveCursor(q: Queryable, appserviceId: string, cursor: StreamCursor): Promise<void> {
    const streams = Object.keys(cursor) as TxnStream[];
    await q.query(
      `INSERT INTO appservice_stream_positions (appservice_id, stream, position)
       SELECT $1, s, p FROM unnest($2::text[], $3::bigint[]) AS x (s, p)
       ON CONFLICT (appservice_id, stream) DO UPDATE SET position = GREATEST(appservice_stream_positions.position, EXCLUDED.position)`,
      [appserviceId, streams, streams.map((s) => cursor[s])],
    );
  }

  /** The oldest unacknowledged transaction. */
  async pending(appserviceId: string): Promise<PendingTxn | undefined> {
    const { rows } = await this.db.query<{ txn_id: string; body_json: string }>(
      'SELECT txn_id, body_json FROM appservice_txns WHERE appservice_id = $1 ORDER BY txn_id LIMIT 1',
      [appserviceId],
    );
    const r = rows[0];
    return r && { txnId: Number(r.txn_id), body: JSON.parse(r.body_json) as Record<string, unknown> };
  }

  /** Stores a new transaction with the positions it reads up to; returns it with its id. */
  async create(appserviceId: string, body: Record<string, unknown>, cursor: StreamCursor, now: number): Promise<PendingTxn> {
    return this.db.transaction(async (tx) => {
      const { rows } = await tx.query<{ last_txn_id: string }>(
        `INSERT INTO appservice_txn_ids (appservice_id, last_txn_id) VALUES ($1, 1)
         ON CONFLICT (appservice_id) DO UPDATE SET last_txn_id = appservice_txn_ids.last_txn_id + 1
         RETURNING last_txn_id`,
        [appserviceId],
      );
      const txnId = Number(rows[0]!.last_txn_id);
      await tx.query('INSERT INTO appservice_txns (appservice_id, txn_id, body_json, created_ts) VALUES ($1, $2, $3, $4)', [
        appserviceId,
        txnId,
        JSON.stringify(body),
        now,
      ]);
      await this.saveCursor(tx, appserviceId, cursor);
      return { txnId, body };
    });
  }

  async ack(appserviceId: string, txnId: number): Promise<void> {
    await this.db.query('DELETE FROM appservice_txns WHERE appservice_id = $1 AND txn_id = $2', [appserviceId, txnId]);
  }
}
