// Unit tests for reply encoding: RESP framing helpers and doubles formatted like C's "%.17g" (what
// Redis 7.0 prints for scores), checked against printf's output for the same values.
import * as R from './reply.js';
import { formatDouble } from './double.js';

test.each([
  [1.1, '1.1000000000000001'],
  [0.1, '0.10000000000000001'],
  [1e20, '1e+20'],
  [1.5e-7, '1.4999999999999999e-07'],
  [3, '3'],
  [-0, '-0'],
  [2.5, '2.5'],
  [123456789.123, '123456789.123'],
  [1e17, '1e+17'],
  [1e16, '10000000000000000'],
  [0.0001, '0.0001'],
  [0.00001, '1.0000000000000001e-05'],
  [-1.5e300, '-1.5000000000000001e+300'],
  [Infinity, 'inf'],
  [-Infinity, '-inf'],
])('formatDouble(%p) prints like %%.17g: %s', (x, expected) => {
  expect(formatDouble(x)).toBe(expected);
});

test('RESP framing', () => {
  expect(R.bulk('héllo')).toBe('$5\r\nhéllo\r\n'); // latin1: one char per byte
  expect(R.int(-42)).toBe(':-42\r\n');
  expect(R.error('ERR bad\r\nthing')).toBe('-ERR bad thing\r\n');
  expect(R.double(2.5, 2)).toBe('$3\r\n2.5\r\n');
  expect(R.double(2.5, 3)).toBe(',2.5\r\n');
  expect(R.command(['SET', 'k', ''])).toBe('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n');
});
