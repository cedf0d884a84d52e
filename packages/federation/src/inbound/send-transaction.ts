/**
 * PUT /_matrix/federation/v1/send/{txnId} (data/api/server-server/transactions.yaml):
 * at most 50 PDUs and 100 EDUs; each PDU is checked (format, size, signatures,
 * hashes, the room's server ACL) and staged durably before any processing; the
 * answer carries one result per PDU, and one bad PDU never fails the rest. A
 * repeated transaction id from the same origin is answered as the first time.
 */
import { Errors, computeEventId, type PDU, type RoomEvent } from '@lattice/core';
import { objectBody } from '@lattice/client-api';
import type { Request, Response } from 'express';
import { originOf, type FederationDeps } from '../api.js';
import { serverAclAllows } from '../rooms/server-acl.js';
import { checkReceivedPdu } from './checked-pdu.js';
import type { EduDispatcher } from './edu-dispatcher.js';
import type { PduProcessor } from './pdu-processor.js';
import { MAX_TXN_EDUS, MAX_TXN_PDUS } from './transaction-limits.js';


type PduResult = Record<string, never> | { error: string };

export function sendTransactionHandler(deps: FederationDeps, processor: PduProcessor, edus: EduDispatcher) {
  /** Transactions being handled, so a retry racing the first attempt waits for the same answer. */
  const inFlight = new Map<string, Promise<string>>();

  async function handle(origin: string, txnId: string, body: Record<string, unknown>): Promise<string> {
    const pdus = body['pdus'] as unknown[];
    // The PDUs are checked while the database says whether the transaction was answered before (rarely).
    const checking = Promise.all(pdus.map((pdu) => checkOne(origin, pdu)));
    checking.catch(() => undefined); // awaited below unless answered before
    const previous = await processor.staging.answered(origin, txnId);
    if (previous !== undefined) return previous;
    const results: Record<string, PduResult> = {};
    const staged: Array<{ event: RoomEvent }> = [];
    const checked = await checking;
    for (const c of checked) {
      if ('event' in c) staged.push({ event: c.event });
      else if (c.eventId !== undefined) results[c.eventId] = { error: c.error }; // else: no id to report it under
    }
    const ids = await processor.staging.stage(
      origin,
      txnId,
      staged.map(({ event }) => ({ roomId: event.room_id, eventId: event.event_id, pduJson: JSON.stringify(event) })),
      Date.now(),
    );
    const outcomes = ids.map((id) => processor.outcomeOf(id));
    for (const roomId of new Set(staged.map((s) => s.event.room_id))) void processor.kick(roomId).catch(() => undefined);
    await edus.dispatch(origin, (body['edus'] as unknown[] | undefined) ?? [], (err, type) =>
      deps.ctx.logger.warn({ err, origin, type }, 'federation: EDU handler failed'),
    );
    const done = await Promise.all(outcomes);
    done.forEach((r, i) => {
      const id = staged[i]!.event.event_id;
      results[id] = r.outcome === 'rejected' || r.outcome.startsWith('missing') ? { error: r.reason ?? r.outcome } : {};
    });
    const answer = JSON.stringify({ pdus: results });
    await processor.staging.saveAnswer(origin, txnId, answer);
    return answer;
  }

  type Checked = { eventId: string | undefined; error: string } | { eventId: string; event: RoomEvent };

  /** Steps 1–3 and the ACL for one PDU; a failure is reported under the event id when one can be worked out. */
  async function checkOne(origin: string, pdu: unknown): Promise<Checked> {
    if (typeof pdu !== 'object' || pdu === null || Array.isArray(pdu)) return { eventId: undefined, error: 'not an object' };
    const { room_id: roomId, event_id: claimedId } = pdu as { room_id?: unknown; event_id?: unknown };
    const version = typeof roomId === 'string' ? await deps.ctx.rooms.store.roomVersion(roomId) : undefined;
    const idOf = (): string | undefined => {
      if (typeof claimedId === 'string') return claimedId;
      try {
        return version && computeEventId(pdu as PDU, version);
      } catch {
        return undefined;
      }
    };
    if (typeof roomId !== 'string') return { eventId: idOf(), error: 'missing room_id' };
    if (version === undefined) return { eventId: idOf(), error: `unknown room ${roomId}` };
    const result = await checkReceivedPdu(pdu, version, deps.keyRing, roomId);
    if (!result.ok) return { eventId: idOf(), error: result.reason };
    const acl = await deps.ctx.rooms.store.currentStateEvent(roomId, 'm.room.server_acl', '');
    if (!serverAclAllows(acl?.event.content, origin)) return { eventId: result.event.event_id, error: `${origin} is denied by the room's server ACL` };
    return { eventId: result.event.event_id, event: result.event };
  }

  return async (req: Request<{ txnId: string }>, res: Response): Promise<void> => {
    const origin = originOf(req);
    const body = objectBody(req);
    const pdus = body['pdus'];
    const edusField = body['edus'];
    if (!Array.isArray(pdus)) throw Errors.badJson("'pdus' must be an array");
    if (edusField !== undefined && !Array.isArray(edusField)) throw Errors.badJson("'edus' must be an array");
    if (pdus.length > MAX_TXN_PDUS) throw Errors.badJson(`A transaction holds at most ${MAX_TXN_PDUS} PDUs`);
    if ((edusField?.length ?? 0) > MAX_TXN_EDUS) throw Errors.badJson(`A transaction holds at most ${MAX_TXN_EDUS} EDUs`);
    const key = `${origin}\u0000${req.params.txnId}`;
    let answer = inFlight.get(key);
    if (answer === undefined) {
      answer = handle(origin, req.params.txnId, body).finally(() => inFlight.delete(key));
      inFlight.set(key, answer);
    }
    res.type('application/json').send(await answer);
  };
}
