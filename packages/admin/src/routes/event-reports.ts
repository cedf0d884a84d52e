/**
 * Event reports for the server's admins (Synapse's shapes):
 * GET /v1/event_reports (from, limit, dir, user_id, room_id, event_sender_user_id → event_reports,
 * next_token, total), GET /v1/event_reports/<report_id> (with the reported
 * event's JSON) and DELETE /v1/event_reports/<report_id>.
 */
import type { ClientApiContext } from '@lattice/client-api';
import { Errors } from '@lattice/core';
import { Router, type Request, type Response } from 'express';
import { enumParam, intParam, queryString } from '../http/query-params.js';
import { deleteEventReport, findEventReport, listEventReports, type EventReportRow } from '../stores/event-reports.js';

const DEFAULT_LIMIT = 100;

type ReportParams = { reportId: string };

function reportIdOf(req: Request<ReportParams>): number {
  const raw = req.params.reportId;
  if (!/^[0-9]{1,15}$/.test(raw)) throw Errors.invalidParam('The report_id parameter must be a string representing a positive integer.');
  return Number(raw);
}

export function eventReportsRouter(ctx: ClientApiContext): Router {
  const router = Router();
  const { store } = ctx.rooms;

  /** A report as Synapse lists it: the reported event's sender, the room's name and canonical alias. */
  async function describe(reports: EventReportRow[]): Promise<Array<Record<string, unknown>>> {
    const events = await store.getEvents(reports.map((r) => r.eventId));
    const rooms = new Map<string, Promise<{ name: unknown; alias: unknown }>>();
    const roomOf = (roomId: string) => {
      let room = rooms.get(roomId);
      if (!room) rooms.set(roomId, (room = roomNameAndAlias(roomId)));
      return room;
    };
    return Promise.all(
      reports.map(async (r) => {
        const { name, alias } = await roomOf(r.roomId);
        return {
          id: r.id,
          received_ts: r.receivedTs,
          room_id: r.roomId,
          name: name ?? null,
          canonical_alias: alias ?? null,
          event_id: r.eventId,
          user_id: r.reporter,
          sender: events.get(r.eventId)?.event.sender ?? null,
          reason: r.reason,
          score: r.score,
        };
      }),
    );
  }

  async function roomNameAndAlias(roomId: string): Promise<{ name: unknown; alias: unknown }> {
    const [name, alias] = await Promise.all([
      store.currentStateEvent(roomId, 'm.room.name', ''),
      store.currentStateEvent(roomId, 'm.room.canonical_alias', ''),
    ]);
    const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
    return { name: text(name?.event.content['name']), alias: text(alias?.event.content['alias']) };
  }

  async function list(req: Request, res: Response): Promise<void> {
    const from = intParam(req, 'from', 0);
    const limit = intParam(req, 'limit', DEFAULT_LIMIT);
    if (limit < 1) throw Errors.invalidParam("Query parameter 'limit' must be a positive integer");
    const dir = enumParam(req, 'dir', ['f', 'b'] as const, 'b');
    const filter = {
      userId: queryString(req, 'user_id'),
      roomId: queryString(req, 'room_id'),
      eventSender: queryString(req, 'event_sender_user_id'),
    };
    const { reports, total } = await listEventReports(ctx.db, filter, { from, limit, backwards: dir === 'b' });
    const body: Record<string, unknown> = { event_reports: await describe(reports), total };
    if (from + reports.length < total) body.next_token = from + reports.length;
    res.json(body);
  }

  async function getOne(req: Request<ReportParams>, res: Response): Promise<void> {
    const report = await findEventReport(ctx.db, reportIdOf(req));
    if (!report) throw Errors.notFound('Event report not found');
    const [described] = await describe([report]);
    const stored = await store.getEvent(report.eventId);
    res.json({ ...described, event_json: stored?.event ?? null });
  }

  async function remove(req: Request<ReportParams>, res: Response): Promise<void> {
    if (!(await deleteEventReport(ctx.db, reportIdOf(req)))) throw Errors.notFound('Event report not found');
    res.json({});
  }

  router.get('/v1/event_reports', list);
  router.route('/v1/event_reports/:reportId').get(getOne).delete(remove);
  return router;
}
