// Loads an RDB buffer into the server's databases: keys go in as read; a master drops keys that have
// already expired (like Redis), a replica keeps them for its master's DELs. Returns the replication
// AUX fields (repl-id, repl-offset, repl-stream-db) for a partial resync after restart.
import type { Db } from '../store/db.js';
import { readRdb, RdbError, type RdbVisitor } from './rdb-reader.js';

export interface LoadedAux {
  replId: string | null;
  replOffset: number | null;
  streamDb: number;
  /** The FUNCTION libraries the RDB holds (their code), in order. */
  functions: string[];
  /** Keys loaded, and keys left out because they had expired (INFO's rdb_last_load_keys_*). */
  keysLoaded: number;
  keysExpired: number;
  /** Bytes of the buffer the RDB took (loadRdbIntoDbs only). */
  bytesRead?: number;
}

export function loadRdbIntoDbs(buf: Buffer, dbs: Db[], now: number, dropExpired: boolean): LoadedAux {
  const { visitor, aux } = dbLoader(dbs, now, dropExpired);
  aux.bytesRead = readRdb(buf, visitor);
  return aux;
}

/** A visitor that inserts what an RDB reader reads into dbs, and collects the replication aux fields. */
export function dbLoader(
  dbs: Db[],
  now: number,
  dropExpired: boolean,
): { visitor: RdbVisitor; aux: LoadedAux } {
  const aux: LoadedAux = {
    replId: null,
    replOffset: null,
    streamDb: 0,
    functions: [],
    keysLoaded: 0,
    keysExpired: 0,
  };
  const visitor: RdbVisitor = {
    lazy: true,
    aux(k, v) {
      if (k === 'repl-id' && /^[0-9a-f]{40}$/.test(v)) aux.replId = v;
      else if (k === 'repl-offset' && /^-?[0-9]+$/.test(v)) aux.replOffset = Number(v);
      else if (k === 'repl-stream-db' && /^[0-9]+$/.test(v)) aux.streamDb = Number(v);
    },
    functionLibrary(code) {
      aux.functions.push(code);
    },
    resizeDb(dbIndex, size) {
      // Sized once for what is coming instead of growing (and rehashing) step by step.
      dbs[dbIndex]?.ks.reserve(size);
    },
    key(dbIndex, key, value, expireAt) {
      const db = dbs[dbIndex];
      if (db === undefined)
        throw new RdbError(
          `FATAL: Data file was created with a Redis server configured to handle more than ${dbs.length} databases. Exiting`,
        );
      if (dropExpired && expireAt !== -1 && expireAt <= now) {
        aux.keysExpired++;
        return;
      }
      aux.keysLoaded++;
      const e = db.ks.setLoaded(key, value);
      if (expireAt !== -1) db.ks.setExpire(key, e, expireAt);
    },
  };
  return { visitor, aux };
}
