import {
  bitop,
  countBits,
  firstBit,
  readSigned,
  readUnsigned,
  signedAdd,
  unsignedAdd,
  writeBits,
} from './bitfield.js';

describe('bit fields', () => {
  test('read and write at any offset, most significant bit first, past the end reads 0', () => {
    const b = Buffer.alloc(3);
    writeBits(b, 3, 7, 0b1011001n);
    expect([...b]).toEqual([0b00010110, 0b01000000, 0]);
    expect(readUnsigned(b, 3, 7)).toBe(0b1011001n);
    expect(readSigned(b, 3, 7)).toBe(0b1011001n - 128n);
    expect(readUnsigned(b, 20, 16)).toBe(0n);
    writeBits(b, 0, 8, -1n);
    expect(b[0]).toBe(0xff);
    const w = Buffer.alloc(9);
    writeBits(w, 5, 64, -2n);
    expect(readSigned(w, 5, 64)).toBe(-2n);
    expect(readUnsigned(w, 5, 63)).toBe((1n << 63n) - 1n);
  });

  test('signed overflow: wrap, saturate, fail', () => {
    expect(signedAdd(100n, 27n, 8, 'wrap')).toEqual({ overflow: false, value: 127n });
    expect(signedAdd(100n, 28n, 8, 'wrap')).toEqual({ overflow: true, value: -128n });
    expect(signedAdd(100n, 28n, 8, 'sat')).toEqual({ overflow: true, value: 127n });
    expect(signedAdd(-100n, -29n, 8, 'sat')).toEqual({ overflow: true, value: -128n });
    expect(signedAdd(-100n, -29n, 8, 'fail')).toEqual({ overflow: true, value: null });
    expect(signedAdd((1n << 63n) - 1n, 1n, 64, 'wrap')).toEqual({ overflow: true, value: -(1n << 63n) });
    // Redis's 64-bit headroom wraps: a SET far below an i47's minimum saturates at its maximum.
    expect(signedAdd(-(1n << 63n), 0n, 47, 'sat')).toEqual({ overflow: true, value: (1n << 46n) - 1n });
    expect(signedAdd(-(1n << 50n), 0n, 47, 'sat')).toEqual({ overflow: true, value: -(1n << 46n) });
  });

  test('unsigned overflow: wrap, saturate, fail; a negative SET value', () => {
    expect(unsignedAdd(250n, 5n, 8, 'wrap')).toEqual({ overflow: false, value: 255n });
    expect(unsignedAdd(250n, 6n, 8, 'wrap')).toEqual({ overflow: true, value: 0n });
    expect(unsignedAdd(5n, -6n, 8, 'wrap')).toEqual({ overflow: true, value: 255n });
    expect(unsignedAdd(5n, -6n, 8, 'sat')).toEqual({ overflow: true, value: 0n });
    expect(unsignedAdd(250n, 6n, 8, 'sat')).toEqual({ overflow: true, value: 255n });
    expect(unsignedAdd(BigInt.asUintN(64, -1n), 0n, 8, 'wrap')).toEqual({ overflow: true, value: 255n });
    expect(unsignedAdd(BigInt.asUintN(64, -1n), 0n, 8, 'sat')).toEqual({ overflow: true, value: 255n });
    expect(unsignedAdd(1n, 1n, 1, 'fail')).toEqual({ overflow: true, value: null });
  });

  test('counting and finding bits in a range', () => {
    const s = '\x00\xff\xf0';
    expect(countBits(s, 0, 23)).toBe(12);
    expect(countBits(s, 5, 10)).toBe(3);
    expect(firstBit(s, 0, 23, 1)).toBe(8);
    expect(firstBit(s, 8, 23, 0)).toBe(20);
    expect(firstBit(s, 8, 19, 0)).toBe(-1);
    expect(firstBit('\x00', 0, 7, 1)).toBe(-1);
  });

  test('BITOP over strings of different lengths', () => {
    expect(bitop('and', ['\xff\x0f', '\x0f'])).toBe('\x0f\x00');
    expect(bitop('or', ['\xf0', '\x0f\x01'])).toBe('\xff\x01');
    expect(bitop('xor', ['\xff', '\x0f', '\x01'])).toBe('\xf1');
    expect(bitop('not', ['\x0f\xff'])).toBe('\xf0\x00');
    expect(bitop('and', ['', ''])).toBe('');
  });
});
