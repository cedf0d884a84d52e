/**
 * The `filter` parameter of /sync, compiled once: stored filters by (user, id)
 * (they never change once created) and inline JSON by its text, since clients
 * repeat the same inline filter on every long-poll.
 */
import { Errors, compileFilter, decodeFilterParam, parseFilter, type CompiledFilter } from '@lattice/core';
import { Lru } from '@lattice/rooms';
import type { Queryable } from '@lattice/storage';
import { selectFilter } from '../stores/filters.js';

const DEFAULT_FILTER = compileFilter();
const CACHE_SIZE = 10_000;

export class FilterCache {
  private readonly compiled = new Lru<string, CompiledFilter>(CACHE_SIZE);

  constructor(private readonly db: Queryable) {}

  async resolve(userId: string, param: string | undefined): Promise<CompiledFilter> {
    if (param === undefined || param === '') return DEFAULT_FILTER;
    const inline = param.startsWith('{');
    const key = inline ? param : `${userId}\u0000${param}`;
    const cached = this.compiled.get(key);
    if (cached) return cached;
    let json: unknown;
    if (inline) {
      json = decodeFilterParam(param);
    } else {
      const stored = await selectFilter(this.db, userId, param);
      if (stored === undefined) throw Errors.invalidParam(`Unknown filter: ${param}`);
      json = JSON.parse(stored);
    }
    const filter = compileFilter(parseFilter(json, 'M_INVALID_PARAM'));
    this.compiled.set(key, filter);
    return filter;
  }
}
