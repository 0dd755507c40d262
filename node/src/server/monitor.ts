// MONITOR's line format (pure): `<unix seconds with microseconds> [<db> <client address>] "arg" ...`,
// arguments quoted and escaped as Redis's sdscatrepr does, credentials of AUTH and HELLO redacted.

/** One argument as Redis quotes it: printable bytes as they are, \\ \" \n \r \t \a \b, others \xHH. */
export function reprArg(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    if (ch === 0x5c) out += '\\\\';
    else if (ch === 0x22) out += '\\"';
    else if (ch === 0x0a) out += '\\n';
    else if (ch === 0x0d) out += '\\r';
    else if (ch === 0x09) out += '\\t';
    else if (ch === 0x07) out += '\\a';
    else if (ch === 0x08) out += '\\b';
    else if (ch >= 0x20 && ch < 0x7f) out += s[i];
    else out += '\\x' + ch.toString(16).padStart(2, '0');
  }
  return out + '"';
}

/** The arguments a monitor may see: AUTH's, and HELLO's after AUTH, are replaced by (redacted). */
function redacted(argv: readonly string[]): readonly string[] {
  const name = argv[0].toLowerCase();
  if (name === 'auth') return argv.map((a, i) => (i === 0 ? a : '(redacted)'));
  if (name === 'hello') {
    const i = argv.findIndex((a, j) => j > 0 && a.toLowerCase() === 'auth');
    if (i > 0) return argv.map((a, j) => (j === i + 1 || j === i + 2 ? '(redacted)' : a));
  }
  return argv;
}

/** A monitor line (without the leading '+' and the CRLF). */
export function monitorLine(timeMs: number, db: number, addr: string, argv: readonly string[]): string {
  const micros = Math.floor(timeMs * 1000);
  const secs = Math.floor(micros / 1e6);
  const frac = String(micros % 1e6).padStart(6, '0');
  return `${secs}.${frac} [${db} ${addr}] ${redacted(argv).map(reprArg).join(' ')}`;
}
