// Latency data as pure structures: the latency monitor's events (per event a ring of 160 samples, one
// per second holding that second's worst latency in ms, and the all-time maximum), the per-command
// latency histograms behind LATENCY HISTOGRAM and INFO latencystats, and the text of LATENCY GRAPH and
// LATENCY DOCTOR.
//
// The histogram has the resolution of the HdrHistogram Redis 7.0 uses (values in nanoseconds from 1 ns
// to 1 s, two significant digits: 128 sub-buckets per power of two), so percentiles and the
// power-of-two report buckets come out as redis-server's do. It is stored as rows of 128 counters
// allocated when a row is first used, so a command whose latencies span a few powers of two costs a few
// KB, and recording is one index computation and one increment.

/** Samples kept per event, as Redis (LATENCY_TS_LEN). */
export const LATENCY_TS_LEN = 160;

export interface LatencySample {
  /** Unix time in seconds. */
  time: number;
  /** Latency in ms. */
  latency: number;
}

class Series {
  readonly time = new Float64Array(LATENCY_TS_LEN);
  readonly latency = new Float64Array(LATENCY_TS_LEN);
  /** Where the next second's sample goes. */
  idx = 0;
  /** All-time maximum (ms). */
  max = 0;
}

export interface EventStats {
  samples: number;
  /** Average, minimum and maximum of the kept samples (ms, integers as Redis computes them). */
  avg: number;
  min: number;
  max: number;
  /** Mean absolute deviation from the average (ms). */
  mad: number;
  /** Seconds since the oldest kept sample (at least 1). */
  period: number;
  allTimeHigh: number;
}

/** The latency monitor's time series, by event name. */
export class LatencyMonitor {
  private readonly events = new Map<string, Series>();

  get size(): number {
    return this.events.size;
  }

  eventNames(): string[] {
    return [...this.events.keys()];
  }

  /** Records a latency (ms) for event at unix second now: one sample per second, its worst value. */
  add(event: string, latency: number, now: number): void {
    let ts = this.events.get(event);
    if (ts === undefined) this.events.set(event, (ts = new Series()));
    if (latency > ts.max) ts.max = latency;
    const prev = (ts.idx + LATENCY_TS_LEN - 1) % LATENCY_TS_LEN;
    if (ts.time[prev] === now) {
      if (latency > ts.latency[prev]) ts.latency[prev] = latency;
      return;
    }
    ts.time[ts.idx] = now;
    ts.latency[ts.idx] = latency;
    ts.idx = (ts.idx + 1) % LATENCY_TS_LEN;
  }

  /** Forgets the named events (matched without regard to case), or all of them; returns how many. */
  reset(events?: readonly string[]): number {
    if (events === undefined) {
      const n = this.events.size;
      this.events.clear();
      return n;
    }
    let n = 0;
    for (const e of events) {
      const want = e.toLowerCase();
      for (const name of [...this.events.keys()]) {
        if (name.toLowerCase() === want) {
          this.events.delete(name);
          n++;
        }
      }
    }
    return n;
  }

  /** For each event: its latest sample and its all-time maximum. */
  latest(): { event: string; time: number; latency: number; max: number }[] {
    const out = [];
    for (const [event, ts] of this.events) {
      const last = (ts.idx + LATENCY_TS_LEN - 1) % LATENCY_TS_LEN;
      out.push({ event, time: ts.time[last], latency: ts.latency[last], max: ts.max });
    }
    return out;
  }

  /** The kept samples of an event (exact name), oldest first; null when the event is unknown. */
  history(event: string): LatencySample[] | null {
    const ts = this.events.get(event);
    if (ts === undefined) return null;
    const out: LatencySample[] = [];
    for (let j = 0; j < LATENCY_TS_LEN; j++) {
      const i = (ts.idx + j) % LATENCY_TS_LEN;
      if (ts.time[i] !== 0) out.push({ time: ts.time[i], latency: ts.latency[i] });
    }
    return out;
  }

  allTimeHigh(event: string): number {
    return this.events.get(event)?.max ?? 0;
  }

  /** Average, deviation, range and period of an event's kept samples, at unix second now. */
  analyze(event: string, now: number): EventStats {
    const samples = this.history(event) ?? [];
    const st: EventStats = {
      samples: samples.length,
      avg: 0,
      min: 0,
      max: 0,
      mad: 0,
      period: 0,
      allTimeHigh: this.allTimeHigh(event),
    };
    if (samples.length === 0) return st;
    let sum = 0;
    let oldest = Infinity;
    st.min = Infinity;
    for (const s of samples) {
      sum += s.latency;
      st.min = Math.min(st.min, s.latency);
      st.max = Math.max(st.max, s.latency);
      oldest = Math.min(oldest, s.time);
    }
    st.avg = Math.floor(sum / samples.length);
    st.period = Math.max(1, now - oldest);
    let dev = 0;
    for (const s of samples) dev += Math.abs(st.avg - s.latency);
    st.mad = Math.floor(dev / samples.length);
    return st;
  }
}

// ---- per-command latency histograms ----

/** Recorded values are clamped to [1 ns, 1 s], as Redis's LATENCY_HISTOGRAM_MIN/MAX_VALUE. */
const MAX_NS = 1_000_000_000;
/** Rows of 128 counters: index = bucket * 128 + sub-bucket, the layout of a 2-digit HdrHistogram. */
const ROWS = 24;

/** The counter index of a value in ns (1 <= ns <= MAX_NS, an integer). */
function indexOf(ns: number): number {
  const bits = 32 - Math.clz32(ns);
  const bucket = bits > 8 ? bits - 8 : 0;
  return (bucket << 7) + (ns >>> bucket);
}

/** The lowest value (ns) counted at an index, and the width of its range. */
function rangeAt(index: number): { low: number; size: number } {
  if (index < 256) return { low: index, size: 1 };
  const bucket = (index >>> 7) - 1;
  return { low: ((index & 127) + 128) * 2 ** bucket, size: 2 ** bucket };
}

/** The report levels of LATENCY HISTOGRAM: 1024 ns, doubling, as Redis's logarithmic iteration. */
const LEVELS: { index: number; usec: number }[] = [];
for (let level = 1024; level < 2 ** 30; level *= 2) {
  const index = indexOf(level);
  const { low, size } = rangeAt(index);
  LEVELS.push({ index, usec: Math.floor((low + size - 1) / 1000) });
}
/** What Redis reports for values above the last level: the top of the histogram's range. */
const LAST_LEVEL_USEC = Math.floor((2 ** 30 - 1) / 1000);

export class LatencyHistogram {
  /** Number of recorded values (Redis's `calls`). */
  calls = 0;
  private readonly rows: (Float64Array | undefined)[] = new Array<Float64Array | undefined>(ROWS);

  /** Records one command's duration in microseconds. */
  record(usec: number): void {
    let ns = usec >= 1_000_000 ? MAX_NS : Math.floor(usec) * 1000;
    if (ns < 1) ns = 1;
    const i = indexOf(ns);
    let row = this.rows[i >>> 7];
    if (row === undefined) row = this.rows[i >>> 7] = new Float64Array(128);
    row[i & 127]++;
    this.calls++;
  }

  private countAt(index: number): number {
    const row = this.rows[index >>> 7];
    return row === undefined ? 0 : row[index & 127];
  }

  /**
   * LATENCY HISTOGRAM's histogram_usec: [upper bound in us, cumulative count] for the power-of-two
   * levels (1, 2, 4, 8, 16, 33, 66, 132, ... us) where the count grows, up to the last value recorded.
   */
  cumulative(): [number, number][] {
    const out: [number, number][] = [];
    let cum = 0;
    let index = 0;
    let prev = 0;
    for (const level of LEVELS) {
      for (; index <= level.index; index++) cum += this.countAt(index);
      if (cum > prev) out.push([level.usec, cum]);
      prev = cum;
      if (cum >= this.calls) return out;
    }
    if (this.calls > prev) out.push([LAST_LEVEL_USEC, this.calls]);
    return out;
  }

  /** The value (ns) at a percentile, as hdr_value_at_percentile: the top of its sub-bucket (p 0: bottom). */
  valueAtPercentile(p: number): number {
    if (this.calls === 0) return 0;
    const want = Math.max(1, Math.floor((Math.min(p, 100) / 100) * this.calls + 0.5));
    let cum = 0;
    for (let index = 0; index < ROWS * 128; index++) {
      cum += this.countAt(index);
      if (cum >= want) {
        const { low, size } = rangeAt(index);
        return p === 0 ? low : low + size - 1;
      }
    }
    return 0;
  }
}

/** A value in ns as microseconds with three decimals (what INFO latencystats prints). */
export function formatUsec(ns: number): string {
  return `${Math.floor(ns / 1000)}.${String(ns % 1000).padStart(3, '0')}`;
}

/** A percentile as INFO latencystats names it: %f with trailing zeros cut (50, 99.9, 0.1). */
export function formatPercentile(p: number): string {
  return p.toFixed(6).replace(/\.?0+$/, '');
}

/** An INFO latencystats line: latency_percentiles_usec_<command>:p50=...,p99=... */
export function percentilesLine(
  command: string,
  h: LatencyHistogram,
  percentiles: readonly number[],
): string {
  const parts = percentiles.map((p) => `p${formatPercentile(p)}=${formatUsec(h.valueAtPercentile(p))}`);
  return `latency_percentiles_usec_${command}:${parts.join(',')}`;
}

// ---- human text ----

/** "12s", "3m", "5h", "2d": how long ago a sample was taken. */
export function ageLabel(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86400)}d`;
}

const GRAPH_COLS = 80;
const GRAPH_ROWS = 4;

/**
 * LATENCY GRAPH: a bar chart of an event's samples, oldest left, one column per sample (neighbouring
 * samples share a column, keeping the worst, when there are more than 80), bars scaled between the
 * lowest and highest kept sample, with the age of the first and last column underneath.
 */
export function latencyGraph(
  event: string,
  samples: readonly LatencySample[],
  allTimeHigh: number,
  now: number,
): string {
  const lines: string[] = [];
  const values = samples.map((s) => s.latency);
  const high = Math.max(...values);
  const low = Math.min(...values);
  lines.push(
    `${event}: ${samples.length} sample${samples.length === 1 ? '' : 's'}, highest ${high} ms, lowest ${low} ms (highest ever ${allTimeHigh} ms)`,
  );
  const perCol = Math.ceil(samples.length / GRAPH_COLS);
  const cols: number[] = [];
  for (let i = 0; i < samples.length; i += perCol) cols.push(Math.max(...values.slice(i, i + perCol)));
  // Height in half rows: the lowest sample gets one, the highest all of them.
  const levels = GRAPH_ROWS * 2;
  const heights = cols.map((v) =>
    high === low ? levels : 1 + Math.round(((v - low) / (high - low)) * (levels - 1)),
  );
  const rule = '-'.repeat(Math.max(cols.length, 40));
  lines.push(rule);
  for (let r = GRAPH_ROWS - 1; r >= 0; r--) {
    lines.push(
      heights
        .map((h) => (h >= 2 * (r + 1) ? '#' : h === 2 * r + 1 ? '.' : ' '))
        .join('')
        .trimEnd(),
    );
  }
  lines.push(rule);
  const first = `^ ${ageLabel(now - samples[0].time)} ago`;
  const last = `${ageLabel(now - samples[samples.length - 1].time)} ago ^`;
  const width = Math.max(cols.length, first.length + last.length + 1);
  lines.push(
    cols.length === 1
      ? `^ ${ageLabel(now - samples[0].time)} ago`
      : first + last.padStart(width - first.length),
  );
  lines.push(
    `(each column is ${perCol === 1 ? 'one second with a sample' : `the worst of ${perCol} samples`}; '#' a full row, '.' half a row)`,
  );
  return lines.join('\n') + '\n';
}

export interface DoctorInput {
  now: number;
  monitor: LatencyMonitor;
  latencyMonitorThreshold: number;
  slowlogLogSlowerThan: number;
  slowlogMaxLen: number;
  /** Commands with the highest p99 from latency tracking: [name, p99 in us, calls]. */
  slowestCommands: [string, string, number][];
}

/** LATENCY DOCTOR: what the monitor saw, event by event, and what to look at. */
export function latencyDoctor(d: DoctorInput): string {
  const out: string[] = [];
  const events = d.monitor.eventNames();
  if (events.length === 0 && d.latencyMonitorThreshold === 0) {
    out.push(
      'The latency monitor is off (latency-monitor-threshold is 0), so there is nothing to diagnose yet.',
      'Turn it on with CONFIG SET latency-monitor-threshold <milliseconds>: every command that runs at least',
      "that long is then recorded as a 'command' event ('fast-command' for O(1) and O(log N) commands).",
    );
    slowest(d, out);
    return out.join('\n') + '\n';
  }
  if (events.length === 0) {
    out.push(
      `No latency event reached the threshold of ${d.latencyMonitorThreshold} ms since the monitor started or was last reset.`,
    );
    slowest(d, out);
    return out.join('\n') + '\n';
  }
  out.push(`Latency events above ${d.latencyMonitorThreshold} ms recorded by this server:`, '');
  const advice = new Set<string>();
  events.forEach((event, n) => {
    const st = d.monitor.analyze(event, d.now);
    out.push(
      `${n + 1}. ${event}: ${st.samples} second${st.samples === 1 ? '' : 's'} with a spike in the last ${st.period} s ` +
        `(one every ${(st.period / st.samples).toFixed(2)} s); average ${st.avg} ms, mean deviation ${st.mad} ms, ` +
        `range ${st.min}-${st.max} ms; worst ever ${st.allTimeHigh} ms.`,
    );
    if (event === 'command' || event === 'command-unblocking') {
      if (d.slowlogLogSlowerThan < 0) advice.add('slowlog-off');
      else if (d.slowlogLogSlowerThan > d.latencyMonitorThreshold * 1000) advice.add('slowlog-high');
      advice.add('slowlog-read');
      advice.add('big-values');
    }
    if (event === 'fast-command') advice.add('cpu');
  });
  out.push('', 'What to look at:');
  const t = d.latencyMonitorThreshold * 1000;
  if (advice.has('slowlog-off'))
    out.push(
      `- The slow log is off (slowlog-log-slower-than -1), so the commands behind these spikes were not kept. ` +
        `CONFIG SET slowlog-log-slower-than ${t} keeps every command at least as slow as the latency threshold.`,
    );
  if (advice.has('slowlog-high'))
    out.push(
      `- The slow log only keeps commands slower than ${d.slowlogLogSlowerThan} us, more than the latency threshold ` +
        `(${t} us), so some spikes have no entry. CONFIG SET slowlog-log-slower-than ${t} closes the gap.`,
    );
  if (advice.has('slowlog-read'))
    out.push(
      `- SLOWLOG GET shows the slowest recent commands with their arguments, time and client ` +
        `(the log keeps the last ${d.slowlogMaxLen}).`,
    );
  if (advice.has('big-values'))
    out.push(
      '- Commands over a whole large key or keyspace (KEYS, SMEMBERS, HGETALL, LRANGE 0 -1, SORT, DEL of a large key, ' +
        'FLUSHALL) hold the server for the time they take. Prefer SCAN/SSCAN/HSCAN/ZSCAN, ranges in pages, and UNLINK, ' +
        'or split large values into smaller keys.',
    );
  if (advice.has('cpu'))
    out.push(
      '- Commands that do little work were slow, so the process did not get the CPU: a loaded or overcommitted ' +
        'host, a container CPU limit throttling it (check the cgroup throttling counters), another heavy process ' +
        'on the same cores, or a long garbage-collection pause of the Node.js runtime. Give the server its own ' +
        'core, raise or remove the CPU limit, and compare with redis-cli --intrinsic-latency on the same host.',
    );
  slowest(d, out);
  return out.join('\n') + '\n';
}

function slowest(d: DoctorInput, out: string[]): void {
  if (d.slowestCommands.length === 0) return;
  out.push(
    '',
    'Commands with the highest 99th-percentile latency (latency tracking, since start or CONFIG RESETSTAT):',
  );
  for (const [name, p99, calls] of d.slowestCommands)
    out.push(`- ${name}: p99 ${p99} us over ${calls} call${calls === 1 ? '' : 's'}`);
}
