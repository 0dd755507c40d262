// Glob matching with the semantics of Redis's stringmatchlen: '*' (any run), '?' (any one byte),
// '[...]' classes with '^' negation, 'a-z' ranges (either order) and '\' escapes, and '\' escaping a
// literal outside classes. Every atom other than '*' consumes exactly one byte, so an iterative matcher
// that only ever backtracks to the most recent '*' is exact and runs in O(pattern * string) time.
//
// Quirks kept from Redis: an empty string matches only an empty pattern (so "*" does not match "";
// KEYS and SCAN special-case a lone "*" themselves); an unterminated class runs to the end of the
// pattern; in "[a-]" the ']' is taken as the end of the range, so the class goes on to the next ']';
// an escape inside a class compares case-sensitively even with nocase.

function lower(c: number): number {
  return c >= 65 && c <= 90 ? c + 32 : c;
}

/**
 * Matches one byte `ch` against the class whose '[' is at p[start]. Returns the index just past the
 * class (its closing ']' or the end of the pattern), negated when it does not match.
 */
function matchClass(p: string, start: number, ch: number, nocase: boolean): number {
  let i = start + 1;
  const n = p.length;
  const negate = i < n && p.charCodeAt(i) === 94; // '^'
  if (negate) i++;
  let matched = false;
  for (;;) {
    if (i >= n) break; // unterminated: the class runs to the end of the pattern
    const pc = p.charCodeAt(i);
    if (pc === 92 && n - i >= 2) {
      // '\x' inside a class: x literally (compared case-sensitively, as Redis does)
      i++;
      if (p.charCodeAt(i) === ch) matched = true;
    } else if (pc === 93) {
      break; // ']'
    } else if (n - i >= 3 && p.charCodeAt(i + 1) === 45) {
      // 'a-z' (the end may be any byte, even ']')
      let lo = pc;
      let hi = p.charCodeAt(i + 2);
      if (lo > hi) [lo, hi] = [hi, lo];
      let c = ch;
      if (nocase) {
        lo = lower(lo);
        hi = lower(hi);
        c = lower(c);
      }
      if (c >= lo && c <= hi) matched = true;
      i += 2;
    } else if (nocase ? lower(pc) === lower(ch) : pc === ch) {
      matched = true;
    }
    i++;
  }
  const end = i < n ? i + 1 : n;
  return matched !== negate ? end : -end - 1;
}

export function globMatch(pattern: string, s: string, nocase = false): boolean {
  const plen = pattern.length;
  const slen = s.length;
  if (slen === 0) return plen === 0;
  let pi = 0;
  let si = 0;
  // Where to resume after the most recent '*': the pattern just past it, and the string position it
  // was last tried at.
  let starP = -1;
  let starS = 0;
  while (si < slen) {
    let next = -1; // pattern index after a successful single-byte atom
    if (pi < plen) {
      const pc = pattern.charCodeAt(pi);
      if (pc === 42) {
        // '*': collapse runs; a trailing '*' matches whatever is left
        while (pi < plen && pattern.charCodeAt(pi) === 42) pi++;
        if (pi === plen) return true;
        starP = pi;
        starS = si;
        continue;
      }
      const ch = s.charCodeAt(si);
      if (pc === 63) {
        next = pi + 1; // '?'
      } else if (pc === 91) {
        const r = matchClass(pattern, pi, ch, nocase);
        if (r >= 0) next = r;
      } else {
        let lit = pc;
        let after = pi + 1;
        if (pc === 92 && plen - pi >= 2) {
          lit = pattern.charCodeAt(pi + 1);
          after = pi + 2;
        }
        if (nocase ? lower(lit) === lower(ch) : lit === ch) next = after;
      }
    }
    if (next >= 0) {
      pi = next;
      si++;
      continue;
    }
    // Mismatch: let the last '*' swallow one more byte and retry the rest from there.
    if (starP < 0) return false;
    pi = starP;
    si = ++starS;
  }
  while (pi < plen && pattern.charCodeAt(pi) === 42) pi++;
  return pi === plen;
}
