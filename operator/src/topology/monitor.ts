// Sub-second health checks of each RedisReplication's master: ROLE over a persistent connection with a
// short timeout, at an interval derived from downAfterMilliseconds (100-500 ms). A master is declared
// down only after downAfterMilliseconds of continuous failure (a refused, timed-out or non-master
// answer), and the owner is notified at once so that failover does not wait for a resync period.
import { Redis } from 'ioredis';
import { REDIS_PORT } from '../api/types.js';

interface Target {
  ip: string;
  password?: string;
  downAfterMs: number;
  client: Redis;
  timer: NodeJS.Timeout;
  firstFailure?: number;
  lastOffset?: number;
  notified: boolean;
  busy: boolean;
}

export class MasterMonitor {
  private readonly targets = new Map<string, Target>();

  constructor(private readonly onDown: (key: string) => void) {}

  /** Watches `ip` as the master of `key` (a no-op when it already does). */
  watch(key: string, ip: string, password: string | undefined, downAfterMs: number): void {
    const t = this.targets.get(key);
    if (t && t.ip === ip && t.password === password && t.downAfterMs === downAfterMs) return;
    this.unwatch(key);
    const interval = Math.max(100, Math.min(500, Math.floor(downAfterMs / 5)));
    const client = new Redis({
      host: ip,
      port: REDIS_PORT,
      password,
      connectTimeout: interval * 2,
      commandTimeout: interval * 2,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      retryStrategy: () => interval,
      lazyConnect: false,
    });
    client.on('error', () => {}); // failures are counted by the checks
    const target: Target = {
      ip,
      password,
      downAfterMs,
      client,
      notified: false,
      busy: false,
      timer: setInterval(() => void this.check(key), interval),
    };
    target.timer.unref();
    this.targets.set(key, target);
  }

  unwatch(key: string): void {
    const t = this.targets.get(key);
    if (!t) return;
    clearInterval(t.timer);
    t.client.disconnect();
    this.targets.delete(key);
  }

  private async check(key: string): Promise<void> {
    const t = this.targets.get(key);
    if (!t || t.busy) return;
    t.busy = true;
    const started = Date.now();
    let ok = false;
    try {
      const role = (await t.client.call('ROLE')) as [string, number];
      ok = role[0] === 'master';
      if (ok) t.lastOffset = Number(role[1]);
    } catch {
      ok = false;
    } finally {
      t.busy = false;
    }
    if (this.targets.get(key) !== t) return;
    const now = Date.now();
    if (ok) {
      t.firstFailure = undefined;
      t.notified = false;
      return;
    }
    // Failing since the failed check was sent (a timeout is only known one timeout later).
    t.firstFailure ??= started;
    if (!t.notified && now - t.firstFailure >= t.downAfterMs) {
      t.notified = true;
      this.onDown(key);
    }
  }

  /** Whether `key`'s master at `ip` has failed continuously for its downAfterMilliseconds. */
  isDown(key: string, ip: string): boolean {
    const t = this.targets.get(key);
    return (
      t !== undefined &&
      t.ip === ip &&
      t.firstFailure !== undefined &&
      Date.now() - t.firstFailure >= t.downAfterMs
    );
  }

  /** How long `key`'s master has been failing (0 when healthy or not watched). */
  failingForMs(key: string): number {
    const f = this.targets.get(key)?.firstFailure;
    return f === undefined ? 0 : Date.now() - f;
  }

  lastOffset(key: string): number | undefined {
    return this.targets.get(key)?.lastOffset;
  }

  stop(): void {
    for (const k of [...this.targets.keys()]) this.unwatch(k);
  }
}
