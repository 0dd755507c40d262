// Geohash arithmetic as Redis 7.0 does it (geohash.c, geohash_helper.c): the 52-bit interleaved cell
// of a point (longitude on the odd bits, latitude on the even ones, latitude limited to the Mercator
// ±85.05112878), cells decoded back to their centre, the eight neighbours of a cell, the search step a
// radius needs, the bounding box of a radius or a box and the nine cells that cover it, and the
// haversine distance on Redis's earth radius. Every computation is the C one in doubles, in the same
// order, so scores and positions come out bit for bit as redis-server's; sin, cos and asin are computed
// correctly rounded (double-double arithmetic), which is what glibc's libm returns for all but about
// 0.15% of arguments (V8's Math functions differ from it in the last bit for several percent). Pure.

export const GEO_STEP_MAX = 26;
export const GEO_LAT_MIN = -85.05112878;
export const GEO_LAT_MAX = 85.05112878;
export const GEO_LONG_MIN = -180;
export const GEO_LONG_MAX = 180;

export const EARTH_RADIUS_IN_METERS = 6372797.560856;
const MERCATOR_MAX = 20037726.37;
/** M_PI / 180.0, folded to one double as the C compiler does. */
const D_R = Math.PI / 180.0;

const TWO32 = 2 ** 32;
const TWO63 = 2 ** 63;

export interface Range {
  min: number;
  max: number;
}

/** A cell: `step` bits of longitude and of latitude, interleaved (GeoHashBits). */
export interface Cell {
  bits: bigint;
  step: number;
}

/** A cell's extent in degrees (GeoHashArea). */
export interface Area {
  longitude: Range;
  latitude: Range;
}

/** The ranges scores are computed over (geohashGetCoordRange). */
export const LONG_RANGE: Readonly<Range> = { min: GEO_LONG_MIN, max: GEO_LONG_MAX };
export const LAT_RANGE: Readonly<Range> = { min: GEO_LAT_MIN, max: GEO_LAT_MAX };
/** The standard geohash latitude range GEOHASH re-encodes with. */
const STANDARD_LAT_RANGE: Readonly<Range> = { min: -90, max: 90 };

/** A search area: a circle of `radius` or a `width` x `height` box, in the unit `conversion` converts to meters. */
export type GeoShape =
  | { type: 'radius'; lon: number; lat: number; conversion: number; radius: number }
  | { type: 'box'; lon: number; lat: number; conversion: number; width: number; height: number };

// ---- bit interleaving (on 32-bit halves, as the 64-bit C code) ----

/** The low 16 bits of x spread onto the even bits of a 32-bit word. */
function spread16(v: number): number {
  let x = v & 0xffff;
  x = (x | (x << 8)) & 0x00ff00ff;
  x = (x | (x << 4)) & 0x0f0f0f0f;
  x = (x | (x << 2)) & 0x33333333;
  x = (x | (x << 1)) & 0x55555555;
  return x;
}

/** The even bits of a 32-bit word gathered into 16 bits. */
function compact16(v: number): number {
  let x = v & 0x55555555;
  x = (x | (x >>> 1)) & 0x33333333;
  x = (x | (x >>> 2)) & 0x0f0f0f0f;
  x = (x | (x >>> 4)) & 0x00ff00ff;
  x = (x | (x >>> 8)) & 0x0000ffff;
  return x;
}

/** interleave64: lat (uint32) on the even bits, lon (uint32) on the odd bits; [high word, low word]. */
export function interleave(lat: number, lon: number): [number, number] {
  const lo = (spread16(lat) | (spread16(lon) << 1)) >>> 0;
  const hi = (spread16(lat >>> 16) | (spread16(lon >>> 16) << 1)) >>> 0;
  return [hi, lo];
}

/** deinterleave64 of a 64-bit value given as words: [latitude index, longitude index]. */
export function deinterleave(hi: number, lo: number): [number, number] {
  const lat = (compact16(lo) | (compact16(hi) << 16)) >>> 0;
  const lon = (compact16(lo >>> 1) | (compact16(hi >>> 1) << 16)) >>> 0;
  return [lat, lon];
}

function words(bits: bigint): [number, number] {
  const b = BigInt.asUintN(64, bits);
  return [Number(b >> 32n), Number(b & 0xffffffffn)];
}

/**
 * `(uint64_t)score` as x86-64 code computes it (comisd against 2^63, cvttsd2si, btc): truncation for
 * [0, 2^64), two's complement for negatives down to -2^63, 2^63 below that, 0 from 2^64 up.
 */
export function scoreToUint64(score: number): bigint {
  if (score >= TWO63) {
    const y = score - TWO63;
    return y < TWO63 ? BigInt(Math.trunc(y)) + (1n << 63n) : 0n;
  }
  if (score >= -TWO63) return BigInt.asUintN(64, BigInt(Math.trunc(score)));
  return 1n << 63n;
}

/** scoreToUint64 as [high word, low word], without BigInt for the scores GEOADD writes. */
function scoreWords(score: number): [number, number] {
  if (score >= 0 && score < 2 ** 53) {
    const t = Math.trunc(score);
    const hi = Math.floor(t / TWO32);
    return [hi, t - hi * TWO32];
  }
  return words(scoreToUint64(score));
}

// ---- encode / decode ----

function rangeIsZero(r: Readonly<Range>): boolean {
  return r.max === 0 && r.min === 0;
}

/** geohashEncode: the cell of (lon, lat) at step over the given ranges, or null where C returns 0. */
export function encode(
  lonRange: Readonly<Range>,
  latRange: Readonly<Range>,
  lon: number,
  lat: number,
  step: number,
): Cell | null {
  if (step > 32 || step === 0 || rangeIsZero(latRange) || rangeIsZero(lonRange)) return null;
  if (lon > GEO_LONG_MAX || lon < GEO_LONG_MIN || lat > GEO_LAT_MAX || lat < GEO_LAT_MIN) return null;
  if (lat < latRange.min || lat > latRange.max || lon < lonRange.min || lon > lonRange.max) return null;
  let latOffset = (lat - latRange.min) / (latRange.max - latRange.min);
  let lonOffset = (lon - lonRange.min) / (lonRange.max - lonRange.min);
  latOffset *= 2 ** step;
  lonOffset *= 2 ** step;
  // The offsets become uint32_t arguments (truncated).
  const [hi, lo] = interleave(Math.trunc(latOffset) >>> 0, Math.trunc(lonOffset) >>> 0);
  return { bits: (BigInt(hi) << 32n) | BigInt(lo), step };
}

/** The 52-bit cell of a valid point (geohashEncodeWGS84 at GEO_STEP_MAX). */
export function encodeWGS84(lon: number, lat: number, step = GEO_STEP_MAX): Cell | null {
  return encode(LONG_RANGE, LAT_RANGE, lon, lat, step);
}

/** geohashAlign52Bits: the cell's bits shifted to the top of the 52 bits of a score (as uint64). */
export function align52(cell: Cell): bigint {
  return BigInt.asUintN(64, cell.bits << BigInt(52 - cell.step * 2));
}

/** GEOADD's score for a valid point: the aligned cell as the double ZADD parses from its decimal. */
export function scoreOf(lon: number, lat: number): bigint | null {
  const cell = encodeWGS84(lon, lat);
  return cell === null ? null : align52(cell);
}

function areaOfWords(
  lonRange: Readonly<Range>,
  latRange: Readonly<Range>,
  hi: number,
  lo: number,
  step: number,
): Area {
  const [ilato, ilono] = deinterleave(hi, lo);
  const latScale = latRange.max - latRange.min;
  const lonScale = lonRange.max - lonRange.min;
  const cells = 2 ** step;
  // (ilato + 1) is uint32_t arithmetic in C: it wraps.
  return {
    latitude: {
      min: latRange.min + ((ilato * 1.0) / cells) * latScale,
      max: latRange.min + ((((ilato + 1) >>> 0) * 1.0) / cells) * latScale,
    },
    longitude: {
      min: lonRange.min + ((ilono * 1.0) / cells) * lonScale,
      max: lonRange.min + ((((ilono + 1) >>> 0) * 1.0) / cells) * lonScale,
    },
  };
}

/** geohashDecode over the given ranges (the caller never passes a zeroed cell). */
export function decode(lonRange: Readonly<Range>, latRange: Readonly<Range>, cell: Cell): Area {
  const [hi, lo] = words(cell.bits);
  return areaOfWords(lonRange, latRange, hi, lo, cell.step);
}

/** geohashDecodeAreaToLongLat: the centre of an area, clamped to the valid ranges. */
export function areaCentre(area: Area): [number, number] {
  let x = (area.longitude.min + area.longitude.max) / 2;
  if (x > GEO_LONG_MAX) x = GEO_LONG_MAX;
  if (x < GEO_LONG_MIN) x = GEO_LONG_MIN;
  let y = (area.latitude.min + area.latitude.max) / 2;
  if (y > GEO_LAT_MAX) y = GEO_LAT_MAX;
  if (y < GEO_LAT_MIN) y = GEO_LAT_MIN;
  return [x, y];
}

/** decodeGeohash: the [longitude, latitude] a zset score stands for (any score decodes). */
export function decodeScore(score: number): [number, number] {
  const [hi, lo] = scoreWords(score);
  return areaCentre(areaOfWords(LONG_RANGE, LAT_RANGE, hi, lo, GEO_STEP_MAX));
}

const GEO_ALPHABET = '0123456789bcdefghjkmnpqrstuvwxyz';

/** GEOHASH's 11 characters for a decoded point: re-encoded over -90..90, the 11th char '0'. */
export function geohashString(lon: number, lat: number): string {
  const cell = encode(LONG_RANGE, STANDARD_LAT_RANGE, lon, lat, GEO_STEP_MAX);
  const bits = cell === null ? 0n : cell.bits;
  let s = '';
  for (let i = 0; i < 10; i++) s += GEO_ALPHABET[Number((bits >> BigInt(52 - (i + 1) * 5)) & 0x1fn)];
  return `${s}0`;
}

// ---- neighbours ----

const EVEN = 0x5555555555555555n;
const ODD = 0xaaaaaaaaaaaaaaaan;

/** geohash_move_x / geohash_move_y: one cell east (d > 0) or west, north or south, wrapping. */
function move(cell: Cell, d: number, axis: 'x' | 'y'): Cell {
  if (d === 0) return cell;
  const shift = BigInt(64 - cell.step * 2);
  const mine = axis === 'x' ? ODD : EVEN;
  const other = axis === 'x' ? EVEN : ODD;
  let v = cell.bits & mine;
  const keep = cell.bits & other;
  const zz = other >> shift;
  if (d > 0) v = BigInt.asUintN(64, v + (zz + 1n));
  else v = BigInt.asUintN(64, (v | zz) - (zz + 1n));
  v &= mine >> shift;
  return { bits: v | keep, step: cell.step };
}

export interface Neighbours {
  north: Cell;
  south: Cell;
  east: Cell;
  west: Cell;
  northEast: Cell;
  northWest: Cell;
  southEast: Cell;
  southWest: Cell;
}

/** geohashNeighbors: the eight cells around one, at its step. */
export function neighbours(cell: Cell): Neighbours {
  const at = (dx: number, dy: number): Cell => move(move(cell, dx, 'x'), dy, 'y');
  return {
    east: at(1, 0),
    west: at(-1, 0),
    south: at(0, -1),
    north: at(0, 1),
    northWest: at(-1, 1),
    northEast: at(1, 1),
    southEast: at(1, -1),
    southWest: at(-1, -1),
  };
}

// ---- sin, cos and asin, correctly rounded (double-double arithmetic) ----

/** The rounding error of s = a + b: a + b = s + sumErr exactly (Knuth's two-sum). */
function sumErr(a: number, b: number, s: number): number {
  const bb = s - a;
  return a - (s - bb) + (b - bb);
}

/** The rounding error of p = a * b: a * b = p + prodErr exactly (Dekker: JS has no fused multiply-add). */
function prodErr(a: number, b: number, p: number): number {
  const ta = 134217729 * a;
  const ah = ta - (ta - a);
  const al = a - ah;
  const tb = 134217729 * b;
  const bh = tb - (tb - b);
  const bl = b - bh;
  return ah * bh - p + ah * bl + al * bh + al * bl;
}

/** sin(a) or cos(a) * 2^FIX for a = j / 64 (j >= 0), by the Taylor series in integers. */
function fixedSeries(j: number, cosine: boolean): bigint {
  const FIX = 140n;
  const j2 = BigInt(j * j);
  let term = cosine ? 1n << FIX : (BigInt(j) << FIX) >> 6n;
  let sum = 0n;
  for (let n = cosine ? 0n : 1n, sign = 1n; term !== 0n; n += 2n, sign = -sign) {
    sum += sign * term;
    term = (term * j2) / ((n + 1n) * (n + 2n) * 4096n);
  }
  return sum;
}

/** A value * 2^140 as the double-double nearest to it. */
function fixedToDD(v: bigint): [number, number] {
  const scale = 2 ** -140;
  const hi = Number(v) * scale;
  return [hi, Number(v - BigInt(hi / scale)) * scale];
}

/** sin and cos of j / 64 for j = 0..51 (past pi/4) as double-doubles: the kernel's breakpoints. */
const BREAKS = 52;
const SIN_HI = new Float64Array(BREAKS);
const SIN_LO = new Float64Array(BREAKS);
const COS_HI = new Float64Array(BREAKS);
const COS_LO = new Float64Array(BREAKS);
for (let j = 0; j < BREAKS; j++) {
  [SIN_HI[j], SIN_LO[j]] = fixedToDD(fixedSeries(j, false));
  [COS_HI[j], COS_LO[j]] = fixedToDD(fixedSeries(j, true));
}

/** -1/6 as a double-double. */
const SIXTH_HI = -1 / 6;
const SIXTH_LO = -(1 - 6 * (1 / 6) - prodErr(6, 1 / 6, 6 * (1 / 6))) / 6;

/** The kernel's result, hi + lo (a scratch pair, so the hot path allocates nothing). */
const out = new Float64Array(2);

/**
 * sin (or cos) of r = rh + rl, |r| <= 0.81, into out: the breakpoint a = j/64 nearest |r|, h = |r| - a
 * (|h| <= 1/128), sin h and cos h by short series whose leading terms are double-double, then the angle
 * addition formulas. The error is around 2^-90 of the result.
 */
function kernel(rh: number, rl: number, cosine: boolean): void {
  const neg = rh < 0;
  const ax = neg ? -rh : rh;
  const axl = neg ? -rl : rl;
  const j = Math.round(ax * 64);
  const h0 = ax - j / 64;
  const h = h0 + axl;
  const hl = axl - (h - h0);
  const h2 = h * h;
  const h2e = prodErr(h, h, h2);
  // h^3 as a double-double, times -1/6.
  const h3 = h2 * h;
  const h3e = prodErr(h2, h, h3) + h2e * h;
  const m = h3 * SIXTH_HI;
  const me = prodErr(h3, SIXTH_HI, m) + (h3 * SIXTH_LO + h3e * SIXTH_HI);
  const sinTail = h3 * h2 * (1 / 120 + h2 * (-1 / 5040 + h2 * (1 / 362880)));
  let s1 = h + m;
  let e1 = sumErr(h, m, s1) + (me + hl + sinTail);
  const sh = s1 + e1;
  const sl = e1 - (sh - s1);
  const half = -h2 / 2;
  s1 = 1 + half;
  const h4 = h2 * h2;
  e1 = sumErr(1, half, s1) + (-h2e / 2 + (h4 / 24) * (1 - h2 / 30 + h4 / 1680) - h * hl);
  const ch = s1 + e1;
  const cl = e1 - (ch - s1);
  let hi = cosine ? ch : sh;
  let lo = cosine ? cl : sl;
  if (j !== 0) {
    // sin(a + h) = S ch + C sh; cos(a + h) = C ch - S sh.
    const xh = cosine ? COS_HI[j] : SIN_HI[j];
    const xl = cosine ? COS_LO[j] : SIN_LO[j];
    const yh = cosine ? -SIN_HI[j] : COS_HI[j];
    const yl = cosine ? -SIN_LO[j] : COS_LO[j];
    const p = xh * ch;
    const pe = prodErr(xh, ch, p) + (xh * cl + xl * ch);
    const q = yh * sh;
    const qe = prodErr(yh, sh, q) + (yh * sl + yl * sh);
    const s = p + q;
    const e = sumErr(p, q, s) + (pe + qe);
    hi = s + e;
    lo = e - (hi - s);
  }
  const flip = neg && !cosine;
  out[0] = flip ? -hi : hi;
  out[1] = flip ? -lo : lo;
}

/** pi/2 as three doubles (159 bits), and 2/pi. */
const PIO2_1 = 1.5707963267948966;
const PIO2_2 = 6.123233995736766e-17;
const PIO2_3 = -1.4973849048591698e-33;
const TWO_OVER_PI = 0.6366197723675814;
/** Past this the reduction below loses accuracy: V8's own functions are used. */
const REDUCTION_LIMIT = 1e5;

/** sin (cos one quadrant on) of x into out, as a double-double: x = k pi/2 + r, then the kernel. */
function sinCosDD(x: number, cosine: boolean): void {
  if (Math.abs(x) <= 0.78) return kernel(x, 0, cosine);
  const k = Math.round(x * TWO_OVER_PI);
  const p = k * PIO2_1;
  const pe = prodErr(k, PIO2_1, p);
  const s = x - p; // exact (Sterbenz)
  const q = k * PIO2_2;
  const qe = prodErr(k, PIO2_2, q);
  const t = s - pe;
  const u = t - q;
  const lo = sumErr(s, -pe, t) + sumErr(t, -q, u) - qe - k * PIO2_3;
  const rh = u + lo;
  const rl = lo - (rh - u);
  const quadrant = (((k % 4) + 4) % 4) + (cosine ? 1 : 0);
  kernel(rh, rl, quadrant % 2 === 1);
  if (quadrant === 2 || quadrant === 3) {
    out[0] = -out[0];
    out[1] = -out[1];
  }
}

/** sin(x) rounded to nearest. */
export function sin(x: number): number {
  if (x === 0 || !Number.isFinite(x) || Math.abs(x) > REDUCTION_LIMIT) return Math.sin(x);
  sinCosDD(x, false);
  return out[0];
}

/** cos(x) rounded to nearest. */
export function cos(x: number): number {
  if (!Number.isFinite(x) || Math.abs(x) > REDUCTION_LIMIT) return Math.cos(x);
  sinCosDD(x, true);
  return out[0];
}

/**
 * asin(y) rounded to nearest: one Newton step on sin, in double-double, from V8's value (within an ulp,
 * so the step's quadratic error stays far below the last bit even next to 1).
 */
export function asin(y: number): number {
  if (y === 0 || Number.isNaN(y) || y >= 1 || y <= -1) return Math.asin(y);
  const t = Math.asin(y);
  sinCosDD(t, false);
  const d = out[0] - y + out[1]; // out[0] - y is exact: sin(t) is within an ulp or two of y
  const step = d / Math.cos(t);
  return t - step;
}

// ---- the search ----

/** geohashEstimateStepsByRadius: the step whose cells are about the size of the radius. */
export function estimateStepsByRadius(rangeMeters: number, lat: number): number {
  if (rangeMeters === 0) return 26;
  let step = 1;
  let range = rangeMeters;
  while (range < MERCATOR_MAX) {
    range *= 2;
    step++;
  }
  step -= 2;
  if (lat > 66 || lat < -66) {
    step--;
    if (lat > 80 || lat < -80) step--;
  }
  if (step < 1) step = 1;
  if (step > 26) step = 26;
  return step;
}

const degRad = (ang: number): number => ang * D_R;
const radDeg = (ang: number): number => ang / D_R;

/** geohashBoundingBox: [min lon, min lat, max lon, max lat] of the shape, widest at the pole side. */
export function boundingBox(shape: GeoShape): [number, number, number, number] {
  const { lon, lat } = shape;
  const height = shape.conversion * (shape.type === 'radius' ? shape.radius : shape.height / 2);
  const width = shape.conversion * (shape.type === 'radius' ? shape.radius : shape.width / 2);
  const latDelta = radDeg(height / EARTH_RADIUS_IN_METERS);
  const lonDeltaTop = radDeg(width / EARTH_RADIUS_IN_METERS / cos(degRad(lat + latDelta)));
  const lonDeltaBottom = radDeg(width / EARTH_RADIUS_IN_METERS / cos(degRad(lat - latDelta)));
  const southern = lat < 0;
  const minLon = southern ? lon - lonDeltaBottom : lon - lonDeltaTop;
  const maxLon = southern ? lon + lonDeltaBottom : lon + lonDeltaTop;
  return [minLon, lat - latDelta, maxLon, lat + latDelta];
}

/** The radius geohashCalculateAreasByShapeWGS84 sizes the cells by: the circle's, or the box's half diagonal. */
function shapeRadiusMeters(shape: GeoShape): number {
  const r =
    shape.type === 'radius'
      ? shape.radius
      : Math.sqrt((shape.width / 2) * (shape.width / 2) + (shape.height / 2) * (shape.height / 2));
  return r * shape.conversion;
}

/** The centre cell, its neighbours and its area at a step. */
function cellsAt(lon: number, lat: number, step: number): { hash: Cell; near: Neighbours; area: Area } {
  // The centre is a valid point, so it always encodes.
  const hash = encode(LONG_RANGE, LAT_RANGE, lon, lat, step) ?? { bits: 0n, step };
  return { hash, near: neighbours(hash), area: decode(LONG_RANGE, LAT_RANGE, hash) };
}

/**
 * geohashCalculateAreasByShapeWGS84 with membersOfAllNeighbors' order: the cells to scan, as
 * [centre, N, S, E, W, NE, NW, SE, SW], null for a neighbour left out because the shape cannot reach it.
 */
export function searchCells(shape: GeoShape): Array<Cell | null> {
  const [minLon, minLat, maxLon, maxLat] = boundingBox(shape);
  let steps = estimateStepsByRadius(shapeRadiusMeters(shape), shape.lat);
  let { hash, near, area } = cellsAt(shape.lon, shape.lat, steps);
  const north = decode(LONG_RANGE, LAT_RANGE, near.north);
  const south = decode(LONG_RANGE, LAT_RANGE, near.south);
  const east = decode(LONG_RANGE, LAT_RANGE, near.east);
  const west = decode(LONG_RANGE, LAT_RANGE, near.west);
  const decrease =
    north.latitude.max < maxLat ||
    south.latitude.min > minLat ||
    east.longitude.max < maxLon ||
    west.longitude.min > minLon;
  if (steps > 1 && decrease) {
    steps--;
    ({ hash, near, area } = cellsAt(shape.lon, shape.lat, steps));
  }
  const cells: Record<keyof Neighbours, Cell | null> = { ...near };
  if (steps >= 2) {
    if (area.latitude.min < minLat) cells.south = cells.southWest = cells.southEast = null;
    if (area.latitude.max > maxLat) cells.north = cells.northEast = cells.northWest = null;
    if (area.longitude.min < minLon) cells.west = cells.southWest = cells.northWest = null;
    if (area.longitude.max > maxLon) cells.east = cells.southEast = cells.northEast = null;
  }
  return [
    hash,
    cells.north,
    cells.south,
    cells.east,
    cells.west,
    cells.northEast,
    cells.northWest,
    cells.southEast,
    cells.southWest,
  ];
}

/** scoresOfGeoHashBox: the scores [min, max) of the points inside a cell, as the doubles C compares. */
export function cellScoreRange(cell: Cell): [number, number] {
  const min = align52(cell);
  const max = align52({ bits: cell.bits + 1n, step: cell.step });
  return [Number(min), Number(max)];
}

// ---- distances ----

/** geohashGetLatDistance: meters between two latitudes on one meridian. */
export function latDistance(lat1d: number, lat2d: number): number {
  return EARTH_RADIUS_IN_METERS * Math.abs(degRad(lat2d) - degRad(lat1d));
}

/** geohashGetDistance: the haversine distance in meters (one meridian: the latitude distance). */
export function distance(lon1d: number, lat1d: number, lon2d: number, lat2d: number): number {
  const lon1r = degRad(lon1d);
  const lon2r = degRad(lon2d);
  const v = sin((lon2r - lon1r) / 2);
  if (v === 0) return latDistance(lat1d, lat2d);
  const lat1r = degRad(lat1d);
  const lat2r = degRad(lat2d);
  const u = sin((lat2r - lat1r) / 2);
  const a = u * u + cos(lat1r) * cos(lat2r) * v * v;
  return 2.0 * EARTH_RADIUS_IN_METERS * asin(Math.sqrt(a));
}

/**
 * geoWithinShape's test for a point (lon, lat): its distance from the shape's centre when inside
 * (a NaN distance counts as inside, as in C), else null.
 */
export function distanceIfWithin(shape: GeoShape, lon: number, lat: number): number | null {
  if (shape.type === 'radius') {
    const d = distance(shape.lon, shape.lat, lon, lat);
    return d > shape.radius * shape.conversion ? null : d;
  }
  const widthM = shape.width * shape.conversion;
  const heightM = shape.height * shape.conversion;
  if (latDistance(lat, shape.lat) > heightM / 2) return null;
  if (distance(lon, lat, shape.lon, lat) > widthM / 2) return null;
  return distance(shape.lon, shape.lat, lon, lat);
}
