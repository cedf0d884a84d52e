/**
 * Identity assertion (Application Service API "Client-Server API
 * Extensions"): a request with an as_token acts as the appservice's sender,
 * or as `?user_id=` when that local user is in one of its users namespaces
 * and registered (403 M_FORBIDDEN otherwise), with `?device_id=` when the
 * device is that user's (400 M_UNKNOWN_DEVICE otherwise, spec v1.17).
 */
import { Errors, MatrixError } from '@lattice/core';
import { createUser, getDevice, userExists, type Requester } from '@lattice/client-api';
import { Lru } from '@lattice/rooms';
import type { Database } from '@lattice/storage';
import type { Request } from 'express';
import type { Appservice } from '../registration/appservice.js';

/** Users known to exist: masquerading requests skip the users table after the first. */
const KNOWN_USERS_CACHED = 10_000;

export class IdentityAssertion {
  private readonly knownUsers = new Lru<string, true>(KNOWN_USERS_CACHED);

  constructor(private readonly db: Database) {}

  async requesterOf(as: Appservice, req: Request): Promise<Requester> {
    const query = req.query as Record<string, unknown>;
    const userParam = query.user_id;
    const deviceParam = query.device_id;
    if (userParam !== undefined && typeof userParam !== 'string') throw Errors.invalidParam("'user_id' must be a string");
    if (deviceParam !== undefined && typeof deviceParam !== 'string') throw Errors.invalidParam("'device_id' must be a string");
    const userId = userParam ?? as.senderUserId;
    if (userId === as.senderUserId) await this.ensureSender(as);
    else {
      if (!as.ownsUser(userId)) throw Errors.forbidden(`Application service cannot masquerade as this user (${userId}).`);
      if (!(await this.exists(userId))) throw Errors.forbidden(`Application service has not registered this user (${userId}).`);
    }
    if (deviceParam !== undefined && (await getDevice(this.db, userId, deviceParam)) === undefined) {
      throw new MatrixError(400, 'M_UNKNOWN_DEVICE', `Device ${deviceParam} is not a device of ${userId}`);
    }
    // No device: operations that need one fail, as the spec says; event transaction ids are per appservice user.
    return { userId, deviceId: deviceParam ?? '', isGuest: false, accessTokenId: 0, appserviceId: as.id };
  }

  private async exists(userId: string): Promise<boolean> {
    if (this.knownUsers.get(userId)) return true;
    const found = await userExists(this.db, userId);
    if (found) this.knownUsers.set(userId, true);
    return found;
  }

  /** The sender user is created on its appservice's first request, so it can join rooms and have a profile. */
  private async ensureSender(as: Appservice): Promise<void> {
    if (this.knownUsers.get(as.senderUserId)) return;
    await this.db.transaction((tx) => createUser(tx, { userId: as.senderUserId, appserviceId: as.id, displayname: as.registration.senderLocalpart }));
    this.knownUsers.set(as.senderUserId, true);
  }
}
