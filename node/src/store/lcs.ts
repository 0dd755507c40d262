// The longest common subsequence of two strings as Redis 7.0's LCS computes it, pure: the dynamic
// programming table, then one walk back from its end that yields the subsequence and the matching ranges
// in the order Redis reports them (from the ends of the strings towards their starts).

export interface LcsMatch {
  a: [number, number];
  b: [number, number];
  len: number;
}

export interface LcsResult {
  len: number;
  /** The subsequence itself (when asked for). */
  text: string;
  matches: LcsMatch[];
}

/** Bytes the table takes (Redis refuses it above proto-max-bulk-len). */
export function lcsTableBytes(a: string, b: string): number {
  return (a.length + 1) * (b.length + 1) * 4;
}

export function lcs(a: string, b: string, walk: boolean): LcsResult {
  const alen = a.length;
  const blen = b.length;
  const w = blen + 1;
  const t = new Uint32Array((alen + 1) * w);
  for (let i = 1; i <= alen; i++) {
    const ac = a.charCodeAt(i - 1);
    for (let j = 1; j <= blen; j++) {
      if (ac === b.charCodeAt(j - 1)) t[i * w + j] = t[(i - 1) * w + j - 1] + 1;
      else {
        const up = t[(i - 1) * w + j];
        const left = t[i * w + j - 1];
        t[i * w + j] = up > left ? up : left;
      }
    }
  }
  const len = t[alen * w + blen];
  const out: LcsResult = { len, text: '', matches: [] };
  if (!walk) return out;
  const chars: number[] = new Array<number>(len);
  let idx = len;
  // A range in progress: aStart === alen means none.
  let aStart = alen;
  let aEnd = 0;
  let bStart = 0;
  let bEnd = 0;
  let i = alen;
  let j = blen;
  while (i > 0 && j > 0) {
    let emit = false;
    if (a.charCodeAt(i - 1) === b.charCodeAt(j - 1)) {
      chars[idx - 1] = a.charCodeAt(i - 1);
      if (aStart === alen) {
        aStart = aEnd = i - 1;
        bStart = bEnd = j - 1;
      } else if (aStart === i && bStart === j) {
        aStart--;
        bStart--;
      } else emit = true;
      if (aStart === 0 || bStart === 0) emit = true;
      idx--;
      i--;
      j--;
    } else {
      if (t[(i - 1) * w + j] > t[i * w + j - 1]) i--;
      else j--;
      if (aStart !== alen) emit = true;
    }
    if (emit) {
      out.matches.push({ a: [aStart, aEnd], b: [bStart, bEnd], len: aEnd - aStart + 1 });
      aStart = alen;
    }
  }
  out.text = Buffer.from(chars).toString('latin1');
  return out;
}
