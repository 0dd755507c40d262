// Unit tests for the set commands against TestCtx: Redis 7.0 replies and error strings (checked
// against redis-server 7.0), intset reply order, SPOP/SRANDMEMBER counts and SPOP's propagation,
// set algebra and *STORE, SINTERCARD, SSCAN, and deletion of emptied sets.
import { commands as set } from './set.js';
import { commands as string } from './string.js';
import { commands as keyspace } from './keyspace.js';
import { TestCtx, REPLY_WRONGTYPE, REPLY_NOT_INT, REPLY_SYNTAX, commandSpecOf } from './testing.js';

const WRONGTYPE = REPLY_WRONGTYPE;
const NOT_INT = REPLY_NOT_INT;
const SYNTAX = REPLY_SYNTAX;
const POSITIVE = { error: 'ERR value is out of range, must be positive' };

function ctx(): TestCtx {
  return new TestCtx([...set, ...string, ...keyspace]);
}

function sorted(r: unknown): string[] {
  return [...(r as string[])].sort();
}

function spec(name: string): [number, string[], number, number, number] {
  return commandSpecOf(set, name);
}

describe('set command table', () => {
  test('arity, flags and key specs as COMMAND INFO reports them', () => {
    expect(spec('sadd')).toEqual([-3, ['write', 'denyoom', 'fast'], 1, 1, 1]);
    expect(spec('srem')).toEqual([-3, ['write', 'fast'], 1, 1, 1]);
    expect(spec('smismember')).toEqual([-3, ['readonly', 'fast'], 1, 1, 1]);
    expect(spec('srandmember')).toEqual([-2, ['readonly'], 1, 1, 1]);
    expect(spec('spop')).toEqual([-2, ['write', 'fast'], 1, 1, 1]);
    expect(spec('smove')).toEqual([4, ['write', 'fast'], 1, 2, 1]);
    expect(spec('sinter')).toEqual([-2, ['readonly'], 1, -1, 1]);
    expect(spec('sinterstore')).toEqual([-3, ['write', 'denyoom'], 1, -1, 1]);
    expect(spec('sintercard')).toEqual([-3, ['readonly'], 0, 0, 0]);
    expect(spec('sscan')).toEqual([-3, ['readonly'], 1, 1, 1]);
    expect(set.length).toBe(17);
  });
});

describe('membership', () => {
  test('SADD/SREM counts, SCARD, SISMEMBER, SMISMEMBER; emptied set deleted', () => {
    const c = ctx();
    expect(c.run('SADD', 's', 'a', 'b', 'c', 'a')).toBe(3);
    expect(c.run('SADD', 's', 'a')).toBe(0);
    expect(c.run('SCARD', 's')).toBe(3);
    expect(c.run('SCARD', 'nokey')).toBe(0);
    expect(c.run('SISMEMBER', 's', 'a')).toBe(1);
    expect(c.run('SISMEMBER', 's', 'z')).toBe(0);
    expect(c.run('SISMEMBER', 'nokey', 'a')).toBe(0);
    expect(c.run('SMISMEMBER', 's', 'a', 'z', 'b')).toEqual([1, 0, 1]);
    expect(c.run('SMISMEMBER', 'nokey', 'a')).toEqual([0]);
    expect(c.run('SREM', 's', 'z')).toBe(0);
    expect(c.run('SREM', 'nokey', 'a')).toBe(0);
    expect(c.run('SREM', 's', 'a', 'b', 'a')).toBe(2);
    expect(c.run('SREM', 's', 'c')).toBe(1);
    expect(c.run('EXISTS', 's')).toBe(0);
    expect(c.run('SADD', 's')).toEqual({ error: "ERR wrong number of arguments for 'sadd' command" });
  });

  test('SMEMBERS: integer sets come back in numeric order, like an intset', () => {
    const c = ctx();
    c.run('SADD', 'ints', 10, 2, -3, 2);
    expect(c.run('SMEMBERS', 'ints')).toEqual(['-3', '2', '10']);
    c.run('SADD', 's', 'b', 'a');
    expect(sorted(c.run('SMEMBERS', 's'))).toEqual(['a', 'b']);
    expect(c.run('SMEMBERS', 'nokey')).toEqual([]);
  });

  test('WRONGTYPE from every set command on a string key', () => {
    const c = ctx();
    c.run('SET', 'str', 'x');
    c.run('SADD', 's', 'a');
    for (const argv of [
      ['SADD', 'str', 'a'],
      ['SREM', 'str', 'a'],
      ['SCARD', 'str'],
      ['SISMEMBER', 'str', 'a'],
      ['SMISMEMBER', 'str', 'a'],
      ['SMEMBERS', 'str'],
      ['SRANDMEMBER', 'str'],
      ['SRANDMEMBER', 'str', 2],
      ['SPOP', 'str'],
      ['SPOP', 'str', 0],
      ['SMOVE', 'str', 's', 'a'],
      ['SMOVE', 's', 'str', 'a'],
      ['SINTER', 's', 'str'],
      ['SINTER', 'nokey', 'str'],
      ['SUNION', 's', 'str'],
      ['SDIFF', 'nokey', 'str'],
      ['SINTERSTORE', 'd', 's', 'str'],
      ['SINTERCARD', 2, 'nokey', 'str'],
      ['SSCAN', 'str', 0],
    ]) {
      expect(c.run(...argv)).toEqual(WRONGTYPE);
    }
    expect(c.run('SMEMBERS', 's')).toEqual(['a']);
  });
});

describe('random members', () => {
  test('SRANDMEMBER: single, distinct count, repeated count, whole set', () => {
    const c = ctx();
    c.run('SADD', 's', 'a', 'b', 'c');
    expect(['a', 'b', 'c']).toContain(c.run('SRANDMEMBER', 's'));
    expect(c.run('SRANDMEMBER', 'nokey')).toBeNull();
    expect(sorted(c.run('SRANDMEMBER', 's', 10))).toEqual(['a', 'b', 'c']);
    expect(new Set(c.run('SRANDMEMBER', 's', 2) as string[]).size).toBe(2);
    const rep = c.run('SRANDMEMBER', 's', -9) as string[];
    expect(rep.length).toBe(9);
    for (const m of rep) expect(['a', 'b', 'c']).toContain(m);
    expect(c.run('SRANDMEMBER', 's', 0)).toEqual([]);
    expect(c.run('SRANDMEMBER', 'nokey', 5)).toEqual([]);
    expect(c.run('SRANDMEMBER', 'nokey', -5)).toEqual([]);
    expect(c.run('SCARD', 's')).toBe(3);
  });

  test('SRANDMEMBER errors: the count is checked before the key', () => {
    const c = ctx();
    c.run('SET', 'str', 'x');
    expect(c.run('SRANDMEMBER', 'nokey', 'abc')).toEqual(NOT_INT);
    expect(c.run('SRANDMEMBER', 'str', 'abc')).toEqual(NOT_INT);
    expect(c.run('SRANDMEMBER', 'nokey', '-9223372036854775808')).toEqual({
      error: 'ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807',
    });
    expect(c.run('SRANDMEMBER', 'nokey', 1, 2)).toEqual(SYNTAX);
  });

  test('SPOP without count propagates SREM key member, and deletes the emptied set', () => {
    const c = ctx();
    c.run('SADD', 's', 'a', 'b');
    const m = c.run('SPOP', 's') as string;
    expect(['a', 'b']).toContain(m);
    expect(c.propagated).toEqual([['SREM', 's', m]]);
    const last = c.run('SPOP', 's') as string;
    expect(c.propagated).toEqual([['SREM', 's', last]]);
    expect([m, last].sort()).toEqual(['a', 'b']);
    expect(c.run('EXISTS', 's')).toBe(0);
    expect(c.run('SPOP', 's')).toBeNull();
  });

  test('SPOP with count: part of the set as SREMs, all of it as DEL', () => {
    const c = ctx();
    c.run('SADD', 's', 'a', 'b', 'c', 'd');
    const two = c.run('SPOP', 's', 2) as string[];
    expect(new Set(two).size).toBe(2);
    expect(c.propagated).toEqual([['SREM', 's', ...two]]);
    expect(c.run('SCARD', 's')).toBe(2);
    const rest = c.run('SPOP', 's', 5) as string[];
    expect(c.propagated).toEqual([['DEL', 's']]);
    expect([...two, ...rest].sort()).toEqual(['a', 'b', 'c', 'd']);
    expect(c.run('EXISTS', 's')).toBe(0);
    expect(c.run('SPOP', 's', 3)).toEqual([]);
    expect(c.run('SPOP', 's', 0)).toEqual([]);
    // Whole integer set: in intset order.
    c.run('SADD', 'ints', 3, 1, 2);
    expect(c.run('SPOP', 'ints', 3)).toEqual(['1', '2', '3']);
  });

  test('SPOP with a large count propagates SREMs in batches of 1024', () => {
    const c = ctx();
    const members = Array.from({ length: 3000 }, (_, i) => `m${i}`);
    c.run('SADD', 'big', ...members);
    expect((c.run('SPOP', 'big', 2500) as string[]).length).toBe(2500);
    const batches = c.propagated as string[][];
    expect(batches.map((b) => b.length - 2)).toEqual([1024, 1024, 452]);
    for (const b of batches) expect(b.slice(0, 2)).toEqual(['SREM', 'big']);
    expect(c.run('SCARD', 'big')).toBe(500);
  });

  test('SPOP errors', () => {
    const c = ctx();
    c.run('SADD', 's', 'a');
    expect(c.run('SPOP', 's', -1)).toEqual(POSITIVE);
    expect(c.run('SPOP', 's', 'abc')).toEqual(POSITIVE);
    expect(c.run('SPOP', 'nokey', -1)).toEqual(POSITIVE);
    expect(c.run('SPOP', 's', 1, 2)).toEqual(SYNTAX);
    expect(c.run('SCARD', 's')).toBe(1);
  });
});

describe('SMOVE', () => {
  test('moves, creates the destination, deletes the emptied source', () => {
    const c = ctx();
    c.run('SADD', 'src', 'a', 'b');
    expect(c.run('SMOVE', 'src', 'dst', 'a')).toBe(1);
    expect(c.run('SMEMBERS', 'dst')).toEqual(['a']);
    expect(c.run('SMOVE', 'src', 'dst', 'zz')).toBe(0);
    expect(c.run('SMOVE', 'src', 'src', 'b')).toBe(1);
    expect(c.run('SMOVE', 'src', 'src', 'zz')).toBe(0);
    expect(c.run('SMOVE', 'src', 'dst', 'b')).toBe(1);
    expect(c.run('EXISTS', 'src')).toBe(0);
    expect(sorted(c.run('SMEMBERS', 'dst'))).toEqual(['a', 'b']);
    expect(c.run('SMOVE', 'nokey', 'dst', 'a')).toBe(0);
  });

  test('a missing source replies 0 even when the destination has the wrong type', () => {
    const c = ctx();
    c.run('SET', 'str', 'x');
    expect(c.run('SMOVE', 'nokey', 'str', 'a')).toBe(0);
    c.run('SADD', 's', 'a');
    expect(c.run('SMOVE', 's', 'str', 'a')).toEqual(WRONGTYPE);
    expect(c.run('SMEMBERS', 's')).toEqual(['a']);
  });
});

describe('set algebra', () => {
  test('SINTER/SUNION/SDIFF with missing keys', () => {
    const c = ctx();
    c.run('SADD', 's1', 'a', 'b', 'c');
    c.run('SADD', 's2', 'b', 'c', 'd');
    expect(sorted(c.run('SINTER', 's1', 's2'))).toEqual(['b', 'c']);
    expect(c.run('SINTER', 's1', 'nokey')).toEqual([]);
    expect(sorted(c.run('SINTER', 's1'))).toEqual(['a', 'b', 'c']);
    expect(sorted(c.run('SUNION', 's1', 's2', 'nokey'))).toEqual(['a', 'b', 'c', 'd']);
    expect(c.run('SUNION', 'nokey')).toEqual([]);
    expect(c.run('SDIFF', 's1', 's2')).toEqual(['a']);
    expect(sorted(c.run('SDIFF', 's1', 'nokey'))).toEqual(['a', 'b', 'c']);
    expect(c.run('SDIFF', 'nokey', 's1')).toEqual([]);
    expect(c.run('SDIFF', 's1', 's1')).toEqual([]);
  });

  test('*STORE commands replace the destination, and delete it for an empty result', () => {
    const c = ctx();
    c.run('SADD', 's1', 'a', 'b', 'c');
    c.run('SADD', 's2', 'b', 'c', 'd');
    c.run('SET', 'dst', 'string');
    expect(c.run('SINTERSTORE', 'dst', 's1', 's2')).toBe(2);
    expect(sorted(c.run('SMEMBERS', 'dst'))).toEqual(['b', 'c']);
    expect(c.run('SUNIONSTORE', 'dst', 's1', 's2')).toBe(4);
    expect(c.run('SDIFFSTORE', 'dst', 's2', 's1')).toBe(1);
    expect(c.run('SMEMBERS', 'dst')).toEqual(['d']);
    expect(c.run('SINTERSTORE', 'dst', 's1', 'nokey')).toBe(0);
    expect(c.run('EXISTS', 'dst')).toBe(0);
    c.run('SADD', 'dst', 'x');
    expect(c.run('SDIFFSTORE', 'dst', 's1', 's1')).toBe(0);
    expect(c.run('EXISTS', 'dst')).toBe(0);
    // The destination may be one of the sources.
    expect(c.run('SUNIONSTORE', 's1', 's1', 's2')).toBe(4);
    expect(sorted(c.run('SMEMBERS', 's1'))).toEqual(['a', 'b', 'c', 'd']);
    // A wrong-typed source leaves the destination alone.
    c.run('SET', 'str', 'x');
    expect(c.run('SINTERSTORE', 's2', 's1', 'str')).toEqual(WRONGTYPE);
    expect(c.run('SCARD', 's2')).toBe(3);
  });

  test('SINTERCARD with LIMIT and its errors', () => {
    const c = ctx();
    c.run('SADD', 's1', 'a', 'b', 'c');
    c.run('SADD', 's2', 'b', 'c', 'd');
    expect(c.run('SINTERCARD', 2, 's1', 's2')).toBe(2);
    expect(c.run('SINTERCARD', 2, 's1', 's2', 'LIMIT', 1)).toBe(1);
    expect(c.run('SINTERCARD', 2, 's1', 's2', 'limit', 0)).toBe(2);
    expect(c.run('SINTERCARD', 1, 'nokey')).toBe(0);
    expect(c.run('SINTERCARD', 2, 's1', 'nokey')).toBe(0);
    const numkeys = { error: 'ERR numkeys should be greater than 0' };
    expect(c.run('SINTERCARD', 0, 's1')).toEqual(numkeys);
    expect(c.run('SINTERCARD', 'x', 's1')).toEqual(numkeys);
    expect(c.run('SINTERCARD', 3, 's1', 's2')).toEqual({
      error: "ERR Number of keys can't be greater than number of args",
    });
    expect(c.run('SINTERCARD', 2, 's1', 's2', 'LIMIT', -1)).toEqual({ error: "ERR LIMIT can't be negative" });
    expect(c.run('SINTERCARD', 2, 's1', 's2', 'LIMIT', 'x')).toEqual({
      error: "ERR LIMIT can't be negative",
    });
    expect(c.run('SINTERCARD', 2, 's1', 's2', 'LIMIT')).toEqual(SYNTAX);
    expect(c.run('SINTERCARD', 2, 's1', 's2', 'FOO', 1)).toEqual(SYNTAX);
  });
});

describe('SSCAN', () => {
  test('whole set in one reply with cursor 0, MATCH, and Redis 7.0 argument order', () => {
    const c = ctx();
    c.run('SADD', 'ints', 12, 3, 1);
    expect(c.run('SSCAN', 'ints', 0)).toEqual(['0', ['1', '3', '12']]);
    expect(c.run('SSCAN', 'ints', 0, 'MATCH', '1*', 'COUNT', 100)).toEqual(['0', ['1', '12']]);
    expect(c.run('SSCAN', 'nokey', 0)).toEqual(['0', []]);
    expect(c.run('SSCAN', 'nokey', 0, 'FOO')).toEqual(['0', []]);
    expect(c.run('SSCAN', 'ints', 'abc')).toEqual({ error: 'ERR invalid cursor' });
    expect(c.run('SSCAN', 'ints', 0, 'COUNT', 0)).toEqual(SYNTAX);
    expect(c.run('SSCAN', 'ints', 0, 'COUNT', 'x')).toEqual(NOT_INT);
    expect(c.run('SSCAN', 'ints', 0, 'MATCH')).toEqual(SYNTAX);
  });
});

describe('keyspace events (as redis-server 7.0 sends them)', () => {
  test('sadd only when something is added, srem/spop and the del of an emptied set', () => {
    const c = ctx();
    c.run('SADD', 's', 'a', 'b', 'c');
    expect(c.eventNames()).toEqual(['new:s', 'sadd:s']);
    c.run('SADD', 's', 'a');
    expect(c.eventNames()).toEqual([]);
    c.run('SREM', 's', 'a');
    expect(c.eventNames()).toEqual(['srem:s']);
    c.run('SPOP', 's');
    expect(c.eventNames()).toEqual(['spop:s']);
    c.run('SPOP', 's', '5');
    expect(c.eventNames()).toEqual(['spop:s', 'del:s']);
    c.run('SCARD', 's');
    expect(c.eventNames()).toEqual(['keymiss:s']);
  });

  test('SMOVE: srem (and del) of the source, sadd only if the member is new to the destination', () => {
    const c = ctx();
    c.run('SADD', 'a', 'x', 'y');
    c.run('SADD', 'b', 'y');
    c.run('SMOVE', 'a', 'b', 'y');
    expect(c.eventNames()).toEqual(['srem:a']);
    c.run('SMOVE', 'a', 'c', 'x');
    expect(c.eventNames()).toEqual(['srem:a', 'del:a', 'new:c', 'sadd:c']);
    c.run('SMOVE', 'c', 'c', 'x');
    expect(c.eventNames()).toEqual([]);
  });

  test('*STORE: keymiss for missing sources, then the store event, or del of the destination', () => {
    const c = ctx();
    c.run('SADD', 'a', 'x');
    c.run('SUNIONSTORE', 'd', 'zz', 'a');
    expect(c.eventNames()).toEqual(['keymiss:zz', 'new:d', 'sunionstore:d']);
    c.run('SINTERSTORE', 'd', 'a', 'd');
    expect(c.eventNames()).toEqual(['sinterstore:d']);
    c.run('SDIFFSTORE', 'd', 'a', 'd');
    expect(c.eventNames()).toEqual(['del:d']);
    c.run('SDIFFSTORE', 'd', 'a', 'a');
    expect(c.eventNames()).toEqual([]);
  });
});
