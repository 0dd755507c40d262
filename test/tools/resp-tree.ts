// Reading parsed RESP replies (test/helpers/raw-resp.ts nodes) as values: text, integers, children and
// map pairs, for the command-table tools and tests.
import type { Node } from '../helpers/raw-resp.js';

/** The text of a bulk string, simple string, verbatim string or error. */
export function text(n: Node): string {
  if (n.t === '$' || n.t === '=') {
    const eol = n.raw.indexOf('\r\n');
    return n.raw.slice(eol + 2, n.raw.length - 2);
  }
  if (n.t === '+' || n.t === '-') return n.raw.slice(1, n.raw.length - 2);
  throw new Error(`not a string reply: ${JSON.stringify(n.raw.slice(0, 80))}`);
}

export function int(n: Node): number {
  if (n.t !== ':') throw new Error(`not an integer reply: ${JSON.stringify(n.raw.slice(0, 80))}`);
  return Number(n.raw.slice(1, n.raw.length - 2));
}

export function items(n: Node): Node[] {
  if (n.c === undefined) throw new Error(`not an aggregate reply: ${JSON.stringify(n.raw.slice(0, 80))}`);
  return n.c;
}

/** A map reply (RESP3 %, or a RESP2 flat array) as [key, value] pairs in their order. */
export function pairs(n: Node): [string, Node][] {
  const c = items(n);
  const out: [string, Node][] = [];
  for (let i = 0; i + 1 < c.length; i += 2) out.push([text(c[i]), c[i + 1]]);
  return out;
}

export function texts(n: Node): string[] {
  return items(n).map(text);
}
