import { canonicalPropertyPath, escapePropertyName, parsePropertyPath, preparePushEvent } from '../../src/push/index.js';
import { text } from './fixtures.js';

describe('dot-separated property paths', () => {
  test('escapes per the appendix', () => {
    expect(parsePropertyPath('content.body')).toEqual(['content', 'body']);
    expect(parsePropertyPath('content.m\\.relates_to')).toEqual(['content', 'm.relates_to']);
    expect(parsePropertyPath('content.m\\\\foo')).toEqual(['content', 'm\\foo']);
    // Other escapes are literal: "\x" is a backslash then x.
    expect(parsePropertyPath('content.\\x')).toEqual(['content', '\\x']);
    expect(parsePropertyPath('a\\')).toEqual(['a\\']);
    expect(parsePropertyPath('')).toEqual(['']);
    expect(parsePropertyPath('a..b')).toEqual(['a', '', 'b']);
  });

  test('canonical spelling round-trips', () => {
    expect(escapePropertyName('m.relates_to')).toBe('m\\.relates_to');
    expect(escapePropertyName('m\\foo')).toBe('m\\\\foo');
    expect(canonicalPropertyPath('content.\\x')).toBe('content.\\\\x');
    expect(canonicalPropertyPath('content.\\\\x')).toBe('content.\\\\x');
    expect(canonicalPropertyPath('content.m\\.mentions.user_ids')).toBe('content.m\\.mentions.user_ids');
  });

  test('flattening keys nested objects by escaped path and keeps arrays and scalars as leaves', () => {
    const ev = preparePushEvent(
      text('hi', {
        'm.mentions': { user_ids: ['@a:x'], room: false },
        'a\\b': { 'c.d': null },
        nested: { list: [{ x: 1 }] },
        n: 5,
      }),
    );
    expect(ev.flat.get('content.body')).toBe('hi');
    expect(ev.flat.get('content.m\\.mentions.user_ids')).toEqual(['@a:x']);
    expect(ev.flat.get('content.m\\.mentions.room')).toBe(false);
    expect(ev.flat.get('content.a\\\\b.c\\.d')).toBeNull();
    expect(ev.flat.get('content.nested.list')).toEqual([{ x: 1 }]);
    expect(ev.flat.has('content.nested.list.x')).toBe(false);
    expect(ev.flat.get('content.n')).toBe(5);
    expect(ev.flat.has('content.m.mentions.user_ids')).toBe(false); // unescaped dot is a different path
    expect(ev.flat.get('type')).toBe('m.room.message');
    expect(ev.hasMentions).toBe(true);
    expect(ev.body).toBe('hi');
  });
});
