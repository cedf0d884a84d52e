import type { RoomScopedRow } from '../types.js';
import type { MemoryStreamWriter } from '../writers/memory-stream-writer.js';

export interface TypingManagerOptions {
  /** Upper bound of a client's typing timeout. */
  maxTimeoutMs?: number;
  /** Rooms nobody types in any more that are remembered for incremental syncs. */
  maxIdleRooms?: number;
}

interface RoomTyping {
  /** Who is typing, with the timer that stops them. */
  users: Map<string, NodeJS.Timeout>;
  /** Typing-stream position of the room's last change. */
  changedAt: number;
}

const DEFAULT_MAX_TIMEOUT_MS = 120_000;
const DEFAULT_MAX_IDLE_ROOMS = 10_000;

/**
 * Who is typing where: the in-memory typing stream's owner. Every change
 * publishes a row `{room_id, user_id}` at the next typing position; typing
 * stops on request or when the client's timeout expires.
 */
export class TypingManager {
  private readonly rooms = new Map<string, RoomTyping>();
  /** Rooms without typers in the order they became idle (a Map keeps insertion order). */
  private readonly idle = new Map<string, number>();
  /** Rooms idle since at or before this position may have been forgotten. */
  private forgottenUpTo = 0;
  private readonly maxTimeoutMs: number;
  private readonly maxIdleRooms: number;

  constructor(
    private readonly writer: MemoryStreamWriter<RoomScopedRow>,
    options: TypingManagerOptions = {},
  ) {
    this.maxTimeoutMs = options.maxTimeoutMs ?? DEFAULT_MAX_TIMEOUT_MS;
    this.maxIdleRooms = options.maxIdleRooms ?? DEFAULT_MAX_IDLE_ROOMS;
  }

  /** The typing stream's current position. */
  get position(): number {
    return this.writer.position;
  }

  /** Starts (for timeoutMs) or stops `userId` typing in `roomId`. Repeating "typing" only extends the timeout. */
  setTyping(roomId: string, userId: string, typing: boolean, timeoutMs = 30_000): void {
    const room = this.rooms.get(roomId);
    const timer = room?.users.get(userId);
    if (!typing) {
      if (timer) this.stop(roomId, userId);
      return;
    }
    if (timer) clearTimeout(timer);
    const expiry = setTimeout(() => this.stop(roomId, userId), Math.max(0, Math.min(timeoutMs, this.maxTimeoutMs)));
    expiry.unref();
    if (timer) {
      room!.users.set(userId, expiry);
      return;
    }
    const state = room ?? { users: new Map<string, NodeJS.Timeout>(), changedAt: 0 };
    state.users.set(userId, expiry);
    this.rooms.set(roomId, state);
    this.idle.delete(roomId);
    this.changed(roomId, userId, state);
  }

  /** Users typing in the room now. */
  typingUsers(roomId: string): string[] {
    return [...(this.rooms.get(roomId)?.users.keys() ?? [])];
  }

  /**
   * Rooms whose typing changed after `position` (a sync token's typing part).
   * A position ahead of the stream comes from before a restart: every room is
   * reported, so clients replace whatever they remember.
   */
  roomsChangedSince(position: number): string[] {
    const reset = position > this.position || position < this.forgottenUpTo;
    const rooms: string[] = [];
    for (const [roomId, state] of this.rooms) if (reset || state.changedAt > position) rooms.push(roomId);
    return rooms;
  }

  /** Stops every expiry timer (shutdown). */
  close(): void {
    for (const state of this.rooms.values()) for (const timer of state.users.values()) clearTimeout(timer);
    this.rooms.clear();
    this.idle.clear();
  }

  private stop(roomId: string, userId: string): void {
    const state = this.rooms.get(roomId);
    const timer = state?.users.get(userId);
    if (!state || !timer) return;
    clearTimeout(timer);
    state.users.delete(userId);
    this.changed(roomId, userId, state);
    if (state.users.size === 0) this.rememberIdle(roomId, state.changedAt);
  }

  private changed(roomId: string, userId: string, state: RoomTyping): void {
    // The room's typers ride along, so workers that do not own typing can follow it (worker split).
    state.changedAt = this.writer.publish([{ room_id: roomId, user_id: userId, user_ids: [...state.users.keys()] }]);
  }

  private rememberIdle(roomId: string, changedAt: number): void {
    this.idle.set(roomId, changedAt);
    if (this.idle.size <= this.maxIdleRooms) return;
    const [oldest, at] = this.idle.entries().next().value as [string, number];
    this.idle.delete(oldest);
    this.rooms.delete(oldest);
    this.forgottenUpTo = Math.max(this.forgottenUpTo, at);
  }
}
