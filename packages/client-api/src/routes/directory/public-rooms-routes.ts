/**
 * GET and POST /publicRooms (list_public_rooms.yaml): this server's published
 * room directory, paginated with `since` / `next_batch` / `prev_batch`. GET
 * needs no access token (the spec lists none); POST does and adds the filter.
 * Other servers' directories come with federation; until then `server` must
 * name this one.
 */
import { Errors, isValidServerName } from '@lattice/core';
import { Router, type Request, type Response } from 'express';
import type { ClientApiContext } from '../../context.js';
import { requireAuth } from '../../http/auth.js';
import { objectBody } from '../../http/body.js';
import { methodNotAllowed } from '../../http/unrecognized.js';
import { optionalBoolean, optionalObject, optionalString } from '../../http/validate.js';
import { queryPublicRooms, type PublicRoomsChunk, type PublicRoomsFilter } from './public-rooms-query.js';
import { decodePageToken, encodePageToken } from './public-rooms-token.js';

interface DirectoryRequest {
  filter: PublicRoomsFilter;
  limit?: number;
  since?: string;
  /** False when the request names an application-service network: none publish rooms here. */
  mainNetwork: boolean;
}

interface PublicRoomsResponse {
  chunk: PublicRoomsChunk[];
  next_batch?: string;
  prev_batch?: string;
  total_room_count_estimate: number;
}

function queryString(req: Request, name: string): string | undefined {
  const value = (req.query as Record<string, unknown>)[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw Errors.invalidParam(`'${name}' must be given once`);
  return value;
}

/** 0 and absent both mean "no limit", as Synapse reads it. */
function pageLimit(limit: number | undefined): number | undefined {
  return limit === undefined || limit === 0 ? undefined : limit;
}

function limitFromQuery(req: Request): number | undefined {
  const text = queryString(req, 'limit');
  if (text === undefined) return undefined;
  if (!/^\d{1,9}$/.test(text)) throw Errors.invalidParam("'limit' must be a non-negative integer");
  return Number(text);
}

function limitFromBody(body: Record<string, unknown>): number | undefined {
  const limit = body.limit;
  if (limit === undefined || limit === null) return undefined;
  if (typeof limit !== 'number' || !Number.isSafeInteger(limit) || limit < 0) throw Errors.invalidParam("'limit' must be a non-negative integer");
  return limit;
}

function filterFromBody(body: Record<string, unknown>): PublicRoomsFilter {
  const filter = optionalObject(body, 'filter') ?? {};
  const searchTerm = optionalString(filter, 'generic_search_term');
  const roomTypes = filter.room_types;
  if (roomTypes === undefined || roomTypes === null) return { searchTerm };
  if (!Array.isArray(roomTypes) || !roomTypes.every((t) => t === null || typeof t === 'string')) {
    throw Errors.invalidParam("'filter.room_types' must be an array of strings and nulls");
  }
  return { searchTerm, roomTypes: roomTypes as Array<string | null> };
}

/** include_all_networks and third_party_instance_id (an application service's "appservice|network" id) exclude each other. */
function isMainNetwork(body: Record<string, unknown>): boolean {
  const allNetworks = optionalBoolean(body, 'include_all_networks') ?? false;
  const instanceId = optionalString(body, 'third_party_instance_id');
  if (instanceId === undefined) return true;
  if (allNetworks) throw Errors.invalidParam("Can't use include_all_networks with an explicit network");
  if (instanceId.split('|').length !== 2) throw Errors.invalidParam(`Invalid third_party_instance_id: ${instanceId}`);
  return false;
}

export function publicRoomsRouter(ctx: ClientApiContext): Router {
  const router = Router();
  const auth = requireAuth(ctx);

  /** The `server` parameter: absent or this server; another server's directory needs federation. */
  function checkServer(req: Request): void {
    const server = queryString(req, 'server');
    if (server === undefined || server === ctx.config.server_name) return;
    if (!isValidServerName(server)) throw Errors.invalidParam(`Invalid server name: ${server}`);
    throw Errors.notFound(`The room directory of ${server} cannot be fetched: federation is not available`);
  }

  async function list(request: DirectoryRequest): Promise<PublicRoomsResponse> {
    const from = request.since === undefined || request.since === '' ? undefined : decodePageToken(request.since);
    if (!request.mainNetwork) return { chunk: [], total_room_count_estimate: 0 };
    const page = await queryPublicRooms(ctx.db, { filter: request.filter, limit: pageLimit(request.limit), from });
    const response: PublicRoomsResponse = { chunk: page.rooms, total_room_count_estimate: page.total };
    const first = page.rooms[0];
    const last = page.rooms[page.rooms.length - 1];
    if (page.more && last) response.next_batch = encodePageToken({ dir: 'f', at: { joinedMembers: last.num_joined_members, roomId: last.room_id } });
    if (page.earlier && first) response.prev_batch = encodePageToken({ dir: 'b', at: { joinedMembers: first.num_joined_members, roomId: first.room_id } });
    return response;
  }

  async function get(req: Request, res: Response): Promise<void> {
    checkServer(req);
    res.json(await list({ filter: {}, limit: limitFromQuery(req), since: queryString(req, 'since'), mainNetwork: true }));
  }

  async function post(req: Request, res: Response): Promise<void> {
    checkServer(req);
    const body = objectBody(req);
    res.json(
      await list({ filter: filterFromBody(body), limit: limitFromBody(body), since: optionalString(body, 'since'), mainNetwork: isMainNetwork(body) }),
    );
  }

  router.route('/publicRooms').get(get).post(auth, post).all(methodNotAllowed);
  return router;
}
