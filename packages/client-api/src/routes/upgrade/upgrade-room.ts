/**
 * POST /rooms/{roomId}/upgrade (room_upgrades.yaml, modules/room_upgrades.md
 * "Server behaviour"): checks the upgrader may send m.room.tombstone in the old
 * room (403 M_FORBIDDEN otherwise), creates the replacement room
 * (upgrade-plan.ts), moves the local aliases (move-aliases.ts), tombstones the
 * old room and restricts its power levels. When the old room was invite-only,
 * its local members are invited to the new one (as Synapse does): nobody could
 * join it otherwise. Remote members learn of the new room from the tombstone.
 */
import {
  Errors,
  MatrixError,
  effectivePowerLevels,
  parseUserId,
  requiredPowerForEvent,
  userPowerLevel,
  type RoomVersion,
} from '@lattice/core';
import type { ClientApiContext } from '../../context.js';
import { profileContent, sendMemberEvent } from '../rooms/member-events.js';
import { powerStateLookup } from '../rooms/power-state.js';
import { afterWrite } from '../rooms/read-your-writes.js';
import { moveAliases } from './move-aliases.js';
import { planReplacementRoom, type OldRoom } from './upgrade-plan.js';
import { restrictedOldRoomLevels } from './upgrade-power-levels.js';
import type { UpgradeRequest } from './upgrade-request.js';

/** Spec step 1: the power to send m.room.tombstone (and being in the room, which sending needs). */
async function checkMayUpgrade(ctx: ClientApiContext, roomId: string, version: RoomVersion, userId: string): Promise<void> {
  const membership = await ctx.rooms.store.membership(roomId, userId);
  if (membership?.membership !== 'join') throw Errors.forbidden(`You are not in room ${roomId}`);
  const lookup = await powerStateLookup(ctx.rooms, roomId);
  const needed = requiredPowerForEvent('m.room.tombstone', true, effectivePowerLevels(lookup, version));
  if (userPowerLevel(userId, lookup, version) < needed) throw Errors.forbidden('You cannot upgrade this room');
}

async function lastEventId(ctx: ClientApiContext, roomId: string): Promise<string> {
  const { rows } = await ctx.db.query<{ event_id: string }>(
    `SELECT event_id FROM events WHERE room_id = $1 AND NOT outlier AND rejected_reason IS NULL
     ORDER BY stream_ordering DESC LIMIT 1`,
    [roomId],
  );
  return rows[0]!.event_id;
}

export async function upgradeRoom(ctx: ClientApiContext, roomId: string, version: RoomVersion, upgrader: string, request: UpgradeRequest): Promise<string> {
  const { store, persister } = ctx.rooms;
  await checkMayUpgrade(ctx, roomId, version, upgrader);
  const old: OldRoom = { roomId, version, state: await store.currentStateEvents(roomId), lastEventId: await lastEventId(ctx, roomId) };

  const created = await persister.createRoom(planReplacementRoom(old, upgrader, request, await profileContent(ctx, upgrader)));
  const newRoomId = created.roomId;
  const positions = created.events.map((e) => e.streamOrdering);
  positions.push(...(await moveAliases(ctx, roomId, newRoomId, upgrader)));

  const tombstone = await persister.createEvent({
    room_id: roomId,
    type: 'm.room.tombstone',
    state_key: '',
    sender: upgrader,
    content: { body: 'This room has been replaced', replacement_room: newRoomId },
  });
  positions.push(tombstone.streamOrdering);
  const restricted = await restrictOldRoom(ctx, old, upgrader);
  if (restricted !== undefined) positions.push(restricted);
  await inviteLocalMembers(ctx, old, newRoomId, upgrader);
  await afterWrite(ctx.rooms, upgrader, Math.max(...positions));
  return newRoomId;
}

/** Spec step 6, "if possible": without the power to change the levels the old room stays as it was. */
async function restrictOldRoom(ctx: ClientApiContext, old: OldRoom, upgrader: string): Promise<number | undefined> {
  const lookup = await powerStateLookup(ctx.rooms, old.roomId);
  const current = lookup('m.room.power_levels', '');
  const content = restrictedOldRoomLevels(effectivePowerLevels(lookup, old.version), current?.content ?? {});
  if (content === undefined) return undefined;
  try {
    const sent = await ctx.rooms.persister.createEvent({ room_id: old.roomId, type: 'm.room.power_levels', state_key: '', sender: upgrader, content });
    return sent.streamOrdering;
  } catch (err) {
    if (!(err instanceof MatrixError) || err.status !== 403) throw err;
    ctx.logger.info({ roomId: old.roomId, reason: err.message }, 'room upgrade: old room power levels left unchanged');
    return undefined;
  }
}

async function inviteLocalMembers(ctx: ClientApiContext, old: OldRoom, newRoomId: string, upgrader: string): Promise<void> {
  const joinRules = old.state.find((s) => s.event.type === 'm.room.join_rules' && s.event.state_key === '');
  if (joinRules?.event.content['join_rule'] !== 'invite') return;
  const members = await ctx.rooms.store.joinedMembers(old.roomId);
  for (const userId of members.keys()) {
    if (userId === upgrader || parseUserId(userId)?.domain !== ctx.config.server_name) continue;
    try {
      await sendMemberEvent(ctx, { roomId: newRoomId, sender: upgrader, target: userId, membership: 'invite' });
    } catch (err) {
      if (!(err instanceof MatrixError)) throw err;
      ctx.logger.info({ roomId: newRoomId, userId, reason: err.message }, 'room upgrade: member not invited');
    }
  }
}
