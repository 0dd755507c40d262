// SORT and SORT_RO: lists, sets and sorted sets sorted numerically or with ALPHA, BY key patterns (and
// hash fields, `pattern->field`), BY nosort keeping the native order, LIMIT, ASC / DESC, GET patterns
// (`#` the element itself), STORE into a list; Redis 7.0's parsing order, errors, ties and replies.
import { cmd, type CommandSpec, type Ctx } from '../server/command.js';
import { RedisError, ERR_SYNTAX, WRONGTYPE } from '../store/errors.js';
import { RList } from '../store/list.js';
import { RHash } from '../store/hash.js';
import { RSet } from '../store/set.js';
import { RZSet } from '../store/zset.js';
import { NOTIFY_GENERIC, NOTIFY_LIST } from '../config/notify-classes.js';
import { argInt, lookupReadOrMiss } from './util.js';
import { strtodWhole } from './strtod.js';

interface SortArgs {
  desc: boolean;
  alpha: boolean;
  limitStart: number;
  limitCount: number;
  by: string | null;
  dontSort: boolean;
  gets: string[];
  store: string | null;
}

function parseSort(argv: string[], readonly: boolean): SortArgs {
  const a: SortArgs = {
    desc: false,
    alpha: false,
    limitStart: 0,
    limitCount: -1,
    by: null,
    dontSort: false,
    gets: [],
    store: null,
  };
  for (let j = 2; j < argv.length; j++) {
    const left = argv.length - j - 1;
    const o = argv[j].toLowerCase();
    if (o === 'asc') a.desc = false;
    else if (o === 'desc') a.desc = true;
    else if (o === 'alpha') a.alpha = true;
    else if (o === 'limit' && left >= 2) {
      a.limitStart = argInt(argv[j + 1]);
      a.limitCount = argInt(argv[j + 2]);
      j += 2;
    } else if (!readonly && o === 'store' && left >= 1) {
      a.store = argv[++j];
    } else if (o === 'by' && left >= 1) {
      a.by = argv[++j];
      // A pattern without '*' is a constant: nothing to sort by.
      a.dontSort = !a.by.includes('*');
    } else if (o === 'get' && left >= 1) {
      a.gets.push(argv[++j]);
    } else throw new RedisError(ERR_SYNTAX);
  }
  return a;
}

/**
 * lookupKeyByPattern: `#` is the element itself; otherwise the first '*' is replaced by the element and
 * the key read as a string, or, with `->field` after the '*', as that field of a hash. Null when
 * missing or of another type.
 */
function byPattern(c: Ctx, pattern: string, elem: string): string | null {
  if (pattern === '#') return elem;
  const star = pattern.indexOf('*');
  if (star < 0) return null;
  const arrow = pattern.indexOf('->', star + 1);
  const field = arrow >= 0 && arrow + 2 < pattern.length ? pattern.slice(arrow + 2) : null;
  const key =
    pattern.slice(0, star) + elem + pattern.slice(star + 1, field === null ? pattern.length : arrow);
  const v = lookupReadOrMiss(c.db, key);
  if (v === undefined) return null;
  if (field !== null) return v instanceof RHash ? (v.get(field) ?? null) : null;
  return typeof v === 'string' ? v : null;
}

interface Item {
  elem: string;
  score: number;
  /** The BY value compared with ALPHA; null when it is missing. */
  cmp: string | null;
}

const byteCmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The elements in their native order (list order, set order, zset by score). */
function elementsOf(v: RList | RSet | RZSet | undefined): string[] {
  if (v === undefined) return [];
  if (v instanceof RList) return v.toArray();
  if (v instanceof RSet) return [...v.values()];
  return [...v.entries()].map(([m]) => m);
}

function sortGeneric(readonly: boolean) {
  return (c: Ctx, argv: string[]): void => {
    const a = parseSort(argv, readonly);
    const v = lookupReadOrMiss(c.db, argv[1]);
    if (v !== undefined && !(v instanceof RList || v instanceof RSet || v instanceof RZSet))
      throw new RedisError(WRONGTYPE);
    let { dontSort, alpha, by } = a;
    // A set has no order of its own: sorting is forced when the result is stored (as in Redis).
    if (dontSort && v instanceof RSet && a.store !== null) {
      dontSort = false;
      alpha = true;
      by = null;
    }
    const all = elementsOf(v);
    const n = all.length;
    let start = a.limitStart < 0 ? 0 : a.limitStart;
    let end = a.limitCount < 0 ? n - 1 : start + a.limitCount - 1;
    if (start >= n) {
      start = n - 1;
      end = n - 2;
    }
    if (end >= n) end = n - 1;
    let items: Item[];
    if (dontSort && (v instanceof RList || v instanceof RZSet)) {
      // Native order, DESC reversing it, LIMIT applied on the way in.
      const ordered = a.desc ? all.slice().reverse() : all;
      items =
        end >= start ? ordered.slice(start, end + 1).map((elem) => ({ elem, score: 0, cmp: null })) : [];
      end -= start;
      start = 0;
    } else {
      items = all.map((elem) => ({ elem, score: 0, cmp: null }));
    }
    let badScore = false;
    if (!dontSort) {
      for (const it of items) {
        const byVal = by !== null ? byPattern(c, by, it.elem) : it.elem;
        if (byVal === null) continue;
        if (alpha) {
          if (by !== null) it.cmp = byVal;
        } else {
          const d = strtodWhole(byVal);
          if (d === null) badScore = true;
          else it.score = d;
        }
      }
      const cmp = (x: Item, y: Item): number => {
        let r: number;
        if (!alpha) r = x.score > y.score ? 1 : x.score < y.score ? -1 : byteCmp(x.elem, y.elem);
        else if (by !== null)
          r =
            x.cmp === null || y.cmp === null
              ? x.cmp === y.cmp
                ? 0
                : x.cmp === null
                  ? -1
                  : 1
              : byteCmp(x.cmp, y.cmp);
        else r = byteCmp(x.elem, y.elem);
        return a.desc ? -r : r;
      };
      items.sort(cmp);
    }
    const picked = end >= start ? items.slice(start, end + 1) : [];
    if (badScore) throw new RedisError("ERR One or more scores can't be converted into double");
    if (a.store === null) {
      c.arrayLen(a.gets.length > 0 ? a.gets.length * picked.length : picked.length);
      for (const it of picked) {
        if (a.gets.length === 0) c.bulk(it.elem);
        for (const g of a.gets) {
          const val = byPattern(c, g, it.elem);
          if (val === null) c.nil();
          else c.bulk(val);
        }
      }
      return;
    }
    const out: string[] = [];
    for (const it of picked) {
      if (a.gets.length === 0) out.push(it.elem);
      else for (const g of a.gets) out.push(byPattern(c, g, it.elem) ?? '');
    }
    if (out.length > 0) {
      const l = new RList();
      for (const e of out) l.pushTail(e);
      c.db.set(a.store, l);
      c.notify(NOTIFY_LIST, 'sortstore', a.store);
    } else if (c.db.delete(a.store)) c.notify(NOTIFY_GENERIC, 'del', a.store);
    c.int(out.length);
  };
}

export const commands: CommandSpec[] = [
  cmd('sort', -2, ['write', 'denyoom'], [1, 1, 1], 'list', sortGeneric(false)),
  cmd('sort_ro', -2, ['readonly'], [1, 1, 1], 'list', sortGeneric(true)),
];
