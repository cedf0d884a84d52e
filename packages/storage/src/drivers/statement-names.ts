/**
 * Names for the SQL texts a process runs over and over, so the `pg` driver
 * sends them as named prepared statements: PostgreSQL then parses and plans a
 * hot statement once per connection instead of on every call (for the
 * persister's one-statement insert that is a measurable share of a send).
 * The PGlite driver prepares the same ones (pglite-prepared.ts).
 * Only texts seen a few times get a name, and only so many: SQL built with a
 * variable shape (IN lists, multi-row inserts) must not grow every connection's
 * statement cache without bound.
 */
const PREPARE_AFTER = 3;
const MAX_NAMED = 2_000;
const MAX_TRACKED = 20_000;

export class StatementNames {
  private readonly names = new Map<string, string>();
  private readonly seen = new Map<string, number>();

  /** The statement's name, or undefined while it should still run unnamed. */
  nameFor(sql: string, paramCount: number): string | undefined {
    // Unparameterised texts may be multi-statement scripts, which cannot be prepared.
    if (paramCount === 0) return undefined;
    const name = this.names.get(sql);
    if (name !== undefined || this.names.size >= MAX_NAMED) return name;
    const count = (this.seen.get(sql) ?? 0) + 1;
    if (count < PREPARE_AFTER) {
      if (this.seen.size >= MAX_TRACKED) this.seen.clear();
      this.seen.set(sql, count);
      return undefined;
    }
    this.seen.delete(sql);
    const named = `lattice_${this.names.size}`;
    this.names.set(sql, named);
    return named;
  }
}
