/**
 * Event type patterns of `types` / `not_types`: "A `*` can be used as a wildcard to
 * match any sequence of characters" (event_filter.yaml). The star may appear
 * anywhere (so `m.*.answer` matches `m.call.answer`); a pattern whose only stars
 * are trailing is a plain prefix match (`m.room.*`), the overwhelmingly common case,
 * and exact types are a Set lookup. Each kind is tested by the cheapest means.
 */

export type TypeMatcher = (type: string) => boolean;

const ALWAYS: TypeMatcher = () => true;
const NEVER: TypeMatcher = () => false;

export function compileTypePatterns(patterns: readonly string[]): TypeMatcher {
  const exact = new Set<string>();
  const prefixes: string[] = [];
  const globs: string[] = [];
  for (const pattern of patterns) {
    const star = pattern.indexOf('*');
    if (star < 0) exact.add(pattern);
    else if (star === 0 && /^\*+$/.test(pattern)) return ALWAYS;
    else if (/^[^*]*\*+$/.test(pattern)) prefixes.push(pattern.slice(0, star));
    else globs.push(pattern.split('*').map(escapeRegExp).join('[\\s\\S]*'));
  }
  const glob = globs.length > 0 ? new RegExp(`^(?:${globs.join('|')})$`) : null;

  if (prefixes.length === 0 && glob === null) {
    if (exact.size === 0) return NEVER;
    if (exact.size === 1) {
      const [only] = exact;
      return (type) => type === only;
    }
    return (type) => exact.has(type);
  }
  return (type) => {
    if (exact.has(type)) return true;
    for (let i = 0; i < prefixes.length; i++) if (type.startsWith(prefixes[i]!)) return true;
    return glob !== null && glob.test(type);
  };
}

function escapeRegExp(text: string): string {
  return text.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&');
}
