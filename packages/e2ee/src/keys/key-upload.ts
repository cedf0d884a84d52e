/**
 * The keys of a /keys/upload body (also part of a dehydrated device's upload):
 * validated as a whole first, then written in the caller's transaction.
 */
import type { Queryable } from '@lattice/storage';
import { Errors } from '@lattice/core';
import { addOneTimeKeys, getDeviceKeys, putDeviceKeys, setFallbackKeys } from '../stores/device-keys.js';
import { validateDeviceKeys, validateKeyMap, type UploadedKey, type ValidDeviceKeys } from './key-validation.js';

export interface KeyUpload {
  userId: string;
  deviceId: string;
  deviceKeys: ValidDeviceKeys | undefined;
  oneTimeKeys: UploadedKey[];
  fallbackKeys: UploadedKey[];
}

/** The one fallback key per algorithm a device may have. */
function oneFallbackPerAlgorithm(keys: UploadedKey[]): UploadedKey[] {
  const seen = new Set<string>();
  for (const k of keys) {
    if (seen.has(k.algorithm)) throw Errors.invalidParam(`More than one fallback key for ${k.algorithm}`);
    seen.add(k.algorithm);
  }
  return keys;
}

/** Validates the body's keys for the device; `fresh`: the device is new, no keys are stored for it. */
export async function parseKeyUpload(
  db: Queryable,
  userId: string,
  deviceId: string,
  body: Record<string, unknown>,
  fresh = false,
): Promise<KeyUpload> {
  const deviceKeys = body.device_keys == null ? undefined : validateDeviceKeys(body.device_keys, userId, deviceId);
  const stored = deviceKeys || fresh ? undefined : await getDeviceKeys(db, userId, deviceId);
  const ed25519 = deviceKeys?.ed25519 ?? (stored?.keys as Record<string, string> | undefined)?.[`ed25519:${deviceId}`];
  const signer = { userId, deviceId, ed25519 };
  const oneTimeKeys = body.one_time_keys == null ? [] : validateKeyMap(body.one_time_keys, 'one_time_keys', signer);
  // MSC2732's unstable name, still sent by some clients.
  const fallbackField = body.fallback_keys ?? body['org.matrix.msc2732.fallback_keys'];
  const fallbackKeys = fallbackField == null ? [] : oneFallbackPerAlgorithm(validateKeyMap(fallbackField, 'fallback_keys', signer));
  return { userId, deviceId, deviceKeys, oneTimeKeys, fallbackKeys };
}

/** Writes the keys; true when the device keys changed (a device list change to announce). */
export async function writeKeyUpload(tx: Queryable, upload: KeyUpload): Promise<boolean> {
  const { userId, deviceId } = upload;
  const changed = upload.deviceKeys ? await putDeviceKeys(tx, userId, deviceId, upload.deviceKeys.json) : false;
  await addOneTimeKeys(tx, userId, deviceId, upload.oneTimeKeys);
  await setFallbackKeys(tx, userId, deviceId, upload.fallbackKeys);
  return changed;
}
