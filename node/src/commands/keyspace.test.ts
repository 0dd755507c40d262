// Unit tests for keyspace and expiry commands against TestCtx.
import { commands as stringCommands } from './string.js';
import { commands as keyspaceCommands } from './keyspace.js';
import { TestCtx } from './testing.js';
import { RHash } from '../store/hash.js';

function ctx(): TestCtx {
  return new TestCtx([...stringCommands, ...keyspaceCommands]);
}

describe('keyspace', () => {
  test('DEL/EXISTS/TYPE/RENAME/RENAMENX', () => {
    const c = ctx();
    c.run('MSET', 'a', '1', 'b', '2');
    expect(c.run('EXISTS', 'a', 'b', 'a', 'zz')).toBe(3);
    expect(c.run('TYPE', 'a')).toBe('string');
    expect(c.run('TYPE', 'zz')).toBe('none');
    expect(c.run('RENAME', 'zz', 'q')).toEqual({ error: 'ERR no such key' });
    c.run('EXPIRE', 'a', '100');
    expect(c.run('RENAME', 'a', 'c')).toBe('OK');
    expect(c.run('TTL', 'c')).toBe(100);
    expect(c.run('RENAMENX', 'c', 'b')).toBe(0);
    expect(c.run('DEL', 'b', 'c', 'zz')).toBe(2);
  });

  test('COPY and MOVE between databases', () => {
    const c = ctx();
    c.db.set('h', RHash.from([['f', 'v']]));
    expect(c.run('COPY', 'h', 'h2')).toBe(1);
    expect(c.run('COPY', 'h', 'h2')).toBe(0);
    expect(c.run('COPY', 'h', 'h2', 'DB', '3', 'REPLACE')).toBe(1);
    (c.db.lookupWrite('h') as RHash).set('f', 'changed');
    expect((c.dbs[3].lookupRead('h2') as RHash).get('f')).toBe('v');
    expect(c.run('COPY', 'h', 'h', 'DB', '99')).toEqual({ error: 'ERR DB index is out of range' });
    expect(c.run('MOVE', 'h', '1')).toBe(1);
    expect(c.run('EXISTS', 'h')).toBe(0);
    expect(c.dbs[1].exists('h')).toBe(true);
    expect(c.run('MOVE', 'h2', '0')).toEqual({ error: 'ERR source and destination objects are the same' });
  });

  test('SCAN never misses a key present for the whole scan, despite deletes and inserts', () => {
    const c = ctx();
    for (let i = 0; i < 1000; i++) c.run('SET', `k${i}`, 'v');
    const seen = new Set<string>();
    let cursor = '0';
    let round = 0;
    do {
      const r = c.run('SCAN', cursor, 'COUNT', '37') as [string, string[]];
      cursor = r[0];
      for (const k of r[1]) seen.add(k);
      // churn: delete keys ending in 7 (not "present for the whole scan") and add new keys
      c.run('DEL', `k${round * 10 + 7}`);
      c.run('SET', `new${round}`, 'v');
      round++;
    } while (cursor !== '0');
    for (let i = 0; i < 1000; i++) {
      if (i % 10 === 7 && i < round * 10) continue;
      expect(seen.has(`k${i}`)).toBe(true);
    }
  });

  test('SCAN MATCH/TYPE/COUNT and errors', () => {
    const c = ctx();
    c.run('MSET', 'user:1', 'a', 'user:2', 'b', 'other', 'c');
    c.db.set('hash', new RHash());
    const r = c.run('SCAN', '0', 'MATCH', 'user:*', 'COUNT', '100') as [string, string[]];
    expect(r[0]).toBe('0');
    expect(r[1].sort()).toEqual(['user:1', 'user:2']);
    expect((c.run('SCAN', '0', 'TYPE', 'hash') as [string, string[]])[1]).toEqual(['hash']);
    expect(c.run('SCAN', 'x')).toEqual({ error: 'ERR invalid cursor' });
    expect(c.run('SCAN', '0', 'COUNT', '0')).toEqual({ error: 'ERR syntax error' });
  });

  test('KEYS with patterns skips expired keys', () => {
    const c = ctx();
    c.run('MSET', 'one', '1', 'two', '2', 'three', '3');
    c.run('PEXPIRE', 'three', '5');
    c.host.time += 10;
    expect((c.run('KEYS', 't*') as string[]).sort()).toEqual(['two']);
  });
});

describe('expiry commands', () => {
  test('EXPIRE NX/XX/GT/LT semantics', () => {
    const c = ctx();
    c.run('SET', 'k', 'v');
    expect(c.run('EXPIRE', 'k', '100', 'XX')).toBe(0);
    expect(c.run('EXPIRE', 'k', '100', 'GT')).toBe(0);
    expect(c.run('EXPIRE', 'k', '100', 'NX')).toBe(1);
    expect(c.run('EXPIRE', 'k', '200', 'NX')).toBe(0);
    expect(c.run('EXPIRE', 'k', '50', 'GT')).toBe(0);
    expect(c.run('EXPIRE', 'k', '200', 'GT')).toBe(1);
    expect(c.run('EXPIRE', 'k', '300', 'LT')).toBe(0);
    expect(c.run('EXPIRE', 'k', '150', 'LT')).toBe(1);
    expect(c.propagated).toEqual([['PEXPIREAT', 'k', String(c.now() + 150000)]]);
    expect(c.run('TTL', 'k')).toBe(150);
    expect(c.run('EXPIRE', 'k', '1', 'NX', 'XX')).toEqual({
      error: 'ERR NX and XX, GT or LT options at the same time are not compatible',
    });
    expect(c.run('EXPIRE', 'k', '1', 'GT', 'LT')).toEqual({
      error: 'ERR GT and LT options at the same time are not compatible',
    });
    expect(c.run('EXPIRE', 'k', '1', 'FOO')).toEqual({ error: 'ERR Unsupported option FOO' });
    expect(c.run('EXPIRE', 'missing', '1')).toBe(0);
  });

  test('a past expiry deletes the key and propagates DEL', () => {
    const c = ctx();
    c.run('SET', 'k', 'v');
    expect(c.run('EXPIREAT', 'k', '1')).toBe(1);
    expect(c.propagated).toEqual([['DEL', 'k']]);
    expect(c.run('EXISTS', 'k')).toBe(0);
  });

  test('TTL/PTTL/EXPIRETIME/PEXPIRETIME/PERSIST', () => {
    const c = ctx();
    expect(c.run('TTL', 'nokey')).toBe(-2);
    c.run('SET', 'k', 'v');
    expect(c.run('TTL', 'k')).toBe(-1);
    expect(c.run('PEXPIREAT', 'k', String(c.now() + 1500))).toBe(1);
    expect(c.run('PTTL', 'k')).toBe(1500);
    expect(c.run('PEXPIRETIME', 'k')).toBe(c.now() + 1500);
    expect(c.run('EXPIRETIME', 'k')).toBe(Math.floor((c.now() + 1500 + 500) / 1000));
    expect(c.run('PERSIST', 'k')).toBe(1);
    expect(c.run('PERSIST', 'k')).toBe(0);
    expect(c.run('EXPIRE', 'k', '9223372036854775807')).toEqual({
      error: "ERR invalid expire time in 'expire' command",
    });
  });
});

describe('keyspace events (as redis-server 7.0 sends them)', () => {
  test('DEL, EXISTS/TOUCH/TYPE/TTL misses, EXPIRE, PERSIST, a past expiry deletes', () => {
    const c = ctx();
    c.run('MSET', 'a', '1', 'b', '2');
    c.run('DEL', 'a', 'zz', 'b');
    expect(c.eventNames()).toEqual(['del:a', 'del:b']);
    c.run('EXISTS', 'zz', 'yy');
    expect(c.eventNames()).toEqual(['keymiss:zz', 'keymiss:yy']);
    for (const cmd of ['TYPE', 'TTL', 'PTTL', 'EXPIRETIME', 'PEXPIRETIME']) {
      c.run(cmd, 'zz');
      expect(c.eventNames()).toEqual(['keymiss:zz']);
    }
    c.run('EXPIRE', 'zz', '10');
    c.run('PERSIST', 'zz');
    expect(c.eventNames()).toEqual([]);
    c.run('SET', 'k', 'v');
    c.run('PEXPIRE', 'k', '1000');
    expect(c.eventNames()).toEqual(['expire:k']);
    c.run('PERSIST', 'k');
    expect(c.eventNames()).toEqual(['persist:k']);
    c.run('EXPIRE', 'k', '-1');
    expect(c.eventNames()).toEqual(['del:k']);
    expect(c.run('EXISTS', 'k')).toBe(0);
  });

  test('RENAME: the destination is added anew (new, no del), then rename_from and rename_to', () => {
    const c = ctx();
    c.run('SET', 'a', '1', 'EX', '100');
    c.run('SET', 'b', '2');
    c.run('RENAME', 'a', 'b');
    expect(c.eventNames()).toEqual(['new:b', 'rename_from:a', 'rename_to:b']);
    expect(c.run('TTL', 'b')).toBe(100);
    c.run('RENAME', 'b', 'b');
    c.run('RENAMENX', 'b', 'b');
    expect(c.eventNames()).toEqual([]);
  });

  test('COPY and MOVE announce in the databases they write', () => {
    const c = ctx();
    c.run('SET', 'a', '1');
    c.run('COPY', 'a', 'b', 'DB', '2');
    expect(c.eventNames()).toEqual(['new:b:2', 'copy_to:b:2']);
    c.run('COPY', 'a', 'b', 'DB', '2');
    expect(c.eventNames()).toEqual([]);
    c.run('COPY', 'zz', 'b');
    expect(c.eventNames()).toEqual(['keymiss:zz']);
    c.run('MOVE', 'a', '3');
    expect(c.eventNames()).toEqual(['new:a:3', 'move_from:a', 'move_to:a:3']);
  });

  test('SCAN deletes the expired keys matching its pattern; with TYPE each is a keymiss too', () => {
    const c = ctx();
    c.run('SET', 'x1', 'v', 'PX', '10');
    c.run('SET', 'y1', 'v', 'PX', '10');
    c.run('SET', 'x2', 'v');
    c.host.time += 11;
    expect(c.run('SCAN', '0', 'MATCH', 'x*', 'COUNT', '100')).toEqual(['0', ['x2']]);
    expect(c.eventNames()).toEqual(['expired:x1']);
    c.run('SCAN', '0', 'TYPE', 'string', 'COUNT', '100');
    expect(c.eventNames()).toEqual(['expired:y1', 'keymiss:y1']);
  });
});
