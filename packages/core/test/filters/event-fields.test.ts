import { compileEventFields, parseFieldPath, projectEventFields } from '../../src/filters/index.js';

describe('parseFieldPath (appendices: dot-separated property paths)', () => {
  test.each<[string, string[]]>([
    ['content', ['content']],
    ['content.body', ['content', 'body']],
    ['content.m\\.relates_to', ['content', 'm.relates_to']],
    ['content.m\\\\foo', ['content', 'm\\foo']],
    ['content.m\\\\.foo', ['content', 'm\\', 'foo']], // `\\` then a separator
    ['content.a\\x', ['content', 'a\\x']], // other escapes are left as-is
    ['content.a\\', ['content', 'a\\']], // trailing lone backslash is literal
    ['a\\.b\\.c', ['a.b.c']],
    ['unsigned.m\\.relations.m\\.thread', ['unsigned', 'm.relations', 'm.thread']],
    ['a..b', ['a', '', 'b']],
    ['', ['']],
  ])('%j → %j', (path, expected) => {
    expect(parseFieldPath(path)).toEqual(expected);
  });
});

describe('projectEventFields', () => {
  const event = {
    event_id: '$e',
    type: 'm.room.message',
    sender: '@a:x',
    origin_server_ts: 1,
    content: {
      body: 'hi',
      msgtype: 'm.text',
      'm.relates_to': { rel_type: 'm.thread', event_id: '$root' },
      'm\\foo': 'backslash',
      nested: { a: 1, b: 2 },
    },
    unsigned: { age: 5 },
  };

  test('keeps only the listed top-level fields', () => {
    expect(projectEventFields(event, ['type', 'sender'])).toEqual({ type: 'm.room.message', sender: '@a:x' });
  });

  test('the spec example: content.body keeps the body inside content', () => {
    expect(projectEventFields(event, ['content.body'])).toEqual({ content: { body: 'hi' } });
  });

  test('escaped dots and backslashes name single properties', () => {
    expect(projectEventFields(event, ['content.m\\.relates_to'])).toEqual({
      content: { 'm.relates_to': { rel_type: 'm.thread', event_id: '$root' } },
    });
    expect(projectEventFields(event, ['content.m\\\\foo'])).toEqual({ content: { 'm\\foo': 'backslash' } });
    expect(projectEventFields(event, ['content.m\\.relates_to.rel_type'])).toEqual({
      content: { 'm.relates_to': { rel_type: 'm.thread' } },
    });
  });

  test('an unescaped dot does not reach a dotted key', () => {
    expect(projectEventFields(event, ['content.m.relates_to'])).toEqual({});
  });

  test('a whole value wins over paths below it, in either order', () => {
    expect(projectEventFields(event, ['content', 'content.body'])).toEqual({ content: event.content });
    expect(projectEventFields(event, ['content.body', 'content'])).toEqual({ content: event.content });
  });

  test('several paths merge into one object', () => {
    expect(projectEventFields(event, ['content.body', 'content.nested.b', 'unsigned.age', 'type'])).toEqual({
      content: { body: 'hi', nested: { b: 2 } },
      unsigned: { age: 5 },
      type: 'm.room.message',
    });
  });

  test('missing paths and paths through non-objects are skipped without empty parents', () => {
    expect(projectEventFields(event, ['content.nope', 'state_key', 'content.body.length', 'sender.x'])).toEqual({});
    expect(projectEventFields({ a: [{ b: 1 }] }, ['a.0'])).toEqual({});
  });

  test('falsy values are kept', () => {
    expect(projectEventFields({ a: 0, b: null, c: '', d: false }, ['a', 'b', 'c', 'd'])).toEqual({
      a: 0,
      b: null,
      c: '',
      d: false,
    });
  });

  test('absent or empty event_fields keep the whole event', () => {
    expect(projectEventFields(event, undefined)).toBe(event);
    expect(projectEventFields(event, [])).toBe(event);
  });

  test('never mutates the source; created parents are fresh objects, leaves are shared', () => {
    const source = structuredClone(event);
    const out = projectEventFields(source, ['content.body', 'content', 'unsigned.age']) as typeof event;
    expect(source).toEqual(event);
    expect(out.content).toBe(source.content); // a whole value: shared, as documented
    expect(out.unsigned).not.toBe(source.unsigned); // built for the projection
    (out.unsigned as Record<string, unknown>).extra = 1;
    expect(source.unsigned).toEqual({ age: 5 });
  });

  test('inherited properties are not projected, and __proto__ stays a data key', () => {
    expect(projectEventFields({ a: 1 }, ['toString', 'constructor', '__proto__'])).toEqual({});
    const hostile = JSON.parse('{"__proto__": {"polluted": true}, "content": {}}') as object;
    const out = projectEventFields(hostile, ['__proto__']) as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.hasOwn(out, '__proto__')).toBe(true);
    expect(JSON.stringify(out)).toBe('{"__proto__":{"polluted":true}}');
  });

  test('a compiled projection is reusable across events', () => {
    const project = compileEventFields(['type', 'content.body']);
    expect(project(event)).toEqual({ type: 'm.room.message', content: { body: 'hi' } });
    expect(project({ type: 'm.room.member', content: { membership: 'join' } })).toEqual({ type: 'm.room.member' });
  });
});
