// The keyspace-notification event classes and the notify-keyspace-events flag string, parsed and
// printed as Redis 7.0 does. Pure: used by the config table (validation) and by the command families.

export const NOTIFY_KEYSPACE = 1 << 0; // K
export const NOTIFY_KEYEVENT = 1 << 1; // E
export const NOTIFY_GENERIC = 1 << 2; // g
export const NOTIFY_STRING = 1 << 3; // $
export const NOTIFY_LIST = 1 << 4; // l
export const NOTIFY_SET = 1 << 5; // s
export const NOTIFY_HASH = 1 << 6; // h
export const NOTIFY_ZSET = 1 << 7; // z
export const NOTIFY_EXPIRED = 1 << 8; // x
export const NOTIFY_EVICTED = 1 << 9; // e
export const NOTIFY_STREAM = 1 << 10; // t
export const NOTIFY_KEY_MISS = 1 << 11; // m (not part of A)
export const NOTIFY_MODULE = 1 << 12; // d
export const NOTIFY_NEW = 1 << 13; // n (not part of A)
/** 'A': every class but key-miss and new. */
export const NOTIFY_ALL =
  NOTIFY_GENERIC |
  NOTIFY_STRING |
  NOTIFY_LIST |
  NOTIFY_SET |
  NOTIFY_HASH |
  NOTIFY_ZSET |
  NOTIFY_EXPIRED |
  NOTIFY_EVICTED |
  NOTIFY_STREAM |
  NOTIFY_MODULE;

const CLASS_CHARS: [string, number][] = [
  ['g', NOTIFY_GENERIC],
  ['$', NOTIFY_STRING],
  ['l', NOTIFY_LIST],
  ['s', NOTIFY_SET],
  ['h', NOTIFY_HASH],
  ['z', NOTIFY_ZSET],
  ['x', NOTIFY_EXPIRED],
  ['e', NOTIFY_EVICTED],
  ['t', NOTIFY_STREAM],
  ['d', NOTIFY_MODULE],
  ['n', NOTIFY_NEW],
];

export const INVALID_CLASS_ERROR = "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.";

/** The directive's characters as flags, or null on an unknown character. */
export function parseNotifyFlags(s: string): number | null {
  let flags = 0;
  for (const ch of s) {
    if (ch === 'A') flags |= NOTIFY_ALL;
    else if (ch === 'K') flags |= NOTIFY_KEYSPACE;
    else if (ch === 'E') flags |= NOTIFY_KEYEVENT;
    else if (ch === 'm') flags |= NOTIFY_KEY_MISS;
    else {
      const c = CLASS_CHARS.find(([x]) => x === ch);
      if (c === undefined) return null;
      flags |= c[1];
    }
  }
  return flags;
}

/** The flags as CONFIG GET shows them: "A" or the classes (g$lshzxetdn order), then K, E, m. */
export function formatNotifyFlags(flags: number): string {
  let s = '';
  if ((flags & NOTIFY_ALL) === NOTIFY_ALL) s = 'A';
  else for (const [ch, bit] of CLASS_CHARS) if ((flags & bit) !== 0) s += ch;
  if ((flags & NOTIFY_KEYSPACE) !== 0) s += 'K';
  if ((flags & NOTIFY_KEYEVENT) !== 0) s += 'E';
  if ((flags & NOTIFY_KEY_MISS) !== 0) s += 'm';
  return s;
}
