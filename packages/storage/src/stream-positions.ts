import { WRITTEN_STREAMS } from '@lattice/core';
import type { Queryable } from './database.js';

/** Streams created by migrations/0001_core.sql (core names them for config validation too); later migrations may add more (sequence stream_<name>_seq). */
export const CORE_STREAMS = WRITTEN_STREAMS;

export type StreamName = (typeof CORE_STREAMS)[number] | (string & {});

const STREAM_NAME = /^[a-z][a-z0-9_]*$/;

function sequenceOf(stream: StreamName): string {
  // The name becomes part of an identifier: only plain lowercase names are allowed.
  if (!STREAM_NAME.test(stream)) throw new Error(`invalid stream name: ${JSON.stringify(stream)}`);
  return `stream_${stream}_seq`;
}

/**
 * Allocates the next position of a stream. Call it inside the transaction that
 * writes the row, so the row and its position commit together (positions of
 * rolled-back transactions are skipped, never reused).
 */
export async function nextStreamPosition(tx: Queryable, stream: StreamName): Promise<number> {
  const { rows } = await tx.query<{ position: number }>('SELECT nextval($1::regclass) AS position', [sequenceOf(stream)]);
  return rows[0]!.position;
}

/** Allocates `count` positions in one round trip, ascending (other writers may take positions in between). */
export async function nextStreamPositions(tx: Queryable, stream: StreamName, count: number): Promise<number[]> {
  const { rows } = await tx.query<{ position: number }>(
    'SELECT nextval($1::regclass) AS position FROM generate_series(1, $2::int) ORDER BY 1',
    [sequenceOf(stream), count],
  );
  return rows.map((r) => r.position);
}

/**
 * Records that `instance` has persisted every row it wrote to `stream` up to
 * `position`. Never moves a writer backwards (late or repeated calls are harmless).
 */
export async function advanceWriterPosition(
  tx: Queryable,
  stream: StreamName,
  instance: string,
  position: number,
): Promise<void> {
  await tx.query(
    `INSERT INTO stream_positions (stream_name, instance_name, position) VALUES ($1, $2, $3)
     ON CONFLICT (stream_name, instance_name)
     DO UPDATE SET position = GREATEST(stream_positions.position, EXCLUDED.position)`,
    [stream, instance, position],
  );
}

/** Every writer's persisted-up-to position for a stream. */
export async function streamWriterPositions(db: Queryable, stream: StreamName): Promise<Map<string, number>> {
  const { rows } = await db.query<{ instance_name: string; position: number }>(
    'SELECT instance_name, position FROM stream_positions WHERE stream_name = $1',
    [stream],
  );
  return new Map(rows.map((r) => [r.instance_name, r.position]));
}

/**
 * The position below which every row of the stream is committed: the minimum
 * over its writers' persisted-up-to positions (0 when no writer has reported).
 * An idle writer must keep advancing its own position (e.g. to the stream's
 * highest position when it has nothing in flight), or it holds this back.
 */
export async function streamSafePosition(db: Queryable, stream: StreamName): Promise<number> {
  const { rows } = await db.query<{ safe: number | null }>(
    'SELECT min(position) AS safe FROM stream_positions WHERE stream_name = $1',
    [stream],
  );
  return rows[0]?.safe ?? 0;
}
