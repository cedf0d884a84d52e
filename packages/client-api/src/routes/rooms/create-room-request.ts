/**
 * The POST /createRoom body, validated completely before anything is written
 * (create_room.yaml): wrong types are M_INVALID_PARAM / M_BAD_JSON, an unknown
 * room version M_UNSUPPORTED_ROOM_VERSION, a malformed alias or user id
 * M_INVALID_PARAM.
 */
import { Errors, getRoomVersion, isValidRoomAlias, type RoomVersion } from '@lattice/core';
import { optionalBoolean, optionalObject, optionalString } from '../../http/validate.js';
import { checkUserId } from './ids.js';
import { PRESETS, type Preset } from './presets.js';

export interface InitialStateEvent {
  type: string;
  state_key: string;
  content: Record<string, unknown>;
}

export interface CreateRoomRequest {
  version: RoomVersion;
  preset: Preset;
  /** Publish in the room directory. */
  publish: boolean;
  /** The full alias from room_alias_name. */
  alias?: string;
  name?: string;
  topic?: string;
  invite: string[];
  isDirect: boolean;
  creationContent: Record<string, unknown>;
  initialState: InitialStateEvent[];
  powerLevelOverride?: Record<string, unknown>;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function initialStateOf(body: Record<string, unknown>): InitialStateEvent[] {
  const raw = body.initial_state;
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw Errors.invalidParam("'initial_state' must be an array");
  return raw.map((entry, i) => {
    if (!isObject(entry)) throw Errors.badJson(`initial_state[${i}] must be an object`);
    const { type, state_key: stateKey = '', content } = entry;
    if (typeof type !== 'string') throw Errors.badJson(`initial_state[${i}].type must be a string`);
    if (typeof stateKey !== 'string') throw Errors.badJson(`initial_state[${i}].state_key must be a string`);
    if (!isObject(content)) throw Errors.badJson(`initial_state[${i}].content must be an object`);
    return { type, state_key: stateKey, content };
  });
}

function invitesOf(body: Record<string, unknown>, creator: string): string[] {
  const raw = body.invite;
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw) || !raw.every((x) => typeof x === 'string')) throw Errors.invalidParam("'invite' must be an array of user ids");
  const invites = [...new Set(raw.map(checkUserId))];
  if (invites.includes(creator)) throw Errors.invalidParam('The room creator cannot be invited');
  return invites;
}

/** `#localpart:server`; the localpart may not contain what would make the alias ambiguous. */
function aliasOf(body: Record<string, unknown>, serverName: string): string | undefined {
  const localpart = optionalString(body, 'room_alias_name');
  if (localpart === undefined) return undefined;
  const alias = `#${localpart}:${serverName}`;
  if (localpart.length === 0 || /[\s:#]/.test(localpart) || !isValidRoomAlias(alias)) {
    throw Errors.invalidParam(`Invalid room_alias_name: ${JSON.stringify(localpart)}`);
  }
  return alias;
}

export function parseCreateRoomRequest(
  body: Record<string, unknown>,
  opts: { creator: string; serverName: string; defaultRoomVersion: string },
): CreateRoomRequest {
  const visibility = optionalString(body, 'visibility') ?? 'private';
  if (visibility !== 'public' && visibility !== 'private') throw Errors.invalidParam("'visibility' must be 'public' or 'private'");
  const presetName = optionalString(body, 'preset') ?? (visibility === 'public' ? 'public_chat' : 'private_chat');
  if (!(PRESETS as readonly string[]).includes(presetName)) throw Errors.invalidParam(`Unknown preset: ${presetName}`);
  const versionId = optionalString(body, 'room_version') ?? opts.defaultRoomVersion;
  const version = getRoomVersion(versionId);
  if (!version) throw Errors.unsupportedRoomVersion(versionId);
  const invite3pid = body.invite_3pid;
  if (Array.isArray(invite3pid) && invite3pid.length > 0) {
    throw Errors.invalidParam('Third-party invites are not supported by this server (no identity server integration)');
  }
  return {
    version,
    preset: presetName as Preset,
    publish: visibility === 'public',
    alias: aliasOf(body, opts.serverName),
    name: optionalString(body, 'name'),
    topic: optionalString(body, 'topic'),
    invite: invitesOf(body, opts.creator),
    isDirect: optionalBoolean(body, 'is_direct') ?? false,
    creationContent: optionalObject(body, 'creation_content') ?? {},
    initialState: initialStateOf(body),
    powerLevelOverride: optionalObject(body, 'power_level_content_override'),
  };
}
