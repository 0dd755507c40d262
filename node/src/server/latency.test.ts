// Latency data: the monitor's per-second samples, the histograms' buckets and percentiles (checked
// against figures redis-server 7.0.15 printed for the same durations), and the report texts.
import {
  LATENCY_TS_LEN,
  LatencyHistogram,
  LatencyMonitor,
  ageLabel,
  formatPercentile,
  formatUsec,
  latencyDoctor,
  latencyGraph,
  percentilesLine,
} from './latency.js';

test('one sample per second keeps the worst latency; the all-time maximum is kept apart', () => {
  const m = new LatencyMonitor();
  m.add('command', 12, 1000);
  m.add('command', 30, 1000);
  m.add('command', 20, 1000);
  m.add('command', 15, 1001);
  expect(m.history('command')).toEqual([
    { time: 1000, latency: 30 },
    { time: 1001, latency: 15 },
  ]);
  expect(m.latest()).toEqual([{ event: 'command', time: 1001, latency: 15, max: 30 }]);
  expect(m.history('COMMAND')).toBeNull();
  expect(m.history('nosuch')).toBeNull();
});

test('an event keeps its last 160 seconds with a sample', () => {
  const m = new LatencyMonitor();
  for (let t = 1; t <= 200; t++) m.add('fast-command', t, t);
  const h = m.history('fast-command') ?? [];
  expect(h).toHaveLength(LATENCY_TS_LEN);
  expect(h[0]).toEqual({ time: 41, latency: 41 });
  expect(h[h.length - 1]).toEqual({ time: 200, latency: 200 });
  expect(m.latest()[0]).toEqual({ event: 'fast-command', time: 200, latency: 200, max: 200 });
});

test('RESET forgets events by name without regard to case, or all of them, and counts them', () => {
  const m = new LatencyMonitor();
  m.add('command', 10, 1);
  m.add('fast-command', 10, 1);
  expect(m.reset(['COMMAND', 'nosuch', 'command'])).toBe(1);
  expect(m.eventNames()).toEqual(['fast-command']);
  expect(m.reset()).toBe(1);
  expect(m.size).toBe(0);
  expect(m.reset()).toBe(0);
});

test('analysis: average, mean deviation, range and period of the kept samples', () => {
  const m = new LatencyMonitor();
  m.add('command', 10, 100);
  m.add('command', 20, 110);
  m.add('command', 40, 120);
  expect(m.analyze('command', 130)).toEqual({
    samples: 3,
    avg: 23,
    min: 10,
    max: 40,
    mad: 11,
    period: 30,
    allTimeHigh: 40,
  });
  expect(m.analyze('nosuch', 130).samples).toBe(0);
  // A sample of this very second still spans one second.
  m.add('x', 5, 130);
  expect(m.analyze('x', 130).period).toBe(1);
});

/** Every report level of Redis 7.0's LATENCY HISTOGRAM (µs). */
const LEVELS = [
  1, 2, 4, 8, 16, 33, 66, 132, 264, 528, 1056, 2113, 4227, 8454, 16908, 33816, 67633, 135266, 270532, 541065,
  1073741,
];

test("histogram buckets are Redis's power-of-two levels, cumulative, only where the count grows", () => {
  const h = new LatencyHistogram();
  for (const u of [8, 8, 16, 16]) h.record(u);
  // redis-server printed exactly this for four SETs of 8, 8, 16 and 16 µs.
  expect(h.calls).toBe(4);
  expect(h.cumulative()).toEqual([
    [8, 2],
    [16, 4],
  ]);
  const all = new LatencyHistogram();
  // Each level's own upper bound and the value just above it, the first and last beyond clamping.
  for (const u of LEVELS.slice(0, -1)) {
    all.record(u);
    all.record(u + 1);
  }
  all.record(0);
  all.record(5_000_000);
  const buckets = all.cumulative();
  expect(buckets.map(([u]) => u)).toEqual(LEVELS);
  // Level 1 holds 0 and 1 µs; each later level the value above the previous bound and its own bound.
  expect(buckets[0]).toEqual([1, 2]);
  expect(buckets[1]).toEqual([2, 4]);
  expect(buckets[buckets.length - 1]).toEqual([1073741, all.calls]);
  for (let i = 1; i < buckets.length; i++) expect(buckets[i][1]).toBeGreaterThan(buckets[i - 1][1]);
});

test('values just around a level boundary fall on the right side of it', () => {
  const at = (u: number): number => {
    const h = new LatencyHistogram();
    h.record(u);
    return h.cumulative()[0][0];
  };
  expect([at(3), at(4), at(5), at(17), at(33), at(34), at(2113), at(2114), at(541065), at(541066)]).toEqual([
    4, 4, 8, 33, 33, 66, 2113, 4227, 541065, 1073741,
  ]);
  expect(at(999_999)).toBe(1073741);
});

test('percentiles are the top of their HdrHistogram sub-bucket, as INFO latencystats prints them', () => {
  const one = (u: number): LatencyHistogram => {
    const h = new LatencyHistogram();
    h.record(u);
    return h;
  };
  // Figures printed by redis-server 7.0.15 for commands of these durations.
  expect(formatUsec(one(1).valueAtPercentile(50))).toBe('1.003');
  expect(formatUsec(one(5).valueAtPercentile(50))).toBe('5.023');
  expect(formatUsec(one(8).valueAtPercentile(99))).toBe('8.031');
  expect(formatUsec(one(168).valueAtPercentile(50))).toBe('168.959');
  expect(formatUsec(one(250).valueAtPercentile(99.9))).toBe('250.879');
  // p0 is the bottom of the sub-bucket.
  expect(formatUsec(one(250).valueAtPercentile(0))).toBe('249.856');
  const h = new LatencyHistogram();
  for (let i = 0; i < 99; i++) h.record(10);
  h.record(1000);
  expect(formatUsec(h.valueAtPercentile(50))).toBe('10.047');
  expect(formatUsec(h.valueAtPercentile(99))).toBe('10.047');
  expect(formatUsec(h.valueAtPercentile(99.9))).toBe('1003.519');
  expect(formatUsec(h.valueAtPercentile(100))).toBe('1003.519');
  expect(new LatencyHistogram().valueAtPercentile(50)).toBe(0);
});

test('INFO latencystats lines name percentiles as Redis does', () => {
  expect(['50', '99', '99.9', '0.1', '99.99', '100', '0'].map((p) => formatPercentile(Number(p)))).toEqual([
    '50',
    '99',
    '99.9',
    '0.1',
    '99.99',
    '100',
    '0',
  ]);
  const h = new LatencyHistogram();
  h.record(5);
  expect(percentilesLine('config|set', h, [50, 99, 99.9])).toBe(
    'latency_percentiles_usec_config|set:p50=5.023,p99=5.023,p99.9=5.023',
  );
  expect(percentilesLine('get', h, [])).toBe('latency_percentiles_usec_get:');
});

test('the graph shows one column per sample scaled between low and high, with their ages', () => {
  expect([ageLabel(5), ageLabel(61), ageLabel(7200), ageLabel(200000)]).toEqual(['5s', '1m', '2h', '2d']);
  const text = latencyGraph(
    'command',
    [
      { time: 100, latency: 10 },
      { time: 101, latency: 50 },
      { time: 102, latency: 30 },
    ],
    80,
    110,
  );
  const lines = text.split('\n');
  expect(lines[0]).toBe('command: 3 samples, highest 50 ms, lowest 10 ms (highest ever 80 ms)');
  // Four rows of bars between two rules: the high sample fills them all, the low one half a row, the
  // middle one two and a half.
  const rows = lines.slice(2, 6);
  expect(rows.map((r) => r[1])).toEqual(['#', '#', '#', '#']);
  expect(rows.map((r) => r[0] ?? ' ')).toEqual([' ', ' ', ' ', '.']);
  expect(rows.map((r) => r[2] ?? ' ')).toEqual([' ', '.', '#', '#']);
  expect(lines[7]).toMatch(/^\^ 10s ago +8s ago \^$/);
  // More samples than columns: neighbours share a column.
  const many = Array.from({ length: 160 }, (_, i) => ({ time: i + 1, latency: i + 1 }));
  const wide = latencyGraph('fast-command', many, 160, 200).split('\n');
  expect(wide[5].length).toBe(80);
  expect(wide[1]).toBe('-'.repeat(80));
});

test('the doctor says when the monitor is off, reports each event and advises on the slow log', () => {
  const m = new LatencyMonitor();
  const base = {
    now: 200,
    monitor: m,
    latencyMonitorThreshold: 0,
    slowlogLogSlowerThan: 10000,
    slowlogMaxLen: 128,
    slowestCommands: [] as [string, string, number][],
  };
  expect(latencyDoctor(base)).toContain('latency-monitor-threshold is 0');
  expect(latencyDoctor({ ...base, latencyMonitorThreshold: 5 })).toContain('No latency event reached');
  m.add('command', 50, 150);
  m.add('fast-command', 7, 190);
  const off = latencyDoctor({ ...base, latencyMonitorThreshold: 5, slowlogLogSlowerThan: -1 });
  expect(off).toContain('1. command: 1 second with a spike');
  expect(off).toContain('2. fast-command:');
  expect(off).toContain('CONFIG SET slowlog-log-slower-than 5000');
  expect(off).toContain('did not get the CPU');
  const high = latencyDoctor({
    ...base,
    latencyMonitorThreshold: 5,
    slowestCommands: [
      ['keys', '51642.367', 3],
      ['get', '1.003', 1],
    ],
  });
  expect(high).toContain('more than the latency threshold');
  expect(high).toContain('- keys: p99 51642.367 us over 3 calls\n- get: p99 1.003 us over 1 call\n');
});
