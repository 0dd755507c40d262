// The Sentinel events (Pub/Sub messages on channels such as +switch-master) that one change of a
// RedisReplication's view means, worded as real Sentinel words them (Redis 7.0, sentinel.c's
// sentinelEvent): "<type> <name> <ip> <port>" for a master, "<type> <ip>:<port> <ip> <port> @ <master
// name> <master ip> <master port>" for a replica. Pure: the registry calls it with the view before and
// after, once for each name the set is known by.

export interface Address {
  ip: string;
  port: number;
}

/** What the events are computed from: one set's master and reachable replicas, as observed. */
export interface EventView {
  master?: Address;
  replicas: (Address & { linkUp: boolean })[];
  masterDown: boolean;
}

export interface SentinelEvent {
  channel: string;
  message: string;
}

export const addr = (a: Address): string => `${a.ip}:${a.port}`;
const same = (a: Address | undefined, b: Address | undefined): boolean =>
  a !== undefined && b !== undefined && a.ip === b.ip && a.port === b.port;

function masterText(name: string, m: Address): string {
  return `master ${name} ${m.ip} ${m.port}`;
}

function replicaText(name: string, r: Address, m: Address): string {
  return `slave ${addr(r)} ${r.ip} ${r.port} @ ${name} ${m.ip} ${m.port}`;
}

export interface EventContext {
  /** Replica addresses seen before in this set (one coming back is -sdown, a new one +slave). */
  known: ReadonlySet<string>;
  /** The master changed recently (within the failover timeout): replicas linking up are reconfigured. */
  afterSwitch: boolean;
}

/**
 * The events between two views of one set named `name`: +monitor when it first appears; +sdown/+odown
 * when its master starts failing (-odown/-sdown when it recovers); at a change of master the end of a
 * failover (+promoted-slave, +failover-state-reconf-slaves, +failover-end, +switch-master, then +slave
 * for each replica of the new master); +slave for a replica seen for the first time, +sdown / -sdown
 * slave when a replica stops / starts answering, +slave-reconf-done when a replica's link to the
 * current master comes up after a change of master.
 */
export function sentinelEvents(
  name: string,
  prev: EventView | undefined,
  next: EventView,
  ctx: EventContext,
): SentinelEvent[] {
  const out: SentinelEvent[] = [];
  const ev = (channel: string, message: string) => out.push({ channel, message });
  const m = next.master;
  if (prev === undefined) {
    if (m) {
      ev('+monitor', `${masterText(name, m)} quorum 1`);
      for (const r of next.replicas) ev('+slave', replicaText(name, r, m));
    }
    return out;
  }
  const pm = prev.master;
  if (m && pm && !same(m, pm)) {
    if (!prev.masterDown) {
      // A switchover or a failover decided before the set's status showed the master failing.
      ev('+sdown', masterText(name, pm));
      ev('+odown', `${masterText(name, pm)} #quorum 1/1`);
    }
    ev('+promoted-slave', replicaText(name, m, pm));
    ev('+failover-state-reconf-slaves', masterText(name, pm));
    ev('+failover-end', masterText(name, pm));
    ev('+switch-master', `${name} ${pm.ip} ${pm.port} ${m.ip} ${m.port}`);
    for (const r of next.replicas) ev('+slave', replicaText(name, r, m));
    return out;
  }
  if (!m) {
    if (pm && next.masterDown && !prev.masterDown) {
      ev('+sdown', masterText(name, pm));
      ev('+odown', `${masterText(name, pm)} #quorum 1/1`);
    }
    return out;
  }
  if (next.masterDown && !prev.masterDown) {
    ev('+sdown', masterText(name, m));
    ev('+odown', `${masterText(name, m)} #quorum 1/1`);
  } else if (!next.masterDown && prev.masterDown) {
    ev('-odown', masterText(name, m));
    ev('-sdown', masterText(name, m));
  }
  const before = new Map(prev.replicas.map((r) => [addr(r), r]));
  const now = new Set(next.replicas.map(addr));
  for (const r of next.replicas) {
    const p = before.get(addr(r));
    if (p === undefined) ev(ctx.known.has(addr(r)) ? '-sdown' : '+slave', replicaText(name, r, m));
    if (ctx.afterSwitch && r.linkUp && (p === undefined || !p.linkUp))
      ev('+slave-reconf-done', replicaText(name, r, m));
  }
  for (const r of prev.replicas) if (!now.has(addr(r))) ev('+sdown', replicaText(name, r, m));
  return out;
}
