/** The `retention` section (Synapse's message retention keys): defaults, durations, and refusals. */
import { ConfigError, parseConfig } from '../../src/config/index.js';

const parse = (text: string) => parseConfig(`server_name: example.org\n${text}`, { configDir: '/etc/lattice', env: {} });

test('retention is off by default, with no policy and no jobs', () => {
  expect(parse('').retention).toEqual({ enabled: false, default_policy: {}, purge_jobs: [] });
});

test("Synapse's keys and duration notations", () => {
  const { retention } = parse(`
retention:
  enabled: true
  default_policy: { min_lifetime: 1d, max_lifetime: 1y }
  allowed_lifetime_min: 1d
  allowed_lifetime_max: 1y
  purge_jobs:
    - { longest_max_lifetime: 3d, interval: 12h }
    - { shortest_max_lifetime: 3d, interval: 1d }
`);
  const day = 86_400_000;
  expect(retention).toEqual({
    enabled: true,
    default_policy: { min_lifetime: day, max_lifetime: 365 * day },
    allowed_lifetime_min: day,
    allowed_lifetime_max: 365 * day,
    purge_jobs: [
      { longest_max_lifetime: 3 * day, interval: day / 2 },
      { shortest_max_lifetime: 3 * day, interval: day },
    ],
  });
});

test('a job without an interval or with a malformed lifetime is refused', () => {
  expect(() => parse('retention: { purge_jobs: [{ longest_max_lifetime: 1d }] }\n')).toThrow(ConfigError);
  expect(() => parse('retention: { default_policy: { max_lifetime: soon } }\n')).toThrow(ConfigError);
});
