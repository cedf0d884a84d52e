import { GlobMatcher, globToRegExpSource, wordGlobMatcher } from '../../src/push/glob.js';

const whole = (pattern: string, value: string) => new GlobMatcher(pattern).matches(value);
const word = (pattern: string, value: string) => wordGlobMatcher(pattern).matches(value);

describe('whole-value globs (event_match)', () => {
  test('the spec example: lunc?*', () => {
    expect(whole('lunc?*', 'Lunch plans')).toBe(true);
    expect(whole('lunc?*', 'LUNCH')).toBe(true);
    expect(whole('lunc?*', ' lunch')).toBe(false);
    expect(whole('lunc?*', 'lunc')).toBe(false);
  });

  test('* matches zero or more characters, including newlines', () => {
    expect(whole('*', '')).toBe(true);
    expect(whole('a*b', 'ab')).toBe(true);
    expect(whole('a*b', 'a\nxx\nb')).toBe(true);
    expect(whole('a**b', 'a-b')).toBe(true);
    expect(whole('a*b', 'abc')).toBe(false);
  });

  test('? matches exactly one character, a code point not a UTF-16 unit', () => {
    expect(whole('?', '😀')).toBe(true);
    expect(whole('??', '😀')).toBe(false);
    expect(whole('a?c', 'ac')).toBe(false);
    expect(whole('a?c', 'a\nc')).toBe(true);
  });

  test('literal patterns match case-insensitively and exactly', () => {
    expect(whole('m.room.message', 'm.room.message')).toBe(true);
    expect(whole('m.room.message', 'M.Room.Message')).toBe(true);
    expect(whole('m.room.message', 'm.room.messages')).toBe(false);
    expect(whole('m.room.message', 'mxroom.message')).toBe(false); // "." is literal
    expect(whole('', '')).toBe(true);
    expect(whole('', 'x')).toBe(false);
    expect(whole('ÉTÉ', 'été')).toBe(true);
  });

  test('RegExp syntax and other glob dialects are literal', () => {
    for (const p of ['[abc]', 'a+b', '(x|y)', '^$', 'a{2}', '\\d', 'a/b', 'a-b']) {
      expect(whole(p, p)).toBe(true);
    }
    expect(whole('[abc]', 'a')).toBe(false);
    expect(whole('\\d', '1')).toBe(false);
    expect(globToRegExpSource('a**?b')).toBe('a.*.b');
  });
});

describe('word-boundary globs (content.body)', () => {
  test('the spec example: ex*ple', () => {
    expect(word('ex*ple', 'An example event.')).toBe(true);
    expect(word('ex*ple', 'exple')).toBe(true);
    expect(word('ex*ple', 'An exciting triple-whammy')).toBe(true);
  });

  test('the match must start and end at word boundaries', () => {
    expect(word('cake', 'I like cake!')).toBe(true);
    expect(word('cake', 'CAKE')).toBe(true);
    expect(word('cake', 'cakes')).toBe(false);
    expect(word('cake', 'pancake')).toBe(false);
    expect(word('cake', 'cake_shop')).toBe(false); // _ is a word character
    expect(word('cake', 'cake9')).toBe(false);
    expect(word('cake', 'cake-shop')).toBe(true);
    expect(word('cake', 'über·cake')).toBe(true); // non-ASCII letters are boundaries per the spec
    expect(word('cake', 'line1\ncake\n')).toBe(true);
  });

  test('patterns that start or end with a non-word character', () => {
    expect(word('@room', 'hey @room')).toBe(true);
    expect(word('@room', 'hey@room')).toBe(true);
    expect(word('@room', '@roomy')).toBe(false);
    expect(word('!', 'wow!')).toBe(true);
  });

  test('wildcards span words and may be empty', () => {
    expect(word('cake*lie', 'the cake is a lie')).toBe(true);
    expect(word('cake*lie', 'the cake is a lier')).toBe(false);
    expect(word('c?ke', 'coke')).toBe(true);
    expect(word('*', 'anything')).toBe(true);
  });
});
