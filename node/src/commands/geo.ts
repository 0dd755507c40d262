// Geo commands over sorted sets, as Redis 7.0.15's geo.c: GEOADD (run as the ZADD it propagates as),
// GEODIST, GEOHASH, GEOPOS, GEOSEARCH / GEOSEARCHSTORE and GEORADIUS[BYMEMBER][_RO] with their option
// parsing and error order, the nine-cell scan in Redis's order, COUNT ANY's early stop, glibc's qsort
// (a stable merge sort) and Redis's pqsort for COUNT, STORE / STOREDIST, and numbers printed as Redis
// prints them: positions as %.17Lf trimmed (a RESP3 double), distances by fixedpoint_d2string (4
// digits), the invalid-pair error with %f. The geohash arithmetic is in store/geohash.ts.
import { cmd, type CommandSpec, type Ctx } from '../server/command.js';
import { RedisError, ERR_SYNTAX } from '../store/errors.js';
import { RZSet } from '../store/zset.js';
import { detach } from '../store/strpack.js';
import { NOTIFY_GENERIC, NOTIFY_ZSET } from '../config/notify-classes.js';
import { argInt, getZSet } from './util.js';
import { commands as zsetCommands } from './zset.js';
import {
  GEO_LAT_MAX,
  GEO_LAT_MIN,
  GEO_LONG_MAX,
  GEO_LONG_MIN,
  cellScoreRange,
  decodeScore,
  distance,
  distanceIfWithin,
  geohashString,
  scoreOf,
  searchCells,
  type Cell,
  type GeoShape,
} from '../store/geohash.js';

// ---- numbers as C prints them ----

const F64 = new Float64Array(1);
const U64 = new BigUint64Array(F64.buffer);

/** |x| exactly as digits / 10^scale, and its sign bit. */
function exactDecimal(x: number): { neg: boolean; digits: bigint; scale: number } {
  F64[0] = x;
  const bits = U64[0];
  const neg = bits >> 63n === 1n;
  const exp = Number((bits >> 52n) & 0x7ffn);
  const frac = bits & 0xfffffffffffffn;
  const m = exp === 0 ? frac : frac | (1n << 52n);
  const e = exp === 0 ? -1074 : exp - 1075;
  if (e >= 0) return { neg, digits: m << BigInt(e), scale: 0 };
  return { neg, digits: m * 5n ** BigInt(-e), scale: -e };
}

/** printf("%.<n>f") of a finite double from its exact value, ties to even (glibc). */
function fixedExact(x: number, n: number): string {
  const { neg, digits, scale } = exactDecimal(x);
  let q: bigint;
  if (scale <= n) q = digits * 10n ** BigInt(n - scale);
  else {
    const p = 10n ** BigInt(scale - n);
    q = digits / p;
    const r = digits % p;
    const half = p / 2n;
    if (r > half || (r === half && (q & 1n) === 1n)) q += 1n;
  }
  const s = q.toString().padStart(n + 1, '0');
  return `${neg ? '-' : ''}${s.slice(0, s.length - n)}.${s.slice(s.length - n)}`;
}

/**
 * printf("%.<n>f") of a finite double. toFixed rounds the exact value too, but ties away from zero and
 * drops the sign of -0; a tie is a value with exactly n + 1 binary-exact decimals, sent to fixedExact.
 */
export function formatFixed(x: number, n: number): string {
  const tie = Number.isInteger(x * 2 ** (n + 1)) && !Number.isInteger(x * 2 ** n);
  if (Math.abs(x) < 1e21 && !tie && !Object.is(x, -0)) return x.toFixed(n);
  return fixedExact(x, n);
}

/** printf("%f"), as the invalid-pair error prints coordinates. */
export function formatF(x: number): string {
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  return formatFixed(x, 6);
}

/** ld2string(LD_STR_HUMAN): %.17Lf of the (exactly widened) double, trailing zeros and dot trimmed. */
export function humanDouble(x: number): string {
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (Number.isNaN(x)) return 'nan';
  let s = formatFixed(x, 17);
  if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
  return s === '-0' ? '0' : s;
}

/** llrint: round half to even; NaN and values outside int64 give LLONG_MIN (x86). */
function llrint(x: number): bigint {
  if (!Number.isFinite(x)) return -(1n << 63n);
  let r = x;
  if (Math.abs(x) < 2 ** 52) {
    const f = Math.floor(x);
    const diff = x - f;
    r = diff > 0.5 ? f + 1 : diff < 0.5 ? f : f % 2 === 0 ? f : f + 1;
  }
  if (r >= 2 ** 63 || r < -(2 ** 63)) return -(1n << 63n);
  return BigInt(r);
}

/** fixedpoint_d2string(d, 4), GEODIST's and WITHDIST's format: llrint(d * 10^4) with 4 decimals. */
export function formatDistance(d: number): string {
  if (d === 0) return '0.0000';
  const v = llrint(d * 10000);
  const neg = v < 0n;
  const s = (neg ? -v : v).toString().padStart(5, '0');
  return `${neg ? '-' : ''}${s.slice(0, -4)}.${s.slice(-4)}`;
}

/** A Ctx that can append raw protocol (the server's clients can). */
interface RawReplies {
  write(s: string): void;
}

function canWriteRaw(c: Ctx): c is Ctx & RawReplies {
  return 'write' in c && typeof c.write === 'function';
}

/** addReplyHumanLongDouble: a bulk string in RESP2, a RESP3 double with the same text. */
function replyHumanDouble(c: Ctx, x: number): void {
  const text = humanDouble(x);
  if (c.resp === 2) c.bulk(text);
  else if (canWriteRaw(c)) c.write(`,${text}\r\n`);
  else c.double(Number(text));
}

// ---- argument parsing (getDoubleFromObject: C strtod, the whole string, no leading space) ----

const DECIMAL = /^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;
const HEX = /^([+-]?)0[xX](?:([0-9a-fA-F]+)\.?([0-9a-fA-F]*)|\.([0-9a-fA-F]+))(?:[pP]([+-]?[0-9]+))?$/;
const INF = /^[+-]?(?:inf|infinity)$/i;

/** x * 2^k without an intermediate overflow or underflow. */
function ldexp(x: number, k: number): number {
  let v = x;
  let n = k;
  while (n > 1000) {
    v *= 2 ** 1000;
    n -= 1000;
  }
  while (n < -1000) {
    v *= 2 ** -1000;
    n += 1000;
  }
  return v * 2 ** n;
}

/** mant * 2^exp rounded to the nearest double (ties to even), subnormals included. */
function binaryToDouble(mant: bigint, exp: number): number {
  if (mant === 0n) return 0;
  const len = mant.toString(2).length;
  const top = len - 1 + exp;
  if (top > 1023) return Infinity;
  if (top < -1075) return 0;
  const precision = top >= -1022 ? 53 : 53 - (-1022 - top);
  const shift = len - precision;
  if (shift <= 0) return ldexp(Number(mant), exp);
  let q = mant >> BigInt(shift);
  const rem = mant & ((1n << BigInt(shift)) - 1n);
  const half = 1n << BigInt(shift - 1);
  if (rem > half || (rem === half && (q & 1n) === 1n)) q += 1n;
  return ldexp(Number(q), exp + shift);
}

/** A double argument as Redis reads one, or null where it replies with an error. */
export function parseDouble(s: string): number | null {
  if (s.length === 0 || /^[ \t\n\v\f\r]/.test(s)) return null;
  if (INF.test(s)) return s[0] === '-' ? -Infinity : Infinity;
  let d: number;
  let nonzero: boolean;
  if (DECIMAL.test(s)) {
    d = Number(s);
    nonzero = /[1-9]/.test(s.replace(/[eE].*$/, ''));
  } else {
    const m = HEX.exec(s);
    if (m === null) return null;
    const int = m[2] ?? '';
    const frac = m[3] ?? m[4] ?? '';
    const mant = BigInt(`0x${int}${frac}`);
    nonzero = mant !== 0n;
    d = binaryToDouble(mant, Number(m[5] ?? '0') - 4 * frac.length);
    if (m[1] === '-') d = -d;
  }
  // strtod's ERANGE: an overflow, or an underflow to zero (subnormals are accepted).
  if (!Number.isFinite(d) || (d === 0 && nonzero)) return null;
  return d;
}

function argDouble(s: string, message = 'ERR value is not a valid float'): number {
  const d = parseDouble(s);
  if (d === null) throw new RedisError(message);
  return d;
}

/** extractLongLatOrReply: [longitude, latitude], in range. */
function argLongLat(lonArg: string, latArg: string): [number, number] {
  const lon = argDouble(lonArg);
  const lat = argDouble(latArg);
  if (lon < GEO_LONG_MIN || lon > GEO_LONG_MAX || lat < GEO_LAT_MIN || lat > GEO_LAT_MAX) {
    throw new RedisError(`ERR invalid longitude,latitude pair ${formatF(lon)},${formatF(lat)}`);
  }
  return [lon, lat];
}

/** extractUnitOrReply: meters per unit. */
function argUnit(u: string): number {
  switch (u.toLowerCase()) {
    case 'm':
      return 1;
    case 'km':
      return 1000;
    case 'ft':
      return 0.3048;
    case 'mi':
      return 1609.34;
    default:
      throw new RedisError('ERR unsupported unit provided. please use M, KM, FT, MI');
  }
}

/** extractDistanceOrReply: [radius, meters per unit]. */
function argRadius(value: string, unit: string): [number, number] {
  const r = argDouble(value, 'ERR need numeric radius');
  if (r < 0) throw new RedisError('ERR radius cannot be negative');
  return [r, argUnit(unit)];
}

/** extractBoxOrReply: [width, height, meters per unit]. */
function argBox(w: string, h: string, unit: string): [number, number, number] {
  const width = argDouble(w, 'ERR need numeric width');
  const height = argDouble(h, 'ERR need numeric height');
  if (height < 0 || width < 0) throw new RedisError('ERR height or width cannot be negative');
  return [width, height, argUnit(unit)];
}

/** longLatFromMember: the position of a member, or null when it is not in the set. */
function memberPosition(z: RZSet, member: string): [number, number] | null {
  const score = z.score(member);
  return score === undefined ? null : decodeScore(score);
}

const ERR_MEMBER = 'ERR could not decode requested zset member';

// ---- sorting as Redis's C library does ----

interface GeoPoint {
  member: string;
  lon: number;
  lat: number;
  dist: number;
  score: number;
}

type Compare = (a: GeoPoint, b: GeoPoint) => number;

/** sort_gp_asc: by distance, equal as 0 (a NaN is smaller than anything, both ways). */
const byDistance: Compare = (a, b) => (a.dist > b.dist ? 1 : a.dist === b.dist ? 0 : -1);
const byDistanceDesc: Compare = (a, b) => -byDistance(a, b);

/** glibc's qsort for these elements: msort_with_tmp, a top-down merge sort (stable). */
export function mergeSort<T>(a: T[], cmp: (x: T, y: T) => number): void {
  const tmp: T[] = new Array<T>(a.length);
  const sort = (from: number, n: number): void => {
    if (n <= 1) return;
    const n1 = Math.floor(n / 2);
    sort(from, n1);
    sort(from + n1, n - n1);
    let i = from;
    let j = from + n1;
    const iEnd = j;
    const jEnd = from + n;
    let k = 0;
    while (i < iEnd && j < jEnd) tmp[k++] = cmp(a[i], a[j]) <= 0 ? a[i++] : a[j++];
    while (i < iEnd) tmp[k++] = a[i++];
    for (let t = 0; t < k; t++) a[from + t] = tmp[t];
  };
  sort(0, a.length);
}

function swap<T>(a: T[], i: number, j: number): void {
  const t = a[i];
  a[i] = a[j];
  a[j] = t;
}

function med3<T>(a: T[], i: number, j: number, k: number, cmp: (x: T, y: T) => number): number {
  if (cmp(a[i], a[j]) < 0) return cmp(a[j], a[k]) < 0 ? j : cmp(a[i], a[k]) < 0 ? k : i;
  return cmp(a[j], a[k]) > 0 ? j : cmp(a[i], a[k]) < 0 ? i : k;
}

function insertionSort<T>(a: T[], base: number, n: number, cmp: (x: T, y: T) => number): void {
  for (let m = base + 1; m < base + n; m++)
    for (let l = m; l > base && cmp(a[l - 1], a[l]) > 0; l--) swap(a, l, l - 1);
}

/** True when [from, from + n) holds neither end of the wanted ranks [lo, hi] (pqsort's pruning). */
function outside(from: number, n: number, lo: number, hi: number): boolean {
  return (lo < from && hi < from) || (lo >= from + n && hi >= from + n);
}

/**
 * Redis 7.0's pqsort (the Bentley-McIlroy quicksort from NetBSD, without its switch to insertion sort
 * after a pass without swaps, recursing only into parts that hold ranks lo..hi): the same comparisons
 * and swaps, so ties come out in the order redis-server returns them.
 */
export function partialSort<T>(a: T[], cmp: (x: T, y: T) => number, lo: number, hi: number): void {
  const run = (start: number, count: number): void => {
    let base = start;
    let n = count;
    for (;;) {
      if (n < 7) return insertionSort(a, base, n, cmp);
      let pm = base + Math.floor(n / 2);
      if (n > 7) {
        let pl = base;
        let pn = base + n - 1;
        if (n > 40) {
          const d = Math.floor(n / 8);
          pl = med3(a, pl, pl + d, pl + 2 * d, cmp);
          pm = med3(a, pm - d, pm, pm + d, cmp);
          pn = med3(a, pn - 2 * d, pn - d, pn, cmp);
        }
        pm = med3(a, pl, pm, pn, cmp);
      }
      swap(a, base, pm);
      let pa = base + 1;
      let pb = pa;
      let pc = base + n - 1;
      let pd = pc;
      for (;;) {
        let r: number;
        while (pb <= pc && (r = cmp(a[pb], a[base])) <= 0) {
          if (r === 0) swap(a, pa++, pb);
          pb++;
        }
        while (pb <= pc && (r = cmp(a[pc], a[base])) >= 0) {
          if (r === 0) swap(a, pc, pd--);
          pc--;
        }
        if (pb > pc) break;
        swap(a, pb++, pc--);
      }
      const pn = base + n;
      let r = Math.min(pa - base, pb - pa);
      for (let t = 0; t < r; t++) swap(a, base + t, pb - r + t);
      r = Math.min(pd - pc, pn - pd - 1);
      for (let t = 0; t < r; t++) swap(a, pb + t, pn - r + t);
      r = pb - pa;
      if (r > 1 && !outside(base, r, lo, hi)) run(base, r);
      r = pd - pc;
      if (r <= 1) return;
      base = pn - r;
      n = r;
      if (outside(base, n, lo, hi)) return;
    }
  };
  run(0, a.length);
}

// ---- the search ----

/** geoGetPointsInRange: members scored in [min, max) inside the shape, appended until limit (0: none). */
function pointsInRange(
  z: RZSet,
  min: number,
  max: number,
  shape: GeoShape,
  out: GeoPoint[],
  limit: number,
): void {
  const range = { min, max, minEx: false, maxEx: true };
  const chunk = limit > 0 ? 64 : -1;
  for (let offset = 0; ; offset += chunk) {
    const items = z.rangeByScore(range, false, offset, chunk);
    for (const [member, score] of items) {
      const [lon, lat] = decodeScore(score);
      const dist = distanceIfWithin(shape, lon, lat);
      if (dist !== null) out.push({ member, lon, lat, dist, score });
      if (out.length > 0 && limit > 0 && out.length >= limit) return;
    }
    if (chunk < 0 || items.length < chunk) return;
  }
}

/** membersOfAllNeighbors: the cells in order, skipping a cell equal to the one scanned before it. */
function membersOfCells(z: RZSet, cells: Array<Cell | null>, shape: GeoShape, limit: number): GeoPoint[] {
  const out: GeoPoint[] = [];
  let last = 0;
  for (let i = 0; i < cells.length; i++) {
    const cell = cells[i];
    if (cell === null) continue;
    const prev = cells[last];
    if (last !== 0 && prev !== null && prev.bits === cell.bits && prev.step === cell.step) continue;
    if (out.length > 0 && limit > 0 && out.length >= limit) break;
    const [min, max] = cellScoreRange(cell);
    pointsInRange(z, min, max, shape, out, limit);
    last = i;
  }
  return out;
}

const RADIUS_COORDS = 1;
const RADIUS_MEMBER = 2;
const RADIUS_NOSTORE = 4;
const GEOSEARCH = 8;
const GEOSEARCHSTORE = 16;

type Sort = 'none' | 'asc' | 'desc';

/** Everything georadiusGeneric parses. */
interface Search {
  lon: number;
  lat: number;
  type: 'radius' | 'box';
  conversion: number;
  radius: number;
  width: number;
  height: number;
  storeKey: string | null;
  storeDist: boolean;
  withDist: boolean;
  withHash: boolean;
  withCoord: boolean;
  fromMember: boolean;
  fromLonLat: boolean;
  byRadius: boolean;
  byBox: boolean;
  sort: Sort;
  any: boolean;
  count: number;
}

function newSearch(): Search {
  return {
    lon: 0,
    lat: 0,
    type: 'radius',
    conversion: 0,
    radius: 0,
    width: 0,
    height: 0,
    storeKey: null,
    storeDist: false,
    withDist: false,
    withHash: false,
    withCoord: false,
    fromMember: false,
    fromLonLat: false,
    byRadius: false,
    byBox: false,
    sort: 'none',
    any: false,
    count: 0,
  };
}

/** The fixed arguments of each form (centre and radius of GEORADIUS*, the keys); returns where options start. */
function parseBase(s: Search, z: RZSet | undefined, argv: string[], flags: number): number {
  if (flags & RADIUS_COORDS) {
    [s.lon, s.lat] = argLongLat(argv[2], argv[3]);
    [s.radius, s.conversion] = argRadius(argv[4], argv[5]);
    return 6;
  }
  if (flags & RADIUS_MEMBER) {
    // Without the key the rest is still parsed, to know which empty reply to give.
    if (z === undefined) return 5;
    const pos = memberPosition(z, argv[2]);
    if (pos === null) throw new RedisError(ERR_MEMBER);
    [s.lon, s.lat] = pos;
    [s.radius, s.conversion] = argRadius(argv[3], argv[4]);
    return 5;
  }
  if (flags & GEOSEARCHSTORE) {
    s.storeKey = argv[1];
    return 3;
  }
  return 2;
}

/** The option loop of georadiusGeneric, in its order; returns the next index. */
function parseOption(s: Search, z: RZSet | undefined, argv: string[], i: number, flags: number): number {
  const left = argv.length - i - 1;
  const isSearch = (flags & GEOSEARCH) !== 0;
  const canStore = !(flags & RADIUS_NOSTORE) && !isSearch;
  const name = argv[i].toLowerCase();
  switch (name) {
    case 'withdist':
      s.withDist = true;
      return i + 1;
    case 'withhash':
      s.withHash = true;
      return i + 1;
    case 'withcoord':
      s.withCoord = true;
      return i + 1;
    case 'any':
      s.any = true;
      return i + 1;
    case 'asc':
      s.sort = 'asc';
      return i + 1;
    case 'desc':
      s.sort = 'desc';
      return i + 1;
    case 'count':
      if (left < 1) break;
      s.count = argInt(argv[i + 1]);
      if (s.count <= 0) throw new RedisError('ERR COUNT must be > 0');
      return i + 2;
    case 'store':
    case 'storedist':
      if (left >= 1 && canStore) {
        s.storeKey = argv[i + 1];
        s.storeDist = name === 'storedist';
        return i + 2;
      }
      if (name === 'storedist' && flags & GEOSEARCHSTORE) {
        s.storeDist = true;
        return i + 1;
      }
      break;
    case 'frommember':
      if (left < 1 || !isSearch || s.fromLonLat) break;
      if (z !== undefined) {
        const pos = memberPosition(z, argv[i + 1]);
        if (pos === null) throw new RedisError(ERR_MEMBER);
        [s.lon, s.lat] = pos;
      }
      s.fromMember = true;
      return i + 2;
    case 'fromlonlat':
      if (left < 2 || !isSearch || s.fromMember) break;
      [s.lon, s.lat] = argLongLat(argv[i + 1], argv[i + 2]);
      s.fromLonLat = true;
      return i + 3;
    case 'byradius':
      if (left < 2 || !isSearch || s.byBox) break;
      [s.radius, s.conversion] = argRadius(argv[i + 1], argv[i + 2]);
      s.type = 'radius';
      s.byRadius = true;
      return i + 3;
    case 'bybox':
      if (left < 3 || !isSearch || s.byRadius) break;
      [s.width, s.height, s.conversion] = argBox(argv[i + 1], argv[i + 2], argv[i + 3]);
      s.type = 'box';
      s.byBox = true;
      return i + 4;
  }
  throw new RedisError(ERR_SYNTAX);
}

/** The checks after the option loop, in Redis's order. */
function checkSearch(s: Search, argv: string[], flags: number): void {
  if (s.storeKey !== null && (s.withDist || s.withHash || s.withCoord)) {
    const what = flags & GEOSEARCHSTORE ? 'GEOSEARCHSTORE' : 'STORE option in GEORADIUS';
    throw new RedisError(`ERR ${what} is not compatible with WITHDIST, WITHHASH and WITHCOORD options`);
  }
  if (flags & GEOSEARCH && !(s.fromMember || s.fromLonLat)) {
    throw new RedisError(`ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for ${argv[0]}`);
  }
  if (flags & GEOSEARCH && !(s.byRadius || s.byBox)) {
    throw new RedisError(`ERR exactly one of BYRADIUS and BYBOX can be specified for ${argv[0]}`);
  }
  if (s.any && s.count === 0) throw new RedisError('ERR the ANY argument requires COUNT argument');
}

function shapeOf(s: Search): GeoShape {
  const { lon, lat, conversion } = s;
  return s.type === 'radius'
    ? { type: 'radius', lon, lat, conversion, radius: s.radius }
    : { type: 'box', lon, lat, conversion, width: s.width, height: s.height };
}

/** The requested order: all sorted by glibc's qsort, or only the first `returned` by pqsort. */
function sortPoints(points: GeoPoint[], sort: Sort, returned: number): void {
  if (sort === 'none') return;
  const cmp = sort === 'asc' ? byDistance : byDistanceDesc;
  if (returned === points.length) mergeSort(points, cmp);
  else partialSort(points, cmp, 0, returned - 1);
}

function replyPoints(c: Ctx, s: Search, points: GeoPoint[], returned: number): void {
  const options = (s.withDist ? 1 : 0) + (s.withCoord ? 1 : 0) + (s.withHash ? 1 : 0);
  c.arrayLen(returned);
  for (let i = 0; i < returned; i++) {
    const p = points[i];
    if (options > 0) c.arrayLen(options + 1);
    c.bulk(p.member);
    if (s.withDist) c.bulk(formatDistance(p.dist / s.conversion));
    if (s.withHash) c.int(Math.trunc(p.score));
    if (s.withCoord) {
      c.arrayLen(2);
      replyHumanDouble(c, p.lon);
      replyHumanDouble(c, p.lat);
    }
  }
}

function storePoints(
  c: Ctx,
  s: Search,
  key: string,
  points: GeoPoint[],
  returned: number,
  flags: number,
): void {
  if (returned > 0) {
    const pairs: Array<[string, number]> = [];
    for (let i = 0; i < returned; i++) {
      const p = points[i];
      pairs.push([detach(p.member), s.storeDist ? p.dist / s.conversion : p.score]);
    }
    c.db.set(key, RZSet.fromSkiplist(pairs));
    c.notify(NOTIFY_ZSET, flags & GEOSEARCH ? 'geosearchstore' : 'georadiusstore', key);
  } else if (c.db.delete(key)) c.notify(NOTIFY_GENERIC, 'del', key);
  c.int(returned);
}

/** georadiusGeneric: every search command, told apart by flags. */
function georadiusGeneric(c: Ctx, argv: string[], srcKeyIndex: number, flags: number): void {
  const z = getZSet(c.db, argv[srcKeyIndex]);
  const s = newSearch();
  for (let i = parseBase(s, z, argv, flags); i < argv.length;) i = parseOption(s, z, argv, i, flags);
  checkSearch(s, argv, flags);
  if (z === undefined) {
    if (s.storeKey === null) return c.arrayLen(0);
    if (c.db.delete(s.storeKey)) c.notify(NOTIFY_GENERIC, 'del', s.storeKey);
    return c.int(0);
  }
  // COUNT without an order means the nearest ones (not for ANY).
  if (s.count !== 0 && s.sort === 'none' && !s.any) s.sort = 'asc';
  const shape = shapeOf(s);
  const points = membersOfCells(z, searchCells(shape), shape, s.any ? s.count : 0);
  if (points.length === 0 && s.storeKey === null) return c.arrayLen(0);
  const returned = s.count === 0 || points.length < s.count ? points.length : s.count;
  sortPoints(points, s.sort, returned);
  if (s.storeKey === null) replyPoints(c, s, points, returned);
  else storePoints(c, s, s.storeKey, points, returned, flags);
}

const search = (srcKeyIndex: number, flags: number) => (c: Ctx, argv: string[]) =>
  georadiusGeneric(c, argv, srcKeyIndex, flags);

// ---- GEOADD, GEODIST, GEOHASH, GEOPOS ----

const zadd = zsetCommands.find((spec) => spec.name === 'zadd');

/** GEOADD key [NX|XX] [CH] lon lat member ...: the scores computed, then ZADD does the work (and is propagated). */
function geoadd(c: Ctx, argv: string[]): void {
  let nx = false;
  let xx = false;
  let first = 2;
  for (; first < argv.length; first++) {
    const o = argv[first].toLowerCase();
    if (o === 'nx') nx = true;
    else if (o === 'xx') xx = true;
    else if (o !== 'ch') break;
  }
  if ((argv.length - first) % 3 !== 0 || (xx && nx)) throw new RedisError(ERR_SYNTAX);
  const zargv = ['zadd', ...argv.slice(1, first)];
  for (let i = first; i < argv.length; i += 3) {
    const [lon, lat] = argLongLat(argv[i], argv[i + 1]);
    zargv.push(String(scoreOf(lon, lat) ?? 0n), argv[i + 2]);
  }
  if (zadd === undefined) throw new Error('ZADD is not registered');
  zadd.handler(c, zargv);
  c.propagateAs(zargv);
}

/** GEODIST key member1 member2 [unit]: the unit is checked before the key is read. */
function geodist(c: Ctx, argv: string[]): void {
  let toMeter = 1;
  if (argv.length === 5) toMeter = argUnit(argv[4]);
  else if (argv.length > 5) throw new RedisError(ERR_SYNTAX);
  const z = getZSet(c.db, argv[1]);
  if (z === undefined) return c.nil();
  const a = memberPosition(z, argv[2]);
  const b = memberPosition(z, argv[3]);
  if (a === null || b === null) return c.nil();
  c.bulk(formatDistance(distance(a[0], a[1], b[0], b[1]) / toMeter));
}

function geohash(c: Ctx, argv: string[]): void {
  const z = getZSet(c.db, argv[1]);
  c.arrayLen(argv.length - 2);
  for (let i = 2; i < argv.length; i++) {
    const pos = z === undefined ? null : memberPosition(z, argv[i]);
    if (pos === null) c.nil();
    else c.bulk(geohashString(pos[0], pos[1]));
  }
}

function geopos(c: Ctx, argv: string[]): void {
  const z = getZSet(c.db, argv[1]);
  c.arrayLen(argv.length - 2);
  for (let i = 2; i < argv.length; i++) {
    const pos = z === undefined ? null : memberPosition(z, argv[i]);
    if (pos === null) {
      c.nilArray();
      continue;
    }
    c.arrayLen(2);
    replyHumanDouble(c, pos[0]);
    replyHumanDouble(c, pos[1]);
  }
}

const K1: [number, number, number] = [1, 1, 1];

export const commands: CommandSpec[] = [
  cmd('geoadd', -5, ['write', 'denyoom'], K1, 'geo', geoadd),
  cmd('geodist', -4, ['readonly'], K1, 'geo', geodist),
  cmd('geohash', -2, ['readonly'], K1, 'geo', geohash),
  cmd('geopos', -2, ['readonly'], K1, 'geo', geopos),
  cmd('geosearch', -7, ['readonly'], K1, 'geo', search(1, GEOSEARCH)),
  cmd('geosearchstore', -8, ['write', 'denyoom'], [1, 2, 1], 'geo', search(2, GEOSEARCH | GEOSEARCHSTORE)),
  cmd('georadius', -6, ['write', 'denyoom'], K1, 'geo', search(1, RADIUS_COORDS)),
  cmd('georadius_ro', -6, ['readonly'], K1, 'geo', search(1, RADIUS_COORDS | RADIUS_NOSTORE)),
  cmd('georadiusbymember', -5, ['write', 'denyoom'], K1, 'geo', search(1, RADIUS_MEMBER)),
  cmd('georadiusbymember_ro', -5, ['readonly'], K1, 'geo', search(1, RADIUS_MEMBER | RADIUS_NOSTORE)),
];
