// How RESP writes a double: Redis's %.17g formatting (inf, -inf, nan, -0, exponent past 1e17). Owned
// here so the protocol module depends on nothing else of the node; commands format scores with it too.

/** Formats a double like Redis's %.17g with trailing zeros removed (ZSCORE, RESP3 doubles, DIGEST). */
export function formatDouble(d: number): string {
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  if (Number.isNaN(d)) return 'nan';
  if (d === 0) return Object.is(d, -0) ? '-0' : '0';
  // The exponent of d once rounded to 17 significant digits decides between %e and %f style, as in C.
  const [mantissa, expText] = d.toExponential(16).split('e');
  const exp = Number(expText);
  const trim = (x: string): string => (x.includes('.') ? x.replace(/0+$/, '').replace(/\.$/, '') : x);
  if (exp < -4 || exp >= 17) {
    return `${trim(mantissa)}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  return trim(d.toFixed(16 - exp));
}
