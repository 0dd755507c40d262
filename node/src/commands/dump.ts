// DUMP and RESTORE: a value serialized as Redis does (RDB type and payload, RDB version, CRC64), so a
// payload moves between tsredis and redis-server in either direction.
import { cmd, type CommandSpec, type Ctx } from '../server/command.js';
import type { Client } from '../server/client.js';
import { RedisError, ERR_SYNTAX } from '../store/errors.js';
import type { RValue } from '../store/value.js';
import type { Entry } from '../store/keyspace.js';
import { RdbWriter } from '../persistence/rdb-writer.js';
import { decodeDumpPayload, RdbError } from '../persistence/rdb-reader.js';
import { expiryPolicy } from './keyspace.js';
import { argInt } from './util.js';
import { NOTIFY_GENERIC, NOTIFY_KEY_MISS } from '../config/notify-classes.js';

/** The DUMP payload of a live entry, as latin1 bytes: what DUMP replies and MIGRATE sends. */
export function dumpPayload(c: Ctx, e: Entry): string {
  // A value still packed from an RDB is serialized from its stored bytes, without decoding it. Strings
  // and listpacks are LZF-compressed only under rdbcompression yes, as Redis's DUMP does.
  const compress = (c as Client).server.config.getBool('rdbcompression');
  return RdbWriter.dumpPayload(e.stored, compress).toString('latin1');
}

function dump(c: Ctx, argv: string[]): void {
  const e = c.db.lookupEntry(argv[1]);
  if (e === undefined) {
    c.notify(NOTIFY_KEY_MISS, 'keymiss', argv[1]);
    return c.nil();
  }
  c.bulk(dumpPayload(c, e));
}

/** An integer option of RESTORE: not an integer, or out of its range, gets Redis's error. */
function optionInt(raw: string | undefined, message: string, max = Number.MAX_SAFE_INTEGER): number {
  if (raw === undefined) throw new RedisError(ERR_SYNTAX);
  const n = argInt(raw);
  if (n < 0 || n > max) throw new RedisError(message);
  return n;
}

function restore(c: Ctx, argv: string[]): void {
  const [, key, ttlArg, payload] = argv;
  let replace = false;
  let absTtl = false;
  let idle = false;
  let freq = false;
  for (let i = 4; i < argv.length; i++) {
    const a = argv[i].toUpperCase();
    if (a === 'REPLACE') replace = true;
    else if (a === 'ABSTTL') absTtl = true;
    else if (a === 'IDLETIME' && !freq) {
      optionInt(argv[++i], 'ERR Invalid IDLETIME value, must be >= 0');
      idle = true;
    } else if (a === 'FREQ' && !idle) {
      optionInt(argv[++i], 'ERR Invalid FREQ value, must be >= 0 and <= 255', 255);
      freq = true;
    } else throw new RedisError(ERR_SYNTAX);
  }
  const ttl = optionInt(ttlArg, 'ERR Invalid TTL value, must be >= 0');
  if (!replace && c.db.exists(key)) throw new RedisError('BUSYKEY Target key name already exists.');
  let value: RValue;
  try {
    value = decodeDumpPayload(Buffer.from(payload, 'latin1'));
  } catch (e) {
    throw new RedisError(e instanceof RdbError ? e.message : 'ERR Bad data format');
  }
  const at = ttl === 0 ? -1 : absTtl ? ttl : c.now() + ttl;
  if (at !== -1 && at <= c.now() && expiryPolicy.deleteOnPastExpire()) {
    // Already expired: nothing is created; a replaced key is deleted (and that is what replicates).
    if (replace && c.db.delete(key)) {
      c.propagateAs(['DEL', key]);
      c.notify(NOTIFY_GENERIC, 'del', key);
    } else c.propagateAs();
    return c.ok();
  }
  if (replace) c.db.delete(key);
  c.db.set(key, value);
  if (at !== -1) {
    c.db.setExpire(key, at);
    // Replicas get the absolute expiry, as Redis 7 propagates it.
    if (!absTtl)
      c.propagateAs(['RESTORE', key, String(at), payload, ...(replace ? ['REPLACE'] : []), 'ABSTTL']);
  }
  c.notify(NOTIFY_GENERIC, 'restore', key);
  c.ok();
}

const K1: [number, number, number] = [1, 1, 1];

export const commands: CommandSpec[] = [
  cmd('dump', 2, ['readonly'], K1, 'keyspace', dump),
  cmd('restore', -4, ['write', 'denyoom'], K1, 'keyspace', restore),
];
