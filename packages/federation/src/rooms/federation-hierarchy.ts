/**
 * Space children held by other servers, for the client /hierarchy: GET
 * /_matrix/federation/v1/hierarchy/{roomId} on the child's `via` servers in
 * turn, the first good answer kept for a few minutes (the spec asks for
 * caching; a space is walked again for every page a client asks for). The
 * answer's child summaries are remembered too, so a remote space's non-space
 * children need no request of their own.
 */
import type { RemoteHierarchySource, RemoteRoomEntry, RoomSummary } from '@lattice/client-api';
import { Lru } from '@lattice/rooms';
import type { FederationClient } from '../api.js';

const CACHE_TTL_MS = 5 * 60_000;
const CACHED_ROOMS = 1_000;
const REQUEST_TIMEOUT_MS = 10_000;

interface Cached {
  entry: RemoteRoomEntry;
  expires: number;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A summary from another server: room_id, num_joined_members, world_readable and guest_can_join are required. */
function summaryOf(value: unknown): RoomSummary | undefined {
  if (!isObject(value)) return undefined;
  const { room_id: roomId, num_joined_members: members, world_readable: readable, guest_can_join: guests } = value;
  if (typeof roomId !== 'string' || typeof members !== 'number' || typeof readable !== 'boolean' || typeof guests !== 'boolean') return undefined;
  const { children_state: _children, ...summary } = value;
  return summary as unknown as RoomSummary;
}

function childrenStateOf(value: unknown): RemoteRoomEntry['childrenState'] {
  if (!Array.isArray(value)) return [];
  return value.filter(
    (c): c is RemoteRoomEntry['childrenState'][number] =>
      isObject(c) && c['type'] === 'm.space.child' && typeof c['state_key'] === 'string' && isObject(c['content']) && typeof c['sender'] === 'string',
  );
}

export class FederationHierarchy implements RemoteHierarchySource {
  private readonly cache = new Lru<string, Cached>(CACHED_ROOMS);

  constructor(
    private readonly client: FederationClient,
    private readonly clock: () => number = Date.now,
  ) {}

  async summarize(roomId: string, via: readonly string[], opts: { suggestedOnly: boolean }): Promise<RemoteRoomEntry | undefined> {
    const key = `${opts.suggestedOnly}|${roomId}`;
    const hit = this.cache.get(key);
    if (hit !== undefined && hit.expires > this.clock()) return hit.entry;
    for (const server of via) {
      const answer = await this.ask(server, roomId, opts.suggestedOnly);
      if (answer === undefined) continue;
      this.remember(key, answer.room);
      // Children that are not spaces have no children_state to ask for.
      for (const child of answer.children) {
        if (child.room_type !== 'm.space') this.remember(`${opts.suggestedOnly}|${child.room_id}`, { summary: child, childrenState: [] });
      }
      return answer.room;
    }
    return undefined;
  }

  private remember(key: string, entry: RemoteRoomEntry): void {
    this.cache.set(key, { entry, expires: this.clock() + CACHE_TTL_MS });
  }

  /** One server's answer, or undefined when it has none (or cannot be reached). */
  private async ask(server: string, roomId: string, suggestedOnly: boolean): Promise<{ room: RemoteRoomEntry; children: RoomSummary[] } | undefined> {
    let body: unknown;
    try {
      body = await this.client.request({
        method: 'GET',
        destination: server,
        path: `/_matrix/federation/v1/hierarchy/${encodeURIComponent(roomId)}?suggested_only=${suggestedOnly}`,
        timeoutMs: REQUEST_TIMEOUT_MS,
      });
    } catch {
      return undefined;
    }
    if (!isObject(body)) return undefined;
    const summary = summaryOf(body['room']);
    if (summary === undefined || summary.room_id !== roomId) return undefined;
    const room = { summary, childrenState: childrenStateOf((body['room'] as Record<string, unknown>)['children_state']) };
    const children = Array.isArray(body['children']) ? body['children'].map(summaryOf).filter((c): c is RoomSummary => c !== undefined) : [];
    return { room, children };
  }
}
