// Unit tests for list, hash, set and sorted-set commands against TestCtx: replies, errors, emptied
// collections deleted, blocking commands asking to block, and the propagation rewrites.
import { commands as list } from './list.js';
import { commands as hash } from './hash.js';
import { commands as set } from './set.js';
import { commands as zset } from './zset.js';
import { commands as keyspace } from './keyspace.js';
import { commands as string } from './string.js';
import { TestCtx } from './testing.js';

const WRONGTYPE = { error: 'WRONGTYPE Operation against a key holding the wrong kind of value' };

function ctx(): TestCtx {
  return new TestCtx([...list, ...hash, ...set, ...zset, ...keyspace, ...string]);
}

describe('lists', () => {
  test('push/pop/range/index/set/trim/rem/insert/pos', () => {
    const c = ctx();
    expect(c.run('RPUSH', 'l', 'a', 'b', 'c', 'b')).toBe(4);
    expect(c.run('LPUSH', 'l', 'z')).toBe(5);
    expect(c.run('LRANGE', 'l', '0', '-1')).toEqual(['z', 'a', 'b', 'c', 'b']);
    expect(c.run('LINDEX', 'l', '-1')).toBe('b');
    expect(c.run('LSET', 'l', '0', 'y')).toBe('OK');
    expect(c.run('LSET', 'l', '9', 'y')).toEqual({ error: 'ERR index out of range' });
    expect(c.run('LPOS', 'l', 'b')).toBe(2);
    expect(c.run('LPOS', 'l', 'b', 'RANK', '-1')).toBe(4);
    expect(c.run('LPOS', 'l', 'b', 'COUNT', '0')).toEqual([2, 4]);
    expect(c.run('LREM', 'l', '-1', 'b')).toBe(1);
    expect(c.run('LINSERT', 'l', 'BEFORE', 'c', 'x')).toBe(5);
    expect(c.run('LINSERT', 'l', 'AFTER', 'nope', 'x')).toBe(-1);
    expect(c.run('LTRIM', 'l', '1', '-2')).toBe('OK');
    expect(c.run('LRANGE', 'l', '0', '-1')).toEqual(['a', 'b', 'x']);
    expect(c.run('LPOP', 'l', '2')).toEqual(['a', 'b']);
    expect(c.run('RPOP', 'l')).toBe('x');
    expect(c.run('EXISTS', 'l')).toBe(0);
    expect(c.run('LPOP', 'l', '2')).toBeNull();
    expect(c.run('LPUSHX', 'l', 'a')).toBe(0);
  });

  test('LMOVE/RPOPLPUSH, LMPOP, and WRONGTYPE on the destination before popping', () => {
    const c = ctx();
    c.run('RPUSH', 'src', '1', '2', '3');
    expect(c.run('LMOVE', 'src', 'dst', 'LEFT', 'RIGHT')).toBe('1');
    expect(c.run('RPOPLPUSH', 'src', 'dst')).toBe('3');
    expect(c.run('LRANGE', 'dst', '0', '-1')).toEqual(['3', '1']);
    c.run('SET', 's', 'x');
    expect(c.run('LMOVE', 'src', 's', 'LEFT', 'LEFT')).toEqual(WRONGTYPE);
    expect(c.run('LLEN', 'src')).toBe(1);
    expect(c.run('LMPOP', '2', 'none', 'dst', 'RIGHT', 'COUNT', '5')).toEqual(['dst', ['1', '3']]);
    expect(c.run('LMPOP', '1', 'none', 'LEFT')).toBeNull();
    expect(c.run('LMPOP', '0', 'x', 'LEFT')).toEqual({ error: 'ERR numkeys should be greater than 0' });
  });

  test('BLPOP serves at once when data exists (propagated as LPOP), else asks to block', () => {
    const c = ctx();
    c.run('RPUSH', 'q', 'job');
    expect(c.run('BLPOP', 'empty', 'q', '0')).toEqual(['q', 'job']);
    expect(c.propagated).toEqual([['LPOP', 'q']]);
    c.run('BLPOP', 'q', '1.5');
    expect(c.blocked).toEqual({ keys: ['q'], timeoutMs: 1500 });
    expect(c.run('BLPOP', 'q', '-1')).toEqual({ error: 'ERR timeout is negative' });
    expect(c.run('BLPOP', 'q', 'abc')).toEqual({ error: 'ERR timeout is not a float or out of range' });
  });
});

describe('hashes', () => {
  test('HSET family, counters and errors', () => {
    const c = ctx();
    expect(c.run('HSET', 'h', 'a', '1', 'b', '2')).toBe(2);
    expect(c.run('HSET', 'h', 'a', '3')).toBe(0);
    expect(c.run('HSETNX', 'h', 'a', '9')).toBe(0);
    expect(c.run('HMGET', 'h', 'a', 'nope')).toEqual(['3', null]);
    expect(c.run('HINCRBY', 'h', 'a', '10')).toBe(13);
    expect(c.run('HINCRBYFLOAT', 'h', 'f', '1.5')).toBe('1.5');
    expect(c.propagated).toEqual([['HSET', 'h', 'f', '1.5']]);
    c.run('HSET', 'h', 's', 'abc');
    expect(c.run('HINCRBY', 'h', 's', '1')).toEqual({ error: 'ERR hash value is not an integer' });
    expect(c.run('HINCRBYFLOAT', 'h', 's', '1')).toEqual({ error: 'ERR hash value is not a float' });
    expect(c.run('HSTRLEN', 'h', 's')).toBe(3);
    expect(c.run('HLEN', 'h')).toBe(4);
    expect(c.run('HGETALL', 'h')).toEqual(['a', '13', 'b', '2', 'f', '1.5', 's', 'abc']);
    expect(c.run('HDEL', 'h', 'a', 'b', 'f', 's')).toBe(4);
    expect(c.run('EXISTS', 'h')).toBe(0);
    expect(c.run('HSET', 'h', 'a')).toEqual({ error: "ERR wrong number of arguments for 'hset' command" });
  });

  test('HRANDFIELD counts and HSCAN MATCH', () => {
    const c = ctx();
    c.run('HSET', 'h', 'a1', '1', 'a2', '2', 'b1', '3');
    expect((c.run('HRANDFIELD', 'h', '10') as string[]).sort()).toEqual(['a1', 'a2', 'b1']);
    expect((c.run('HRANDFIELD', 'h', '-7') as string[]).length).toBe(7);
    expect((c.run('HRANDFIELD', 'h', '2', 'WITHVALUES') as string[]).length).toBe(4);
    expect(c.run('HSCAN', 'h', '0', 'MATCH', 'a*')).toEqual(['0', ['a1', '1', 'a2', '2']]);
  });
});

describe('sets', () => {
  test('membership, pops propagated as SREM, algebra, SINTERCARD', () => {
    const c = ctx();
    expect(c.run('SADD', 's1', 'a', 'b', 'c', 'a')).toBe(3);
    c.run('SADD', 's2', 'b', 'c', 'd');
    expect(c.run('SMISMEMBER', 's1', 'a', 'z')).toEqual([1, 0]);
    expect((c.run('SINTER', 's1', 's2') as string[]).sort()).toEqual(['b', 'c']);
    expect((c.run('SUNION', 's1', 's2') as string[]).sort()).toEqual(['a', 'b', 'c', 'd']);
    expect(c.run('SDIFF', 's1', 's2')).toEqual(['a']);
    expect(c.run('SINTERSTORE', 'dst', 's1', 's2')).toBe(2);
    expect(c.run('SINTERCARD', '2', 's1', 's2', 'LIMIT', '1')).toBe(1);
    expect(c.run('SMOVE', 's1', 's2', 'a')).toBe(1);
    const popped = c.run('SPOP', 's1') as string;
    expect(c.propagated).toEqual([['SREM', 's1', popped]]);
    c.run('SPOP', 's1', '5');
    expect(c.run('EXISTS', 's1')).toBe(0);
    expect(c.run('SADD', 'ints', '10', '2', '-3')).toBe(3);
    expect(c.run('SMEMBERS', 'ints')).toEqual(['-3', '2', '10']);
    c.run('SET', 'str', 'x');
    expect(c.run('SADD', 'str', 'a')).toEqual(WRONGTYPE);
  });
});

describe('sorted sets', () => {
  test('ZADD options and errors', () => {
    const c = ctx();
    expect(c.run('ZADD', 'z', '1', 'a', '2', 'b')).toBe(2);
    expect(c.run('ZADD', 'z', 'XX', 'CH', '5', 'a', '1', 'new')).toBe(1);
    expect(c.run('ZADD', 'z', 'NX', '9', 'a')).toBe(0);
    expect(c.run('ZADD', 'z', 'GT', 'CH', '1', 'a', '10', 'b')).toBe(1);
    expect(c.run('ZADD', 'z', 'INCR', '2.5', 'a')).toEqual({ double: 7.5 });
    expect(c.run('ZADD', 'z', 'NX', 'XX', '1', 'a')).toEqual({
      error: 'ERR XX and NX options at the same time are not compatible',
    });
    expect(c.run('ZADD', 'z', 'GT', 'LT', '1', 'a')).toEqual({
      error: 'ERR GT, LT, and/or NX options at the same time are not compatible',
    });
    expect(c.run('ZADD', 'z', 'nan', 'a')).toEqual({ error: 'ERR value is not a valid float' });
    expect(c.run('ZADD', 'z', 'INCR', '1', 'a', '2', 'b')).toEqual({
      error: 'ERR INCR option supports a single increment-element pair',
    });
  });

  test('ranges by rank, score and lex, with LIMIT and REV, and their errors', () => {
    const c = ctx();
    c.run('ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd');
    expect(c.run('ZRANGE', 'z', '0', '-1')).toEqual(['a', 'b', 'c', 'd']);
    expect(c.run('ZRANGE', 'z', '(1', '3', 'BYSCORE')).toEqual(['b', 'c']);
    expect(c.run('ZRANGE', 'z', '+inf', '-inf', 'BYSCORE', 'REV', 'LIMIT', '1', '2')).toEqual(['c', 'b']);
    expect(c.run('ZRANGEBYSCORE', 'z', '-inf', '+inf', 'WITHSCORES', 'LIMIT', '0', '1')).toEqual(['a', '1']);
    expect(c.run('ZREVRANGE', 'z', '0', '1')).toEqual(['d', 'c']);
    expect(c.run('ZRANGE', 'z', '0', '1', 'LIMIT', '0', '1')).toEqual({
      error: 'ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX',
    });
    expect(c.run('ZRANGEBYSCORE', 'z', 'x', '1')).toEqual({ error: 'ERR min or max is not a float' });
    c.run('ZADD', 'lex', '0', 'a', '0', 'b', '0', 'c');
    expect(c.run('ZRANGEBYLEX', 'lex', '[b', '+')).toEqual(['b', 'c']);
    expect(c.run('ZREVRANGEBYLEX', 'lex', '+', '(a')).toEqual(['c', 'b']);
    expect(c.run('ZLEXCOUNT', 'lex', '-', '+')).toBe(3);
    expect(c.run('ZRANGEBYLEX', 'lex', 'b', '+')).toEqual({
      error: 'ERR min or max not valid string range item',
    });
    expect(c.run('ZCOUNT', 'z', '2', '(4')).toBe(2);
    expect(c.run('ZRANK', 'z', 'c')).toBe(2);
    expect(c.run('ZREVRANK', 'z', 'c')).toBe(1);
  });

  test('pops, removals, algebra with weights and aggregates', () => {
    const c = ctx();
    c.run('ZADD', 'z', '1', 'a', '2', 'b', '3', 'c');
    expect(c.run('ZPOPMIN', 'z')).toEqual(['a', { double: 1 }]);
    expect(c.run('ZPOPMAX', 'z', '5')).toEqual(['c', { double: 3 }, 'b', { double: 2 }]);
    expect(c.run('EXISTS', 'z')).toBe(0);
    c.run('ZADD', 'z1', '1', 'a', '2', 'b');
    c.run('ZADD', 'z2', '10', 'b', '20', 'c');
    c.run('SADD', 'plain', 'a');
    expect(c.run('ZUNION', '2', 'z1', 'z2', 'WITHSCORES')).toEqual(['a', '1', 'b', '12', 'c', '20']);
    expect(c.run('ZINTER', '2', 'z1', 'z2', 'WEIGHTS', '2', '1', 'AGGREGATE', 'MAX', 'WITHSCORES')).toEqual([
      'b',
      '10',
    ]);
    expect(c.run('ZDIFF', '2', 'z1', 'z2')).toEqual(['a']);
    expect(c.run('ZUNIONSTORE', 'out', '2', 'z1', 'plain')).toBe(2);
    expect(c.run('ZRANGE', 'out', '0', '-1', 'WITHSCORES')).toEqual(['a', '2', 'b', '2']);
    expect(c.run('ZREMRANGEBYSCORE', 'z2', '-inf', '15')).toBe(1);
    expect(c.run('ZREMRANGEBYRANK', 'z1', '0', '0')).toBe(1);
    expect(c.run('ZINTERCARD', '2', 'z1', 'z2')).toBe(0);
    expect(c.run('ZSCORE', 'z1', 'b')).toEqual({ double: 2 });
    expect(c.run('ZMSCORE', 'z1', 'b', 'x')).toEqual([{ double: 2 }, null]);
  });

  test('BZPOPMIN is rewritten as ZPOPMIN when served', () => {
    const c = ctx();
    c.run('ZADD', 'z', '5', 'm');
    expect(c.run('BZPOPMIN', 'z', '0')).toEqual(['z', 'm', { double: 5 }]);
    expect(c.propagated).toEqual([['ZPOPMIN', 'z']]);
    c.run('BZPOPMAX', 'z', '0.1');
    expect(c.blocked).toEqual({ keys: ['z'], timeoutMs: 100 });
  });
});
