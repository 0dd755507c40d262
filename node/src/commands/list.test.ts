// Unit tests for the list commands against TestCtx: Redis 7.0 replies and error strings (checked
// against redis-server 7.0), argument-checking order, deletion of emptied lists, blocking and the
// commands propagated when a blocking command is served.
import { commands as list } from './list.js';
import { commands as string } from './string.js';
import { commands as keyspace } from './keyspace.js';
import { TestCtx, REPLY_WRONGTYPE, REPLY_NOT_INT, REPLY_SYNTAX, commandSpecOf } from './testing.js';

const WRONGTYPE = REPLY_WRONGTYPE;
const NOT_INT = REPLY_NOT_INT;
const SYNTAX = REPLY_SYNTAX;

function ctx(): TestCtx {
  return new TestCtx([...list, ...string, ...keyspace]);
}

function spec(name: string): [number, string[], number, number, number] {
  return commandSpecOf(list, name);
}

describe('list command table', () => {
  test('arity, flags and key specs as COMMAND INFO reports them', () => {
    expect(spec('lpush')).toEqual([-3, ['write', 'denyoom', 'fast'], 1, 1, 1]);
    expect(spec('lpop')).toEqual([-2, ['write', 'fast'], 1, 1, 1]);
    expect(spec('lindex')).toEqual([3, ['readonly'], 1, 1, 1]);
    expect(spec('lpos')).toEqual([-3, ['readonly'], 1, 1, 1]);
    expect(spec('lmove')).toEqual([5, ['write', 'denyoom'], 1, 2, 1]);
    expect(spec('lmpop')).toEqual([-4, ['write'], 0, 0, 0]);
    expect(spec('blpop')).toEqual([-3, ['write', 'noscript', 'blocking'], 1, -2, 1]);
    expect(spec('blmove')).toEqual([6, ['write', 'denyoom', 'noscript', 'blocking'], 1, 2, 1]);
    expect(spec('brpoplpush')).toEqual([4, ['write', 'denyoom', 'noscript', 'blocking'], 1, 2, 1]);
    expect(spec('blmpop')).toEqual([-5, ['write', 'blocking'], 0, 0, 0]);
    expect(list.map((s) => s.name).sort()).toEqual(
      [
        'blmove',
        'blmpop',
        'blpop',
        'brpop',
        'brpoplpush',
        'lindex',
        'linsert',
        'llen',
        'lmove',
        'lmpop',
        'lpop',
        'lpos',
        'lpush',
        'lpushx',
        'lrange',
        'lrem',
        'lset',
        'ltrim',
        'rpop',
        'rpoplpush',
        'rpush',
        'rpushx',
      ].sort(),
    );
  });
});

describe('push, pop, length', () => {
  test('LPUSH/RPUSH order and lengths; *PUSHX only on existing lists', () => {
    const c = ctx();
    expect(c.run('RPUSH', 'l', 'a', 'b')).toBe(2);
    expect(c.run('LPUSH', 'l', 'x', 'y')).toBe(4);
    expect(c.run('LRANGE', 'l', 0, -1)).toEqual(['y', 'x', 'a', 'b']);
    expect(c.run('LPUSHX', 'nol', 'a')).toBe(0);
    expect(c.run('RPUSHX', 'nol', 'a')).toBe(0);
    expect(c.run('EXISTS', 'nol')).toBe(0);
    expect(c.run('LPUSHX', 'l', 'p', 'q')).toBe(6);
    expect(c.run('RPUSHX', 'l', 'z')).toBe(7);
    expect(c.run('LRANGE', 'l', 0, -1)).toEqual(['q', 'p', 'y', 'x', 'a', 'b', 'z']);
    expect(c.run('LLEN', 'l')).toBe(7);
    expect(c.run('LLEN', 'nol')).toBe(0);
    expect(c.run('LPUSH', 'l')).toEqual({ error: "ERR wrong number of arguments for 'lpush' command" });
  });

  test('LPOP/RPOP with and without count, Redis 7.0 reply shapes', () => {
    const c = ctx();
    c.run('RPUSH', 'l', 1, 2, 3, 4, 5);
    expect(c.run('LPOP', 'l')).toBe('1');
    expect(c.run('RPOP', 'l')).toBe('5');
    expect(c.run('LPOP', 'l', 2)).toEqual(['2', '3']);
    expect(c.run('RPOP', 'l', 0)).toEqual([]);
    expect(c.run('LPOP', 'l', -1)).toEqual({ error: 'ERR value is out of range, must be positive' });
    expect(c.run('LPOP', 'l', 'abc')).toEqual({ error: 'ERR value is out of range, must be positive' });
    expect(c.run('LPOP', 'l', 1, 2)).toEqual({ error: "ERR wrong number of arguments for 'lpop' command" });
    expect(c.run('RPOP', 'l', 10)).toEqual(['4']);
    // The emptied list is gone; a count on a missing key replies a null array, no count a null bulk.
    expect(c.run('EXISTS', 'l')).toBe(0);
    expect(c.run('LPOP', 'l')).toBeNull();
    expect(c.run('LPOP', 'l', 0)).toBeNull();
    expect(c.run('LPOP', 'l', 3)).toBeNull();
  });

  test('WRONGTYPE from every list command on a string key', () => {
    const c = ctx();
    c.run('SET', 's', 'x');
    for (const argv of [
      ['LPUSH', 's', 'a'],
      ['RPUSHX', 's', 'a'],
      ['LPOP', 's'],
      ['RPOP', 's', 0],
      ['LLEN', 's'],
      ['LINDEX', 's', 0],
      ['LSET', 's', 0, 'a'],
      ['LRANGE', 's', 0, 1],
      ['LTRIM', 's', 0, 1],
      ['LREM', 's', 0, 'a'],
      ['LINSERT', 's', 'BEFORE', 'a', 'b'],
      ['LPOS', 's', 'a'],
      ['LMOVE', 's', 'd', 'LEFT', 'LEFT'],
      ['LMPOP', 1, 's', 'LEFT'],
      ['BLPOP', 's', 0],
      ['BLMPOP', 0, 1, 's', 'LEFT'],
    ]) {
      expect(c.run(...argv)).toEqual(WRONGTYPE);
    }
    expect(c.run('GET', 's')).toBe('x');
  });
});

describe('indexes and ranges', () => {
  test('LINDEX, LSET and their errors (LSET checks the key before the index)', () => {
    const c = ctx();
    c.run('RPUSH', 'l', 'a', 'b', 'c');
    expect(c.run('LINDEX', 'l', 0)).toBe('a');
    expect(c.run('LINDEX', 'l', -1)).toBe('c');
    expect(c.run('LINDEX', 'l', 3)).toBeNull();
    expect(c.run('LINDEX', 'l', -4)).toBeNull();
    expect(c.run('LINDEX', 'l', 'x')).toEqual(NOT_INT);
    expect(c.run('LINDEX', 'nol', 0)).toBeNull();
    expect(c.run('LSET', 'l', -1, 'C')).toBe('OK');
    expect(c.run('LSET', 'l', 3, 'x')).toEqual({ error: 'ERR index out of range' });
    expect(c.run('LSET', 'nol', 0, 'x')).toEqual({ error: 'ERR no such key' });
    expect(c.run('LSET', 'nol', 'abc', 'x')).toEqual({ error: 'ERR no such key' });
    expect(c.run('LSET', 'l', 'abc', 'x')).toEqual(NOT_INT);
    expect(c.run('LRANGE', 'l', 0, -1)).toEqual(['a', 'b', 'C']);
  });

  test('LRANGE clamping and LTRIM (an empty result deletes the key)', () => {
    const c = ctx();
    c.run('RPUSH', 'l', 'a', 'b', 'c', 'd', 'e');
    expect(c.run('LRANGE', 'l', -100, 100)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(c.run('LRANGE', 'l', 1, -2)).toEqual(['b', 'c', 'd']);
    expect(c.run('LRANGE', 'l', 3, 1)).toEqual([]);
    expect(c.run('LRANGE', 'l', 10, 20)).toEqual([]);
    expect(c.run('LRANGE', 'l', 'x', 1)).toEqual(NOT_INT);
    expect(c.run('LRANGE', 'nol', 0, -1)).toEqual([]);
    expect(c.run('LTRIM', 'l', 1, -2)).toBe('OK');
    expect(c.run('LRANGE', 'l', 0, -1)).toEqual(['b', 'c', 'd']);
    expect(c.run('LTRIM', 'nol', 0, 1)).toBe('OK');
    expect(c.run('LTRIM', 'l', 'x', 1)).toEqual(NOT_INT);
    expect(c.run('LTRIM', 'l', 5, 1)).toBe('OK');
    expect(c.run('EXISTS', 'l')).toBe(0);
  });
});

describe('LREM, LINSERT, LPOS', () => {
  test('LREM from the head, from the tail, all; emptied list deleted', () => {
    const c = ctx();
    c.run('RPUSH', 'l', 'a', 'b', 'a', 'c', 'a');
    expect(c.run('LREM', 'l', 1, 'a')).toBe(1);
    expect(c.run('LRANGE', 'l', 0, -1)).toEqual(['b', 'a', 'c', 'a']);
    expect(c.run('LREM', 'l', -1, 'a')).toBe(1);
    expect(c.run('LRANGE', 'l', 0, -1)).toEqual(['b', 'a', 'c']);
    expect(c.run('LREM', 'l', 0, 'zz')).toBe(0);
    expect(c.run('LREM', 'l', 'x', 'a')).toEqual(NOT_INT);
    expect(c.run('LREM', 'nol', 0, 'a')).toBe(0);
    c.run('RPUSH', 'm', 'x', 'x');
    expect(c.run('LREM', 'm', 0, 'x')).toBe(2);
    expect(c.run('EXISTS', 'm')).toBe(0);
  });

  test('LINSERT BEFORE/AFTER, missing pivot, missing key, bad position', () => {
    const c = ctx();
    c.run('RPUSH', 'l', 'a', 'c');
    expect(c.run('LINSERT', 'l', 'BEFORE', 'c', 'b')).toBe(3);
    expect(c.run('LINSERT', 'l', 'after', 'c', 'd')).toBe(4);
    expect(c.run('LINSERT', 'l', 'BEFORE', 'zz', 'x')).toBe(-1);
    expect(c.run('LINSERT', 'nol', 'BEFORE', 'a', 'x')).toBe(0);
    expect(c.run('LINSERT', 'l', 'MIDDLE', 'a', 'x')).toEqual(SYNTAX);
    expect(c.run('LRANGE', 'l', 0, -1)).toEqual(['a', 'b', 'c', 'd']);
    expect(c.run('EXISTS', 'nol')).toBe(0);
  });

  test('LPOS with RANK, COUNT, MAXLEN and their errors', () => {
    const c = ctx();
    c.run('RPUSH', 'l', 'a', 'b', 'c', 'b', 'd', 'b');
    expect(c.run('LPOS', 'l', 'b')).toBe(1);
    expect(c.run('LPOS', 'l', 'b', 'RANK', 2)).toBe(3);
    expect(c.run('LPOS', 'l', 'b', 'RANK', -1)).toBe(5);
    expect(c.run('LPOS', 'l', 'b', 'RANK', -2)).toBe(3);
    expect(c.run('LPOS', 'l', 'b', 'RANK', 4)).toBeNull();
    expect(c.run('LPOS', 'l', 'b', 'COUNT', 0)).toEqual([1, 3, 5]);
    expect(c.run('LPOS', 'l', 'b', 'COUNT', 2)).toEqual([1, 3]);
    expect(c.run('LPOS', 'l', 'b', 'COUNT', 0, 'RANK', -1)).toEqual([5, 3, 1]);
    expect(c.run('LPOS', 'l', 'b', 'COUNT', 0, 'MAXLEN', 4)).toEqual([1, 3]);
    expect(c.run('LPOS', 'l', 'b', 'RANK', -1, 'MAXLEN', 1)).toBe(5);
    expect(c.run('LPOS', 'l', 'b', 'RANK', -1, 'MAXLEN', 2, 'COUNT', 0)).toEqual([5]);
    expect(c.run('LPOS', 'l', 'zz')).toBeNull();
    expect(c.run('LPOS', 'l', 'zz', 'COUNT', 0)).toEqual([]);
    expect(c.run('LPOS', 'nol', 'b')).toBeNull();
    expect(c.run('LPOS', 'nol', 'b', 'COUNT', 1)).toEqual([]);
    // Redis 7.0 treats RANK -2^63 (which it cannot negate) like -1.
    expect(c.run('LPOS', 'l', 'b', 'RANK', '-9223372036854775808')).toBe(5);
    const rank0 = {
      error:
        "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list",
    };
    expect(c.run('LPOS', 'l', 'b', 'RANK', 0)).toEqual(rank0);
    expect(c.run('LPOS', 'l', 'b', 'RANK', 'x')).toEqual(NOT_INT);
    expect(c.run('LPOS', 'l', 'b', 'COUNT', -1)).toEqual({ error: "ERR COUNT can't be negative" });
    expect(c.run('LPOS', 'l', 'b', 'COUNT', 'x')).toEqual({ error: "ERR COUNT can't be negative" });
    expect(c.run('LPOS', 'l', 'b', 'MAXLEN', -1)).toEqual({ error: "ERR MAXLEN can't be negative" });
    expect(c.run('LPOS', 'l', 'b', 'RANK')).toEqual(SYNTAX);
    expect(c.run('LPOS', 'l', 'b', 'FOO', 1)).toEqual(SYNTAX);
    // Options are parsed before the key is looked up.
    expect(c.run('LPOS', 'nol', 'b', 'RANK', 0)).toEqual(rank0);
  });
});

describe('moves and multi-pops', () => {
  test('LMOVE in all directions, same-key rotation, RPOPLPUSH; emptied source deleted', () => {
    const c = ctx();
    c.run('RPUSH', 'src', 1, 2, 3);
    expect(c.run('LMOVE', 'src', 'dst', 'LEFT', 'RIGHT')).toBe('1');
    expect(c.run('LMOVE', 'src', 'dst', 'right', 'left')).toBe('3');
    expect(c.run('LRANGE', 'dst', 0, -1)).toEqual(['3', '1']);
    expect(c.run('RPOPLPUSH', 'src', 'dst')).toBe('2');
    expect(c.run('EXISTS', 'src')).toBe(0);
    expect(c.run('RPOPLPUSH', 'src', 'dst')).toBeNull();
    expect(c.run('LMOVE', 'dst', 'dst', 'LEFT', 'RIGHT')).toBe('2');
    expect(c.run('LRANGE', 'dst', 0, -1)).toEqual(['3', '1', '2']);
    expect(c.run('LMOVE', 'dst', 'x', 'UP', 'LEFT')).toEqual(SYNTAX);
  });

  test('LMOVE type checks: missing source first (nil), then the destination before popping', () => {
    const c = ctx();
    c.run('SET', 's', 'x');
    expect(c.run('LMOVE', 'nol', 's', 'LEFT', 'LEFT')).toBeNull();
    c.run('RPUSH', 'src', 'a');
    expect(c.run('LMOVE', 'src', 's', 'LEFT', 'LEFT')).toEqual(WRONGTYPE);
    expect(c.run('LLEN', 'src')).toBe(1);
  });

  test('LMPOP: first non-empty key, COUNT, propagated as LPOP/RPOP key n, errors', () => {
    const c = ctx();
    c.run('RPUSH', 'm', 1, 2, 3);
    expect(c.run('LMPOP', 2, 'nol', 'm', 'RIGHT', 'COUNT', 2)).toEqual(['m', ['3', '2']]);
    expect(c.propagated).toEqual([['RPOP', 'm', '2']]);
    expect(c.run('LMPOP', 1, 'm', 'LEFT', 'COUNT', 10)).toEqual(['m', ['1']]);
    expect(c.propagated).toEqual([['LPOP', 'm', '1']]);
    expect(c.run('EXISTS', 'm')).toBe(0);
    expect(c.run('LMPOP', 1, 'm', 'LEFT')).toBeNull();
    const numkeys = { error: 'ERR numkeys should be greater than 0' };
    expect(c.run('LMPOP', 0, 'm', 'LEFT')).toEqual(numkeys);
    expect(c.run('LMPOP', -1, 'm', 'LEFT')).toEqual(numkeys);
    expect(c.run('LMPOP', 'x', 'm', 'LEFT')).toEqual(numkeys);
    expect(c.run('LMPOP', 3, 'm', 'LEFT')).toEqual(SYNTAX);
    expect(c.run('LMPOP', 1, 'm', 'MIDDLE')).toEqual(SYNTAX);
    expect(c.run('LMPOP', 1, 'm', 'LEFT', 'COUNT', 0)).toEqual({
      error: 'ERR count should be greater than 0',
    });
    expect(c.run('LMPOP', 1, 'm', 'LEFT', 'COUNT', 1, 'COUNT', 2)).toEqual(SYNTAX);
    expect(c.run('LMPOP', 1, 'm', 'LEFT', 'COUNT')).toEqual(SYNTAX);
  });
});

describe('blocking commands', () => {
  test('BLPOP/BRPOP serve the first non-empty key at once and propagate LPOP/RPOP key', () => {
    const c = ctx();
    c.run('RPUSH', 'q', 'a', 'b');
    expect(c.run('BLPOP', 'nol', 'q', 0)).toEqual(['q', 'a']);
    expect(c.propagated).toEqual([['LPOP', 'q']]);
    expect(c.blocked).toBeNull();
    expect(c.run('BRPOP', 'nol', 'q', 0)).toEqual(['q', 'b']);
    expect(c.propagated).toEqual([['RPOP', 'q']]);
    expect(c.run('EXISTS', 'q')).toBe(0);
  });

  test('nothing to serve: block on all keys with the timeout in ms, no reply', () => {
    const c = ctx();
    c.run('BLPOP', 'a', 'b', '1.5');
    expect(c.blocked).toEqual({ keys: ['a', 'b'], timeoutMs: 1500 });
    expect(c.propagated).toBeNull();
    c.run('BRPOP', 'a', 0);
    expect(c.blocked).toEqual({ keys: ['a'], timeoutMs: 0 });
    c.run('BLMOVE', 'a', 'b', 'LEFT', 'RIGHT', '0.25');
    expect(c.blocked).toEqual({ keys: ['a'], timeoutMs: 250 });
    c.run('BRPOPLPUSH', 'a', 'b', 2);
    expect(c.blocked).toEqual({ keys: ['a'], timeoutMs: 2000 });
    c.run('BLMPOP', '0.001', 2, 'a', 'b', 'LEFT');
    expect(c.blocked).toEqual({ keys: ['a', 'b'], timeoutMs: 1 });
  });

  test('the handler is re-runnable: a re-run after a push serves the client', () => {
    const c = ctx();
    c.run('BLPOP', 'q', 0);
    expect(c.blocked).not.toBeNull();
    c.run('RPUSH', 'q', 'job');
    expect(c.run('BLPOP', 'q', 0)).toEqual(['q', 'job']);
    expect(c.blocked).toBeNull();
  });

  test('BLMOVE/BRPOPLPUSH/BLMPOP served at once propagate their non-blocking forms', () => {
    const c = ctx();
    c.run('RPUSH', 'q', 'a', 'b', 'c', 'd');
    expect(c.run('BLMOVE', 'q', 'd', 'left', 'right', 0)).toBe('a');
    expect(c.propagated).toEqual([['LMOVE', 'q', 'd', 'LEFT', 'RIGHT']]);
    expect(c.run('BRPOPLPUSH', 'q', 'd', 0)).toBe('d');
    expect(c.propagated).toEqual([['RPOPLPUSH', 'q', 'd']]);
    expect(c.run('BLMPOP', 0, 2, 'nol', 'q', 'LEFT', 'COUNT', 5)).toEqual(['q', ['b', 'c']]);
    expect(c.propagated).toEqual([['LPOP', 'q', '2']]);
    expect(c.run('LRANGE', 'd', 0, -1)).toEqual(['d', 'a']);
  });

  test('timeout parsing like Redis 7.0 (ceil of seconds * 1000 in long double)', () => {
    const c = ctx();
    const negative = { error: 'ERR timeout is negative' };
    const notFloat = { error: 'ERR timeout is not a float or out of range' };
    expect(c.run('BLPOP', 'q', -1)).toEqual(negative);
    expect(c.run('BLPOP', 'q', '-0.01')).toEqual(negative);
    expect(c.run('BLPOP', 'q', 'inf')).toEqual(negative);
    expect(c.run('BLPOP', 'q', '1e20')).toEqual(negative);
    expect(c.run('BLPOP', 'q', 'abc')).toEqual(notFloat);
    expect(c.run('BLPOP', 'q', 'nan')).toEqual(notFloat);
    expect(c.run('BLPOP', 'q', ' 1')).toEqual(notFloat);
    c.run('BLPOP', 'q', '0.0009');
    expect(c.blocked?.timeoutMs).toBe(1);
    c.run('BLPOP', 'q', '-0.0001');
    expect(c.blocked?.timeoutMs).toBe(0);
    c.run('BLPOP', 'q', '0x10');
    expect(c.blocked?.timeoutMs).toBe(16000);
  });

  test('argument errors of the blocking commands, in Redis order', () => {
    const c = ctx();
    expect(c.run('BLMOVE', 'a', 'b', 'UP', 'LEFT', 0)).toEqual(SYNTAX);
    expect(c.run('BLMOVE', 'a', 'b', 'LEFT', 'LEFT', -1)).toEqual({ error: 'ERR timeout is negative' });
    // BLMPOP checks numkeys/keys/end before its timeout.
    expect(c.run('BLMPOP', 'x', 0, 'a', 'LEFT')).toEqual({ error: 'ERR numkeys should be greater than 0' });
    expect(c.run('BLMPOP', 'x', 1, 'a', 'BAD')).toEqual(SYNTAX);
    expect(c.run('BLMPOP', 'x', 1, 'a', 'LEFT')).toEqual({
      error: 'ERR timeout is not a float or out of range',
    });
    expect(c.run('BLPOP', 'a')).toEqual({ error: "ERR wrong number of arguments for 'blpop' command" });
  });
});

describe('keyspace events (as redis-server 7.0 sends them)', () => {
  test('push, pop and the del of an emptied list; count 0 and misses of writes announce nothing', () => {
    const c = ctx();
    c.run('RPUSH', 'l', 'a', 'b', 'c');
    expect(c.eventNames()).toEqual(['new:l', 'rpush:l']);
    c.run('LPUSHX', 'zz', 'a');
    c.run('LPOP', 'l', '0');
    c.run('LPOP', 'zz');
    expect(c.eventNames()).toEqual([]);
    c.run('RPOP', 'l', '5');
    expect(c.eventNames()).toEqual(['rpop:l', 'del:l']);
    c.run('LLEN', 'zz');
    expect(c.eventNames()).toEqual(['keymiss:zz']);
    expect(c.run('LINDEX', 'zz', 'abc')).toBeNull();
    expect(c.eventNames()).toEqual(['keymiss:zz']);
  });

  test('LSET, LINSERT, LREM, LTRIM (an emptying trim also deletes)', () => {
    const c = ctx();
    c.run('RPUSH', 'l', 'a', 'b', 'a');
    c.run('LSET', 'l', '0', 'x');
    expect(c.eventNames()).toEqual(['lset:l']);
    c.run('LINSERT', 'l', 'BEFORE', 'nothere', 'y');
    expect(c.eventNames()).toEqual([]);
    c.run('LINSERT', 'l', 'AFTER', 'x', 'y');
    expect(c.eventNames()).toEqual(['linsert:l']);
    c.run('LREM', 'l', '0', 'nothere');
    expect(c.eventNames()).toEqual([]);
    c.run('LREM', 'l', '0', 'a');
    expect(c.eventNames()).toEqual(['lrem:l']);
    c.run('LTRIM', 'l', '0', '-1');
    expect(c.eventNames()).toEqual(['ltrim:l']);
    c.run('LTRIM', 'l', '9', '10');
    expect(c.eventNames()).toEqual(['ltrim:l', 'del:l']);
  });

  test('LMOVE announces the push before the pop; a one-element list moved onto itself stays', () => {
    const c = ctx();
    c.run('RPUSH', 's', 'a');
    c.run('LMOVE', 's', 'd', 'LEFT', 'RIGHT');
    expect(c.eventNames()).toEqual(['new:d', 'rpush:d', 'lpop:s', 'del:s']);
    c.run('LMOVE', 'd', 'd', 'RIGHT', 'LEFT');
    expect(c.eventNames()).toEqual(['lpush:d', 'rpop:d']);
    expect(c.run('LRANGE', 'd', '0', '-1')).toEqual(['a']);
    c.run('SET', 'str', 'v');
    expect(c.run('LMOVE', 'd', 'str', 'LEFT', 'LEFT')).toEqual(WRONGTYPE);
    expect(c.eventNames()).toEqual([]);
    c.run('BRPOPLPUSH', 'd', 'e', '0');
    expect(c.eventNames()).toEqual(['new:e', 'lpush:e', 'rpop:d', 'del:d']);
  });

  test('a blocking pop run again once served announces as LPOP/LMPOP do', () => {
    const c = ctx();
    c.run('BLMPOP', '0', '2', 'a', 'b', 'RIGHT', 'COUNT', '5');
    expect(c.blocked).not.toBeNull();
    expect(c.eventNames()).toEqual([]);
    c.run('RPUSH', 'b', 'x', 'y');
    c.run('BLMPOP', '0', '2', 'a', 'b', 'RIGHT', 'COUNT', '5');
    expect(c.eventNames()).toEqual(['rpop:b', 'del:b']);
    c.run('RPUSH', 'a', 'x', 'y');
    c.run('BLPOP', 'a', '0');
    expect(c.eventNames()).toEqual(['lpop:a']);
  });
});
