import type { ReplicationTransport, StreamName } from '../types.js';

/**
 * The writer of a stream that lives only in the writer's memory (typing): no
 * sequence and nothing in flight, so each publish takes the next position and
 * that position is at once persisted-up-to. Positions restart at 0 with the
 * process; readers of tokens from an earlier life must treat a position ahead
 * of the stream as "everything" (see TypingManager.roomsChangedSince).
 */
export class MemoryStreamWriter<Row = unknown> {
  private current = 0;

  constructor(
    readonly stream: StreamName,
    readonly instance: string,
    private readonly transport: ReplicationTransport,
  ) {}

  get position(): number {
    return this.current;
  }

  /** Publishes rows at the next position and returns it. */
  publish(rows: readonly Row[]): number {
    this.current += 1;
    this.transport.publish({ stream: this.stream, instance: this.instance, position: this.current, rows: [...rows] });
    return this.current;
  }
}
