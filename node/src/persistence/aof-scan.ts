// Reading the commands of an AOF file as Redis 7.0's loadSingleAppendOnlyFile does: `#` annotation
// lines (aof-timestamp-enabled's `#TS:`) skipped, each command a RESP multi-bulk; the end is either
// clean, short (a truncated tail: a crash in the middle of a write), or a bad format (corruption), with
// the offset up to which the file is valid. A transaction left open at the end does not count: the
// valid offset is then the one before its MULTI, as Redis reverts it. Pure: no I/O, no execution.

export type ScanEnd = 'ok' | 'truncated' | 'bad-format';

export interface ScanResult {
  end: ScanEnd;
  /** Bytes from the start that hold whole commands (and no open MULTI). */
  validUpTo: number;
  /** Commands handed to onCommand. */
  commands: number;
  /** The file ended inside a MULTI (Redis logs "Revert incomplete MULTI/EXEC transaction"). */
  openMulti: boolean;
}

const CR = 13;
const LF = 10;

/** The line starting at i (without CRLF) and the index after it, or null if no LF follows. */
function readLine(buf: Buffer, i: number): [string, number] | null {
  const lf = buf.indexOf(LF, i);
  if (lf < 0) return null;
  const end = lf > i && buf[lf - 1] === CR ? lf - 1 : lf;
  return [buf.toString('latin1', i, end), lf + 1];
}

/**
 * Calls onCommand(argv, endOffset) for every whole command from `start`. A command inside a MULTI is
 * only handed over once its EXEC has been read (so a truncated transaction leaves no effect), as Redis
 * executes an AOF's transaction only when its EXEC is loaded.
 */
export function scanAof(
  buf: Buffer,
  start: number,
  onCommand: (argv: string[], end: number) => void,
  onAnnotation: (text: string) => void = () => undefined,
): ScanResult {
  let i = start;
  let validUpTo = start;
  let commands = 0;
  let tx: { argvs: string[][]; ends: number[] } | null = null;
  const done = (end: ScanEnd): ScanResult => ({ end, validUpTo, commands, openMulti: false });
  while (i < buf.length) {
    if (buf[i] === 0x23 /* # */) {
      const l = readLine(buf, i);
      if (l === null) return done('truncated');
      i = l[1];
      if (tx === null) {
        validUpTo = i;
        onAnnotation(l[0].slice(1));
      }
      continue;
    }
    if (buf[i] !== 0x2a /* * */) return done('bad-format');
    const head = readLine(buf, i);
    if (head === null) return done('truncated');
    const argc = Number(head[0].slice(1));
    if (!Number.isInteger(argc) || argc < 1 || head[0].length < 2) return done('bad-format');
    i = head[1];
    const argv: string[] = [];
    for (let a = 0; a < argc; a++) {
      if (i >= buf.length) return done('truncated');
      if (buf[i] !== 0x24 /* $ */) return done('bad-format');
      const lenLine = readLine(buf, i);
      if (lenLine === null) return done('truncated');
      const len = Number(lenLine[0].slice(1));
      if (!Number.isInteger(len) || len < 0 || lenLine[0].length < 2) return done('bad-format');
      i = lenLine[1];
      if (i + len + 2 > buf.length) return done('truncated');
      argv.push(buf.toString('latin1', i, i + len));
      i += len + 2;
    }
    const name = argv[0].toLowerCase();
    if (name === 'multi' && tx === null) {
      tx = { argvs: [argv], ends: [i] };
      continue;
    }
    if (tx !== null) {
      tx.argvs.push(argv);
      tx.ends.push(i);
      if (name !== 'exec') continue;
      for (let k = 0; k < tx.argvs.length; k++) {
        onCommand(tx.argvs[k], tx.ends[k]);
        commands++;
      }
      tx = null;
      validUpTo = i;
      continue;
    }
    onCommand(argv, i);
    commands++;
    validUpTo = i;
  }
  // An open MULTI at the end: the file is cut inside a transaction.
  return tx === null ? done('ok') : { ...done('truncated'), openMulti: true };
}
