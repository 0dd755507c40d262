// strpack: a short sequence of latin1 strings packed into one latin1 string, the compact form small
// hashes, sorted sets and lists take (Redis keeps them in listpacks for the same reason): each element
// is its length as a base-128 varint (one byte below 128) followed by its bytes. One flat string of
// n small elements costs its bytes plus 16, where n separate strings cost 24 or more each plus a slot.
//
// Elements read from a packed string are views of it: whatever keeps one beyond the packed value's
// life (a converted structure, a popped list element, a *STORE destination) takes a detached copy.
// Strings built here are joined with Array.prototype.join, which gives a flat string at once; `a + b`
// gives a cons string that keeps its parts (and the old packed string) alive until flattened.

/** Bytes of the length header of an element of `len` bytes. */
export function headerLen(len: number): number {
  return len < 0x80 ? 1 : len < 0x4000 ? 2 : len < 0x200000 ? 3 : len < 0x10000000 ? 4 : 5;
}

/** The length header of an element of `len` bytes. */
export function encodeLen(len: number): string {
  if (len < 0x80) return String.fromCharCode(len);
  let out = '';
  let n = len;
  while (n >= 0x80) {
    out += String.fromCharCode((n & 0x7f) | 0x80);
    n = Math.floor(n / 0x80);
  }
  return out + String.fromCharCode(n);
}

/** The length of the element whose header starts at pos. */
export function readLen(p: string, pos: number): number {
  let c = p.charCodeAt(pos);
  if (c < 0x80) return c;
  let len = c & 0x7f;
  let mul = 0x80;
  for (let i = pos + 1; ; i++, mul *= 0x80) {
    c = p.charCodeAt(i);
    len += (c & 0x7f) * mul;
    if (c < 0x80) return len;
  }
}

/** Position just past the element that starts at pos. */
export function skip(p: string, pos: number): number {
  const len = readLen(p, pos);
  return pos + headerLen(len) + len;
}

/** The element that starts at pos (a slice of p: copy it before keeping it beyond p's life). */
export function elementAt(p: string, pos: number): string {
  const len = readLen(p, pos);
  const start = pos + headerLen(len);
  return p.substring(start, start + len);
}

/** True when the element at pos equals s, read in place. */
export function elementIs(p: string, pos: number, s: string): boolean {
  const len = readLen(p, pos);
  return len === s.length && p.startsWith(s, pos + headerLen(len));
}

/** A flat packed string of these elements. */
export function pack(items: readonly string[]): string {
  const parts: string[] = [];
  for (const s of items) parts.push(encodeLen(s.length), s);
  return parts.join('');
}

/**
 * A copy of s that shares nothing with the string it was cut from (V8 keeps a substring of 13 or
 * more chars as a view of its parent, so the parent stays alive as long as the view does).
 */
export function detach(s: string): string {
  return s.length < 13 ? s : Buffer.from(s, 'latin1').toString('latin1');
}

/** p with [from, to) replaced by the given elements, as one flat string. */
export function splice(p: string, from: number, to: number, items: readonly string[]): string {
  if (items.length === 0) {
    if (from === 0) return detach(p.substring(to));
    if (to === p.length) return detach(p.substring(0, from));
  }
  const parts: string[] = [p.substring(0, from)];
  for (const s of items) parts.push(encodeLen(s.length), s);
  parts.push(p.substring(to));
  return parts.join('');
}

/**
 * Every element of p as strings of their own (not slices of p), for turning a packed value into a
 * full structure that outlives p.
 */
export function unpackAll(p: string): string[] {
  const b = Buffer.from(p, 'latin1');
  const out: string[] = [];
  for (let pos = 0; pos < p.length;) {
    const len = readLen(p, pos);
    const start = pos + headerLen(len);
    out.push(b.toString('latin1', start, start + len));
    pos = start + len;
  }
  return out;
}
