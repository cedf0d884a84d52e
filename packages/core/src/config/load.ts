/**
 * Reading homeserver.yaml: YAML → environment overrides → schema walk
 * (defaults, normalisation, per-key errors) → rules that span several keys.
 * Every problem is gathered and thrown together as one ConfigError.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { ConfigError } from './config-error.js';
import { applyEnvOverrides, blameFrom } from './env-overrides.js';
import { ALWAYS_BLACKLISTED, HOMESERVER_SCHEMA } from './homeserver-schema.js';
import type { HomeserverConfig } from './types.js';
import { validate } from './validate.js';
import { workerTopologyRules } from './worker-schema.js';

export interface ParseConfigOptions {
  /** Directory relative paths resolve against; loadConfig passes the file's directory. */
  configDir?: string;
  env?: Record<string, string | undefined>;
  /** Named in the error message (loadConfig passes the file path). */
  source?: string;
}

/** Read, override from `env`, validate and complete a homeserver.yaml. Throws ConfigError listing every problem. */
export function loadConfig(path: string, env: Record<string, string | undefined> = process.env): HomeserverConfig {
  const file = resolve(path);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError([`cannot read ${file}: ${(err as Error).message}`], [], file);
  }
  return parseConfig(text, { configDir: dirname(file), env, source: file });
}

export function parseConfig(yamlText: string, opts: ParseConfigOptions = {}): HomeserverConfig {
  const configDir = resolve(opts.configDir ?? process.cwd());
  const env = opts.env ?? process.env;

  const doc = parseDocument(yamlText);
  const warnings = doc.warnings.map((w) => `yaml: ${w.message}`);
  const syntax = doc.errors.map((e) => `yaml: ${e.message}`);
  if (syntax.length > 0) throw new ConfigError(syntax, warnings, opts.source);

  let root: unknown;
  try {
    root = doc.toJS() ?? {};
  } catch (err) {
    throw new ConfigError([`yaml: ${(err as Error).message}`], warnings, opts.source);
  }
  if (typeof root !== 'object' || Array.isArray(root) || root === null) {
    throw new ConfigError(['(top level): must be a mapping of keys to values'], warnings, opts.source);
  }
  const raw = root as Record<string, unknown>;
  const overrides = applyEnvOverrides(raw, env, HOMESERVER_SCHEMA);
  warnings.push(...overrides.warnings);

  const result = validate(HOMESERVER_SCHEMA, raw, { configDir, root: raw, blame: blameFrom(overrides.sources) });
  warnings.push(...result.warnings);
  const config = result.value as Record<string, unknown>;
  const errors = [...result.errors, ...crossKeyRules(config), ...workerTopologyRules(config)];
  if (errors.length > 0) throw new ConfigError(errors, warnings, opts.source);
  warnings.push(...weakeningWarnings(config));

  return { ...complete(config), config_dir: configDir, warnings } as HomeserverConfig;
}

/** Defaults and shapes that depend on several keys. */
function complete(c: Record<string, unknown>): Record<string, unknown> {
  const out = { ...c };

  const pw = c.password_config as { enabled: boolean; minimum_length?: number; policy: { enabled: boolean; minimum_length: number }; scrypt_log2_n: number };
  out.password_config = {
    enabled: pw.enabled,
    minimum_length: pw.minimum_length ?? (pw.policy.enabled ? pw.policy.minimum_length : 0),
    scrypt_log2_n: pw.scrypt_log2_n,
  };

  const blacklist = c.ip_range_blacklist as string[];
  out.ip_range_blacklist = [...blacklist, ...ALWAYS_BLACKLISTED.filter((r) => !blacklist.includes(r))];

  out.well_known_client ??= { 'm.homeserver': { base_url: c.public_baseurl } };
  return out;
}

/** Settings that are valid but weaken the server: allowed (test servers use them), and said at every start. */
function weakeningWarnings(c: Record<string, unknown>): string[] {
  const { scrypt_log2_n } = c.password_config as { scrypt_log2_n: number };
  return scrypt_log2_n < 15 ? [`password_config.scrypt_log2_n: ${scrypt_log2_n} hashes new passwords below OWASP's minimum cost for scrypt (15)`] : [];
}

/** Rules spanning keys; each is checked only when the keys it reads passed their own checks. */
function crossKeyRules(c: Record<string, unknown>): string[] {
  const errors: string[] = [];
  const listeners = (c.listeners ?? []) as Array<{ port?: number; bind_addresses?: string[]; tls?: boolean }>;

  const bound = new Map<string, number>();
  listeners.forEach((l, i) => {
    if (l.tls && (!c.tls_certificate_path || !c.tls_private_key_path)) {
      errors.push(`listeners[${i}].tls: requires tls_certificate_path and tls_private_key_path`);
    }
    for (const addr of l.bind_addresses ?? []) {
      const key = `${addr} ${l.port}`;
      const other = bound.get(key);
      if (other !== undefined && other !== i) {
        errors.push(`listeners[${i}].port: ${addr}:${l.port} is already bound by listeners[${other}]`);
      } else bound.set(key, i);
    }
  });

  // Synapse refuses open registration with no verification step unless told that is intended.
  // A registration token is a verification step.
  if (c.enable_registration === true && c.enable_registration_without_verification !== true && c.registration_requires_token !== true) {
    errors.push(
      'enable_registration: open registration without verification lets anyone create accounts; ' +
        'set enable_registration_without_verification: true if that is intended',
    );
  }
  return errors;
}
