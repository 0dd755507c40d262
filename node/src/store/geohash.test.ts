// Unit tests for the geohash arithmetic against values redis-server 7.0.15 gives (GEOADD scores, GEOPOS
// positions, GEOHASH strings, the decoding of arbitrary scores), the neighbour and search-cell logic by
// their invariants, the step estimate, and sin / cos / asin rounded as glibc rounds them (values that
// glibc and a 113-bit libquadmath agree on, where V8's Math functions are one ulp off).
import {
  GEO_LAT_MAX,
  GEO_LAT_MIN,
  LAT_RANGE,
  LONG_RANGE,
  align52,
  asin,
  boundingBox,
  cellScoreRange,
  cos,
  decode,
  decodeScore,
  deinterleave,
  distance,
  distanceIfWithin,
  encode,
  encodeWGS84,
  estimateStepsByRadius,
  geohashString,
  interleave,
  latDistance,
  neighbours,
  scoreOf,
  scoreToUint64,
  searchCells,
  sin,
  type GeoShape,
} from './geohash.js';

/** A seeded generator (mulberry32), so the property tests repeat. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = seeded(20261207);

/** A score as ZADD stores it (the decimal GEOADD passes on, parsed). */
const score = (lon: number, lat: number): number => Number(scoreOf(lon, lat));

describe('encoding and decoding (as GEOADD / GEOPOS / GEOHASH)', () => {
  test('scores, positions and geohash strings of redis-server', () => {
    expect(scoreOf(13.361389, 38.115556)).toBe(3479099956230698n);
    expect(scoreOf(15.087269, 37.502669)).toBe(3479447370796909n);
    expect(decodeScore(3479099956230698)).toEqual([13.36138933897018433, 38.11555639549629859]);
    expect(decodeScore(3479447370796909)).toEqual([15.08726745843887329, 37.50266842333162032]);
    expect(geohashString(...decodeScore(3479099956230698))).toBe('sqc8b49rny0');
  });

  test('the limits: -180 / 180 and the Mercator latitudes, out of range refused', () => {
    expect(scoreOf(-180, GEO_LAT_MIN)).toBe(0n);
    // The maximum coordinates overflow their 26 bits, as in C (lat: bit 52, lon: bit 53).
    expect(scoreOf(-180, GEO_LAT_MAX)).toBe(1n << 52n);
    expect(scoreOf(180, GEO_LAT_MIN)).toBe(1n << 53n);
    expect(scoreOf(180.0000001, 0)).toBeNull();
    expect(scoreOf(0, 85.06)).toBeNull();
    expect(encode(LONG_RANGE, LAT_RANGE, 0, 0, 0)).toBeNull();
    expect(encode(LONG_RANGE, LAT_RANGE, 0, 0, 33)).toBeNull();
  });

  test('interleaving: latitude on the even bits, longitude on the odd ones', () => {
    expect(interleave(1, 0)).toEqual([0, 1]);
    expect(interleave(0, 1)).toEqual([0, 2]);
    expect(interleave(0x10000, 0)).toEqual([1, 0]);
    expect(interleave(0xffffffff, 0xffffffff)).toEqual([0xffffffff, 0xffffffff]);
    for (const [a, b] of [
      [0, 0],
      [12345, 67890],
      [0xffffffff, 1],
      [0x3ffffff, 0x2aaaaaa],
    ]) {
      expect(deinterleave(...interleave(a, b))).toEqual([a, b]);
    }
  });

  test('(uint64_t) of a score as x86-64 converts it', () => {
    expect(scoreToUint64(1.5)).toBe(1n);
    expect(scoreToUint64(-0.5)).toBe(0n);
    expect(scoreToUint64(-1)).toBe(2n ** 64n - 1n);
    expect(scoreToUint64(Infinity)).toBe(0n);
    expect(scoreToUint64(-Infinity)).toBe(1n << 63n);
    expect(scoreToUint64(1e19)).toBe(10000000000000000000n);
    expect(scoreToUint64(2e19)).toBe(0n);
    expect(scoreToUint64(-1e19)).toBe(1n << 63n);
  });

  test('any score decodes, clamped to the valid ranges (GEOPOS on plain ZADD scores)', () => {
    const corner = -179.99999731779098511;
    const low = -85.05112751263942528;
    expect(decodeScore(-1)).toEqual([180, GEO_LAT_MAX]);
    expect(decodeScore(1.5)).toEqual([corner, -85.05112497791824921]);
    expect(decodeScore(Infinity)).toEqual([corner, low]);
    expect(decodeScore(-Infinity)).toEqual([180, low]);
    expect(decodeScore(2 ** 52)).toEqual([corner, GEO_LAT_MAX]);
    expect(decodeScore(2 ** 52 - 1)).toEqual([-corner, -low]);
    expect(decodeScore(2 ** 53)).toEqual([180, low]);
    expect(geohashString(...decodeScore(-1))).toBe('bp05b5048p0');
    expect(geohashString(...decodeScore(2 ** 52 - 1))).toBe('zzpgzgpfxz0');
  });

  test('a decoded point re-encodes to its own cell', () => {
    for (let i = 0; i < 500; i++) {
      const lon = random() * 360 - 180;
      const lat = random() * 170 - 85;
      const s = score(lon, lat);
      expect(score(...decodeScore(s))).toBe(s);
    }
  });
});

describe('cells and neighbours', () => {
  test('neighbours touch the cell on each side, and wrap at the antimeridian', () => {
    const cell = encodeWGS84(10, 20, 8);
    if (cell === null) throw new Error('no cell');
    const a = decode(LONG_RANGE, LAT_RANGE, cell);
    const n = neighbours(cell);
    const at = (c: typeof cell) => decode(LONG_RANGE, LAT_RANGE, c);
    expect(at(n.east).longitude.min).toBe(a.longitude.max);
    expect(at(n.west).longitude.max).toBe(a.longitude.min);
    expect(at(n.north).latitude.min).toBe(a.latitude.max);
    expect(at(n.south).latitude.max).toBe(a.latitude.min);
    expect(at(n.northEast)).toEqual({ longitude: at(n.east).longitude, latitude: at(n.north).latitude });
    expect(at(n.southWest)).toEqual({ longitude: at(n.west).longitude, latitude: at(n.south).latitude });
    const edge = encodeWGS84(-180, 0, 8);
    if (edge === null) throw new Error('no cell');
    expect(at(neighbours(edge).west).longitude.max).toBe(180);
  });

  test('a cell spans the scores of the points inside it', () => {
    const cell = encodeWGS84(2.35, 48.85, 12);
    if (cell === null) throw new Error('no cell');
    const [min, max] = cellScoreRange(cell);
    expect(max - min).toBe(2 ** (52 - 24));
    expect(Number(align52(cell))).toBe(min);
    const s = score(2.35, 48.85);
    expect(s >= min && s < max).toBe(true);
  });

  test('estimated steps (geohashEstimateStepsByRadius)', () => {
    expect(estimateStepsByRadius(0, 0)).toBe(26);
    expect(estimateStepsByRadius(1e-9, 0)).toBe(26);
    expect(estimateStepsByRadius(1000, 0)).toBe(14);
    expect(estimateStepsByRadius(1000, 70)).toBe(13);
    expect(estimateStepsByRadius(1000, -85)).toBe(12);
    expect(estimateStepsByRadius(5e6, 0)).toBe(2);
    expect(estimateStepsByRadius(3e7, 0)).toBe(1);
    expect(estimateStepsByRadius(Infinity, 0)).toBe(1);
  });

  test('the bounding box widens towards the pole side', () => {
    const [minLon, minLat, maxLon, maxLat] = boundingBox({
      type: 'radius',
      lon: 0,
      lat: 60,
      conversion: 1000,
      radius: 100,
    });
    expect(maxLat - 60).toBeCloseTo(0.899, 3);
    expect(60 - minLat).toBeCloseTo(0.899, 3);
    expect(maxLon).toBeCloseTo(-minLon, 12);
    expect(maxLon).toBeGreaterThan(radiansToDeg(100000 / 6372797.560856 / Math.cos((60 * Math.PI) / 180)));
  });

  test('every point of a shape lies in one of its search cells', () => {
    const shapes: GeoShape[] = [
      { type: 'radius', lon: 13.4, lat: 52.5, conversion: 1000, radius: 30 },
      { type: 'radius', lon: 179.99, lat: 0, conversion: 1, radius: 5000 },
      { type: 'radius', lon: 0, lat: 84.9, conversion: 1000, radius: 200 },
      { type: 'box', lon: -73.98, lat: 40.75, conversion: 1609.34, width: 10, height: 40 },
      { type: 'box', lon: -180, lat: -60, conversion: 1000, width: 2000, height: 300 },
      { type: 'radius', lon: 10, lat: 10, conversion: 1000, radius: 9000 },
    ];
    for (const shape of shapes) {
      const ranges = searchCells(shape)
        .filter((c) => c !== null)
        .map(cellScoreRange);
      let inside = 0;
      const half = shape.type === 'radius' ? shape.radius : Math.max(shape.width, shape.height) / 2;
      const spread = Math.min(90, ((half * shape.conversion) / 111000) * 3);
      for (let i = 0; i < 3000; i++) {
        const lon = shape.lon + (random() - 0.5) * 2 * spread;
        const lat = Math.max(-85, Math.min(85, shape.lat + (random() - 0.5) * spread));
        const wrapped = ((((lon + 180) % 360) + 360) % 360) - 180;
        const s = score(wrapped, lat);
        if (distanceIfWithin(shape, ...decodeScore(s)) === null) continue;
        inside++;
        expect(ranges.some(([min, max]) => s >= min && s < max)).toBe(true);
      }
      expect(inside).toBeGreaterThan(0);
    }
  });

  test('a whole-earth radius scans the 2 x 2 cells of step 1 once each', () => {
    const cells = searchCells({ type: 'radius', lon: 1, lat: 1, conversion: 1000, radius: 30000 });
    expect(cells.every((c) => c !== null && c.step === 1)).toBe(true);
    const distinct = new Set(cells.map((c) => c?.bits));
    expect(distinct.size).toBe(4);
  });
});

function radiansToDeg(r: number): number {
  return r / (Math.PI / 180);
}

describe('distances', () => {
  test('GEODIST Palermo Catania, symmetric, zero on the same point', () => {
    const p = decodeScore(3479099956230698);
    const c = decodeScore(3479447370796909);
    expect(distance(...p, ...c)).toBeCloseTo(166274.1516, 4);
    expect(distance(...p, ...c)).toBe(distance(...c, ...p));
    expect(distance(...p, ...p)).toBe(0);
  });

  test('one meridian: the latitude distance, exactly', () => {
    expect(distance(5, 10, 5, 20)).toBe(latDistance(10, 20));
    expect(latDistance(20, 10)).toBe(latDistance(10, 20));
    expect(distance(0, -85, 180, -85)).toBeCloseTo(distance(0, -85, 0, -90) * 2, 0);
  });

  test('inside a radius or a box, on the boundary included', () => {
    const d = distance(0, 0, 1, 0);
    expect(distanceIfWithin({ type: 'radius', lon: 0, lat: 0, conversion: 1, radius: d }, 1, 0)).toBe(d);
    expect(
      distanceIfWithin({ type: 'radius', lon: 0, lat: 0, conversion: 1, radius: d * 0.999 }, 1, 0),
    ).toBeNull();
    const box = { type: 'box', lon: 0, lat: 0, conversion: 1000, width: 250, height: 50 } as const;
    expect(distanceIfWithin(box, 1, 0.1)).toBe(distance(0, 0, 1, 0.1));
    expect(distanceIfWithin(box, 0.1, 1)).toBeNull();
    expect(distanceIfWithin(box, 1.2, 0)).toBeNull();
  });
});

describe('sin, cos and asin as glibc rounds them', () => {
  test('values where V8 is one ulp away', () => {
    const cases: Array<[(x: number) => number, (x: number) => number, number, number]> = [
      [sin, Math.sin, 1.0245119999999999, 0.8544607674548471],
      [sin, Math.sin, 0.805911, 0.7214617681306413],
      [cos, Math.cos, 1.0245119999999999, 0.5195159255311367],
      [cos, Math.cos, 1.093434, 0.4594379691416975],
      [asin, Math.asin, 0.410834, 0.423368638252268],
      [asin, Math.asin, 0.983728, 1.3901512484849554],
    ];
    for (const [ours, v8, x, glibc] of cases) {
      expect(ours(x)).toBe(glibc);
      expect(v8(x)).not.toBe(glibc);
    }
  });

  test('agree with V8 to an ulp everywhere, exact at the special values', () => {
    for (let i = 0; i < 20000; i++) {
      const x = (random() - 0.5) * 7;
      expect(Math.abs(sin(x) - Math.sin(x))).toBeLessThanOrEqual(2 ** -52);
      expect(Math.abs(cos(x) - Math.cos(x))).toBeLessThanOrEqual(2 ** -52);
      const y = random() * 2 - 1;
      expect(Math.abs(asin(y) - Math.asin(y))).toBeLessThanOrEqual(2 ** -51);
    }
    expect(Object.is(sin(-0), -0)).toBe(true);
    expect(cos(0)).toBe(1);
    expect(asin(1)).toBe(Math.PI / 2);
    expect(asin(-1)).toBe(-Math.PI / 2);
    expect(asin(1 + 2 ** -52)).toBeNaN();
    expect(sin(1e6)).toBe(Math.sin(1e6));
  });

  test('pi/2 in three parts is pi/2 to 159 bits', () => {
    // pi by Machin's formula in 200-bit fixed point.
    const ONE = 1n << 200n;
    const atanInv = (n: bigint): bigint => {
      let sum = 0n;
      let power = ONE / n;
      for (let k = 1n, sign = 1n; power !== 0n; k += 2n, sign = -sign) {
        sum += (sign * power) / k;
        power /= n * n;
      }
      return sum;
    };
    const halfPi = (16n * atanInv(5n) - 4n * atanInv(239n)) / 2n;
    const parts = [1.5707963267948966, 6.123233995736766e-17, -1.4973849048591698e-33];
    const exact = (d: number): bigint => {
      const scaled = d * 2 ** 200;
      return BigInt(scaled);
    };
    const sum = exact(parts[0]) + exact(parts[1]) + exact(parts[2]);
    expect(Number(halfPi - sum)).toBeLessThan(2 ** 42);
  });
});
