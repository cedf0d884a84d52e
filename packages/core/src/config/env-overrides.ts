/**
 * Environment overrides for homeserver.yaml, applied to the parsed document
 * before validation (so they get the same checks and defaults as the file).
 *
 * Scheme: every key can be set by `LATTICE_<KEY>`, the key upper-cased; nested
 * keys are joined with a double underscore and list items are addressed by index:
 *
 *   LATTICE_SERVER_NAME=example.org                 server_name
 *   LATTICE_DATABASE__NAME=postgres                 database.name
 *   LATTICE_DATABASE__ARGS__HOST=db.internal        database.args.host
 *   LATTICE_RC_MESSAGE__PER_SECOND=0.5              rc_message.per_second
 *   LATTICE_LISTENERS__0__PORT=8448                 listeners[0].port
 *   LATTICE_LISTENERS='[{port: 8448, resources: [{names: [federation]}]}]'
 *
 * Values are parsed as a YAML scalar or flow collection (numbers, true/false,
 * [lists], {maps}), except where the schema expects a string: those are taken
 * verbatim, so a password such as `#a: [b` survives. An empty value removes the
 * key (the default applies). Environment values win over the file. A variable
 * naming no known top-level key is ignored with a warning.
 */
import { parse as parseYaml } from 'yaml';
import { canonicalPath, schemaAt, type ObjectSchema } from './schema.js';
import { indexPath, keyPath } from './validate.js';

export const ENV_PREFIX = 'LATTICE_';
const SEPARATOR = '__';

export interface EnvOverrideResult {
  /** Config path (as in error messages) → the variable that set it. */
  sources: Map<string, string>;
  warnings: string[];
}

type Container = Record<string, unknown> | unknown[];

export function applyEnvOverrides(
  doc: Record<string, unknown>,
  env: Record<string, string | undefined>,
  schema: ObjectSchema,
): EnvOverrideResult {
  const sources = new Map<string, string>();
  const warnings: string[] = [];
  // Outer keys first, so LATTICE_DATABASE sets the mapping and LATTICE_DATABASE__NAME then refines it.
  const names = Object.keys(env)
    .filter((n) => n.startsWith(ENV_PREFIX) && env[n] !== undefined)
    .map((name) => ({
      name,
      segments: canonicalPath(schema, name.slice(ENV_PREFIX.length).toLowerCase().split(SEPARATOR)),
    }))
    .sort((a, b) => a.segments.length - b.segments.length || a.name.localeCompare(b.name));

  for (const { name, segments } of names) {
    if (segments.some((s) => s === '') || schemaAt(schema, segments.slice(0, 1)) === undefined) {
      warnings.push(`${name}: names no configuration key, ignored`);
      continue;
    }
    const raw = env[name]!;
    const target = schemaAt(schema, segments);
    const value = raw === '' ? null : target?.kind === 'string' ? raw : parseScalar(raw);
    setPath(doc, segments, value, schema);
    sources.set(pathOf(segments), name);
  }
  return { sources, warnings };
}

/** A function telling which variable set a path, or else the nearest of its ancestors. */
export function blameFrom(sources: Map<string, string>): (path: string) => string | undefined {
  return (path) => {
    let best: string | undefined;
    let bestLength = -1;
    for (const [p, name] of sources) {
      const covers = path === p || path.startsWith(`${p}.`) || path.startsWith(`${p}[`);
      if (covers && p.length > bestLength) [best, bestLength] = [name, p.length];
    }
    return best;
  };
}

function parseScalar(raw: string): unknown {
  try {
    return parseYaml(raw);
  } catch {
    return raw;
  }
}

const isIndex = (seg: string): boolean => /^\d+$/.test(seg);

function pathOf(segments: string[]): string {
  return segments.reduce((p, s) => (isIndex(s) ? indexPath(p, Number(s)) : keyPath(p, s)), '');
}

function setPath(doc: Record<string, unknown>, segments: string[], value: unknown, schema: ObjectSchema): void {
  let node: Container = doc;
  for (let i = 0; i < segments.length - 1; i++) {
    const key = segments[i]!;
    const wantArray = isIndex(segments[i + 1]!);
    let next = get(node, key);
    // Refining a key the file leaves out starts from its default: LATTICE_LISTENERS__0__PORT moves the default listener.
    if (next === undefined || next === null) next = structuredDefault(schema, segments.slice(0, i + 1));
    if (typeof next !== 'object' || next === null || Array.isArray(next) !== wantArray) next = wantArray ? [] : {};
    set(node, key, next);
    node = next as Container;
  }
  set(node, segments[segments.length - 1]!, value);
}

function structuredDefault(schema: ObjectSchema, segments: string[]): unknown {
  const d = schemaAt(schema, segments)?.default;
  return typeof d === 'object' && d !== null ? structuredClone(d) : undefined;
}

const get = (node: Container, key: string): unknown =>
  Array.isArray(node) ? node[Number(key)] : node[key];

function set(node: Container, key: string, value: unknown): void {
  if (Array.isArray(node)) node[Number(key)] = value;
  else node[key] = value;
}
