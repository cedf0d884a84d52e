import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { formatSigningKeyFile, generateSigningKey, parseSigningKeyFile, type SigningKey } from '@lattice/core';
import type { Logger } from 'pino';

/**
 * Loads the server's signing key (Synapse's file format, so an operator can bring
 * the key of an existing server), creating one on first start. The first key in
 * the file is the one we sign with.
 */
export async function loadOrCreateSigningKey(keyPath: string, log: Pick<Logger, 'info'>): Promise<SigningKey> {
  if (!existsSync(keyPath)) {
    const key = generateSigningKey();
    await mkdir(path.dirname(keyPath), { recursive: true });
    await writeFile(keyPath, formatSigningKeyFile([key]), { mode: 0o600 });
    log.info({ keyPath, keyId: key.keyId }, 'generated a new signing key');
    return key;
  }
  return loadSigningKey(keyPath);
}

/**
 * Loads the signing key and never creates one: the worker split's processes
 * must all sign with the one key the operator generated (generate-config).
 */
export async function loadSigningKey(keyPath: string): Promise<SigningKey> {
  if (!existsSync(keyPath)) throw new Error(`Signing key file ${keyPath} does not exist (create it with generate-config)`);
  const keys = parseSigningKeyFile(await readFile(keyPath, 'utf8'));
  const key = keys[0];
  if (!key) throw new Error(`Signing key file ${keyPath} holds no key`);
  return key;
}
