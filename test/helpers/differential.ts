// Differential testing against redis-server: the same steps sent to both servers over raw RESP, replies
// compared byte for byte (after an optional normalisation of unspecified order), every difference
// recorded with its case, input and both replies, and asserted at the end of a group.
import * as fs from 'node:fs';
import { startRedis, startTsredis, type RunningServer } from './procs.js';
import { Conn, sleep, type Arg, type Node } from './raw-resp.js';

export const clip = (s: string, n = 500): string =>
  s.length > n ? `${s.slice(0, n)}...(${s.length} chars)` : s;

export const show = (a: Arg[]): string =>
  clip(a.map((x) => (typeof x === 'string' ? JSON.stringify(x) : `<${x.length} bytes>`)).join(' '), 300);

/** Both strings from a little before their first difference, so long replies show where they part. */
export function aroundDifference(a: string, b: string): [string, string] {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  if (i < 200) return [clip(a), clip(b)];
  const cut = (s: string): string => `...${clip(s.slice(i - 120), 400)}`;
  return [cut(a), cut(b)];
}

/** DIFF_LOG=<file> (or SCRIPTING_DIFF_LOG) appends every comparison made (equal or not) to that file. */
const LOG = process.env.DIFF_LOG ?? process.env.SCRIPTING_DIFF_LOG;

export class Diffs {
  readonly list: string[] = [];

  /** Records a difference between redis-server's value (first) and tsredis's (second). */
  check(
    where: string,
    what: string,
    redis: unknown,
    tsredis: unknown,
    names = ['redis', 'tsredis'],
  ): boolean {
    const r = typeof redis === 'string' ? redis : JSON.stringify(redis);
    const t = typeof tsredis === 'string' ? tsredis : JSON.stringify(tsredis);
    if (LOG) {
      const line = `${r === t ? 'same' : 'DIFF'} ${where}: ${what}\n  ${names[0]}: ${JSON.stringify(r)}\n  ${names[1]}: ${JSON.stringify(t)}\n`;
      fs.appendFileSync(LOG, line);
    }
    if (r === t) return true;
    const [a, b] = aroundDifference(JSON.stringify(r ?? null), JSON.stringify(t ?? null));
    const w = Math.max(names[0].length, names[1].length) + 1;
    this.list.push(
      `${where}: ${what}\n    ${`${names[0]}:`.padEnd(w)} ${a}\n    ${`${names[1]}:`.padEnd(w)} ${b}`,
    );
    return false;
  }

  assertNone(context: string): void {
    if (this.list.length === 0) return;
    throw new Error(
      `${context}: ${this.list.length} difference(s) from redis-server:\n${this.list.join('\n')}`,
    );
  }
}

export interface Step {
  cmd: Arg[];
  /** Normalizes a reply before comparing (order that is unspecified). */
  norm?: (n: Node) => Node;
  /** Sent to both, reply not compared (e.g. HELLO, whose server fields differ). */
  ignore?: boolean;
}

export interface Case {
  name: string;
  steps: (Arg[] | Step)[];
  /** HELLO 3 on the connection first. */
  resp3?: boolean;
}

export const asStep = (s: Arg[] | Step): Step => (Array.isArray(s) ? { cmd: s } : s);

export interface Pair {
  R: RunningServer;
  T: RunningServer;
}

/** Runs each case on a fresh connection to each server (after FLUSHALL) and records the differences. */
export async function runCases(
  pair: Pair,
  cases: Case[],
  diffs: Diffs,
  setup: Arg[][] = [['FLUSHALL']],
): Promise<void> {
  for (const c of cases) {
    const [cr, ct] = await Promise.all([Conn.open(pair.R.port), Conn.open(pair.T.port)]);
    try {
      const steps: Step[] = [
        ...(c.resp3 ? [{ cmd: ['HELLO', '3'], ignore: true }] : []),
        ...setup.map((cmd) => ({ cmd })),
        ...c.steps.map(asStep),
      ];
      for (const s of steps) {
        const [a, b] = await Promise.all([cr.send(s.cmd), ct.send(s.cmd)]);
        if (s.ignore) continue;
        const norm = s.norm ?? ((n: Node) => n);
        diffs.check(c.name, `reply to ${show(s.cmd)}`, norm(a).raw, norm(b).raw);
        if (a.t === '?' || b.t === '?') {
          // A server that died cannot answer the remaining cases: say so and stop
          await sleep(200);
          const dead = [pair.R, pair.T].filter((x) => x.proc.exitCode !== null || x.proc.signalCode !== null);
          if (dead.length > 0) {
            for (const d of dead)
              diffs.list.push(
                `${c.name}: ${d === pair.R ? 'redis-server' : 'tsredis'} died:\n${d.output().slice(-3000)}`,
              );
            diffs.assertNone('server died');
          }
        }
      }
    } finally {
      cr.close();
      ct.close();
    }
  }
}

/**
 * The servers of a differential test file: redis-server and tsredis (no snapshots, no AOF) started
 * before its tests and stopped (their directories removed) after them. R and T are read once started.
 */
export function serverPair(): Pair & {
  runGroup(name: string, cases: Case[], setup?: Arg[][]): Promise<void>;
} {
  let pair: Pair | null = null;
  beforeAll(async () => {
    const [R, T] = await Promise.all([startRedis([]), startTsredis(['--save', '', '--appendonly', 'no'])]);
    pair = { R, T };
  });
  afterAll(async () => {
    if (pair === null) return;
    const all = [pair.R, pair.T];
    await Promise.all(all.map((s) => s.stop('SIGKILL')));
    for (const s of all) fs.rmSync(s.dir, { recursive: true, force: true });
  });
  const started = (): Pair => {
    if (pair === null) throw new Error('the servers are not started yet (use them inside tests)');
    return pair;
  };
  return {
    get R() {
      return started().R;
    },
    get T() {
      return started().T;
    },
    async runGroup(name: string, cases: Case[], setup?: Arg[][]): Promise<void> {
      const diffs = new Diffs();
      await runCases(started(), cases, diffs, setup);
      diffs.assertNone(name);
    },
  };
}
