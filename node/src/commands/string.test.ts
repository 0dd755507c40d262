// Unit tests for string commands against TestCtx (no sockets): replies, errors, TTL handling, rewrites.
import { commands as stringCommands } from './string.js';
import { commands as keyspaceCommands } from './keyspace.js';
import { commands as bitmapCommands } from './bitmap.js';
import { TestCtx } from './testing.js';
import { RHash } from '../store/hash.js';
import {
  NOTIFY_GENERIC,
  NOTIFY_KEY_MISS,
  NOTIFY_KEYEVENT,
  NOTIFY_NEW,
  NOTIFY_STRING,
} from '../config/notify-classes.js';

function ctx(): TestCtx {
  return new TestCtx([...stringCommands, ...keyspaceCommands, ...bitmapCommands]);
}

describe('SET family', () => {
  test('SET options NX/XX/GET/KEEPTTL and their errors', () => {
    const c = ctx();
    expect(c.run('SET', 'k', 'v')).toBe('OK');
    expect(c.run('SET', 'k', 'w', 'NX')).toBeNull();
    expect(c.run('SET', 'k', 'w', 'XX', 'GET')).toBe('v');
    expect(c.run('GET', 'k')).toBe('w');
    expect(c.run('SET', 'k', 'x', 'NX', 'XX')).toEqual({ error: 'ERR syntax error' });
    expect(c.run('SET', 'k', 'x', 'EX', '0')).toEqual({ error: "ERR invalid expire time in 'set' command" });
    expect(c.run('SET', 'k', 'x', 'EX', 'abc')).toEqual({
      error: 'ERR value is not an integer or out of range',
    });
    expect(c.run('SET', 'k', 'x', 'EX', '10', 'KEEPTTL')).toEqual({ error: 'ERR syntax error' });
    expect(c.run('SET', 'k', 'x', 'EX', '100')).toBe('OK');
    expect(c.propagated).toEqual([['SET', 'k', 'x', 'PXAT', String(c.now() + 100000)]]);
    expect(c.run('SET', 'k', 'y', 'KEEPTTL')).toBe('OK');
    expect(c.run('TTL', 'k')).toBe(100);
    expect(c.run('SET', 'k', 'z')).toBe('OK');
    expect(c.run('TTL', 'k')).toBe(-1);
  });

  test('GET on a wrong type is WRONGTYPE; SET GET too', () => {
    const c = ctx();
    c.db.set('h', RHash.from([['a', 'b']]));
    expect(c.run('GET', 'h')).toEqual({
      error: 'WRONGTYPE Operation against a key holding the wrong kind of value',
    });
    expect(c.run('SET', 'h', 'v', 'GET')).toEqual({
      error: 'WRONGTYPE Operation against a key holding the wrong kind of value',
    });
  });

  test('GETEX and GETDEL rewrite their propagation', () => {
    const c = ctx();
    c.run('SET', 'k', 'v');
    expect(c.run('GETEX', 'k', 'PX', '5000')).toBe('v');
    expect(c.propagated).toEqual([['PEXPIREAT', 'k', String(c.now() + 5000)]]);
    expect(c.run('GETEX', 'k', 'PERSIST')).toBe('v');
    expect(c.run('PTTL', 'k')).toBe(-1);
    expect(c.run('GETDEL', 'k')).toBe('v');
    expect(c.propagated).toEqual([['DEL', 'k']]);
    expect(c.run('GET', 'k')).toBeNull();
  });

  test('lazy expiry hides and deletes an expired key', () => {
    const c = ctx();
    c.run('SET', 'k', 'v', 'PX', '10');
    c.host.time += 11;
    expect(c.run('GET', 'k')).toBeNull();
    expect(c.host.expired).toEqual(['k']);
  });

  test('replicas hide expired keys without deleting them', () => {
    const c = ctx();
    c.run('SET', 'k', 'v', 'PX', '10');
    c.host.deletes = false;
    c.host.time += 11;
    expect(c.run('GET', 'k')).toBeNull();
    expect(c.db.ks.size).toBe(1);
  });
});

describe('counters', () => {
  test('INCR family, overflow and type errors', () => {
    const c = ctx();
    expect(c.run('INCR', 'n')).toBe(1);
    expect(c.run('INCRBY', 'n', '41')).toBe(42);
    expect(c.run('DECRBY', 'n', '2')).toBe(40);
    expect(c.run('DECR', 'n')).toBe(39);
    c.run('SET', 'big', '9223372036854775807');
    expect(c.run('INCR', 'big')).toEqual({ error: 'ERR increment or decrement would overflow' });
    c.run('SET', 's', 'abc');
    expect(c.run('INCR', 's')).toEqual({ error: 'ERR value is not an integer or out of range' });
    c.run('SET', 'sp', ' 1');
    expect(c.run('INCR', 'sp')).toEqual({ error: 'ERR value is not an integer or out of range' });
    expect(c.run('INCRBY', 'n', '1.5')).toEqual({ error: 'ERR value is not an integer or out of range' });
  });

  test('INCR family around the number/bigint seams: 1e15, 2^53 and the int64 limits', () => {
    const c = ctx();
    c.run('SET', 'a', '999999999999999');
    expect(c.run('INCRBY', 'a', '999999999999999')).toBe(1999999999999998);
    expect(c.run('INCRBY', 'a', '1000000000000000')).toBe(2999999999999998);
    c.run('SET', 'b', '9007199254740992');
    c.run('INCR', 'b'); // the test context records integer replies as numbers: check the stored value
    expect(c.run('GET', 'b')).toBe('9007199254740993');
    c.run('SET', 'c', '-9223372036854775807');
    c.run('DECR', 'c');
    expect(c.run('GET', 'c')).toBe('-9223372036854775808');
    expect(c.run('DECR', 'c')).toEqual({ error: 'ERR increment or decrement would overflow' });
    expect(c.run('DECRBY', 'x', '-9223372036854775808')).toEqual({ error: 'ERR decrement would overflow' });
    c.run('INCRBY', 'x', '-9223372036854775808');
    expect(c.run('GET', 'x')).toBe('-9223372036854775808');
    expect(c.run('DECRBY', 'y', '-5')).toBe(5);
    c.run('SET', 'z', '-0');
    expect(c.run('INCR', 'z')).toEqual({ error: 'ERR value is not an integer or out of range' });
    c.run('SET', 'd', '0');
    expect(c.run('DECRBY', 'd', '0')).toBe(0);
    expect(c.run('GET', 'd')).toBe('0');
  });

  test('INCR keeps the TTL', () => {
    const c = ctx();
    c.run('SET', 'n', '1', 'EX', '100');
    c.run('INCR', 'n');
    expect(c.run('TTL', 'n')).toBe(100);
  });

  test('INCRBYFLOAT formats like Redis and propagates SET KEEPTTL', () => {
    const c = ctx();
    c.run('SET', 'f', '10.50');
    expect(c.run('INCRBYFLOAT', 'f', '0.1')).toBe('10.6');
    expect(c.propagated).toEqual([['SET', 'f', '10.6', 'KEEPTTL']]);
    expect(c.run('INCRBYFLOAT', 'f', '-5.6')).toBe('5');
    expect(c.run('INCRBYFLOAT', 'f', '5.0e3')).toBe('5005');
    expect(c.run('INCRBYFLOAT', 'f', 'abc')).toEqual({ error: 'ERR value is not a valid float' });
    expect(c.run('INCRBYFLOAT', 'f', 'inf')).toEqual({
      error: 'ERR increment would produce NaN or Infinity',
    });
  });
});

describe('ranges and multi-key', () => {
  test('APPEND, STRLEN, GETRANGE, SETRANGE', () => {
    const c = ctx();
    expect(c.run('APPEND', 's', 'Hello')).toBe(5);
    expect(c.run('APPEND', 's', ' World')).toBe(11);
    expect(c.run('STRLEN', 's')).toBe(11);
    expect(c.run('GETRANGE', 's', '0', '4')).toBe('Hello');
    expect(c.run('GETRANGE', 's', '-5', '-1')).toBe('World');
    expect(c.run('GETRANGE', 's', '5', '3')).toBe('');
    expect(c.run('SETRANGE', 's', '6', 'Redis')).toBe(11);
    expect(c.run('GET', 's')).toBe('Hello Redis');
    expect(c.run('SETRANGE', 'p', '3', 'x')).toBe(4);
    expect(c.run('GET', 'p')).toBe('\0\0\0x');
    expect(c.run('SETRANGE', 'p', '-1', 'x')).toEqual({ error: 'ERR offset is out of range' });
  });

  test('MSET/MGET/MSETNX', () => {
    const c = ctx();
    expect(c.run('MSET', 'a', '1', 'b', '2')).toBe('OK');
    expect(c.run('MGET', 'a', 'b', 'c')).toEqual(['1', '2', null]);
    expect(c.run('MSETNX', 'c', '3', 'a', '9')).toBe(0);
    expect(c.run('MSETNX', 'c', '3', 'd', '4')).toBe(1);
    expect(c.run('MSET', 'a', '1', 'b')).toEqual({
      error: "ERR wrong number of arguments for 'mset' command",
    });
  });

  test('SETBIT/GETBIT/BITCOUNT', () => {
    const c = ctx();
    expect(c.run('SETBIT', 'b', '7', '1')).toBe(0);
    expect(c.run('SETBIT', 'b', '7', '1')).toBe(1);
    expect(c.run('GETBIT', 'b', '7')).toBe(1);
    expect(c.run('GET', 'b')).toBe('\x01');
    c.run('SET', 'f', 'foobar');
    expect(c.run('BITCOUNT', 'f')).toBe(26);
    expect(c.run('BITCOUNT', 'f', '1', '1')).toBe(6);
    expect(c.run('BITCOUNT', 'f', '5', '30', 'BIT')).toBe(17);
  });
});

describe('keyspace events (as redis-server 7.0 sends them)', () => {
  test('SET: new, set, then expire for a TTL; GET on a miss a keymiss; classes as Redis', () => {
    const c = ctx();
    c.run('SET', 'k', 'v', 'EX', '100');
    expect(c.eventNames()).toEqual(['new:k', 'set:k', 'expire:k']);
    expect(c.events.map(([cls]) => cls)).toEqual([NOTIFY_NEW, NOTIFY_STRING, NOTIFY_GENERIC]);
    c.run('SET', 'k', 'w');
    expect(c.eventNames()).toEqual(['set:k']);
    c.run('SET', 'k', 'x', 'NX');
    expect(c.eventNames()).toEqual([]);
    c.run('SET', 'g', 'v', 'GET');
    expect(c.eventNames()).toEqual(['keymiss:g', 'new:g', 'set:g']);
    expect(c.events[0][0]).toBe(NOTIFY_KEY_MISS);
    c.run('GET', 'nokey');
    expect(c.eventNames()).toEqual(['keymiss:nokey']);
  });

  test('counters and in-place writes send no keymiss (Redis looks them up for writing)', () => {
    const c = ctx();
    c.run('INCR', 'n');
    expect(c.eventNames()).toEqual(['new:n', 'incrby:n']);
    c.run('DECRBY', 'n', '5');
    expect(c.eventNames()).toEqual(['incrby:n']);
    c.run('INCRBYFLOAT', 'f', '1.5');
    expect(c.eventNames()).toEqual(['new:f', 'incrbyfloat:f']);
    c.run('APPEND', 'a', '');
    expect(c.eventNames()).toEqual(['new:a', 'append:a']);
    c.run('SETRANGE', 'a', '0', '');
    expect(c.eventNames()).toEqual([]);
    c.run('SETRANGE', 'r', '2', 'x');
    expect(c.eventNames()).toEqual(['new:r', 'setrange:r']);
  });

  test('SETBIT announces (and writes) only a created or grown string or a changed bit', () => {
    const c = ctx();
    c.run('SETBIT', 'b', '3', '0');
    expect(c.eventNames()).toEqual(['new:b', 'setbit:b']);
    c.run('SETBIT', 'b', '3', '0');
    expect(c.eventNames()).toEqual([]);
    c.run('SETBIT', 'b', '3', '1');
    expect(c.eventNames()).toEqual(['setbit:b']);
    c.run('SETBIT', 'b', '20', '0');
    expect(c.eventNames()).toEqual(['setbit:b']);
    expect(c.run('STRLEN', 'b')).toBe(3);
  });

  test('GETEX: expire, persist, del for a past time; a missing key is nil whatever the value', () => {
    const c = ctx();
    c.run('SET', 'k', 'v');
    c.run('GETEX', 'k');
    expect(c.eventNames()).toEqual([]);
    c.run('GETEX', 'k', 'EX', '10');
    expect(c.eventNames()).toEqual(['expire:k']);
    c.run('GETEX', 'k', 'PERSIST', 'PERSIST');
    expect(c.eventNames()).toEqual(['persist:k']);
    c.run('GETEX', 'k', 'PERSIST');
    expect(c.eventNames()).toEqual([]);
    expect(c.run('GETEX', 'k', 'EX', '0')).toEqual({ error: "ERR invalid expire time in 'getex' command" });
    expect(c.run('GETEX', 'k', 'PXAT', '1')).toBe('v');
    expect(c.eventNames()).toEqual(['del:k']);
    expect(c.run('GETEX', 'k', 'EX', '0')).toBeNull();
    expect(c.eventNames()).toEqual(['keymiss:k']);
    expect(c.run('GETEX', 'k', 'EX', '1', 'PERSIST')).toEqual({ error: 'ERR syntax error' });
  });

  test('a lazily expired key: expired, then the keymiss or the new key of the command', () => {
    const c = ctx();
    c.run('SET', 'k', 'v', 'PX', '10');
    c.run('SET', 'j', 'v', 'PX', '10');
    c.host.time += 11;
    c.run('GET', 'k');
    expect(c.eventNames()).toEqual(['expired:k', 'keymiss:k']);
    c.run('MSET', 'j', '1', 'i', '2');
    expect(c.eventNames()).toEqual(['expired:j', 'new:j', 'set:j', 'new:i', 'set:i']);
  });

  test('classes that are off are not sent (the flag test is the only cost)', () => {
    const c = ctx();
    c.host.notifyFlags = NOTIFY_KEYEVENT | NOTIFY_STRING;
    c.run('SET', 'k', 'v', 'EX', '10');
    expect(c.eventNames()).toEqual(['set:k']);
    c.run('GET', 'nokey');
    expect(c.eventNames()).toEqual([]);
    c.host.notifyFlags = 0;
    c.run('SET', 'k', 'v');
    expect(c.events).toEqual([]);
  });
});
