// HyperLogLog commands: PFADD, PFCOUNT, PFMERGE, PFDEBUG and PFSELFTEST with Redis 7.0's replies,
// errors, events and side effects. An HLL is a plain string (raw encoding) holding Redis's exact bytes
// (store/hyperloglog.ts), converted to a Buffer once per command. As in Redis: PFCOUNT of one key with
// a stale cache writes the cardinality back (a modification, propagated as the PFCOUNT itself); a PFADD
// that meets a corrupt HLL halfway keeps the registers it already raised without announcing them; PFDEBUG
// GETREG / TODENSE convert to dense and count as a change without signalling the key.
import { cmd, type CommandSpec, type Ctx } from '../server/command.js';
import type { Client } from '../server/client.js';
import type { Server } from '../server/server.js';
import { RedisError, WRONGTYPE } from '../store/errors.js';
import { TaggedString } from '../store/tagged-string.js';
import { NOTIFY_STRING } from '../config/notify-classes.js';
import { getString } from './util.js';
import {
  HLL_DENSE,
  HLL_REGISTERS,
  HLL_SPARSE,
  HLL_SPARSE_MAX_BYTES,
  HllBytes,
  cacheValid,
  cachedCard,
  decodeSparse,
  denseGet,
  denseWouldChange,
  encodingOfHll,
  estimate,
  histogram,
  hllAdd,
  invalidateCache,
  isValidHll,
  mergeInto,
  rawHistogram,
  selfTest,
  setRegister,
  toDense,
  writeCache,
} from '../store/hyperloglog.js';

const ERR_INVALID_HLL = 'INVALIDOBJ Corrupted HLL object detected';
const ERR_NOT_HLL = 'WRONGTYPE Key is not a valid HyperLogLog string value.';
const SPARSE_MAX_BYTES_DIRECTIVE = 'hll-sparse-max-bytes';

/** The server behind a client's Ctx (undefined for the unit tests' TestCtx). */
function serverOf(c: Ctx): Server | undefined {
  return (c as Partial<Client>).server;
}

/** hll-sparse-max-bytes (Redis's default when a command runs without a server, in unit tests). */
function sparseMaxBytes(c: Ctx): number {
  const s = serverOf(c);
  return s === undefined ? HLL_SPARSE_MAX_BYTES : s.config.getInt(SPARSE_MAX_BYTES_DIRECTIVE);
}

/** Counts n more changes (Redis adds one per register PFADD raised; db.set counted the first). */
function addDirty(c: Ctx, n: number): void {
  const s = serverOf(c);
  if (s !== undefined && n > 0) s.dirty += n;
}

/** isHLLObjectOrReply: a string that is not an HLL is refused with Redis's WRONGTYPE text. */
function checkHll(s: string): string {
  if (!isValidHll(s)) throw new RedisError(ERR_NOT_HLL);
  return s;
}

/** The HLL at key for reading (keymiss when missing), validated; undefined when missing. */
function readHll(c: Ctx, key: string): string | undefined {
  const s = getString(c.db, key);
  return s === undefined ? undefined : checkHll(s);
}

/** The HLL at key looked up for writing, validated; undefined when missing. */
function writeHll(c: Ctx, key: string): string | undefined {
  const s = getString(c.db, key, true);
  return s === undefined ? undefined : checkHll(s);
}

/**
 * An HLL string whose byte after the end is not 0: an update of a corrupt body ending in half an XZERO
 * wrote there, and Redis's next command on the key reads that byte again, so the value keeps it.
 */
class HllValue extends TaggedString {
  constructor(
    s: string,
    readonly trailer: number,
  ) {
    super(s, true);
  }
}

/** The bytes of key's HLL string s, with the byte after them as the key's value left it. */
function load(c: Ctx, key: string, s: string): HllBytes {
  const held = c.db.ks.get(key)?.tagged;
  return HllBytes.fromString(s, held instanceof HllValue && held.s === s ? held.trailer : 0);
}

/** The value to store for h: raw, as every string PFADD and PFMERGE leave. */
function valueOf(h: HllBytes): TaggedString {
  const s = h.toString();
  return h.trailer === 0 ? new TaggedString(s, true) : new HllValue(s, h.trailer);
}

/** dbUnshareStringValue without a change: the value is held raw from now on (not a write). */
function unshare(c: Ctx, key: string): void {
  const e = c.db.ks.get(key);
  if (e !== undefined) c.db.ks.makeRaw(key, e);
}

/** Stores the HLL as a modification of key (signalled, dirty), keeping its TTL as an in-place change. */
function store(c: Ctx, key: string, h: HllBytes): void {
  c.db.set(key, valueOf(h), true);
}

/** Stores the HLL without signalling the key (Redis changed the string in place and said nothing). */
function storeSilently(c: Ctx, key: string, h: HllBytes): void {
  const e = c.db.ks.get(key);
  if (e !== undefined) c.db.ks.setFound(key, e, valueOf(h), true);
}

function pfadd(c: Ctx, argv: string[]): void {
  const key = argv[1];
  const cur = writeHll(c, key);
  if (cur !== undefined && encodingOfHll(cur) === HLL_DENSE && !denseWouldChange(cur, argv, 2)) {
    unshare(c, key);
    return c.int(0);
  }
  const h = cur === undefined ? HllBytes.empty() : load(c, key, cur);
  let updated = cur === undefined ? 1 : 0;
  const maxBytes = sparseMaxBytes(c);
  for (let j = 2; j < argv.length; j++) {
    const r = hllAdd(h, argv[j], maxBytes);
    if (r === 1) updated++;
    else if (r === -1) {
      // The registers raised before the corrupt part stay, unannounced, as in Redis.
      if (cur !== undefined) storeSilently(c, key, h);
      throw new RedisError(ERR_INVALID_HLL);
    }
  }
  if (updated > 0) {
    invalidateCache(h);
    store(c, key, h);
    c.notify(NOTIFY_STRING, 'pfadd', key);
    addDirty(c, updated - 1);
  } else unshare(c, key);
  c.int(updated > 0 ? 1 : 0);
}

/** A cardinality as Redis replies it (the uint64 read as a long long). */
function replyCard(c: Ctx, card: bigint): void {
  if (card < 9007199254740992n) c.int(Number(card));
  else c.int(BigInt.asIntN(64, card));
}

/** PFCOUNT of several keys: the cardinality of their union, computed in a temporary; nothing written. */
function countUnion(c: Ctx, keys: string[]): void {
  const regs = new Uint8Array(HLL_REGISTERS);
  for (const key of keys) {
    const s = readHll(c, key);
    if (s === undefined) continue;
    if (!mergeInto(regs, load(c, key, s))) throw new RedisError(ERR_INVALID_HLL);
  }
  replyCard(c, estimate(rawHistogram(regs)));
}

function pfcount(c: Ctx, argv: string[]): void {
  if (argv.length > 2) return countUnion(c, argv.slice(1));
  const key = argv[1];
  const s = readHll(c, key);
  if (s === undefined) return c.int(0);
  unshare(c, key);
  if (cacheValid(s)) return replyCard(c, cachedCard(s));
  const h = load(c, key, s);
  const hist = histogram(h);
  if (hist === null) throw new RedisError(ERR_INVALID_HLL);
  const card = estimate(hist);
  writeCache(h, card);
  store(c, key, h);
  propagateReadOnlyWrite(c, argv);
  replyCard(c, card);
}

/**
 * Redis propagates any command that changed the dataset, read-only ones included (a PFCOUNT that
 * refreshed the cache). The dispatcher propagates only commands flagged write or may_replicate, and
 * PFCOUNT is neither (COMMAND INFO says readonly), so it hands itself to propagation here.
 */
function propagateReadOnlyWrite(c: Ctx, argv: string[]): void {
  serverOf(c)?.propagate(c.db.id, argv);
}

function pfmerge(c: Ctx, argv: string[]): void {
  const regs = new Uint8Array(HLL_REGISTERS);
  let useDense = false;
  // The destination is merged too: it is argv[1], the first of the keys read.
  for (let j = 1; j < argv.length; j++) {
    const s = readHll(c, argv[j]);
    if (s === undefined) continue;
    if (encodingOfHll(s) === HLL_DENSE) useDense = true;
    if (!mergeInto(regs, load(c, argv[j], s))) throw new RedisError(ERR_INVALID_HLL);
  }
  const dest = argv[1];
  const cur = writeHll(c, dest);
  const h = cur === undefined ? HllBytes.empty() : load(c, dest, cur);
  if (useDense && !toDense(h)) throw new RedisError(ERR_INVALID_HLL);
  const maxBytes = sparseMaxBytes(c);
  for (let j = 0; j < HLL_REGISTERS; j++) if (regs[j] !== 0) setRegister(h, j, regs[j], maxBytes);
  invalidateCache(h);
  store(c, dest, h);
  // As Redis: a merge is announced as a (mass) pfadd.
  c.notify(NOTIFY_STRING, 'pfadd', dest);
  c.ok();
}

/** GETREG / TODENSE on a sparse HLL: converted in place, counted as a change, the key not signalled. */
function convertToDense(c: Ctx, key: string, h: HllBytes): void {
  if (!toDense(h)) throw new RedisError(ERR_INVALID_HLL);
  storeSilently(c, key, h);
  addDirty(c, 1);
}

function pfdebug(c: Ctx, argv: string[]): void {
  const sub = argv[1];
  const key = argv[2];
  const v = c.db.lookupWrite(key);
  if (v === undefined) throw new RedisError('ERR The specified key does not exist');
  if (typeof v !== 'string') throw new RedisError(WRONGTYPE);
  const s = checkHll(v);
  unshare(c, key);
  const h = load(c, key, s);
  switch (sub.toLowerCase()) {
    case 'getreg': {
      if (h.encoding === HLL_SPARSE) convertToDense(c, key, h);
      c.arrayLen(HLL_REGISTERS);
      for (let j = 0; j < HLL_REGISTERS; j++) c.int(denseGet(h.buf, j));
      return;
    }
    case 'decode':
      if (h.encoding !== HLL_SPARSE) throw new RedisError('ERR HLL encoding is not sparse');
      return c.bulk(decodeSparse(h));
    case 'encoding':
      return c.simple(h.encoding === HLL_DENSE ? 'dense' : 'sparse');
    case 'todense': {
      const sparse = h.encoding === HLL_SPARSE;
      if (sparse) convertToDense(c, key, h);
      return c.int(sparse ? 1 : 0);
    }
    default:
      throw new RedisError(`ERR Unknown PFDEBUG subcommand '${sub}'`);
  }
}

function pfselftest(c: Ctx): void {
  const failure = selfTest(sparseMaxBytes(c), () => Math.floor(Math.random() * 0x80000000));
  if (failure !== null) throw new RedisError(`ERR ${failure}`);
  c.ok();
}

export const commands: CommandSpec[] = [
  cmd('pfadd', -2, ['write', 'denyoom', 'fast'], [1, 1, 1], 'hyperloglog', pfadd),
  cmd('pfcount', -2, ['readonly'], [1, -1, 1], 'hyperloglog', pfcount),
  cmd('pfmerge', -2, ['write', 'denyoom'], [1, -1, 1], 'hyperloglog', pfmerge),
  cmd('pfdebug', 3, ['write', 'denyoom', 'admin'], [2, 2, 1], 'hyperloglog', pfdebug),
  cmd('pfselftest', 1, ['admin'], [0, 0, 0], 'hyperloglog', pfselftest),
];
