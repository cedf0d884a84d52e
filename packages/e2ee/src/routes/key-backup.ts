/**
 * Server-side key backups (key_backup.yaml): /room_keys/version[/{version}]
 * and /room_keys/keys[/{roomId}[/{sessionId}]]. Keys are only written to the
 * current version (M_WRONG_ROOM_KEYS_VERSION otherwise, naming the current
 * one); a key replaces a stored one only when it is better.
 */
import { Errors, MatrixError } from '@lattice/core';
import { methodNotAllowed, objectBody, optionalObjectBody, requesterOf, requireAuth } from '@lattice/client-api';
import { Router, type Request, type Response } from 'express';
import { isObject } from '../keys/key-validation.js';
import type { E2eeServices } from '../services.js';
import {
  createBackupVersion,
  deleteBackupVersion,
  deleteRoomKeys,
  getBackupVersion,
  getRoomKeys,
  lockBackupVersion,
  parseVersion,
  putRoomKeys,
  updateBackupAuthData,
  type BackupVersion,
  type RoomKey,
  type StoredRoomKey,
} from '../stores/key-backup.js';

type KeyParams = { roomId?: string; sessionId?: string };

const unknownVersion = () => Errors.notFound('Unknown backup version');

function versionJson(v: BackupVersion): Record<string, unknown> {
  return { version: v.version, algorithm: v.algorithm, auth_data: v.authData, etag: v.etag, count: v.count };
}

function requireAlgorithmAndAuthData(body: Record<string, unknown>): { algorithm: string; authData: Record<string, unknown> } {
  if (body.algorithm === undefined) throw Errors.missingParam('algorithm');
  if (typeof body.algorithm !== 'string') throw Errors.invalidParam("'algorithm' must be a string");
  if (body.auth_data === undefined) throw Errors.missingParam('auth_data');
  if (!isObject(body.auth_data)) throw Errors.invalidParam("'auth_data' must be an object");
  return { algorithm: body.algorithm, authData: body.auth_data };
}

function roomKeyOf(value: unknown, where: string): RoomKey {
  const int = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 0;
  if (
    !isObject(value) ||
    !int(value.first_message_index) ||
    !int(value.forwarded_count) ||
    typeof value.is_verified !== 'boolean' ||
    !isObject(value.session_data)
  ) {
    throw Errors.badJson(`${where} must be KeyBackupData (first_message_index, forwarded_count, is_verified, session_data)`);
  }
  return {
    first_message_index: value.first_message_index as number,
    forwarded_count: value.forwarded_count as number,
    is_verified: value.is_verified,
    session_data: value.session_data,
  };
}

/** The keys of a PUT body at the level the path names. */
function keysOfBody(body: Record<string, unknown>, params: KeyParams): StoredRoomKey[] {
  const { roomId, sessionId } = params;
  if (roomId !== undefined && sessionId !== undefined) return [{ roomId, sessionId, ...roomKeyOf(body, 'The body') }];
  const sessionsOf = (room: string, value: unknown, where: string): StoredRoomKey[] => {
    if (!isObject(value) || !isObject(value.sessions)) throw Errors.badJson(`${where} must be {"sessions": {...}}`);
    return Object.entries(value.sessions).map(([session, data]) => ({
      roomId: room,
      sessionId: session,
      ...roomKeyOf(data, `${where}.sessions.${session}`),
    }));
  };
  if (roomId !== undefined) return sessionsOf(roomId, body, 'The body');
  if (!isObject(body.rooms)) throw Errors.badJson("'rooms' must be an object");
  return Object.entries(body.rooms).flatMap(([room, value]) => sessionsOf(room, value, `'rooms.${room}'`));
}

export function keyBackupRouter(services: E2eeServices): Router {
  const { ctx } = services;
  const router = Router();
  const auth = requireAuth(ctx);

  async function createVersion(req: Request, res: Response): Promise<void> {
    const { userId } = requesterOf(req);
    const { algorithm, authData } = requireAlgorithmAndAuthData(objectBody(req));
    res.json({ version: await createBackupVersion(ctx.db, userId, algorithm, authData) });
  }

  async function getVersion(req: Request<{ version?: string }>, res: Response): Promise<void> {
    const { userId } = requesterOf(req);
    let version: number | undefined;
    if (req.params.version !== undefined) {
      version = parseVersion(req.params.version);
      if (version === undefined) throw unknownVersion();
    }
    const found = await getBackupVersion(ctx.db, userId, version);
    if (!found) throw version === undefined ? Errors.notFound('No current backup version') : unknownVersion();
    res.json(versionJson(found));
  }

  async function updateVersion(req: Request<{ version: string }>, res: Response): Promise<void> {
    const { userId } = requesterOf(req);
    const body = objectBody(req);
    const { algorithm, authData } = requireAlgorithmAndAuthData(body);
    if (body.version !== undefined && body.version !== req.params.version) {
      throw Errors.invalidParam('The version in the body does not match the version in the path');
    }
    const version = parseVersion(req.params.version);
    const found = version === undefined ? undefined : await getBackupVersion(ctx.db, userId, version);
    if (!found) throw unknownVersion();
    if (found.algorithm !== algorithm) throw Errors.invalidParam('Algorithm does not match');
    await updateBackupAuthData(ctx.db, userId, version!, authData);
    res.json({});
  }

  async function deleteVersion(req: Request<{ version: string }>, res: Response): Promise<void> {
    const { userId } = requesterOf(req);
    const version = parseVersion(req.params.version);
    const deleted = version !== undefined && (await ctx.db.transaction((tx) => deleteBackupVersion(tx, userId, version)));
    if (!deleted) throw unknownVersion();
    res.json({});
  }

  function versionParam(req: Request): number {
    const v = (req.query as Record<string, unknown>).version;
    if (v === undefined) throw Errors.missingParam('version');
    if (typeof v !== 'string') throw Errors.invalidParam("'version' must be a string");
    const version = parseVersion(v);
    if (version === undefined) throw unknownVersion();
    return version;
  }

  async function counts(userId: string, version: number): Promise<{ etag: string; count: number }> {
    const v = await getBackupVersion(ctx.db, userId, version);
    if (!v) throw unknownVersion();
    return { etag: v.etag, count: v.count };
  }

  async function putKeys(req: Request<KeyParams>, res: Response): Promise<void> {
    const { userId } = requesterOf(req);
    const version = versionParam(req);
    const keys = keysOfBody(objectBody(req), req.params);
    const current = await getBackupVersion(ctx.db, userId);
    if (!current) throw unknownVersion();
    if (current.version !== String(version)) {
      throw new MatrixError(403, 'M_WRONG_ROOM_KEYS_VERSION', 'Wrong backup version.', { current_version: current.version });
    }
    const live = await ctx.db.transaction(async (tx) => {
      if (!(await lockBackupVersion(tx, userId, version))) return false;
      await putRoomKeys(tx, userId, version, keys);
      return true;
    });
    if (!live) throw unknownVersion();
    res.json(await counts(userId, version));
  }

  async function getKeys(req: Request<KeyParams>, res: Response): Promise<void> {
    const { userId } = requesterOf(req);
    const version = versionParam(req);
    if (!(await getBackupVersion(ctx.db, userId, version))) throw unknownVersion();
    const { roomId, sessionId } = req.params;
    const keys = await getRoomKeys(ctx.db, userId, version, roomId, sessionId);
    const data = (k: StoredRoomKey): RoomKey => ({
      first_message_index: k.first_message_index,
      forwarded_count: k.forwarded_count,
      is_verified: k.is_verified,
      session_data: k.session_data,
    });
    if (sessionId !== undefined) {
      if (keys.length === 0) throw Errors.notFound('Key not found');
      res.json(data(keys[0]!));
      return;
    }
    const rooms: Record<string, { sessions: Record<string, RoomKey> }> = {};
    for (const k of keys) (rooms[k.roomId] ??= { sessions: {} }).sessions[k.sessionId] = data(k);
    res.json(roomId !== undefined ? (rooms[roomId] ?? { sessions: {} }) : { rooms });
  }

  async function deleteKeys(req: Request<KeyParams>, res: Response): Promise<void> {
    const { userId } = requesterOf(req);
    const version = versionParam(req);
    optionalObjectBody(req);
    const live = await ctx.db.transaction(async (tx) => {
      if (!(await lockBackupVersion(tx, userId, version))) return false;
      await deleteRoomKeys(tx, userId, version, req.params.roomId, req.params.sessionId);
      return true;
    });
    if (!live) throw unknownVersion();
    res.json(await counts(userId, version));
  }

  router.route('/room_keys/version').get(auth, getVersion).post(auth, createVersion).all(methodNotAllowed);
  router.route('/room_keys/version/:version').get(auth, getVersion).put(auth, updateVersion).delete(auth, deleteVersion).all(methodNotAllowed);
  for (const path of ['/room_keys/keys', '/room_keys/keys/:roomId', '/room_keys/keys/:roomId/:sessionId']) {
    router.route(path).get(auth, getKeys).put(auth, putKeys).delete(auth, deleteKeys).all(methodNotAllowed);
  }
  return router;
}
