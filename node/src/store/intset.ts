// The intset codec: integer members as fixed-width keys in one string, ascending, as Redis keeps small
// all-integer sets. A key is the member in offset binary (value + 2^(16w-1)), big-endian, in w UTF-16
// chars: w = 1 for int16, 2 for int32, 4 for int64. Offset binary makes the chars compare in the same
// order as the numbers, so a set is searched by bisection without decoding its members.
const INT_RE = /^-?[1-9][0-9]{0,18}$|^0$/;
const I64_MIN = -9223372036854775808n;
const I64_MAX = 9223372036854775807n;
const TWO63 = 9223372036854775808n;

/** True when Redis would store this string as an integer (canonical form within int64). */
export function isCanonicalInt(s: string): boolean {
  if (s.length > 20 || !INT_RE.test(s)) return false;
  if (s.length < 19) return true;
  const n = BigInt(s);
  return n >= I64_MIN && n <= I64_MAX;
}

/** The width (chars per key) member needs: 1, 2 or 4; 0 when it is not a canonical int64. */
export function widthOf(m: string): number {
  if (!isCanonicalInt(m)) return 0;
  if (m.length > 11) return 4;
  const n = Number(m);
  return n >= -0x8000 && n <= 0x7fff ? 1 : n >= -0x80000000 && n <= 0x7fffffff ? 2 : 4;
}

/** The key of member m (a canonical integer that fits width w). */
export function encodeInt(m: string, w: number): string {
  if (w === 1) return String.fromCharCode(Number(m) + 0x8000);
  if (w === 2) {
    const u = Number(m) + 0x80000000;
    return String.fromCharCode(Math.floor(u / 0x10000), u % 0x10000);
  }
  const u = BigInt(m) + TWO63;
  return String.fromCharCode(
    Number((u >> 48n) & 0xffffn),
    Number((u >> 32n) & 0xffffn),
    Number((u >> 16n) & 0xffffn),
    Number(u & 0xffffn),
  );
}

/** The member whose key starts at pos in s (width w). */
export function decodeInt(s: string, pos: number, w: number): string {
  if (w === 1) return String(s.charCodeAt(pos) - 0x8000);
  const hi = s.charCodeAt(pos) * 0x10000 + s.charCodeAt(pos + 1);
  if (w === 2) return String(hi - 0x80000000);
  const lo = s.charCodeAt(pos + 2) * 0x10000 + s.charCodeAt(pos + 3);
  const top = hi - 0x80000000;
  // |value| < 2^52: exact as a double
  if (top >= -0x100000 && top < 0x100000) return String(top * 0x100000000 + lo);
  return String((BigInt(top) << 32n) + BigInt(lo));
}

/** Compares the key at pos in s with key k (both width w): <0, 0, >0. */
function compareAt(s: string, pos: number, k: string, w: number): number {
  for (let i = 0; i < w; i++) {
    const d = s.charCodeAt(pos + i) - k.charCodeAt(i);
    if (d !== 0) return d;
  }
  return 0;
}

/** Bisects s (keys of width w) for k: its index if present, else -(insertion index) - 1. */
export function search(s: string, w: number, k: string): number {
  let lo = 0;
  let hi = s.length / w - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const d = compareAt(s, mid * w, k, w);
    if (d === 0) return mid;
    if (d < 0) lo = mid + 1;
    else hi = mid - 1;
  }
  return -lo - 1;
}

/** The keys of these members (each fitting width w), ascending and without repeats, as one string. */
export function encodeAll(members: readonly string[], w: number): string {
  const keys = members.map((m) => encodeInt(m, w)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const out: string[] = [];
  for (let i = 0; i < keys.length; i++) if (i === 0 || keys[i] !== keys[i - 1]) out.push(keys[i]);
  return out.join('');
}

/** Every member of s (width w) as a string, ascending. */
export function decodeAll(s: string, w: number): string[] {
  const out: string[] = [];
  for (let pos = 0; pos < s.length; pos += w) out.push(decodeInt(s, pos, w));
  return out;
}
