// Parsers for redis.conf value syntax: memory sizes with k/kb/m/mb/g/gb units, yes/no booleans.

/** Parses "100", "1k" (1000), "1kb" (1024), "5mb", "1gb"... Returns null when malformed. */
export function parseMemory(s: string): number | null {
  const m = /^(-?[0-9]+)(k|kb|m|mb|g|gb)?$/i.exec(s);
  if (m === null) return null;
  const n = Number(m[1]);
  const unit = (m[2] ?? '').toLowerCase();
  const mult: Record<string, number> = {
    '': 1,
    k: 1000,
    kb: 1024,
    m: 1e6,
    mb: 1024 * 1024,
    g: 1e9,
    gb: 1024 ** 3,
  };
  return n * mult[unit];
}

export function parseBool(s: string): boolean | null {
  const l = s.toLowerCase();
  if (l === 'yes') return true;
  if (l === 'no') return false;
  return null;
}
