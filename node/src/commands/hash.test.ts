// Unit tests for the hash commands against TestCtx: Redis 7.0 replies and error strings (checked
// against redis-server 7.0), HINCRBYFLOAT's long double arithmetic, HRANDFIELD counts and RESP3 shape,
// HSCAN argument order, and deletion of emptied hashes.
import { commands as hash, timeoutMsLongDouble } from './hash.js';
import { commands as string } from './string.js';
import { commands as keyspace } from './keyspace.js';
import { TestCtx, REPLY_WRONGTYPE, REPLY_NOT_INT, REPLY_SYNTAX, commandSpecOf } from './testing.js';

const WRONGTYPE = REPLY_WRONGTYPE;
const NOT_INT = REPLY_NOT_INT;
const SYNTAX = REPLY_SYNTAX;

function ctx(): TestCtx {
  return new TestCtx([...hash, ...string, ...keyspace]);
}

function spec(name: string): [number, string[], number, number, number] {
  return commandSpecOf(hash, name);
}

describe('hash command table', () => {
  test('arity, flags and key specs as COMMAND INFO reports them', () => {
    expect(spec('hset')).toEqual([-4, ['write', 'denyoom', 'fast'], 1, 1, 1]);
    expect(spec('hmset')).toEqual([-4, ['write', 'denyoom', 'fast'], 1, 1, 1]);
    expect(spec('hsetnx')).toEqual([4, ['write', 'denyoom', 'fast'], 1, 1, 1]);
    expect(spec('hget')).toEqual([3, ['readonly', 'fast'], 1, 1, 1]);
    expect(spec('hdel')).toEqual([-3, ['write', 'fast'], 1, 1, 1]);
    expect(spec('hgetall')).toEqual([2, ['readonly'], 1, 1, 1]);
    expect(spec('hincrbyfloat')).toEqual([4, ['write', 'denyoom', 'fast'], 1, 1, 1]);
    expect(spec('hrandfield')).toEqual([-2, ['readonly'], 1, 1, 1]);
    expect(spec('hscan')).toEqual([-3, ['readonly'], 1, 1, 1]);
    expect(hash.length).toBe(16);
  });
});

describe('setting and reading', () => {
  test('HSET/HMSET/HSETNX replies and arity errors', () => {
    const c = ctx();
    expect(c.run('HSET', 'h', 'a', 1, 'b', 2)).toBe(2);
    expect(c.run('HSET', 'h', 'a', 3, 'c', 4)).toBe(1);
    expect(c.run('HMSET', 'h', 'd', 5)).toBe('OK');
    expect(c.run('HSETNX', 'h', 'a', 9)).toBe(0);
    expect(c.run('HSETNX', 'h', 'n', 9)).toBe(1);
    expect(c.run('HSETNX', 'new', 'f', 'v')).toBe(1);
    expect(c.run('HGET', 'h', 'a')).toBe('3');
    expect(c.run('HSET', 'h', 'a', 1, 'b')).toEqual({
      error: "ERR wrong number of arguments for 'hset' command",
    });
    expect(c.run('HMSET', 'h', 'a', 1, 'b')).toEqual({
      error: "ERR wrong number of arguments for 'hmset' command",
    });
    expect(c.run('HSET', 'h', 'a')).toEqual({ error: "ERR wrong number of arguments for 'hset' command" });
    expect(c.run('HGET', 'h')).toEqual({ error: "ERR wrong number of arguments for 'hget' command" });
  });

  test('reads on present and missing fields and keys', () => {
    const c = ctx();
    c.run('HSET', 'h', 'a', 'xyz', 'b', '');
    expect(c.run('HGET', 'h', 'nope')).toBeNull();
    expect(c.run('HGET', 'nokey', 'a')).toBeNull();
    expect(c.run('HMGET', 'h', 'a', 'nope', 'b')).toEqual(['xyz', null, '']);
    expect(c.run('HMGET', 'nokey', 'a', 'b')).toEqual([null, null]);
    expect(c.run('HLEN', 'h')).toBe(2);
    expect(c.run('HLEN', 'nokey')).toBe(0);
    expect(c.run('HSTRLEN', 'h', 'a')).toBe(3);
    expect(c.run('HSTRLEN', 'h', 'nope')).toBe(0);
    expect(c.run('HEXISTS', 'h', 'b')).toBe(1);
    expect(c.run('HEXISTS', 'h', 'nope')).toBe(0);
    expect(c.run('HEXISTS', 'nokey', 'a')).toBe(0);
    expect(c.run('HKEYS', 'h')).toEqual(['a', 'b']);
    expect(c.run('HVALS', 'h')).toEqual(['xyz', '']);
    expect(c.run('HKEYS', 'nokey')).toEqual([]);
    expect(c.run('HVALS', 'nokey')).toEqual([]);
    expect(c.run('HGETALL', 'h')).toEqual(['a', 'xyz', 'b', '']);
    expect(c.run('HGETALL', 'nokey')).toEqual([]);
    // Binary-safe (latin1) fields and values.
    c.run('HSET', 'bin', '\x00\xff', '\r\n');
    expect(c.run('HGET', 'bin', '\x00\xff')).toBe('\r\n');
  });

  test('HDEL counts removed fields and deletes the emptied hash', () => {
    const c = ctx();
    c.run('HSET', 'h', 'a', 1, 'b', 2);
    expect(c.run('HDEL', 'h', 'nope')).toBe(0);
    expect(c.run('HDEL', 'h', 'a', 'a', 'nope')).toBe(1);
    expect(c.run('HDEL', 'nokey', 'a')).toBe(0);
    expect(c.run('HDEL', 'h', 'b')).toBe(1);
    expect(c.run('EXISTS', 'h')).toBe(0);
  });

  test('WRONGTYPE from every hash command on a string key', () => {
    const c = ctx();
    c.run('SET', 's', 'x');
    for (const argv of [
      ['HSET', 's', 'a', 1],
      ['HSETNX', 's', 'a', 1],
      ['HGET', 's', 'a'],
      ['HMGET', 's', 'a'],
      ['HDEL', 's', 'a'],
      ['HLEN', 's'],
      ['HSTRLEN', 's', 'a'],
      ['HEXISTS', 's', 'a'],
      ['HKEYS', 's'],
      ['HVALS', 's'],
      ['HGETALL', 's'],
      ['HINCRBY', 's', 'a', 1],
      ['HINCRBYFLOAT', 's', 'a', 1],
      ['HRANDFIELD', 's'],
      ['HRANDFIELD', 's', 2],
      ['HSCAN', 's', 0],
    ]) {
      expect(c.run(...argv)).toEqual(WRONGTYPE);
    }
  });
});

describe('counters', () => {
  test('HINCRBY: creation, limits and errors', () => {
    const c = ctx();
    expect(c.run('HINCRBY', 'h', 'n', 5)).toBe(5);
    expect(c.run('HINCRBY', 'h', 'n', -15)).toBe(-10);
    expect(c.run('HINCRBY', 'h', 'n', 'abc')).toEqual(NOT_INT);
    expect(c.run('HINCRBY', 'h', 'n', '1.5')).toEqual(NOT_INT);
    expect(c.run('HINCRBY', 'h', 'n', '9223372036854775808')).toEqual(NOT_INT);
    c.run('HSET', 'h', 'big', '9223372036854775800', 's', 'abc', 'sp', ' 1', 'z', '01');
    expect(c.run('HINCRBY', 'h', 'big', 7)).toBe(Number(9223372036854775807n));
    expect(c.run('HGET', 'h', 'big')).toBe('9223372036854775807');
    expect(c.run('HINCRBY', 'h', 'big', 1)).toEqual({ error: 'ERR increment or decrement would overflow' });
    c.run('HSET', 'h', 'neg', '-9223372036854775800');
    expect(c.run('HINCRBY', 'h', 'neg', -9)).toEqual({ error: 'ERR increment or decrement would overflow' });
    const notHashInt = { error: 'ERR hash value is not an integer' };
    expect(c.run('HINCRBY', 'h', 's', 1)).toEqual(notHashInt);
    expect(c.run('HINCRBY', 'h', 'sp', 1)).toEqual(notHashInt);
    expect(c.run('HINCRBY', 'h', 'z', 1)).toEqual(notHashInt);
    // The increment is checked before the key's type.
    c.run('SET', 'str', 'x');
    expect(c.run('HINCRBY', 'str', 'a', 'abc')).toEqual(NOT_INT);
  });

  test('HINCRBYFLOAT computes in long double and prints like Redis (%.17Lf, trimmed)', () => {
    const c = ctx();
    expect(c.run('HINCRBYFLOAT', 'h', 'x', '0.1')).toBe('0.1');
    expect(c.run('HINCRBYFLOAT', 'h', 'x', '0.2')).toBe('0.3');
    expect(c.propagated).toEqual([['HSET', 'h', 'x', '0.3']]);
    expect(c.run('HINCRBYFLOAT', 'h', 'y', '10.5')).toBe('10.5');
    expect(c.run('HINCRBYFLOAT', 'h', 'y', '-10.4')).toBe('0.1');
    expect(c.run('HINCRBYFLOAT', 'h', 'i', '17179869184')).toBe('17179869184');
    expect(c.run('HINCRBYFLOAT', 'h', 'i', '1.5')).toBe('17179869185.5');
    expect(c.run('HINCRBYFLOAT', 'h', 'w', '1e21')).toBe('1000000000000000000000');
    expect(c.run('HINCRBYFLOAT', 'h', 'e', '3.0e3')).toBe('3000');
    expect(c.run('HINCRBYFLOAT', 'h', 'e', '+1.5E+2')).toBe('3150');
    expect(c.run('HINCRBYFLOAT', 'h', 'hex', '0x10')).toBe('16');
    expect(c.run('HINCRBYFLOAT', 'h', 't', '1e-17')).toBe('0.00000000000000001');
    expect(c.run('HINCRBYFLOAT', 'h', 't', '5e-18')).toBe('0.00000000000000002');
    expect(c.run('HINCRBYFLOAT', 'h', 'u', '-1e-18')).toBe('0');
    expect(c.run('HINCRBYFLOAT', 'h', 'g', '123456789012345678901234567890')).toBe(
      '123456789012345678899921813504',
    );
    // Beyond double range but within long double range.
    expect(c.run('HINCRBYFLOAT', 'h', 'huge', '1e308')).toBe(
      '99999999999999999996685879655845645660560099847415567207797047994921734868838061872100126921888539320446747225054013223152134749593960583597420814430196418767959100019603190778663109604507106667939153395788938914560543563061268364901618630217086589253444881623791300855757318142424510452728255046343928578048',
    );
    expect(c.run('HINCRBYFLOAT', 'h', 'huge', '1e308')).toBe(
      '199999999999999999993371759311691291321120199694831134415594095989843469737676123744200253843777078640893494450108026446304269499187921167194841628860392837535918200039206381557326219209014213335878306791577877829121087126122536729803237260434173178506889763247582601711514636284849020905456510092687857156096',
    );
  });

  test('HINCRBYFLOAT errors', () => {
    const c = ctx();
    c.run('HSET', 'h', 's', 'abc', 'sp', ' 1', 'inf', 'inf', 'max', '1e4932');
    expect(c.run('HINCRBYFLOAT', 'h', 'f', 'abc')).toEqual({ error: 'ERR value is not a valid float' });
    expect(c.run('HINCRBYFLOAT', 'h', 'f', 'nan')).toEqual({ error: 'ERR value is not a valid float' });
    expect(c.run('HINCRBYFLOAT', 'h', 'f', '1e')).toEqual({ error: 'ERR value is not a valid float' });
    expect(c.run('HINCRBYFLOAT', 'h', 'f', '1e5000')).toEqual({ error: 'ERR value is not a valid float' });
    expect(c.run('HINCRBYFLOAT', 'h', 'f', 'inf')).toEqual({ error: 'ERR value is NaN or Infinity' });
    expect(c.run('HINCRBYFLOAT', 'h', 'f', '-infinity')).toEqual({ error: 'ERR value is NaN or Infinity' });
    expect(c.run('HINCRBYFLOAT', 'h', 's', 1)).toEqual({ error: 'ERR hash value is not a float' });
    expect(c.run('HINCRBYFLOAT', 'h', 'sp', 1)).toEqual({ error: 'ERR hash value is not a float' });
    const nanInf = { error: 'ERR increment would produce NaN or Infinity' };
    expect(c.run('HINCRBYFLOAT', 'h', 'inf', 1)).toEqual(nanInf);
    expect(c.run('HINCRBYFLOAT', 'h', 'max', '1e4932')).toEqual(nanInf);
    expect(c.run('HGET', 'h', 'max')).toBe('1e4932');
    expect(c.run('EXISTS', 'f')).toBe(0);
    c.run('SET', 'str', 'x');
    expect(c.run('HINCRBYFLOAT', 'str', 'a', 'abc')).toEqual({ error: 'ERR value is not a valid float' });
  });

  test('the long double timeout helper used by blocking commands', () => {
    expect(timeoutMsLongDouble('1.5')).toBe(1500n);
    expect(timeoutMsLongDouble('0.1')).toBe(100n);
    expect(timeoutMsLongDouble('0.0001')).toBe(1n);
    expect(timeoutMsLongDouble('-0.0001')).toBe(0n);
    expect(timeoutMsLongDouble('9223372036854775')).toBe(9223372036854775000n);
    expect(timeoutMsLongDouble('9223372036854776')).toBe(-9223372036854775808n);
    expect(timeoutMsLongDouble('inf')).toBe(-9223372036854775808n);
    expect(timeoutMsLongDouble('x')).toBeNull();
  });
});

describe('HRANDFIELD', () => {
  test('single field, distinct and repeated counts, WITHVALUES', () => {
    const c = ctx();
    c.run('HSET', 'h', 'a', 1, 'b', 2, 'c', 3);
    expect(['a', 'b', 'c']).toContain(c.run('HRANDFIELD', 'h'));
    expect(c.run('HRANDFIELD', 'nokey')).toBeNull();
    expect((c.run('HRANDFIELD', 'h', 10) as string[]).sort()).toEqual(['a', 'b', 'c']);
    const two = c.run('HRANDFIELD', 'h', 2) as string[];
    expect(new Set(two).size).toBe(2);
    const rep = c.run('HRANDFIELD', 'h', -7) as string[];
    expect(rep.length).toBe(7);
    for (const f of rep) expect(['a', 'b', 'c']).toContain(f);
    const wv = c.run('HRANDFIELD', 'h', -4, 'withvalues') as string[];
    expect(wv.length).toBe(8);
    for (let i = 0; i < 8; i += 2) expect(wv[i + 1]).toBe(String(' abc'.indexOf(wv[i])));
    expect(c.run('HRANDFIELD', 'h', 0)).toEqual([]);
    expect(c.run('HRANDFIELD', 'nokey', 5)).toEqual([]);
    expect(c.run('HRANDFIELD', 'nokey', -5, 'WITHVALUES')).toEqual([]);
  });

  test('RESP3 WITHVALUES replies an array of [field, value] pairs', () => {
    const c = ctx();
    c.resp = 3;
    c.run('HSET', 'h', 'a', 1, 'b', 2);
    expect(c.run('HRANDFIELD', 'h', 5, 'WITHVALUES')).toEqual([
      ['a', '1'],
      ['b', '2'],
    ]);
    expect(c.run('HRANDFIELD', 'h', -1, 'WITHVALUES')).toEqual([expect.any(Array)]);
    expect(c.run('HRANDFIELD', 'h', 5)).toEqual(['a', 'b']);
  });

  test('argument errors, checked before the key', () => {
    const c = ctx();
    c.run('HSET', 'h', 'a', 1);
    c.run('SET', 'str', 'x');
    expect(c.run('HRANDFIELD', 'h', 'abc')).toEqual(NOT_INT);
    expect(c.run('HRANDFIELD', 'str', 'abc')).toEqual(NOT_INT);
    expect(c.run('HRANDFIELD', 'h', 1, 'FOO')).toEqual(SYNTAX);
    expect(c.run('HRANDFIELD', 'str', 1, 'FOO')).toEqual(SYNTAX);
    expect(c.run('HRANDFIELD', 'h', 1, 'WITHVALUES', 'x')).toEqual(SYNTAX);
    expect(c.run('HRANDFIELD', 'h', '-9223372036854775808')).toEqual({
      error: 'ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807',
    });
    const range = { error: 'ERR value is out of range' };
    expect(c.run('HRANDFIELD', 'h', '-4611686018427387904', 'WITHVALUES')).toEqual(range);
    expect(c.run('HRANDFIELD', 'nokey', '4611686018427387904', 'WITHVALUES')).toEqual(range);
  });
});

describe('HSCAN', () => {
  test('whole hash in one reply with cursor 0, MATCH filters fields', () => {
    const c = ctx();
    c.run('HSET', 'h', 'a1', 1, 'a2', 2, 'b1', 3);
    expect(c.run('HSCAN', 'h', 0)).toEqual(['0', ['a1', '1', 'a2', '2', 'b1', '3']]);
    expect(c.run('HSCAN', 'h', 0, 'MATCH', 'a*', 'COUNT', 1)).toEqual(['0', ['a1', '1', 'a2', '2']]);
    expect(c.run('HSCAN', 'h', 0, 'match', '*1')).toEqual(['0', ['a1', '1', 'b1', '3']]);
    expect(c.run('HSCAN', 'h', 0, 'MATCH', 'zz')).toEqual(['0', []]);
    expect(c.run('HSCAN', 'nokey', 0)).toEqual(['0', []]);
  });

  test('cursor, then key, then options are checked, as in Redis 7.0', () => {
    const c = ctx();
    c.run('HSET', 'h', 'a', 1);
    c.run('SET', 'str', 'x');
    const cursor = { error: 'ERR invalid cursor' };
    expect(c.run('HSCAN', 'h', 'abc')).toEqual(cursor);
    expect(c.run('HSCAN', 'h', ' 1')).toEqual(cursor);
    expect(c.run('HSCAN', 'h', '18446744073709551616')).toEqual(cursor);
    expect(c.run('HSCAN', 'h', '18446744073709551615')).toEqual(['0', ['a', '1']]);
    expect(c.run('HSCAN', 'h', '-1')).toEqual(['0', ['a', '1']]);
    expect(c.run('HSCAN', 'str', 'abc')).toEqual(cursor);
    expect(c.run('HSCAN', 'str', 0, 'FOO')).toEqual(WRONGTYPE);
    expect(c.run('HSCAN', 'nokey', 0, 'FOO')).toEqual(['0', []]);
    expect(c.run('HSCAN', 'h', 0, 'COUNT', 0)).toEqual(SYNTAX);
    expect(c.run('HSCAN', 'h', 0, 'COUNT', 'x')).toEqual(NOT_INT);
    expect(c.run('HSCAN', 'h', 0, 'MATCH')).toEqual(SYNTAX);
    expect(c.run('HSCAN', 'h', 0, 'TYPE', 'string')).toEqual(SYNTAX);
  });
});

describe('keyspace events (as redis-server 7.0 sends them)', () => {
  test('hset (also when nothing is added), hdel and the del of an emptied hash, counters', () => {
    const c = ctx();
    c.run('HSET', 'h', 'a', '1');
    expect(c.eventNames()).toEqual(['new:h', 'hset:h']);
    c.run('HSET', 'h', 'a', '1');
    expect(c.eventNames()).toEqual(['hset:h']);
    c.run('HSETNX', 'h', 'a', '2');
    expect(c.eventNames()).toEqual([]);
    c.run('HINCRBY', 'h', 'n', '2');
    expect(c.eventNames()).toEqual(['hincrby:h']);
    c.run('HINCRBYFLOAT', 'h2', 'f', '0.5');
    expect(c.eventNames()).toEqual(['new:h2', 'hincrbyfloat:h2']);
    expect(c.run('HINCRBY', 'h', 'a', 'x')).toEqual(NOT_INT);
    expect(c.eventNames()).toEqual([]);
    c.run('HDEL', 'h', 'zz');
    expect(c.eventNames()).toEqual([]);
    c.run('HDEL', 'h', 'a', 'n');
    expect(c.eventNames()).toEqual(['hdel:h', 'del:h']);
    c.run('HGETALL', 'h');
    expect(c.eventNames()).toEqual(['keymiss:h']);
  });
});
