/**
 * A position in one stream as seen by a reader, for streams with several
 * writers: every writer is at least at `min`; `writers` lists those ahead of
 * it. With one writer (or all writers level) it is just a number.
 *
 * Text form (inside sync and pagination tokens):
 *   `12`                      every writer at 12 (canonical: no leading zeros)
 *   `m12~persister1.15~b.13`  min 12; writer "persister1" at 15, "b" at 13
 * Writers are listed in ascending name order, each strictly above min.
 * Writer names are escaped: [A-Za-z0-9] stay, every other UTF-8 byte becomes
 * `-xx` (lowercase hex), so `event_persister1` reads `event-5fpersister1` and a
 * token never contains the separators `_ ~ .` inside a name.
 */
import { Errors, type MatrixError } from '@lattice/core';

const NUMBER = /^(0|[1-9][0-9]*)$/;
const ESCAPED_NAME = /^(?:[A-Za-z0-9]|-[0-9a-f]{2})+$/;
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export class StreamPosition {
  static readonly ZERO = new StreamPosition(0, new Map());

  private constructor(
    readonly min: number,
    /** Writers strictly ahead of min, by name. */
    readonly writers: ReadonlyMap<string, number>,
  ) {}

  static at(position: number): StreamPosition {
    return position === 0 ? StreamPosition.ZERO : new StreamPosition(position, new Map());
  }

  /** From every writer's position: min over them, the rest kept when ahead of it. */
  static fromWriters(positions: ReadonlyMap<string, number>): StreamPosition {
    if (positions.size === 0) return StreamPosition.ZERO;
    let min = Infinity;
    for (const p of positions.values()) if (p < min) min = p;
    const ahead = [...positions].filter(([, p]) => p > min).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return new StreamPosition(min, new Map(ahead));
  }

  /** The position of `instance` (min for writers not listed). */
  positionFor(instance: string): number {
    return this.writers.get(instance) ?? this.min;
  }

  /** The highest position of any writer. */
  get max(): number {
    let max = this.min;
    for (const p of this.writers.values()) if (p > max) max = p;
    return max;
  }

  /** A row written by `instance` at `position` is at or before this point. */
  covers(position: number, instance: string): boolean {
    return position <= this.positionFor(instance);
  }

  /** Every writer is at least where it is in `other`. */
  isAtLeast(other: StreamPosition): boolean {
    if (this.min < other.min) return false;
    for (const [instance, p] of other.writers) if (this.positionFor(instance) < p) return false;
    return true;
  }

  /** The later of the two, writer by writer. */
  union(other: StreamPosition): StreamPosition {
    const min = Math.max(this.min, other.min);
    const names = [...new Set([...this.writers.keys(), ...other.writers.keys()])].sort();
    const writers = new Map<string, number>();
    for (const name of names) {
      const p = Math.max(this.positionFor(name), other.positionFor(name));
      if (p > min) writers.set(name, p);
    }
    return writers.size === 0 ? StreamPosition.at(min) : new StreamPosition(min, writers);
  }

  equals(other: StreamPosition): boolean {
    return this.isAtLeast(other) && other.isAtLeast(this);
  }

  toString(): string {
    if (this.writers.size === 0) return String(this.min);
    let text = `m${this.min}`;
    for (const [name, p] of this.writers) text += `~${escapeName(name)}.${p}`;
    return text;
  }

  /** Strict: anything but the canonical form throws M_INVALID_PARAM. */
  static parse(text: string): StreamPosition {
    if (!text.startsWith('m')) return StreamPosition.at(parsePosition(text));
    const [minText, ...entries] = text.slice(1).split('~');
    const min = parsePosition(minText!);
    if (entries.length === 0) throw invalidToken('stream position vector without writers');
    const writers = new Map<string, number>();
    let previous: string | undefined;
    for (const entry of entries) {
      const dot = entry.lastIndexOf('.');
      if (dot <= 0) throw invalidToken('malformed writer position');
      const name = unescapeName(entry.slice(0, dot));
      const p = parsePosition(entry.slice(dot + 1));
      if (p <= min) throw invalidToken('writer position not ahead of min');
      if (previous !== undefined && name <= previous) throw invalidToken('writers out of order');
      writers.set(name, p);
      previous = name;
    }
    return new StreamPosition(min, writers);
  }
}

export function parsePosition(text: string): number {
  if (!NUMBER.test(text)) throw invalidToken('malformed stream position');
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw invalidToken('stream position out of range');
  return value;
}

function escapeName(name: string): string {
  let out = '';
  for (const byte of encoder.encode(name)) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9]/.test(c) ? c : `-${byte.toString(16).padStart(2, '0')}`;
  }
  return out;
}

function unescapeName(text: string): string {
  if (!ESCAPED_NAME.test(text)) throw invalidToken('malformed writer name');
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '-') {
      bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(text.charCodeAt(i));
    }
  }
  let name: string;
  try {
    name = decoder.decode(new Uint8Array(bytes));
  } catch {
    throw invalidToken('malformed writer name');
  }
  // Canonical only: a name escaped where it need not be is not ours.
  if (escapeName(name) !== text) throw invalidToken('malformed writer name');
  return name;
}

/** The error every malformed token raises: M_INVALID_PARAM (400). */
export function invalidToken(reason: string): MatrixError {
  return Errors.invalidParam(`Invalid token: ${reason}`);
}
