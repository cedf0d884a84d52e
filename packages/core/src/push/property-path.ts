/**
 * Dot-separated property paths (spec appendices, "Dot-separated property paths"):
 * a literal `.` or `\` inside a property name is escaped with a backslash; any other
 * escape sequence is kept as-is (`\x` is a backslash followed by `x`).
 */

/** Splits a path into the property names it denotes. */
export function parsePropertyPath(path: string): string[] {
  const names: string[] = [];
  let current = '';
  for (let i = 0; i < path.length; i++) {
    const c = path[i]!;
    if (c === '\\') {
      const next = path[i + 1];
      if (next === '.' || next === '\\') {
        current += next;
        i++;
      } else {
        current += c;
      }
    } else if (c === '.') {
      names.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  names.push(current);
  return names;
}

/** Escapes one property name for use in a path. */
export function escapePropertyName(name: string): string {
  if (name.indexOf('.') < 0 && name.indexOf('\\') < 0) return name;
  return name.replace(/[.\\]/g, '\\$&');
}

/** The canonical spelling of a path (redundant-free escapes), as produced by flattening:
 *  `content.\x` and `content.\\x` both denote the property `\x`, spelt `content.\\x`. */
export function canonicalPropertyPath(path: string): string {
  return parsePropertyPath(path).map(escapePropertyName).join('.');
}
