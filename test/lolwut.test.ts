// LOLWUT side by side with redis-server 7.0.15, over RESP2 (bulk string) and RESP3 (verbatim text):
// byte for byte where the answer is deterministic (the version line, argument errors, a Schotter of
// at most two rows of squares, a one-row skyline, the limits clamping the arguments), and, where the
// art is random, its shape: the reply type, the number of lines, each line's width in characters, the
// characters used (Braille dots, or the four gray escape sequences) and the closing text.
import { Diffs, serverPair, type Case } from './helpers/differential.js';
import { Conn, type Arg, type Node } from './helpers/raw-resp.js';
import { text } from './tools/resp-tree.js';

const P = serverPair();

/** The skyline's four gray cells (foreground and background colours, a space, a reset). */
const GRAYS = ['0;30;40m', '0;90;100m', '0;37;47m', '0;97;107m'].map((e) => `\x1b[${e} \x1b[0m`);

/** One cell of any colour: ESC [ colours m, a space, ESC [ 0 m. */
const ESC = String.fromCharCode(27);
const CELL = new RegExp(`${ESC}\\[[0-9;]+m ${ESC}\\[0m`, 'g');

const V = (...a: string[]): string[] => ['LOLWUT', 'VERSION', ...a];

const DETERMINISTIC: Arg[][] = [
  ['LOLWUT'],
  ['lolwut', 'version'],
  ['LOLWUT', 'foo', 'bar'],
  ['LOLWUT', '5', '10', '10'],
  V('7'),
  V('1'),
  V('4'),
  V('59'),
  V('69'),
  V('-1'),
  V('4294967303'),
  V('x'),
  V('5.0'),
  V(''),
  V('99999999999999999999'),
  V('5', 'x'),
  V('5', '10', 'y'),
  V('5', '10', '3', 'z'),
  V('6', 'x'),
  V('6', '10', '1.5'),
  V('5', '10', '3', '2'),
  V('5', '1', '1', '1'),
  V('5', '2', '1', '1'),
  V('5', '0', '-7', '-9223372036854775808'),
  V('5', '100000', '100000', '2'),
  V('5', '66', '8', '1', 'extra', 'args'),
  V('4294967301', '3', '2', '1'),
  V('6', '80', '1'),
  V('6', '0', '0'),
  V('6', '5000', '-3'),
];

describe('LOLWUT, side by side with redis-server', () => {
  test('deterministic answers byte for byte, RESP2 and RESP3', async () => {
    const cases: Case[] = [false, true].map((resp3) => ({
      name: resp3 ? 'RESP3' : 'RESP2',
      resp3,
      steps: DETERMINISTIC,
    }));
    await P.runGroup('LOLWUT', cases);
  });

  /** The shape of a random picture: what must not depend on the random numbers. */
  function shape(n: Node): unknown {
    const body = text(n);
    const lines = Buffer.from(body, 'latin1').toString('utf8').split('\n');
    const kinds = new Set<string>();
    const widths = lines.map((l) => {
      if (l.includes(ESC)) {
        const cells = l.match(CELL) ?? [];
        for (const c of cells) kinds.add(c);
        return `${cells.length} cells${cells.join('') === l ? '' : ' + other text'}`;
      }
      if (/^[\u2800-\u28ff]+$/.test(l)) {
        kinds.add('braille');
        return `${[...l].length} braille`;
      }
      return l;
    });
    // Which of the allowed characters a random picture uses is chance; that it uses no others is not.
    const allowed = [...kinds].every((k) => k === 'braille' || GRAYS.includes(k));
    return { type: n.t, lines: lines.length, widths, allowed };
  }

  test('random pictures: reply type, lines, widths, characters and closing text', async () => {
    const diffs = new Diffs();
    const random: Arg[][] = [
      V('5'),
      V('5', '30', '5', '5'),
      V('5', '7', '3', '40'),
      V('6'),
      V('6', '40', '10'),
      V('6', '3', '30'),
      ['LOLWUT', 'VERSION', '6', '1000', '3'],
    ];
    for (const resp3 of [false, true]) {
      const [r, t] = await Promise.all([Conn.open(P.R.port), Conn.open(P.T.port)]);
      try {
        if (resp3) await Promise.all([r.send(['HELLO', '3']), t.send(['HELLO', '3'])]);
        for (const cmd of random) {
          const [a, b] = await Promise.all([r.send(cmd), t.send(cmd)]);
          diffs.check(resp3 ? 'RESP3' : 'RESP2', JSON.stringify(cmd), shape(a), shape(b));
        }
      } finally {
        r.close();
        t.close();
      }
    }
    diffs.assertNone('LOLWUT shapes');
  });

  test('the pictures are random, in tsredis as in redis-server', async () => {
    for (const port of [P.R.port, P.T.port]) {
      const c = await Conn.open(port);
      try {
        const pictures = new Set<string>();
        for (let i = 0; i < 3; i++) {
          pictures.add((await c.send(V('5'))).raw);
          pictures.add((await c.send(V('6'))).raw);
        }
        expect(pictures.size).toBe(6);
      } finally {
        c.close();
      }
    }
  });
});
