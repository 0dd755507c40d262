// Unit tests for the sorted-set commands' keyspace events against TestCtx, as redis-server 7.0 sends
// them (test/node-notify.test.ts compares whole streams side by side), and the argument order that
// decides them: ranges and counts parsed before the key, algebra keys looked up before the options.
import { commands as zset } from './zset.js';
import { commands as set } from './set.js';
import { TestCtx } from './testing.js';

function ctx(): TestCtx {
  return new TestCtx([...zset, ...set]);
}

describe('keyspace events (as redis-server 7.0 sends them)', () => {
  test('zadd / zincr only when a score changes', () => {
    const c = ctx();
    c.run('ZADD', 'z', '1', 'a', '2', 'b');
    expect(c.eventNames()).toEqual(['new:z', 'zadd:z']);
    c.run('ZADD', 'z', '1', 'a');
    c.run('ZADD', 'z', 'GT', '0', 'a');
    c.run('ZADD', 'z', 'INCR', '0', 'a');
    c.run('ZINCRBY', 'z', '0', 'a');
    c.run('ZADD', 'y', 'XX', '1', 'a');
    expect(c.eventNames()).toEqual([]);
    c.run('ZADD', 'z', 'INCR', '1', 'a');
    expect(c.eventNames()).toEqual(['zincr:z']);
    c.run('ZINCRBY', 'y', '0', 'a');
    expect(c.eventNames()).toEqual(['new:y', 'zincr:y']);
  });

  test('removals and pops, then del of an emptied zset', () => {
    const c = ctx();
    c.run('ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd');
    c.run('ZREM', 'z', 'zz');
    c.run('ZREMRANGEBYSCORE', 'z', '10', '20');
    c.run('ZPOPMIN', 'z', '0');
    expect(c.eventNames()).toEqual([]);
    c.run('ZREM', 'z', 'a');
    expect(c.eventNames()).toEqual(['zrem:z']);
    c.run('ZREMRANGEBYRANK', 'z', '0', '0');
    expect(c.eventNames()).toEqual(['zremrangebyrank:z']);
    c.run('ZREMRANGEBYLEX', 'z', '[c', '[c');
    expect(c.eventNames()).toEqual(['zremrangebylex:z']);
    c.run('ZPOPMAX', 'z', '9');
    expect(c.eventNames()).toEqual(['zpopmax:z', 'del:z']);
    c.run('ZADD', 'z', '1', 'a');
    c.run('BZMPOP', '0', '1', 'z', 'MIN');
    expect(c.eventNames()).toEqual(['zpopmin:z', 'del:z']);
  });

  test('stores: keymiss for sources (before the options), store event or del of the destination', () => {
    const c = ctx();
    c.run('ZADD', 'z', '1', 'a');
    c.run('SADD', 's', 'a');
    c.run('ZUNIONSTORE', 'd', '2', 'zz', 's');
    expect(c.eventNames()).toEqual(['keymiss:zz', 'new:d', 'zunionstore:d']);
    expect(c.run('ZINTERSTORE', 'd', '2', 'z', 'yy', 'WEIGHTS', 'x', 'y')).toEqual({
      error: 'ERR weight value is not a float',
    });
    expect(c.eventNames()).toEqual(['keymiss:yy']);
    c.run('ZINTERSTORE', 'd', '2', 'z', 's');
    expect(c.eventNames()).toEqual(['zinterstore:d']);
    c.run('ZDIFFSTORE', 'd', '2', 'z', 's');
    expect(c.eventNames()).toEqual(['del:d']);
    c.run('ZRANGESTORE', 'd', 'z', '0', '-1');
    expect(c.eventNames()).toEqual(['new:d', 'zrangestore:d']);
    expect(c.run('ZINTERCARD', '2', 'zz', 'z', 'LIMIT', '-1')).toEqual({
      error: "ERR LIMIT can't be negative",
    });
    expect(c.eventNames()).toEqual(['keymiss:zz']);
  });

  test('ranges and counts are parsed before the key: a bad one on a missing key is an error, no keymiss', () => {
    const c = ctx();
    const notInt = { error: 'ERR value is not an integer or out of range' };
    expect(c.run('ZRANGE', 'zz', 'x', '1')).toEqual(notInt);
    expect(c.run('ZRANGEBYSCORE', 'zz', 'a', 'b')).toEqual({ error: 'ERR min or max is not a float' });
    expect(c.run('ZREMRANGEBYRANK', 'zz', 'x', '1')).toEqual(notInt);
    expect(c.run('ZRANDMEMBER', 'zz', 'x')).toEqual(notInt);
    expect(c.events).toEqual([]);
    expect(c.run('ZSCAN', 'zz', '0', 'COUNT', 'x')).toEqual(['0', []]);
    expect(c.eventNames()).toEqual(['keymiss:zz']);
  });
});
