/**
 * POST /rooms/{roomId}/receipt/{receiptType}/{eventId} (receipts.yaml) and
 * POST /rooms/{roomId}/read_markers (read_markers.yaml).
 */
import { Errors } from '@lattice/core';
import {
  methodNotAllowed,
  objectBody,
  optionalObjectBody,
  optionalString,
  requireAuth,
  requesterOf,
  type ClientApiContext,
} from '@lattice/client-api';
import { Router, type Request, type Response } from 'express';
import type { SyncServices } from '../services.js';
import { FULLY_READ, READ_RECEIPT_TYPES, sendReadReceipt, setFullyRead } from './read-marks.js';
import { requireJoined } from './room-access.js';

type ReceiptParams = { roomId: string; receiptType: string; eventId: string };

/** `thread_id`: absent (unthreaded) or a non-empty string, never with m.fully_read. */
function threadIdOf(body: Record<string, unknown>, receiptType: string): string | undefined {
  if (!('thread_id' in body)) return undefined;
  const threadId = body.thread_id;
  if (typeof threadId !== 'string' || threadId === '') throw Errors.invalidParam('thread_id field must be a non-empty string');
  if (receiptType === FULLY_READ) throw Errors.invalidParam('thread_id is not allowed for m.fully_read');
  return threadId;
}

export function receiptsRouter(ctx: ClientApiContext, services: SyncServices): Router {
  const router = Router();
  const auth = requireAuth(ctx);

  async function receipt(req: Request<ReceiptParams>, res: Response): Promise<void> {
    const { userId } = requesterOf(req);
    const { roomId, receiptType, eventId } = req.params;
    if (!READ_RECEIPT_TYPES.has(receiptType) && receiptType !== FULLY_READ) {
      throw Errors.invalidParam(`Unknown receipt type: ${receiptType}`);
    }
    const threadId = threadIdOf(optionalObjectBody(req), receiptType);
    await requireJoined(ctx.rooms.store, roomId, userId);
    if (receiptType === FULLY_READ) await setFullyRead(ctx, services, userId, roomId, eventId);
    else await sendReadReceipt(ctx, services, userId, roomId, receiptType, eventId, threadId);
    res.json({});
  }

  async function readMarkers(req: Request<{ roomId: string }>, res: Response): Promise<void> {
    const { userId } = requesterOf(req);
    const { roomId } = req.params;
    const body = objectBody(req);
    const fullyRead = optionalString(body, FULLY_READ);
    const read = optionalString(body, 'm.read');
    const readPrivate = optionalString(body, 'm.read.private');
    await requireJoined(ctx.rooms.store, roomId, userId);
    if (fullyRead !== undefined) await setFullyRead(ctx, services, userId, roomId, fullyRead);
    if (read !== undefined) await sendReadReceipt(ctx, services, userId, roomId, 'm.read', read, undefined);
    if (readPrivate !== undefined) await sendReadReceipt(ctx, services, userId, roomId, 'm.read.private', readPrivate, undefined);
    res.json({});
  }

  router.route('/rooms/:roomId/receipt/:receiptType/:eventId').post(auth, receipt).all(methodNotAllowed);
  router.route('/rooms/:roomId/read_markers').post(auth, readMarkers).all(methodNotAllowed);
  return router;
}
