// LOLWUT [VERSION v] [...]: the version dispatch and argument limits of redis-server 7.0 (version 5
// draws Schotter, version 6 the skyline, anything else answers the version line, as 7.0.15 does by
// default), replied as verbatim text (a bulk string in RESP2). The drawing is lolwut-art.ts.
import { cmd, NO_KEYS, type CommandSpec, type Ctx } from '../server/command.js';
import { RedisError, ERR_NOT_INTEGER } from '../store/errors.js';
import { REDIS_VERSION } from './connection.js';
import { drawSchotter, drawSkyline, renderBraille, renderGrays } from './lolwut-art.js';
import { parseIntStrict } from './util.js';

/** A long argument (Redis's getLongFromObjectOrReply), clamped to [min, max] as LOLWUT 5 and 6 do. */
function clampedArg(args: string[], i: number, fallback: number, min: number, max: number): number {
  if (i >= args.length) return fallback;
  const n = parseIntStrict(args[i]);
  if (n === null) throw new RedisError(ERR_NOT_INTEGER);
  return n < BigInt(min) ? min : n > BigInt(max) ? max : Number(n);
}

/** LOLWUT 5 [columns] [squares-per-row] [squares-per-col]. */
function lolwut5(c: Ctx, args: string[]): void {
  const cols = clampedArg(args, 0, 66, 1, 1000);
  const perRow = clampedArg(args, 1, 8, 1, 200);
  const perCol = clampedArg(args, 2, 12, 1, 200);
  const art = renderBraille(drawSchotter(cols, perRow, perCol));
  c.verbatim(`${art}\nGeorg Nees - schotter, plotter on paper, 1968. Redis ver. ${REDIS_VERSION}\n`);
}

/** LOLWUT 6 [columns] [rows]. */
function lolwut6(c: Ctx, args: string[]): void {
  const cols = clampedArg(args, 0, 80, 1, 1000);
  const rows = clampedArg(args, 1, 20, 1, 1000);
  const art = renderGrays(drawSkyline(cols, rows));
  c.verbatim(
    `${art}\nDedicated to the 8 bit game developers of past and present.\n` +
      `Original 8 bit image from Plaguemon by hikikomori. Redis ver. ${REDIS_VERSION}\n`,
  );
}

/** Which art a version string gets: Redis looks at its first three characters only. */
export function lolwutKind(v: string): 5 | 6 | 'version' {
  if ((v[0] === '5' && v[1] === '.' && v[2] !== '9') || (v[0] === '4' && v[1] === '.' && v[2] === '9'))
    return 5;
  if ((v[0] === '6' && v[1] === '.' && v[2] !== '9') || (v[0] === '5' && v[1] === '.' && v[2] === '9'))
    return 6;
  return 'version';
}

function lolwut(c: Ctx, argv: string[]): void {
  let v = REDIS_VERSION;
  let args = argv.slice(1);
  if (argv.length >= 3 && argv[1].toLowerCase() === 'version') {
    const n = parseIntStrict(argv[2]);
    if (n === null) throw new RedisError(ERR_NOT_INTEGER);
    // Redis prints the version as "%u.0.0" of the number cast to an unsigned int.
    v = `${BigInt.asUintN(32, n)}.0.0`;
    args = argv.slice(3);
  }
  const kind = lolwutKind(v);
  if (kind === 5) lolwut5(c, args);
  else if (kind === 6) lolwut6(c, args);
  else c.verbatim(`Redis ver. ${REDIS_VERSION}\n`);
}

export const commands: CommandSpec[] = [cmd('lolwut', -1, ['readonly', 'fast'], NO_KEYS, 'server', lolwut)];
