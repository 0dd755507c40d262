// The manifest of Redis 7.0's multi-part AOF (`<appenddirname>/<appendfilename>.manifest`): which file
// is the base, which are the incremental files in order, which are history waiting to be deleted; the
// file names Redis gives them; parsing and printing the manifest's lines. Pure: no I/O.

export type AofFileType = 'b' | 'h' | 'i';

export interface AofInfo {
  name: string;
  seq: number;
  type: AofFileType;
}

export interface AofManifest {
  base: AofInfo | null;
  incrs: AofInfo[];
  history: AofInfo[];
}

export class ManifestError extends Error {}

export const manifestName = (appendfilename: string): string => `${appendfilename}.manifest`;

export function baseName(appendfilename: string, seq: number, rdb: boolean): string {
  return `${appendfilename}.${seq}.base.${rdb ? 'rdb' : 'aof'}`;
}

export function incrName(appendfilename: string, seq: number): string {
  return `${appendfilename}.${seq}.incr.aof`;
}

export function emptyManifest(): AofManifest {
  return { base: null, incrs: [], history: [] };
}

/** Needs quoting in the manifest (Redis's sdsneedsrepr): spaces, quotes, control characters. */
function needsRepr(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 32 || c >= 127 || c === 34 || c === 39 || c === 92) return true;
  }
  return s.length === 0;
}

function repr(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    const c = s.charCodeAt(i);
    if (ch === '\\' || ch === '"') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 32 || c >= 127) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

function line(ai: AofInfo): string {
  const name = needsRepr(ai.name) ? repr(ai.name) : ai.name;
  return `file ${name} seq ${ai.seq} type ${ai.type}\n`;
}

/** The manifest's text: the base, then history, then the incremental files, as Redis writes it. */
export function formatManifest(m: AofManifest): string {
  let out = '';
  if (m.base !== null) out += line(m.base);
  for (const h of m.history) out += line(h);
  for (const i of m.incrs) out += line(i);
  return out;
}

/** Splits a manifest line into words, with Redis's quoting ("..." with escapes, '...'). */
function splitArgs(s: string): string[] | null {
  const out: string[] = [];
  let i = 0;
  while (i < s.length) {
    while (i < s.length && /\s/.test(s[i])) i++;
    if (i >= s.length) break;
    let word = '';
    if (s[i] === '"') {
      i++;
      for (;;) {
        if (i >= s.length) return null;
        const ch = s[i];
        if (ch === '"') {
          i++;
          break;
        }
        if (ch === '\\' && i + 1 < s.length) {
          const n = s[i + 1];
          if (n === 'x' && /^[0-9a-fA-F]{2}$/.test(s.slice(i + 2, i + 4))) {
            word += String.fromCharCode(parseInt(s.slice(i + 2, i + 4), 16));
            i += 4;
            continue;
          }
          word +=
            n === 'n'
              ? '\n'
              : n === 'r'
                ? '\r'
                : n === 't'
                  ? '\t'
                  : n === 'b'
                    ? '\b'
                    : n === 'a'
                      ? '\x07'
                      : n;
          i += 2;
          continue;
        }
        word += ch;
        i++;
      }
      if (i < s.length && !/\s/.test(s[i])) return null;
    } else if (s[i] === "'") {
      i++;
      for (;;) {
        if (i >= s.length) return null;
        if (s[i] === "'") {
          i++;
          break;
        }
        word += s[i++];
      }
      if (i < s.length && !/\s/.test(s[i])) return null;
    } else {
      while (i < s.length && !/\s/.test(s[i])) word += s[i++];
    }
    out.push(word);
  }
  return out;
}

const ERR_FORMAT = 'Invalid AOF manifest file format';

/** Parses a manifest (Redis's aofLoadManifestFromFile rules); throws ManifestError with Redis's text. */
export function parseManifest(text: string): AofManifest {
  const m = emptyManifest();
  let maxIncrSeq = 0;
  for (const raw of text.split('\n')) {
    if (raw.startsWith('#')) continue;
    const l = raw.replace(/\r$/, '');
    if (l.trim() === '') continue;
    const words = splitArgs(l.trim());
    if (words === null || words.length < 6 || words.length % 2 !== 0) throw new ManifestError(ERR_FORMAT);
    const fields = new Map<string, string>();
    for (let i = 0; i < words.length; i += 2) fields.set(words[i], words[i + 1]);
    const name = fields.get('file');
    const seqText = fields.get('seq');
    const type = fields.get('type');
    if (name === undefined || seqText === undefined || type === undefined || !/^\d+$/.test(seqText)) {
      throw new ManifestError(ERR_FORMAT);
    }
    const ai: AofInfo = { name, seq: Number(seqText), type: type as AofFileType };
    if (type === 'b') {
      if (m.base !== null) throw new ManifestError('Found duplicate base file information');
      m.base = ai;
    } else if (type === 'h') m.history.push(ai);
    else if (type === 'i') {
      if (ai.seq <= maxIncrSeq) throw new ManifestError('Found a non-monotonic sequence number');
      maxIncrSeq = ai.seq;
      m.incrs.push(ai);
    } else throw new ManifestError('Unknown AOF file type');
  }
  return m;
}

export function nextIncrSeq(m: AofManifest): number {
  return m.incrs.length === 0 ? 1 : m.incrs[m.incrs.length - 1].seq + 1;
}

export function nextBaseSeq(m: AofManifest): number {
  return m.base === null ? 1 : m.base.seq + 1;
}
