import { parseJsonSliced } from '../src/json/parse-json-sliced.js';

/** Parsed piece by piece whatever their size. */
const sliced = (text: string) => parseJsonSliced(Buffer.from(text, 'utf8'), 0);

describe('parseJsonSliced', () => {
  const documents = [
    '{}',
    '[]',
    ' { "a" : [ ] , "b" : { } } ',
    '{"state":[{"a":1},{"b":[1,2,{"c":"}]"}]}],"auth_chain":[],"origin":"x.org","n":-1.5e3,"t":true,"f":false,"z":null}',
    '[1, -0, 2.5E-3, "s", true, false, null, [], {}, [[["deep"]]]]',
    '{"quotes":["a\\"b", "c\\\\", "\\\\\\"", "\\\\\\\\"], "brackets":["[", "]", "{", "}", ",", ":"]}',
    '{"unicode":["é", "😀", "\\u00e9", "\\ud83d\\ude00", "日本"]}',
    '{"dup":[1],"dup":[2],"k":"v","k":"w"}',
    '"just a string"',
    '42',
    '{"nested":{"a":[{"b":[1,2]}]},"arr":[{"x":{"y":[]}}]}',
    '\n\t[\r\n1\t,\n2 ]\n',
  ];

  it.each(documents)('gives what JSON.parse gives: %s', async (text) => {
    await expect(sliced(text)).resolves.toEqual(JSON.parse(text));
  });

  it('keeps "__proto__" as an own key, as JSON.parse does', async () => {
    const value = (await sliced('{"__proto__":[1],"a":[2]}')) as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value)).toEqual(['__proto__', 'a']);
    expect(value['__proto__']).toEqual([1]);
  });

  const malformed = [
    '',
    '{',
    '[',
    '[1,]',
    '[1 2]',
    '{"a":1,}',
    '{"a" 1}',
    '{a:1}',
    '{"a":[1,2}',
    '{"a":[1,2]]',
    '[1] x',
    '["unterminated]',
    '{"a":tru}',
    '[01]',
    '{"a":[{"b":1}{"c":2}]}',
    '{"a":"x" "b":1}',
  ];

  it.each(malformed)('refuses what JSON.parse refuses: %s', async (text) => {
    expect(() => JSON.parse(text)).toThrow(SyntaxError);
    await expect(sliced(text)).rejects.toThrow(SyntaxError);
  });

  it('matches JSON.parse on generated documents', async () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const strings = ['', 'a', '"', '\\', '\\"', '}', ']', ',', ' ', '\n', 'é😀', '\u0001'];
    const gen = (depth: number): unknown => {
      const r = random();
      if (depth > 3 || r < 0.3) return [strings[Math.floor(random() * strings.length)], Math.floor(random() * 1e6) - 5e5, random(), null, true][Math.floor(random() * 5)];
      if (r < 0.65) return Array.from({ length: Math.floor(random() * 5) }, () => gen(depth + 1));
      return Object.fromEntries(Array.from({ length: Math.floor(random() * 5) }, (_, i) => [`${strings[i % strings.length]}k${i}`, gen(depth + 1)]));
    };
    for (let i = 0; i < 300; i++) {
      const value = { pdus: Array.from({ length: 10 }, () => gen(0)), other: gen(0) };
      const text = JSON.stringify(value, null, i % 2 === 0 ? undefined : 1);
      await expect(sliced(text)).resolves.toEqual(JSON.parse(text));
    }
  });

  it('gives the event loop turns while it parses a large answer', async () => {
    const pdu = { type: 'm.room.member', content: { membership: 'join', displayname: 'x'.repeat(200) }, signatures: { a: { b: 'c'.repeat(86) } } };
    const text = JSON.stringify({ state: Array.from({ length: 30_000 }, (_, i) => ({ ...pdu, state_key: `@u${i}:a` })), auth_chain: [] });
    let turns = 0;
    const ticker = setInterval(() => turns++, 1);
    const value = (await parseJsonSliced(Buffer.from(text))) as { state: unknown[]; auth_chain: unknown[] };
    clearInterval(ticker);
    expect(value.state).toHaveLength(30_000);
    expect(value.state[29_999]).toEqual({ ...pdu, state_key: '@u29999:a' });
    expect(value.auth_chain).toEqual([]);
    expect(turns).toBeGreaterThan(0);
  });

  it('parses a small answer in one go', async () => {
    let turns = 0;
    const ticker = setImmediate(() => turns++);
    await expect(parseJsonSliced(Buffer.from('{"a":[1,2,3]}'))).resolves.toEqual({ a: [1, 2, 3] });
    clearImmediate(ticker);
    expect(turns).toBe(0);
  });
});
