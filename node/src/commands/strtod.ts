// C's strtod as Redis's SORT uses it on scores: the whole string must be a number (leading whitespace
// allowed, an empty string is 0), decimal or hexadecimal (0x1.8p3), inf / infinity; NaN and values out
// of a double's range (overflow, or underflow to zero or a subnormal) are refused. Pure.

const SPACE = /^[ \t\n\v\f\r]*/;
const DECIMAL = /^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;
const HEX = /^([+-]?)0[xX](?:([0-9a-fA-F]+)\.?([0-9a-fA-F]*)|\.([0-9a-fA-F]+))(?:[pP]([+-]?[0-9]+))?$/;
const INF = /^[+-]?(?:inf|infinity)$/i;
const MIN_NORMAL = 2.2250738585072014e-308;

/** The number s spells in full, or null where Redis reports it cannot be converted. */
export function strtodWhole(s: string): number | null {
  if (s.length === 0) return 0;
  const body = s.slice(SPACE.exec(s)?.[0].length ?? 0);
  if (INF.test(body)) return body[0] === '-' ? -Infinity : Infinity;
  let d: number;
  let nonzero: boolean;
  if (DECIMAL.test(body)) {
    d = Number(body);
    nonzero = /[1-9]/.test(body.replace(/[eE].*$/, ''));
  } else {
    const m = HEX.exec(body);
    if (m === null) return null;
    const int = m[2] ?? '';
    const frac = m[3] ?? m[4] ?? '';
    const digits = (int + frac).replace(/^0+/, '');
    nonzero = digits.length > 0;
    let mant = 0;
    for (const ch of int + frac) mant = mant * 16 + parseInt(ch, 16);
    const exp = Number(m[5] ?? '0') - 4 * frac.length;
    d = mant * Math.pow(2, exp);
    if (m[1] === '-') d = -d;
  }
  if (!Number.isFinite(d)) return null;
  if (nonzero && Math.abs(d) < MIN_NORMAL) return null;
  return d;
}
