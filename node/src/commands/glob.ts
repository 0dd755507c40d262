// Glob matching with Redis's stringmatch semantics (*, ?, [set], [^set], [a-z], backslash escapes),
// iterative with single-star backtracking so patterns like a*a*a*b stay linear-ish.

function classMatch(p: string, pi: number, ch: string, nocase: boolean): { matched: boolean; end: number } {
  // p[pi] === '['
  let i = pi + 1;
  let negate = false;
  if (p[i] === '^') {
    negate = true;
    i++;
  }
  let matched = false;
  const c = nocase ? ch.toLowerCase() : ch;
  while (i < p.length && p[i] !== ']') {
    if (p[i] === '\\' && i + 1 < p.length) {
      i++;
      if ((nocase ? p[i].toLowerCase() : p[i]) === c) matched = true;
      i++;
    } else if (i + 2 < p.length && p[i + 1] === '-' && p[i + 2] !== ']') {
      let lo = p[i];
      let hi = p[i + 2];
      if (lo > hi) [lo, hi] = [hi, lo];
      if (nocase) {
        lo = lo.toLowerCase();
        hi = hi.toLowerCase();
      }
      if (c >= lo && c <= hi) matched = true;
      i += 3;
    } else {
      if ((nocase ? p[i].toLowerCase() : p[i]) === c) matched = true;
      i++;
    }
  }
  // An unterminated class runs to the end of the pattern, like Redis.
  const end = i < p.length ? i + 1 : i;
  return { matched: negate ? !matched : matched, end };
}

export function globMatch(pattern: string, s: string, nocase = false): boolean {
  let pi = 0;
  let si = 0;
  let starP = -1;
  let starS = -1;
  while (si < s.length) {
    if (pi < pattern.length) {
      const pc = pattern[pi];
      if (pc === '*') {
        while (pi < pattern.length && pattern[pi] === '*') pi++;
        if (pi === pattern.length) return true;
        starP = pi;
        starS = si;
        continue;
      }
      if (pc === '?') {
        pi++;
        si++;
        continue;
      }
      if (pc === '[') {
        const r = classMatch(pattern, pi, s[si], nocase);
        if (r.matched) {
          pi = r.end;
          si++;
          continue;
        }
      } else {
        let lit = pc;
        let next = pi + 1;
        if (pc === '\\' && pi + 1 < pattern.length) {
          lit = pattern[pi + 1];
          next = pi + 2;
        }
        const a = nocase ? lit.toLowerCase() : lit;
        const b = nocase ? s[si].toLowerCase() : s[si];
        if (a === b) {
          pi = next;
          si++;
          continue;
        }
      }
    }
    if (starP === -1) return false;
    pi = starP;
    si = ++starS;
  }
  while (pi < pattern.length && pattern[pi] === '*') pi++;
  return pi === pattern.length;
}
