/**
 * The user a /_synapse/admin/…/<user_id> call acts on: a malformed id is 400
 * M_INVALID_PARAM, another server's user 400 M_INVALID_PARAM ("Can only look
 * up local users", Synapse's wording), an unknown one 404 M_NOT_FOUND.
 */
import { getUser, type ClientApiContext, type UserRecord } from '@lattice/client-api';
import { Errors, isValidUserId, serverNameOf } from '@lattice/core';

/** The id, checked for shape and for being one of ours. */
export function localUserId(ctx: ClientApiContext, userId: string, refusal = 'Can only look up local users'): string {
  if (!isValidUserId(userId)) throw Errors.invalidParam(`Invalid user id: ${userId}`);
  if (serverNameOf(userId) !== ctx.config.server_name) throw Errors.invalidParam(refusal);
  return userId;
}

/** The local user's record; 404 when there is no such account. */
export async function existingLocalUser(ctx: ClientApiContext, userId: string, refusal?: string): Promise<UserRecord> {
  const user = await getUser(ctx.db, localUserId(ctx, userId, refusal));
  if (!user) throw Errors.notFound('User not found');
  return user;
}
