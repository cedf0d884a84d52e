/**
 * The federation end of end-to-end encryption for this server's users
 * (user_devices.yaml, user_keys.yaml): GET /user/devices/{userId},
 * POST /user/keys/query and POST /user/keys/claim. Only users of this server
 * may be asked for; anyone else is a 400, as Synapse answers.
 */
import { Errors, parseUserId } from '@lattice/core';
import { methodNotAllowed, objectBody } from '@lattice/client-api';
import { claimKeys, queryLocalKeys, type ClaimRequest } from '@lattice/e2ee';
import type { Queryable } from '@lattice/storage';
import { Router, type Request, type Response } from 'express';
import { userDevicesResponse } from './local-device-list.js';

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function requireLocalUser(userId: string, serverName: string): void {
  const parsed = parseUserId(userId);
  if (parsed === undefined) throw Errors.invalidParam(`Invalid user ID: ${JSON.stringify(userId)}`);
  if (parsed.domain !== serverName) throw Errors.invalidParam(`User ${userId} is not hosted on this homeserver`);
}

function requireObjectField(body: Json, field: string): Json {
  const value = body[field];
  if (value === undefined || value === null) throw Errors.missingParam(field);
  if (!isObject(value)) throw Errors.badJson(`'${field}' must be an object`);
  return value;
}

/** No requesting user over federation: user-signing keys are never served. */
const NO_REQUESTER = '';

export function userKeysRoutes(db: Queryable, serverName: string): Router {
  const router = Router();

  async function devices(req: Request<{ userId: string }>, res: Response): Promise<void> {
    const { userId } = req.params;
    requireLocalUser(userId, serverName);
    res.json(await userDevicesResponse(db, userId));
  }

  async function query(req: Request, res: Response): Promise<void> {
    const requested = requireObjectField(objectBody(req), 'device_keys');
    const users = new Map<string, string[]>();
    for (const [userId, devices] of Object.entries(requested)) {
      if (!Array.isArray(devices) || !devices.every((d) => typeof d === 'string')) {
        throw Errors.badJson(`'device_keys.${userId}' must be an array of device IDs`);
      }
      requireLocalUser(userId, serverName);
      users.set(userId, devices);
    }
    const { device_keys, master_keys, self_signing_keys } = await queryLocalKeys(db, NO_REQUESTER, users);
    res.json({ device_keys, master_keys, self_signing_keys });
  }

  async function claim(req: Request, res: Response): Promise<void> {
    const requested = requireObjectField(objectBody(req), 'one_time_keys');
    const requests: ClaimRequest[] = [];
    for (const [userId, devices] of Object.entries(requested)) {
      if (!isObject(devices) || !Object.values(devices).every((a) => typeof a === 'string')) {
        throw Errors.badJson(`'one_time_keys.${userId}' must map device IDs to algorithms`);
      }
      requireLocalUser(userId, serverName);
      for (const [deviceId, algorithm] of Object.entries(devices)) requests.push({ userId, deviceId, algorithm: algorithm as string });
    }
    const oneTimeKeys: Record<string, Record<string, Json>> = {};
    for (const c of await claimKeys(db, requests)) {
      ((oneTimeKeys[c.userId] ??= {})[c.deviceId] ??= {})[`${c.algorithm}:${c.keyId}`] = JSON.parse(c.keyJson) as unknown;
    }
    res.json({ one_time_keys: oneTimeKeys });
  }

  router.route('/_matrix/federation/v1/user/devices/:userId').get(devices).all(methodNotAllowed);
  router.route('/_matrix/federation/v1/user/keys/query').post(query).all(methodNotAllowed);
  router.route('/_matrix/federation/v1/user/keys/claim').post(claim).all(methodNotAllowed);
  return router;
}
