// Prometheus metrics in the text exposition format (GET /metrics): reconciles and their errors,
// failovers and a failover-duration histogram, and per-RedisReplication gauges for each node's role
// and replication lag. No labels ever carry secrets.
import http from 'node:http';

const BUCKETS = [0.5, 1, 2, 3, 5, 8, 13, 21, 34, 60];

type Labels = Record<string, string>;
const key = (l: Labels) =>
  Object.keys(l)
    .sort()
    .map((k) => `${k}="${l[k].replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`)
    .join(',');

export class Metrics {
  private readonly counters = new Map<string, Map<string, number>>();
  private readonly gauges = new Map<string, Map<string, number>>();
  private readonly histo = new Map<string, { buckets: number[]; sum: number; count: number }>();
  private readonly help: Record<string, [string, string]> = {
    tsredis_operator_reconciles_total: ['counter', 'Reconciles run, by RedisReplication.'],
    tsredis_operator_reconcile_errors_total: ['counter', 'Reconciles that failed, by RedisReplication.'],
    tsredis_operator_failovers_total: ['counter', 'Master changes, by RedisReplication and reason.'],
    tsredis_operator_failover_duration_seconds: [
      'histogram',
      'From the first failed health check (or the decision) to the promotion done.',
    ],
    tsredis_node_role: ['gauge', '1 for the role each node pod has (master or replica).'],
    tsredis_node_replication_lag_bytes: ['gauge', "Bytes a replica is behind its master's offset."],
    tsredis_operator_leader: ['gauge', '1 when this operator holds the leader Lease.'],
  };

  inc(name: string, labels: Labels, by = 1): void {
    const m = this.counters.get(name) ?? new Map<string, number>();
    m.set(key(labels), (m.get(key(labels)) ?? 0) + by);
    this.counters.set(name, m);
  }

  set(name: string, labels: Labels, value: number): void {
    const m = this.gauges.get(name) ?? new Map<string, number>();
    m.set(key(labels), value);
    this.gauges.set(name, m);
  }

  /** Drops every series of `name` whose labels include `match` (a deleted CR, a removed pod). */
  clear(name: string, match: Labels): void {
    const m = this.gauges.get(name);
    if (!m) return;
    const parts = Object.entries(match).map(([k, v]) => `${k}="${v}"`);
    for (const k of [...m.keys()]) if (parts.every((p) => k.includes(p))) m.delete(k);
  }

  observe(name: string, labels: Labels, seconds: number): void {
    const k = `${name}{${key(labels)}}`;
    const h = this.histo.get(k) ?? { buckets: BUCKETS.map(() => 0), sum: 0, count: 0 };
    BUCKETS.forEach((b, i) => seconds <= b && h.buckets[i]++);
    h.sum += seconds;
    h.count++;
    this.histo.set(k, h);
  }

  render(): string {
    const out: string[] = [];
    const header = (name: string) => {
      const [type, help] = this.help[name] ?? ['untyped', name];
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    };
    for (const [name, series] of [...this.counters, ...this.gauges]) {
      header(name);
      for (const [l, v] of series) out.push(`${name}${l ? `{${l}}` : ''} ${v}`);
    }
    const byName = new Map<string, [string, { buckets: number[]; sum: number; count: number }][]>();
    for (const [k, h] of this.histo) {
      const name = k.slice(0, k.indexOf('{'));
      byName.set(name, [...(byName.get(name) ?? []), [k.slice(k.indexOf('{') + 1, -1), h]]);
    }
    for (const [name, series] of byName) {
      header(name);
      for (const [l, h] of series) {
        const sep = l ? ',' : '';
        BUCKETS.forEach((b, i) => out.push(`${name}_bucket{${l}${sep}le="${b}"} ${h.buckets[i]}`));
        out.push(
          `${name}_bucket{${l}${sep}le="+Inf"} ${h.count}`,
          `${name}_sum{${l}} ${h.sum}`,
          `${name}_count{${l}} ${h.count}`,
        );
      }
    }
    return out.join('\n') + '\n';
  }
}

export function startMetricsServer(port: number, metrics: Metrics): http.Server {
  const server = http.createServer((req, res) => {
    if (req.url !== '/metrics') return void res.writeHead(404).end('not found\n');
    res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' }).end(metrics.render());
  });
  server.listen(port);
  return server;
}
