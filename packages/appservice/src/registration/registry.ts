/**
 * The appservices of this server, loaded once per process from the files that
 * app_service_config_files lists (Synapse's key) and validated at start-up: a
 * bad file, or two registrations sharing an id or an as_token (the spec says
 * the server MUST refuse that), stops the server with every problem listed.
 */
import { readFileSync } from 'node:fs';
import { ConfigError, type HomeserverConfig } from '@lattice/core';
import { Appservice } from './appservice.js';
import { parseRegistration } from './parse-registration.js';

export class AppserviceRegistry {
  private readonly byIdMap = new Map<string, Appservice>();
  private readonly byTokenHash = new Map<string, Appservice>();

  constructor(readonly all: readonly Appservice[]) {
    for (const as of all) {
      this.byIdMap.set(as.id, as);
      this.byTokenHash.set(as.asTokenHash, as);
    }
  }

  byId(id: string): Appservice | undefined {
    return this.byIdMap.get(id);
  }

  /** The appservice whose as_token hashes to `hash` (client-api hashes every presented token anyway). */
  byAsTokenHash(hash: string): Appservice | undefined {
    const as = this.byTokenHash.get(hash);
    return as && as.hasTokenHash(hash) ? as : undefined;
  }

  /** The appservice that reserves this user id, if any. */
  exclusiveUserOwner(userId: string): Appservice | undefined {
    return this.all.find((as) => as.claimsUserExclusively(userId));
  }

  exclusiveAliasOwner(alias: string): Appservice | undefined {
    return this.all.find((as) => as.claimsAliasExclusively(alias));
  }

  /** Appservices declaring a third-party protocol. */
  forProtocol(protocol: string): Appservice[] {
    return this.all.filter((as) => as.registration.protocols.includes(protocol) && as.registration.url !== null);
  }
}

/** Reads and validates every registration file; throws one ConfigError listing all problems. */
export function loadRegistry(config: HomeserverConfig): AppserviceRegistry {
  const errors: string[] = [];
  const appservices: Appservice[] = [];
  const ids = new Map<string, string>();
  const tokens = new Map<string, string>();
  for (const file of config.app_service_config_files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      errors.push(`app_service_config_files: cannot read ${file}: ${(err as Error).message}`);
      continue;
    }
    const parsed = parseRegistration(text);
    if (parsed.registration === undefined) {
      errors.push(...parsed.errors.map((e) => `${file}: ${e}`));
      continue;
    }
    const reg = parsed.registration;
    const sameId = ids.get(reg.id);
    if (sameId !== undefined) errors.push(`${file}: id: "${reg.id}" is already the id of the appservice in ${sameId}`);
    const sameToken = tokens.get(reg.asToken);
    if (sameToken !== undefined) errors.push(`${file}: as_token: already the as_token of the appservice in ${sameToken}`);
    ids.set(reg.id, file);
    tokens.set(reg.asToken, file);
    appservices.push(new Appservice(reg, config.server_name));
  }
  if (errors.length > 0) throw new ConfigError(errors, [], 'the application service registrations');
  return new AppserviceRegistry(appservices);
}

const registries = new WeakMap<HomeserverConfig, AppserviceRegistry>();

/** The process's registry for this config: loaded (and validated) on first use, then shared. */
export function appservicesOf(config: HomeserverConfig): AppserviceRegistry {
  let registry = registries.get(config);
  if (registry === undefined) {
    registry = loadRegistry(config);
    registries.set(config, registry);
  }
  return registry;
}
