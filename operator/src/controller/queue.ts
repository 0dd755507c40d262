// A keyed work queue: a key queued several times is processed once; one key is never processed by two
// workers at once (a key re-queued while in flight runs again afterwards); failures are retried with
// exponential back-off (1 s doubling to 60 s), and a key can ask to be re-queued after a delay. It
// also tells which keys have been in flight for long (a reconcile that never finishes holds its key).
export type Handler = (key: string) => Promise<{ requeueAfterMs?: number }>;

export class WorkQueue {
  private readonly queued = new Set<string>();
  /** Keys being processed, with when their run started. */
  private readonly inFlight = new Map<string, number>();
  private readonly dirty = new Set<string>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly failures = new Map<string, number>();
  private order: string[] = [];
  private active = 0;
  private stopped = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly handler: Handler,
    private readonly concurrency = 4,
    private readonly onError: (key: string, e: unknown, retryMs: number) => void = () => {},
  ) {}

  add(key: string): void {
    if (this.stopped) return;
    const t = this.timers.get(key);
    if (t) {
      clearTimeout(t);
      this.timers.delete(key);
    }
    if (this.inFlight.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.order.push(key);
    this.pump();
  }

  addAfter(key: string, ms: number): void {
    if (this.stopped || this.queued.has(key)) return;
    const existing = this.timers.get(key);
    if (existing) clearTimeout(existing);
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        this.add(key);
      }, ms),
    );
  }

  private pump(): void {
    while (!this.stopped && this.active < this.concurrency && this.order.length > 0) {
      const key = this.order.shift() as string;
      this.queued.delete(key);
      this.inFlight.set(key, Date.now());
      this.active++;
      void this.run(key);
    }
  }

  private async run(key: string): Promise<void> {
    try {
      const r = await this.handler(key);
      this.failures.delete(key);
      if (r.requeueAfterMs !== undefined) this.addAfter(key, r.requeueAfterMs);
    } catch (e) {
      const n = (this.failures.get(key) ?? 0) + 1;
      this.failures.set(key, n);
      const retry = Math.min(1000 * 2 ** (n - 1), 60_000);
      this.onError(key, e, retry);
      this.addAfter(key, retry);
    } finally {
      this.inFlight.delete(key);
      this.active--;
      if (this.dirty.delete(key)) this.add(key);
      this.pump();
      if (this.active === 0) for (const w of this.idleWaiters.splice(0)) w();
    }
  }

  /** Keys whose current run started at least minMs ago, with how long they have been running. */
  runningFor(minMs: number, now = Date.now()): { key: string; ms: number }[] {
    return [...this.inFlight].map(([key, since]) => ({ key, ms: now - since })).filter((r) => r.ms >= minMs);
  }

  /** Stops taking work; resolves when the reconciles in flight have finished. */
  async drain(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.order = [];
    this.queued.clear();
    if (this.active > 0) await new Promise<void>((r) => this.idleWaiters.push(r));
  }
}
