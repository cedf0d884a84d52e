/**
 * A user's devices (Synapse's "User devices"): GET/POST /v2/users/<user_id>/devices,
 * POST …/delete_devices, GET/PUT/DELETE …/devices/<device_id>. Deleting a
 * device revokes its tokens on every replica before the answer.
 */
import {
  ensureDevice,
  getDevice,
  listDevices,
  objectBody,
  optionalString,
  removeDevices,
  requireString,
  requireStringArray,
  setDeviceDisplayName,
  type ClientApiContext,
  type DeviceRecord,
} from '@lattice/client-api';
import { Errors } from '@lattice/core';
import { Router, type Request, type Response } from 'express';
import { existingLocalUser } from '../../http/target-user.js';

type UserParams = { userId: string };
type DeviceParams = { userId: string; deviceId: string };

/** Synapse's device object: display_name absent when unset. */
function deviceJson(userId: string, device: DeviceRecord, dehydratedId: string | undefined): Record<string, unknown> {
  const json: Record<string, unknown> = { device_id: device.deviceId, user_id: userId };
  if (device.displayName !== null) json.display_name = device.displayName;
  json.last_seen_ip = device.lastSeenIp;
  json.last_seen_user_agent = device.lastSeenUserAgent;
  json.last_seen_ts = device.lastSeenTs;
  json.dehydrated = device.deviceId === dehydratedId;
  return json;
}

async function dehydratedDeviceOf(ctx: ClientApiContext, userId: string): Promise<string | undefined> {
  const { rows } = await ctx.db.query<{ device_id: string }>('SELECT device_id FROM dehydrated_devices WHERE user_id = $1', [userId]);
  return rows[0]?.device_id;
}

export function userDevicesRouter(ctx: ClientApiContext): Router {
  const router = Router();

  async function list(req: Request<UserParams>, res: Response): Promise<void> {
    const { userId } = await existingLocalUser(ctx, req.params.userId);
    const [devices, dehydrated] = await Promise.all([listDevices(ctx.db, userId), dehydratedDeviceOf(ctx, userId)]);
    res.json({ devices: devices.map((d) => deviceJson(userId, d, dehydrated)), total: devices.length });
  }

  async function create(req: Request<UserParams>, res: Response): Promise<void> {
    const deviceId = requireString(objectBody(req), 'device_id');
    const { userId } = await existingLocalUser(ctx, req.params.userId);
    // Nothing happens when it exists already (Synapse's behaviour).
    await ensureDevice(ctx.db, userId, deviceId, null);
    res.json({});
  }

  async function removeMany(req: Request<UserParams>, res: Response): Promise<void> {
    const deviceIds = requireStringArray(objectBody(req), 'devices');
    const { userId } = await existingLocalUser(ctx, req.params.userId);
    await removeDevices(ctx, userId, deviceIds);
    res.json({});
  }

  async function show(req: Request<DeviceParams>, res: Response): Promise<void> {
    const { userId } = await existingLocalUser(ctx, req.params.userId);
    const device = await getDevice(ctx.db, userId, req.params.deviceId);
    if (!device) throw Errors.notFound('Device not found');
    res.json(deviceJson(userId, device, await dehydratedDeviceOf(ctx, userId)));
  }

  async function update(req: Request<DeviceParams>, res: Response): Promise<void> {
    const displayName = optionalString(objectBody(req), 'display_name');
    const { userId } = await existingLocalUser(ctx, req.params.userId);
    const exists =
      displayName === undefined
        ? (await getDevice(ctx.db, userId, req.params.deviceId)) !== undefined
        : await setDeviceDisplayName(ctx.db, userId, req.params.deviceId, displayName);
    if (!exists) throw Errors.notFound('Device not found');
    res.json({});
  }

  async function remove(req: Request<DeviceParams>, res: Response): Promise<void> {
    const { userId } = await existingLocalUser(ctx, req.params.userId);
    // Deleting a device that is already gone succeeds, as in Synapse.
    await removeDevices(ctx, userId, [req.params.deviceId]);
    res.json({});
  }

  router.get('/v2/users/:userId/devices', list);
  router.post('/v2/users/:userId/devices', create);
  router.post('/v2/users/:userId/delete_devices', removeMany);
  router.get('/v2/users/:userId/devices/:deviceId', show);
  router.put('/v2/users/:userId/devices/:deviceId', update);
  router.delete('/v2/users/:userId/devices/:deviceId', remove);
  return router;
}
