// Integration, side by side with redis-server 7.0: Lua scripting (EVAL/EVALSHA/SCRIPT, FUNCTION/FCALL)
// as real client libraries use it, unchanged. Every scenario runs once against Debian's redis-server
// and once against tsredis-server (describe blocks named after the server, redis-server first); each
// asserts the expected numbers, and tsredis's transcript of deterministic replies (values, error texts,
// INFO commandstats of the scripting commands) must equal the one redis-server produced in the same run.
// 1. BullMQ (pinned in package.json): 1,000 jobs through a Worker with concurrency 10; jobs that throw
//    retried with fixed and exponential backoff until failed (attemptsMade = attempts); a delayed job
//    that runs after its delay and not before; a job scheduler (every 300 ms) that runs at least twice;
//    getJobCounts before and after; QueueEvents sees the outcomes.
// 2. ioredis defineCommand: fixed and dynamic numberOfKeys, table replies, in a pipeline and a MULTI,
//    and the EVALSHA -> NOSCRIPT -> EVAL fallback after SCRIPT FLUSH.
// 3. node-redis: defineScript scripts (EVALSHA, EVALSHA_RO, NOSCRIPT fallback, MULTI) and a FUNCTION LOAD
//    library with redis.register_function called through the client's `functions` and sendCommand FCALL.
// 4. redis-py register_script (test/helpers/redis-py-scripts.py, run with python3 and the port; it prints
//    a JSON transcript; needs Debian's python3-redis, which .ci/run installs).
// 5. A Redlock-style lock: SET NX PX 30000 and a compare-and-delete script, contention between clients,
//    release with the wrong token refused.
// 6. A sliding-window rate limiter in Lua on a sorted set: 15 rapid calls with limit 10 -> exactly 10.
// Running only the tsredis half (jest -t) skips the transcript comparison; the expected numbers remain.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Queue, QueueEvents, Worker, type ConnectionOptions, type Job } from 'bullmq';
import { Redis, type ChainableCommander } from 'ioredis';
import { createClient, defineScript, type CommandParser } from 'redis';
import { startRedis, startTsredis, waitFor, type RunningServer } from './helpers/procs.js';
import { pythonWithRedis } from './helpers/python.js';

const here = path.dirname(fileURLToPath(import.meta.url));
/** dist/test -> test/helpers/redis-py-scripts.py (the Python driver is not compiled). */
const PY_DRIVER = path.resolve(here, '../../test/helpers/redis-py-scripts.py');

type ServerName = 'redis-server' | 'tsredis';
const SERVERS: { name: ServerName }[] = [{ name: 'redis-server' }, { name: 'tsredis' }];

/** Each scenario's transcript from redis-server, compared with tsredis's when the latter runs. */
const reference = new Map<string, unknown>();

/** Records redis-server's transcript, or checks tsredis's against it. */
function agree(name: ServerName, scenario: string, transcript: unknown): void {
  if (name === 'redis-server') reference.set(scenario, transcript);
  else if (reference.has(scenario)) expect(transcript).toEqual(reference.get(scenario));
}

/** Things a test opened, closed after it whatever happened (each bounded, so a stuck close cannot hang). */
const cleanups: (() => Promise<unknown>)[] = [];
function onCleanup(fn: () => Promise<unknown>): void {
  cleanups.push(fn);
}
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) {
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise((r) => (timer = setTimeout(r, 5000)));
    await Promise.race([fn().catch(() => undefined), bound]);
    clearTimeout(timer);
  }
});

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function ioredisFor(port: number): Redis {
  const r = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 0, retryStrategy: () => null });
  r.on('error', () => undefined);
  onCleanup(async () => r.disconnect());
  return r;
}

/** The calls/rejected/failed counters of the scripting commands in INFO commandstats. */
async function scriptingStats(r: Redis): Promise<Record<string, string>> {
  const info = await r.info('commandstats');
  const out: Record<string, string> = {};
  const re =
    /^cmdstat_((?:eval|evalsha|eval_ro|evalsha_ro|script|fcall|fcall_ro|function)(?:\|[a-z_-]+)?):calls=(\d+),.*rejected_calls=(\d+),failed_calls=(\d+)/;
  for (const line of info.split('\r\n')) {
    const m = re.exec(line);
    if (m) out[m[1]] = `calls=${m[2]} rejected=${m[3]} failed=${m[4]}`;
  }
  return out;
}

/** The error's message, so a refused command is a value in the transcript. */
async function errorOf(p: Promise<unknown>): Promise<string> {
  try {
    return `no error: ${JSON.stringify(await p)}`;
  } catch (e) {
    return (e as Error).message;
  }
}

// ---------------------------------------------------------------------------------------------------
// Scripts

/** Compare-and-delete: the Redlock release. */
const UNLOCK = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/**
 * Sliding window: KEYS[1] a sorted set of calls (score = time in ms); ARGV now (or '' for the server's
 * TIME), window ms, limit, a unique member. Returns {allowed 1/0, calls left in the window}.
 */
const RATE_LIMIT = `
local now = tonumber(ARGV[1])
if now == nil then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local window = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
if count < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[4])
  redis.call('PEXPIRE', KEYS[1], window)
  return {1, limit - count - 1}
end
return {0, 0}
`;

// ---------------------------------------------------------------------------------------------------

describe.each(SERVERS)('$name', ({ name }) => {
  let server: RunningServer;
  let admin: Redis;

  beforeAll(async () => {
    server = name === 'redis-server' ? await startRedis() : await startTsredis();
    admin = new Redis({
      host: '127.0.0.1',
      port: server.port,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    admin.on('error', () => undefined);
  });

  afterAll(async () => {
    admin?.disconnect();
    await server?.stop('SIGKILL');
  });

  beforeEach(async () => {
    await admin.flushall();
  });

  // -------------------------------------------------------------------------------------------------
  describe('BullMQ', () => {
    const connection = (): ConnectionOptions => ({
      host: '127.0.0.1',
      port: server.port,
      maxRetriesPerRequest: null,
    });
    const prefix = `bull-${name}`;

    function queue(qname: string): Queue {
      const q = new Queue(qname, { connection: connection(), prefix });
      q.on('error', () => undefined);
      onCleanup(() => q.close());
      return q;
    }

    function worker(
      qname: string,
      processor: (job: Job) => Promise<unknown>,
      concurrency = 1,
    ): { w: Worker; errors: Error[] } {
      const w = new Worker(qname, processor, { connection: connection(), prefix, concurrency });
      const errors: Error[] = [];
      w.on('error', (e) => errors.push(e));
      onCleanup(() => w.close(true));
      return { w, errors };
    }

    it('1,000 jobs complete through a Worker with concurrency 10', async () => {
      const q = queue('bulk');
      await q.waitUntilReady();
      const ids: string[] = [];
      for (let batch = 0; batch < 10; batch++) {
        const jobs = await Promise.all(
          Array.from({ length: 100 }, (_, i) => q.add('double', { n: batch * 100 + i })),
        );
        ids.push(...jobs.map((j) => String(j.id)));
      }
      expect(new Set(ids).size).toBe(1000);
      const before = await q.getJobCounts('waiting', 'active', 'completed', 'failed', 'delayed');

      let active = 0;
      let peak = 0;
      let completed = 0;
      const seen = new Set<number>();
      const { w, errors } = worker(
        'bulk',
        async (job) => {
          active++;
          peak = Math.max(peak, active);
          await sleep(2);
          active--;
          seen.add(job.data.n as number);
          return { doubled: (job.data.n as number) * 2 };
        },
        10,
      );
      w.on('completed', () => completed++);
      await waitFor(() => completed === 1000, 45000, `1,000 completions (got ${completed})`);
      await w.close();

      const after = await q.getJobCounts('waiting', 'active', 'completed', 'failed', 'delayed');
      const sample = await Promise.all([ids[0], ids[499], ids[999]].map((id) => q.getJob(id)));
      const transcript = {
        before,
        after,
        sample: sample.map((j) => ({ name: j?.name, data: j?.data, returnvalue: j?.returnvalue })),
      };
      agree(name, 'bullmq-bulk', transcript);
      expect(before).toEqual({ waiting: 1000, active: 0, completed: 0, failed: 0, delayed: 0, paused: 0 });
      expect(after).toEqual({ waiting: 0, active: 0, completed: 1000, failed: 0, delayed: 0, paused: 0 });
      expect(transcript.sample).toEqual([
        { name: 'double', data: { n: 0 }, returnvalue: { doubled: 0 } },
        { name: 'double', data: { n: 499 }, returnvalue: { doubled: 998 } },
        { name: 'double', data: { n: 999 }, returnvalue: { doubled: 1998 } },
      ]);
      expect(seen.size).toBe(1000);
      expect(peak).toBeGreaterThan(1);
      expect(peak).toBeLessThanOrEqual(10);
      expect(errors).toEqual([]);
    }, 60000);

    it('retries with backoff until failed, a delayed job waits its delay, counts match', async () => {
      const q = queue('mixed');
      const events = new QueueEvents('mixed', { connection: connection(), prefix, lastEventId: '0-0' });
      events.on('error', () => undefined);
      onCleanup(() => events.close());
      await Promise.all([q.waitUntilReady(), events.waitUntilReady()]);
      const failedEvents: { jobId: string; failedReason: string }[] = [];
      events.on('failed', ({ jobId, failedReason }) => failedEvents.push({ jobId, failedReason }));

      const fixed = await q.add(
        'boom',
        { kind: 'fixed' },
        { attempts: 3, backoff: { type: 'fixed', delay: 100 } },
      );
      const expo = await q.add(
        'boom',
        { kind: 'exponential' },
        { attempts: 3, backoff: { type: 'exponential', delay: 50 } },
      );
      const plain = await Promise.all([1, 2, 3].map((n) => q.add('plain', { n })));
      const delayedAt = Date.now();
      const late = await q.add('late', {}, { delay: 500 });
      const stateOfLate = await late.getState();
      const before = await q.getJobCounts('waiting', 'active', 'completed', 'failed', 'delayed');

      const attempts = new Map<string, number[]>();
      let lateRanAt = 0;
      const { errors } = worker('mixed', async (job) => {
        if (job.name === 'boom') {
          const list = attempts.get(String(job.id)) ?? [];
          list.push(Date.now());
          attempts.set(String(job.id), list);
          throw new Error(`boom ${job.data.kind}`);
        }
        if (job.name === 'late') lateRanAt = Date.now();
        return `done ${job.name}`;
      });

      const outcome = (j: Job): Promise<string> =>
        j.waitUntilFinished(events, 15000).then(
          (v: unknown) => `completed: ${String(v)}`,
          (e: Error) => `failed: ${e.message}`,
        );
      const outcomes = await Promise.all([fixed, expo, ...plain, late].map(outcome));
      const after = await q.getJobCounts('waiting', 'active', 'completed', 'failed', 'delayed');
      const [fixedNow, expoNow] = await Promise.all([q.getJob(String(fixed.id)), q.getJob(String(expo.id))]);
      const transcript = {
        stateOfLate,
        before,
        outcomes,
        after,
        failed: [fixedNow, expoNow].map((j) => ({
          attemptsMade: j?.attemptsMade,
          failedReason: j?.failedReason,
          stacktraceLines: j?.stacktrace?.length,
        })),
        states: await Promise.all([fixed, expo, late].map((j) => q.getJobState(String(j.id)))),
      };
      agree(name, 'bullmq-mixed', transcript);
      expect(stateOfLate).toBe('delayed');
      expect(before).toEqual({ waiting: 5, active: 0, completed: 0, failed: 0, delayed: 1, paused: 0 });
      expect(outcomes).toEqual([
        'failed: boom fixed',
        'failed: boom exponential',
        'completed: done plain',
        'completed: done plain',
        'completed: done plain',
        'completed: done late',
      ]);
      expect(after).toEqual({ waiting: 0, active: 0, completed: 4, failed: 2, delayed: 0, paused: 0 });
      expect(transcript.failed).toEqual([
        { attemptsMade: 3, failedReason: 'boom fixed', stacktraceLines: 3 },
        { attemptsMade: 3, failedReason: 'boom exponential', stacktraceLines: 3 },
      ]);
      expect(transcript.states).toEqual(['failed', 'failed', 'completed']);
      // The processor saw each attempt, spaced at least by the backoff (timings loosely: a lower bound).
      const gaps = (id: unknown): number[] => {
        const t = attempts.get(String(id)) ?? [];
        return t.slice(1).map((v, i) => v - t[i]);
      };
      expect(gaps(fixed.id)).toHaveLength(2);
      expect(gaps(expo.id)).toHaveLength(2);
      const [f1, f2] = gaps(fixed.id);
      const [e1, e2] = gaps(expo.id);
      expect(Math.min(f1, f2)).toBeGreaterThanOrEqual(90);
      expect(e1).toBeGreaterThanOrEqual(40);
      expect(e2).toBeGreaterThanOrEqual(90);
      expect(lateRanAt - delayedAt).toBeGreaterThanOrEqual(490);
      await waitFor(() => failedEvents.length >= 2, 5000, 'two failed events');
      expect(failedEvents.map((e) => e.failedReason).sort()).toEqual(['boom exponential', 'boom fixed']);
      expect(errors).toEqual([]);
    }, 30000);

    it('a job scheduler every 300 ms runs at least twice', async () => {
      const q = queue('repeat');
      await q.waitUntilReady();
      const first = await q.upsertJobScheduler('tick', { every: 300 }, { name: 'tick', data: { x: 1 } });
      const schedulers = await q.getJobSchedulers();
      const ticks: number[] = [];
      // Each iteration's job id is repeat:<scheduler>:<the millisecond it is scheduled for>.
      const scheduledFor: number[] = [];
      const { w, errors } = worker('repeat', async (job) => {
        ticks.push(Date.now());
        scheduledFor.push(Number(String(job.id).split(':').pop()));
        return job.data.x;
      });
      await waitFor(() => ticks.length >= 2, 10000, 'two ticks');
      await w.close();
      const removed = await q.removeJobScheduler('tick');
      const after = await q.getJobCounts('waiting', 'active', 'completed', 'failed', 'delayed');
      const transcript = {
        firstName: first.name,
        schedulers: schedulers.map((s) => ({ key: s.key, name: s.name, every: s.every })),
        removed,
        schedulersAfter: await q.getJobSchedulers(),
        failed: after.failed,
        active: after.active,
        delayed: after.delayed,
        waiting: after.waiting,
      };
      agree(name, 'bullmq-repeat', transcript);
      expect(transcript).toEqual({
        firstName: 'tick',
        schedulers: [{ key: 'tick', name: 'tick', every: 300 }],
        removed: true,
        schedulersAfter: [],
        failed: 0,
        active: 0,
        delayed: 0,
        waiting: 0,
      });
      expect(after.completed).toBe(ticks.length);
      // The second iteration is scheduled after the first and never runs before its time (when the
      // worker started late, BullMQ catches up to the next slot, so the gap itself is not fixed).
      expect(scheduledFor[1]).toBeGreaterThan(scheduledFor[0]);
      expect(ticks[1]).toBeGreaterThanOrEqual(scheduledFor[1]);
      expect(errors).toEqual([]);
    }, 20000);
  });

  // -------------------------------------------------------------------------------------------------
  describe('ioredis defineCommand', () => {
    interface Custom {
      tsrIncrCap(key: string, by: number, cap: number): Promise<number>;
      tsrSum(numKeys: number, ...keys: string[]): Promise<number>;
      tsrEcho(key: string, arg: string): Promise<unknown[]>;
    }
    type CustomPipeline = ChainableCommander & {
      tsrIncrCap(key: string, by: number, cap: number): CustomPipeline;
      tsrSum(numKeys: number, ...keys: string[]): CustomPipeline;
      tsrEcho(key: string, arg: string): CustomPipeline;
    };

    it('custom commands, in a pipeline and MULTI, and after SCRIPT FLUSH', async () => {
      const r = ioredisFor(server.port);
      r.defineCommand('tsrIncrCap', {
        numberOfKeys: 1,
        lua: `local v = redis.call('INCRBY', KEYS[1], ARGV[1])
if v > tonumber(ARGV[2]) then redis.call('SET', KEYS[1], ARGV[2]) return tonumber(ARGV[2]) end
return v`,
      });
      r.defineCommand('tsrSum', {
        lua: `local s = 0 for i, k in ipairs(KEYS) do s = s + tonumber(redis.call('GET', k) or '0') end return s`,
      });
      r.defineCommand('tsrEcho', {
        numberOfKeys: 1,
        lua: `return {KEYS[1], ARGV[1], #ARGV[1], 3.99, true, false, {'nested', 7}}`,
      });
      const c = r as Redis & Custom;
      await r.config('RESETSTAT');
      await r.script('FLUSH');

      const direct = [
        await c.tsrIncrCap('io:n', 5, 12),
        await c.tsrIncrCap('io:n', 5, 12),
        await c.tsrIncrCap('io:n', 5, 12),
        await c.tsrSum(3, 'io:n', 'io:missing', 'io:n'),
        await c.tsrEcho('io:k', 'hello'),
      ];
      const statsDirect = await scriptingStats(r);

      await r.set('io:a', '4');
      const piped = await (r.pipeline() as CustomPipeline)
        .tsrIncrCap('io:a', 3, 100)
        .tsrSum(2, 'io:a', 'io:n')
        .tsrEcho('io:k', 'pipe')
        .get('io:a')
        .exec();
      const multi = await (r.multi() as CustomPipeline)
        .tsrIncrCap('io:m', 2, 3)
        .tsrIncrCap('io:m', 2, 3)
        .exec();

      // The server forgets the scripts: the next call's EVALSHA gets NOSCRIPT and ioredis resends EVAL.
      await r.script('FLUSH');
      const afterFlush = [await c.tsrIncrCap('io:f', 1, 10), await c.tsrIncrCap('io:f', 1, 10)];
      await r.script('FLUSH');
      const pipedAfterFlush = await (r.pipeline() as CustomPipeline)
        .tsrIncrCap('io:g', 2, 10)
        .tsrIncrCap('io:g', 2, 10)
        .exec();
      const statsEnd = await scriptingStats(r);

      const transcript = { direct, statsDirect, piped, multi, afterFlush, pipedAfterFlush, statsEnd };
      agree(name, 'ioredis-defineCommand', transcript);
      expect(direct).toEqual([5, 10, 12, 24, ['io:k', 'hello', 5, 3, 1, null, ['nested', 7]]]);
      expect(piped).toEqual([
        [null, 7],
        [null, 19],
        [null, ['io:k', 'pipe', 4, 3, 1, null, ['nested', 7]]],
        [null, '7'],
      ]);
      expect(multi).toEqual([
        [null, 2],
        [null, 3],
      ]);
      expect(afterFlush).toEqual([1, 2]);
      expect(pipedAfterFlush).toEqual([
        [null, 2],
        [null, 4],
      ]);
      // ioredis sends EVAL the first time on a connection, EVALSHA afterwards, and on NOSCRIPT resends
      // (as EVAL): three scripts used five times, then pipeline 3 + MULTI 2, then 2 after a flush (one
      // NOSCRIPT) and a pipeline of 2 after another (two NOSCRIPT, resent as EVAL then EVALSHA).
      expect(statsDirect).toEqual({
        'script|flush': 'calls=1 rejected=0 failed=0',
        eval: 'calls=3 rejected=0 failed=0',
        evalsha: 'calls=2 rejected=0 failed=0',
      });
      expect(statsEnd).toEqual({
        'script|flush': 'calls=3 rejected=0 failed=0',
        eval: 'calls=5 rejected=0 failed=0',
        evalsha: 'calls=12 rejected=0 failed=3',
      });
    });
  });

  // -------------------------------------------------------------------------------------------------
  describe('node-redis', () => {
    const LIBRARY = `#!lua name=tsrlib
redis.register_function('tsr_incr', function(keys, args) return redis.call('INCRBY', keys[1], args[1]) end)
redis.register_function{
  function_name = 'tsr_get',
  callback = function(keys, args) return redis.call('GET', keys[1]) end,
  flags = { 'no-writes' },
}
redis.register_function('tsr_echo', function(keys, args) return {#keys, args[1], args[2]} end)`;

    const scripts = {
      incrBy: defineScript({
        NUMBER_OF_KEYS: 1,
        SCRIPT: `return redis.call('INCRBY', KEYS[1], ARGV[1])`,
        parseCommand(parser: CommandParser, key: string, by: number) {
          parser.pushKey(key);
          parser.push(String(by));
        },
        transformReply: (reply: unknown) => reply as number,
      }),
      getUpper: defineScript({
        NUMBER_OF_KEYS: 1,
        IS_READ_ONLY: true,
        SCRIPT: `local v = redis.call('GET', KEYS[1]) if v then return string.upper(v) end return false`,
        parseCommand(parser: CommandParser, key: string) {
          parser.pushKey(key);
        },
        transformReply: (reply: unknown) => reply as string | null,
      }),
    };
    const functions = {
      tsrlib: {
        tsr_incr: {
          NUMBER_OF_KEYS: 1,
          parseCommand(parser: CommandParser, key: string, by: number) {
            parser.pushKey(key);
            parser.push(String(by));
          },
          transformReply: (reply: unknown) => reply as number,
        },
        tsr_get: {
          NUMBER_OF_KEYS: 1,
          IS_READ_ONLY: true,
          parseCommand(parser: CommandParser, key: string) {
            parser.pushKey(key);
          },
          transformReply: (reply: unknown) => reply as string | null,
        },
      },
    };

    async function connect() {
      const client = createClient({
        socket: { host: '127.0.0.1', port: server.port, reconnectStrategy: false },
        scripts,
        functions,
      });
      client.on('error', () => undefined);
      onCleanup(async () => client.destroy());
      await client.connect();
      return client;
    }

    it('defineScript scripts: EVALSHA, EVALSHA_RO, the NOSCRIPT fallback and MULTI', async () => {
      const client = await connect();
      await admin.script('FLUSH');
      await admin.config('RESETSTAT');
      const first = [
        await client.incrBy('nr:n', 5),
        await client.incrBy('nr:n', 5),
        await client.getUpper('nr:n'),
        await client.set('nr:s', 'shout'),
        await client.getUpper('nr:s'),
        await client.getUpper('nr:missing'),
      ];
      const multi = await client.multi().incrBy('nr:m', 2).incrBy('nr:m', 3).getUpper('nr:s').exec();
      const stats = await scriptingStats(admin);
      const transcript = { first, multi, stats };
      agree(name, 'node-redis-scripts', transcript);
      expect(first).toEqual([5, 10, '10', 'OK', 'SHOUT', null]);
      expect(multi).toEqual([2, 5, 'SHOUT']);
      // EVALSHA(_RO) first, EVAL after NOSCRIPT; in MULTI, EVAL for a script's first use in it.
      expect(stats).toEqual({
        eval: 'calls=4 rejected=0 failed=0',
        evalsha: 'calls=3 rejected=0 failed=1',
        evalsha_ro: 'calls=3 rejected=0 failed=1',
      });
    });

    it('FUNCTION LOAD a library, FCALL through `functions` and sendCommand', async () => {
      const client = await connect();
      await client.sendCommand(['FUNCTION', 'FLUSH']);
      const loaded = await client.functionLoad(LIBRARY);
      const again = await errorOf(client.functionLoad(LIBRARY));
      const replaced = await client.functionLoad(LIBRARY, { REPLACE: true });
      const calls = [
        await client.tsrlib.tsr_incr('nf:n', 3),
        await client.sendCommand(['FCALL', 'tsr_incr', '1', 'nf:n', '4']),
        await client.tsrlib.tsr_get('nf:n'),
        await client.sendCommand(['FCALL_RO', 'tsr_get', '1', 'nf:n']),
        await client.sendCommand(['FCALL', 'tsr_echo', '2', 'nf:a', 'nf:b', 'x', 'y']),
      ];
      const refused = [
        await errorOf(client.sendCommand(['FCALL_RO', 'tsr_incr', '1', 'nf:n', '1'])),
        await errorOf(client.sendCommand(['FCALL', 'nope', '0'])),
        await errorOf(client.functionLoad('#!lua name=bad\nreturn 1')),
      ];
      // Redis lists a library's functions in its dict's order (seeded at random per process): sorted here.
      const list = ((await client.sendCommand(['FUNCTION', 'LIST', 'WITHCODE'])) as unknown[][]).map((lib) =>
        lib.map((v, i) =>
          lib[i - 1] === 'functions' ? [...(v as string[][])].sort((x, y) => (x[1] < y[1] ? -1 : 1)) : v,
        ),
      );
      const deleted = await client.sendCommand(['FUNCTION', 'DELETE', 'tsrlib']);
      const afterDelete = await errorOf(client.tsrlib.tsr_incr('nf:n', 1));
      const transcript = { loaded, again, replaced, calls, refused, list, deleted, afterDelete };
      agree(name, 'node-redis-functions', transcript);
      expect(loaded).toBe('tsrlib');
      expect(again).toBe("ERR Library 'tsrlib' already exists");
      expect(replaced).toBe('tsrlib');
      expect(calls).toEqual([3, 7, '7', '7', [2, 'x', 'y']]);
      expect(refused).toEqual([
        'ERR Can not execute a script with write flag using *_ro command.',
        'ERR Function not found',
        'ERR No functions registered',
      ]);
      expect(list).toEqual([
        [
          'library_name',
          'tsrlib',
          'engine',
          'LUA',
          'functions',
          [
            ['name', 'tsr_echo', 'description', null, 'flags', []],
            ['name', 'tsr_get', 'description', null, 'flags', ['no-writes']],
            ['name', 'tsr_incr', 'description', null, 'flags', []],
          ],
          'library_code',
          LIBRARY,
        ],
      ]);
      expect(deleted).toBe('OK');
      expect(afterDelete).toBe('ERR Function not found');
    });
  });

  // -------------------------------------------------------------------------------------------------
  describe('redis-py', () => {
    it('register_script: calls, pipeline, NOSCRIPT reload, errors', () => {
      const python = pythonWithRedis();
      const run = spawnSync(python, [PY_DRIVER, String(server.port)], { encoding: 'utf8', timeout: 30000 });
      if (run.status !== 0) throw new Error(`${python} ${PY_DRIVER} exited ${run.status}: ${run.stderr}`);
      const got = JSON.parse(run.stdout) as Record<string, unknown>;
      agree(name, 'redis-py', got);
      expect(got).toMatchObject({
        sha_is_sha1: true,
        exists_before: [false],
        incr: [5, 12],
        exists_after: [true],
        exists_flushed: [false],
        incr_after_flush: 13,
        shapes: [1, 'two', 3, 1, null, ['nested', 4], 'FINE'],
        pipeline: [2, 4, '4'],
        pipeline_after_flush: [6, '6'],
        eval: ['x', 0],
        script_load_sha: true,
        error_reply: 'MYERR custom failure',
        pcall: 'ERR value is not an integer or out of range',
        cjson: 'deep',
        kill_idle: 'NOTBUSY No scripts in execution right now.',
      });
      expect(got.call_error).toMatch(/^value is not an integer or out of range script: /);
    });
  });

  // -------------------------------------------------------------------------------------------------
  it('Redlock-style lock: SET NX PX, compare-and-delete, contention, wrong token refused', async () => {
    const clients = [1, 2, 3, 4, 5].map(() => ioredisFor(server.port));
    const [a, b] = clients;
    const key = 'lock:resource';

    // One holder at a time; the wrong token cannot release.
    const grabs = await Promise.all(clients.map((c, i) => c.set(key, `tok-${i}`, 'PX', 30000, 'NX')));
    const winner = grabs.indexOf('OK');
    const holder = clients[winner];
    const other = clients[(winner + 1) % clients.length];
    const pttl = await holder.pttl(key);
    const steps = {
      grabs: grabs.filter((g) => g === 'OK').length,
      nulls: grabs.filter((g) => g === null).length,
      wrongRelease: await other.eval(UNLOCK, 1, key, `tok-${(winner + 1) % clients.length}`),
      stillHeld: (await holder.get(key)) === `tok-${winner}`,
      rightRelease: await holder.eval(UNLOCK, 1, key, `tok-${winner}`),
      gone: await holder.exists(key),
      releaseAgain: await holder.eval(UNLOCK, 1, key, `tok-${winner}`),
      bTakes: await b.set(key, 'tok-b', 'PX', 30000, 'NX'),
      aRefused: await a.set(key, 'tok-a', 'PX', 30000, 'NX'),
      aCannotRelease: await a.eval(UNLOCK, 1, key, 'tok-a'),
      bReleases: await b.eval(UNLOCK, 1, key, 'tok-b'),
    };

    // Contention: five clients, four critical sections each (a read-modify-write the lock protects),
    // released through EVALSHA of the loaded script; before each release another token is refused.
    const sha = (await a.script('LOAD', UNLOCK)) as string;
    let inside = 0;
    let overlaps = 0;
    const releases: unknown[] = [];
    const refusals: unknown[] = [];
    const deadline = Date.now() + 15000;
    await Promise.all(
      clients.map(async (c, i) => {
        for (let n = 0; n < 4; n++) {
          const token = `c${i}-${n}`;
          while ((await c.set(key, token, 'PX', 30000, 'NX')) !== 'OK') {
            if (Date.now() > deadline) throw new Error(`client ${i} never got the lock`);
            await sleep(2);
          }
          if (++inside > 1) overlaps++;
          const v = Number((await c.get('lock:counter')) ?? '0');
          await sleep(1);
          await c.set('lock:counter', String(v + 1));
          inside--;
          refusals.push(await c.evalsha(sha, 1, key, `not-${token}`));
          releases.push(await c.evalsha(sha, 1, key, token));
        }
      }),
    );
    const end = {
      counter: await a.get('lock:counter'),
      overlaps,
      releases: releases.filter((x) => x === 1).length,
      refusals: refusals.filter((x) => x === 0).length,
      lockLeft: await a.exists(key),
    };
    const transcript = { steps, end };
    agree(name, 'redlock', transcript);
    expect(transcript).toEqual({
      steps: {
        grabs: 1,
        nulls: 4,
        wrongRelease: 0,
        stillHeld: true,
        rightRelease: 1,
        gone: 0,
        releaseAgain: 0,
        bTakes: 'OK',
        aRefused: null,
        aCannotRelease: 0,
        bReleases: 1,
      },
      end: { counter: '20', overlaps: 0, releases: 20, refusals: 20, lockLeft: 0 },
    });
    expect(pttl).toBeGreaterThan(29000);
    expect(pttl).toBeLessThanOrEqual(30000);
  });

  // -------------------------------------------------------------------------------------------------
  it('sliding-window rate limiter: 15 rapid calls, limit 10 per 1000 ms -> exactly 10', async () => {
    const clients = [1, 2, 3].map(() => ioredisFor(server.port));
    const [a] = clients;

    // Deterministic: the caller's clock, 15 calls 1 ms apart, then one after the window slid by 1005 ms.
    const T = 1_700_000_000_000;
    const fixed: unknown[] = [];
    for (let i = 0; i < 15; i++)
      fixed.push(await a.eval(RATE_LIMIT, 1, 'rl:fixed', T + i, 1000, 10, `m${i}`));
    fixed.push(await a.eval(RATE_LIMIT, 1, 'rl:fixed', T + 1005, 1000, 10, 'late'));
    const fixedCard = await a.zcard('rl:fixed');

    // The server's clock (redis.call('TIME')), 15 calls at once from three connections.
    const live = await Promise.all(
      Array.from({ length: 15 }, (_, i) =>
        clients[i % 3].eval(RATE_LIMIT, 1, 'rl:live', '', 1000, 10, `call-${i}`),
      ),
    );
    const allowed = live.filter((x) => (x as number[])[0] === 1).length;
    const remaining = (live as number[][])
      .filter((x) => x[0] === 1)
      .map((x) => x[1])
      .sort((p, q) => q - p);
    const liveCard = await a.zcard('rl:live');
    const pttl = await a.pttl('rl:live');

    const transcript = { fixed, fixedCard, allowed, remaining, liveCard };
    agree(name, 'rate-limiter', transcript);
    expect(fixed).toEqual([
      ...[9, 8, 7, 6, 5, 4, 3, 2, 1, 0].map((left) => [1, left]),
      ...Array.from({ length: 5 }, () => [0, 0]),
      [1, 5],
    ]);
    expect(fixedCard).toBe(5);
    expect(allowed).toBe(10);
    expect(remaining).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
    expect(liveCard).toBe(10);
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(1000);
  });
});
