// Unit tests for the geo commands against TestCtx: numbers printed as redis-server prints them
// (fixedpoint_d2string distances, %.17Lf positions, %f in the invalid-pair error), arguments read as
// C's strtod reads them, the sorts (glibc's stable merge sort, Redis's pqsort), GEOADD run and
// propagated as ZADD, the search replies and STORE's events. test/geo.test.ts compares the same
// commands with redis-server byte for byte.
import {
  commands as geo,
  formatDistance,
  formatF,
  humanDouble,
  mergeSort,
  parseDouble,
  partialSort,
} from './geo.js';
import { commands as zset } from './zset.js';
import { TestCtx } from './testing.js';
import { NOTIFY_ALL } from '../config/notify-classes.js';

function ctx(): TestCtx {
  const c = new TestCtx([...geo, ...zset]);
  c.host.notifyFlags = NOTIFY_ALL;
  return c;
}

describe('numbers as Redis prints them', () => {
  test('distances: llrint(d * 10000) with four decimals', () => {
    expect(formatDistance(0)).toBe('0.0000');
    expect(formatDistance(-0)).toBe('0.0000');
    expect(formatDistance(166274.15156960033)).toBe('166274.1516');
    // Halves of the (rounded) product go to even; 0.00015 * 10000 is 1.4999999999999998.
    expect(formatDistance(0.00025)).toBe('0.0002');
    expect(formatDistance(0.00035)).toBe('0.0004');
    expect(formatDistance(2.00005)).toBe('2.0000');
    expect(formatDistance(0.00015)).toBe('0.0001');
    expect(formatDistance(0.0123)).toBe('0.0123');
    expect(formatDistance(1.5)).toBe('1.5000');
    expect(formatDistance(NaN)).toBe('-922337203685477.5808');
  });

  test('positions: %.17Lf with trailing zeros trimmed, -0 as 0', () => {
    expect(humanDouble(13.361389338970184)).toBe('13.36138933897018433');
    expect(humanDouble(180)).toBe('180');
    expect(humanDouble(85.05112878)).toBe('85.0511287799999991');
    expect(humanDouble(-0)).toBe('0');
    expect(humanDouble(-1e-30)).toBe('0');
    expect(humanDouble(0.5)).toBe('0.5');
    expect(humanDouble(Infinity)).toBe('inf');
  });

  test('%f: six decimals, ties to even on the exact value, -0 signed', () => {
    expect(formatF(200)).toBe('200.000000');
    expect(formatF(-0)).toBe('-0.000000');
    expect(formatF(0.0000005)).toBe('0.000000'); // just below the midpoint as a double
    expect(formatF(1 / 128)).toBe('0.007812'); // an exact tie: to even
    expect(formatF(3 / 128)).toBe('0.023438');
    expect(formatF(1e22)).toBe('10000000000000000000000.000000');
    expect(formatF(-Infinity)).toBe('-inf');
  });

  test('double arguments as getDoubleFromObject reads them', () => {
    expect(parseDouble('1.5')).toBe(1.5);
    expect(parseDouble('-.5e1')).toBe(-5);
    expect(parseDouble('0x10')).toBe(16);
    expect(parseDouble('0x1.8p1')).toBe(3);
    expect(parseDouble('inf')).toBe(Infinity);
    expect(parseDouble('-Infinity')).toBe(-Infinity);
    expect(parseDouble('1e-310')).toBe(1e-310);
    for (const bad of ['', ' 1', '1 ', 'nan', '1e', '1e400', '1e-400', '0x', 'abc', '1,5']) {
      expect(parseDouble(bad)).toBeNull();
    }
  });
});

describe('sorting as the C library does', () => {
  const cmp = (a: { d: number }, b: { d: number }): number => (a.d > b.d ? 1 : a.d === b.d ? 0 : -1);

  test('the merge sort is stable', () => {
    const a = [3, 1, 2, 1, 3, 1].map((d, i) => ({ d, i }));
    mergeSort(a, cmp);
    expect(a.map((x) => x.i)).toEqual([1, 3, 5, 2, 0, 4]);
  });

  test('pqsort puts the smallest first, ties in its own order', () => {
    const values = Array.from({ length: 200 }, (_, i) => (i * 37) % 11);
    const a = values.map((d, i) => ({ d, i }));
    partialSort(a, cmp, 0, 9);
    const sorted = [...values].sort((x, y) => x - y);
    expect(a.slice(0, 10).map((x) => x.d)).toEqual(sorted.slice(0, 10));
    const b = values.map((d, i) => ({ d, i }));
    partialSort(b, cmp, 0, b.length - 1);
    expect(b.map((x) => x.d)).toEqual(sorted);
  });
});

describe('commands', () => {
  test('GEOADD runs as ZADD: reply, events and what is propagated', () => {
    const c = ctx();
    expect(
      c.run('GEOADD', 'k', '13.361389', '38.115556', 'Palermo', '15.087269', '37.502669', 'Catania'),
    ).toBe(2);
    expect(c.propagated).toEqual([
      ['zadd', 'k', '3479099956230698', 'Palermo', '3479447370796909', 'Catania'],
    ]);
    expect(c.eventNames()).toEqual(['zadd:k']);
    expect(c.run('GEOADD', 'k', 'ch', 'XX', '15', '37', 'Catania', '1', '1', 'new')).toBe(1);
    expect(c.propagated).toEqual([
      ['zadd', 'k', 'ch', 'XX', '3476504601741708', 'Catania', '3377822707026402', 'new'],
    ]);
    expect(c.run('ZSCORE', 'k', 'new')).toBeNull();
    expect(c.run('GEOADD', 'k', 'NX', 'XX', '1', '1', 'x')).toEqual({ error: 'ERR syntax error' });
    expect(c.run('GEOADD', 'k', '1', '1', 'x', '2')).toEqual({ error: 'ERR syntax error' });
    expect(c.run('GEOADD', 'k', 'NX', 'CH', 'ch')).toEqual({ error: 'ERR syntax error' });
    expect(c.run('GEOADD', 'k', '1', 'x', 'm')).toEqual({ error: 'ERR value is not a valid float' });
    expect(c.run('GEOADD', 'k', '1', '86', 'm')).toEqual({
      error: 'ERR invalid longitude,latitude pair 1.000000,86.000000',
    });
  });

  test('GEOPOS, GEODIST, GEOHASH', () => {
    const c = ctx();
    c.run('GEOADD', 'k', '13.361389', '38.115556', 'Palermo', '15.087269', '37.502669', 'Catania');
    expect(c.run('GEOPOS', 'k', 'Palermo', 'nope')).toEqual([
      ['13.36138933897018433', '38.11555639549629859'],
      null,
    ]);
    expect(c.run('GEODIST', 'k', 'Palermo', 'Catania')).toBe('166274.1516');
    expect(c.run('GEODIST', 'k', 'Palermo', 'Catania', 'KM')).toBe('166.2742');
    expect(c.run('GEODIST', 'k', 'Palermo', 'nope')).toBeNull();
    expect(c.run('GEODIST', 'missing', 'a', 'b', 'parsecs')).toEqual({
      error: 'ERR unsupported unit provided. please use M, KM, FT, MI',
    });
    expect(c.run('GEODIST', 'k', 'a', 'b', 'km', 'x')).toEqual({ error: 'ERR syntax error' });
    expect(c.run('GEOHASH', 'k', 'Palermo', 'nope')).toEqual(['sqc8b49rny0', null]);
    expect(c.run('GEOHASH', 'missing', 'a')).toEqual([null]);
  });

  test('GEOSEARCH replies and option errors', () => {
    const c = ctx();
    c.run('GEOADD', 'k', '13.361389', '38.115556', 'Palermo', '15.087269', '37.502669', 'Catania');
    expect(c.run('GEOSEARCH', 'k', 'FROMLONLAT', '15', '37', 'BYRADIUS', '200', 'km', 'ASC')).toEqual([
      'Catania',
      'Palermo',
    ]);
    expect(
      c.run(
        'GEOSEARCH',
        'k',
        'FROMMEMBER',
        'Palermo',
        'BYBOX',
        '400',
        '400',
        'km',
        'WITHDIST',
        'WITHHASH',
        'DESC',
      ),
    ).toEqual([
      ['Catania', '166.2742', 3479447370796909],
      ['Palermo', '0.0000', 3479099956230698],
    ]);
    expect(c.run('GEOSEARCH', 'k', 'FROMLONLAT', '15', '37', 'BYRADIUS', '1', 'm')).toEqual([]);
    expect(c.run('GEOSEARCH', 'k', 'FROMLONLAT', '15', '37', 'WITHDIST', 'ASC')).toEqual({
      error: 'ERR exactly one of BYRADIUS and BYBOX can be specified for GEOSEARCH',
    });
    expect(c.run('geosearch', 'k', 'BYRADIUS', '1', 'm', 'ASC', 'ASC')).toEqual({
      error: 'ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for geosearch',
    });
    expect(c.run('GEOSEARCH', 'k', 'FROMMEMBER', 'x', 'FROMLONLAT', '1', '1', 'BYRADIUS', '1', 'm')).toEqual({
      error: 'ERR could not decode requested zset member',
    });
    expect(
      c.run('GEOSEARCH', 'k', 'FROMMEMBER', 'Palermo', 'FROMLONLAT', '1', '1', 'BYRADIUS', '1', 'm'),
    ).toEqual({
      error: 'ERR syntax error',
    });
    expect(c.run('GEOSEARCH', 'k', 'FROMLONLAT', '1', '1', 'BYRADIUS', '1', 'm', 'ANY')).toEqual({
      error: 'ERR the ANY argument requires COUNT argument',
    });
    expect(c.run('GEOSEARCH', 'k', 'FROMLONLAT', '1', '1', 'BYRADIUS', '1', 'm', 'COUNT', '0')).toEqual({
      error: 'ERR COUNT must be > 0',
    });
    expect(c.run('GEOSEARCH', 'k', 'FROMLONLAT', '1', '1', 'BYBOX', '1', '-1', 'm')).toEqual({
      error: 'ERR height or width cannot be negative',
    });
    expect(c.run('GEOSEARCH', 'k', 'FROMLONLAT', '1', '1', 'BYRADIUS', 'x', 'm')).toEqual({
      error: 'ERR need numeric radius',
    });
    expect(c.run('GEOSEARCH', 'k', 'FROMLONLAT', '1', '1', 'BYRADIUS', '1', 'm', 'STOREDIST')).toEqual({
      error: 'ERR syntax error',
    });
    expect(c.run('GEOSEARCH', 'missing', 'FROMMEMBER', 'x', 'BYRADIUS', '1', 'm')).toEqual([]);
  });

  test('COUNT ANY stops at the first matches found, in scan order', () => {
    const c = ctx();
    c.run('GEOADD', 'k', '1', '1', 'a', '1.001', '1', 'b', '1.002', '1', 'c');
    expect(c.run('GEOSEARCH', 'k', 'FROMLONLAT', '1.002', '1', 'BYRADIUS', '10', 'km', 'COUNT', '1')).toEqual(
      ['c'],
    );
    expect(
      c.run('GEOSEARCH', 'k', 'FROMLONLAT', '1.002', '1', 'BYRADIUS', '10', 'km', 'COUNT', '1', 'ANY'),
    ).toEqual(['a']);
  });

  test('GEORADIUS STORE / STOREDIST, the _RO variants refuse them', () => {
    const c = ctx();
    c.run('GEOADD', 'k', '13.361389', '38.115556', 'Palermo', '15.087269', '37.502669', 'Catania');
    expect(c.run('GEORADIUS', 'k', '15', '37', '200', 'km', 'STORE', 'd')).toBe(2);
    expect(c.eventNames()).toEqual(['georadiusstore:d']);
    expect(c.run('ZRANGE', 'd', '0', '-1', 'WITHSCORES')).toEqual([
      'Palermo',
      '3479099956230698',
      'Catania',
      '3479447370796909',
    ]);
    expect(c.run('GEORADIUSBYMEMBER', 'k', 'Palermo', '200', 'km', 'STOREDIST', 'd')).toBe(2);
    expect(c.run('ZSCORE', 'd', 'Catania')).toEqual({ double: 166.27415156960032 });
    expect(c.run('GEOSEARCHSTORE', 'd', 'k', 'FROMLONLAT', '0', '0', 'BYRADIUS', '1', 'km')).toBe(0);
    expect(c.eventNames()).toEqual(['del:d']);
    expect(
      c.run('GEOSEARCHSTORE', 'd', 'k', 'FROMLONLAT', '15', '37', 'BYRADIUS', '200', 'km', 'STOREDIST'),
    ).toBe(2);
    expect(c.eventNames()).toEqual(['geosearchstore:d']);
    expect(c.run('GEORADIUS_RO', 'k', '15', '37', '200', 'km', 'STORE', 'd')).toEqual({
      error: 'ERR syntax error',
    });
    expect(c.run('GEORADIUSBYMEMBER_RO', 'k', 'Palermo', '1', 'km', 'STOREDIST', 'd')).toEqual({
      error: 'ERR syntax error',
    });
    expect(c.run('GEORADIUS', 'k', '15', '37', '200', 'km', 'STORE', 'd', 'WITHDIST')).toEqual({
      error: 'ERR STORE option in GEORADIUS is not compatible with WITHDIST, WITHHASH and WITHCOORD options',
    });
    expect(c.run('GEORADIUSBYMEMBER', 'missing', 'x', 'not-a-number', 'parsecs', 'STORE', 'd')).toBe(0);
    expect(c.eventNames()).toEqual(['del:d']);
  });
});
