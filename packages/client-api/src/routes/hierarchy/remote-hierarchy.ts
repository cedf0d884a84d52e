/**
 * Children this server does not know: the federation package answers them with
 * GET /_matrix/federation/v1/hierarchy/{roomId} through the child's `via`
 * servers (server-server space_hierarchy.yaml). Until it is wired in, unknown
 * children are left out of the response, as the spec allows for rooms the server
 * cannot reach. Set as ClientApiContext.remoteHierarchy.
 */
import type { RoomSummary } from './room-summary.js';

export interface RemoteRoomEntry {
  summary: RoomSummary;
  /** The room's m.space.child events, stripped, with origin_server_ts. */
  childrenState: Array<{ type: string; state_key: string; content: Record<string, unknown>; sender: string; origin_server_ts: number }>;
}

export interface RemoteHierarchySource {
  /**
   * The summary of a room held elsewhere, as the given servers describe it to
   * `userId`'s server (already filtered by what that server lets us see), or
   * undefined when none of them answers.
   */
  summarize(roomId: string, via: readonly string[], opts: { suggestedOnly: boolean; userId: string }): Promise<RemoteRoomEntry | undefined>;
}

/** No federation: remote children are unknown. */
export const NO_REMOTE_HIERARCHY: RemoteHierarchySource = {
  summarize: () => Promise.resolve(undefined),
};
