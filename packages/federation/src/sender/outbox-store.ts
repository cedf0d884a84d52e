/**
 * The durable outbound queue (migrations/0016_federation_rooms.sql): rows per
 * destination in order, taken a transaction's worth at a time and deleted
 * once the destination acknowledged them; plus each destination's backoff.
 */
import type { Database, Queryable } from '@lattice/storage';
import { MAX_TXN_EDUS, MAX_TXN_PDUS } from '../inbound/transaction-limits.js';


export interface OutboxBatch {
  ids: number[];
  pdus: unknown[];
  edus: unknown[];
}

export interface OutboxItem {
  destination: string;
  kind: 'pdu' | 'edu';
  payload: unknown;
  /** An EDU that replaces the destination's queued EDU with the same key (latest typing, receipt, presence). */
  key?: string;
  /** An EDU dropped unsent once this time (ms) has passed (typing). */
  expiresTs?: number;
}

export class OutboxStore {
  constructor(private readonly db: Database) {}

  async enqueue(q: Queryable, items: readonly OutboxItem[], now: number): Promise<void> {
    if (items.length === 0) return;
    const keyed = items.filter((i) => i.key !== undefined);
    if (keyed.length > 0) {
      await q.query(
        `DELETE FROM federation_outbox o USING unnest($1::text[], $2::text[]) AS k (d, key)
         WHERE o.destination = k.d AND o.edu_key = k.key`,
        [keyed.map((i) => i.destination), keyed.map((i) => i.key)],
      );
    }
    await q.query(
      `INSERT INTO federation_outbox (destination, kind, payload_json, queued_ts, edu_key, expires_ts)
       SELECT d, k, p, $4, key, exp FROM unnest($1::text[], $2::text[], $3::text[], $5::text[], $6::bigint[])
         WITH ORDINALITY AS x (d, k, p, key, exp, ord) ORDER BY x.ord`,
      [
        items.map((i) => i.destination),
        items.map((i) => i.kind),
        items.map((i) => JSON.stringify(i.payload)),
        now,
        items.map((i) => i.key ?? null),
        items.map((i) => i.expiresTs ?? null),
      ],
    );
  }

  /** The oldest rows of a destination: at most 50 PDUs and 100 EDUs; EDUs expired at `now` are deleted instead. */
  async take(destination: string, now = Date.now()): Promise<OutboxBatch> {
    for (;;) {
      const { rows } = await this.db.query<{ id: string; kind: 'pdu' | 'edu'; payload_json: string; expires_ts: string | null }>(
        `(SELECT id, kind, payload_json, expires_ts FROM federation_outbox WHERE destination = $1 AND kind = 'pdu' ORDER BY id LIMIT ${MAX_TXN_PDUS})
         UNION ALL
         (SELECT id, kind, payload_json, expires_ts FROM federation_outbox WHERE destination = $1 AND kind = 'edu' ORDER BY id LIMIT ${MAX_TXN_EDUS})
         ORDER BY id`,
        [destination],
      );
      const expired = rows.filter((r) => r.expires_ts !== null && Number(r.expires_ts) <= now).map((r) => Number(r.id));
      // Each round deletes at least one row, so this ends; the next round fills the batch up again.
      if (expired.length > 0) {
        await this.ack(expired);
        continue;
      }
      const batch: OutboxBatch = { ids: [], pdus: [], edus: [] };
      for (const r of rows) {
        batch.ids.push(Number(r.id));
        (r.kind === 'pdu' ? batch.pdus : batch.edus).push(JSON.parse(r.payload_json));
      }
      return batch;
    }
  }

  async ack(ids: readonly number[]): Promise<void> {
    if (ids.length > 0) await this.db.query('DELETE FROM federation_outbox WHERE id = ANY($1::bigint[])', [ids]);
  }

  /** Destinations with rows queued and not backing off at `now`. */
  async ready(now: number): Promise<string[]> {
    const { rows } = await this.db.query<{ destination: string }>(
      `SELECT DISTINCT o.destination FROM federation_outbox o
       LEFT JOIN federation_destinations d ON d.destination = o.destination
       WHERE d.retry_after_ts IS NULL OR d.retry_after_ts <= $1`,
      [now],
    );
    return rows.map((r) => r.destination);
  }

  /** Destinations with rows queued that are backing off at `now`, with when each may be tried again. */
  async backingOff(now: number): Promise<Array<{ destination: string; retryAfterTs: number }>> {
    const { rows } = await this.db.query<{ destination: string; retry_after_ts: string }>(
      `SELECT d.destination, d.retry_after_ts FROM federation_destinations d
       WHERE d.retry_after_ts > $1 AND EXISTS (SELECT 1 FROM federation_outbox o WHERE o.destination = d.destination)`,
      [now],
    );
    return rows.map((r) => ({ destination: r.destination, retryAfterTs: Number(r.retry_after_ts) }));
  }

  /** When a backing-off destination may be tried again (undefined: not backing off). */
  async retryAfter(destination: string): Promise<{ retryAfterTs: number; intervalMs: number } | undefined> {
    const { rows } = await this.db.query<{ retry_after_ts: string; retry_interval_ms: string }>(
      'SELECT retry_after_ts, retry_interval_ms FROM federation_destinations WHERE destination = $1',
      [destination],
    );
    const r = rows[0];
    return r && Number(r.retry_interval_ms) > 0 ? { retryAfterTs: Number(r.retry_after_ts), intervalMs: Number(r.retry_interval_ms) } : undefined;
  }

  async failed(destination: string, now: number, intervalMs: number): Promise<void> {
    await this.db.query(
      `INSERT INTO federation_destinations (destination, retry_after_ts, retry_interval_ms, failing_since_ts) VALUES ($1, $2, $3, $4)
       ON CONFLICT (destination) DO UPDATE SET retry_after_ts = $2, retry_interval_ms = $3,
         failing_since_ts = COALESCE(federation_destinations.failing_since_ts, $4)`,
      [destination, now + intervalMs, intervalMs, now],
    );
  }

  async position(instance: string): Promise<number | undefined> {
    const { rows } = await this.db.query<{ stream_ordering: string }>(
      'SELECT stream_ordering FROM federation_sender_position WHERE instance_name = $1',
      [instance],
    );
    return rows[0] === undefined ? undefined : Number(rows[0].stream_ordering);
  }

  async setPosition(q: Queryable, instance: string, position: number): Promise<void> {
    await q.query(
      `INSERT INTO federation_sender_position (instance_name, stream_ordering) VALUES ($1, $2)
       ON CONFLICT (instance_name) DO UPDATE SET stream_ordering = GREATEST(federation_sender_position.stream_ordering, $2)`,
      [instance, position],
    );
  }
}
