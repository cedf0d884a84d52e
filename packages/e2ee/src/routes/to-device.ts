/**
 * PUT /sendToDevice/{eventType}/{txnId} (to_device.yaml). Idempotent per
 * sending device and txnId; "*" addresses every device of a user; unknown
 * local users and devices are skipped. Messages for other servers go to the
 * RemoteKeysClient (federation's m.direct_to_device).
 */
import { createHash } from 'node:crypto';
import { Errors } from '@lattice/core';
import { methodNotAllowed, objectBody, requesterOf, requireAuth } from '@lattice/client-api';
import { Router, type Request, type Response } from 'express';
import { isObject } from '../keys/key-validation.js';
import { splitByServer } from '../keys/local-users.js';
import type { E2eeServices } from '../services.js';
import { claimToDeviceTxn, type OutgoingMessage } from '../stores/device-inbox.js';
import { deliverToDevice } from '../to-device/deliver.js';

/** The largest content of one message: what fits one federation EDU (65536 bytes). */
export const MAX_TO_DEVICE_CONTENT_BYTES = 65_536;

type Params = { eventType: string; txnId: string };

/**
 * The m.direct_to_device message_id of a request (at most 32 codepoints): the
 * same for a retry of it, so the receiving server delivers the messages once.
 */
function messageIdOf(userId: string, deviceId: string, txnId: string): string {
  return createHash('sha256').update(`${userId}\u0000${deviceId}\u0000${txnId}`).digest('base64url').slice(0, 22);
}

export function toDeviceRouter(services: E2eeServices): Router {
  const { ctx } = services;
  const router = Router();

  async function send(req: Request<Params>, res: Response): Promise<void> {
    const { userId, deviceId } = requesterOf(req);
    const { eventType, txnId } = req.params;
    const body = objectBody(req);
    const messages = body.messages;
    if (messages === undefined || messages === null) throw Errors.missingParam('messages');
    if (!isObject(messages)) throw Errors.badJson("'messages' must be an object");
    const outgoing: OutgoingMessage[] = [];
    for (const [user, devices] of Object.entries(messages)) {
      if (!isObject(devices)) throw Errors.badJson(`'messages.${user}' must map device IDs to contents`);
      for (const [device, content] of Object.entries(devices)) {
        if (!isObject(content)) throw Errors.badJson(`'messages.${user}.${device}' must be an object`);
        const message = JSON.stringify({ type: eventType, sender: userId, content });
        if (Buffer.byteLength(message) > MAX_TO_DEVICE_CONTENT_BYTES) {
          throw Errors.tooLarge(`The message for ${user} ${device} exceeds ${MAX_TO_DEVICE_CONTENT_BYTES} bytes`);
        }
        outgoing.push({ userId: user, deviceId: device === '*' ? undefined : device, messageJson: message });
      }
    }
    const { local, remote } = splitByServer(messages as Record<string, Record<string, unknown>>, ctx.config.server_name, 'messages');
    const localMessages = outgoing.filter((m) => local.has(m.userId));

    const { position } = await deliverToDevice(services, localMessages, (tx) => claimToDeviceTxn(tx, userId, deviceId, txnId));
    // Also on a retry (the first attempt may have failed before queueing these): the id makes it harmless.
    if (Object.keys(remote).length > 0) {
      await services.remote.sendToDevice(userId, eventType, messageIdOf(userId, deviceId, txnId), remote);
    }
    await services.afterWrite(userId, 'to_device', position);
    res.json({});
  }

  router.route('/sendToDevice/:eventType/:txnId').put(requireAuth(ctx), send).all(methodNotAllowed);
  return router;
}
