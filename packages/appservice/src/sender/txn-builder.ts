/**
 * Builds an appservice's next transaction from what happened after its
 * cursor: the events of rooms it is interested in (in stream order, as
 * clients see them), and when it asked for them the ephemeral data
 * (receipts, presence, typing), to-device messages for its users' devices
 * (MSC2409/MSC4203) and device list changes and key counts (MSC3202). Reads stop at each
 * stream's safe position: everything below it is committed.
 */
import { toClientEvent, type ClientEvent } from '@lattice/rooms';
import type { ClientApiContext } from '@lattice/client-api';
import type { Appservice } from '../registration/appservice.js';
import { readPresence, readReceipts, typingFor } from './ephemeral-reads.js';
import { keyCounts, readDeviceLists, usersConcerned } from './msc3202.js';
import { readToDevice } from './to-device-reads.js';
import { RoomInterest } from './room-interest.js';
import type { StreamCursor } from './txn-store.js';

/** At most this many events per transaction (Synapse sends 100). */
const MAX_EVENTS = 100;

export interface BuiltTxn {
  body: Record<string, unknown>;
  /** Where the next transaction reads from. */
  cursor: StreamCursor;
  /** Nothing to send (the cursor may still have moved past uninteresting rows). */
  empty: boolean;
}

export type Ctx = Pick<ClientApiContext, 'db' | 'rooms'>;

export async function buildTxn(ctx: Ctx, as: Appservice, from: StreamCursor, typing: ReadonlyMap<string, string[]>): Promise<BuiltTxn> {
  const interest = new RoomInterest(ctx.db, as);
  const cursor = { ...from };
  const body: Record<string, unknown> = {};
  const events = await readEvents(ctx, as, interest, cursor);
  body.events = events;
  let count = events.length;
  const reg = as.registration;
  if (reg.receiveEphemeral) {
    const ephemeral = [
      ...(await readReceipts(ctx, as, interest, cursor)),
      ...(await readPresence(ctx, as, interest, cursor)),
      ...(await typingFor(interest, typing)),
    ];
    // The spec's name (v1.13) and MSC2409's, which bridges still read.
    body.ephemeral = ephemeral;
    body['de.sorunome.msc2409.ephemeral'] = ephemeral;
    count += ephemeral.length;
  }
  if (reg.receiveToDevice) {
    const toDevice = await readToDevice(ctx, as, cursor);
    body['de.sorunome.msc2409.to_device'] = toDevice;
    count += toDevice.length;
  }
  if (reg.msc3202) {
    const lists = await readDeviceLists(ctx.db, ctx.rooms.hub.positions.current('device_lists'), as, cursor);
    if (lists.changed.length > 0 || lists.left.length > 0) {
      body['org.matrix.msc3202.device_lists'] = lists;
      count += lists.changed.length + lists.left.length;
    }
    // Key counts ride along with something to send; they alone never make a transaction.
    if (count > 0) Object.assign(body, await keyCounts(ctx.db, usersConcerned(as, body)));
  }
  return { body, cursor, empty: count === 0 };
}

async function readEvents(ctx: Ctx, as: Appservice, interest: RoomInterest, cursor: StreamCursor): Promise<ClientEvent[]> {
  const { db, rooms } = ctx;
  const bound = rooms.hub.currentToken().get('events').min;
  const wanted: string[] = [];
  // Runs of events that concern other appservices only are skipped until something is found.
  while (cursor.events < bound && wanted.length === 0) {
    const { rows } = await db.query<{ event_id: string; stream_ordering: string; room_id: string; type: string; state_key: string | null; sender: string }>(
      `SELECT event_id, stream_ordering, room_id, type, state_key, sender FROM events
       WHERE stream_ordering > $1 AND stream_ordering <= $2 AND NOT outlier AND rejected_reason IS NULL AND NOT soft_failed
       ORDER BY stream_ordering LIMIT ${MAX_EVENTS}`,
      [cursor.events, bound],
    );
    for (const r of rows) if (await isInterestingEvent(as, interest, r)) wanted.push(r.event_id);
    cursor.events = rows.length < MAX_EVENTS ? bound : Number(rows[rows.length - 1]!.stream_ordering);
  }
  const stored = await rooms.store.getEvents(wanted);
  const now = Date.now();
  const out: ClientEvent[] = [];
  for (const id of wanted) {
    const event = stored.get(id);
    if (event === undefined) continue;
    const version = await rooms.store.roomVersion(event.event.room_id);
    if (version === undefined) continue;
    // The appservice sees the transaction ids of events its own users sent (echo detection).
    const viewer = event.txn && as.ownsUser(event.txn.userId) ? { userId: event.txn.userId, deviceId: event.txn.deviceId } : undefined;
    out.push(toClientEvent(event, { roomVersion: version, now, viewer }));
  }
  return out;
}

async function isInterestingEvent(
  as: Appservice,
  interest: RoomInterest,
  row: { room_id: string; type: string; state_key: string | null; sender: string },
): Promise<boolean> {
  if (as.isInterestedInUser(row.sender)) return true;
  if (row.type === 'm.room.member' && row.state_key !== null && as.isInterestedInUser(row.state_key)) return true;
  return interest.isInterested(row.room_id);
}
