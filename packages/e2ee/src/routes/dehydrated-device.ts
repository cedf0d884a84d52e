/**
 * Dehydrated devices (MSC3814) under the unstable prefix matrix-js-sdk calls:
 *   PUT/GET/DELETE /_matrix/client/unstable/org.matrix.msc3814.v1/dehydrated_device
 *   GET (?from) or POST ({next_batch}) …/dehydrated_device/{deviceId}/events
 * A new dehydrated device replaces the previous one (which is deleted with its
 * keys and messages). Reading its events with a batch token acknowledges (deletes)
 * the messages before it.
 */
import { Errors } from '@lattice/core';
import { deleteDevices, ensureDevice, methodNotAllowed, objectBody, optionalObjectBody, rawBody, requesterOf, requireAuth } from '@lattice/client-api';
import { Router, type Request, type Response } from 'express';
import { recordDeviceListChange } from '../device-lists/device-list-changes.js';
import { isObject } from '../keys/key-validation.js';
import { parseKeyUpload, writeKeyUpload } from '../keys/key-upload.js';
import type { E2eeServices } from '../services.js';
import { acknowledgeToDevice, readToDevice } from '../stores/device-inbox.js';
import { getDehydratedDevice, setDehydratedDevice } from '../stores/dehydrated-devices.js';

export const DEHYDRATION_PREFIX = '/_matrix/client/unstable/org.matrix.msc3814.v1';

/** Messages per page of …/events. */
const EVENTS_PAGE = 100;

function batchPosition(token: unknown): number {
  if (token === undefined || token === null) return 0;
  if (typeof token !== 'string' || !/^[0-9]{1,16}$/.test(token)) throw Errors.invalidParam('Invalid batch token');
  return Number(token);
}

export function dehydratedDeviceRouter(services: E2eeServices): Router {
  const { ctx } = services;
  const router = Router();
  const auth = requireAuth(ctx);
  router.use(rawBody(ctx.config.max_request_body_size));

  async function put(req: Request, res: Response): Promise<void> {
    const { userId } = requesterOf(req);
    const body = objectBody(req);
    const deviceId = body.device_id;
    if (typeof deviceId !== 'string' || deviceId.length === 0 || deviceId.length > 255) throw Errors.invalidParam("'device_id' must be a device ID");
    if (!isObject(body.device_data)) throw Errors.invalidParam("'device_data' must be an object");
    const deviceData = body.device_data;
    if (body.device_keys == null) throw Errors.missingParam('device_keys');
    const displayName = typeof body.initial_device_display_name === 'string' ? body.initial_device_display_name : null;
    const upload = await parseKeyUpload(ctx.db, userId, deviceId, body, true);
    const previous = await getDehydratedDevice(ctx.db, userId);
    const position = await services.deviceListsWriter.write(ctx.db, async (tx, pos) => {
      if (previous) await deleteDevices(tx, userId, [previous.deviceId]);
      if (!(await ensureDevice(tx, userId, deviceId, displayName)) && previous?.deviceId !== deviceId) {
        throw Errors.invalidParam('A device with this ID already exists');
      }
      await setDehydratedDevice(tx, userId, deviceId, deviceData);
      await writeKeyUpload(tx, upload);
      return recordDeviceListChange(tx, pos, userId, { deviceIds: [...new Set([previous?.deviceId ?? deviceId, deviceId])] });
    });
    await services.afterWrite(userId, 'device_lists', position);
    res.json({ device_id: deviceId });
  }

  async function get(req: Request, res: Response): Promise<void> {
    const device = await getDehydratedDevice(ctx.db, requesterOf(req).userId);
    if (!device) throw Errors.notFound('No dehydrated device');
    res.json({ device_id: device.deviceId, device_data: device.deviceData });
  }

  async function remove(req: Request, res: Response): Promise<void> {
    const { userId } = requesterOf(req);
    const device = await getDehydratedDevice(ctx.db, userId);
    if (!device) throw Errors.notFound('No dehydrated device');
    const position = await services.deviceListsWriter.write(ctx.db, async (tx, pos) => {
      await deleteDevices(tx, userId, [device.deviceId]);
      return recordDeviceListChange(tx, pos, userId, { deviceIds: [device.deviceId] });
    });
    await services.afterWrite(userId, 'device_lists', position);
    res.json({ device_id: device.deviceId });
  }

  async function events(req: Request<{ deviceId: string }>, res: Response): Promise<void> {
    const { userId } = requesterOf(req);
    const device = await getDehydratedDevice(ctx.db, userId);
    if (!device || device.deviceId !== req.params.deviceId) throw Errors.forbidden('Not the dehydrated device of this user');
    const from = batchPosition(req.method === 'GET' ? (req.query as Record<string, unknown>).from : optionalObjectBody(req).next_batch);
    if (from > 0) await acknowledgeToDevice(ctx.db, userId, device.deviceId, from);
    const upTo = ctx.rooms.hub.currentToken().get('to_device').min;
    const batch = await readToDevice(ctx.db, userId, device.deviceId, from, upTo, EVENTS_PAGE);
    const last = batch.messages.at(-1)?.position;
    // No next_batch once nothing is left: clients page until it is absent.
    res.json({ events: batch.messages.map((m) => m.message), ...(last !== undefined ? { next_batch: String(last) } : {}) });
  }

  router.route('/dehydrated_device').put(auth, put).get(auth, get).delete(auth, remove).all(methodNotAllowed);
  router.route('/dehydrated_device/:deviceId/events').get(auth, events).post(auth, events).all(methodNotAllowed);
  const outer = Router();
  outer.use(DEHYDRATION_PREFIX, router);
  return outer;
}
