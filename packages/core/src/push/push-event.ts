import { foldForSearch } from './glob.js';
import { escapePropertyName } from './property-path.js';

/** What push evaluation reads of an event (a RoomEvent or a client-format event). */
export interface PushEventInput {
  type: string;
  sender: string;
  content: Record<string, unknown>;
  room_id?: string;
  state_key?: string;
  [key: string]: unknown;
}

/** A leaf of the flattened event: a scalar, or an array (for event_property_contains). */
export type FlatValue = string | number | boolean | null | readonly unknown[];

/**
 * An event prepared once for evaluation against every local member's rules: its
 * properties flattened to canonical dotted paths (objects are descended into, arrays
 * and scalars are leaves), so each condition costs one map lookup.
 */
export class PushEvent {
  readonly flat = new Map<string, FlatValue>();
  readonly type: string;
  readonly sender: string;
  readonly roomId: string | undefined;
  /** `content.body` when it is a string: content rules and contains_display_name read it. */
  readonly body: string | undefined;
  /** `content["m.mentions"]` is present: the legacy body-mention rules do not apply. */
  readonly hasMentions: boolean;

  private folded: string | undefined;

  constructor(event: PushEventInput) {
    flattenInto(this.flat, '', event);
    this.type = event.type;
    this.sender = event.sender;
    this.roomId = event.room_id;
    const content = event.content ?? {};
    this.body = typeof content.body === 'string' ? content.body : undefined;
    this.hasMentions = content['m.mentions'] !== undefined;
  }

  /** The body folded once for the substring pre-checks of word matchers (foldForSearch). */
  get foldedBody(): string | undefined {
    if (this.body === undefined) return undefined;
    return (this.folded ??= foldForSearch(this.body));
  }
}

export function preparePushEvent(event: PushEventInput): PushEvent {
  return new PushEvent(event);
}

function flattenInto(out: Map<string, FlatValue>, prefix: string, obj: Record<string, unknown>): void {
  for (const name in obj) {
    if (!Object.prototype.hasOwnProperty.call(obj, name)) continue;
    const value = obj[name];
    const path = prefix === '' ? escapePropertyName(name) : `${prefix}.${escapePropertyName(name)}`;
    if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      out.set(path, value);
    } else if (Array.isArray(value)) {
      out.set(path, value);
    } else if (typeof value === 'object' && value !== undefined) {
      flattenInto(out, path, value as Record<string, unknown>);
    }
  }
}
