/** Checks of uploaded cross-signing keys (cross_signing.yaml, CrossSigningKey). */
import { Errors } from '@lattice/core';
import type { CrossSigningKeyType } from '../stores/cross-signing.js';
import { isObject, type JsonObject } from './key-validation.js';

export interface ValidCrossSigningKey {
  type: CrossSigningKeyType;
  json: JsonObject;
  publicKey: string;
}

/** user_id must be the requester's, usage must name the key's type, keys must hold exactly one ed25519 key. */
export function validateCrossSigningKey(value: unknown, field: string, type: CrossSigningKeyType, userId: string): ValidCrossSigningKey {
  if (!isObject(value)) throw Errors.badJson(`'${field}' must be an object`);
  if (value.user_id !== userId) throw Errors.invalidParam(`'${field}.user_id' must be the requester's user ID`);
  const usage = value.usage;
  if (!Array.isArray(usage) || !usage.every((u) => typeof u === 'string')) throw Errors.badJson(`'${field}.usage' must be an array of strings`);
  if (!usage.includes(type)) throw Errors.invalidParam(`'${field}.usage' must include "${type}"`);
  const keys = value.keys;
  if (!isObject(keys)) throw Errors.badJson(`'${field}.keys' must be an object`);
  const entries = Object.entries(keys);
  if (entries.length !== 1) throw Errors.invalidParam(`'${field}.keys' must hold exactly one key`);
  const [keyId, publicKey] = entries[0]!;
  if (typeof publicKey !== 'string' || keyId !== `ed25519:${publicKey}`) {
    throw Errors.invalidParam(`'${field}.keys' must be {"ed25519:<public key>": "<public key>"}`);
  }
  if (value.signatures !== undefined && !isObject(value.signatures)) throw Errors.badJson(`'${field}.signatures' must be an object`);
  return { type, json: value, publicKey };
}
