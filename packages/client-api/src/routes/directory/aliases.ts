/**
 * Room aliases (spec "Room aliases", directory.yaml): this server keeps the
 * aliases of its own domain in room_aliases; aliases of other servers are
 * resolved by asking their server over federation (ctx.remoteQueries).
 */
import { Errors, MatrixError, parseRoomAlias, serverNameOf } from '@lattice/core';
import type { ClientApiContext } from '../../context.js';
import { getAlias, insertAlias } from './alias-store.js';

/** A syntactically valid alias (400 M_INVALID_PARAM otherwise). */
export function checkAliasSyntax(alias: string): string {
  if (parseRoomAlias(alias) === undefined) throw Errors.invalidParam(`Room alias invalid: ${alias}`);
  return alias;
}

export function isLocalAlias(ctx: ClientApiContext, alias: string): boolean {
  return serverNameOf(alias) === ctx.config.server_name;
}

/** An alias this server may create: valid syntax (400 M_INVALID_PARAM), our domain (400 M_UNKNOWN, as Synapse answers). */
export function checkNewAlias(ctx: ClientApiContext, alias: string): string {
  checkAliasSyntax(alias);
  if (!isLocalAlias(ctx, alias)) throw Errors.unknown('Room alias must be local', 400);
  return alias;
}

/**
 * Maps a new local alias to an existing room. Throws as checkNewAlias, and
 * 404 M_NOT_FOUND (unknown room), 409 M_UNKNOWN (alias taken). Permission to
 * do so is the caller's to check (createRoom's room_alias_name needs none).
 */
export async function createAlias(ctx: ClientApiContext, alias: string, roomId: string, creator: string): Promise<void> {
  checkNewAlias(ctx, alias);
  if ((await ctx.rooms.store.roomVersion(roomId)) === undefined) throw Errors.notFound(`Room ${roomId} not found`);
  if (!(await insertAlias(ctx.db, alias, roomId, creator, [ctx.config.server_name]))) {
    throw new MatrixError(409, 'M_UNKNOWN', `Room alias ${alias} already exists.`);
  }
}

/** The room a (syntactically valid) alias points to, if this server can tell. */
export async function roomIdOfAlias(ctx: ClientApiContext, alias: string): Promise<string | undefined> {
  if (!isLocalAlias(ctx, alias)) return undefined;
  return (await getAlias(ctx.db, alias))?.roomId;
}

/** Servers that can help join the room: this one first, then those of its joined members. */
async function serversInRoom(ctx: ClientApiContext, roomId: string, stored: readonly string[]): Promise<string[]> {
  const { rows } = await ctx.db.query<{ server: string }>(
    `SELECT DISTINCT substr(state_key, strpos(state_key, ':') + 1) AS server FROM current_state_events
     WHERE room_id = $1 AND type = 'm.room.member' AND membership = 'join'`,
    [roomId],
  );
  const servers = new Set<string>([ctx.config.server_name, ...stored]);
  for (const row of rows) servers.add(row.server);
  return [...servers];
}

/** A local alias's room and the servers that know it, or undefined (GET /directory/room, federation /query/directory). */
export async function resolveRoomAlias(ctx: ClientApiContext, alias: string): Promise<{ room_id: string; servers: string[] } | undefined> {
  if (!isLocalAlias(ctx, alias)) return undefined;
  let record = await getAlias(ctx.db, alias);
  // An unknown alias in an appservice's namespace: the appservice may create it now (GET /_matrix/app/v1/rooms/{alias}).
  if (!record && (await ctx.appservices?.queryAlias(alias))) record = await getAlias(ctx.db, alias);
  if (!record) return undefined;
  return { room_id: record.roomId, servers: await serversInRoom(ctx, record.roomId, record.servers) };
}

/**
 * Where an alias points, whichever server holds it: this server's directory
 * for its own aliases, the alias's server (over federation) for the others.
 */
export async function lookUpRoomAlias(ctx: ClientApiContext, alias: string): Promise<{ room_id: string; servers: string[] } | undefined> {
  if (isLocalAlias(ctx, alias)) return resolveRoomAlias(ctx, alias);
  return ctx.remoteQueries?.roomAlias(alias);
}
