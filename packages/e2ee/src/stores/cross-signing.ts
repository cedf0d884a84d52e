/** Cross-signing keys and the signatures uploaded for keys (cross_signing.yaml). */
import { canonicalJson } from '@lattice/core';
import type { Queryable } from '@lattice/storage';
import type { JsonObject } from '../keys/key-validation.js';

export type CrossSigningKeyType = 'master' | 'self_signing' | 'user_signing';
export const CROSS_SIGNING_KEY_TYPES: readonly CrossSigningKeyType[] = ['master', 'self_signing', 'user_signing'];

export interface StoredCrossSigningKey {
  userId: string;
  type: CrossSigningKeyType;
  publicKey: string;
  json: JsonObject;
  /** canonical JSON as stored */
  canonical: string;
}

export async function crossSigningKeysOf(
  db: Queryable,
  userIds: readonly string[],
  types: readonly CrossSigningKeyType[] = CROSS_SIGNING_KEY_TYPES,
): Promise<StoredCrossSigningKey[]> {
  if (userIds.length === 0) return [];
  const { rows } = await db.query<{ user_id: string; key_type: CrossSigningKeyType; public_key: string; key_json: string }>(
    'SELECT user_id, key_type, public_key, key_json FROM e2e_cross_signing_keys WHERE user_id = ANY($1::text[]) AND key_type = ANY($2::text[])',
    [userIds, types],
  );
  return rows.map((r) => ({
    userId: r.user_id,
    type: r.key_type,
    publicKey: r.public_key,
    json: JSON.parse(r.key_json) as JsonObject,
    canonical: r.key_json,
  }));
}

/** The user's keys by type. */
export async function userCrossSigningKeys(db: Queryable, userId: string): Promise<Map<CrossSigningKeyType, StoredCrossSigningKey>> {
  return new Map((await crossSigningKeysOf(db, [userId])).map((k) => [k.type, k]));
}

export async function putCrossSigningKey(db: Queryable, userId: string, type: CrossSigningKeyType, publicKey: string, json: JsonObject): Promise<void> {
  await db.query(
    `INSERT INTO e2e_cross_signing_keys (user_id, key_type, public_key, key_json, ts) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (user_id, key_type) DO UPDATE SET public_key = EXCLUDED.public_key, key_json = EXCLUDED.key_json, ts = EXCLUDED.ts`,
    [userId, type, publicKey, canonicalJson(json), Date.now()],
  );
}

export interface StoredSignature {
  signerUserId: string;
  signerKeyId: string;
  targetUserId: string;
  /** A device id or a cross-signing public key. */
  targetKey: string;
  signature: string;
}

export async function addSignatures(db: Queryable, signatures: readonly StoredSignature[]): Promise<void> {
  if (signatures.length === 0) return;
  await db.query(
    `INSERT INTO e2e_cross_signing_signatures (signer_user_id, signer_key_id, target_user_id, target_key, signature)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])
     ON CONFLICT (target_user_id, target_key, signer_user_id, signer_key_id) DO UPDATE SET signature = EXCLUDED.signature`,
    [
      signatures.map((s) => s.signerUserId),
      signatures.map((s) => s.signerKeyId),
      signatures.map((s) => s.targetUserId),
      signatures.map((s) => s.targetKey),
      signatures.map((s) => s.signature),
    ],
  );
}

/** Every uploaded signature on keys of the given users. */
export async function signaturesOn(db: Queryable, targetUserIds: readonly string[]): Promise<StoredSignature[]> {
  if (targetUserIds.length === 0) return [];
  const { rows } = await db.query<{ signer_user_id: string; signer_key_id: string; target_user_id: string; target_key: string; signature: string }>(
    'SELECT signer_user_id, signer_key_id, target_user_id, target_key, signature FROM e2e_cross_signing_signatures WHERE target_user_id = ANY($1::text[])',
    [targetUserIds],
  );
  return rows.map((r) => ({
    signerUserId: r.signer_user_id,
    signerKeyId: r.signer_key_id,
    targetUserId: r.target_user_id,
    targetKey: r.target_key,
    signature: r.signature,
  }));
}

/** A copy of `obj` with the signatures added to those it carries. */
export function withSignatures(obj: JsonObject, signatures: readonly StoredSignature[]): JsonObject {
  if (signatures.length === 0) return obj;
  const merged: Record<string, Record<string, string>> = {};
  const existing = obj.signatures;
  if (existing && typeof existing === 'object') {
    for (const [name, sigs] of Object.entries(existing as Record<string, Record<string, string>>)) merged[name] = { ...sigs };
  }
  for (const s of signatures) (merged[s.signerUserId] ??= {})[s.signerKeyId] = s.signature;
  return { ...obj, signatures: merged };
}
