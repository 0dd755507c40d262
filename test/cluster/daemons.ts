// Background processes of a local cluster: started detached with their output in log files and their
// pid in a pid file, so that `cluster:down` (a different process) can find and stop them.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export function runDir(stateDir: string): string {
  return path.join(stateDir, 'run');
}
export function logDir(stateDir: string): string {
  return path.join(stateDir, 'logs');
}

export function startDaemon(
  stateDir: string,
  name: string,
  cmd: string,
  args: string[],
  env?: NodeJS.ProcessEnv,
): number {
  mkdirSync(runDir(stateDir), { recursive: true });
  mkdirSync(logDir(stateDir), { recursive: true });
  const out = openSync(path.join(logDir(stateDir), `${name}.log`), 'a');
  const child = spawn(cmd, args, { detached: true, stdio: ['ignore', out, out], env: env ?? process.env });
  if (child.pid === undefined) throw new Error(`could not start ${name} (${cmd})`);
  child.unref();
  // The start time goes with the pid, so that a pid file left by an earlier boot (whose pid may now
  // belong to an unrelated process) is recognised as stale and never signalled.
  writeFileSync(
    path.join(runDir(stateDir), `${name}.pid`),
    `${child.pid} ${procStartTime(child.pid) ?? ''}\n`,
  );
  return child.pid;
}

/** Field 22 of /proc/<pid>/stat: when the process started, in clock ticks since boot. */
export function procStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** The pid a pid file names, if that process is still the one we started (same start time). */
function livePid(file: string): number | undefined {
  const [pidText, started] = readFileSync(file, 'utf8').trim().split(' ');
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  return started && procStartTime(pid) === started ? pid : undefined;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    // A zombie still answers signal 0; /proc tells its state.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}

/** The names of the daemons that have a pid file, whether or not they still run. */
export function daemonNames(stateDir: string): string[] {
  const dir = runDir(stateDir);
  return existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith('.pid'))
        .map((f) => f.slice(0, -4))
    : [];
}

/** The daemons still running, by name (pid files of processes that are gone are left out). */
export function daemonPids(stateDir: string): Map<string, number> {
  const out = new Map<string, number>();
  const dir = runDir(stateDir);
  if (!existsSync(dir)) return out;
  for (const f of readdirSync(dir)) {
    if (!f.endsWith('.pid')) continue;
    const pid = livePid(path.join(dir, f));
    if (pid !== undefined) out.set(f.slice(0, -4), pid);
  }
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** SIGTERM, then SIGKILL after `graceMs`, for every pid given; resolves when all are gone. */
export async function stopPids(pids: number[], graceMs: number): Promise<void> {
  for (const p of pids) signal(p, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (pids.some(isAlive) && Date.now() < deadline) await sleep(100);
  for (const p of pids) if (isAlive(p)) signal(p, 'SIGKILL');
  while (pids.some(isAlive)) await sleep(50);
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

export async function stopDaemon(stateDir: string, name: string, graceMs = 5000): Promise<void> {
  const file = path.join(runDir(stateDir), `${name}.pid`);
  if (!existsSync(file)) return;
  const pid = livePid(file);
  if (pid !== undefined) await stopPids([pid], graceMs);
  rmSync(file, { force: true });
}
