/**
 * One namespace list of a registration (users, aliases or rooms): regexes
 * matched as Synapse matches them (anchored at the start, Python's re.match),
 * each with its exclusive flag.
 */
export interface NamespaceEntry {
  regex: RegExp;
  exclusive: boolean;
}

export class Namespace {
  constructor(readonly entries: readonly NamespaceEntry[]) {}

  /** Some entry, exclusive or not, matches. */
  matches(id: string): boolean {
    return this.entries.some((e) => e.regex.test(id));
  }

  /** An exclusive entry matches: nobody but the appservice may take the id. */
  matchesExclusively(id: string): boolean {
    return this.entries.some((e) => e.exclusive && e.regex.test(id));
  }
}

/** Compiles a registration's regex; throws with the regex in the message when it is not one. */
export function compileNamespaceRegex(source: string): RegExp {
  // Anchored at the start only, like re.match: "@irc_.*" covers "@irc_x:example.org".
  return new RegExp(`^(?:${source})`);
}
