/**
 * The one walker over a schema (schema.ts): fills defaults, coerces and
 * normalises values, and records every problem with its path instead of
 * stopping at the first, so an operator fixes a config file in one pass.
 */
import { FORMATS } from './formats.js';
import type { DefaultContext, ObjectSchema, Schema } from './schema.js';
import { parseDuration, parseSize } from './units.js';

export interface ValidateOptions extends DefaultContext {
  /** Names where a value at a path came from (e.g. an environment variable), appended to its errors. */
  blame?: (path: string) => string | undefined;
}

export interface ValidateResult {
  value: unknown;
  errors: string[];
  warnings: string[];
}

export function validate(schema: Schema, raw: unknown, opts: ValidateOptions): ValidateResult {
  const walker = new Walker(opts);
  const value = walker.walk(schema, raw, '');
  return { value, errors: walker.errors, warnings: walker.warnings };
}

/** Path of a key below `path`, as written in messages: `listeners[0].port`. */
export const keyPath = (path: string, key: string): string => (path ? `${path}.${key}` : key);
export const indexPath = (path: string, index: number): string => `${path}[${index}]`;

const isMapping = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const BOOLEAN_WORDS: Record<string, boolean> = {
  true: true,
  yes: true,
  on: true,
  false: false,
  no: false,
  off: false,
};

/** Marks a value the walker rejected; its parent leaves the key out. */
const INVALID = Symbol('invalid');

class Walker {
  readonly errors: string[] = [];
  readonly warnings: string[] = [];

  constructor(private readonly opts: ValidateOptions) {}

  walk(schema: Schema, input: unknown, path: string): unknown {
    let value = input;
    if (value === undefined || value === null) {
      value = this.defaultOf(schema);
      if (value === undefined) {
        if (schema.required) this.error(path, 'is required');
        return undefined;
      }
    }
    const out = this.walkValue(schema, value, path);
    return out === INVALID ? undefined : out;
  }

  private defaultOf(schema: Schema): unknown {
    if (schema.defaultFrom) return schema.defaultFrom(this.opts);
    // Clone so that callers mutating one loaded config cannot change the schema's defaults.
    return structuredClone(schema.default);
  }

  private walkValue(schema: Schema, value: unknown, path: string): unknown {
    switch (schema.kind) {
      case 'string': {
        const s = typeof value === 'number' && Number.isFinite(value) ? String(value) : value;
        if (typeof s !== 'string') return this.error(path, 'must be a string');
        const v = schema.lowercase ? s.toLowerCase() : s;
        if (schema.oneOf && !schema.oneOf.includes(v)) return this.error(path, `must be one of: ${schema.oneOf.join(', ')}`);
        if (!schema.format) return v;
        const r = FORMATS[schema.format](v, this.opts);
        return typeof r === 'string' ? r : this.error(path, r.error);
      }
      case 'number': {
        const n = typeof value === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(value) ? Number(value) : value;
        const ok =
          typeof n === 'number' &&
          Number.isFinite(n) &&
          (!schema.integer || Number.isInteger(n)) &&
          (schema.min === undefined || n >= schema.min) &&
          (schema.max === undefined || n <= schema.max);
        return ok ? n : this.error(path, numberRule(schema.integer, schema.min, schema.max));
      }
      case 'boolean': {
        if (typeof value === 'boolean') return value;
        const b = typeof value === 'string' ? BOOLEAN_WORDS[value.trim().toLowerCase()] : undefined;
        return b ?? this.error(path, 'must be true or false');
      }
      case 'size':
        return parseSize(value) ?? this.error(path, 'must be a size in bytes, or a number with K, M, G or T (e.g. 50M)');
      case 'duration':
        return (
          parseDuration(value) ??
          this.error(path, 'must be a duration in milliseconds, or a number with s, m, h, d, w or y (e.g. 5m)')
        );
      case 'array': {
        if (!Array.isArray(value)) return this.error(path, 'must be a list');
        const out: unknown[] = [];
        value.forEach((item, i) => {
          const v = this.walk(schema.items, item, indexPath(path, i));
          if (v !== undefined) out.push(v);
        });
        return out;
      }
      case 'object':
        return isMapping(value) ? this.walkObject(schema, value, path) : this.error(path, 'must be a mapping');
      case 'record': {
        if (!isMapping(value)) return this.error(path, 'must be a mapping');
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(value)) {
          const w = this.walk(schema.values, v, keyPath(path, k));
          if (w !== undefined) out[k] = w;
        }
        return out;
      }
      case 'variant': {
        if (!isMapping(value)) return this.error(path, 'must be a mapping');
        const names = Object.keys(schema.variants);
        const tag = value[schema.tag] ?? schema.defaultTag;
        const chosen = typeof tag === 'string' ? schema.variants[tag] : undefined;
        if (!chosen) return this.error(keyPath(path, schema.tag), `must be one of: ${names.join(', ')}`);
        return this.walkObject(chosen, { ...value, [schema.tag]: tag }, path);
      }
    }
  }

  private walkObject(schema: ObjectSchema, value: Record<string, unknown>, path: string): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const seen = new Set<string>();
    for (const [key, field] of Object.entries(schema.fields)) {
      let k = key;
      if (value[key] === undefined && field.alias !== undefined && value[field.alias] !== undefined) k = field.alias;
      seen.add(key);
      if (field.alias !== undefined) seen.add(field.alias);
      const v = this.walk(field, value[k], keyPath(path, k));
      if (v !== undefined) out[key] = v;
    }
    for (const key of Object.keys(value)) {
      if (seen.has(key)) continue;
      if (schema.open) out[key] = value[key];
      else this.warnings.push(`${keyPath(path, key)}: unknown key, ignored`);
    }
    return out;
  }

  error(path: string, message: string): typeof INVALID {
    const source = this.opts.blame?.(path);
    this.errors.push(`${path || '(top level)'}: ${message}${source ? ` (set by ${source})` : ''}`);
    return INVALID;
  }
}

function numberRule(integer: boolean | undefined, min: number | undefined, max: number | undefined): string {
  const what = integer ? 'an integer' : 'a number';
  if (min !== undefined && max !== undefined) return `must be ${what} between ${min} and ${max}`;
  if (min !== undefined) return `must be ${what} >= ${min}`;
  if (max !== undefined) return `must be ${what} <= ${max}`;
  return `must be ${what}`;
}
