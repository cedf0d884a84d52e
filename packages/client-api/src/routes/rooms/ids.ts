/**
 * Identifiers taken from request paths and bodies: a malformed room, user or
 * event id is 400 M_INVALID_PARAM before anything is looked up (issue 3 "Bad input").
 */
import { Errors, isValidEventId, isValidRoomAlias, isValidRoomId, isValidUserId } from '@lattice/core';

export function checkRoomId(roomId: string): string {
  if (!isValidRoomId(roomId)) throw Errors.invalidParam(`Invalid room id: ${roomId}`);
  return roomId;
}

export function checkUserId(userId: string): string {
  if (!isValidUserId(userId)) throw Errors.invalidParam(`Invalid user id: ${userId}`);
  return userId;
}

export function checkEventId(eventId: string): string {
  if (!isValidEventId(eventId)) throw Errors.invalidParam(`Invalid event id: ${eventId}`);
  return eventId;
}

/** A path segment that may be either (`/join/{roomIdOrAlias}`, `/knock/{roomIdOrAlias}`). */
export function checkRoomIdOrAlias(value: string): { roomId: string } | { alias: string } {
  if (value.startsWith('!')) return { roomId: checkRoomId(value) };
  if (value.startsWith('#') && isValidRoomAlias(value)) return { alias: value };
  throw Errors.invalidParam(`Invalid room id or alias: ${value}`);
}
