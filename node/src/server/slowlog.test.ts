// The slow log as data: Redis 7.0's argument limits and credential redaction, ids, order, trimming.
import { REDACTED, SlowLog, redactedPositions, slowlogArgv } from './slowlog.js';

test('at most 32 arguments are kept, the last one saying how many more there were', () => {
  const argv = ['RPUSH', 'k', ...Array.from({ length: 40 }, (_, i) => `v${i}`)];
  const kept = slowlogArgv(argv);
  expect(kept).toHaveLength(32);
  expect(kept.slice(0, 31)).toEqual(argv.slice(0, 31));
  expect(kept[31]).toBe('... (11 more arguments)');
  const exactly32 = argv.slice(0, 32);
  expect(slowlogArgv(exactly32)).toEqual(exactly32);
  expect(slowlogArgv(argv.slice(0, 33))[31]).toBe('... (2 more arguments)');
});

test('an argument longer than 128 bytes is cut, saying how many bytes were dropped', () => {
  const long = 'x'.repeat(200);
  expect(slowlogArgv(['SET', 'k', long])).toEqual(['SET', 'k', 'x'.repeat(128) + '... (72 more bytes)']);
  expect(slowlogArgv(['SET', 'k', 'y'.repeat(128)])).toEqual(['SET', 'k', 'y'.repeat(128)]);
  // Bytes, not characters: arguments are latin1 strings, one char per byte.
  expect(slowlogArgv(['SET', 'k', '\xff'.repeat(129)])[2]).toBe('\xff'.repeat(128) + '... (1 more bytes)');
});

test('credentials are redacted as redis-server 7.0 does', () => {
  expect(slowlogArgv(['AUTH', 'pw'])).toEqual(['AUTH', REDACTED]);
  expect(slowlogArgv(['auth', 'user', 'pw'])).toEqual(['auth', REDACTED, REDACTED]);
  expect(slowlogArgv(['HELLO', '3', 'AUTH', 'u', 'p', 'SETNAME', 'n'])).toEqual([
    'HELLO',
    '3',
    'AUTH',
    REDACTED,
    REDACTED,
    'SETNAME',
    'n',
  ]);
  expect(slowlogArgv(['HELLO', '3', 'SETNAME', 'auth', 'AUTH', 'u', 'p'])).toEqual([
    'HELLO',
    '3',
    'SETNAME',
    'auth',
    'AUTH',
    REDACTED,
    REDACTED,
  ]);
  // AUTH without both credentials is a syntax error: nothing is taken for a secret.
  expect(redactedPositions(['HELLO', '3', 'AUTH', 'u'])).toEqual([]);
  expect(slowlogArgv(['CONFIG', 'SET', 'requirepass', 'a', 'maxmemory', '0', 'MASTERAUTH', 'b'])).toEqual([
    'CONFIG',
    'SET',
    'requirepass',
    REDACTED,
    'maxmemory',
    '0',
    'MASTERAUTH',
    REDACTED,
  ]);
  expect(slowlogArgv(['config', 'set', 'masteruser', 'u'])).toEqual([
    'config',
    'set',
    'masteruser',
    REDACTED,
  ]);
  expect(slowlogArgv(['CONFIG', 'GET', 'requirepass'])).toEqual(['CONFIG', 'GET', 'requirepass']);
  expect(redactedPositions(['MIGRATE', 'h', '1', '', '0', '10', 'COPY', 'AUTH', 'pw', 'KEYS', 'a'])).toEqual([
    8,
  ]);
  expect(redactedPositions(['MIGRATE', 'h', '1', 'k', '0', '10', 'AUTH2', 'u', 'pw'])).toEqual([7, 8]);
  expect(redactedPositions(['ACL', 'SETUSER', 'bob', 'on', '>pw'])).toEqual([2, 3, 4]);
  expect(redactedPositions(['SET', 'auth', 'pw'])).toEqual([]);
});

test('entries come newest first with growing ids; RESET keeps counting ids', () => {
  const log = new SlowLog();
  log.push(['SET', 'a', '1'], 15, '127.0.0.1:1', '', 1000, 128);
  log.push(['GET', 'a'], 20, '127.0.0.1:2', 'worker', 1001, 128);
  expect(log.length).toBe(2);
  expect(log.newest(10)).toEqual([
    { id: 1, time: 1001, duration: 20, argv: ['GET', 'a'], peer: '127.0.0.1:2', name: 'worker' },
    { id: 0, time: 1000, duration: 15, argv: ['SET', 'a', '1'], peer: '127.0.0.1:1', name: '' },
  ]);
  expect(log.newest(1).map((e) => e.id)).toEqual([1]);
  expect(log.newest(0)).toEqual([]);
  expect(log.newest(-1)).toHaveLength(2);
  log.reset();
  expect(log.length).toBe(0);
  expect(log.newest(-1)).toEqual([]);
  log.push(['PING'], 1, 'x', '', 1002, 128);
  expect(log.newest(1)[0].id).toBe(2);
});

test('the log keeps the newest max-len entries, also over many pushes and a lowered max-len', () => {
  const log = new SlowLog();
  for (let i = 0; i < 1000; i++) log.push(['INCR', 'k'], i, 'x', '', 0, 10);
  expect(log.length).toBe(10);
  expect(log.newest(-1).map((e) => e.id)).toEqual([999, 998, 997, 996, 995, 994, 993, 992, 991, 990]);
  log.trim(3);
  expect(log.newest(-1).map((e) => e.id)).toEqual([999, 998, 997]);
  log.trim(0);
  expect(log.length).toBe(0);
  expect(log.newest(5)).toEqual([]);
  log.push(['PING'], 1, 'x', '', 0, 0);
  expect(log.length).toBe(0);
});
