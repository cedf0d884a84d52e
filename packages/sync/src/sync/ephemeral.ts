/**
 * The ephemeral events of joined rooms: m.typing (who types now, for rooms
 * whose typing changed since the token) and m.receipt (receipts written since
 * the token, all of them on an initial sync). m.read.private receipts are only
 * ever shown to their owner; ignored users' typing and receipts are hidden.
 */
import type { TypingManager } from '@lattice/replication';
import type { Database } from '@lattice/storage';
import { UNTHREADED, receiptsBetween } from '../stores/receipts.js';

export interface EphemeralEvent {
  type: string;
  content: Record<string, unknown>;
}

export interface EphemeralWindow {
  userId: string;
  roomIds: readonly string[];
  ignored: ReadonlySet<string>;
  /** Typing-stream position of the token (undefined: initial sync). */
  typingSince: number | undefined;
  receiptsFrom: number;
  receiptsTo: number;
}

export async function ephemeralEvents(
  db: Database,
  typing: TypingManager,
  window: EphemeralWindow,
): Promise<Map<string, EphemeralEvent[]>> {
  const out = new Map<string, EphemeralEvent[]>();
  const add = (roomId: string, event: EphemeralEvent): void => {
    let list = out.get(roomId);
    if (!list) out.set(roomId, (list = []));
    list.push(event);
  };
  const rooms = new Set(window.roomIds);

  for (const roomId of typing.roomsChangedSince(window.typingSince ?? 0)) {
    if (!rooms.has(roomId)) continue;
    const userIds = typing.typingUsers(roomId).filter((u) => !window.ignored.has(u));
    // An initial sync has nothing to replace: rooms nobody types in are left out.
    if (window.typingSince === undefined && userIds.length === 0) continue;
    add(roomId, { type: 'm.typing', content: { user_ids: userIds } });
  }

  const receipts = await receiptsBetween(db, window.roomIds, window.receiptsFrom, window.receiptsTo);
  const contents = new Map<string, Record<string, Record<string, Record<string, Record<string, unknown>>>>>();
  for (const r of receipts) {
    if (r.receiptType === 'm.read.private' && r.userId !== window.userId) continue;
    if (window.ignored.has(r.userId)) continue;
    let content = contents.get(r.roomId);
    if (!content) contents.set(r.roomId, (content = {}));
    const byType = (content[r.eventId] ??= {});
    const byUser = (byType[r.receiptType] ??= {});
    byUser[r.userId] = r.threadId === UNTHREADED ? { ts: r.ts } : { ts: r.ts, thread_id: r.threadId };
  }
  for (const [roomId, content] of contents) add(roomId, { type: 'm.receipt', content });
  return out;
}
