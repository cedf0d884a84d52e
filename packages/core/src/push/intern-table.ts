/**
 * Shares equal compiled objects (matchers, rules) between the rule sets of many users,
 * so that evaluating an event for every member of a large room keeps touching the same
 * few objects. Bounded: when full it starts over (objects already handed out stay valid).
 */
export class InternTable<V> {
  private readonly entries = new Map<string, V>();

  constructor(private readonly capacity: number) {}

  get(key: string, make: () => V): V {
    let value = this.entries.get(key);
    if (value === undefined) {
      if (this.entries.size >= this.capacity) this.entries.clear();
      value = make();
      this.entries.set(key, value);
    }
    return value;
  }
}
