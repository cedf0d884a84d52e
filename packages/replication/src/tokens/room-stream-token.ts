/**
 * Pagination tokens of a room's timeline (/messages from/to, prev_batch).
 * A token is a point BETWEEN events: an event is before the point when its
 * position is at or below it.
 *
 *   t<topological>-<stream>  a point in the room's DAG order (topological =
 *                            depth): after every event with (depth, stream)
 *                            <= (topological, stream), compared in that order;
 *                            stream may be negative (backfilled history: t5--3)
 *   s<stream>                a point in stream order (e.g. a sync's prev_batch)
 *   m<min>~<writer>.<pos>…   the same with writers at different positions
 *                            (see StreamPosition)
 *
 * Malformed tokens throw M_INVALID_PARAM.
 */
import { StreamPosition, invalidToken, parsePosition } from './stream-position.js';

/** Where an event sits: its depth, its events-stream position and the writer that allocated it. */
export interface EventPosition {
  topological: number;
  stream: number;
  instance?: string;
}

const TOPOLOGICAL = /^t([0-9]+)-(-?[0-9]+)$/;
const MAX_LENGTH = 1024;

export class RoomStreamToken {
  private constructor(
    /** Present for DAG-order tokens. */
    readonly topological: number | undefined,
    readonly stream: StreamPosition,
  ) {}

  static stream(position: StreamPosition | number): RoomStreamToken {
    return new RoomStreamToken(undefined, typeof position === 'number' ? StreamPosition.at(position) : position);
  }

  static topological(topological: number, stream: number): RoomStreamToken {
    return new RoomStreamToken(topological, StreamPosition.at(stream));
  }

  /** The point just after `event` in DAG order. */
  static after(event: EventPosition): RoomStreamToken {
    return RoomStreamToken.topological(event.topological, event.stream);
  }

  /** The event is at or before this point. */
  covers(event: EventPosition): boolean {
    if (this.topological === undefined) return this.stream.covers(event.stream, event.instance ?? '');
    if (event.topological !== this.topological) return event.topological < this.topological;
    return event.stream <= this.stream.min;
  }

  toString(): string {
    if (this.topological !== undefined) return `t${this.topological}-${this.stream.min}`;
    return this.stream.writers.size === 0 ? `s${this.stream.min}` : this.stream.toString();
  }

  toJSON(): string {
    return this.toString();
  }

  static parse(token: string): RoomStreamToken {
    if (typeof token !== 'string' || token.length > MAX_LENGTH) throw invalidToken('not a pagination token');
    if (token.startsWith('s')) return RoomStreamToken.stream(parsePosition(token.slice(1)));
    if (token.startsWith('m')) return RoomStreamToken.stream(StreamPosition.parse(token));
    const match = TOPOLOGICAL.exec(token);
    if (!match) throw invalidToken('not a pagination token');
    const stream = match[2]!;
    const negative = stream.startsWith('-');
    const magnitude = parsePosition(negative ? stream.slice(1) : stream);
    return RoomStreamToken.topological(parsePosition(match[1]!), negative ? -magnitude : magnitude);
  }
}

/**
 * Orders two tokens: by (topological, stream) when both are DAG-order tokens,
 * else by stream position (min, then max). Negative when a is before b.
 */
export function compareRoomStreamTokens(a: RoomStreamToken, b: RoomStreamToken): number {
  if (a.topological !== undefined && b.topological !== undefined && a.topological !== b.topological) {
    return a.topological - b.topological;
  }
  return a.stream.min - b.stream.min || a.stream.max - b.stream.max;
}

/** Orders events in DAG order, stream position breaking ties (the order /messages returns). */
export function compareEventPositions(a: EventPosition, b: EventPosition): number {
  return a.topological - b.topological || a.stream - b.stream;
}
