// MONITOR line format: timestamps, quoting and escaping as redis-server prints them, redaction.
import { monitorLine, reprArg } from './monitor.js';

test('arguments are quoted and escaped like sdscatrepr', () => {
  expect(reprArg('set')).toBe('"set"');
  expect(reprArg('a"b\\c')).toBe('"a\\"b\\\\c"');
  expect(reprArg('\n\r\t\x07\x08')).toBe('"\\n\\r\\t\\a\\b"');
  expect(reprArg('\x00\xff\x7f')).toBe('"\\x00\\xff\\x7f"');
});

test('a line has the time with microseconds, the db and the address; credentials are redacted', () => {
  expect(monitorLine(1700000000123.456, 3, '127.0.0.1:5000', ['SET', 'k', 'v'])).toBe(
    '1700000000.123456 [3 127.0.0.1:5000] "SET" "k" "v"',
  );
  expect(monitorLine(1700000000000, 0, 'x', ['AUTH', 'user', 'pw'])).toBe(
    '1700000000.000000 [0 x] "AUTH" "(redacted)" "(redacted)"',
  );
  expect(monitorLine(1700000000000, 0, 'x', ['HELLO', '3', 'AUTH', 'u', 'p', 'SETNAME', 'n'])).toBe(
    '1700000000.000000 [0 x] "HELLO" "3" "AUTH" "(redacted)" "(redacted)" "SETNAME" "n"',
  );
});
