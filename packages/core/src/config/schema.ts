/**
 * A small declarative schema language for homeserver.yaml. Each node says what
 * a value must look like, its default, and how to normalise it; one walker
 * (validate.ts) applies any schema and collects every problem at once.
 */
import type { StringFormat } from './formats.js';

/** What a default may depend on: the config file's directory and the raw document. */
export interface DefaultContext {
  configDir: string;
  root: Record<string, unknown>;
}

interface Base {
  /** Used when the key is absent or null (undefined: no default). */
  default?: unknown;
  /** A default computed from the rest of the config, used instead of `default`. */
  defaultFrom?: (ctx: DefaultContext) => unknown;
  required?: boolean;
  /** Another key accepted for the same setting (Synapse renamed several, e.g. ip_range_blocklist). */
  alias?: string;
}

export interface StringSchema extends Base {
  kind: 'string';
  oneOf?: readonly string[];
  format?: StringFormat;
  lowercase?: boolean;
}

export interface NumberSchema extends Base {
  kind: 'number';
  integer?: boolean;
  min?: number;
  max?: number;
}

export interface BooleanSchema extends Base {
  kind: 'boolean';
}

/** Bytes: a number, or a string such as "50M" (K, M, G, T are powers of 1024). */
export interface SizeSchema extends Base {
  kind: 'size';
}

/** Milliseconds: a number, or a string such as "5m" (s, m, h, d, w, y; plain digits are ms). */
export interface DurationSchema extends Base {
  kind: 'duration';
}

export interface ArraySchema extends Base {
  kind: 'array';
  items: Schema;
}

export interface ObjectSchema extends Base {
  kind: 'object';
  fields: Record<string, Schema>;
  /** Pass unknown keys through untouched instead of warning about them. */
  open?: boolean;
}

/** A mapping with arbitrary keys whose values share one schema. */
export interface RecordSchema extends Base {
  kind: 'record';
  values: Schema;
}

/** A mapping whose `tag` key selects which object schema applies (e.g. database.name). */
export interface VariantSchema extends Base {
  kind: 'variant';
  tag: string;
  variants: Record<string, ObjectSchema>;
  /** The variant used when the mapping has no `tag` key. */
  defaultTag?: string;
}

export type Schema =
  | StringSchema
  | NumberSchema
  | BooleanSchema
  | SizeSchema
  | DurationSchema
  | ArraySchema
  | ObjectSchema
  | RecordSchema
  | VariantSchema;

type Opts<S> = Omit<S, 'kind'>;

export const str = (opts: Opts<StringSchema> = {}): StringSchema => ({ kind: 'string', ...opts });
export const num = (opts: Opts<NumberSchema> = {}): NumberSchema => ({ kind: 'number', ...opts });
export const int = (opts: Opts<NumberSchema> = {}): NumberSchema => ({ kind: 'number', integer: true, ...opts });
export const bool = (defaultValue?: boolean, opts: Opts<BooleanSchema> = {}): BooleanSchema => ({
  kind: 'boolean',
  default: defaultValue,
  ...opts,
});
export const size = (opts: Opts<SizeSchema> = {}): SizeSchema => ({ kind: 'size', ...opts });
export const duration = (opts: Opts<DurationSchema> = {}): DurationSchema => ({ kind: 'duration', ...opts });
export const list = (items: Schema, opts: Omit<Opts<ArraySchema>, 'items'> = {}): ArraySchema => ({
  kind: 'array',
  items,
  ...opts,
});
/** An object whose missing fields take their defaults (so the object itself defaults to {}). */
export const obj = (
  fields: Record<string, Schema>,
  opts: Omit<Opts<ObjectSchema>, 'fields'> = {},
): ObjectSchema => ({ kind: 'object', fields, default: {}, ...opts });
export const record = (values: Schema, opts: Omit<Opts<RecordSchema>, 'values'> = {}): RecordSchema => ({
  kind: 'record',
  values,
  ...opts,
});
export const variant = (
  tag: string,
  variants: Record<string, ObjectSchema>,
  opts: Omit<Opts<VariantSchema>, 'tag' | 'variants'> = {},
): VariantSchema => ({ kind: 'variant', tag, variants, ...opts });

/** Look up the schema of a nested key, e.g. ['database', 'args', 'host']; undefined if unknown. */
export function schemaAt(schema: Schema, segments: readonly string[]): Schema | undefined {
  let node: Schema | undefined = schema;
  for (const seg of segments) {
    if (node === undefined) return undefined;
    node = childSchema(node, seg);
  }
  return node;
}

/** The same key path with aliases replaced by the names they stand for (ip_range_blocklist → ip_range_blacklist). */
export function canonicalPath(schema: Schema, segments: readonly string[]): string[] {
  let node: Schema | undefined = schema;
  return segments.map((seg) => {
    const name = node?.kind === 'object' ? canonicalKey(node, seg) : seg;
    node = node && childSchema(node, seg);
    return name;
  });
}

function canonicalKey(node: ObjectSchema, key: string): string {
  if (Object.hasOwn(node.fields, key)) return key;
  return Object.entries(node.fields).find(([, f]) => f.alias === key)?.[0] ?? key;
}

function childSchema(node: Schema, seg: string): Schema | undefined {
  switch (node.kind) {
    case 'object':
      return fieldSchema(node, seg);
    case 'array':
      return /^\d+$/.test(seg) ? node.items : undefined;
    case 'record':
      return node.values;
    case 'variant':
      for (const v of Object.values(node.variants)) {
        const f = fieldSchema(v, seg);
        if (f) return f;
      }
      return undefined;
    default:
      return undefined;
  }
}

function fieldSchema(node: ObjectSchema, key: string): Schema | undefined {
  if (Object.hasOwn(node.fields, key)) return node.fields[key];
  return Object.values(node.fields).find((f) => f.alias === key);
}
