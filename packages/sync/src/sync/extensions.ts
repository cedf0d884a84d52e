/**
 * Top-level /sync sections owned by other packages (to_device, device_lists and
 * the one-time-key counts from end-to-end encryption, presence, …). The sync
 * builder calls every extension with the same window it builds rooms for and
 * merges what they return into the response, so sync stays ignorant of them.
 */
import type { CompiledFilter } from '@lattice/core';
import type { StreamPosition, SyncToken, SyncTokenStream } from '@lattice/replication';
import type { KnownChanges } from './known-changes.js';
import type { SyncPresence } from './sync-params.js';

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
  /** What changed after `since`, when this worker knows (see KnownChanges): reads it rules out are skipped. */
  changes?: KnownChanges;
}

export interface SyncContribution {
  /** Top-level keys of the response body, e.g. { to_device: { events } }; later extensions win on a clash. */
  sections: Record<string, unknown>;
  /** Something new for the client: an incremental sync with updates answers instead of long-polling. */
  hasUpdates: boolean;
  /** Global account data events the server manages (m.push_rules); the sync filter still applies to them. */
  accountData?: Array<{ type: string; content: Record<string, unknown> }>;
  /**
   * Positions below `to` at which next_batch stops for streams the extension
   * owns: a limited batch (to-device messages) resumes there on the next sync.
   */
  positions?: Partial<Record<SyncTokenStream, StreamPosition>>;
  /**
   * Sections read only for a response that is likely sent: a long-poll's build that finds nothing
   * new and waits never reads them. For values that never make a sync answer (one-time key
   * counts); a build with news in a room reads them beside its own reads, any other at its answer.
   */
  lateSections?: () => Promise<Record<string, unknown>>;
}

/** A /sync request beginning, before anything is read. */
export interface SyncStart {
  userId: string;
  deviceId: string;
  /** The set_presence parameter (absent: online). */
  setPresence: SyncPresence | undefined;
}

export interface SyncExtension {
  readonly name: string;
  contribute(request: SyncExtensionRequest): Promise<SyncContribution>;
  /**
   * Optional: called as each /sync begins, awaited before it reads; the
   * function it returns is called once the sync ends (answered or abandoned).
   * Presence uses it to know who is syncing.
   */
  syncStarted?(start: SyncStart): Promise<() => void>;
}
