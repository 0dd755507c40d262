// The sizes listpack elements have in Redis (encoding plus back-length), without building the bytes:
// a stream node uses them to split where Redis splits (stream-node-max-bytes). Pure.
import { isCanonicalInt } from './intset.js';

/** Bytes of the back-length that follows an element whose encoding takes `l` bytes. */
function backlenSize(l: number): number {
  return l < 128 ? 1 : l < 16383 ? 2 : l < 2097151 ? 3 : l < 268435455 ? 4 : 5;
}

function intEncodingSize(n: bigint | number): number {
  if (n >= 0 && n <= 127) return 1;
  if (n >= -4096 && n <= 4095) return 2;
  if (n >= -32768 && n <= 32767) return 3;
  if (n >= -8388608 && n <= 8388607) return 4;
  if (n >= -2147483648 && n <= 2147483647) return 5;
  return 9;
}

/** An integer element (lpAppendInteger). */
export function lpIntSize(n: bigint | number): number {
  const e = intEncodingSize(n);
  return e + backlenSize(e);
}

/** A string element (lpAppend): a canonical int64 is stored as an integer. */
export function lpStringSize(s: string): number {
  if (isCanonicalInt(s)) return lpIntSize(s.length < 16 ? Number(s) : BigInt(s));
  const len = s.length;
  const e = (len < 64 ? 1 : len < 4096 ? 2 : 5) + len;
  return e + backlenSize(e);
}
