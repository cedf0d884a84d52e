/**
 * Password hashing with scrypt (node:crypto, run on libuv's thread pool so the
 * event loop stays free). Hashes are self-describing —
 * `$scrypt$ln=<log2 N>,r=<r>,p=<p>$<salt>$<key>` (unpadded base64url) — so the
 * cost (password_config.scrypt_log2_n) can change without invalidating stored hashes.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import type { HomeserverConfig } from '@lattice/core';

export interface ScryptParams {
  ln: number;
  r: number;
  p: number;
}

/**
 * The cost of new hashes: N = 2^password_config.scrypt_log2_n, r = 8, p = 1. The default, 15, is OWASP's
 * recommended minimum (32 MiB per hash); test servers go lower, as they register thousands of accounts.
 */
export function passwordHashParams(config: Pick<HomeserverConfig, 'password_config'>): ScryptParams {
  return { ln: config.password_config.scrypt_log2_n, r: 8, p: 1 };
}
const SALT_BYTES = 16;
const KEY_BYTES = 32;
const PREFIX = '$scrypt$';

function derive(password: string, salt: Buffer, params: ScryptParams, keyLength: number): Promise<Buffer> {
  const N = 2 ** params.ln;
  const options: ScryptOptions = { N, r: params.r, p: params.p, maxmem: 128 * N * params.r + 1024 * 1024 };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, keyLength, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

export async function hashPassword(password: string, params: ScryptParams): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, params, KEY_BYTES);
  return `${PREFIX}ln=${params.ln},r=${params.r},p=${params.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

interface ParsedHash {
  params: ScryptParams;
  salt: Buffer;
  key: Buffer;
}

const ENCODED = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,3}),p=(\d{1,3})\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/;

function parse(encoded: string): ParsedHash | undefined {
  const m = ENCODED.exec(encoded);
  if (!m) return undefined;
  const params = { ln: Number(m[1]), r: Number(m[2]), p: Number(m[3]) };
  // Refuse parameters that would let a corrupted row exhaust memory or CPU.
  if (params.ln < 1 || params.ln > 20 || params.r < 1 || params.p < 1 || params.p > 16) return undefined;
  return { params, salt: Buffer.from(m[4]!, 'base64url'), key: Buffer.from(m[5]!, 'base64url') };
}

/** A dummy hash per cost, made once. */
const dummyHashes = new Map<string, Promise<ParsedHash>>();

function dummyHash(params: ScryptParams): Promise<ParsedHash> {
  const key = `${params.ln},${params.r},${params.p}`;
  let dummy = dummyHashes.get(key);
  if (!dummy) {
    dummy = hashPassword('lattice-dummy-password', params).then((encoded) => parse(encoded)!);
    dummyHashes.set(key, dummy);
  }
  return dummy;
}

/**
 * Checks `password` against an encoded hash in constant time. With no hash (unknown
 * user, or an account without a password) it still spends one hash at the cost of
 * new hashes (`params`) on a dummy, so that response timing does not reveal whether
 * the account exists.
 */
export async function verifyPassword(password: string, encoded: string | null | undefined, params: ScryptParams): Promise<boolean> {
  const parsed = encoded ? parse(encoded) : undefined;
  if (!parsed) {
    const dummy = await dummyHash(params);
    await derive(password, dummy.salt, dummy.params, dummy.key.length);
    return false;
  }
  const key = await derive(password, parsed.salt, parsed.params, parsed.key.length);
  return timingSafeEqual(key, parsed.key);
}

/** Whether a stored hash was made at another cost than new hashes get (`params`), e.g. before the operator changed it. */
export function madeWithOtherParams(encoded: string, params: ScryptParams): boolean {
  const parsed = parse(encoded);
  return parsed !== undefined && (parsed.params.ln !== params.ln || parsed.params.r !== params.r || parsed.params.p !== params.p);
}
