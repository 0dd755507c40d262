// LZF compression as used for RDB strings: decompress anything liblzf produces, and compress with a
// simple hash-table matcher (the output is valid LZF; ratios differ slightly from liblzf's).

export function lzfDecompress(input: Uint8Array, outLen: number): Buffer {
  const out = Buffer.allocUnsafe(outLen);
  let ip = 0;
  let op = 0;
  while (ip < input.length) {
    const ctrl = input[ip++];
    if (ctrl < 32) {
      const len = ctrl + 1;
      if (op + len > outLen || ip + len > input.length) throw new Error('LZF: literal run out of bounds');
      out.set(input.subarray(ip, ip + len), op);
      ip += len;
      op += len;
    } else {
      let len = ctrl >> 5;
      if (len === 7) {
        if (ip >= input.length) throw new Error('LZF: truncated');
        len += input[ip++];
      }
      len += 2;
      if (ip >= input.length) throw new Error('LZF: truncated');
      const ref = op - ((ctrl & 0x1f) << 8) - input[ip++] - 1;
      if (ref < 0 || op + len > outLen) throw new Error('LZF: back reference out of bounds');
      for (let i = 0; i < len; i++) out[op++] = out[ref + i];
    }
  }
  if (op !== outLen) throw new Error('LZF: length mismatch');
  return out;
}

const HLOG = 14;
const HSIZE = 1 << HLOG;
const MAX_LIT = 32;
const MAX_OFF = 1 << 13;
const MAX_REF = (1 << 8) + (1 << 3);
const HTAB = new Int32Array(HSIZE);
const HSTAMP = new Uint32Array(HSIZE);
let generation = 0;

/** Compresses; returns null when the result would not be smaller than the input. */
export function lzfCompress(input: Uint8Array): Buffer | null {
  const n = input.length;
  if (n < 4) return null;
  const out = Buffer.allocUnsafe(n + 64);
  // The hash table is shared between calls; a generation stamp marks which slots are from this call.
  const htab = HTAB;
  const stamp = HSTAMP;
  if (++generation === 0xffffffff) {
    HSTAMP.fill(0);
    generation = 1;
  }
  const gen = generation;
  let ip = 0;
  let op = 0;
  let litStart = op++;
  let lit = 0;
  while (ip < n) {
    // Back-references need 3 bytes ahead; the last two bytes are always literals.
    const h =
      ip < n - 2
        ? Math.imul((input[ip] << 16) | (input[ip + 1] << 8) | input[ip + 2], 0x9e3779b1) >>> (32 - HLOG)
        : -1;
    const ref = h >= 0 && stamp[h] === gen ? htab[h] : -1;
    if (h >= 0) {
      htab[h] = ip;
      stamp[h] = gen;
    }
    const off = ip - ref - 1;
    if (
      ref >= 0 &&
      off < MAX_OFF &&
      input[ref] === input[ip] &&
      input[ref + 1] === input[ip + 1] &&
      input[ref + 2] === input[ip + 2]
    ) {
      let mlen = 3;
      const maxlen = Math.min(n - ip, MAX_REF);
      while (mlen < maxlen && input[ref + mlen] === input[ip + mlen]) mlen++;
      if (lit > 0) out[litStart] = lit - 1;
      else op--;
      const len = mlen - 2;
      if (len < 7) out[op++] = (len << 5) | (off >> 8);
      else {
        out[op++] = (7 << 5) | (off >> 8);
        out[op++] = len - 7;
      }
      out[op++] = off & 0xff;
      ip += mlen;
      litStart = op++;
      lit = 0;
    } else {
      out[op++] = input[ip++];
      if (++lit === MAX_LIT) {
        out[litStart] = MAX_LIT - 1;
        litStart = op++;
        lit = 0;
      }
    }
    if (op >= n) return null;
  }
  if (lit > 0) out[litStart] = lit - 1;
  else op--;
  if (op >= n) return null;
  return Buffer.from(out.subarray(0, op));
}
