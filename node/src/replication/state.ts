// ReplState: the replication identity shared by the master and replica sides of a node — replid,
// replid2/second_repl_offset, master_repl_offset and the backlog — and the ID shifts Redis performs.
import { Backlog } from './backlog.js';
import { NO_REPLID, newReplId } from './ids.js';

export class ReplState {
  replid = newReplId();
  replid2 = NO_REPLID;
  secondReplOffset = -1;
  /** master_repl_offset when there is no backlog yet; otherwise backlog.offset is authoritative. */
  private baseOffset = 0;
  backlog: Backlog | null = null;
  /** Time (ms) since when no replica has been attached, for repl-backlog-ttl. */
  noReplicasSince = Date.now();

  get offset(): number {
    return this.backlog === null ? this.baseOffset : this.backlog.offset;
  }

  set offset(v: number) {
    if (this.backlog === null) this.baseOffset = v;
    else this.backlog.reset(v);
  }

  ensureBacklog(size: number): Backlog {
    if (this.backlog === null) this.backlog = new Backlog(size, this.baseOffset);
    return this.backlog;
  }

  freeBacklog(): void {
    if (this.backlog !== null) this.baseOffset = this.backlog.offset;
    this.backlog = null;
  }

  /** REPLICAOF NO ONE / a new master history: keep the old ID as replid2 so followers can PSYNC. */
  shiftReplId(): void {
    this.replid2 = this.replid;
    this.secondReplOffset = this.offset + 1;
    this.replid = newReplId();
  }

  clearReplId2(): void {
    this.replid2 = NO_REPLID;
    this.secondReplOffset = -1;
  }

  /** Whether a PSYNC <id> <offset> can continue from our history. */
  canPartial(id: string, offset: number): boolean {
    if (this.backlog === null) return false;
    const idOk = id === this.replid || (id === this.replid2 && offset <= this.secondReplOffset);
    return idOk && this.backlog.canServeFrom(offset);
  }
}
