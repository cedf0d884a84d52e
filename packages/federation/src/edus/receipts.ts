/**
 * m.receipt over federation (server-server-api.md "Receipts"): public read
 * receipts (m.read, threaded or not) of local users go to the other servers
 * of the room; m.read.private never leaves this server.
 *
 * Inbound: each receipt of the origin's own users who are joined to the room
 * is stored like a local one (it only ever moves forward) and reaches local
 * clients through /sync's ephemeral m.receipt. A receipt for an event this
 * server does not have (yet: it may be in the same transaction, still being
 * processed) is placed at the room's newest event, so it is kept rather than
 * lost and a later receipt still moves past it.
 *
 * Outbound: follows the receipts stream (on whichever instance runs the
 * sender), reads the user's m.read receipts of the room and queues one EDU
 * per receipt and server, keyed by room+user+thread so that only the latest
 * waits for a server that is down.
 */
import { Lru, KeyedQueue } from '@lattice/rooms';
import type { ClientApiContext } from '@lattice/client-api';
import { UNTHREADED, putReceipt } from '@lattice/sync';
import type { EduHandler } from '../inbound/edu-dispatcher.js';
import { isLocalUser, originSpeaksInRoom, otherServersInRoom, type EduQueue } from './edu-scope.js';

export const RECEIPT_EDU = 'm.receipt';
/** The only receipt type that travels between servers. */
const READ = 'm.read';
/** Receipts whose last sent value is remembered (to skip re-sending an unchanged one). */
const SENT_REMEMBERED = 50_000;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

export function receiptEduHandler(ctx: ClientApiContext): EduHandler {
  return async (origin, content) => {
    for (const [roomId, byType] of Object.entries(content)) {
      if (!isObject(byType) || !isObject(byType[READ])) continue;
      for (const [userId, receipt] of Object.entries(byType[READ])) {
        if (!isObject(receipt) || !Array.isArray(receipt.event_ids) || !isObject(receipt.data)) continue;
        const eventId = receipt.event_ids[0];
        const { ts, thread_id: threadId } = receipt.data;
        if (typeof eventId !== 'string') continue;
        if (threadId !== undefined && (typeof threadId !== 'string' || threadId === '')) continue;
        if (!(await originSpeaksInRoom(ctx, origin, roomId, userId))) continue;
        const ordering = await receiptOrdering(ctx, roomId, eventId);
        if (ordering === undefined) continue;
        await putReceipt(ctx.db, ctx.rooms.hub.writer('receipts'), {
          roomId,
          receiptType: READ,
          userId,
          threadId: threadId ?? UNTHREADED,
          eventId,
          eventStreamOrdering: ordering,
          ts: typeof ts === 'number' && Number.isSafeInteger(ts) ? ts : Date.now(),
        });
      }
    }
  };
}

/** The event's place in the room's stream; an unknown event's is the room's newest (see above); another room's: none. */
async function receiptOrdering(ctx: ClientApiContext, roomId: string, eventId: string): Promise<number | undefined> {
  const stored = await ctx.rooms.store.getEvent(eventId);
  if (stored !== undefined) return stored.event.room_id === roomId ? stored.streamOrdering : undefined;
  const { rows } = await ctx.db.query<{ max: string | null }>('SELECT max(stream_ordering) AS max FROM events WHERE room_id = $1', [roomId]);
  return rows[0]?.max == null ? undefined : Number(rows[0].max);
}

export class ReceiptEduSender {
  private unsubscribe: (() => void) | undefined;
  private readonly order = new KeyedQueue();
  /** room, user, thread → the event and ts last queued: a receipts row may concern another type or thread. */
  private readonly sent = new Lru<string, string>(SENT_REMEMBERED);

  constructor(
    private readonly ctx: ClientApiContext,
    private readonly queue: EduQueue,
  ) {}

  start(): void {
    this.unsubscribe = this.ctx.rooms.hub.onUpdate('receipts', (update) => {
      for (const { room_id: roomId, user_id: userId } of update.rows) {
        if (userId === undefined || !isLocalUser(this.ctx, userId)) continue;
        void this.order
          .run(`${roomId} ${userId}`, () => this.send(roomId, userId))
          .catch((err: unknown) => this.ctx.logger.warn({ err, roomId }, 'federation: queueing m.receipt failed'));
      }
    });
  }

  stop(): void {
    this.unsubscribe?.();
  }

  private async send(roomId: string, userId: string): Promise<void> {
    const { rows } = await this.ctx.db.query<{ thread_id: string; event_id: string; ts: string }>(
      `SELECT thread_id, event_id, ts FROM receipts WHERE room_id = $1 AND user_id = $2 AND receipt_type = '${READ}'`,
      [roomId, userId],
    );
    const changed = rows.filter((r) => this.sent.get(`${roomId} ${userId} ${r.thread_id}`) !== `${r.event_id} ${r.ts}`);
    if (changed.length === 0) return;
    const servers = await otherServersInRoom(this.ctx.db, roomId, this.ctx.config.server_name);
    await this.queue.queueEdus(
      servers.flatMap((destination) =>
        changed.map((r) => {
          const data: Json = { ts: Number(r.ts) };
          if (r.thread_id !== UNTHREADED) data.thread_id = r.thread_id;
          return {
            destination,
            eduType: RECEIPT_EDU,
            content: { [roomId]: { [READ]: { [userId]: { event_ids: [r.event_id], data } } } },
            key: `${roomId} ${userId} ${r.thread_id}`,
          };
        }),
      ),
    );
    for (const r of changed) this.sent.set(`${roomId} ${userId} ${r.thread_id}`, `${r.event_id} ${r.ts}`);
  }
}
