// RESP reply encoding into latin1 strings (one char per byte); the client concatenates them and
// writes once per event-loop turn.
import { formatDouble } from './double.js';

export const OK = '+OK\r\n';
export const NULL_BULK = '$-1\r\n';
export const NULL_ARRAY = '*-1\r\n';
export const NULL3 = '_\r\n';
export const QUEUED = '+QUEUED\r\n';
export const EMPTY_ARRAY = '*0\r\n';

export function bulk(s: string): string {
  return `$${s.length}\r\n${s}\r\n`;
}

export function int(n: number | bigint): string {
  return `:${n}\r\n`;
}

/** An error reply; message must not contain CR/LF (they are replaced by spaces like Redis does). */
export function error(message: string): string {
  return `-${/[\r\n]/.test(message) ? message.replace(/[\r\n]+/g, ' ') : message}\r\n`;
}

export function double(d: number, resp: 2 | 3): string {
  const s = formatDouble(d);
  return resp === 3 ? `,${s}\r\n` : bulk(s);
}

/** Encodes a command as a RESP array of bulk strings (propagation, replication, MONITOR-free paths). */
export function command(argv: readonly string[]): string {
  let s = `*${argv.length}\r\n`;
  for (const a of argv) s += `$${a.length}\r\n${a}\r\n`;
  return s;
}
