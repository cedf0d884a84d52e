/** A room's effective retention policy and which purge jobs cover it. */
import { effectiveRetention, inJobRange } from '../../src/config/index.js';

const day = 86_400_000;
const config = { enabled: true, default_policy: { max_lifetime: 30 * day }, allowed_lifetime_min: day, allowed_lifetime_max: 60 * day, purge_jobs: [] };

test('a room policy wins over the default, clamped into the allowed range', () => {
  expect(effectiveRetention(config, { max_lifetime: 7 * day })).toEqual({ max_lifetime: 7 * day });
  expect(effectiveRetention(config, { max_lifetime: 1000 })).toEqual({ max_lifetime: day });
  expect(effectiveRetention(config, { max_lifetime: 365 * day, min_lifetime: 5 })).toEqual({ max_lifetime: 60 * day, min_lifetime: 5 });
});

test('missing or malformed values fall back to the default policy', () => {
  expect(effectiveRetention(config, undefined)).toEqual({ max_lifetime: 30 * day });
  expect(effectiveRetention(config, { max_lifetime: 'forever' })).toEqual({ max_lifetime: 30 * day });
  expect(effectiveRetention({ ...config, default_policy: {} }, {})).toEqual({});
});

test('job ranges are (shortest, longest]', () => {
  expect(inJobRange(3 * day, { longest_max_lifetime: 3 * day })).toBe(true);
  expect(inJobRange(3 * day, { shortest_max_lifetime: 3 * day })).toBe(false);
  expect(inJobRange(4 * day, { shortest_max_lifetime: 3 * day })).toBe(true);
  expect(inJobRange(4 * day, {})).toBe(true);
});
