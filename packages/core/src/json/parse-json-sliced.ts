/**
 * JSON.parse for large answers without stalling the event loop (ARCHITECTURE.md
 * §6): a send_join answer for a big room is tens of megabytes, and one
 * JSON.parse of it blocks for hundreds of milliseconds. The top-level
 * container is walked here and each element of an array (at the top level, or
 * a member of the top-level object) is parsed on its own by JSON.parse, with
 * a turn for the event loop between slices. The value, and what is refused,
 * are JSON.parse's: the walk checks the structure between elements, and each
 * piece is checked by JSON.parse itself.
 */
import { TimeSlicer } from '../runtime/time-slicer.js';

/** Below this size, one JSON.parse is short enough. */
const SLICED_FROM_BYTES = 1 << 20;
/** Longest run of parsing between turns of the event loop. */
const SLICE_MS = 5;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

/** `slicedFromBytes`: smaller inputs get one JSON.parse (default 1 MiB). */
export async function parseJsonSliced(bytes: Buffer, slicedFromBytes = SLICED_FROM_BYTES): Promise<unknown> {
  if (bytes.length < slicedFromBytes) return JSON.parse(bytes.toString('utf8'));
  return new SlicedParser(bytes).document();
}

class SlicedParser {
  private pos = 0;
  private readonly slicer = new TimeSlicer(SLICE_MS);

  constructor(private readonly b: Buffer) {}

  async document(): Promise<unknown> {
    this.skipWhitespace();
    const c = this.b[this.pos];
    let value: unknown;
    if (c === OPEN_OBJECT) value = await this.object();
    else if (c === OPEN_ARRAY) value = await this.array();
    else return JSON.parse(this.b.toString('utf8'));
    this.skipWhitespace();
    if (this.pos < this.b.length) this.fail('Unexpected data after the JSON value');
    return value;
  }

  private async object(): Promise<Record<string, unknown>> {
    const out: Record<string, unknown> = {};
    await this.members(CLOSE_OBJECT, async () => {
      if (this.b[this.pos] !== QUOTE) this.fail('Expected a string key');
      const key = this.piece() as string;
      this.skipWhitespace();
      this.expect(COLON);
      this.skipWhitespace();
      const value = this.b[this.pos] === OPEN_ARRAY ? await this.array() : this.piece();
      // As JSON.parse: a repeated key keeps its last value, and "__proto__" is an own property.
      Object.defineProperty(out, key, { value, writable: true, enumerable: true, configurable: true });
    });
    return out;
  }

  private async array(): Promise<unknown[]> {
    const out: unknown[] = [];
    await this.members(CLOSE_ARRAY, async () => {
      out.push(this.piece());
      await this.slicer.pass();
    });
    return out;
  }

  /** Reads a container's comma-separated members with `member`, from its opening bracket past `close`. */
  private async members(close: number, member: () => Promise<void>): Promise<void> {
    this.pos++;
    this.skipWhitespace();
    if (this.b[this.pos] === close) {
      this.pos++;
      return;
    }
    for (;;) {
      await member();
      this.skipWhitespace();
      if (this.b[this.pos] === close) {
        this.pos++;
        return;
      }
      this.expect(COMMA);
      this.skipWhitespace();
    }
  }

  /** The value starting here, parsed by JSON.parse. */
  private piece(): unknown {
    const start = this.pos;
    this.pos = this.valueEnd(start);
    return JSON.parse(this.b.toString('utf8', start, this.pos));
  }

  /**
   * Where the value starting at p ends: past its closing bracket or quote, or at the first
   * byte that cannot continue a number or literal. Only strings and nesting are tracked;
   * JSON.parse checks the rest when it parses the piece.
   */
  private valueEnd(p: number): number {
    const b = this.b;
    let depth = 0;
    for (; p < b.length; p++) {
      const c = b[p]!;
      if (c === QUOTE) {
        p = this.stringEnd(p) - 1;
        if (depth === 0) return p + 1;
      } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) depth++;
      else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
        // A closer at depth 0 ends the enclosing container, not this value.
        if (depth === 0) return p;
        if (--depth === 0) return p + 1;
      } else if (depth === 0 && (c === COMMA || isWhitespace(c))) return p;
    }
    return p;
  }

  /** The position after the string whose opening quote is at p. */
  private stringEnd(p: number): number {
    const b = this.b;
    for (;;) {
      const q = b.indexOf(QUOTE, p + 1);
      if (q < 0) this.fail('Unterminated string');
      // The quote is escaped when an odd number of backslashes precede it.
      let slashes = 0;
      while (b[q - 1 - slashes] === BACKSLASH) slashes++;
      if (slashes % 2 === 0) return q + 1;
      p = q;
    }
  }

  private skipWhitespace(): void {
    while (this.pos < this.b.length && isWhitespace(this.b[this.pos]!)) this.pos++;
  }

  private expect(c: number): void {
    if (this.b[this.pos] !== c) this.fail(`Expected '${String.fromCharCode(c)}'`);
    this.pos++;
  }

  private fail(message: string): never {
    throw new SyntaxError(`${message} in JSON at position ${this.pos}`);
  }
}

function isWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}
