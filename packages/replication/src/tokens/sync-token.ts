/**
 * The /sync `since` / `next_batch` token: one position per stream.
 *
 *   s<events>_<presence>_<typing>_<receipts>_<account_data>_<push_rules>_<to_device>_<device_lists>
 *
 * e.g. `s12_4_0_7_3_1_0_2`. Each component is a StreamPosition: a number, or
 * for a stream with writers at different positions `m<min>~<writer>.<pos>…`
 * (`s m5~persister2.9 _4_…` without the spaces). Streams are only ever appended
 * to this list: a token with fewer components (from before a stream existed)
 * reads the missing ones as 0. Anything else malformed is M_INVALID_PARAM.
 */
import type { StreamName } from '../types.js';
import { StreamPosition, invalidToken } from './stream-position.js';

export const SYNC_TOKEN_STREAMS = [
  'events',
  'presence',
  'typing',
  'receipts',
  'account_data',
  'push_rules',
  'to_device',
  'device_lists',
] as const satisfies readonly StreamName[];

export type SyncTokenStream = (typeof SYNC_TOKEN_STREAMS)[number];

const MAX_LENGTH = 4096;

export class SyncToken {
  static readonly ZERO = new SyncToken({});

  private readonly positions: readonly StreamPosition[];

  /** Streams left out are at 0. */
  constructor(positions: Partial<Record<SyncTokenStream, StreamPosition>>) {
    this.positions = SYNC_TOKEN_STREAMS.map((stream) => positions[stream] ?? StreamPosition.ZERO);
  }

  get(stream: SyncTokenStream): StreamPosition {
    return this.positions[SYNC_TOKEN_STREAMS.indexOf(stream)]!;
  }

  with(stream: SyncTokenStream, position: StreamPosition): SyncToken {
    return new SyncToken({ ...this.toRecord(), [stream]: position });
  }

  toRecord(): Record<SyncTokenStream, StreamPosition> {
    return Object.fromEntries(SYNC_TOKEN_STREAMS.map((s, i) => [s, this.positions[i]!])) as Record<
      SyncTokenStream,
      StreamPosition
    >;
  }

  /** Every stream at least where it is in `other`. */
  isAtLeast(other: SyncToken): boolean {
    return this.positions.every((p, i) => p.isAtLeast(other.positions[i]!));
  }

  toString(): string {
    return `s${this.positions.map(String).join('_')}`;
  }

  toJSON(): string {
    return this.toString();
  }

  static parse(token: string): SyncToken {
    if (typeof token !== 'string' || token.length > MAX_LENGTH || !token.startsWith('s')) {
      throw invalidToken('not a sync token');
    }
    const parts = token.slice(1).split('_');
    if (parts.length > SYNC_TOKEN_STREAMS.length) throw invalidToken('too many sync token components');
    const positions: Partial<Record<SyncTokenStream, StreamPosition>> = {};
    parts.forEach((part, i) => {
      positions[SYNC_TOKEN_STREAMS[i]!] = StreamPosition.parse(part);
    });
    return new SyncToken(positions);
  }
}
