// The temporary RDB files this node writes (SAVE, BGSAVE, a replica's download, a master's disk-based
// full sync), recognised by name, so a start can remove what a killed process left behind; and their fsync
// off the event loop.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** temp-<pid>.rdb, temp-bg-<pid>.rdb, temp-<ms>.<pid>.rdb, temp-repl-<pid>-<ms>.rdb: the writer's pid. */
export function tempRdbPid(name: string): number | null {
  const m =
    /^temp-(?:bg-)?([0-9]+)\.rdb$/.exec(name) ??
    /^temp-[0-9]+\.([0-9]+)\.rdb$/.exec(name) ??
    /^temp-repl-([0-9]+)-[0-9]+\.rdb$/.exec(name);
  return m === null ? null : Number(m[1]);
}

/**
 * The temp files no live writer owns: written by this very pid before it started (a container's pid 1
 * of an earlier run), or by a process that no longer exists.
 */
export function staleTempRdbFiles(
  names: string[],
  selfPid: number,
  isAlive: (pid: number) => boolean,
): string[] {
  return names.filter((n) => {
    const pid = tempRdbPid(n);
    return pid !== null && (pid === selfPid || !isAlive(pid));
  });
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes the stale temp RDB files in dir; returns the names removed. */
export function removeStaleTempRdbFiles(dir: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const stale = staleTempRdbFiles(names, process.pid, processAlive);
  for (const n of stale) fs.rmSync(path.join(dir, n), { force: true });
  return stale;
}

/** fsync on the thread pool: a large file's fsync would otherwise stall the event loop (Redis's child does it). */
export function fsyncInBackground(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fs.fsync(fd, (e) => (e === null ? resolve() : reject(e))));
}
