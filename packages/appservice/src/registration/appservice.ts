/**
 * A validated application service registration (registration.yaml of the
 * Application Service API) and the questions the server asks of it: does it
 * own this user, alias or room, is it interested in this event's room.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { serverNameOf } from '@lattice/core';
import type { Namespace } from './namespace.js';

export interface AppserviceRegistration {
  id: string;
  /** Base URL of the appservice; null: it receives no traffic. */
  url: string | null;
  asToken: string;
  hsToken: string;
  senderLocalpart: string;
  users: Namespace;
  aliases: Namespace;
  rooms: Namespace;
  /** false: the appservice's users are exempt from rate limits. */
  rateLimited: boolean;
  protocols: string[];
  /** receive_ephemeral (or MSC2409's de.sorunome.msc2409.push_ephemeral): typing, receipts, presence in transactions. */
  receiveEphemeral: boolean;
  /** MSC2409/MSC4203 to-device messages for its users' devices in transactions. */
  receiveToDevice: boolean;
  /** org.matrix.msc3202: device list changes and one-time key counts in transactions. */
  msc3202: boolean;
}

export class Appservice {
  readonly senderUserId: string;
  /** sha256 of the as_token, base64url: the form client-api's token lookup hashes to. */
  readonly asTokenHash: string;

  constructor(
    readonly registration: AppserviceRegistration,
    readonly serverName: string,
  ) {
    this.senderUserId = `@${registration.senderLocalpart}:${serverName}`;
    this.asTokenHash = createHash('sha256').update(registration.asToken, 'utf8').digest('base64url');
  }

  get id(): string {
    return this.registration.id;
  }

  /** Constant-time comparison of a presented token's hash with the as_token's. */
  hasTokenHash(hash: string): boolean {
    const a = Buffer.from(hash);
    const b = Buffer.from(this.asTokenHash);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  /** A local user this appservice may act as: its sender or one in its users namespaces. */
  ownsUser(userId: string): boolean {
    if (userId === this.senderUserId) return true;
    return serverNameOf(userId) === this.serverName && this.registration.users.matches(userId);
  }

  /** A local user whose events concern this appservice (spec: only local users count). */
  isInterestedInUser(userId: string): boolean {
    return this.ownsUser(userId);
  }

  isInterestedInAlias(alias: string): boolean {
    return this.registration.aliases.matches(alias);
  }

  isInterestedInRoom(roomId: string): boolean {
    return this.registration.rooms.matches(roomId);
  }

  /** The user id is reserved for this appservice alone. */
  claimsUserExclusively(userId: string): boolean {
    return userId === this.senderUserId || this.registration.users.matchesExclusively(userId);
  }

  claimsAliasExclusively(alias: string): boolean {
    return this.registration.aliases.matchesExclusively(alias);
  }
}
