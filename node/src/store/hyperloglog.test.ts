// Unit tests for the HyperLogLog byte format: MurmurHash64A against a BigInt reference and Redis's own
// register choices, hllPatLen, dense 6-bit packing, sparse opcodes (splits, VAL merges, promotion at 32
// and at the size limit, corrupt bodies), the cached cardinality bytes, the estimator and the self-test.
import {
  HLL_DENSE,
  HLL_DENSE_SIZE,
  HLL_REGISTERS,
  HLL_SPARSE,
  HllBytes,
  cacheValid,
  cachedCard,
  decodeSparse,
  denseGet,
  denseSet,
  denseWouldChange,
  denseWrite,
  estimate,
  histogram,
  hllAdd,
  invalidateCache,
  isValidHll,
  mergeInto,
  murmurHash64A,
  patLen,
  rawHistogram,
  selfTest,
  setRegister,
  sparseSet,
  toDense,
  writeCache,
} from './hyperloglog.js';

const MASK = (1n << 64n) - 1n;

/** MurmurHash64A written the obvious way, on BigInts. */
function referenceMurmur(s: string, seed: bigint): bigint {
  const m = 0xc6a4a7935bd1e995n;
  const r = 47n;
  let h = (seed ^ ((BigInt(s.length) * m) & MASK)) & MASK;
  const blocks = s.length - (s.length & 7);
  for (let i = 0; i < blocks; i += 8) {
    let k = 0n;
    for (let j = 7; j >= 0; j--) k = (k << 8n) | BigInt(s.charCodeAt(i + j));
    k = (k * m) & MASK;
    k ^= k >> r;
    k = (k * m) & MASK;
    h ^= k;
    h = (h * m) & MASK;
  }
  const rest = s.length & 7;
  if (rest > 0) {
    for (let j = rest - 1; j >= 0; j--) h ^= BigInt(s.charCodeAt(blocks + j)) << BigInt(8 * j);
    h = (h * m) & MASK;
  }
  h ^= h >> r;
  h = (h * m) & MASK;
  h ^= h >> r;
  return h;
}

/** A small deterministic generator for the tests. */
function lcg(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return x >>> 1;
  };
}

const hdr = (enc: number, card = '\0\0\0\0\0\0\0\x80'): string =>
  `HYLL${String.fromCharCode(enc)}\0\0\0${card}`;

describe('hashing', () => {
  test('MurmurHash64A equals a BigInt reference for every tail length and binary bytes', () => {
    const rand = lcg(7);
    for (let len = 0; len < 64; len++) {
      for (let n = 0; n < 5; n++) {
        const s = String.fromCharCode(...Array.from({ length: len }, () => rand() & 255));
        expect(murmurHash64A(s)).toBe(referenceMurmur(s, 0xadc83b19n));
        expect(murmurHash64A(s, 0)).toBe(referenceMurmur(s, 0n));
      }
    }
  });

  test("hllPatLen picks the register and run redis-server's PFDEBUG GETREG shows", () => {
    // Register and value after PFADD of each element alone, read from redis-server 7.0.15.
    const fromRedis: [string, number, number][] = [
      ['a', 12711, 2],
      ['b', 15780, 1],
      ['', 5938, 2],
      ['foo', 7348, 5],
      ['hello world!', 8716, 3],
      ['12345678', 10579, 3],
      ['\x00\xff\x80binary\x01', 579, 1],
      ['x'.repeat(100), 15288, 1],
    ];
    for (const [e, index, count] of fromRedis) expect(patLen(e)).toEqual({ index, count });
  });

  test('runs stay within 1..51', () => {
    const bad: string[] = [];
    for (let i = 0; i < 20000; i++) {
      const { index, count } = patLen(`e${i}`);
      if (index >= HLL_REGISTERS || count < 1 || count > 51) bad.push(`e${i}`);
    }
    expect(bad).toEqual([]);
  });
});

describe('dense registers', () => {
  test('every register keeps its own 6 bits, the last one included', () => {
    const b = new Uint8Array(HLL_DENSE_SIZE);
    const rand = lcg(3);
    const want = Array.from({ length: HLL_REGISTERS }, () => rand() & 63);
    want.forEach((v, i) => denseWrite(b, i, v));
    expect(want.map((_, i) => denseGet(b, i))).toEqual(want);
    denseWrite(b, 1, 0);
    expect([denseGet(b, 0), denseGet(b, 1), denseGet(b, 2)]).toEqual([want[0], 0, want[2]]);
  });

  test('the packing is LSB first: register 1 spans bytes 0 and 1', () => {
    const b = new Uint8Array(HLL_DENSE_SIZE);
    denseWrite(b, 1, 63);
    expect([b[16], b[17], b[18]]).toEqual([0xc0, 0x0f, 0]);
    denseWrite(b, HLL_REGISTERS - 1, 63);
    expect(b[HLL_DENSE_SIZE - 1]).toBe(0xfc);
  });

  test('denseWouldChange reads the registers from the string', () => {
    const h = HllBytes.empty();
    hllAdd(h, 'a', 3000);
    toDense(h);
    const s = h.toString();
    expect(denseWouldChange(s, ['PFADD', 'k', 'a'], 2)).toBe(false);
    expect(denseWouldChange(s, ['PFADD', 'k', 'a', 'b'], 2)).toBe(true);
    expect(denseWouldChange(s, ['PFADD', 'k'], 2)).toBe(false);
    // 'e1674' goes to the last register, which ends at the last byte.
    expect(patLen('e1674').index).toBe(HLL_REGISTERS - 1);
    expect(denseWouldChange(s, ['e1674'], 0)).toBe(true);
    hllAdd(h, 'e1674', 3000);
    expect(denseWouldChange(h.toString(), ['e1674', 'a'], 0)).toBe(false);
  });

  test('denseSet only raises', () => {
    const b = new Uint8Array(HLL_DENSE_SIZE);
    expect(denseSet(b, 5, 3)).toBe(1);
    expect(denseSet(b, 5, 3)).toBe(0);
    expect(denseSet(b, 5, 2)).toBe(0);
    expect(denseGet(b, 5)).toBe(3);
  });
});

describe('sparse representation', () => {
  test('an empty HLL is the header and XZERO:16384, cache 0', () => {
    const h = HllBytes.empty();
    expect(h.toString()).toBe(`HYLL\x01\0\0\0${'\0'.repeat(8)}\x7f\xff`);
    expect(decodeSparse(h)).toBe('Z:16384');
  });

  test('PFADD a b c leaves the bytes redis-server leaves', () => {
    const h = HllBytes.empty();
    for (const e of ['a', 'b', 'c']) expect(hllAdd(h, e, 3000)).toBe(1);
    expect(hllAdd(h, 'a', 3000)).toBe(0);
    // The cache is marked stale by the first change.
    expect(h.toString()).toBe(`${hdr(1)}\x60\xf3\x80\x50\xb1\x84\x4b\xfb\x80\x42\x5a`);
    expect(decodeSparse(h)).toBe('Z:8436 v:1,1 Z:4274 v:2,1 Z:3068 v:1,1 Z:603');
  });

  test('splits XZERO, ZERO and VAL runs and merges equal neighbours up to 4', () => {
    const h = HllBytes.empty();
    sparseSet(h, 100, 3, 3000);
    expect(decodeSparse(h)).toBe('Z:100 v:3,1 Z:16283');
    sparseSet(h, 102, 3, 3000);
    expect(decodeSparse(h)).toBe('Z:100 v:3,1 z:1 v:3,1 Z:16281');
    sparseSet(h, 101, 3, 3000);
    expect(decodeSparse(h)).toBe('Z:100 v:3,3 Z:16281');
    sparseSet(h, 103, 3, 3000);
    expect(decodeSparse(h)).toBe('Z:100 v:3,4 Z:16280');
    sparseSet(h, 104, 3, 3000);
    expect(decodeSparse(h)).toBe('Z:100 v:3,4 v:3,1 Z:16279');
    sparseSet(h, 102, 5, 3000);
    expect(decodeSparse(h)).toBe('Z:100 v:3,2 v:5,1 v:3,2 Z:16279');
    expect(sparseSet(h, 102, 4, 3000)).toBe(0);
    sparseSet(h, 50, 2, 3000);
    expect(decodeSparse(h)).toBe('z:50 v:2,1 z:49 v:3,2 v:5,1 v:3,2 Z:16279');
    sparseSet(h, 16383, 1, 3000);
    expect(decodeSparse(h)).toBe('z:50 v:2,1 z:49 v:3,2 v:5,1 v:3,2 Z:16278 v:1,1');
    sparseSet(h, 0, 1, 3000);
    expect(decodeSparse(h)).toBe('v:1,1 z:49 v:2,1 z:49 v:3,2 v:5,1 v:3,2 Z:16278 v:1,1');
  });

  test('a value over 32 promotes to dense, keeping the header and cached cardinality', () => {
    const h = HllBytes.empty();
    sparseSet(h, 7, 5, 3000);
    writeCache(h, 1234n);
    expect(sparseSet(h, 9, 33, 3000)).toBe(1);
    expect(h.encoding).toBe(HLL_DENSE);
    expect(h.len).toBe(HLL_DENSE_SIZE);
    expect(cachedCard(h.toString())).toBe(1234n);
    expect(denseGet(h.buf, 7)).toBe(5);
    expect(denseGet(h.buf, 9)).toBe(33);
  });

  test('growing past hll-sparse-max-bytes promotes; staying at the limit does not', () => {
    const h = HllBytes.empty();
    // Registers 0, 2, 4, ... at 1: each adds two bytes (v:1,1 z:1).
    let reg = 0;
    while (h.len + 2 <= 40) sparseSet(h, (reg += 2), 1, 40);
    expect(h.encoding).toBe(HLL_SPARSE);
    expect(h.len).toBe(40);
    expect(sparseSet(h, (reg += 2), 1, 40)).toBe(1);
    expect(h.encoding).toBe(HLL_DENSE);
    for (let r = 2; r <= reg; r += 2) expect(denseGet(h.buf, r)).toBe(1);
  });

  test('sparse and dense agree on registers, histogram and estimate', () => {
    const rand = lcg(11);
    const sparse = HllBytes.empty();
    const dense = new HllBytes(Buffer.alloc(HLL_DENSE_SIZE), HLL_DENSE_SIZE);
    for (let i = 0; i < 400; i++) {
      const reg = rand() % HLL_REGISTERS;
      const v = 1 + (rand() % 32);
      expect(setRegister(sparse, reg, v, 1 << 20)).toBe(denseSet(dense.buf, reg, v));
    }
    expect(sparse.encoding).toBe(HLL_SPARSE);
    expect(histogram(sparse)).toEqual(histogram(dense));
    const copy = HllBytes.fromString(sparse.toString());
    expect(toDense(copy)).toBe(true);
    expect(copy.buf.subarray(16, copy.len)).toEqual(dense.buf.subarray(16));
    const regs = new Uint8Array(HLL_REGISTERS);
    expect(mergeInto(regs, sparse)).toBe(true);
    expect(estimate(rawHistogram(regs))).toBe(estimate(histogram(dense) as Float64Array));
  });

  test('corrupt bodies: too short, too long, a run past the end', () => {
    const cases = ['\x7f\xfe', '\x7f\xff\x00', '\x7f\xff\x80', '\x7f\xfe\x81', '', '\x7f'];
    for (const body of cases) {
      const h = HllBytes.fromString(hdr(1) + body);
      expect(histogram(h)).toBeNull();
      expect(mergeInto(new Uint8Array(HLL_REGISTERS), h)).toBe(false);
      expect(toDense(HllBytes.fromString(hdr(1) + body))).toBe(false);
    }
    // A set finds its register as long as the opcodes reach it, whatever follows.
    const long = HllBytes.fromString(hdr(1) + '\x7f\xff\x80');
    expect(sparseSet(long, 5, 1, 3000)).toBe(1);
    expect(decodeSparse(long)).toBe('z:5 v:1,1 Z:16378 v:1,1');
    expect(sparseSet(HllBytes.fromString(hdr(1) + '\x7f\xfe'), 16383, 1, 3000)).toBe(-1);
    expect(sparseSet(HllBytes.fromString(hdr(1)), 0, 1, 3000)).toBe(-1);
    // A lone XZERO byte at the end reads the terminating zero as its second byte.
    expect(decodeSparse(HllBytes.fromString(hdr(1) + '\x7f'))).toBe('Z:16129');
  });
});

describe('header and estimate', () => {
  test('isHLLObject: length, magic, encoding, dense size', () => {
    expect(isValidHll(HllBytes.empty().toString())).toBe(true);
    expect(isValidHll(hdr(1))).toBe(true);
    expect(isValidHll(hdr(1).slice(0, 15))).toBe(false);
    expect(isValidHll(`HYLX${hdr(1).slice(4)}`)).toBe(false);
    expect(isValidHll(hdr(2))).toBe(false);
    expect(isValidHll(hdr(0))).toBe(false);
    expect(isValidHll(hdr(0) + '\0'.repeat(12288))).toBe(true);
    expect(isValidHll(hdr(0) + '\0'.repeat(12289))).toBe(false);
  });

  test('the cache: top bit of byte 15 marks it stale, the value is little-endian', () => {
    const h = HllBytes.empty();
    expect(cacheValid(h.toString())).toBe(true);
    writeCache(h, 0x0102030405n);
    expect(h.toString().slice(8, 16)).toBe('\x05\x04\x03\x02\x01\0\0\0');
    expect(cachedCard(h.toString())).toBe(0x0102030405n);
    invalidateCache(h);
    expect(cacheValid(h.toString())).toBe(false);
    expect(h.toString().slice(8, 16)).toBe('\x05\x04\x03\x02\x01\0\0\x80');
  });

  test('estimates: empty 0, small sets exact, large sets within 2%', () => {
    const h = HllBytes.empty();
    expect(estimate(histogram(h) as Float64Array)).toBe(0n);
    for (let i = 0; i < 10; i++) hllAdd(h, `m${i}`, 3000);
    expect(estimate(histogram(h) as Float64Array)).toBe(10n);
    for (let i = 10; i < 100000; i++) hllAdd(h, `m${i}`, 3000);
    expect(h.encoding).toBe(HLL_DENSE);
    const e = Number(estimate(histogram(h) as Float64Array));
    expect(Math.abs(e - 100000) / 100000).toBeLessThan(0.02);
  });

  test('registers that overflow the estimator give 2^63, as llroundl does on x86', () => {
    const b = Buffer.alloc(HLL_DENSE_SIZE, 0xff);
    b.write(hdr(0), 0, 'latin1');
    expect(estimate(histogram(new HllBytes(b, HLL_DENSE_SIZE)) as Float64Array)).toBe(1n << 63n);
  });
});

test('PFSELFTEST logic passes', () => {
  expect(selfTest(3000, lcg(42))).toBeNull();
});
