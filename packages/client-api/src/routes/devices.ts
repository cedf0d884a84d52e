/** Device management (spec "Device management"): list, read, rename, delete (with UIA). */
import { Errors } from '@lattice/core';
import { Router, type Request, type Response } from 'express';
import type { ClientApiContext } from '../context.js';
import { requesterOf, requireAuth } from '../http/auth.js';
import { objectBody, optionalObjectBody } from '../http/body.js';
import { methodNotAllowed } from '../http/unrecognized.js';
import { optionalString, requireStringArray } from '../http/validate.js';
import { removeDevices } from '../accounts/device-removal.js';
import { MAX_DEVICE_ID_LENGTH } from '../accounts/sessions.js';
import { ensureDevice, getDevice, listDevices, setDeviceDisplayName, type DeviceRecord } from '../stores/devices.js';
import { passwordReauth } from '../uia/policies.js';
import { requireUserInteractiveAuth } from '../uia/user-interactive-auth.js';

/** The spec's Device object: optional fields are absent, not null. */
function deviceJson(device: DeviceRecord): Record<string, unknown> {
  const json: Record<string, unknown> = { device_id: device.deviceId };
  if (device.displayName !== null) json.display_name = device.displayName;
  if (device.lastSeenIp !== null) json.last_seen_ip = device.lastSeenIp;
  if (device.lastSeenTs !== null) json.last_seen_ts = device.lastSeenTs;
  return json;
}

export function devicesRouter(ctx: ClientApiContext): Router {
  const router = Router();
  const auth = requireAuth(ctx);

  async function list(req: Request, res: Response): Promise<void> {
    const devices = await listDevices(ctx.db, requesterOf(req).userId);
    res.json({ devices: devices.map(deviceJson) });
  }

  async function get(req: Request<{ deviceId: string }>, res: Response): Promise<void> {
    const device = await getDevice(ctx.db, requesterOf(req).userId, req.params.deviceId);
    if (!device) throw Errors.notFound('Unknown device');
    res.json(deviceJson(device));
  }

  async function update(req: Request<{ deviceId: string }>, res: Response): Promise<void> {
    const { userId } = requesterOf(req);
    const displayName = optionalString(objectBody(req), 'display_name');
    const exists =
      displayName === undefined
        ? (await getDevice(ctx.db, userId, req.params.deviceId)) !== undefined
        : await setDeviceDisplayName(ctx.db, userId, req.params.deviceId, displayName);
    // Only application services may create devices this way (spec v1.17): 201 Created.
    if (!exists && requesterOf(req).appserviceId !== undefined) {
      if (req.params.deviceId.length === 0 || req.params.deviceId.length > MAX_DEVICE_ID_LENGTH) throw Errors.invalidParam('Bad device ID');
      await ensureDevice(ctx.db, userId, req.params.deviceId, displayName ?? null);
      res.status(201).json({});
      return;
    }
    if (!exists) throw Errors.notFound('Unknown device');
    if (displayName !== undefined) await ctx.devices?.renamed(userId, req.params.deviceId);
    res.json({});
  }

  async function remove(req: Request<{ deviceId: string }>, res: Response): Promise<void> {
    const { userId } = requesterOf(req);
    // Clients commonly send the first, auth-less attempt without a body.
    const body = optionalObjectBody(req);
    // Application services delete their users' devices without UIA (spec v1.17).
    const uia = requesterOf(req).appserviceId !== undefined ? undefined : await requireUserInteractiveAuth(ctx, req, body, passwordReauth(userId));
    await removeDevices(ctx, userId, [req.params.deviceId]);
    await uia?.finish();
    res.json({});
  }

  async function removeMany(req: Request, res: Response): Promise<void> {
    const { userId } = requesterOf(req);
    const body = objectBody(req);
    const deviceIds = requireStringArray(body, 'devices');
    const uia = requesterOf(req).appserviceId !== undefined ? undefined : await requireUserInteractiveAuth(ctx, req, body, passwordReauth(userId));
    await removeDevices(ctx, userId, deviceIds);
    await uia?.finish();
    res.json({});
  }

  router.route('/devices').get(auth, list).all(methodNotAllowed);
  router.route('/devices/:deviceId').get(auth, get).put(auth, update).delete(auth, remove).all(methodNotAllowed);
  router.route('/delete_devices').post(auth, removeMany).all(methodNotAllowed);
  return router;
}
