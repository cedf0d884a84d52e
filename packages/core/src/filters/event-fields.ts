/**
 * `event_fields` projection (sync_filter.yaml): keep only the listed
 * dot-separated property paths of each event (appendices: "Dot-separated
 * property paths": `\.` is a literal dot, `\\` a literal backslash, any other
 * backslash sequence is kept as-is).
 *
 * The paths are compiled once into a tree; a path that names a whole value wins
 * over longer paths below it (`content` + `content.body` keeps all of `content`).
 * Values are shared with the source event, never mutated; intermediate objects
 * are created only when something below them exists. An absent or empty list
 * keeps every field ("a server may include more fields than were requested").
 */

export type EventProjection = <T extends object>(event: T) => Partial<T>;

/** Splits a dot-separated property path into its property names. */
export function parseFieldPath(path: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < path.length; i++) {
    const c = path[i]!;
    if (c === '\\' && (path[i + 1] === '.' || path[i + 1] === '\\')) {
      current += path[i + 1];
      i++;
    } else if (c === '.') {
      parts.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  parts.push(current);
  return parts;
}

/** A node of the compiled path tree: `true` takes the whole value. */
type FieldTree = Map<string, FieldTree | true>;

function buildTree(fields: readonly string[]): FieldTree {
  const root: FieldTree = new Map();
  for (const field of fields) {
    const names = parseFieldPath(field);
    let node = root;
    for (let i = 0; i < names.length; i++) {
      const name = names[i]!;
      const existing = node.get(name);
      if (existing === true) break; // an ancestor already takes everything
      if (i === names.length - 1) {
        node.set(name, true);
        break;
      }
      if (existing === undefined) {
        const child: FieldTree = new Map();
        node.set(name, child);
        node = child;
      } else {
        node = existing;
      }
    }
  }
  return root;
}

function project(source: Record<string, unknown>, tree: FieldTree): Record<string, unknown> | undefined {
  let out: Record<string, unknown> | undefined;
  for (const [name, sub] of tree) {
    if (!Object.hasOwn(source, name)) continue;
    const value = source[name];
    let picked: unknown;
    if (sub === true) picked = value;
    else if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      picked = project(value as Record<string, unknown>, sub);
      if (picked === undefined) continue;
    } else continue;
    out ??= {};
    // A `__proto__` key must stay data: plain assignment would set the prototype.
    if (name === '__proto__') {
      Object.defineProperty(out, name, { value: picked, enumerable: true, writable: true, configurable: true });
    } else out[name] = picked;
  }
  return out;
}

const IDENTITY: EventProjection = (event) => event;

/** Compiles `event_fields` once; apply the result to every event of a response. */
export function compileEventFields(fields: readonly string[] | undefined): EventProjection {
  if (fields === undefined || fields.length === 0) return IDENTITY;
  const tree = buildTree(fields);
  return <T extends object>(event: T) =>
    (project(event as Record<string, unknown>, tree) ?? {}) as Partial<T>;
}

/** One-off projection of an event to the given `event_fields`. */
export function projectEventFields<T extends object>(event: T, fields: readonly string[] | undefined): Partial<T> {
  return compileEventFields(fields)(event);
}
