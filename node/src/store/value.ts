// The value model: which JS structure holds each Redis type, and the type/encoding names Redis reports.
// Strings (and every hash field, set member, list element) are latin1 JS strings: one char per byte,
// so they are binary-safe and their .length is their byte length.
import { RList } from './list.js';
import { RZSet } from './zset.js';
import { RHash } from './hash.js';
import { RSet } from './set.js';
import { isCanonicalInt } from './intset.js';
import { TaggedString } from './tagged-string.js';
import { RStream } from './stream.js';

export { RHash, RSet, RStream, isCanonicalInt };

export type RValue = string | RList | RHash | RSet | RZSet | RStream;
export type TypeName = 'string' | 'list' | 'hash' | 'set' | 'zset' | 'stream';

export function typeOf(v: RValue): TypeName {
  if (typeof v === 'string') return 'string';
  if (v instanceof RList) return 'list';
  if (v instanceof RHash) return 'hash';
  if (v instanceof RSet) return 'set';
  if (v instanceof RStream) return 'stream';
  return 'zset';
}

/** What OBJECT ENCODING reports: the encoding the value holds now (lists: always quicklist, as 7.0). */
export function encodingOf(v: RValue | TaggedString): string {
  if (v instanceof TaggedString) return v.encoding;
  if (typeof v === 'string') {
    if (isCanonicalInt(v)) return 'int';
    return v.length <= 44 ? 'embstr' : 'raw';
  }
  if (v instanceof RList) return 'quicklist';
  if (v instanceof RHash) return v.compact ? 'listpack' : 'hashtable';
  if (v instanceof RSet) return v.compact ? 'intset' : 'hashtable';
  if (v instanceof RStream) return 'stream';
  return v.compact ? 'listpack' : 'skiplist';
}

/** A deep copy (COPY, snapshotting a value before an in-place write). */
export function cloneValue<V extends RValue | TaggedString>(v: V): V;
export function cloneValue(v: RValue | TaggedString): RValue | TaggedString {
  if (typeof v === 'string' || v instanceof TaggedString) return v;
  if (v instanceof RList) return v.clone();
  if (v instanceof RHash) return v.clone();
  if (v instanceof RSet) return v.clone();
  if (v instanceof RStream) return v.clone();
  return v.clone();
}
