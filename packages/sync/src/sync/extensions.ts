/**
 * Top-level /sync sections owned by other packages (to_device, device_lists and
 * the one-time-key counts from end-to-end encryption, presence, …). The sync
 * builder calls every extension with the same window it builds rooms for and
 * merges what they return into the response, so sync stays ignorant of them.
 */
import type { CompiledFilter } from '@lattice/core';
import type { SyncToken } from '@lattice/replication';

export interface SyncExtensionRequest {
  userId: string;
  deviceId: string;
  /** Absent: an initial sync. */
  since: SyncToken | undefined;
  /** The positions this response covers up to (next_batch): read nothing past them. */
  to: SyncToken;
  filter: CompiledFilter;
  fullState: boolean;
  /** Rooms the user is joined to as of `to`, whether or not they appear in this response. */
  joinedRoomIds: ReadonlySet<string>;
}

export interface SyncContribution {
  /** Top-level keys of the response body, e.g. { to_device: { events } }; later extensions win on a clash. */
  sections: Record<string, unknown>;
  /** Something new for the client: an incremental sync with updates answers instead of long-polling. */
  hasUpdates: boolean;
}

export interface SyncExtension {
  readonly name: string;
  contribute(request: SyncExtensionRequest): Promise<SyncContribution>;
}
