/**
 * The KeyRing: remote servers' verify keys from memory, then PostgreSQL (another
 * worker may have fetched them), then the server itself, then the configured
 * notaries (trusted_key_servers). Concurrent lookups for one server share one
 * fetch; a key that a fetch did not produce is not asked for again for a while,
 * and a server's keys are fetched at most once per minFetchIntervalMs for
 * missing keys, so a flood of requests claiming some origin with made-up key
 * ids cannot make us flood that server (or its notaries) in turn.
 */
import { verifyJsonSignature, type Logger, type TrustedKeyServer } from '@lattice/core';
import type { Database } from '@lattice/storage';
import type { FederationClient, KeyRing } from '../api.js';
import { checkKeyResponse, KeyResponseError, type CheckedKeyResponse } from './key-response.js';
import { loadServerKeys, storeServerKeys, type StoredKey } from './key-store.js';
import { usableKeys } from './key-validity.js';
import type { OwnServerKeys } from './own-keys.js';

export interface RemoteKeyRingOptions {
  db: Database;
  own: OwnServerKeys;
  client: FederationClient;
  trustedKeyServers: readonly TrustedKeyServer[];
  logger?: Logger;
  now?: () => number;
  /** How long a key id that a fetch did not produce is not fetched again. Default 60 s. */
  missRetryMs?: number;
  /** The least time between two fetches of one server's keys for missing keys. Default 10 s. */
  minFetchIntervalMs?: number;
}

const MAX_CACHED_SERVERS = 10_000;
/** Stands for "all keys" in the miss records of notary queries that named none. */
const ANY_KEY = '*';
const FETCH_TIMEOUT_MS = 20_000;

export class RemoteKeyRing implements KeyRing {
  private readonly cache = new Map<string, StoredKey[]>();
  private readonly inFlight = new Map<string, Promise<void>>();
  /** server → key id → when a fetch last failed to produce it. */
  private readonly misses = new Map<string, Map<string, number>>();
  private readonly now: () => number;
  private readonly missRetryMs: number;
  private readonly minFetchIntervalMs: number;
  /** server → when its keys were last fetched for missing keys. */
  private readonly lastFetch = new Map<string, number>();

  constructor(private readonly options: RemoteKeyRingOptions) {
    this.now = options.now ?? Date.now;
    this.missRetryMs = options.missRetryMs ?? 60_000;
    this.minFetchIntervalMs = options.minFetchIntervalMs ?? 10_000;
  }

  async verifyKeys(serverName: string, requestedKeyIds: readonly string[], validAtTs: number): Promise<Map<string, string>> {
    const { own } = this.options;
    const keyIds = [...new Set(requestedKeyIds)];
    if (serverName === own.serverName) {
      const found = new Map<string, string>();
      for (const keyId of keyIds) {
        const key = own.publicKey(keyId, validAtTs);
        if (key !== undefined) found.set(keyId, key);
      }
      return found;
    }
    let found = usableKeys(await this.cached(serverName), keyIds, validAtTs);
    if (found.size === keyIds.length) return found;
    // Keys just looked for in vain are answered from memory, without the database or the network.
    if (keyIds.every((id) => found.has(id) || this.recentlyMissed(serverName, id))) return found;
    // Another worker may have fetched them: the database before the network.
    found = usableKeys(await this.reload(serverName), keyIds, validAtTs);
    const wanted = keyIds.filter((id) => !found.has(id) && !this.recentlyMissed(serverName, id));
    if (wanted.length === 0) return found;
    const last = this.lastFetch.get(serverName);
    if (last !== undefined && this.now() - last < this.minFetchIntervalMs && !this.inFlight.has(serverName)) return found;
    await this.refresh(serverName, wanted, validAtTs);
    found = usableKeys(this.cache.get(serverName) ?? [], keyIds, validAtTs);
    const stillMissing = wanted.filter((id) => !found.has(id));
    if (stillMissing.length > 0) this.recordMisses(serverName, stillMissing);
    return found;
  }

  /**
   * The stored key responses of `serverName` for a notary answer, fetched again
   * directly when none is fresh enough: valid until `minimumValidUntilTs` and
   * within the first half of its lifetime (keys_server.yaml's advice to notaries).
   * When the server cannot be reached, the last responses are served as they are.
   * A query that a fetch could not satisfy does not cause another fetch for a
   * while: anyone may ask, and each fetch is a request to a third party.
   */
  async responsesForNotary(serverName: string, keyIds: readonly string[], minimumValidUntilTs: number): Promise<Record<string, unknown>[]> {
    const now = this.now();
    const relevant = (keys: StoredKey[]) => keys.filter((k) => keyIds.length === 0 || keyIds.includes(k.keyId));
    const fresh = (k: StoredKey) =>
      k.expiredTs !== undefined || (k.validUntilTs >= minimumValidUntilTs && now < k.fetchedTs + (k.validUntilTs - k.fetchedTs) / 2);
    const satisfied = (keys: StoredKey[]) => keys.length > 0 && keys.some(fresh);
    const asked = keyIds.length > 0 ? keyIds : [ANY_KEY];
    let keys = relevant(await this.reload(serverName));
    if (!satisfied(keys) && !asked.every((id) => this.recentlyMissed(serverName, id))) {
      await this.coalesced(serverName, () => this.fetchDirect(serverName).then(() => undefined));
      keys = relevant(this.cache.get(serverName) ?? []);
      if (!satisfied(keys)) this.recordMisses(serverName, asked);
    }
    const distinct = new Set(keys.map((k) => k.responseJson));
    return [...distinct].map((json) => JSON.parse(json) as Record<string, unknown>);
  }

  private async cached(serverName: string): Promise<StoredKey[]> {
    return this.cache.get(serverName) ?? this.reload(serverName);
  }

  private async reload(serverName: string): Promise<StoredKey[]> {
    const keys = await loadServerKeys(this.options.db, serverName);
    this.remember(serverName, keys);
    return keys;
  }

  private remember(serverName: string, keys: StoredKey[]): void {
    this.cache.delete(serverName);
    if (this.cache.size >= MAX_CACHED_SERVERS) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(serverName, keys);
  }

  private recentlyMissed(serverName: string, keyId: string): boolean {
    const at = this.misses.get(serverName)?.get(keyId);
    return at !== undefined && this.now() - at < this.missRetryMs;
  }

  private recordMisses(serverName: string, keyIds: readonly string[]): void {
    let forServer = this.misses.get(serverName);
    if (forServer === undefined) {
      if (this.misses.size >= MAX_CACHED_SERVERS) this.misses.delete(this.misses.keys().next().value as string);
      forServer = new Map();
      this.misses.set(serverName, forServer);
    }
    for (const id of keyIds) forServer.set(id, this.now());
  }

  /** One fetch per server at a time; later callers wait for the running one. */
  private coalesced(serverName: string, work: () => Promise<void>): Promise<void> {
    let running = this.inFlight.get(serverName);
    if (running === undefined) {
      running = work().finally(() => this.inFlight.delete(serverName));
      this.inFlight.set(serverName, running);
    }
    return running;
  }

  private refresh(serverName: string, keyIds: readonly string[], validAtTs: number): Promise<void> {
    return this.coalesced(serverName, async () => {
      this.lastFetch.delete(serverName);
      if (this.lastFetch.size >= MAX_CACHED_SERVERS) this.lastFetch.delete(this.lastFetch.keys().next().value as string);
      this.lastFetch.set(serverName, this.now());
      await this.fetchDirect(serverName);
      const have = () => usableKeys(this.cache.get(serverName) ?? [], keyIds, validAtTs);
      for (const notary of this.options.trustedKeyServers) {
        if (have().size === keyIds.length) return;
        if (notary.server_name === serverName || notary.server_name === this.options.own.serverName) continue;
        await this.fetchFromNotary(notary, serverName, keyIds, validAtTs);
      }
    });
  }

  /** GET /_matrix/key/v2/server from the server itself; false when it could not be had. */
  private async fetchDirect(serverName: string): Promise<boolean> {
    try {
      const json = await this.options.client.request({
        method: 'GET',
        destination: serverName,
        path: '/_matrix/key/v2/server',
        timeoutMs: FETCH_TIMEOUT_MS,
      });
      await this.store(checkKeyResponse(json, serverName), serverName);
      return true;
    } catch (err) {
      this.options.logger?.info({ server: serverName, err: errorText(err) }, 'direct key fetch failed');
      return false;
    }
  }

  private async fetchFromNotary(notary: TrustedKeyServer, serverName: string, keyIds: readonly string[], validAtTs: number): Promise<void> {
    const criteria = Object.fromEntries(keyIds.map((id) => [id, { minimum_valid_until_ts: validAtTs }]));
    try {
      const json = await this.options.client.request<{ server_keys?: unknown }>({
        method: 'POST',
        destination: notary.server_name,
        path: '/_matrix/key/v2/query',
        body: { server_keys: { [serverName]: criteria } },
        timeoutMs: FETCH_TIMEOUT_MS,
      });
      if (!Array.isArray(json.server_keys)) throw new KeyResponseError('server_keys must be an array');
      for (const entry of json.server_keys) {
        if (typeof entry !== 'object' || entry === null || (entry as { server_name?: unknown }).server_name !== serverName) continue;
        const checked = checkKeyResponse(entry, serverName);
        await this.checkNotarySignature(notary, entry as Record<string, unknown>);
        await this.store(checked, notary.server_name);
      }
    } catch (err) {
      this.options.logger?.info({ server: serverName, notary: notary.server_name, err: errorText(err) }, 'notary key fetch failed');
    }
  }

  /**
   * The notary must have countersigned the response: with a key from the config
   * when the operator pinned some, else with its own keys fetched directly from it.
   */
  private async checkNotarySignature(notary: TrustedKeyServer, entry: Record<string, unknown>): Promise<void> {
    const signatures = (entry.signatures as Record<string, Record<string, unknown>> | undefined)?.[notary.server_name] ?? {};
    const keyIds = Object.keys(signatures).filter((id) => id.startsWith('ed25519:'));
    let keys: Map<string, string>;
    if (notary.verify_keys !== undefined) {
      keys = new Map(Object.entries(notary.verify_keys).filter(([id]) => keyIds.includes(id)));
    } else {
      let stored = usableKeys(await this.cached(notary.server_name), keyIds, this.now());
      if (stored.size === 0 && (await this.fetchDirect(notary.server_name))) {
        stored = usableKeys(this.cache.get(notary.server_name) ?? [], keyIds, this.now());
      }
      keys = stored;
    }
    for (const [keyId, key] of keys) {
      if (verifyJsonSignature(entry, notary.server_name, keyId, key, { strict: false })) return;
    }
    throw new KeyResponseError(`key response for ${String(entry.server_name)} is not signed by notary ${notary.server_name}`);
  }

  private async store(checked: CheckedKeyResponse, fromServer: string): Promise<void> {
    await storeServerKeys(this.options.db, checked, fromServer, this.now());
    await this.reload(checked.serverName);
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

