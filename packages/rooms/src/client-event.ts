/**
 * The client-server ClientEvent / ClientEventWithoutRoomID
 * (data/api/client-server/definitions/client_event*.yaml): the fields of the
 * event a client sees plus `unsigned` computed for the request: age, the
 * transaction id (only for the device that sent it), redacted_because,
 * prev_content / replaces_state for state events, and membership.
 */
import type { RoomEvent } from '@lattice/core';
import type { ClientEvent, ClientEventOptions, ClientUnsigned, StoredEvent } from './api.js';
import { redactedEventIdOf } from './redactions.js';

function clientFields(ev: RoomEvent, opts: ClientEventOptions): ClientEvent {
  const out: ClientEvent = {
    content: ev.content,
    event_id: ev.event_id,
    origin_server_ts: ev.origin_server_ts,
    sender: ev.sender,
    type: ev.type,
  };
  if (opts.format !== 'sync') out.room_id = ev.room_id;
  if (ev.state_key !== undefined) out.state_key = ev.state_key;
  // Top-level `redacts` for every version: v11+ clients read content.redacts, older ones this.
  const redacts = redactedEventIdOf(ev, opts.roomVersion);
  if (redacts !== undefined) out.redacts = redacts;
  return out;
}

function ageOf(ev: RoomEvent, now: number): number {
  return Math.max(0, now - ev.origin_server_ts);
}

export function toClientEvent(stored: StoredEvent, opts: ClientEventOptions): ClientEvent {
  const ev = stored.event;
  const out = clientFields(ev, opts);
  const unsigned: ClientUnsigned = { age: ageOf(ev, opts.now) };

  const redaction = opts.redaction?.event ?? (stored.redactedBy !== null ? stored.redaction : undefined);
  if (redaction !== undefined) {
    unsigned.redacted_because = { ...clientFields(redaction, opts), unsigned: { age: ageOf(redaction, opts.now) } };
  }
  if (stored.replacesState) {
    unsigned.replaces_state = stored.replacesState.eventId;
    // A redacted event keeps no content, and so no previous content either.
    if (redaction === undefined) {
      unsigned.prev_content = stored.replacesState.content;
      unsigned.prev_sender = stored.replacesState.sender;
    }
  }
  const txn = stored.txn;
  if (txn && opts.viewer && txn.userId === opts.viewer.userId && txn.deviceId === opts.viewer.deviceId) {
    unsigned.transaction_id = txn.txnId;
  }
  if (opts.membership !== undefined) unsigned.membership = opts.membership;
  out.unsigned = unsigned;
  return out;
}
