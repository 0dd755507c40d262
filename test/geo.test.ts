// Integration, side by side with redis-server 7.0.15: geo commands, differentially. The same commands go
// to Debian's redis-server and to tsredis-server over raw RESP and the replies are compared byte for
// byte, in RESP2 and RESP3: GEOADD (NX / XX / CH, every argument error), GEOPOS, GEODIST in every unit,
// GEOHASH, GEOSEARCH / GEOSEARCHSTORE and GEORADIUS[BYMEMBER][_RO] with all their options and errors,
// positions at the limits (the Mercator latitudes, -180 / 180, the antimeridian), tiny and huge radii and
// boxes, plain ZADD scores read as positions, COMMAND INFO of each; then a seeded randomized
// differential (GEO_SEED overrides the seed) of thousands of points and hundreds of queries, keyspace
// events, and what a replica receives (GEOADD arrives as ZADD). The order of a search without ASC / DESC
// is not documented but deterministic (the nine cells in a fixed order, each in score order): it is
// compared as is. One difference is normalised: stored distances (STOREDIST) are compared to 12
// significant digits, because glibc's sin / cos / asin are not correctly rounded for about 0.15% of
// arguments while tsredis's are, so about one stored distance in several hundred differs in its last bit.
import * as fs from 'node:fs';
import { startRedis, startTsredis, type RunningServer } from './helpers/procs.js';
import { Conn, sleep, synthetic, type Arg, type Node } from './helpers/raw-resp.js';
import { Diffs, runCases, type Case, type Pair, type Step } from './helpers/differential.js';
import { ReplicaTap } from './helpers/replica-tap.js';
import { compareKeyspaceEvents } from './helpers/side-effects.js';
import { rng } from './helpers/dataset.js';
import { Gen } from './helpers/gen.js';

const started: RunningServer[] = [];
let P: Pair;

beforeAll(async () => {
  const [R, T] = await Promise.all([startRedis([]), startTsredis(['--save', '', '--appendonly', 'no'])]);
  started.push(R, T);
  P = { R, T };
});

afterAll(async () => {
  const all = started.splice(0);
  await Promise.all(all.map((s) => s.stop('SIGKILL')));
  for (const s of all) fs.rmSync(s.dir, { recursive: true, force: true });
});

async function runGroup(name: string, cases: Case[]): Promise<void> {
  const diffs = new Diffs();
  await runCases(P, cases, diffs);
  diffs.assertNone(name);
}

const withResp3 = (cases: Case[]): Case[] => [
  ...cases,
  ...cases.map((c) => ({ ...c, name: `${c.name} (RESP3)`, resp3: true })),
];

const SICILY: Arg[] = [
  'GEOADD',
  'Sicily',
  '13.361389',
  '38.115556',
  'Palermo',
  '15.087269',
  '37.502669',
  'Catania',
];
const CITIES: Arg[] = [
  'GEOADD',
  'cities',
  '2.3522',
  '48.8566',
  'Paris',
  '-0.1276',
  '51.5072',
  'London',
  '13.4050',
  '52.5200',
  'Berlin',
  '-74.0060',
  '40.7128',
  'NewYork',
  '139.6917',
  '35.6895',
  'Tokyo',
  '151.2093',
  '-33.8688',
  'Sydney',
  '-58.3816',
  '-34.6037',
  'BuenosAires',
  '174.7633',
  '-36.8485',
  'Auckland',
  '-149.9003',
  '61.2181',
  'Anchorage',
  '179.9999',
  '-16.5',
  'Fiji',
  '-179.9999',
  '-16.6',
  'FijiWest',
  '0',
  '0',
  'NullIsland',
  '2.3522',
  '48.8566',
  'ParisTwin',
];

const CASES: Case[] = [
  {
    name: 'GEOADD: options, replies, errors',
    steps: [
      SICILY,
      SICILY,
      ['GEOADD', 'Sicily', 'CH', '13.361389', '38.115556', 'Palermo', '15', '37', 'Catania'],
      ['GEOADD', 'Sicily', 'ch', 'xx', '13', '38', 'Palermo', '1', '1', 'new'],
      ['GEOADD', 'Sicily', 'NX', '1', '1', 'Palermo', '1', '1', 'new'],
      ['GEOADD', 'Sicily', 'nx', 'ch', '2', '2', 'new'],
      ['GEOADD', 'Sicily', 'XX', 'NX', '1', '1', 'x'],
      ['GEOADD', 'Sicily', 'CH', 'CH', 'XX', '1', '1', 'Palermo'],
      ['GEOADD', 'Sicily', 'NX', 'CH', 'ch'],
      ['GEOADD', 'Sicily', 'GT', '1', '1', 'x'],
      ['GEOADD', 'Sicily', '1', '1', 'x', '2'],
      ['GEOADD', 'Sicily', '1', '1'],
      ['GEOADD', 'Sicily'],
      ['GEOADD', 'Sicily', 'x', '1', 'a'],
      ['GEOADD', 'Sicily', '1', 'y', 'a'],
      ['GEOADD', 'Sicily', ' 1', '1', 'a'],
      ['GEOADD', 'Sicily', '1 ', '1', 'a'],
      ['GEOADD', 'Sicily', '', '1', 'a'],
      ['GEOADD', 'Sicily', 'nan', '1', 'a'],
      ['GEOADD', 'Sicily', '1e400', '1', 'a'],
      ['GEOADD', 'Sicily', '1e-400', '1', 'a'],
      ['GEOADD', 'Sicily', '1e-310', '-1e-310', 'sub'],
      ['GEOADD', 'Sicily', '0x10', '0x1.8p3', 'hex'],
      ['GEOADD', 'Sicily', '+5', '.5', 'signs'],
      ['GEOADD', 'Sicily', '200', '0', 'a'],
      ['GEOADD', 'Sicily', '-180.0000001', '0', 'a'],
      ['GEOADD', 'Sicily', '0', '85.05112879', 'a'],
      ['GEOADD', 'Sicily', '-0', '-90', 'a'],
      ['GEOADD', 'Sicily', 'inf', '-inf', 'a'],
      ['GEOADD', 'Sicily', '1e300', '0', 'a'],
      ['GEOADD', 'Sicily', '0.0000005', '100.0078125', 'a'],
      ['GEOADD', 'Sicily', '1', '1', 'ok', '500', '1', 'bad'],
      ['ZRANGE', 'Sicily', '0', '-1', 'WITHSCORES'],
      ['SET', 'str', 'x'],
      ['GEOADD', 'str', '1', '1', 'a'],
      ['GEOADD', 'str', '1', '1000', 'a'],
    ],
  },
  {
    name: 'GEOPOS, GEODIST, GEOHASH',
    steps: [
      SICILY,
      CITIES,
      ['GEOPOS', 'Sicily', 'Palermo', 'Catania', 'nope'],
      ['GEOPOS', 'Sicily'],
      ['GEOPOS', 'missing', 'a', 'b'],
      ['GEOPOS', 'cities', 'Fiji', 'FijiWest', 'NullIsland', 'Anchorage', 'Sydney'],
      ['GEODIST', 'Sicily', 'Palermo', 'Catania'],
      ['GEODIST', 'Sicily', 'Palermo', 'Catania', 'm'],
      ['GEODIST', 'Sicily', 'Palermo', 'Catania', 'KM'],
      ['GEODIST', 'Sicily', 'Palermo', 'Catania', 'ft'],
      ['GEODIST', 'Sicily', 'Palermo', 'Catania', 'Mi'],
      ['GEODIST', 'Sicily', 'Palermo', 'Palermo'],
      ['GEODIST', 'Sicily', 'Palermo', 'nope'],
      ['GEODIST', 'missing', 'a', 'b'],
      ['GEODIST', 'missing', 'a', 'b', 'parsecs'],
      ['GEODIST', 'Sicily', 'Palermo', 'Catania', 'km', 'extra'],
      ['GEODIST', 'Sicily', 'Palermo'],
      ['GEODIST', 'cities', 'Fiji', 'FijiWest'],
      ['GEODIST', 'cities', 'Paris', 'ParisTwin'],
      ['GEODIST', 'cities', 'London', 'Sydney', 'km'],
      ['GEODIST', 'cities', 'NullIsland', 'Tokyo', 'mi'],
      ['GEOHASH', 'Sicily', 'Palermo', 'Catania', 'nope'],
      ['GEOHASH', 'cities', 'Fiji', 'FijiWest', 'NullIsland', 'Anchorage', 'Auckland'],
      ['GEOHASH', 'missing', 'a'],
      ['GEOHASH', 'Sicily'],
      ['SET', 'str', 'x'],
      ['GEOPOS', 'str', 'a'],
      ['GEODIST', 'str', 'a', 'b'],
      ['GEODIST', 'str', 'a', 'b', 'parsecs'],
      ['GEOHASH', 'str', 'a'],
    ],
  },
  {
    name: 'the limits: Mercator latitudes, -180 / 180, the antimeridian',
    steps: [
      [
        'GEOADD',
        'edge',
        '-180',
        '-85.05112878',
        'sw',
        '180',
        '85.05112878',
        'ne',
        '-180',
        '85.05112878',
        'nw',
        '180',
        '-85.05112878',
        'se',
        '180',
        '0',
        'e',
        '-180',
        '0',
        'w',
        '0',
        '85.05112878',
        'n',
        '0',
        '-85.05112878',
        's',
        '179.9999',
        '0.0001',
        'justwest',
        '-179.9999',
        '-0.0001',
        'justeast',
        '0',
        '0',
        'origin',
      ],
      ['ZRANGE', 'edge', '0', '-1', 'WITHSCORES'],
      ['GEOPOS', 'edge', 'sw', 'ne', 'nw', 'se', 'e', 'w', 'n', 's', 'justwest', 'justeast', 'origin'],
      ['GEOHASH', 'edge', 'sw', 'ne', 'nw', 'se', 'e', 'w', 'n', 's', 'justwest', 'justeast', 'origin'],
      ['GEODIST', 'edge', 'e', 'w'],
      ['GEODIST', 'edge', 'justwest', 'justeast'],
      ['GEODIST', 'edge', 'n', 's', 'km'],
      ['GEODIST', 'edge', 'ne', 'nw'],
      [
        'GEOSEARCH',
        'edge',
        'FROMLONLAT',
        '180',
        '0',
        'BYRADIUS',
        '50',
        'km',
        'WITHDIST',
        'WITHCOORD',
        'WITHHASH',
      ],
      ['GEOSEARCH', 'edge', 'FROMLONLAT', '-180', '0', 'BYRADIUS', '50', 'km', 'ASC', 'WITHDIST'],
      ['GEOSEARCH', 'edge', 'FROMMEMBER', 'justwest', 'BYBOX', '100', '100', 'km', 'WITHDIST'],
      ['GEOSEARCH', 'edge', 'FROMLONLAT', '0', '85.05112878', 'BYRADIUS', '5000', 'km', 'WITHDIST'],
      ['GEOSEARCH', 'edge', 'FROMLONLAT', '0', '-85.05112878', 'BYRADIUS', '20000', 'km', 'WITHHASH'],
      ['GEOSEARCH', 'edge', 'FROMMEMBER', 'ne', 'BYBOX', '40000', '1000', 'km', 'DESC', 'WITHDIST'],
      ['GEOSEARCH', 'edge', 'FROMMEMBER', 'sw', 'BYRADIUS', '1', 'm', 'WITHCOORD'],
      ['GEOSEARCH', 'edge', 'FROMMEMBER', 'origin', 'BYRADIUS', '40000', 'km', 'WITHDIST'],
      ['GEOSEARCH', 'edge', 'FROMMEMBER', 'origin', 'BYRADIUS', '1e10', 'mi', 'COUNT', '3'],
      ['GEORADIUS', 'edge', '180', '85.05112878', '100', 'km', 'WITHCOORD'],
      ['GEORADIUS', 'edge', '-180', '-85.05112878', '0', 'm', 'WITHCOORD'],
    ],
  },
  {
    name: 'plain ZADD scores read as positions',
    steps: [
      [
        'ZADD',
        'w',
        '-1',
        'a',
        '1.5',
        'b',
        'inf',
        'c',
        '-inf',
        'd',
        '1e19',
        'e',
        '9.3e18',
        'f',
        '2e19',
        'g',
        '-1e19',
        'h',
        '4503599627370496',
        'i',
        '4503599627370495',
        'j',
        '9007199254740992',
        'k',
        '-0.5',
        'l',
        '0',
        'm',
        '123456789.25',
        'n',
      ],
      ['GEOPOS', 'w', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n'],
      ['GEOHASH', 'w', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n'],
      ['GEODIST', 'w', 'a', 'b'],
      ['GEODIST', 'w', 'i', 'j', 'km'],
      ['GEORADIUSBYMEMBER', 'w', 'a', '100', 'km', 'WITHCOORD', 'WITHHASH'],
      ['GEORADIUSBYMEMBER', 'w', 'i', '100', 'km', 'WITHCOORD', 'WITHHASH', 'WITHDIST'],
      ['GEORADIUSBYMEMBER', 'w', 'n', '1000', 'km', 'WITHHASH', 'WITHDIST'],
      [
        'GEOSEARCH',
        'w',
        'FROMLONLAT',
        '-180',
        '-85.05112878',
        'BYRADIUS',
        '1',
        'km',
        'WITHHASH',
        'WITHCOORD',
      ],
      ['GEORADIUS', 'w', '-180', '-85.05112878', '10', 'km', 'STORE', 'ws'],
      ['ZRANGE', 'ws', '0', '-1', 'WITHSCORES'],
    ],
  },
  {
    name: 'GEOSEARCH: shapes, order, COUNT and ANY, WITH* in every combination',
    steps: [
      CITIES,
      ['GEOADD', 'cities', '2.3522', '48.8566', 'ParisThird', '2.35', '48.85', 'ParisNear'],
      ['GEOSEARCH', 'cities', 'FROMMEMBER', 'Paris', 'BYRADIUS', '1000', 'km'],
      ['GEOSEARCH', 'cities', 'FROMMEMBER', 'Paris', 'BYRADIUS', '1000', 'km', 'ASC'],
      ['GEOSEARCH', 'cities', 'FROMMEMBER', 'Paris', 'BYRADIUS', '1000', 'km', 'DESC'],
      ['GEOSEARCH', 'cities', 'FROMMEMBER', 'Paris', 'BYRADIUS', '1000', 'km', 'COUNT', '2'],
      ['GEOSEARCH', 'cities', 'FROMMEMBER', 'Paris', 'BYRADIUS', '1000', 'km', 'COUNT', '2', 'DESC'],
      ['GEOSEARCH', 'cities', 'FROMMEMBER', 'Paris', 'BYRADIUS', '1000', 'km', 'COUNT', '2', 'ANY'],
      ['GEOSEARCH', 'cities', 'FROMMEMBER', 'Paris', 'BYRADIUS', '1000', 'km', 'COUNT', '2', 'ANY', 'ASC'],
      ['GEOSEARCH', 'cities', 'FROMMEMBER', 'Paris', 'BYRADIUS', '1000', 'km', 'ANY', 'COUNT', '100'],
      [
        'GEOSEARCH',
        'cities',
        'FROMMEMBER',
        'Paris',
        'BYRADIUS',
        '20000',
        'km',
        'COUNT',
        '9223372036854775807',
      ],
      ['GEOSEARCH', 'cities', 'FROMLONLAT', '0', '0', 'BYRADIUS', '20000', 'km', 'WITHDIST', 'DESC'],
      ['GEOSEARCH', 'cities', 'FROMLONLAT', '0', '0', 'BYRADIUS', '20000', 'km', 'WITHDIST', 'COUNT', '5'],
      ['GEOSEARCH', 'cities', 'FROMLONLAT', '2', '49', 'BYBOX', '2000', '500', 'km', 'WITHDIST', 'ASC'],
      ['GEOSEARCH', 'cities', 'FROMLONLAT', '2', '49', 'BYBOX', '500', '2000', 'km', 'WITHDIST', 'ASC'],
      ['GEOSEARCH', 'cities', 'FROMLONLAT', '2', '49', 'BYBOX', '0', '0', 'km'],
      ['GEOSEARCH', 'cities', 'FROMMEMBER', 'Paris', 'BYBOX', '0', '0', 'm', 'WITHCOORD'],
      ['GEOSEARCH', 'cities', 'FROMMEMBER', 'Paris', 'BYRADIUS', '0', 'm', 'WITHCOORD'],
      ['GEOSEARCH', 'cities', 'FROMMEMBER', 'Paris', 'BYRADIUS', '1e-9', 'm'],
      ['GEOSEARCH', 'cities', 'FROMMEMBER', 'Paris', 'BYRADIUS', 'inf', 'm', 'COUNT', '3', 'WITHDIST'],
      ['GEOSEARCH', 'cities', 'FROMMEMBER', 'Paris', 'BYBOX', 'inf', '1', 'km', 'WITHDIST'],
      ['GEOSEARCH', 'cities', 'FROMMEMBER', 'Fiji', 'BYBOX', '100', '100', 'km', 'WITHCOORD'],
      ['GEOSEARCH', 'cities', 'FROMMEMBER', 'Anchorage', 'BYBOX', '12000', '3000', 'mi', 'WITHDIST'],
      ['GEOSEARCH', 'cities', 'FROMMEMBER', 'Sydney', 'BYBOX', '5000', '5000', 'km', 'WITHDIST'],
      ['GEOSEARCH', 'cities', 'FROMMEMBER', 'Paris', 'BYRADIUS', '350', 'km', 'WITHDIST'],
      ['GEOSEARCH', 'cities', 'FROMMEMBER', 'Paris', 'BYRADIUS', '350', 'km', 'WITHCOORD'],
      ['GEOSEARCH', 'cities', 'FROMMEMBER', 'Paris', 'BYRADIUS', '350', 'km', 'WITHHASH'],
      ['GEOSEARCH', 'cities', 'FROMMEMBER', 'Paris', 'BYRADIUS', '350', 'km', 'WITHHASH', 'WITHDIST'],
      ['GEOSEARCH', 'cities', 'FROMMEMBER', 'Paris', 'BYRADIUS', '350', 'km', 'WITHCOORD', 'WITHHASH'],
      [
        'GEOSEARCH',
        'cities',
        'FROMMEMBER',
        'Paris',
        'BYRADIUS',
        '350',
        'km',
        'withcoord',
        'withdist',
        'withhash',
      ],
      [
        'GEOSEARCH',
        'cities',
        'FROMMEMBER',
        'Paris',
        'FROMMEMBER',
        'London',
        'BYRADIUS',
        '1',
        'km',
        'BYRADIUS',
        '400',
        'km',
      ],
      ['GEOSEARCH', 'cities', 'FROMLONLAT', '1', '1', 'FROMLONLAT', '2.35', '48.85', 'BYRADIUS', '1', 'km'],
      ['GEOSEARCH', 'cities', 'frommember', 'Paris', 'bybox', '1', '1', 'KM', 'bybox', '900', '900', 'ft'],
      ['GEOSEARCH', 'cities', 'FROMMEMBER', 'London', 'BYRADIUS', '1000', 'mi', 'WITHDIST', 'ASC'],
      ['GEOSEARCH', 'cities', 'FROMMEMBER', 'London', 'BYRADIUS', '1000', 'ft', 'WITHDIST'],
      ['GEOSEARCH', 'missing', 'FROMMEMBER', 'x', 'BYRADIUS', '1', 'km'],
      ['GEOSEARCH', 'missing', 'FROMLONLAT', '0', '0', 'BYBOX', '1', '1', 'km', 'WITHDIST'],
    ],
  },
  {
    name: 'GEOSEARCH / GEORADIUS argument errors, in Redis order',
    steps: [
      SICILY,
      ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '15', '37', 'WITHDIST', 'ASC'],
      ['geosearch', 'Sicily', 'BYRADIUS', '1', 'm', 'ASC', 'ASC'],
      ['GeoSearch', 'Sicily', 'FROMLONLAT', '15', '37', 'ASC', 'ASC'],
      ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '15', '37', 'BYRADIUS', '1', 'm', 'ANY'],
      ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '15', '37', 'BYRADIUS', '1', 'm', 'COUNT', '0'],
      ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '15', '37', 'BYRADIUS', '1', 'm', 'COUNT', '-1'],
      ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '15', '37', 'BYRADIUS', '1', 'm', 'COUNT', 'x'],
      ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '15', '37', 'BYRADIUS', '1', 'm', 'COUNT', '01'],
      ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '15', '37', 'BYRADIUS', '1', 'm', 'COUNT'],
      ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '15', '37', 'BYRADIUS', '1', 'm', 'STORE', 'd'],
      ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '15', '37', 'BYRADIUS', '1', 'm', 'STOREDIST'],
      ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '15', '37', 'BYRADIUS', '1', 'm', 'FOO'],
      ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '15', '37', 'BYRADIUS', '1', 'm', 'BYBOX', '1', '1', 'm'],
      ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '15', '37', 'BYBOX', '1', '1', 'm', 'BYRADIUS', '1', 'm'],
      ['GEOSEARCH', 'Sicily', 'FROMMEMBER', 'Palermo', 'FROMLONLAT', '15', '37', 'BYRADIUS', '1', 'm'],
      ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '15', '37', 'FROMMEMBER', 'Palermo', 'BYRADIUS', '1', 'm'],
      ['GEOSEARCH', 'Sicily', 'FROMMEMBER', 'nope', 'BYRADIUS', '1', 'm', 'FOO'],
      ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '15', '37', 'BYRADIUS', '-1', 'm', 'FOO'],
      ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '15', '37', 'BYRADIUS', 'x', 'm'],
      ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '15', '37', 'BYRADIUS', '1', 'parsecs'],
      ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '15', '37', 'BYBOX', '-1', 'x', 'm'],
      ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '15', '37', 'BYBOX', 'x', '-1', 'm'],
      ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '15', '37', 'BYBOX', '1', '-1', 'm'],
      ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '15', '37', 'BYBOX', '1', '1', 'yd'],
      ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '15', '100', 'BYRADIUS', '1', 'm'],
      ['GEOSEARCH', 'Sicily', 'FROMLONLAT', 'x', '37', 'BYRADIUS', '1', 'm'],
      ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '15', '37', 'BYRADIUS', '1'],
      ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '15', 'BYRADIUS', '1', 'm'],
      ['GEOSEARCH', 'missing', 'FROMMEMBER', 'x', 'BYRADIUS', 'x', 'm'],
      ['GEOSEARCH', 'missing', 'FROMMEMBER', 'x', 'BYRADIUS', '1', 'm', 'ANY'],
      ['GEOSEARCHSTORE', 'd', 'Sicily', 'FROMLONLAT', '15', '37', 'BYRADIUS', '1', 'm', 'WITHDIST'],
      ['GEOSEARCHSTORE', 'd', 'Sicily', 'FROMLONLAT', '15', '37', 'BYRADIUS', '1', 'm', 'STORE', 'x'],
      ['GEOSEARCHSTORE', 'd', 'Sicily', 'FROMLONLAT', '15', '37', 'BYRADIUS', '1', 'm', 'STOREDIST', 'x'],
      ['GEOSEARCHSTORE', 'd', 'Sicily', 'FROMLONLAT', '15', '37', 'STOREDIST', 'ASC'],
      ['GEORADIUS', 'Sicily', '15', '37', '200', 'km', 'STORE', 'd', 'WITHCOORD'],
      ['GEORADIUS', 'Sicily', '15', '37', '200', 'km', 'STORE'],
      ['GEORADIUS', 'Sicily', '15', '37', '200', 'km', 'FROMLONLAT', '1', '1'],
      ['GEORADIUS', 'Sicily', '15', '37', '200', 'km', 'BYRADIUS', '1', 'm'],
      ['GEORADIUS', 'Sicily', '15', '37', '-200', 'km'],
      ['GEORADIUS', 'Sicily', '15', '91', '200', 'km'],
      ['GEORADIUS', 'Sicily', '15', '37', '200', 'leagues'],
      ['GEORADIUS', 'Sicily', '15', '37', '200'],
      ['GEORADIUS_RO', 'Sicily', '15', '37', '200', 'km', 'STORE', 'd'],
      ['GEORADIUS_RO', 'Sicily', '15', '37', '200', 'km', 'STOREDIST', 'd'],
      ['GEORADIUSBYMEMBER', 'Sicily', 'nope', '200', 'km'],
      ['GEORADIUSBYMEMBER', 'Sicily', 'nope', 'x', 'km'],
      ['GEORADIUSBYMEMBER', 'Sicily', 'Palermo', 'x', 'km'],
      ['GEORADIUSBYMEMBER', 'Sicily', 'Palermo', '200', 'km', 'STOREDIST', 'd', 'WITHHASH'],
      ['GEORADIUSBYMEMBER_RO', 'Sicily', 'Palermo', '200', 'km', 'STORE', 'd'],
      ['GEORADIUSBYMEMBER', 'missing', 'x', 'not-a-number', 'parsecs'],
      ['GEORADIUSBYMEMBER', 'missing', 'x', 'not-a-number', 'parsecs', 'FOO'],
      ['GEORADIUSBYMEMBER', 'missing', 'x', '1', 'm', 'STORE', 'd'],
      ['GEORADIUS', 'missing', '1', '1', '1', 'm', 'WITHDIST'],
      ['GEORADIUS', 'missing', 'x', '1', '1', 'm'],
      ['SET', 'str', 'x'],
      ['GEOSEARCH', 'str', 'FROMLONLAT', 'x', '1', 'BYRADIUS', '1', 'm'],
      ['GEORADIUS', 'str', 'x', '1', '1', 'm'],
      ['GEORADIUSBYMEMBER', 'str', 'x', '1', 'm'],
      ['GEOSEARCHSTORE', 'd', 'str', 'FROMLONLAT', '1', '1', 'BYRADIUS', '1', 'm'],
    ],
  },
  {
    name: 'STORE, STOREDIST, GEOSEARCHSTORE',
    steps: [
      SICILY,
      CITIES,
      ['GEORADIUS', 'Sicily', '15', '37', '200', 'km', 'STORE', 'd'],
      ['ZRANGE', 'd', '0', '-1', 'WITHSCORES'],
      ['GEORADIUS', 'Sicily', '15', '37', '200', 'km', 'STOREDIST', 'd', 'DESC'],
      ['ZRANGE', 'd', '0', '-1', 'WITHSCORES'],
      ['GEORADIUS', 'Sicily', '15', '37', '200', 'km', 'STORE', 'x', 'STOREDIST', 'd', 'COUNT', '1'],
      ['ZRANGE', 'd', '0', '-1', 'WITHSCORES'],
      ['EXISTS', 'x'],
      ['GEORADIUSBYMEMBER', 'Sicily', 'Palermo', '200', 'mi', 'STOREDIST', 'd'],
      ['ZRANGE', 'd', '0', '-1', 'WITHSCORES'],
      ['GEOSEARCHSTORE', 'd', 'cities', 'FROMMEMBER', 'Paris', 'BYRADIUS', '1000', 'km'],
      ['ZRANGE', 'd', '0', '-1', 'WITHSCORES'],
      ['OBJECT', 'ENCODING', 'd'],
      [
        'GEOSEARCHSTORE',
        'd',
        'cities',
        'FROMMEMBER',
        'Paris',
        'BYRADIUS',
        '1000',
        'km',
        'STOREDIST',
        'COUNT',
        '2',
      ],
      ['ZRANGE', 'd', '0', '-1', 'WITHSCORES'],
      [
        'GEOSEARCHSTORE',
        'd',
        'cities',
        'FROMLONLAT',
        '0',
        '0',
        'BYBOX',
        '40000',
        '20000',
        'km',
        'ASC',
        'STOREDIST',
      ],
      ['ZRANGE', 'd', '0', '-1', 'WITHSCORES'],
      ['SET', 'd', 'string', 'EX', '1000'],
      ['GEOSEARCHSTORE', 'd', 'Sicily', 'FROMLONLAT', '15', '37', 'BYRADIUS', '200', 'km'],
      ['TYPE', 'd'],
      ['TTL', 'd'],
      ['GEOSEARCHSTORE', 'd', 'Sicily', 'FROMLONLAT', '0', '0', 'BYRADIUS', '1', 'km'],
      ['EXISTS', 'd'],
      ['SET', 'd', 'x'],
      ['GEOSEARCHSTORE', 'd', 'missing', 'FROMMEMBER', 'x', 'BYRADIUS', '1', 'km'],
      ['EXISTS', 'd'],
      ['GEOSEARCHSTORE', 'Sicily', 'Sicily', 'FROMMEMBER', 'Palermo', 'BYRADIUS', '10', 'km'],
      ['ZRANGE', 'Sicily', '0', '-1', 'WITHSCORES'],
    ],
  },
  {
    name: 'COMMAND INFO of the geo commands',
    steps: [
      ['COMMAND', 'INFO', 'geoadd', 'geodist', 'geohash', 'geopos', 'geosearch', 'geosearchstore'],
      ['COMMAND', 'INFO', 'georadius', 'georadius_ro', 'georadiusbymember', 'georadiusbymember_ro'],
      ['COMMAND', 'GETKEYS', 'GEORADIUS', 'k', '1', '1', '1', 'm', 'STORE', 'd', 'STOREDIST', 'e'],
      ['COMMAND', 'GETKEYS', 'GEOSEARCHSTORE', 'd', 'k', 'FROMLONLAT', '1', '1', 'BYRADIUS', '1', 'm'],
    ],
  },
];

describe('geo side by side with redis-server, byte for byte', () => {
  test('GEOADD, GEOPOS, GEODIST, GEOHASH, GEOSEARCH[STORE], GEORADIUS[BYMEMBER][_RO]', () =>
    runGroup('geo', withResp3(CASES)));
});

// ---- the seeded randomized differential ----

const SEED = Number(process.env.GEO_SEED ?? 20261207);

/** Rounds every non-integer number in a reply to 12 significant digits (stored distances, see the header). */
function roundScores(n: Node): Node {
  const text = n.raw.replace(
    /(\$\d+\r\n|,)(-?\d+\.\d+(?:e[+-]\d+)?)\r\n/g,
    (_m, _head: string, v: string) => {
      return `~${Number(v).toPrecision(12)}\r\n`;
    },
  );
  return synthetic(text);
}

interface World {
  names: string[];
  centres: Array<[number, number]>;
}

const LAT_MAX = 85.05112878;

/** A coordinate as a client may write it, fewer digits sometimes (never rounded past a limit). */
function coordText(g: Gen, x: number, limit: number): string {
  const short = x.toFixed(g.int(0, 6));
  return g.chance(0.3) && Math.abs(Number(short)) <= limit ? short : String(x);
}

/** A point: near a cluster centre, uniform, or exactly on a limit. */
function randomPoint(g: Gen, w: World): [number, number] {
  const k = g.next();
  if (k < 0.55) {
    const [cx, cy] = g.one(w.centres);
    const spread = g.one([0.001, 0.05, 1, 5]);
    const lon = Math.max(-180, Math.min(180, cx + (g.next() - 0.5) * 2 * spread));
    const lat = Math.max(-LAT_MAX, Math.min(LAT_MAX, cy + (g.next() - 0.5) * spread));
    return [lon, lat];
  }
  if (k < 0.95) return [g.next() * 360 - 180, g.next() * 2 * LAT_MAX - LAT_MAX];
  return [g.one([-180, 180, 0, 179.99999]), g.one([-LAT_MAX, LAT_MAX, 0, -85])];
}

function randomAdds(g: Gen, w: World, count: number): Arg[][] {
  const out: Arg[][] = [];
  const coords: string[][] = [];
  for (let i = 0; i < count;) {
    const args: Arg[] = ['GEOADD', 'pts'];
    const option = g.chance(0.1) ? g.one(['NX', 'CH', 'XX']) : null;
    if (option !== null) args.push(option);
    for (let j = 0; j < 40 && i < count; j++, i++) {
      let lon: string;
      let lat: string;
      if (coords.length > 0 && g.chance(0.1)) [lon, lat] = g.one(coords);
      else {
        const [x, y] = randomPoint(g, w);
        [lon, lat] = [coordText(g, x, 180), coordText(g, y, LAT_MAX)];
        coords.push([lon, lat]);
      }
      const name = w.names.length > 0 && g.chance(0.05) ? g.one(w.names) : `p${i}`;
      // XX adds no one.
      if (option !== 'XX' && !w.names.includes(name)) w.names.push(name);
      args.push(lon, lat, name);
    }
    out.push(args);
  }
  return out;
}

function randomCentre(g: Gen, w: World): Arg[] {
  if (g.chance(0.35)) return ['FROMMEMBER', g.chance(0.95) ? g.one(w.names) : 'nobody'];
  const [x, y] = randomPoint(g, w);
  return ['FROMLONLAT', String(x), String(y)];
}

function randomLength(g: Gen): string {
  if (g.chance(0.03)) return g.one(['0', '1e-9', '40000000', '1e12']);
  return String(Number((10 ** (g.next() * 7 - 1)).toPrecision(g.int(1, 12))));
}

const UNITS = ['m', 'km', 'ft', 'mi', 'KM', 'Mi'];

function randomShape(g: Gen): Arg[] {
  const unit = g.one(UNITS);
  if (g.chance(0.55)) return ['BYRADIUS', randomLength(g), unit];
  return ['BYBOX', randomLength(g), randomLength(g), unit];
}

function randomOptions(g: Gen, store: boolean): Arg[] {
  const groups: Arg[][] = [];
  if (!store) {
    if (g.chance(0.4)) groups.push(['WITHDIST']);
    if (g.chance(0.3)) groups.push(['WITHCOORD']);
    if (g.chance(0.3)) groups.push(['WITHHASH']);
  }
  const s = g.next();
  if (s < 0.3) groups.push(['ASC']);
  else if (s < 0.5) groups.push(['DESC']);
  if (g.chance(0.35)) {
    groups.push(['COUNT', String(g.chance(0.1) ? 100000 : g.int(1, 40))]);
    if (g.chance(0.35)) groups.push(['ANY']);
  }
  // Options are read in any order.
  for (let i = groups.length - 1; i > 0; i--) {
    const j = g.int(0, i);
    [groups[i], groups[j]] = [groups[j], groups[i]];
  }
  return groups.flat();
}

/** One random query, followed by the reads that show what a store wrote. */
function randomQuery(g: Gen, w: World): Array<Arg[] | Step> {
  const member = (): string => (g.chance(0.97) ? g.one(w.names) : 'nobody');
  const key = g.chance(0.95) ? 'pts' : g.one(['missing', 'small']);
  const kind = g.weighted<string>([
    [5, 'geosearch'],
    [2, 'georadius'],
    [2, 'georadiusbymember'],
    [2, 'store'],
    [1, 'geodist'],
    [1, 'geopos'],
    [1, 'geohash'],
  ]);
  const readBack = (dist: boolean): Array<Arg[] | Step> => [
    dist
      ? { cmd: ['ZRANGE', 'dst', '0', '-1', 'WITHSCORES'], norm: roundScores }
      : ['ZRANGE', 'dst', '0', '-1', 'WITHSCORES'],
    ['OBJECT', 'ENCODING', 'dst'],
  ];
  switch (kind) {
    case 'geosearch':
      return [['GEOSEARCH', key, ...randomCentre(g, w), ...randomShape(g), ...randomOptions(g, false)]];
    case 'georadius': {
      const [x, y] = randomPoint(g, w);
      const name = g.chance(0.3) ? 'GEORADIUS_RO' : 'GEORADIUS';
      return [[name, key, String(x), String(y), randomLength(g), g.one(UNITS), ...randomOptions(g, false)]];
    }
    case 'georadiusbymember': {
      const name = g.chance(0.3) ? 'GEORADIUSBYMEMBER_RO' : 'GEORADIUSBYMEMBER';
      return [[name, key, member(), randomLength(g), g.one(UNITS), ...randomOptions(g, false)]];
    }
    case 'store': {
      const dist = g.chance(0.5);
      if (g.chance(0.6)) {
        const cmd = [
          'GEOSEARCHSTORE',
          'dst',
          key,
          ...randomCentre(g, w),
          ...randomShape(g),
          ...randomOptions(g, true),
        ];
        return [dist ? [...cmd, 'STOREDIST'] : cmd, ...readBack(dist)];
      }
      const [x, y] = randomPoint(g, w);
      const store = dist ? 'STOREDIST' : 'STORE';
      return [
        [
          'GEORADIUS',
          key,
          String(x),
          String(y),
          randomLength(g),
          g.one(UNITS),
          store,
          'dst',
          ...randomOptions(g, true),
        ],
        ...readBack(dist),
      ];
    }
    case 'geodist':
      return [['GEODIST', key, member(), member(), ...(g.chance(0.7) ? [g.one(UNITS)] : [])]];
    case 'geopos':
      return [['GEOPOS', key, ...g.some(g.int(1, 5), member)]];
    default:
      return [['GEOHASH', key, ...g.some(g.int(1, 5), member)]];
  }
}

function randomSteps(seed: number, points: number, queries: number): Array<Arg[] | Step> {
  const g = new Gen(rng(seed));
  const w: World = { names: [], centres: [] };
  for (let i = 0; i < 12; i++) {
    w.centres.push([g.next() * 360 - 180, g.next() * 160 - 80]);
  }
  w.centres.push([179.95, 0], [-179.95, 10], [0, 84.9], [30, -84.9], [0, 0]);
  const steps: Array<Arg[] | Step> = [['GEOADD', 'small', '1', '1', 'a', '1', '1', 'b', '1.0001', '1', 'c']];
  steps.push(...randomAdds(g, w, points));
  steps.push(['ZCARD', 'pts']);
  for (let i = 0; i < queries; i++) steps.push(...randomQuery(g, w));
  return steps;
}

describe('seeded randomized differential', () => {
  test(`3,000 random points and 500 random queries (seed ${SEED}), replies equal`, async () => {
    const steps = randomSteps(SEED, 3000, 500);
    await runGroup(`random (seed ${SEED})`, [{ name: `seed ${SEED}`, steps }]);
  }, 180_000);

  test(`1,000 points and 150 queries over RESP3 (seed ${SEED + 1})`, async () => {
    const steps = randomSteps(SEED + 1, 1000, 150);
    await runGroup(`random RESP3 (seed ${SEED + 1})`, [{ name: `seed ${SEED + 1}`, steps, resp3: true }]);
  }, 180_000);
});

// ---- keyspace events and replication ----

describe('keyspace events', () => {
  test('zadd for GEOADD, georadiusstore / geosearchstore, del, keymiss', async () => {
    const cmds: Arg[][] = [
      SICILY,
      SICILY,
      ['GEOADD', 'Sicily', 'XX', '1', '1', 'nobody'],
      ['GEOPOS', 'missing', 'a'],
      ['GEODIST', 'missing', 'a', 'b'],
      ['GEOHASH', 'missing', 'a'],
      ['GEOSEARCH', 'missing', 'FROMLONLAT', '1', '1', 'BYRADIUS', '1', 'm'],
      ['GEORADIUS', 'Sicily', '15', '37', '200', 'km', 'STORE', 'd'],
      ['GEORADIUS', 'Sicily', '15', '37', '200', 'km', 'STOREDIST', 'd'],
      ['GEOSEARCHSTORE', 'e', 'Sicily', 'FROMMEMBER', 'Palermo', 'BYRADIUS', '200', 'km'],
      ['GEOSEARCHSTORE', 'e', 'Sicily', 'FROMLONLAT', '0', '0', 'BYRADIUS', '1', 'km'],
      ['GEOSEARCHSTORE', 'd', 'missing', 'FROMMEMBER', 'x', 'BYRADIUS', '1', 'km'],
      ['GEORADIUS', 'Sicily', '15', '37', '200', 'km'],
    ];
    const diffs = new Diffs();
    const r = await compareKeyspaceEvents(P, diffs, 'keyspace events', cmds, 'KEAmn');
    diffs.assertNone('keyspace events');
    expect(r).toContain('georadiusstore');
  });
});

describe('what replicas receive', () => {
  test('GEOADD as ZADD, the stores as sent, nothing for reads and no-ops', async () => {
    const [cr, ct] = await Promise.all([Conn.open(P.R.port), Conn.open(P.T.port)]);
    await Promise.all([cr.send(['FLUSHALL']), ct.send(['FLUSHALL'])]);
    const [tr, tt] = await Promise.all([ReplicaTap.open(P.R.port), ReplicaTap.open(P.T.port)]);
    const writes: Arg[][] = [
      SICILY,
      SICILY,
      ['GEOADD', 'Sicily', 'ch', 'NX', '13.361389', '38.115556', 'P2', '15.087269', '37.502669', 'Catania'],
      ['GEOADD', 'Sicily', 'XX', '1', '2', 'new'],
      ['GEOADD', 'Sicily', 'CH', 'XX', '180', '85.05112878', 'P2'],
      ['GEOADD', 'Sicily', '1', '1', 'ok', '500', '1', 'bad'],
      ['GEOSEARCHSTORE', 'd', 'Sicily', 'FROMMEMBER', 'Palermo', 'BYRADIUS', '400', 'km', 'STOREDIST'],
      ['GEOSEARCHSTORE', 'd', 'Sicily', 'FROMLONLAT', '0', '0', 'BYRADIUS', '1', 'km'],
      ['GEOSEARCHSTORE', 'd', 'Sicily', 'FROMLONLAT', '0', '0', 'BYRADIUS', '1', 'km'],
      ['GEORADIUS', 'Sicily', '15', '37', '200', 'km', 'STORE', 'd2'],
      ['GEORADIUSBYMEMBER', 'Sicily', 'Palermo', '200', 'km', 'STOREDIST', 'd3', 'COUNT', '1'],
      ['GEORADIUS', 'Sicily', '15', '37', '200', 'km'],
      ['GEORADIUS_RO', 'Sicily', '15', '37', '200', 'km', 'WITHDIST'],
      ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '15', '37', 'BYRADIUS', '200', 'km'],
      ['GEOSEARCHSTORE', 'd2', 'missing', 'FROMMEMBER', 'Palermo', 'BYRADIUS', '400', 'km'],
      ['GEOSEARCHSTORE', 'd2', 'missing', 'FROMMEMBER', 'Palermo', 'BYRADIUS', '400', 'km'],
      ['MULTI'],
      ['GEOADD', 'm', '1', '1', 'a'],
      ['GEORADIUS', 'm', '1', '1', '1', 'km', 'STORE', 'm2'],
      ['EXEC'],
      [
        'EVAL',
        "redis.call('geoadd', KEYS[1], 'xx', '3', '3', 'a') return redis.call('geoadd', KEYS[1], '2', '2', 'b')",
        '1',
        'm',
      ],
      [
        'EVAL',
        "return redis.call('geosearchstore', KEYS[2], KEYS[1], 'FROMMEMBER', 'a', 'BYRADIUS', '1000', 'km')",
        '2',
        'm',
        'm3',
      ],
      ['SET', 'end', 'x'],
    ];
    const diffs = new Diffs();
    try {
      for (const w of writes) {
        const [x, y] = await Promise.all([cr.send(w), ct.send(w)]);
        diffs.check('writes', JSON.stringify(w), x.raw, y.raw);
      }
      const until = async (t: ReplicaTap): Promise<string> => {
        for (let i = 0; i < 300 && !t.commands.some((c) => c[1] === 'end'); i++) await sleep(10);
        return t.commands.map((c) => c.join(' ')).join('\n');
      };
      const [x, y] = await Promise.all([until(tr), until(tt)]);
      diffs.check('replication stream', 'commands', x, y);
    } finally {
      for (const c of [cr, ct, tr, tt]) c.close();
    }
    diffs.assertNone('replication');
  });
});
