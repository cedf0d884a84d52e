/**
 * Remote servers' keys in PostgreSQL (migration 0015): what a fetch found,
 * with the response it came from so this server can act as a notary for it.
 */
import type { Queryable } from '@lattice/storage';
import type { CheckedKeyResponse } from './key-response.js';

export interface StoredKey {
  keyId: string;
  publicKey: string;
  validUntilTs: number;
  expiredTs: number | undefined;
  fetchedTs: number;
  fromServer: string;
  responseJson: string;
}

interface Row {
  key_id: string;
  public_key: string;
  valid_until_ts: number;
  expired_ts: number | null;
  fetched_ts: number;
  from_server: string;
  response_json: string;
}

export async function loadServerKeys(db: Queryable, serverName: string): Promise<StoredKey[]> {
  const { rows } = await db.query<Row>(
    `SELECT key_id, public_key, valid_until_ts, expired_ts, fetched_ts, from_server, response_json
     FROM federation_server_keys WHERE server_name = $1`,
    [serverName],
  );
  return rows.map((r) => ({
    keyId: r.key_id,
    publicKey: r.public_key,
    validUntilTs: r.valid_until_ts,
    expiredTs: r.expired_ts ?? undefined,
    fetchedTs: r.fetched_ts,
    fromServer: r.from_server,
    responseJson: r.response_json,
  }));
}

/**
 * Records every key of a checked response. A row is replaced only by news: a
 * later validity, or the key's retirement (old_verify_keys), so a notary's stale
 * copy cannot shorten what the server itself told us.
 */
export async function storeServerKeys(
  db: Queryable,
  response: CheckedKeyResponse,
  fromServer: string,
  fetchedTs: number,
): Promise<void> {
  if (response.keys.length === 0) return;
  const json = JSON.stringify(response.selfSigned);
  const params: unknown[] = [];
  const values = response.keys.map((k) => {
    params.push(response.serverName, k.keyId, k.publicKey, k.validUntilTs, k.expiredTs ?? null, fetchedTs, fromServer, json);
    const n = params.length - 8;
    return `($${n + 1}, $${n + 2}, $${n + 3}, $${n + 4}::bigint, $${n + 5}::bigint, $${n + 6}::bigint, $${n + 7}, $${n + 8})`;
  });
  await db.query(
    `INSERT INTO federation_server_keys
       (server_name, key_id, public_key, valid_until_ts, expired_ts, fetched_ts, from_server, response_json)
     VALUES ${values.join(', ')}
     ON CONFLICT (server_name, key_id) DO UPDATE SET
       public_key = EXCLUDED.public_key, valid_until_ts = EXCLUDED.valid_until_ts, expired_ts = EXCLUDED.expired_ts,
       fetched_ts = EXCLUDED.fetched_ts, from_server = EXCLUDED.from_server, response_json = EXCLUDED.response_json
     WHERE EXCLUDED.valid_until_ts > federation_server_keys.valid_until_ts
        OR (EXCLUDED.expired_ts IS NOT NULL AND federation_server_keys.expired_ts IS NULL)`,
    params,
  );
}
