/**
 * History this server never received: a room joined over federation starts
 * at the join here, and what came before is held by the other servers in it.
 * The federation package implements it (GET /backfill); without it /messages
 * ends where this server's history ends. Set as ClientApiContext.remoteBackfill.
 */
export interface RemoteBackfill {
  /**
   * Fetches up to `limit` events older than the room's earliest held ones from
   * the other servers in it and stores them; resolves with how many were stored
   * (0: nothing older exists, or no server answered). Never throws for a remote failure.
   */
  backfill(roomId: string, limit: number): Promise<number>;
}
