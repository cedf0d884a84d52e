/**
 * This server's published keys, GET /_matrix/key/v2/server (keys_server.yaml):
 * the current signing key in verify_keys, retired keys (config old_signing_keys)
 * in old_verify_keys, valid_until_ts = now + key_refresh_interval, signed with
 * the current key. Signing is cheap but the answer is the same for a while, so
 * it is rebuilt only once half its lifetime has passed (as notaries cache it).
 */
import { signJson, type SigningKey } from '@lattice/core';

export interface ServerKeysJson extends Record<string, unknown> {
  server_name: string;
  verify_keys: Record<string, { key: string }>;
  old_verify_keys: Record<string, { key: string; expired_ts: number }>;
  valid_until_ts: number;
  signatures: Record<string, Record<string, string>>;
}

export interface OwnKeysOptions {
  serverName: string;
  signingKey: SigningKey;
  oldKeys: Record<string, { key: string; expired_ts: number }>;
  refreshIntervalMs: number;
  now?: () => number;
}

export class OwnServerKeys {
  private cached: ServerKeysJson | undefined;
  private cachedAt = 0;
  private readonly now: () => number;

  constructor(private readonly options: OwnKeysOptions) {
    this.now = options.now ?? Date.now;
  }

  get serverName(): string {
    return this.options.serverName;
  }

  /** The signed response, valid for at least half the refresh interval from now. */
  response(): ServerKeysJson {
    const now = this.now();
    if (this.cached === undefined || now - this.cachedAt >= this.options.refreshIntervalMs / 2) {
      this.cached = this.build(now);
      this.cachedAt = now;
    }
    return this.cached;
  }

  /** Our own public key for `keyId` valid at `atTs` (current key always; old keys until their expired_ts). */
  publicKey(keyId: string, atTs: number): string | undefined {
    const { signingKey, oldKeys } = this.options;
    if (keyId === signingKey.keyId) return signingKey.publicKeyBase64;
    const old = oldKeys[keyId];
    return old !== undefined && atTs <= old.expired_ts ? old.key : undefined;
  }

  private build(now: number): ServerKeysJson {
    const { serverName, signingKey, oldKeys, refreshIntervalMs } = this.options;
    const unsigned = {
      server_name: serverName,
      verify_keys: { [signingKey.keyId]: { key: signingKey.publicKeyBase64 } },
      old_verify_keys: Object.fromEntries(
        Object.entries(oldKeys)
          .filter(([keyId]) => keyId !== signingKey.keyId)
          .map(([keyId, k]) => [keyId, { key: k.key, expired_ts: k.expired_ts }]),
      ),
      valid_until_ts: now + refreshIntervalMs,
    };
    return signJson(unsigned, serverName, signingKey) as ServerKeysJson;
  }
}
