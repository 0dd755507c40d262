// Sub-second health checks of each RedisReplication's master: ROLE over a persistent connection with a
// short timeout, at an interval derived from downAfterMilliseconds (100-500 ms). A master is declared
// down once no check has succeeded for downAfterMilliseconds (a refused, timed-out or non-master answer
// is a failure) and a check sent late enough in that time has failed, evaluated on every tick rather
// than when a slow check completes, and the owner is notified at once so that failover does not wait
// for a resync period. The second condition keeps a stall of the operator's own event loop (GC, CPU
// starvation) from counting as the master's silence: after a stall, no check was sent during it, and
// the timeout of a check sent before it fires before its answer is read. A master that answers ROLE as
// a replica (it restarted masterless, or was demoted) is reported at once, without waiting for
// downAfterMilliseconds: the reconcile that follows decides what it means. whenDown() lets a reconcile
// stop waiting on a master the checks have just declared down. The link itself is reported as it
// changes (down when the connection closes or a check gets no answer, up at the next answer), as a
// Sentinel flags a master `disconnected` long before it is s_down.
import { Redis } from 'ioredis';
import { REDIS_PORT } from '../api/types.js';

interface Target {
  ip: string;
  password?: string;
  downAfterMs: number;
  intervalMs: number;
  client: Redis;
  timer: NodeJS.Timeout;
  /** When the last successful check answered (the watch start counts as one). */
  lastOkAt: number;
  /** When the latest failed check was sent. */
  lastFailSentAt: number;
  lastOffset?: number;
  notified: boolean;
  /** A non-master answer was reported since the last master answer. */
  notMasterNotified: boolean;
  /** The connection is up and the latest check was answered (assumed at the watch start). */
  linkUp: boolean;
  busy: boolean;
  /** Called (and dropped) when the master is declared down. */
  downWaiters: Set<() => void>;
}

/**
 * No check has succeeded for downAfterMs, and one sent at least downAfterMs - 2 intervals after the
 * last success (so within the last two intervals of that time, with a timeout of two intervals) has
 * failed: the silence was observed by checks, not inferred from a gap in the operator's own ticks.
 */
function isSilent(t: Target, now: number): boolean {
  return (
    now - t.lastOkAt >= t.downAfterMs && t.lastFailSentAt - t.lastOkAt >= t.downAfterMs - 2 * t.intervalMs
  );
}

export class MasterMonitor {
  private readonly targets = new Map<string, Target>();

  constructor(
    private readonly onDown: (key: string) => void,
    private readonly onNotMaster: (key: string) => void = () => {},
    private readonly onLink: (key: string, ip: string, up: boolean) => void = () => {},
  ) {}

  /** Watches `ip` as the master of `key` (a no-op when it already does). */
  watch(key: string, ip: string, password: string | undefined, downAfterMs: number): void {
    const t = this.targets.get(key);
    if (t && t.ip === ip && t.password === password && t.downAfterMs === downAfterMs) return;
    this.unwatch(key);
    const intervalMs = Math.max(100, Math.min(500, Math.floor(downAfterMs / 5)));
    const client = new Redis({
      host: ip,
      port: REDIS_PORT,
      password,
      connectTimeout: intervalMs * 2,
      commandTimeout: intervalMs * 2,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      retryStrategy: () => intervalMs,
    });
    client.on('error', () => {}); // failures show as checks that do not succeed
    const target: Target = {
      ip,
      password,
      downAfterMs,
      intervalMs,
      client,
      lastOkAt: Date.now(),
      lastFailSentAt: -Infinity,
      notified: false,
      notMasterNotified: false,
      linkUp: true,
      busy: false,
      downWaiters: new Set(),
      timer: setInterval(() => this.tick(key), intervalMs),
    };
    target.timer.unref();
    // A killed master's connection closes at once: the link is down before any check times out.
    client.on('close', () => this.link(key, target, false));
    this.targets.set(key, target);
  }

  unwatch(key: string): void {
    const t = this.targets.get(key);
    if (!t) return;
    clearInterval(t.timer);
    t.client.disconnect();
    this.targets.delete(key);
  }

  private tick(key: string): void {
    const t = this.targets.get(key);
    if (!t) return;
    if (!t.notified && isSilent(t, Date.now())) {
      t.notified = true;
      for (const w of t.downWaiters) w();
      t.downWaiters.clear();
      this.onDown(key);
    }
    if (!t.busy) void this.check(key, t);
  }

  private link(key: string, t: Target, up: boolean): void {
    if (this.targets.get(key) !== t || t.linkUp === up) return;
    t.linkUp = up;
    this.onLink(key, t.ip, up);
  }

  private async check(key: string, t: Target): Promise<void> {
    t.busy = true;
    const sentAt = Date.now();
    try {
      const role = (await t.client.call('ROLE')) as [string, number];
      if (this.targets.get(key) !== t) return;
      this.link(key, t, true);
      if (role[0] === 'master') {
        t.lastOkAt = Date.now();
        t.lastOffset = Number(role[1]);
        t.notified = false;
        t.notMasterNotified = false;
        return;
      }
      t.lastFailSentAt = Math.max(t.lastFailSentAt, sentAt); // a non-master answer is a failure too
      if (!t.notMasterNotified) {
        t.notMasterNotified = true;
        this.onNotMaster(key);
      }
    } catch {
      // not answered in time or refused: lastOkAt stays where it was
      t.lastFailSentAt = Math.max(t.lastFailSentAt, sentAt);
      this.link(key, t, false);
    } finally {
      t.busy = false;
    }
  }

  /** Whether the link to `key`'s master at `ip` is down (closed, or its latest check unanswered). */
  linkDown(key: string, ip: string): boolean {
    const t = this.targets.get(key);
    return t !== undefined && t.ip === ip && !t.linkUp;
  }

  /** Whether `key`'s master at `ip` has not answered as master for its downAfterMilliseconds. */
  isDown(key: string, ip: string): boolean {
    const t = this.targets.get(key);
    return t !== undefined && t.ip === ip && isSilent(t, Date.now());
  }

  /**
   * A promise that resolves when `key`'s master at `ip` is declared down (at once if it is); it never
   * resolves while the master is healthy or not watched at that ip. cancel() drops the wait.
   */
  whenDown(key: string, ip: string): { down: Promise<void>; cancel: () => void } {
    const t = this.targets.get(key);
    if (!t || t.ip !== ip) return { down: new Promise<void>(() => {}), cancel: () => {} };
    if (isSilent(t, Date.now())) return { down: Promise.resolve(), cancel: () => {} };
    let waiter = () => {};
    const down = new Promise<void>((r) => (waiter = r));
    t.downWaiters.add(waiter);
    return { down, cancel: () => t.downWaiters.delete(waiter) };
  }

  /** How long `key`'s master has been failing (0 while its checks succeed, or when not watched). */
  failingForMs(key: string): number {
    const t = this.targets.get(key);
    if (!t) return 0;
    const since = Date.now() - t.lastOkAt;
    return since > t.intervalMs * 2 ? since : 0;
  }

  lastOffset(key: string): number | undefined {
    return this.targets.get(key)?.lastOffset;
  }

  stop(): void {
    for (const k of [...this.targets.keys()]) this.unwatch(k);
  }
}
