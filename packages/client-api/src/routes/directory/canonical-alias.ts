/**
 * m.room.canonical_alias and the alias directory (room_state.yaml, PUT state):
 * an alias a client newly advertises must exist and point to the room
 * (400 M_BAD_ALIAS); aliases already advertised are not re-checked, so a room
 * can keep its state after an alias moved. Deleting an alias also removes it
 * from the room's canonical alias event, as Synapse does (directory.yaml note).
 */
import { Errors, MatrixError } from '@lattice/core';
import type { ClientApiContext } from '../../context.js';
import { afterWrite } from '../rooms/read-your-writes.js';
import { checkAliasSyntax, roomIdOfAlias } from './aliases.js';

const CANONICAL_ALIAS = 'm.room.canonical_alias';

function badAlias(alias: string): MatrixError {
  return new MatrixError(400, 'M_BAD_ALIAS', `The alias '${alias}' does not point to this room.`);
}

/** `alias` of a content: undefined when unset (absent, null or empty). */
function aliasOf(content: Record<string, unknown>): string | undefined {
  const alias = content.alias;
  if (alias === undefined || alias === null || alias === '') return undefined;
  if (typeof alias !== 'string') throw Errors.invalidParam("'alias' must be a string");
  return alias;
}

function altAliasesOf(content: Record<string, unknown>): string[] {
  const alt = content.alt_aliases;
  if (alt === undefined) return [];
  if (!Array.isArray(alt) || !alt.every((a): a is string => typeof a === 'string')) {
    throw Errors.invalidParam("'alt_aliases' must be an array of strings");
  }
  return alt;
}

async function currentContent(ctx: ClientApiContext, roomId: string): Promise<Record<string, unknown> | undefined> {
  return (await ctx.rooms.store.currentStateEvent(roomId, CANONICAL_ALIAS, ''))?.event.content;
}

/**
 * Checks a new m.room.canonical_alias content for `roomId` before it is sent:
 * 400 M_INVALID_PARAM for malformed aliases, 400 M_BAD_ALIAS for an added alias
 * that does not resolve to the room.
 */
export async function validateCanonicalAliasContent(ctx: ClientApiContext, roomId: string, content: Record<string, unknown>): Promise<void> {
  const alias = aliasOf(content);
  const alt = altAliasesOf(content);
  const previous = (await currentContent(ctx, roomId)) ?? {};
  const previousAlias = typeof previous.alias === 'string' ? previous.alias : undefined;
  const previousAlt = new Set(Array.isArray(previous.alt_aliases) ? previous.alt_aliases : []);

  const added = new Set<string>();
  if (alias !== undefined && alias !== previousAlias) added.add(alias);
  for (const a of alt) if (!previousAlt.has(a)) added.add(a);
  for (const a of added) checkAliasSyntax(a);
  for (const a of added) {
    if ((await roomIdOfAlias(ctx, a)) !== roomId) throw badAlias(a);
  }
}

/** The content without any of `aliases` in it, or undefined when it mentions none of them. */
export function withoutAliases(content: Record<string, unknown>, aliases: ReadonlySet<string>): Record<string, unknown> | undefined {
  const next = { ...content };
  let changed = false;
  if (typeof next.alias === 'string' && aliases.has(next.alias)) {
    delete next.alias;
    changed = true;
  }
  if (Array.isArray(next.alt_aliases) && next.alt_aliases.some((a) => aliases.has(a as string))) {
    const rest = next.alt_aliases.filter((a) => !aliases.has(a as string));
    if (rest.length > 0) next.alt_aliases = rest;
    else delete next.alt_aliases;
    changed = true;
  }
  return changed ? next : undefined;
}

/**
 * After `alias` was deleted by `userId`: drops it from the room's canonical
 * alias event, sent as that user. Without the power to do so the alias stays
 * deleted and the event unchanged (the spec's recommendation).
 */
export async function removeFromCanonicalAlias(ctx: ClientApiContext, roomId: string, alias: string, userId: string): Promise<void> {
  const content = await currentContent(ctx, roomId);
  const next = content && withoutAliases(content, new Set([alias]));
  if (!next) return;
  try {
    const sent = await ctx.rooms.persister.createEvent({ room_id: roomId, type: CANONICAL_ALIAS, state_key: '', sender: userId, content: next });
    await afterWrite(ctx.rooms, userId, sent.streamOrdering);
  } catch (err) {
    if (!(err instanceof MatrixError) || err.status !== 403) throw err;
    ctx.logger.info({ roomId, alias, userId, reason: err.message }, 'alias deleted; canonical alias event left unchanged');
  }
}
