// One container's processes over its life: start (script into namespaces, log file per run), exit
// detection, stop with a grace period (SIGTERM to its process group, then SIGKILL), freeze/thaw, the
// restart count and last state. Restart policy and back-off are decided by the pod worker.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, closeSync, rmSync, writeFileSync, lstatSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import type { Container, ContainerState } from './types.js';
import { containerScript, type Mount, type ScriptTools } from './container-script.js';

export interface StartRequest {
  netns: string;
  env: Record<string, string>;
  argv: string[];
  mounts: Mount[];
  hostname: string;
  workingDir: string;
}

export interface ExitInfo {
  exitCode: number;
  signal?: number;
  reason: string;
  startedAt: string;
  finishedAt: string;
  containerID: string;
}

const SIGNALS: Record<string, number> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGABRT: 6,
  SIGKILL: 9,
  SIGSEGV: 11,
  SIGTERM: 15,
};

export class ContainerProcess {
  child?: ChildProcess;
  pid?: number;
  restartCount = 0;
  startedAt?: string;
  runningSince = 0;
  state: ContainerState = { waiting: { reason: 'ContainerCreating' } };
  lastState: ContainerState = {};
  /** The environment of the current run (exec probes run with it). */
  env: Record<string, string> = {};
  /** Set while the kubelet itself is stopping the process (liveness failure, pod deletion). */
  stopping = false;
  private exited?: Promise<void>;
  private runs = 0;

  constructor(
    readonly spec: Container,
    private readonly dir: string, // this container's directory in the pod's directory
    private readonly tools: ScriptTools,
    private readonly onExit: (info: ExitInfo) => void,
  ) {
    mkdirSync(path.join(dir, 'logs'), { recursive: true });
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  get containerID(): string {
    return this.pid ? `process://${this.pid}` : '';
  }

  logFile(previous: boolean): string {
    const run = previous ? this.runs - 2 : this.runs - 1;
    return path.join(this.dir, 'logs', `${Math.max(run, 0)}.log`);
  }

  start(req: StartRequest): void {
    const root = path.join(this.dir, 'rootfs');
    const upper = path.join(this.dir, 'upper');
    const work = path.join(this.dir, 'work');
    // Each run gets a fresh writable layer, as a restarted container does.
    rmSync(upper, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
    for (const d of [root, upper, work]) mkdirSync(d, { recursive: true });
    const script = path.join(this.dir, 'start.sh');
    writeFileSync(
      script,
      containerScript(this.tools, {
        root,
        upper,
        work,
        mounts: req.mounts.map((m) => ({ ...m, target: resolveInImage(m.target) })),
        hostname: req.hostname,
        workingDir: resolveInImage(req.workingDir),
        argv: req.argv,
      }),
    );
    const log = openSync(path.join(this.dir, 'logs', `${this.runs}.log`), 'a');
    this.runs++;
    this.stopping = false;
    this.env = req.env;
    const child = spawn(
      'ip',
      [
        'netns',
        'exec',
        req.netns,
        'unshare',
        '--uts',
        '--mount',
        '--propagation',
        'private',
        '/bin/sh',
        script,
      ],
      {
        env: req.env,
        detached: true, // its own process group: signals reach everything the container started
        stdio: ['ignore', log, log],
      },
    );
    closeSync(log);
    this.child = child;
    this.pid = child.pid;
    this.startedAt = new Date().toISOString();
    this.runningSince = Date.now();
    this.state = { running: { startedAt: this.startedAt } };
    const containerID = this.containerID;
    const startedAt = this.startedAt;
    this.exited = new Promise((resolve) => {
      child.on('exit', (code, sig) => {
        if (child.pid) killGroup(child.pid, 'SIGKILL'); // nothing of the container outlives its main process
        const signal = sig ? (SIGNALS[sig] ?? 0) : undefined;
        const exitCode = code ?? 128 + (signal ?? 0);
        const info: ExitInfo = {
          exitCode,
          signal,
          reason: exitCode === 0 ? 'Completed' : 'Error',
          startedAt,
          finishedAt: new Date().toISOString(),
          containerID,
        };
        this.child = undefined;
        this.pid = undefined;
        this.state = {
          terminated: {
            exitCode,
            reason: info.reason,
            startedAt,
            finishedAt: info.finishedAt,
            containerID,
            ...(signal ? { signal } : {}),
          },
        };
        resolve();
        this.onExit(info);
      });
      child.on('error', () => resolve());
    });
  }

  /** SIGTERM, then SIGKILL after graceMs; resolves when the process has exited. */
  async stop(graceMs: number): Promise<void> {
    const pid = this.pid;
    if (!pid || !this.exited) return;
    this.stopping = true;
    killGroup(pid, 'SIGCONT'); // a frozen process must be able to act on SIGTERM
    killGroup(pid, 'SIGTERM');
    const timer = setTimeout(() => killGroup(pid, 'SIGKILL'), Math.max(graceMs, 0));
    await this.exited;
    clearTimeout(timer);
  }

  signal(sig: NodeJS.Signals): boolean {
    if (!this.pid) return false;
    killGroup(this.pid, sig);
    return true;
  }
}

/**
 * A container path with the symlinks of the image (the host's root) resolved as they will be inside the
 * container, so that a mount on /var/run/... lands on /run/... inside the overlay rather than following
 * an absolute symlink out of it.
 */
export function resolveInImage(p: string, depth = 0): string {
  if (depth > 40) throw new Error(`too many levels of symbolic links in ${p}`);
  const parts = path.posix.normalize(p).split('/').filter(Boolean);
  let cur = '/';
  for (let i = 0; i < parts.length; i++) {
    const next = path.posix.join(cur, parts[i]);
    let link: string | undefined;
    try {
      if (lstatSync(next).isSymbolicLink()) link = readlinkSync(next);
    } catch {
      return path.posix.join(next, ...parts.slice(i + 1)); // does not exist in the image: created in the overlay
    }
    if (link !== undefined) {
      const abs = link.startsWith('/') ? link : path.posix.join(cur, link);
      return resolveInImage(path.posix.join(abs, ...parts.slice(i + 1)), depth + 1);
    }
    cur = next;
  }
  return cur;
}

function killGroup(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig);
  } catch {
    try {
      process.kill(pid, sig);
    } catch {
      // gone
    }
  }
}
