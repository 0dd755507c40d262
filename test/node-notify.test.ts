// Integration, side by side with redis-server 7.0: keyspace notifications. One scripted sequence covering
// every command family (strings, keyspace, dump/restore, lists with blocking pops served later and LMOVE,
// hashes, sets, sorted sets, MULTI, expiry: a past time, keys that actually expire, lazily and by the
// active cycle) runs against both servers, each with a PSUBSCRIBE __key*__:* subscriber; the two streams
// of events (key-space and key-event channels) must be equal, step by step and event by event.
import type { Redis } from 'ioredis';
import { waitFor } from './helpers/procs.js';
import { clientFor, startKind, stopAll, type Kind } from './helpers/side-by-side.js';

afterEach(async () => {
  await stopAll();
});

const SYNC = 'notify-test-sync';

/** What one step of the script announced: its label and the events, as "channel message". */
interface StepEvents {
  step: string;
  events: string[];
}

/** The script's view of one server: its clients and the events recorded so far. */
class Session {
  readonly steps: StepEvents[] = [];
  private pending: string[] = [];
  private waiting: { label: string; done: () => void } | null = null;
  private blockedReplies: Promise<unknown>[] = [];
  private n = 0;

  constructor(
    readonly r: Redis,
    private readonly sub: Redis,
    private readonly blockers: Redis[],
  ) {
    sub.on('pmessage', (_pattern: string, channel: string, message: string) => {
      this.pending.push(`${channel} ${message}`);
    });
    sub.on('message', (channel: string, message: string) => {
      if (channel !== SYNC || this.waiting === null || message !== this.waiting.label) return;
      const w = this.waiting;
      this.waiting = null;
      w.done();
    });
  }

  /** Closes a step: a marker published after it arrives after every event the step caused. */
  private async mark(step: string): Promise<void> {
    const label = String(this.n++);
    const arrived = new Promise<void>((done) => (this.waiting = { label, done }));
    await this.r.publish(SYNC, label);
    await arrived;
    this.steps.push({ step, events: this.pending });
    this.pending = [];
  }

  /** Runs one command (an error reply is an answer too) and records its events. */
  async cmd(...args: (string | Buffer)[]): Promise<unknown> {
    let reply: unknown;
    try {
      reply = await this.r.call(args[0] as string, ...args.slice(1));
    } catch (e) {
      reply = `ERROR ${(e as Error).message}`;
    }
    await this.mark(args.map((a) => (typeof a === 'string' ? a : '<payload>')).join(' '));
    return reply;
  }

  /** Runs commands as one MULTI ... EXEC and records their events as one step. */
  async multi(...cmds: string[][]): Promise<unknown> {
    const m = this.r.multi();
    for (const c of cmds) m.call(c[0], ...c.slice(1));
    const reply = await m.exec();
    await this.mark(`MULTI ${cmds.map((c) => c.join(' ')).join('; ')} EXEC`);
    return reply;
  }

  /** Sends a blocking command on blocker i and waits until the server counts `blocked` blocked clients. */
  async block(i: number, blocked: number, ...args: string[]): Promise<void> {
    this.blockedReplies[i] = this.blockers[i].call(args[0], ...args.slice(1));
    await waitFor(async () => blockedClients(await this.r.info('clients')) === blocked, 10000, 'blocked');
    await this.mark(`(blocked) ${args.join(' ')}`);
  }

  /** The reply blocker i got once served (or timed out). */
  async served(i: number): Promise<unknown> {
    const reply = await this.blockedReplies[i];
    await this.mark(`(served ${i})`);
    return reply;
  }

  /** Polls (with commands that announce nothing) until `check` holds, then records what arrived. */
  async until(what: string, check: () => Promise<boolean>): Promise<void> {
    await waitFor(check, 10000, what);
    await this.mark(`(until ${what})`);
  }
}

function blockedClients(info: string): number {
  return Number(/blocked_clients:(\d+)/.exec(info)?.[1] ?? -1);
}

async function session(kind: Kind, flags: string): Promise<Session> {
  const { s, r } = await startKind(kind, ['--enable-debug-command', 'yes']);
  await r.config('SET', 'notify-keyspace-events', flags);
  const sub = clientFor(s.port);
  await sub.psubscribe('__key*__:*');
  await sub.subscribe(SYNC);
  return new Session(r, sub, [clientFor(s.port), clientFor(s.port), clientFor(s.port)]);
}

/** The sequence both servers run. */
async function script(t: Session): Promise<void> {
  // The active expiry cycle runs only where the script waits for it, so every event has its step.
  await t.cmd('DEBUG', 'SET-ACTIVE-EXPIRE', '0');
  // ---- strings ----
  await t.cmd('SET', 's1', 'v');
  await t.cmd('SET', 's1', 'w', 'GET');
  await t.cmd('SET', 's2', 'v', 'GET');
  await t.cmd('SET', 's1', 'x', 'NX');
  await t.cmd('SET', 's3', 'x', 'XX');
  await t.cmd('SET', 's1', 'y', 'XX', 'EX', '100');
  await t.cmd('SET', 's1', 'z', 'KEEPTTL');
  await t.cmd('SET', 's4', 'v', 'PXAT', '1'); // a past time: 'set' and 'expire', the key expires later
  await t.cmd('GET', 's4');
  await t.cmd('GET', 'nokey');
  await t.cmd('SET', 's5', 'v', 'EX', 'abc');
  await t.cmd('SETNX', 's6', 'v');
  await t.cmd('SETNX', 's6', 'v');
  await t.cmd('SETEX', 's7', '100', 'v');
  await t.cmd('PSETEX', 's8', '100000', 'v');
  await t.cmd('GETSET', 's9', 'v');
  await t.cmd('GETSET', 's9', 'w');
  await t.cmd('MSET', 'm1', '1', 'm2', '2', 'm1', '3');
  await t.cmd('MSETNX', 'm3', '1', 'm4', '2');
  await t.cmd('MSETNX', 'm4', '1', 'm5', '2');
  await t.cmd('MGET', 'm1', 'nokey', 'm2', 'nokey2');
  await t.cmd('INCR', 'n1');
  await t.cmd('DECR', 'n1');
  await t.cmd('INCRBY', 'n1', '10');
  await t.cmd('DECRBY', 'n1', '3');
  await t.cmd('INCR', 's1');
  await t.cmd('INCRBYFLOAT', 'n2', '1.5');
  await t.cmd('INCRBYFLOAT', 'n2', '0.25');
  await t.cmd('APPEND', 'a1', 'x');
  await t.cmd('APPEND', 'a1', '');
  await t.cmd('SETRANGE', 'r1', '0', 'abc');
  await t.cmd('SETRANGE', 'r1', '1', '');
  await t.cmd('SETRANGE', 'r2', '0', '');
  await t.cmd('SETRANGE', 'r1', '5', 'z');
  await t.cmd('SETBIT', 'b1', '3', '1');
  await t.cmd('SETBIT', 'b1', '3', '1');
  await t.cmd('SETBIT', 'b1', '3', '0');
  await t.cmd('SETBIT', 'b1', '100', '0');
  await t.cmd('GETBIT', 'nokey', '1');
  await t.cmd('BITCOUNT', 'nokey');
  await t.cmd('BITCOUNT', 'nokey', '0', '1', 'BIT');
  await t.cmd('STRLEN', 'nokey');
  await t.cmd('GETRANGE', 'nokey', '0', '1');
  await t.cmd('GETRANGE', 'nokey', 'a', 'b');
  await t.cmd('GETDEL', 'a1');
  await t.cmd('GETDEL', 'a1');
  await t.cmd('SET', 'g1', 'v');
  await t.cmd('GETEX', 'g1');
  await t.cmd('GETEX', 'g1', 'EX', '100');
  await t.cmd('GETEX', 'g1', 'PERSIST');
  await t.cmd('GETEX', 'g1', 'PERSIST');
  await t.cmd('GETEX', 'g1', 'PXAT', '1');
  await t.cmd('GETEX', 'nokey', 'EX', '0');
  await t.cmd('LPUSH', 'wrong', 'a');
  await t.cmd('SET', 'wrong', 'v', 'GET');
  await t.cmd('GET', 'wrong');

  // ---- keyspace ----
  await t.cmd('DEL', 's1', 'nokey', 's6', 's7');
  await t.cmd('UNLINK', 's8', 'nokey');
  await t.cmd('EXISTS', 's9', 'nokey', 's9');
  await t.cmd('TOUCH', 'nokey', 's9');
  await t.cmd('TYPE', 'nokey');
  await t.cmd('TYPE', 'wrong');
  await t.cmd('SET', 'k1', 'v', 'EX', '100');
  await t.cmd('RENAME', 'k1', 'k2');
  await t.cmd('RENAME', 'k2', 'k2');
  await t.cmd('RENAME', 'nokey', 'k3');
  await t.cmd('SET', 'k3', 'v');
  await t.cmd('RENAME', 'k2', 'k3');
  await t.cmd('RENAMENX', 'k3', 'k4');
  await t.cmd('SET', 'k5', 'v');
  await t.cmd('RENAMENX', 'k4', 'k5');
  await t.cmd('COPY', 'k5', 'c1');
  await t.cmd('COPY', 'k5', 'c1');
  await t.cmd('COPY', 'k5', 'c1', 'REPLACE');
  await t.cmd('COPY', 'nokey', 'c2');
  await t.cmd('COPY', 'k5', 'c1', 'DB', '1');
  await t.cmd('COPY', 'k5', 'c1', 'DB', '1', 'REPLACE');
  await t.cmd('MOVE', 'c1', '2');
  await t.cmd('MOVE', 'c1', '2');
  await t.cmd('MOVE', 'nokey', '2');
  await t.cmd('OBJECT', 'ENCODING', 'nokey');
  await t.cmd('EXPIRE', 'k5', '100');
  await t.cmd('PEXPIRE', 'k5', '100000');
  await t.cmd('EXPIREAT', 'k5', '99999999999');
  await t.cmd('PEXPIREAT', 'k5', '99999999999000');
  await t.cmd('EXPIRE', 'k5', '100', 'NX');
  await t.cmd('EXPIRE', 'nokey', '100');
  await t.cmd('TTL', 'nokey');
  await t.cmd('PTTL', 'nokey');
  await t.cmd('EXPIRETIME', 'nokey');
  await t.cmd('PEXPIRETIME', 'nokey');
  await t.cmd('PERSIST', 'k5');
  await t.cmd('PERSIST', 'k5');
  await t.cmd('PERSIST', 'nokey');
  await t.cmd('EXPIRE', 'k5', '-1');
  await t.cmd('SET', 'k6', 'v');
  await t.cmd('PEXPIREAT', 'k6', '1');
  await t.cmd('DUMP', 'nokey');
  await t.cmd('SET', 'd1', 'payload');
  const payload = (await t.r.callBuffer('DUMP', 'd1')) as Buffer;
  await t.cmd('RESTORE', 'd2', '0', payload);
  await t.cmd('RESTORE', 'd2', '0', payload);
  await t.cmd('RESTORE', 'd2', '0', payload, 'REPLACE');
  await t.cmd('RESTORE', 'd3', '100000', payload);
  await t.cmd('RESTORE', 'd3', '1', payload, 'REPLACE', 'ABSTTL');
  await t.cmd('RESTORE', 'd4', '1', payload, 'ABSTTL');

  // ---- lists ----
  await t.cmd('LPUSH', 'l1', 'a', 'b', 'c');
  await t.cmd('RPUSH', 'l1', 'd');
  await t.cmd('LPUSHX', 'nolist', 'a');
  await t.cmd('RPUSHX', 'l1', 'e');
  await t.cmd('LPOP', 'l1');
  await t.cmd('RPOP', 'l1', '2');
  await t.cmd('LPOP', 'l1', '0');
  await t.cmd('LPOP', 'nolist');
  await t.cmd('LLEN', 'nolist');
  await t.cmd('LINDEX', 'nolist', 'abc');
  await t.cmd('LRANGE', 'nolist', '0', '-1');
  await t.cmd('LPOS', 'nolist', 'a');
  await t.cmd('LSET', 'l1', '0', 'x');
  await t.cmd('LSET', 'l1', '9', 'x');
  await t.cmd('LSET', 'nolist', '0', 'x');
  await t.cmd('LINSERT', 'l1', 'BEFORE', 'x', 'y');
  await t.cmd('LINSERT', 'l1', 'AFTER', 'nothere', 'y');
  await t.cmd('LREM', 'l1', '1', 'y');
  await t.cmd('LREM', 'l1', '1', 'nothere');
  await t.cmd('LTRIM', 'l1', '0', '-1');
  await t.cmd('LTRIM', 'l1', '5', '10');
  await t.cmd('RPUSH', 'l2', 'a', 'b', 'a');
  await t.cmd('LREM', 'l2', '0', 'a');
  await t.cmd('LMOVE', 'l2', 'l3', 'LEFT', 'RIGHT');
  await t.cmd('RPUSH', 'l3', 'c');
  await t.cmd('LMOVE', 'l3', 'l3', 'LEFT', 'RIGHT');
  await t.cmd('LMOVE', 'l3', 'l4', 'RIGHT', 'LEFT');
  await t.cmd('RPOPLPUSH', 'l3', 'l4');
  await t.cmd('LMOVE', 'nolist', 'l4', 'LEFT', 'LEFT');
  await t.cmd('LMOVE', 'l4', 'wrongs', 'LEFT', 'LEFT');
  await t.cmd('SET', 'wrongs', 'v');
  await t.cmd('LMOVE', 'l4', 'wrongs', 'LEFT', 'LEFT');
  await t.cmd('LMPOP', '2', 'nolist', 'l4', 'LEFT', 'COUNT', '5');
  await t.cmd('RPUSH', 'l5', 'a', 'b', 'c');
  await t.cmd('BLPOP', 'nolist', 'l5', '0');
  await t.cmd('BRPOP', 'l5', '0');
  await t.cmd('BLMOVE', 'l5', 'l6', 'LEFT', 'LEFT', '0');
  await t.cmd('BRPOPLPUSH', 'l6', 'l5', '0');
  await t.cmd('BLMPOP', '0', '1', 'l5', 'RIGHT', 'COUNT', '2');
  // Blocking pops served later, by the push of another client.
  await t.block(0, 1, 'BLPOP', 'bl1', '0');
  await t.cmd('RPUSH', 'bl1', 'a', 'b');
  await t.served(0);
  await t.block(0, 1, 'BRPOP', 'bl2', 'bl3', '0');
  await t.block(1, 2, 'BLPOP', 'bl2', '0');
  await t.cmd('RPUSH', 'bl2', 'a');
  await t.served(0);
  await t.cmd('RPUSH', 'bl2', 'b', 'c');
  await t.served(1);
  await t.block(0, 1, 'BLMOVE', 'bm1', 'bm2', 'LEFT', 'RIGHT', '0');
  await t.cmd('RPUSH', 'bm1', 'x');
  await t.served(0);
  await t.block(0, 1, 'BRPOPLPUSH', 'bm3', 'bm3', '0');
  await t.cmd('LPUSH', 'bm3', 'y');
  await t.served(0);
  await t.block(0, 1, 'BLMPOP', '0', '1', 'bm4', 'LEFT', 'COUNT', '3');
  await t.cmd('RPUSH', 'bm4', 'a', 'b');
  await t.served(0);
  await t.block(0, 1, 'BLPOP', 'bm5', '0.05');
  await t.served(0);
  await t.multi(['RPUSH', 'bl1', 'z'], ['BLPOP', 'bl1', '0'], ['BLPOP', 'bl1', '0'], ['LPUSH', 'bl1', 'q']);

  // ---- hashes ----
  await t.cmd('HSET', 'h1', 'a', '1', 'b', '2');
  await t.cmd('HSET', 'h1', 'a', '1');
  await t.cmd('HMSET', 'h1', 'c', '3');
  await t.cmd('HSETNX', 'h1', 'a', '9');
  await t.cmd('HSETNX', 'h1', 'd', '4');
  await t.cmd('HSETNX', 'h2', 'a', '1');
  await t.cmd('HGET', 'nohash', 'a');
  await t.cmd('HGET', 'h1', 'nofield');
  await t.cmd('HMGET', 'nohash', 'a', 'b');
  await t.cmd('HDEL', 'h1', 'a', 'nofield');
  await t.cmd('HDEL', 'h1', 'nofield');
  await t.cmd('HDEL', 'nohash', 'a');
  for (const c of ['HLEN', 'HKEYS', 'HVALS', 'HGETALL', 'HRANDFIELD']) await t.cmd(c, 'nohash');
  await t.cmd('HSTRLEN', 'nohash', 'a');
  await t.cmd('HEXISTS', 'nohash', 'a');
  await t.cmd('HRANDFIELD', 'nohash', '2');
  await t.cmd('HSCAN', 'nohash', '0', 'COUNT', '0');
  await t.cmd('HINCRBY', 'h1', 'n', '5');
  await t.cmd('HINCRBY', 'h3', 'n', '5');
  await t.cmd('HINCRBY', 'h1', 'b', 'x');
  await t.cmd('HINCRBY', 'h1', 'c', '9223372036854775807');
  await t.cmd('HINCRBYFLOAT', 'h1', 'f', '1.5');
  await t.cmd('HINCRBYFLOAT', 'h4', 'f', '1.5');
  await t.cmd('HDEL', 'h2', 'a');

  // ---- sets ----
  await t.cmd('SADD', 'st1', 'a', 'b', 'c');
  await t.cmd('SADD', 'st1', 'a');
  await t.cmd('SADD', 'st1', 'd');
  await t.cmd('SREM', 'st1', 'a', 'nomember');
  await t.cmd('SREM', 'st1', 'nomember');
  await t.cmd('SREM', 'noset', 'a');
  for (const c of ['SCARD', 'SMEMBERS', 'SRANDMEMBER']) await t.cmd(c, 'noset');
  await t.cmd('SISMEMBER', 'noset', 'a');
  await t.cmd('SMISMEMBER', 'noset', 'a', 'b');
  await t.cmd('SRANDMEMBER', 'noset', '3');
  await t.cmd('SSCAN', 'noset', '0', 'COUNT', 'x');
  await t.cmd('SPOP', 'noset');
  await t.cmd('SPOP', 'st1');
  await t.cmd('SADD', 'st2', 'a', 'b', 'c', 'd', 'e');
  await t.cmd('SPOP', 'st2', '2');
  await t.cmd('SPOP', 'st2', '0');
  await t.cmd('SPOP', 'st2', '10');
  await t.cmd('SADD', 'st3', 'a');
  await t.cmd('SPOP', 'st3');
  await t.cmd('SADD', 'st4', 'a', 'b', 'c');
  await t.cmd('SMOVE', 'st4', 'st5', 'a');
  await t.cmd('SADD', 'st5', 'b');
  await t.cmd('SMOVE', 'st4', 'st5', 'b');
  await t.cmd('SMOVE', 'st4', 'st5', 'c');
  await t.cmd('SMOVE', 'st5', 'st5', 'a');
  await t.cmd('SMOVE', 'st5', 'st6', 'nomember');
  await t.cmd('SMOVE', 'noset', 'wrong', 'a');
  await t.cmd('SMOVE', 'st5', 'wrong', 'a');
  await t.cmd('SADD', 'st6', 'a', 'x');
  await t.cmd('SINTER', 'noset', 'st5', 'noset2');
  await t.cmd('SUNION', 'noset', 'wrongs', 'noset2');
  await t.cmd('SDIFF', 'st5', 'noset');
  await t.cmd('SINTERSTORE', 'sd1', 'st5', 'st6');
  await t.cmd('SINTERSTORE', 'sd1', 'st5', 'noset');
  await t.cmd('SINTERSTORE', 'sd9', 'noset');
  await t.cmd('SUNIONSTORE', 'sd2', 'st5', 'st6');
  await t.cmd('SUNIONSTORE', 'sd2', 'st5');
  await t.cmd('SDIFFSTORE', 'sd3', 'st6', 'st5');
  await t.cmd('SDIFFSTORE', 'sd3', 'noset', 'st6');
  await t.cmd('SINTERCARD', '2', 'noset', 'st5');
  await t.cmd('SINTERCARD', '2', 'noset', 'st5', 'LIMIT', 'x');
  await t.cmd('SINTERSTORE', 'st6', 'st6', 'st5');

  // ---- sorted sets ----
  await t.cmd('ZADD', 'z1', '1', 'a', '2', 'b', '3', 'c');
  await t.cmd('ZADD', 'z1', '1', 'a');
  await t.cmd('ZADD', 'z1', '5', 'a');
  await t.cmd('ZADD', 'z1', 'NX', '9', 'a');
  await t.cmd('ZADD', 'z1', 'XX', '9', 'nomember');
  await t.cmd('ZADD', 'z2', 'XX', '1', 'a');
  await t.cmd('ZADD', 'z1', 'GT', '1', 'a');
  await t.cmd('ZADD', 'z1', 'INCR', '1', 'a');
  await t.cmd('ZADD', 'z1', 'INCR', '0', 'a');
  await t.cmd('ZADD', 'z1', 'CH', '7', 'b');
  await t.cmd('ZINCRBY', 'z1', '1', 'a');
  await t.cmd('ZINCRBY', 'z1', '0', 'a');
  await t.cmd('ZINCRBY', 'z3', '0', 'a');
  for (const c of ['ZCARD', 'ZRANDMEMBER']) await t.cmd(c, 'nozset');
  for (const c of ['ZSCORE', 'ZRANK', 'ZREVRANK']) await t.cmd(c, 'nozset', 'a');
  await t.cmd('ZMSCORE', 'nozset', 'a', 'b');
  await t.cmd('ZCOUNT', 'nozset', '0', '1');
  await t.cmd('ZCOUNT', 'nozset', 'a', 'b');
  await t.cmd('ZLEXCOUNT', 'nozset', '-', '+');
  await t.cmd('ZRANGE', 'nozset', '0', '-1');
  await t.cmd('ZRANGE', 'nozset', 'x', 'y');
  await t.cmd('ZRANGE', 'nozset', '(1', '5', 'BYSCORE', 'REV', 'LIMIT', '0', '1');
  await t.cmd('ZREVRANGE', 'nozset', '0', '-1');
  await t.cmd('ZRANGEBYSCORE', 'nozset', 'a', 'b');
  await t.cmd('ZREVRANGEBYSCORE', 'nozset', '1', '0');
  await t.cmd('ZRANGEBYLEX', 'nozset', '-', '+');
  await t.cmd('ZREVRANGEBYLEX', 'nozset', '+', '-');
  await t.cmd('ZRANDMEMBER', 'nozset', 'abc');
  await t.cmd('ZRANDMEMBER', 'nozset', '2', 'WITHSCORES');
  await t.cmd('ZSCAN', 'nozset', '0', 'COUNT', 'x');
  await t.cmd('ZRANGESTORE', 'zd', 'nozset', '0', '-1');
  await t.cmd('ZRANGESTORE', 'zd', 'z1', '0', '0');
  await t.cmd('ZRANGESTORE', 'zd', 'z1', '0', '-1');
  await t.cmd('ZRANGESTORE', 'zd', 'nozset', '0', '-1');
  await t.cmd('ZRANGESTORE', 'zd', 'nozset', 'x', '-1');
  await t.cmd('ZREM', 'z1', 'nomember');
  await t.cmd('ZREM', 'z1', 'a', 'nomember');
  await t.cmd('ZREM', 'nozset', 'a');
  await t.cmd('ZADD', 'z4', '1', 'a', '2', 'b', '3', 'c', '4', 'd', '5', 'e');
  await t.cmd('ZREMRANGEBYRANK', 'z4', '0', '0');
  await t.cmd('ZREMRANGEBYRANK', 'z4', '10', '20');
  await t.cmd('ZREMRANGEBYRANK', 'nozset', 'x', '1');
  await t.cmd('ZREMRANGEBYSCORE', 'z4', '2', '2');
  await t.cmd('ZREMRANGEBYSCORE', 'z4', '100', '200');
  await t.cmd('ZREMRANGEBYLEX', 'z4', '[c', '[c');
  await t.cmd('ZREMRANGEBYLEX', 'z4', '-', '+');
  await t.cmd('ZREMRANGEBYSCORE', 'nozset', '0', '1');
  await t.cmd('ZADD', 'z5', '1', 'a', '2', 'b', '3', 'c');
  await t.cmd('ZPOPMIN', 'z5');
  await t.cmd('ZPOPMAX', 'z5', '1');
  await t.cmd('ZPOPMIN', 'z5', '0');
  await t.cmd('ZPOPMIN', 'nozset');
  await t.cmd('ZPOPMAX', 'z5', '5');
  await t.cmd('ZADD', 'z6', '1', 'a', '2', 'b', '3', 'c');
  await t.cmd('ZMPOP', '2', 'nozset', 'z6', 'MAX');
  await t.cmd('BZPOPMIN', 'nozset', 'z6', '0');
  await t.cmd('BZMPOP', '0', '1', 'z6', 'MAX', 'COUNT', '2');
  await t.cmd('ZMPOP', '1', 'nozset', 'MIN');
  await t.block(0, 1, 'BZPOPMIN', 'bz1', '0');
  await t.cmd('ZADD', 'bz1', '1', 'a', '2', 'b');
  await t.served(0);
  await t.block(0, 1, 'BZPOPMAX', 'bz2', '0');
  await t.cmd('ZADD', 'bz2', '1', 'a');
  await t.served(0);
  await t.block(0, 1, 'BZMPOP', '0', '1', 'bz3', 'MIN', 'COUNT', '5');
  await t.cmd('ZADD', 'bz3', '1', 'a', '2', 'b');
  await t.served(0);
  await t.cmd('SADD', 'zs', 'a', 'b');
  await t.cmd('ZUNION', '2', 'nozset', 'z1', 'WITHSCORES');
  await t.cmd('ZINTER', '2', 'nozset', 'nozset2');
  await t.cmd('ZDIFF', '2', 'nozset', 'wrongs');
  await t.cmd('ZUNIONSTORE', 'zu', '2', 'z1', 'zs');
  await t.cmd('ZUNIONSTORE', 'zu', '2', 'zs', 'nozset', 'WEIGHTS', '2', '3', 'AGGREGATE', 'MAX');
  await t.cmd('ZUNIONSTORE', 'zu', '2', 'nozset', 'nozset2');
  await t.cmd('ZUNIONSTORE', 'zu', '2', 'nozset', 'zs', 'WEIGHTS', 'x');
  await t.cmd('ZINTERSTORE', 'zi', '2', 'z1', 'zs');
  await t.cmd('ZINTERSTORE', 'zi', '2', 'z1', 'nozset');
  await t.cmd('ZADD', 'zs2', '1', 'a');
  await t.cmd('ZINTERSTORE', 'zi', '2', 'zs2', 'zs');
  await t.cmd('ZDIFFSTORE', 'zf', '2', 'zs', 'z1');
  await t.cmd('ZDIFFSTORE', 'zf', '2', 'nozset', 'z1');
  await t.cmd('ZINTERCARD', '2', 'nozset', 'zs', 'LIMIT', '-1');
  await t.cmd('ZINTERCARD', '2', 'zs2', 'zs');

  // ---- expiry ----
  await t.cmd('SET', 'e1', 'v', 'PX', '20');
  await t.cmd('SET', 'e2', 'v', 'PX', '20');
  await t.cmd('RPUSH', 'e3', 'a');
  await t.cmd('PEXPIRE', 'e3', '20');
  await t.cmd('SET', 'e4', 'v', 'PX', '20');
  await t.cmd('SET', 'e5', 'v', 'PX', '20');
  await t.cmd('SET', 'e6', 'v', 'PX', '20');
  await t.until('e1-e6 expired', async () => (await t.r.keys('e*')).length === 0);
  await t.cmd('GET', 'e1'); // lazily expired by a read
  await t.cmd('SET', 'e2', 'w'); // by a write that creates the key again
  await t.cmd('LPUSH', 'e3', 'b');
  await t.cmd('EXISTS', 'e4');
  await t.cmd('SCAN', '0', 'MATCH', 'e5*', 'COUNT', '1000');
  await t.cmd('SCAN', '0', 'TYPE', 'hash', 'COUNT', '1000');
  await t.cmd('DEBUG', 'SET-ACTIVE-EXPIRE', '1');
  await t.cmd('SELECT', '3');
  // Deleted by the active expiry cycle (DBSIZE counts keys not yet collected and announces nothing);
  // one at a time, as the cycle's order among several keys is the hash table's.
  await t.cmd('SET', 'x1', 'v', 'PX', '20');
  await t.until('x1 collected', async () => (await t.r.dbsize()) === 0);
  await t.cmd('HSET', 'x2', 'f', 'v');
  await t.cmd('PEXPIRE', 'x2', '20');
  await t.until('x2 collected', async () => (await t.r.dbsize()) === 0);
  await t.cmd('SELECT', '0');
}

/** Every event the script is expected to exercise, whatever the class settings (checked on redis-server's stream). */
const EXPECTED_A = [
  'set', 'expire', 'del', 'persist', 'incrby', 'incrbyfloat', 'append', 'setrange', 'setbit',
  'rename_from', 'rename_to', 'copy_to', 'move_from', 'move_to', 'restore', 'expired',
  'lpush', 'rpush', 'lpop', 'rpop', 'lset', 'linsert', 'lrem', 'ltrim',
  'hset', 'hdel', 'hincrby', 'hincrbyfloat',
  'sadd', 'srem', 'spop', 'sinterstore', 'sunionstore', 'sdiffstore',
  'zadd', 'zincr', 'zrem', 'zremrangebyrank', 'zremrangebyscore', 'zremrangebylex', 'zpopmin', 'zpopmax',
  'zunionstore', 'zinterstore', 'zdiffstore', 'zrangestore',
]; // prettier-ignore

/** The event names seen on the key-event channels. */
function eventNames(steps: StepEvents[]): Set<string> {
  const out = new Set<string>();
  for (const s of steps)
    for (const e of s.events) {
      const m = /^__keyevent@\d+__:(\S+) /.exec(e);
      if (m !== null) out.add(m[1]);
    }
  return out;
}

async function bothStreams(flags: string): Promise<Record<Kind, StepEvents[]>> {
  const out = {} as Record<Kind, StepEvents[]>;
  for (const kind of ['redis', 'tsredis'] as Kind[]) {
    const t = await session(kind, flags);
    await script(t);
    out[kind] = t.steps;
    await stopAll();
  }
  return out;
}

/** Steps whose events differ, with both sides, so a failure names the command. */
function differences(a: StepEvents[], b: StepEvents[]): unknown[] {
  const out: unknown[] = [];
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (JSON.stringify(a[i]) !== JSON.stringify(b[i])) out.push({ redis: a[i], tsredis: b[i] });
  }
  return out;
}

test('KEA: the same events as redis-server, in the same order, for every command family', async () => {
  const s = await bothStreams('KEA');
  expect(differences(s.redis, s.tsredis)).toEqual([]);
  expect(s.tsredis).toEqual(s.redis);
  const seen = eventNames(s.redis);
  expect(EXPECTED_A.filter((e) => !seen.has(e))).toEqual([]);
  expect(seen.has('new') || seen.has('keymiss')).toBe(false);
}, 60000);

test('KE with m and n: key misses and new keys too, as redis-server sends them', async () => {
  // With A, CONFIG GET does not print the n (redis-server shows "AKEm"), but the class is on.
  const s = await bothStreams('KEAmn');
  expect(differences(s.redis, s.tsredis)).toEqual([]);
  expect(s.tsredis).toEqual(s.redis);
  const seen = eventNames(s.redis);
  expect([...EXPECTED_A, 'new', 'keymiss'].filter((e) => !seen.has(e))).toEqual([]);
}, 60000);
