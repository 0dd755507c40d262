// The cluster bridge, with iproute2: one Linux bridge per cluster. The host's address on it is the API
// server's advertised address, and each real node adds its node IP to it (real-node.ts); the nodes'
// pods live on per-node CNI bridges routed through the host.
import { execFileSync } from 'node:child_process';

function ip(...args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function ipQuiet(...args: string[]): boolean {
  try {
    ip(...args);
    return true;
  } catch {
    return false;
  }
}

export function ensureBridge(bridge: string, gatewayIp: string, prefixLen: number): void {
  if (!ipQuiet('link', 'show', bridge)) ip('link', 'add', bridge, 'type', 'bridge');
  const addrs = ip('-o', 'addr', 'show', 'dev', bridge);
  if (!addrs.includes(` ${gatewayIp}/`)) ip('addr', 'add', `${gatewayIp}/${prefixLen}`, 'dev', bridge);
  ip('link', 'set', bridge, 'up');
}

export function deleteBridge(bridge: string): void {
  ipQuiet('link', 'del', bridge);
}

/** Links whose name starts with `prefix`. */
export function listLinks(prefix: string): string[] {
  return ip('-o', 'link', 'show')
    .split('\n')
    .map((l) => l.split(':')[1]?.trim().split('@')[0] ?? '')
    .filter((n) => n.startsWith(prefix));
}
