import { JsonParseError, parseJsonStrict, type JsonErrorKind } from '../src/json/parse-json-strict.js';
import { MatrixError } from '../src/errors.js';

function errorKind(input: Uint8Array | string, options?: Parameters<typeof parseJsonStrict>[1]): JsonErrorKind | 'ok' {
  try {
    parseJsonStrict(input, options);
    return 'ok';
  } catch (e) {
    if (e instanceof JsonParseError) return e.kind;
    throw e;
  }
}

const bytes = (...b: number[]) => Buffer.from(b);
const utf8 = (s: string) => Buffer.from(s, 'utf8');

describe('parseJsonStrict: accepts JSON', () => {
  const docs = [
    '{}',
    '[]',
    ' \t\r\n{ "a" : [ 1 , -2 , 0 , true , false , null , "x" ] } \n',
    '"just a string"',
    '0',
    '-0',
    'null',
    '{"a":{"b":{"c":[[[]]]}}}',
    '{"esc":"\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u0000 \\u00e9 \\uD83D\\uDE00"}',
    '{"日本語":"日本語 😀"}',
    '{"a":1,"A":2,"a ":3}',
    '{"n":1.5e-3,"m":-12.25E+2,"k":1e400}',
  ];
  test.each(docs)('%s', (doc) => {
    expect(parseJsonStrict(doc)).toEqual(JSON.parse(doc));
    expect(parseJsonStrict(utf8(doc))).toEqual(JSON.parse(doc));
  });

  test('accepts Uint8Array views', () => {
    const backing = utf8('xx{"a":1}yy');
    expect(parseJsonStrict(new Uint8Array(backing.buffer, backing.byteOffset + 2, 7))).toEqual({ a: 1 });
  });

  test('keeps __proto__ as plain data', () => {
    const v = parseJsonStrict('{"__proto__":{"polluted":1}}') as Record<string, unknown>;
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys(v)).toEqual(['__proto__']);
  });
});

describe('parseJsonStrict: M_NOT_JSON (not JSON text)', () => {
  const notJson: [string, Uint8Array | string][] = [
    ['empty', ''],
    ['whitespace only', '  '],
    ['trailing comma in object', '{"a":1,}'],
    ['trailing comma in array', '[1,]'],
    ['single quotes', "{'a':1}"],
    ['unquoted key', '{a:1}'],
    ['trailing data', '{} {}'],
    ['unterminated string', '{"a":"b'],
    ['unterminated object', '{"a":1'],
    ['leading zero', '[01]'],
    ['plus sign', '[+1]'],
    ['bare fraction', '[.5]'],
    ['missing fraction digits', '[1.]'],
    ['missing exponent digits', '[1e]'],
    ['NaN', '[NaN]'],
    ['Infinity', '[Infinity]'],
    ['raw control char in string', '["a\u0001b"]'],
    ['raw newline in string', '["a\nb"]'],
    ['bad escape', '["\\x41"]'],
    ['short unicode escape', '["\\u12"]'],
    ['bad hex in escape', '["\\u12G4"]'],
    ['bad literal', '[tru]'],
    ['byte-order mark', '\ufeff{}'],
    ['comment', '{} // x'],
    ['invalid UTF-8 continuation', bytes(0x22, 0xc3, 0x28, 0x22)],
    ['overlong encoding', bytes(0x22, 0xc0, 0xaf, 0x22)],
    ['overlong 3-byte', bytes(0x22, 0xe0, 0x80, 0xaf, 0x22)],
    ['overlong 4-byte', bytes(0x22, 0xf0, 0x80, 0x80, 0xaf, 0x22)],
    ['UTF-8 encoded surrogate', bytes(0x22, 0xed, 0xa0, 0x80, 0x22)],
    ['code point above U+10FFFF', bytes(0x22, 0xf4, 0x90, 0x80, 0x80, 0x22)],
    ['truncated sequence', bytes(0x22, 0xe6, 0x97)],
    ['lone continuation byte', bytes(0x22, 0x80, 0x22)],
    ['non-ASCII outside a string', bytes(0x5b, 0xc3, 0xa9, 0x5d)],
    ['raw lone surrogate in a JS string', '["\ud800"]'],
  ];
  test.each(notJson)('%s', (_name, input) => {
    expect(errorKind(input)).toBe('not_json');
  });
});

describe('parseJsonStrict: M_BAD_JSON (JSON we refuse)', () => {
  test('duplicate keys, including ones spelled with escapes', () => {
    expect(errorKind('{"a":1,"a":2}')).toBe('bad_json');
    expect(errorKind('{"a":1,"b":2,"\\u0061":3}')).toBe('bad_json');
    expect(errorKind('{"é":1,"\\u00e9":2}')).toBe('bad_json');
    expect(errorKind(utf8('{"é":1,"é":2}'))).toBe('bad_json');
    expect(errorKind('{"x":{"a":1,"a":1}}')).toBe('bad_json');
    // Same key in different objects is fine.
    expect(errorKind('{"a":{"a":1},"b":{"a":2}}')).toBe('ok');
  });

  test('escaped lone surrogates', () => {
    expect(errorKind('["\\ud800"]')).toBe('bad_json');
    expect(errorKind('["\\udc00"]')).toBe('bad_json');
    expect(errorKind('["\\ud800x"]')).toBe('bad_json');
    expect(errorKind('["\\ud800\\u0041"]')).toBe('bad_json');
    expect(errorKind('["\\udc00\\ud800"]')).toBe('bad_json');
    expect(errorKind('{"\\ud800":1}')).toBe('bad_json');
    expect(parseJsonStrict('["\\ud83d\\ude00"]')).toEqual(['😀']);
  });

  test('nesting depth', () => {
    const nested = (n: number) => '['.repeat(n) + ']'.repeat(n);
    expect(errorKind(nested(100))).toBe('ok');
    expect(errorKind(nested(101))).toBe('bad_json');
    expect(errorKind(nested(3), { maxDepth: 3 })).toBe('ok');
    expect(errorKind('{"a":{"b":[1]}}', { maxDepth: 2 })).toBe('bad_json');
    expect(errorKind(nested(100000))).toBe('bad_json'); // no stack overflow
  });

  test('strict numbers: no fractions or exponents', () => {
    for (const n of ['1.0', '1.5', '-0.0', '1e2', '1E2', '1e-2', '0e0']) {
      expect(errorKind(`[${n}]`, { strictNumbers: true })).toBe('bad_json');
      expect(errorKind(`[${n}]`)).toBe('ok');
    }
  });

  test('strict numbers: integers within ±(2^53−1)', () => {
    const ok = ['9007199254740991', '-9007199254740991', '0', '-0', '1000000000000000'];
    const tooBig = ['9007199254740992', '-9007199254740992', '9999999999999999', '10000000000000000', '123456789012345678901234567890'];
    for (const n of ok) expect(errorKind(`{"n":${n}}`, { strictNumbers: true })).toBe('ok');
    for (const n of tooBig) {
      expect(errorKind(`{"n":${n}}`, { strictNumbers: true })).toBe('bad_json');
      expect(errorKind(`{"n":${n}}`)).toBe('ok');
    }
  });
});

describe('JsonParseError', () => {
  test('reports the offset of invalid UTF-8', () => {
    const input = Buffer.concat([utf8('{"a":"日本'), Buffer.from([0xed, 0xa0, 0x80]), utf8('"}')]);
    try {
      parseJsonStrict(input);
      throw new Error('unreachable');
    } catch (e) {
      expect(e).toBeInstanceOf(JsonParseError);
      expect((e as JsonParseError).kind).toBe('not_json');
      expect((e as JsonParseError).position).toBe(12);
    }
  });

  test('maps to the spec error codes and reports the position', () => {
    const notJson = (() => {
      try {
        parseJsonStrict('{"a" 1}');
      } catch (e) {
        return e as JsonParseError;
      }
    })();
    expect(notJson?.position).toBe(5);
    const m = notJson!.toMatrixError();
    expect(m).toBeInstanceOf(MatrixError);
    expect([m.status, m.errcode]).toEqual([400, 'M_NOT_JSON']);

    try {
      parseJsonStrict('{"a":1,"a":2}');
      throw new Error('unreachable');
    } catch (e) {
      const bad = (e as JsonParseError).toMatrixError();
      expect([bad.status, bad.errcode]).toEqual([400, 'M_BAD_JSON']);
    }
  });
});

describe('parseJsonStrict: agrees with JSON.parse on random valid input', () => {
  test('fuzz', () => {
    let seed = 7;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const pieces = ['a', 'é', '日', '😀', '\\n', '\\"', '\\u0041', '\\ud83d\\ude00', ' ', '\\\\'];
    const str = () => '"' + Array.from({ length: Math.floor(rand() * 5) }, () => pieces[Math.floor(rand() * pieces.length)]).join('') + '"';
    const gen = (d: number): string => {
      const r = rand();
      if (d > 4 || r < 0.3) return str();
      if (r < 0.45) return String(Math.floor(rand() * 1e6) - 5e5);
      if (r < 0.5) return ['true', 'false', 'null'][Math.floor(rand() * 3)]!;
      if (r < 0.7) return '[' + Array.from({ length: Math.floor(rand() * 4) }, () => gen(d + 1)).join(' , ') + ']';
      const keys = Array.from({ length: Math.floor(rand() * 4) }, (_, i) => `"k${i}"`);
      return '{' + keys.map((k) => `${k}:${gen(d + 1)}`).join(',') + '}';
    };
    for (let i = 0; i < 500; i++) {
      const doc = gen(0);
      expect(parseJsonStrict(utf8(doc), { strictNumbers: true })).toEqual(JSON.parse(doc));
    }
  });
});
