/**
 * Validation of uploaded keys (end_to_end_encryption.md, keys.yaml): device
 * keys must name the requester and its device and carry a valid self-signature;
 * signed one-time and fallback keys must be signed by that device's ed25519
 * key. Everything is checked before anything is written.
 */
import { Errors, canonicalJson, verifyJsonSignature } from '@lattice/core';

export type JsonObject = Record<string, unknown>;

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export interface ValidDeviceKeys {
  json: JsonObject;
  /** The device's ed25519 public key (unpadded base64). */
  ed25519: string;
}

/** A one-time or fallback key, by algorithm and key id. */
export interface UploadedKey {
  algorithm: string;
  keyId: string;
  /** Canonical JSON of the key (a string for unsigned keys, an object for signed ones). */
  json: string;
}

function requireStringMap(value: unknown, field: string): Record<string, string> {
  if (!isObject(value) || !Object.values(value).every((v) => typeof v === 'string')) {
    throw Errors.badJson(`'${field}' must be an object of strings`);
  }
  return value as Record<string, string>;
}

export function validateDeviceKeys(value: unknown, userId: string, deviceId: string): ValidDeviceKeys {
  if (!isObject(value)) throw Errors.badJson("'device_keys' must be an object");
  if (value.user_id !== userId) throw Errors.invalidParam("'device_keys.user_id' does not match the requester");
  if (value.device_id !== deviceId) throw Errors.invalidParam("'device_keys.device_id' does not match the requester's device");
  const algorithms = value.algorithms;
  if (!Array.isArray(algorithms) || !algorithms.every((a) => typeof a === 'string')) {
    throw Errors.badJson("'device_keys.algorithms' must be an array of strings");
  }
  const keys = requireStringMap(value.keys, 'device_keys.keys');
  const ed25519 = keys[`ed25519:${deviceId}`];
  if (ed25519 === undefined) throw Errors.invalidParam(`'device_keys.keys' lacks ed25519:${deviceId}`);
  if (!isObject(value.signatures)) throw Errors.badJson("'device_keys.signatures' must be an object");
  if (!verifyJsonSignature(value, userId, `ed25519:${deviceId}`, ed25519)) {
    throw Errors.invalidParam('The device keys are not signed by the device');
  }
  return { json: value, ed25519 };
}

/**
 * one_time_keys / fallback_keys: `<algorithm>:<key id>` → key. Signed keys
 * (objects) must verify with the device key when it is known.
 */
export function validateKeyMap(
  value: unknown,
  field: string,
  signer: { userId: string; deviceId: string; ed25519: string | undefined },
): UploadedKey[] {
  if (!isObject(value)) throw Errors.badJson(`'${field}' must be an object`);
  const keys: UploadedKey[] = [];
  for (const [id, key] of Object.entries(value)) {
    const colon = id.indexOf(':');
    if (colon <= 0 || colon === id.length - 1) throw Errors.badJson(`'${field}' key id ${JSON.stringify(id)} is not <algorithm>:<key id>`);
    if (typeof key !== 'string') {
      if (!isObject(key) || typeof key.key !== 'string') throw Errors.badJson(`'${field}.${id}' must be a key string or a signed key object`);
      if (
        signer.ed25519 !== undefined &&
        !verifyJsonSignature(key, signer.userId, `ed25519:${signer.deviceId}`, signer.ed25519)
      ) {
        throw Errors.invalidParam(`'${field}.${id}' is not signed by the device`);
      }
    }
    keys.push({ algorithm: id.slice(0, colon), keyId: id.slice(colon + 1), json: canonicalJson(key) });
  }
  return keys;
}
