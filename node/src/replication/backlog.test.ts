// Unit tests for the replication backlog ring buffer: offsets, wrap-around, bounds, resize.
import { Backlog } from './backlog.js';

describe('Backlog', () => {
  test('tracks offsets and serves partial reads across wrap-around', () => {
    const b = new Backlog(16, 0);
    b.feed('0123456789');
    expect(b.offset).toBe(10);
    expect(b.firstByteOffset).toBe(1);
    expect(b.readFrom(5).toString()).toBe('456789');
    b.feed('abcdefghij'); // 20 bytes total, only the last 16 kept
    expect(b.histlen).toBe(16);
    expect(b.firstByteOffset).toBe(5);
    expect(b.canServeFrom(4)).toBe(false);
    expect(b.canServeFrom(5)).toBe(true);
    expect(b.canServeFrom(21)).toBe(true); // nothing missing
    expect(b.canServeFrom(22)).toBe(false);
    expect(b.readFrom(5).toString()).toBe('456789abcdefghij');
    expect(b.readFrom(21).length).toBe(0);
  });

  test('a feed larger than the buffer keeps the tail', () => {
    const b = new Backlog(8, 100);
    b.feed('x'.repeat(20) + 'ABCDEFGH');
    expect(b.offset).toBe(128);
    expect(b.readFrom(121).toString()).toBe('ABCDEFGH');
  });

  test('matches a reference model under random feeds', () => {
    const b = new Backlog(1000, 0);
    let all = '';
    let seed = 7;
    const rand = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    for (let i = 0; i < 500; i++) {
      const chunk = String.fromCharCode(97 + (i % 26)).repeat(1 + Math.floor(rand() * 300));
      b.feed(chunk);
      all += chunk;
      const from = b.firstByteOffset + Math.floor(rand() * b.histlen);
      expect(b.readFrom(from).toString()).toBe(all.slice(from - 1));
    }
  });

  test('resize keeps the most recent history', () => {
    const b = new Backlog(10, 0);
    b.feed('abcdefghij');
    b.resize(4);
    expect(b.readFrom(7).toString()).toBe('ghij');
    expect(b.canServeFrom(6)).toBe(false);
    b.resize(20);
    b.feed('KL');
    expect(b.readFrom(7).toString()).toBe('ghijKL');
  });
});
