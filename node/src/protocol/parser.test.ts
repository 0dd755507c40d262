// Unit tests for the incremental RESP request parser: framing, partial input, inline commands, limits.
import { RespParser, ProtocolError, splitInlineArgs } from './parser.js';
import { lcg } from '../seeded-random.js';

const limits = { maxBulkLen: 512 * 1024 * 1024, maxQueryBuffer: 1024 * 1024 * 1024 };

function all(p: RespParser): string[][] {
  const out: string[][] = [];
  for (let c = p.next(); c !== null; c = p.next()) out.push(c);
  return out;
}

describe('RespParser', () => {
  test('parses pipelined multibulk commands in one chunk', () => {
    const p = new RespParser(limits);
    p.feed(Buffer.from('*1\r\n$4\r\nPING\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\nv1\r\n'));
    expect(all(p)).toEqual([['PING'], ['SET', 'k', 'v1']]);
  });

  test('parses the same stream fed one byte at a time', () => {
    const p = new RespParser(limits);
    const wire =
      '*3\r\n$3\r\nSET\r\n$5\r\nhello\r\n$11\r\nhello world\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$0\r\n\r\n';
    const got: string[][] = [];
    for (const ch of Buffer.from(wire)) {
      p.feed(Buffer.from([ch]));
      got.push(...all(p));
    }
    expect(got).toEqual([['SET', 'hello', 'hello world'], ['PING'], ['ECHO', '']]);
  });

  test('keeps binary bytes as latin1 chars', () => {
    const p = new RespParser(limits);
    const payload = Buffer.from([0, 255, 13, 10, 128]);
    p.feed(Buffer.concat([Buffer.from('*2\r\n$3\r\nGET\r\n$5\r\n'), payload, Buffer.from('\r\n')]));
    const [cmd] = all(p);
    expect(Buffer.from(cmd[1], 'latin1')).toEqual(payload);
  });

  test('assembles a large bulk split over many chunks', () => {
    const p = new RespParser(limits);
    const big = 'x'.repeat(1_000_000);
    const wire = Buffer.from(`*2\r\n$4\r\nECHO\r\n$${big.length}\r\n${big}\r\n`);
    const got: string[][] = [];
    for (let i = 0; i < wire.length; i += 4096) {
      p.feed(wire.subarray(i, i + 4096));
      got.push(...all(p));
    }
    expect(got.length).toBe(1);
    expect(got[0][1].length).toBe(big.length);
  });

  test('inline commands with quotes and escapes', () => {
    const p = new RespParser(limits);
    p.feed(Buffer.from('set "a b" \'c d\' "\\x41\\n"\r\nping\n\r\n'));
    expect(all(p)).toEqual([['set', 'a b', 'c d', 'A\n'], ['ping']]);
  });

  test.each([
    ['*abc\r\n', 'Protocol error: invalid multibulk length'],
    ['*2\r\n$x\r\n', 'Protocol error: invalid bulk length'],
    ['*1\r\n+OK\r\n', "Protocol error: expected '$', got '+'"],
    ['*1\r\n$-5\r\n', 'Protocol error: invalid bulk length'],
    ['*99999999\r\n', 'Protocol error: invalid multibulk length'],
    ['set "abc\r\n', 'Protocol error: unbalanced quotes in request'],
  ])('rejects %j', (wire, message) => {
    const p = new RespParser(limits);
    p.feed(Buffer.from(wire));
    expect(() => all(p)).toThrow(new ProtocolError(message));
  });

  test('enforces proto-max-bulk-len', () => {
    const p = new RespParser({ maxBulkLen: 100, maxQueryBuffer: 1 << 30 });
    p.feed(Buffer.from('*1\r\n$101\r\n'));
    expect(() => all(p)).toThrow('Protocol error: invalid bulk length');
  });

  test('an inline line with a NUL byte before its newline is never complete (strchr stops at it)', () => {
    const p = new RespParser(limits);
    p.feed(Buffer.from('\0PING\r\nPING\r\n', 'latin1'));
    expect(all(p)).toEqual([]);
    p.feed(Buffer.alloc(70 * 1024, 'a'));
    expect(() => all(p)).toThrow('Protocol error: too big inline request');
  });

  test('rejects an inline request over 64KB without newline', () => {
    const p = new RespParser(limits);
    p.feed(Buffer.from('a'.repeat(70 * 1024)));
    expect(() => all(p)).toThrow('Protocol error: too big inline request');
  });

  test('enforces the query buffer limit', () => {
    const p = new RespParser({ maxBulkLen: 1 << 30, maxQueryBuffer: 1000 });
    p.feed(Buffer.from('*1\r\n$5000\r\n'));
    expect(all(p)).toEqual([]);
    expect(() => p.feed(Buffer.alloc(2000, 97))).toThrow('max query buffer');
  });

  test('transient chunks: bytes kept across reads survive the reuse of the read buffer', () => {
    // A stream of commands (some with 40 KB bulks, some inline) cut at random points and delivered
    // through one buffer that is overwritten after every read, the way the server reads sockets; the
    // reader sometimes stops early, as a blocked client does, leaving parsed input behind.
    const rand = lcg(5);
    const want: string[][] = [];
    const parts: Buffer[] = [];
    for (let i = 0; i < 400; i++) {
      const v = String.fromCharCode(97 + (i % 26)).repeat(rand() < 0.1 ? 40000 : Math.floor(rand() * 60));
      if (rand() < 0.2) {
        want.push(['PING', `p${i}`]);
        parts.push(Buffer.from(`PING p${i}\r\n`));
      } else {
        want.push(['SET', `k${i}`, v]);
        parts.push(Buffer.from(`*3\r\n$3\r\nSET\r\n$${`k${i}`.length}\r\nk${i}\r\n$${v.length}\r\n${v}\r\n`));
      }
    }
    const wire = Buffer.concat(parts);
    const readBuf = Buffer.alloc(64 * 1024);
    const p = new RespParser(limits);
    const got: string[][] = [];
    for (let at = 0; at < wire.length;) {
      const n = Math.min(wire.length - at, 1 + Math.floor(rand() * (rand() < 0.5 ? 50 : readBuf.length)));
      wire.copy(readBuf, 0, at, at + n);
      at += n;
      p.feed(readBuf.subarray(0, n), true);
      const take = rand() < 0.3 ? 1 : Infinity;
      for (let k = 0; k < take; k++) {
        const c = p.next();
        if (c === null) break;
        got.push(c);
      }
      p.retain();
      readBuf.fill(0x7e); // the next read overwrites the buffer
    }
    got.push(...all(p));
    expect(got.length).toBe(want.length);
    expect(got).toEqual(want);
  });

  test('splitInlineArgs matches sdssplitargs on edge cases', () => {
    expect(splitInlineArgs('  a   b  ')).toEqual(['a', 'b']);
    expect(splitInlineArgs('"a"b')).toBeNull();
    expect(splitInlineArgs("'it\\'s'")).toEqual(["it's"]);
    expect(splitInlineArgs('""')).toEqual(['']);
  });
});
