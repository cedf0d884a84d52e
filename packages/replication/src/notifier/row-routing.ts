import type { EventStreamRow, RoomScopedRow, StreamName, UserScopedRow } from '../types.js';

/** Receives the rooms and users a row concerns (see StreamRows for the rules). */
export interface RowVisitor {
  room(roomId: string): void;
  user(userId: string): void;
  /** A membership event of the room (optional: only who tracks them asks). */
  membership?(roomId: string): void;
}

/** Calls the visitor for every room and user `row` of `stream` should wake. */
export function routeRow(stream: StreamName, row: unknown, visit: RowVisitor): void {
  switch (stream) {
    case 'events': {
      const event = row as EventStreamRow;
      if (event.hidden) return; // advances positions, but nobody may see it
      visit.room(event.room_id);
      if (event.type === 'm.room.member' && event.state_key) {
        visit.user(event.state_key);
        visit.membership?.(event.room_id);
      }
      return;
    }
    case 'receipts':
    case 'typing':
      visit.room((row as RoomScopedRow).room_id);
      return;
    case 'account_data':
    case 'to_device':
    case 'push_rules':
      visit.user((row as UserScopedRow).user_id);
      return;
    case 'device_lists':
    case 'presence': {
      const scoped = row as UserScopedRow;
      visit.user(scoped.user_id);
      if (scoped.room_id) visit.room(scoped.room_id);
      return;
    }
    case 'caches':
      return;
  }
}
