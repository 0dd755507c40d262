// A network namespace joined to the host by a veth pair on a /30 of its own, so a test can connect to
// a server from a non-loopback address. Traffic stays on the pair the test created. Needs root.
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';

export interface TestNetns {
  name: string;
  /** The host side's address (where a server should listen). */
  hostIp: string;
  /** The namespace side's address (the peer the server sees). */
  nsIp: string;
  /** Runs a command inside the namespace; returns stdout (stderr merged), never throws on exit code. */
  run(cmd: string, args: string[], timeoutMs?: number): string;
  remove(): void;
}

let seq = 0;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Deletes the namespaces (and so their veth pairs) that a killed earlier run left: their names carry
 * the pid of the process that made them, and that process is gone. Without this a later process whose
 * pid maps to the same veth name would fail with "File exists".
 */
function removeStaleNamespaces(): void {
  let names: string[];
  try {
    names = readdirSync('/var/run/netns');
  } catch {
    return;
  }
  for (const ns of names) {
    const m = /^tsr-[a-z0-9-]+-(\d+)-\d+$/.exec(ns);
    if (!m || Number(m[1]) === process.pid || isAlive(Number(m[1]))) continue;
    try {
      execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
    } catch {
      // removed meanwhile
    }
  }
}

export function createNetns(tag: string): TestNetns {
  const n = (process.pid % 4000) * 16 + (seq++ % 16);
  const name = `tsr-${tag}-${process.pid}-${seq}`;
  const host = `tsh${n}`;
  const peer = `tsn${n}`;
  // 10.252.x.y/30 per namespace: x.y from n, host .1 and namespace .2 of the block.
  const base = n * 4;
  const a = (base >> 8) & 255;
  const b = base & 255;
  const hostIp = `10.252.${a}.${b + 1}`;
  const nsIp = `10.252.${a}.${b + 2}`;
  const ip = (...args: string[]): void => {
    execFileSync('ip', args, { stdio: 'pipe' });
  };
  removeStaleNamespaces();
  ip('netns', 'add', name);
  try {
    ip('link', 'add', host, 'type', 'veth', 'peer', 'name', peer);
    ip('link', 'set', peer, 'netns', name);
    ip('addr', 'add', `${hostIp}/30`, 'dev', host);
    ip('link', 'set', host, 'up');
    ip('netns', 'exec', name, 'ip', 'addr', 'add', `${nsIp}/30`, 'dev', peer);
    ip('netns', 'exec', name, 'ip', 'link', 'set', peer, 'up');
    ip('netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'up');
  } catch (e) {
    execFileSync('ip', ['netns', 'del', name], { stdio: 'ignore' });
    throw e;
  }
  return {
    name,
    hostIp,
    nsIp,
    run(cmd, args, timeoutMs = 5000) {
      try {
        return execFileSync('ip', ['netns', 'exec', name, cmd, ...args], {
          timeout: timeoutMs,
          encoding: 'latin1',
          stdio: ['ignore', 'pipe', 'pipe'],
        });
      } catch (e) {
        const err = e as { stdout?: string; stderr?: string };
        return `${err.stdout ?? ''}${err.stderr ?? ''}`;
      }
    },
    remove() {
      // Deleting the namespace deletes its veth end, and with it the host's.
      execFileSync('ip', ['netns', 'del', name], { stdio: 'ignore' });
      try {
        execFileSync('ip', ['link', 'del', host], { stdio: 'ignore' });
      } catch {
        // already gone with the namespace
      }
    },
  };
}
