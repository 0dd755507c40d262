// SLOWLOG and LATENCY as in Redis 7.0, and the call observer that feeds them: the slow log
// (slowlog-log-slower-than, slowlog-max-len), the latency monitor's "command" / "fast-command" /
// "command-unblocking" events (latency-monitor-threshold) and the per-command latency histograms
// (latency-tracking, latency-tracking-info-percentiles) behind LATENCY HISTOGRAM and INFO latencystats.
//
// The observer runs after every executed command. When the slow log does not keep the command and the
// latency monitor is off it does two comparisons and, with latency tracking on, one map lookup and one
// histogram increment: nothing is allocated.
import { cmd, NO_KEYS, serverSub, type CommandSpec, type Ctx } from '../server/command.js';
import type { Client } from '../server/client.js';
import type { Server } from '../server/server.js';
import { RedisError } from '../store/errors.js';
import { SlowLog } from '../server/slowlog.js';
import {
  LatencyHistogram,
  LatencyMonitor,
  formatUsec,
  latencyDoctor,
  latencyGraph,
  percentilesLine,
} from '../server/latency.js';
import { parseIntStrict, replyHelp } from './util.js';

/** Commands Redis 7.0 flags no-slowlog: EXEC (the commands it runs are logged one by one). */
const NOT_SLOWLOGGED = new Set(['exec']);

const DIRECTIVES = new Set([
  'slowlog-log-slower-than',
  'slowlog-max-len',
  'latency-monitor-threshold',
  'latency-tracking',
  'latency-tracking-info-percentiles',
]);

function unixNow(): number {
  return Math.floor(Date.now() / 1000);
}

/** One server's slow log, latency monitor and latency histograms. */
export class Diagnostics {
  readonly slowlog = new SlowLog();
  readonly monitor = new LatencyMonitor();
  readonly histograms = new Map<CommandSpec, LatencyHistogram>();
  /** slowlog-log-slower-than in µs; Infinity when the slow log is off (-1). */
  private slowerThan = Infinity;
  private maxLen = 128;
  /** latency-monitor-threshold in µs; Infinity when the monitor is off (0). */
  private latencyUs = Infinity;
  tracking = true;
  percentiles: number[] = [];
  /** What a blocked command took so far, logged once it is served (as Redis does on unblock). */
  private readonly blockedSoFar = new WeakMap<Client, { argv: string[]; usec: number }>();

  constructor(private readonly server: Server) {
    this.readConfig();
    server.config.onChange((name) => {
      if (DIRECTIVES.has(name)) this.readConfig();
    });
  }

  private readConfig(): void {
    const cfg = this.server.config;
    const slower = cfg.getInt('slowlog-log-slower-than');
    this.slowerThan = slower < 0 ? Infinity : slower;
    this.maxLen = cfg.getInt('slowlog-max-len');
    // Redis trims the log after each command while the log is on; a lower max-len shows at once.
    if (slower >= 0) this.slowlog.trim(this.maxLen);
    const threshold = cfg.getInt('latency-monitor-threshold');
    this.latencyUs = threshold === 0 ? Infinity : threshold * 1000;
    this.tracking = cfg.getBool('latency-tracking');
    this.percentiles = cfg
      .get('latency-tracking-info-percentiles')
      .split(' ')
      .filter((p) => p !== '')
      .map(Number);
  }

  get slowlogMaxLen(): number {
    return this.maxLen;
  }

  /** The call observer (Server.callObservers): a command ran for usec microseconds. */
  readonly observe = (c: Client, spec: CommandSpec, argv: string[], usec: number): void => {
    const b = c.blocked;
    if (b !== null) {
      if (b.keys.length > 0) {
        // It blocked: the slow log and its histogram see it when it is served.
        if (usec >= this.latencyUs) this.sample(spec, usec);
        const prev = this.blockedSoFar.get(c);
        this.blockedSoFar.set(c, {
          argv,
          usec: prev !== undefined && prev.argv === argv ? prev.usec + usec : usec,
        });
        return;
      }
      // A blocked command served by a write: its time is the time it blocked for plus this run.
      if (usec >= this.latencyUs) this.monitor.add('command-unblocking', Math.floor(usec / 1000), unixNow());
      const prev = this.blockedSoFar.get(c);
      if (prev !== undefined) {
        this.blockedSoFar.delete(c);
        if (prev.argv === argv) usec += prev.usec;
      }
    } else if (usec >= this.latencyUs) this.sample(spec, usec);
    if (usec >= this.slowerThan && !NOT_SLOWLOGGED.has(spec.fullName ?? spec.name))
      this.slowlog.push(argv, usec, c.addr, c.name, unixNow(), this.maxLen);
    if (this.tracking) {
      let h = this.histograms.get(spec);
      if (h === undefined) this.histograms.set(spec, (h = new LatencyHistogram()));
      h.record(usec);
    }
  };

  private sample(spec: CommandSpec, usec: number): void {
    const event = spec.flags.includes('fast') ? 'fast-command' : 'command';
    this.monitor.add(event, Math.floor(usec / 1000), unixNow());
  }

  /** Commands (and subcommands) with a histogram, by full name. */
  tracked(): [string, LatencyHistogram][] {
    const out: [string, LatencyHistogram][] = [];
    for (const [spec, h] of this.histograms) out.push([spec.fullName ?? spec.name, h]);
    return out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  }
}

const instances = new WeakMap<Server, Diagnostics>();

/** The server's diagnostics, installing the call observer the first time. */
export function diagnosticsFor(server: Server): Diagnostics {
  let d = instances.get(server);
  if (d === undefined) {
    d = new Diagnostics(server);
    instances.set(server, d);
    server.callObservers.push(d.observe);
  }
  return d;
}

/** Starts recording: call once when the node is assembled, right after its command table is registered. */
export function installDiagnostics(server: Server): Diagnostics {
  return diagnosticsFor(server);
}

/**
 * INFO latencystats' lines (without the section title): one per command that ran, with the
 * percentiles of latency-tracking-info-percentiles; none while latency-tracking is off (Redis prints
 * the title alone then).
 */
export function latencyStatsInfoLines(server: Server): string[] {
  const d = diagnosticsFor(server);
  if (!d.tracking) return [];
  return d.tracked().map(([name, h]) => percentilesLine(name, h, d.percentiles));
}

/** CONFIG RESETSTAT: Redis drops the per-command latency histograms with the other command stats. */
export function resetLatencyHistograms(server: Server): void {
  diagnosticsFor(server).histograms.clear();
}

function srv(c: Ctx): Server {
  return (c as Client).server;
}

// ---- SLOWLOG ----

function slowlogGet(c: Ctx, argv: string[]): void {
  if (argv.length > 3)
    throw new RedisError(
      `ERR unknown subcommand or wrong number of arguments for '${argv[1].slice(0, 128)}'. Try ${argv[0].toUpperCase()} HELP.`,
    );
  const d = diagnosticsFor(srv(c));
  let count = 10;
  if (argv.length === 3) {
    const n = parseIntStrict(argv[2]);
    if (n === null || n < -1n) throw new RedisError('ERR count should be greater than or equal to -1');
    count = n > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(n);
  }
  const entries = d.slowlog.newest(count);
  c.arrayLen(entries.length);
  for (const e of entries) {
    c.arrayLen(6);
    c.int(e.id);
    c.int(e.time);
    c.int(e.duration);
    c.bulks(e.argv);
    c.bulk(e.peer);
    c.bulk(e.name);
  }
}

function slowlogLen(c: Ctx): void {
  c.int(diagnosticsFor(srv(c)).slowlog.length);
}

function slowlogReset(c: Ctx): void {
  diagnosticsFor(srv(c)).slowlog.reset();
  c.ok();
}

function slowlogHelp(c: Ctx): void {
  replyHelp(c, 'SLOWLOG', [
    'GET [<count>]',
    '    Return top <count> entries from the slowlog (default: 10, -1 mean all).',
    '    Entries are made of:',
    '    id, timestamp, time in microseconds, arguments array, client IP and port,',
    '    client name',
    'LEN',
    '    Return the length of the slowlog.',
    'RESET',
    '    Reset the slowlog.',
  ]);
}

// ---- LATENCY ----

function latencyLatest(c: Ctx): void {
  const latest = diagnosticsFor(srv(c)).monitor.latest();
  c.arrayLen(latest.length);
  for (const e of latest) {
    c.arrayLen(4);
    c.bulk(e.event);
    c.int(e.time);
    c.int(e.latency);
    c.int(e.max);
  }
}

function latencyHistory(c: Ctx, argv: string[]): void {
  const samples = diagnosticsFor(srv(c)).monitor.history(argv[2]) ?? [];
  c.arrayLen(samples.length);
  for (const s of samples) {
    c.arrayLen(2);
    c.int(s.time);
    c.int(s.latency);
  }
}

function latencyGraphCmd(c: Ctx, argv: string[]): void {
  const monitor = diagnosticsFor(srv(c)).monitor;
  const samples = monitor.history(argv[2]);
  if (samples === null || samples.length === 0)
    throw new RedisError(`ERR No samples available for event '${argv[2]}'`);
  c.verbatim(latencyGraph(argv[2], samples, monitor.allTimeHigh(argv[2]), unixNow()));
}

function latencyDoctorCmd(c: Ctx): void {
  const s = srv(c);
  const d = diagnosticsFor(s);
  const slowest = d
    .tracked()
    .map(([name, h]): [string, number, number] => [name, h.valueAtPercentile(99), h.calls])
    .sort((a, b) => b[1] - a[1])
    .slice(0, 5)
    .map(([name, p99, calls]): [string, string, number] => [name, formatUsec(p99), calls]);
  c.verbatim(
    latencyDoctor({
      now: unixNow(),
      monitor: d.monitor,
      latencyMonitorThreshold: s.config.getInt('latency-monitor-threshold'),
      slowlogLogSlowerThan: s.config.getInt('slowlog-log-slower-than'),
      slowlogMaxLen: d.slowlogMaxLen,
      slowestCommands: slowest,
    }),
  );
}

function latencyReset(c: Ctx, argv: string[]): void {
  const monitor = diagnosticsFor(srv(c)).monitor;
  c.int(argv.length === 2 ? monitor.reset() : monitor.reset(argv.slice(2)));
}

/** The specs LATENCY HISTOGRAM <name> covers: a command with its subcommands, or one "parent|sub". */
function specsNamed(s: Server, name: string): CommandSpec[] {
  const parts = name.toLowerCase().split('|');
  if (parts.length > 2) return [];
  const spec = s.commands.get(parts[0]);
  if (spec === undefined) return [];
  if (parts.length === 2) {
    const sub = spec.subcommands?.find((x) => x.name === parts[1]);
    return sub === undefined ? [] : [sub];
  }
  return [spec, ...(spec.subcommands ?? [])];
}

function latencyHistogramCmd(c: Ctx, argv: string[]): void {
  const s = srv(c);
  const d = diagnosticsFor(s);
  let items: [string, LatencyHistogram][];
  if (argv.length === 2) items = d.tracked();
  else {
    items = [];
    for (const name of argv.slice(2)) {
      for (const spec of specsNamed(s, name)) {
        const h = d.histograms.get(spec);
        if (h !== undefined) items.push([spec.fullName ?? spec.name, h]);
      }
    }
  }
  c.mapLen(items.length);
  for (const [name, h] of items) {
    c.bulk(name);
    c.mapLen(2);
    c.bulk('calls');
    c.int(h.calls);
    c.bulk('histogram_usec');
    const buckets = h.cumulative();
    c.mapLen(buckets.length);
    for (const [usec, count] of buckets) {
      c.int(usec);
      c.int(count);
    }
  }
}

function latencyHelp(c: Ctx): void {
  replyHelp(c, 'LATENCY', [
    'DOCTOR',
    '    Return a human readable latency analysis report.',
    'GRAPH <event>',
    '    Return an ASCII latency graph for the <event> class.',
    'HISTORY <event>',
    '    Return time-latency samples for the <event> class.',
    'LATEST',
    '    Return the latest latency samples for all events.',
    'RESET [<event> ...]',
    '    Reset latency data of one or more <event> classes.',
    '    (default: reset all data for all event classes)',
    'HISTOGRAM [COMMAND ...]',
    '    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.',
    '    If no commands are specified then all histograms are replied.',
  ]);
}

const K0 = NO_KEYS;
const ADMIN: CommandSpec['flags'] = ['admin', 'loading', 'stale'];
const ADMIN_NOSCRIPT: CommandSpec['flags'] = ['admin', 'noscript', 'loading', 'stale'];
const HELP: CommandSpec['flags'] = ['loading', 'stale'];

export const commands: CommandSpec[] = [
  {
    ...cmd('slowlog', -2, [], K0, 'server', () => undefined),
    subcommands: [
      serverSub('get', -2, ADMIN, slowlogGet),
      serverSub('len', 2, ADMIN, slowlogLen),
      serverSub('reset', 2, ADMIN, slowlogReset),
      serverSub('help', 2, HELP, slowlogHelp),
    ],
  },
  {
    ...cmd('latency', -2, [], K0, 'server', () => undefined),
    subcommands: [
      serverSub('latest', 2, ADMIN_NOSCRIPT, latencyLatest),
      serverSub('history', 3, ADMIN_NOSCRIPT, latencyHistory),
      serverSub('graph', 3, ADMIN_NOSCRIPT, latencyGraphCmd),
      serverSub('doctor', 2, ADMIN_NOSCRIPT, latencyDoctorCmd),
      serverSub('reset', -2, ADMIN_NOSCRIPT, latencyReset),
      serverSub('histogram', -2, ADMIN_NOSCRIPT, latencyHistogramCmd),
      serverSub('help', 2, HELP, latencyHelp),
    ],
  },
];
