/**
 * registration.yaml → AppserviceRegistration, every problem reported at once
 * (prefixed with the file), in the spirit of homeserver.yaml's validation.
 * Keys are the spec's plus the unstable names bridges still write
 * (de.sorunome.msc2409.push_ephemeral, org.matrix.msc3202, org.matrix.msc4203).
 */
import { parseDocument } from 'yaml';
import type { AppserviceRegistration } from './appservice.js';
import { Namespace, compileNamespaceRegex, type NamespaceEntry } from './namespace.js';

export type ParsedRegistration = { registration: AppserviceRegistration; errors: [] } | { registration?: undefined; errors: string[] };

const NAMESPACE_KINDS = ['users', 'aliases', 'rooms'] as const;

export function parseRegistration(yamlText: string): ParsedRegistration {
  const doc = parseDocument(yamlText);
  if (doc.errors.length > 0) return { errors: doc.errors.map((e) => `yaml: ${e.message}`) };
  const root: unknown = doc.toJS();
  if (!isObject(root)) return { errors: ['(top level): must be a mapping of keys to values'] };

  const errors: string[] = [];
  const str = (key: string): string => {
    const v = root[key];
    if (typeof v === 'string' && v.length > 0) return v;
    errors.push(`${key}: required, a non-empty string`);
    return '';
  };
  const bool = (key: string, fallback: boolean): boolean => {
    const v = root[key];
    if (v === undefined || v === null) return fallback;
    if (typeof v === 'boolean') return v;
    errors.push(`${key}: must be true or false`);
    return fallback;
  };

  const id = str('id');
  const asToken = str('as_token');
  const hsToken = str('hs_token');
  const senderLocalpart = str('sender_localpart');
  if (senderLocalpart !== '' && !/^[a-z0-9._=\-/+]+$/.test(senderLocalpart)) {
    errors.push('sender_localpart: may only contain a-z, 0-9, . _ = - / +');
  }
  const url = parseUrl(root, errors);
  const namespaces = parseNamespaces(root.namespaces, errors);
  const protocols = root.protocols ?? [];
  if (!Array.isArray(protocols) || !protocols.every((p) => typeof p === 'string')) errors.push('protocols: must be a list of strings');

  const registration: AppserviceRegistration = {
    id,
    url,
    asToken,
    hsToken,
    senderLocalpart,
    ...namespaces,
    rateLimited: bool('rate_limited', true),
    protocols: Array.isArray(protocols) ? protocols.filter((p): p is string => typeof p === 'string') : [],
    receiveEphemeral: bool('receive_ephemeral', false) || bool('de.sorunome.msc2409.push_ephemeral', false),
    receiveToDevice: bool('org.matrix.msc4203', false) || bool('de.sorunome.msc2409.push_to_device', false),
    msc3202: bool('org.matrix.msc3202', false),
  };
  return errors.length > 0 ? { errors } : { registration, errors: [] };
}

function parseUrl(root: Record<string, unknown>, errors: string[]): string | null {
  if (!('url' in root)) {
    errors.push('url: required (null when the appservice receives no traffic)');
    return null;
  }
  const v = root.url;
  if (v === null) return null;
  if (typeof v !== 'string') {
    errors.push('url: must be an http(s) URL or null');
    return null;
  }
  try {
    const parsed = new URL(v);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('not http(s)');
  } catch {
    errors.push(`url: not an http(s) URL: ${v}`);
    return null;
  }
  // Paths are appended: a trailing slash would double up.
  return v.replace(/\/+$/, '');
}

function parseNamespaces(value: unknown, errors: string[]): Record<(typeof NAMESPACE_KINDS)[number], Namespace> {
  const out = { users: new Namespace([]), aliases: new Namespace([]), rooms: new Namespace([]) };
  if (!isObject(value)) {
    errors.push('namespaces: required, a mapping with users, aliases and rooms lists');
    return out;
  }
  for (const kind of NAMESPACE_KINDS) {
    const list = value[kind] ?? [];
    if (!Array.isArray(list)) {
      errors.push(`namespaces.${kind}: must be a list`);
      continue;
    }
    const entries: NamespaceEntry[] = [];
    list.forEach((item: unknown, i) => {
      const where = `namespaces.${kind}[${i}]`;
      if (!isObject(item) || typeof item.regex !== 'string') {
        errors.push(`${where}.regex: required, a string`);
        return;
      }
      if (typeof item.exclusive !== 'boolean') errors.push(`${where}.exclusive: required, true or false`);
      try {
        entries.push({ regex: compileNamespaceRegex(item.regex), exclusive: item.exclusive === true });
      } catch (err) {
        errors.push(`${where}.regex: not a valid regular expression (${(err as Error).message})`);
      }
    });
    out[kind] = new Namespace(entries);
  }
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
