// Integration, side by side with redis-server 7.0: SORT, SORT_RO and LCS, differentially. The same
// commands go to Debian's redis-server and to tsredis-server over raw RESP; replies are compared byte for
// byte (RESP2 and RESP3). SORT: lists, sets, sorted sets, numeric and ALPHA, BY key patterns and hash
// fields, BY nosort, LIMIT, ASC / DESC, GET (`#`, missing keys, hash fields), STORE (and the empty result
// deleting the target), scores that are not numbers, every argument error; then a seeded randomized
// differential (SORT_SEED overrides the seed). Orders Redis leaves unspecified are not asked for: BY
// nosort on a set without STORE (hash-table order), and ALPHA BY with equal or missing BY values on
// anything but a list (qsort of a hash table's order). LCS: strings, LEN, IDX, MINMATCHLEN,
// WITHMATCHLEN, missing keys, wrong types, errors.
import type { Arg } from './helpers/raw-resp.js';
import { serverPair, type Case } from './helpers/differential.js';
import { rng } from './helpers/dataset.js';
import { Gen } from './helpers/gen.js';

const P = serverPair();

const runGroup = P.runGroup;

const both = (cases: Case[]): Case[] => [
  ...cases,
  ...cases.map((c) => ({ ...c, name: `${c.name} (RESP3)`, resp3: true })),
];

const DATA: Arg[][] = [
  ['RPUSH', 'l', '3', '1', '10', '2', '-5', '2.5', '1e2', '0x10', ' 7'],
  ['RPUSH', 'la', 'banana', 'apple', 'cherry', 'apple', 'Zed', ''],
  ['SADD', 'si', '5', '3', '9', '1', '-2'],
  ['SADD', 'ss', 'pear', 'fig', 'kiwi', 'date'],
  ['ZADD', 'z', '3', 'c', '1', 'a', '2', 'b', '5', 'e', '4', 'd'],
  ['ZADD', 'zn', '30', '1', '10', '3', '20', '2'],
  [
    'MSET',
    'w_3',
    '30',
    'w_1',
    '10',
    'w_10',
    '5',
    'w_2',
    '20',
    'w_-5',
    '50',
    'w_2.5',
    '25',
    'w_1e2',
    '1',
    'w_0x10',
    '16',
    'w_ 7',
    '7',
  ],
  ['MSET', 'wa_banana', 'b', 'wa_apple', 'a', 'wa_cherry', 'c', 'wa_Zed', 'z', 'wa_', 'e'],
  ['MSET', 'n_a', 'x1', 'n_b', 'x2', 'n_c', 'x3', 'n_e', 'x5'],
  ['HSET', 'h_a', 'f', '9', 'g', 'ga'],
  ['HSET', 'h_b', 'f', '7', 'g', 'gb'],
  ['HSET', 'h_c', 'f', '8'],
  ['HSET', 'h_d', 'f', '6', 'g', 'gd'],
  ['HSET', 'h_e', 'f', '5'],
  ['SET', 'h_x', 'str'],
];

const SORT_CASES: Case[] = [
  {
    name: 'SORT: numeric, ALPHA, DESC, LIMIT',
    steps: [
      ...DATA,
      ['SORT', 'l'],
      ['SORT', 'l', 'DESC'],
      ['SORT', 'l', 'LIMIT', '1', '3'],
      ['SORT', 'l', 'LIMIT', '-5', '2'],
      ['SORT', 'l', 'LIMIT', '2', '-1'],
      ['SORT', 'l', 'LIMIT', '20', '5'],
      ['SORT', 'l', 'LIMIT', '0', '0'],
      ['SORT', 'l', 'desc', 'limit', '0', '3', 'asc'],
      ['SORT', 'la'],
      ['SORT', 'la', 'ALPHA'],
      ['SORT', 'la', 'ALPHA', 'DESC', 'LIMIT', '1', '2'],
      ['SORT', 'si'],
      ['SORT', 'si', 'DESC'],
      ['SORT', 'ss', 'ALPHA'],
      ['SORT', 'ss'],
      ['SORT', 'z'],
      ['SORT', 'z', 'ALPHA'],
      ['SORT', 'z', 'ALPHA', 'DESC'],
      ['SORT', 'zn'],
      ['SORT', 'missing'],
      ['SORT', 'missing', 'ALPHA', 'LIMIT', '0', '10'],
      ['SORT', 'h_x'],
      ['SORT', 'h_a'],
      ['SORT_RO', 'l'],
      ['SORT_RO', 'la', 'ALPHA', 'LIMIT', '0', '2'],
    ],
  },
  {
    name: 'SORT: BY patterns, hash fields, nosort, GET',
    steps: [
      ...DATA,
      ['SORT', 'l', 'BY', 'w_*'],
      ['SORT', 'l', 'BY', 'w_*', 'DESC'],
      ['SORT', 'l', 'BY', 'w_*', 'LIMIT', '2', '3'],
      ['SORT', 'la', 'BY', 'wa_*', 'ALPHA'],
      ['SORT', 'la', 'BY', 'wa_*', 'ALPHA', 'DESC'],
      ['SORT', 'la', 'BY', 'nothere_*', 'ALPHA'],
      ['SORT', 'la', 'BY', 'nothere_*'],
      ['SORT', 'z', 'BY', 'h_*->f'],
      ['SORT', 'z', 'BY', 'h_*->f', 'DESC', 'LIMIT', '1', '2'],
      ['SORT', 'z', 'BY', 'h_*->nofield'],
      ['SORT', 'z', 'BY', 'h_*->'],
      ['SORT', 'z', 'BY', 'n_*', 'ALPHA'],
      ['SORT', 'z', 'BY', 'nosort'],
      ['SORT', 'z', 'BY', 'nosort', 'DESC'],
      ['SORT', 'z', 'BY', 'nosort', 'LIMIT', '1', '2'],
      ['SORT', 'z', 'BY', 'nosort', 'DESC', 'LIMIT', '1', '2'],
      ['SORT', 'l', 'BY', 'nosort'],
      ['SORT', 'l', 'BY', 'nosort', 'DESC', 'LIMIT', '2', '4'],
      ['SORT', 'l', 'BY', 'nosort', 'LIMIT', '50', '4'],
      ['SORT', 'z', 'GET', '#'],
      ['SORT', 'z', 'GET', 'n_*'],
      ['SORT', 'z', 'GET', '#', 'GET', 'n_*', 'GET', 'h_*->g', 'GET', 'h_*->f'],
      ['SORT', 'z', 'GET', 'nostar'],
      ['SORT', 'z', 'BY', 'h_*->f', 'GET', '#', 'GET', 'h_*->g'],
      ['SORT', 'z', 'GET', 'h_*'],
      ['SORT', 'si', 'BY', 'w_*', 'GET', '#'],
      ['SORT', 'ss', 'BY', 'nosort', 'STORE', 'dst'],
      ['LRANGE', 'dst', '0', '-1'],
    ],
  },
  {
    name: 'SORT: STORE, scores that are not numbers, errors',
    steps: [
      ...DATA,
      ['SORT', 'l', 'STORE', 'dst'],
      ['LRANGE', 'dst', '0', '-1'],
      ['SORT', 'z', 'GET', '#', 'GET', 'h_*->g', 'STORE', 'dst'],
      ['LRANGE', 'dst', '0', '-1'],
      ['SET', 'dst2', 'x', 'EX', '100'],
      ['SORT', 'si', 'STORE', 'dst2'],
      ['TTL', 'dst2'],
      ['TYPE', 'dst2'],
      ['SORT', 'missing', 'STORE', 'dst'],
      ['EXISTS', 'dst'],
      ['SORT', 'missing', 'STORE', 'dst'],
      ['SORT', 'l', 'LIMIT', '100', '1', 'STORE', 'dst3'],
      ['EXISTS', 'dst3'],
      ['SORT', 'la'],
      ['SORT', 'ss', 'DESC'],
      ['SET', 'w_3', 'notanumber'],
      ['SORT', 'l', 'BY', 'w_*'],
      ['SET', 'w_3', 'nan'],
      ['SORT', 'l', 'BY', 'w_*'],
      ['SET', 'w_3', ' inf'],
      ['SORT', 'l', 'BY', 'w_*'],
      ['SET', 'w_3', '-0x1.8p1'],
      ['SORT', 'l', 'BY', 'w_*'],
      ['SET', 'w_3', ''],
      ['SORT', 'l', 'BY', 'w_*'],
      ['SET', 'w_3', '12 '],
      ['SORT', 'l', 'BY', 'w_*'],
      // Last: Redis tests errno after strtod without clearing it first, so once an out-of-range score set
      // ERANGE, its later numeric SORTs fail too until something clears errno (not reproduced here).
      ['SET', 'w_3', '1e400'],
      ['SORT', 'l', 'BY', 'w_*'],
      ['SORT', 'l', 'LIMIT', '1'],
      ['SORT', 'l', 'LIMIT', 'x', '1'],
      ['SORT', 'l', 'LIMIT', '1', 'x'],
      ['SORT', 'l', 'BY'],
      ['SORT', 'l', 'GET'],
      ['SORT', 'l', 'STORE'],
      ['SORT', 'l', 'FOO'],
      ['SORT_RO', 'l', 'STORE', 'dst'],
      ['SORT', 'h_x', 'FOO'],
      ['SORT', 'missing', 'FOO'],
    ],
  },
];

const LCS_CASES: Case[] = [
  {
    name: 'LCS',
    steps: [
      ['MSET', 'a', 'ohmytext', 'b', 'mynewtext', 'e', '', 'x', 'rxzvbxajbdclekabdcekjdcb'],
      ['SET', 'y', 'xbcdajbeklbxdcbacdbklxb'],
      ['LCS', 'a', 'b'],
      ['LCS', 'a', 'b', 'LEN'],
      ['LCS', 'a', 'b', 'IDX'],
      ['LCS', 'a', 'b', 'IDX', 'WITHMATCHLEN'],
      ['LCS', 'a', 'b', 'IDX', 'MINMATCHLEN', '4'],
      ['LCS', 'a', 'b', 'IDX', 'MINMATCHLEN', '4', 'WITHMATCHLEN'],
      ['LCS', 'a', 'b', 'IDX', 'MINMATCHLEN', '-4'],
      ['LCS', 'x', 'y', 'IDX', 'WITHMATCHLEN'],
      ['LCS', 'x', 'y'],
      ['LCS', 'a', 'e'],
      ['LCS', 'a', 'missing', 'IDX'],
      ['LCS', 'missing', 'missing2', 'LEN'],
      ['LCS', 'a', 'b', 'LEN', 'IDX'],
      ['LCS', 'a', 'b', 'MINMATCHLEN'],
      ['LCS', 'a', 'b', 'MINMATCHLEN', 'x'],
      ['LCS', 'a', 'b', 'FOO'],
      ['LCS', 'a', 'b', 'WITHMATCHLEN'],
      ['LCS', 'a', 'b', 'MINMATCHLEN', '2'],
      ['RPUSH', 'l', 'x'],
      ['LCS', 'a', 'l'],
      ['LCS', 'l', 'missing', 'FOO'],
      ['LCS', 'a'],
      ['SET', 'n', '12345'],
      ['LCS', 'n', 'a'],
      ['SET', 'c', '1234x5'],
      ['LCS', 'n', 'c', 'IDX'],
    ],
  },
];

describe('SORT and LCS side by side with redis-server, byte for byte', () => {
  test('SORT and SORT_RO', () => runGroup('sort', both(SORT_CASES)));
  test('LCS', () => runGroup('lcs', both(LCS_CASES)));
});

const SEED = Number(process.env.SORT_SEED ?? 20261203);

describe('seeded randomized differential', () => {
  test(`SORT: 600 random commands over random data (seed ${SEED})`, async () => {
    const g = new Gen(rng(SEED));
    const elem = (): string =>
      g.weighted<() => string>([
        [4, () => String(g.int(-50, 50))],
        [2, () => (g.int(-500, 500) / 10).toString()],
        [2, () => g.text(1, 4)],
      ])();
    const steps: Arg[][] = [];
    const refill = (): void => {
      steps.push(['FLUSHALL']);
      const els = g.some(g.int(0, 12), elem);
      if (els.length > 0) {
        steps.push(['RPUSH', 'l', ...els]);
        steps.push(['SADD', 's', ...els]);
        steps.push(['ZADD', 'z', ...els.flatMap((e, i) => [String(g.int(0, 5) + i / 100), e])]);
        // w_: unique weights present for every element (ALPHA BY may use them on any type).
        const uniq = [...new Set(els)];
        steps.push(['MSET', ...uniq.flatMap((e, i) => [`w_${e}`, `${g.int(0, 9)}${i}`])]);
        // v_: numeric, some missing, ties allowed (numeric ties are broken by the element).
        for (const e of uniq) if (g.chance(0.7)) steps.push(['SET', `v_${e}`, String(g.int(-3, 3))]);
        for (const e of uniq)
          if (g.chance(0.6)) steps.push(['HSET', `h_${e}`, 'f', String(g.int(0, 4)), 'g', g.text(1, 3)]);
      }
    };
    for (let i = 0; i < 600; i++) {
      if (i % 25 === 0) refill();
      const key = g.one(['l', 's', 'z', 'missing']);
      const args: Arg[] = ['SORT', key];
      const kind = g.int(0, 4);
      if (kind === 1) args.push('BY', 'v_*');
      else if (kind === 2) args.push('BY', 'h_*->f');
      else if (kind === 3) args.push('BY', 'w_*', 'ALPHA');
      else if (kind === 4 && key !== 's') args.push('BY', 'nosort');
      else if (g.chance(0.5)) args.push('ALPHA');
      if (g.chance(0.4)) args.push(g.one(['ASC', 'DESC']));
      if (g.chance(0.4)) args.push('LIMIT', String(g.int(-2, 8)), String(g.int(-2, 8)));
      for (let k = g.int(0, 2); k > 0; k--) args.push('GET', g.one(['#', 'w_*', 'v_*', 'h_*->g', 'h_*->f']));
      if (g.chance(0.2)) {
        args.push('STORE', 'dst');
        steps.push(args, ['LRANGE', 'dst', '0', '-1']);
      } else steps.push(args);
    }
    await runGroup(`random (seed ${SEED})`, [{ name: `seed ${SEED}`, steps }]);
  });
});
