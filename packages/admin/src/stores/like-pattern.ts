/** A LIKE pattern matching `text` anywhere, with LIKE's wildcards in it taken literally. */
export function likeContaining(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
