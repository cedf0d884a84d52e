import { parseDuration, parseSize } from '../../src/config/index.js';

test('sizes: bytes, or K/M/G/T as powers of 1024', () => {
  expect(parseSize(1234)).toBe(1234);
  expect(parseSize('1234')).toBe(1234);
  expect(parseSize('10K')).toBe(10 * 1024);
  expect(parseSize('50M')).toBe(50 * 1024 * 1024);
  expect(parseSize('50m')).toBe(50 * 1024 * 1024);
  expect(parseSize('2G')).toBe(2 * 1024 ** 3);
  expect(parseSize('1T')).toBe(1024 ** 4);
  expect(parseSize('1.5M')).toBe(1.5 * 1024 * 1024);
  expect(parseSize('10MB')).toBe(10 * 1024 * 1024);
  expect(parseSize('10 MiB')).toBe(10 * 1024 * 1024);
  for (const bad of ['', 'M', '10X', '-1', '1e3', -1, 1.5, true, null, [1]]) expect(parseSize(bad)).toBeUndefined();
});

test('durations: milliseconds, or s/m/h/d/w/y', () => {
  expect(parseDuration(500)).toBe(500);
  expect(parseDuration('500')).toBe(500);
  expect(parseDuration('250ms')).toBe(250);
  expect(parseDuration('30s')).toBe(30_000);
  expect(parseDuration('5m')).toBe(300_000);
  expect(parseDuration('2h')).toBe(7_200_000);
  expect(parseDuration('1d')).toBe(86_400_000);
  expect(parseDuration('1w')).toBe(7 * 86_400_000);
  expect(parseDuration('1y')).toBe(365 * 86_400_000);
  for (const bad of ['', 'm', '5 minutes', '5M', '-5s', -1, Infinity, false]) expect(parseDuration(bad)).toBeUndefined();
});
