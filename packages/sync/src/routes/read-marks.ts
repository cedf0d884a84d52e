/**
 * The writes behind POST /receipt and POST /read_markers: read receipts
 * (m.read public, m.read.private only ever shown to their owner, optionally
 * threaded) and the m.fully_read marker (room account data).
 */
import { Errors } from '@lattice/core';
import type { ClientApiContext } from '@lattice/client-api';
import type { SyncServices } from '../services.js';
import { MAIN_THREAD, threadOf } from '../notifications/thread-of.js';
import { putAccountData } from '../stores/account-data.js';
import { UNTHREADED, putReceipt } from '../stores/receipts.js';
import { eventInRoom } from './room-access.js';

export const READ_RECEIPT_TYPES: ReadonlySet<string> = new Set(['m.read', 'm.read.private']);
export const FULLY_READ = 'm.fully_read';

export async function sendReadReceipt(
  ctx: ClientApiContext,
  services: SyncServices,
  userId: string,
  roomId: string,
  receiptType: string,
  eventId: string,
  threadId: string | undefined,
): Promise<void> {
  const stored = await eventInRoom(ctx.rooms.store, roomId, eventId);
  if (threadId !== undefined && threadId !== MAIN_THREAD) {
    // A thread's receipt points into that thread (or at its root).
    if (eventId !== threadId && threadOf(stored.event.content) !== threadId) {
      throw Errors.invalidParam('The event is not in the given thread');
    }
  } else if (threadId === MAIN_THREAD && threadOf(stored.event.content) !== MAIN_THREAD) {
    throw Errors.invalidParam('The event is in a thread, not in the main timeline');
  }
  const position = await putReceipt(ctx.db, services.receiptsWriter, {
    roomId,
    receiptType,
    userId,
    threadId: threadId ?? UNTHREADED,
    eventId,
    eventStreamOrdering: stored.streamOrdering,
    ts: Date.now(),
  });
  await services.afterWrite(userId, 'receipts', position);
}

export async function setFullyRead(
  ctx: ClientApiContext,
  services: SyncServices,
  userId: string,
  roomId: string,
  eventId: string,
): Promise<void> {
  await eventInRoom(ctx.rooms.store, roomId, eventId);
  const position = await putAccountData(ctx.db, services.accountDataWriter, userId, roomId, FULLY_READ, { event_id: eventId });
  await services.afterWrite(userId, 'account_data', position);
}
