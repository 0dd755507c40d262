// HyperLogLog as Redis 7.0 keeps it inside a plain string, byte for byte: the 16-byte HYLL header
// (magic, encoding, 3 unused bytes, the cached cardinality little-endian whose top bit flags it stale),
// then either 16384 six-bit registers packed LSB first (dense, 12288 bytes) or a run-length list of
// ZERO (00xxxxxx), XZERO (01xxxxxx yyyyyyyy) and VAL (1vvvvvxx) opcodes (sparse). Elements are hashed
// with MurmurHash64A (seed 0xadc83b19); the estimate is Ertl's improved raw estimator (tau / sigma over
// the register histogram). Sparse updates are made in place as Redis makes them (split, then merge of
// neighbouring VALs), and promote to dense past a VAL of 32 or past hll-sparse-max-bytes, so the same
// inputs leave the same bytes. Corrupt sparse bodies are refused where Debian's 7.0.15 build (with the
// CVE-2025-32023 checks) refuses them, and read where it reads them. Pure: no keyspace, no replies.

export const HLL_P = 14;
export const HLL_Q = 64 - HLL_P;
export const HLL_REGISTERS = 1 << HLL_P;
export const HLL_HDR_SIZE = 16;
export const HLL_DENSE_SIZE = HLL_HDR_SIZE + (HLL_REGISTERS * 6) / 8;
export const HLL_DENSE = 0;
export const HLL_SPARSE = 1;
/** The hll-sparse-max-bytes default. */
export const HLL_SPARSE_MAX_BYTES = 3000;
export const HLL_SEED = 0xadc83b19;

const REGISTER_MAX = 63;
const SPARSE_VAL_MAX_VALUE = 32;
const SPARSE_VAL_MAX_LEN = 4;
const SPARSE_ZERO_MAX_LEN = 64;
const SPARSE_XZERO_MAX_LEN = 16384;
const ALPHA_INF = 0.7213475204444817; // 0.5 / ln(2), as a double
const CACHE_STALE_BYTE = 15;
const INT64_SIGN = 0x8000000000000000n;

// ---- MurmurHash64A on 32-bit halves ----

// Local bindings: a global lookup per call is slow where the module runs in a vm context (jest).
const imul = Math.imul;
const clz32 = Math.clz32;
const sqrt = Math.sqrt;
const round = Math.round;

const M_HI = 0xc6a4a793;
const M_LO = 0x5bd1e995;
const M_LO0 = M_LO & 0xffff;
const M_LO1 = M_LO >>> 16;
/** The product of the last mulM(), high and low 32 bits (no allocation on the hot path). */
let mHi = 0;
let mLo = 0;

/** (aHi:aLo) * 0xc6a4a7935bd1e995 mod 2^64 into mHi:mLo, on 16-bit limbs for the low word. */
function mulM(aHi: number, aLo: number): void {
  const a0 = aLo & 0xffff;
  const a1 = aLo >>> 16;
  const p00 = a0 * M_LO0;
  const p10 = a1 * M_LO0;
  const p01 = a0 * M_LO1;
  const mid = (p00 >>> 16) + (p10 & 0xffff) + (p01 & 0xffff);
  mLo = (((mid & 0xffff) << 16) | (p00 & 0xffff)) >>> 0;
  const carry = a1 * M_LO1 + (p10 >>> 16) + (p01 >>> 16) + (mid >>> 16);
  mHi = (carry + imul(aHi, M_LO) + imul(aLo, M_HI)) >>> 0;
}

let hHi = 0;
let hLo = 0;

/** One 8-byte block (kHi:kLo) folded into hHi:hLo. */
function mixBlock(kHi: number, kLo: number): void {
  mulM(kHi, kLo);
  mulM(mHi, (mLo ^ (mHi >>> 15)) >>> 0);
  mulM((hHi ^ mHi) >>> 0, (hLo ^ mLo) >>> 0);
  hHi = mHi;
  hLo = mLo;
}

function finish(): void {
  hLo = (hLo ^ (hHi >>> 15)) >>> 0;
  mulM(hHi, hLo);
  hHi = mHi;
  hLo = (mLo ^ (mHi >>> 15)) >>> 0;
}

/** Hashes the bytes of a latin1 string into hHi:hLo. */
function hashString(s: string, seed: number): void {
  const n = s.length;
  mulM(0, n);
  hHi = mHi;
  hLo = (mLo ^ seed) >>> 0;
  const blocks = n - (n & 7);
  let i = 0;
  for (; i < blocks; i += 8) {
    const lo =
      (s.charCodeAt(i) |
        (s.charCodeAt(i + 1) << 8) |
        (s.charCodeAt(i + 2) << 16) |
        (s.charCodeAt(i + 3) << 24)) >>>
      0;
    const hi =
      (s.charCodeAt(i + 4) |
        (s.charCodeAt(i + 5) << 8) |
        (s.charCodeAt(i + 6) << 16) |
        (s.charCodeAt(i + 7) << 24)) >>>
      0;
    mixBlock(hi, lo);
  }
  const rest = n & 7;
  if (rest > 0) {
    for (let j = 0; j < rest; j++) {
      const b = s.charCodeAt(i + j);
      if (j >= 4) hHi ^= b << (8 * (j - 4));
      else hLo ^= b << (8 * j);
    }
    mulM(hHi >>> 0, hLo >>> 0);
    hHi = mHi;
    hLo = mLo;
  }
  finish();
}

mulM(0, 8);
const LEN8_HI = mHi;
const LEN8_LO = mLo;

/** Hashes one 8-byte little-endian word (hi:lo), as PFSELFTEST hashes its uint64 elements. */
function hashWord(hi: number, lo: number, seed: number): void {
  hHi = LEN8_HI;
  hLo = (LEN8_LO ^ seed) >>> 0;
  mixBlock(hi, lo);
  finish();
}

/** MurmurHash64A of a latin1 string's bytes, as Redis computes it on any architecture. */
export function murmurHash64A(s: string, seed: number = HLL_SEED): bigint {
  hashString(s, seed >>> 0);
  return (BigInt(hHi) << 32n) | BigInt(hLo);
}

/** The register (low 14 bits) and run length (1..51) of the hash in hHi:hLo, packed as run << 14 | reg. */
function patLenOfHash(): number {
  const index = hLo & (HLL_REGISTERS - 1);
  const w = hLo >>> HLL_P;
  let count: number;
  if (w !== 0) count = 32 - clz32(w & -w);
  else if (hHi !== 0) count = 32 - HLL_P + 32 - clz32(hHi & -hHi);
  else count = HLL_Q + 1;
  return (count << HLL_P) | index;
}

/** Redis's hllPatLen: which register an element updates and the length of its 000..1 pattern. */
export function patLen(ele: string): { index: number; count: number } {
  hashString(ele, HLL_SEED);
  const p = patLenOfHash();
  return { index: p & (HLL_REGISTERS - 1), count: p >>> HLL_P };
}

// ---- the value being worked on ----

/**
 * An HLL string as bytes with room to grow (sparse updates insert up to 3 bytes). buf[len] stands for
 * the byte after the string, the terminator Redis's strings carry: 0 when the value is loaded, and
 * read, and sometimes written, by the sparse code exactly as Redis reads and writes it (a corrupt body
 * ending in half an XZERO takes it as its second byte).
 */
export class HllBytes {
  constructor(
    public buf: Buffer,
    public len: number,
  ) {}

  /** The bytes of s; trailer is the byte after them (0 unless an earlier update wrote there). */
  static fromString(s: string, trailer = 0): HllBytes {
    const buf = Buffer.alloc(s.length + 1 + (s.length < HLL_DENSE_SIZE ? 32 : 0));
    buf.write(s, 0, 'latin1');
    buf[s.length] = trailer;
    return new HllBytes(buf, s.length);
  }

  /** An empty HLL as PFADD creates it: sparse, one XZERO for all registers, cache 0. */
  static empty(): HllBytes {
    const buf = Buffer.alloc(HLL_HDR_SIZE + 2 + 32);
    buf.write('HYLL', 0, 'latin1');
    buf[4] = HLL_SPARSE;
    let p = HLL_HDR_SIZE;
    for (let left = HLL_REGISTERS; left > 0; left -= SPARSE_XZERO_MAX_LEN) {
      p = putXzero(buf, p, Math.min(left, SPARSE_XZERO_MAX_LEN));
    }
    return new HllBytes(buf, p);
  }

  get encoding(): number {
    return this.buf[4];
  }

  toString(): string {
    return this.buf.toString('latin1', 0, this.len);
  }

  /** The byte after the string. */
  get trailer(): number {
    return this.buf[this.len];
  }

  /** Makes room for n more bytes after len, the terminator kept after them. */
  reserve(n: number): void {
    if (this.len + n + 1 <= this.buf.length) return;
    const next = Buffer.alloc(Math.max(this.buf.length * 2, this.len + n + 1));
    this.buf.copy(next, 0, 0, this.len + 1);
    this.buf = next;
  }

  /** sdsIncrLen: the length moves and the byte after the string becomes 0. */
  resize(delta: number): void {
    this.len += delta;
    this.buf[this.len] = 0;
  }
}

/** isHLLObjectOrReply's test of a string: header present, magic, known encoding, dense of exact size. */
export function isValidHll(s: string): boolean {
  if (s.length < HLL_HDR_SIZE) return false;
  if (
    s.charCodeAt(0) !== 0x48 ||
    s.charCodeAt(1) !== 0x59 ||
    s.charCodeAt(2) !== 0x4c ||
    s.charCodeAt(3) !== 0x4c
  )
    return false;
  const enc = s.charCodeAt(4);
  if (enc > HLL_SPARSE) return false;
  return enc !== HLL_DENSE || s.length === HLL_DENSE_SIZE;
}

/** The encoding byte of a string that passed isValidHll. */
export function encodingOfHll(s: string): number {
  return s.charCodeAt(4);
}

// ---- the cached cardinality ----

export function cacheValid(s: string): boolean {
  return (s.charCodeAt(CACHE_STALE_BYTE) & 0x80) === 0;
}

/** The cached cardinality of a string (meaningful when cacheValid). */
export function cachedCard(s: string): bigint {
  let v = 0n;
  for (let i = CACHE_STALE_BYTE; i >= 8; i--) v = (v << 8n) | BigInt(s.charCodeAt(i));
  return v;
}

export function invalidateCache(h: HllBytes): void {
  h.buf[CACHE_STALE_BYTE] |= 0x80;
}

export function writeCache(h: HllBytes, card: bigint): void {
  h.buf.writeBigUInt64LE(card, 8);
}

// ---- dense registers (offsets count from the start of the string) ----

export function denseGet(b: Uint8Array, reg: number): number {
  const bit = reg * 6;
  const i = HLL_HDR_SIZE + (bit >>> 3);
  const fb = bit & 7;
  const next = i + 1 < HLL_DENSE_SIZE ? b[i + 1] : 0;
  return ((b[i] >>> fb) | (next << (8 - fb))) & REGISTER_MAX;
}

export function denseWrite(b: Uint8Array, reg: number, v: number): void {
  const bit = reg * 6;
  const i = HLL_HDR_SIZE + (bit >>> 3);
  const fb = bit & 7;
  b[i] = (b[i] & ~(REGISTER_MAX << fb)) | (v << fb);
  if (fb > 2) b[i + 1] = (b[i + 1] & ~(REGISTER_MAX >>> (8 - fb))) | (v >>> (8 - fb));
}

/** Raises a dense register to count; 1 if it changed. */
export function denseSet(b: Uint8Array, reg: number, count: number): number {
  if (count <= denseGet(b, reg)) return 0;
  denseWrite(b, reg, count);
  return 1;
}

// ---- sparse opcodes ----

const isZero = (op: number): boolean => (op & 0xc0) === 0;
const isXzero = (op: number): boolean => (op & 0xc0) === 0x40;
const isVal = (op: number): boolean => (op & 0x80) !== 0;
const zeroLen = (op: number): number => (op & 0x3f) + 1;
const valLen = (op: number): number => (op & 0x3) + 1;
const valValue = (op: number): number => ((op >>> 2) & 0x1f) + 1;
/** An XZERO's run; a second byte past the end is the byte after the string (HllBytes), as in Redis. */
const xzeroLen = (b: Uint8Array, p: number): number => (((b[p] & 0x3f) << 8) | b[p + 1]) + 1;
const valOp = (value: number, len: number): number => 0x80 | ((value - 1) << 2) | (len - 1);

function putXzero(b: Uint8Array, p: number, len: number): number {
  b[p] = 0x40 | ((len - 1) >>> 8);
  b[p + 1] = (len - 1) & 0xff;
  return p + 2;
}

/** A run of zero registers as ZERO (up to 64) or XZERO; returns the next write position. */
function putZeros(b: Uint8Array, p: number, len: number): number {
  if (len > SPARSE_ZERO_MAX_LEN) return putXzero(b, p, len);
  b[p] = len - 1;
  return p + 1;
}

/**
 * Walks a sparse body as the 7.0.15 build checks it: every run must fit in the 16384 registers and
 * together they must cover them exactly. onVal sees each VAL run. False when the body is corrupt.
 */
function walkSparse(h: HllBytes, onVal: (first: number, len: number, value: number) => void): boolean {
  const b = h.buf;
  const end = h.len;
  let idx = 0;
  let p = HLL_HDR_SIZE;
  while (p < end) {
    const op = b[p];
    let run: number;
    if (isZero(op)) {
      run = zeroLen(op);
      p++;
    } else if (isXzero(op)) {
      run = xzeroLen(b, p);
      p += 2;
    } else {
      run = valLen(op);
      if (idx + run > HLL_REGISTERS) return false;
      onVal(idx, run, valValue(op));
      p++;
    }
    if (idx + run > HLL_REGISTERS) return false;
    idx += run;
  }
  return idx === HLL_REGISTERS;
}

/** hllSparseToDense: converts in place (the header, cached cardinality included, is kept). */
export function toDense(h: HllBytes): boolean {
  if (h.encoding === HLL_DENSE) return true;
  const dense = Buffer.alloc(HLL_DENSE_SIZE + 1);
  h.buf.copy(dense, 0, 0, HLL_HDR_SIZE);
  dense[4] = HLL_DENSE;
  const ok = walkSparse(h, (first, len, value) => {
    for (let r = first; r < first + len; r++) denseWrite(dense, r, value);
  });
  if (!ok) return false;
  h.buf = dense;
  h.len = HLL_DENSE_SIZE;
  return true;
}

/** Sparse to dense, then the register that did not fit; always a change. -1 when the HLL is corrupt. */
function promote(h: HllBytes, index: number, count: number): number {
  if (!toDense(h)) return -1;
  denseSet(h.buf, index, count);
  return 1;
}

/**
 * hllSparseSet: raises register index to count in a sparse HLL, in place. 1 if it changed (the cache
 * is then marked stale), 0 if not, -1 when the opcodes do not reach the register or a promotion finds
 * the HLL corrupt. Promotes to dense when count is over 32 or the string would pass maxBytes.
 */
export function sparseSet(h: HllBytes, index: number, count: number, maxBytes: number): number {
  if (count > SPARSE_VAL_MAX_VALUE) return promote(h, index, count);
  h.reserve(3);
  const b = h.buf;
  let end = h.len;
  // Find the opcode covering index: p, the first register it covers, and the opcode before it.
  let p = HLL_HDR_SIZE;
  let first = 0;
  let span = 0;
  let prev = -1;
  while (p < end) {
    const op = b[p];
    let oplen = 1;
    if (isZero(op)) span = zeroLen(op);
    else if (isVal(op)) span = valLen(op);
    else {
      span = xzeroLen(b, p);
      oplen = 2;
    }
    if (index <= first + span - 1) break;
    prev = p;
    p += oplen;
    first += span;
  }
  if (span === 0 || p >= end) return -1;
  const op = b[p];
  const oplen = isXzero(op) ? 2 : 1;
  const next = p + oplen < end ? p + oplen : -1;

  if (isVal(op)) {
    const old = valValue(op);
    if (old >= count) return 0;
    if (valLen(op) === 1) {
      b[p] = valOp(count, 1);
      return mergeVals(h, prev, end);
    }
  } else if (isZero(op) && zeroLen(op) === 1) {
    b[p] = valOp(count, 1);
    return mergeVals(h, prev, end);
  }

  // Split the opcode into (left run) VAL:count,1 (right run): at most 5 bytes.
  const seq = new Uint8Array(5);
  const last = first + span - 1;
  let n = 0;
  if (isVal(op)) {
    const cur = valValue(op);
    if (index !== first) seq[n++] = valOp(cur, index - first);
    seq[n++] = valOp(count, 1);
    if (index !== last) seq[n++] = valOp(cur, last - index);
  } else {
    if (index !== first) n = putZeros(seq, n, index - first);
    seq[n++] = valOp(count, 1);
    if (index !== last) n = putZeros(seq, n, last - index);
  }
  const delta = n - oplen;
  if (delta > 0 && h.len + delta > maxBytes) return promote(h, index, count);
  if (delta !== 0 && next !== -1) b.copyWithin(next + delta, next, end);
  // In this order, as Redis: a split of half an XZERO at the very end writes past the new length.
  h.resize(delta);
  b.set(seq.subarray(0, n), p);
  end += delta;
  return mergeVals(h, prev, end);
}

/** After an update: merges adjacent equal VALs, scanning up to 5 opcodes from prev; marks the cache stale. */
function mergeVals(h: HllBytes, prev: number, end: number): number {
  const b = h.buf;
  let p = prev >= 0 ? prev : HLL_HDR_SIZE;
  let scan = 5;
  while (p < end && scan-- > 0) {
    const op = b[p];
    if (isXzero(op)) {
      p += 2;
      continue;
    }
    if (isZero(op)) {
      p++;
      continue;
    }
    if (p + 1 < end && isVal(b[p + 1])) {
      const v = valValue(op);
      const len = valLen(op) + valLen(b[p + 1]);
      if (v === valValue(b[p + 1]) && len <= SPARSE_VAL_MAX_LEN) {
        b[p + 1] = valOp(v, len);
        b.copyWithin(p, p + 1, end);
        end--;
        h.resize(-1);
        continue;
      }
    }
    p++;
  }
  invalidateCache(h);
  return 1;
}

/** hllAdd: adds one element; 1 if a register changed, 0 if not, -1 for a corrupt sparse HLL. */
export function hllAdd(h: HllBytes, ele: string, maxBytes: number): number {
  hashString(ele, HLL_SEED);
  const pl = patLenOfHash();
  return setRegister(h, pl & (HLL_REGISTERS - 1), pl >>> HLL_P, maxBytes);
}

/**
 * Whether adding elements argv[from..] to the dense HLL string s would raise a register: read from the
 * string itself, so a PFADD that changes nothing (the common case once a set is large) copies nothing.
 */
export function denseWouldChange(s: string, argv: readonly string[], from: number): boolean {
  for (let j = from; j < argv.length; j++) {
    hashString(argv[j], HLL_SEED);
    const pl = patLenOfHash();
    const bit = (pl & (HLL_REGISTERS - 1)) * 6;
    const i = HLL_HDR_SIZE + (bit >>> 3);
    const fb = bit & 7;
    const next = i + 1 < HLL_DENSE_SIZE ? s.charCodeAt(i + 1) : 0;
    if (pl >>> HLL_P > (((s.charCodeAt(i) >>> fb) | (next << (8 - fb))) & REGISTER_MAX)) return true;
  }
  return false;
}

/** Raises one register in either encoding (PFMERGE's write-back uses it too). */
export function setRegister(h: HllBytes, index: number, count: number, maxBytes: number): number {
  if (h.encoding === HLL_DENSE) return denseSet(h.buf, index, count);
  if (h.encoding === HLL_SPARSE) return sparseSet(h, index, count, maxBytes);
  return -1;
}

// ---- counting ----

/** The register histogram (64 slots), or null for a sparse body that does not cover 16384 registers. */
export function histogram(h: HllBytes): Float64Array | null {
  const hist = new Float64Array(64);
  const b = h.buf;
  if (h.encoding === HLL_DENSE) {
    // Four registers in every three bytes.
    for (let i = HLL_HDR_SIZE; i < HLL_DENSE_SIZE; i += 3) {
      const b0 = b[i];
      const b1 = b[i + 1];
      const b2 = b[i + 2];
      hist[b0 & 63]++;
      hist[((b0 >>> 6) | (b1 << 2)) & 63]++;
      hist[((b1 >>> 4) | (b2 << 4)) & 63]++;
      hist[b2 >>> 2]++;
    }
    return hist;
  }
  const end = h.len;
  let idx = 0;
  let p = HLL_HDR_SIZE;
  while (p < end) {
    const op = b[p];
    let run: number;
    if (isZero(op)) {
      run = zeroLen(op);
      hist[0] += run;
      p++;
    } else if (isXzero(op)) {
      run = xzeroLen(b, p);
      hist[0] += run;
      p += 2;
    } else {
      run = valLen(op);
      hist[valValue(op)] += run;
      p++;
    }
    idx += run;
  }
  return idx === HLL_REGISTERS ? hist : null;
}

/** The histogram of plain byte registers (PFCOUNT of several keys merges into those). */
export function rawHistogram(regs: Uint8Array): Float64Array {
  const hist = new Float64Array(64);
  for (let i = 0; i < HLL_REGISTERS; i++) hist[regs[i]]++;
  return hist;
}

function sigma(x: number): number {
  if (x === 1) return Infinity;
  let y = 1;
  let z = x;
  let before: number;
  do {
    x *= x;
    before = z;
    z += x * y;
    y += y;
  } while (before !== z);
  return z;
}

function tau(x: number): number {
  if (x === 0 || x === 1) return 0;
  let y = 1;
  let z = 1 - x;
  let before: number;
  do {
    x = sqrt(x);
    before = z;
    y *= 0.5;
    const d = 1 - x;
    z -= d * d * y;
  } while (before !== z);
  return z / 3;
}

/**
 * hllCount's estimate from a histogram, as the uint64 Redis computes: a result that does not fit an
 * int64 (only crafted dense registers get there) comes out as 2^63, as llroundl's overflow does on x86.
 */
export function estimate(hist: Float64Array): bigint {
  const m = HLL_REGISTERS;
  let z = m * tau((m - hist[HLL_Q + 1]) / m);
  for (let j = HLL_Q; j >= 1; j--) {
    z += hist[j];
    z *= 0.5;
  }
  z += m * sigma(hist[0] / m);
  const e = (ALPHA_INF * m * m) / z;
  if (!(e < 9223372036854775808)) return INT64_SIGN;
  return BigInt(round(e));
}

/** Max-merges an HLL's registers into regs (hllMerge); false for a corrupt sparse body. */
export function mergeInto(regs: Uint8Array, h: HllBytes): boolean {
  if (h.encoding === HLL_DENSE) {
    const b = h.buf;
    for (let i = 0; i < HLL_REGISTERS; i++) {
      const v = denseGet(b, i);
      if (v > regs[i]) regs[i] = v;
    }
    return true;
  }
  return walkSparse(h, (first, len, value) => {
    for (let r = first; r < first + len; r++) if (value > regs[r]) regs[r] = value;
  });
}

// ---- PFDEBUG ----

/** PFDEBUG DECODE's text for a sparse HLL: "z:len", "Z:len", "v:value,len" separated by spaces. */
export function decodeSparse(h: HllBytes): string {
  const b = h.buf;
  const end = h.len;
  const out: string[] = [];
  let p = HLL_HDR_SIZE;
  while (p < end) {
    const op = b[p];
    if (isZero(op)) {
      out.push(`z:${zeroLen(op)}`);
      p++;
    } else if (isXzero(op)) {
      out.push(`Z:${xzeroLen(b, p)}`);
      p += 2;
    } else {
      out.push(`v:${valValue(op)},${valLen(op)}`);
      p++;
    }
  }
  return out.join(' ');
}

// ---- PFSELFTEST ----

const SELFTEST_CYCLES = 1000;

/** Register access: random values written and read back without disturbing neighbours. */
function selfTestRegisters(random: () => number): string | null {
  const dense = new Uint8Array(HLL_DENSE_SIZE);
  const expect = new Uint8Array(HLL_REGISTERS);
  for (let cycle = 0; cycle < SELFTEST_CYCLES; cycle++) {
    for (let i = 0; i < HLL_REGISTERS; i++) {
      const r = random() & REGISTER_MAX;
      expect[i] = r;
      denseWrite(dense, i, r);
    }
    for (let i = 0; i < HLL_REGISTERS; i++) {
      const v = denseGet(dense, i);
      if (v !== expect[i]) return `TESTFAILED Register ${i} should be ${expect[i]} but is ${v}`;
    }
  }
  return null;
}

/**
 * Estimation error: 10 million distinct 64-bit elements added to a dense and to a sparse HLL at once;
 * at each power of ten the sparse one must still be sparse while small, both must agree and the error
 * must stay within six standard errors (within 1 at 10 elements).
 */
function selfTestError(maxBytes: number, random: () => number): string | null {
  const dense = new HllBytes(Buffer.alloc(HLL_DENSE_SIZE), HLL_DENSE_SIZE);
  const sparse = HllBytes.empty();
  const relerr = 1.04 / Math.sqrt(HLL_REGISTERS);
  const seedLo = random() >>> 0;
  const seedHi = random() >>> 0;
  let checkpoint = 1;
  for (let j = 1; j <= 10_000_000; j++) {
    hashWord(seedHi, (j ^ seedLo) >>> 0, HLL_SEED);
    const pl = patLenOfHash();
    const index = pl & (HLL_REGISTERS - 1);
    const count = pl >>> HLL_P;
    denseSet(dense.buf, index, count);
    setRegister(sparse, index, count, maxBytes);
    if (j !== checkpoint) continue;
    if (j < Math.floor(maxBytes / 2) && sparse.encoding !== HLL_SPARSE)
      return 'TESTFAILED sparse encoding not used';
    const denseCard = estimate(histogram(dense) as Float64Array);
    const sparseHist = histogram(sparse);
    if (sparseHist === null || estimate(sparseHist) !== denseCard) return 'TESTFAILED dense/sparse disagree';
    let abserr = checkpoint - Number(denseCard);
    const maxerr = j === 10 ? 1 : Math.ceil(relerr * 6 * checkpoint);
    if (abserr < 0) abserr = -abserr;
    if (abserr > maxerr) return `TESTFAILED Too big error. card:${checkpoint} abserr:${abserr}`;
    checkpoint *= 10;
  }
  return null;
}

/** PFSELFTEST: null when every check passes, else Redis's TESTFAILED message. */
export function selfTest(maxBytes: number, random: () => number): string | null {
  return selfTestRegisters(random) ?? selfTestError(maxBytes, random);
}
