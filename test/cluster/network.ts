// Pod networking for the process kubelet, with iproute2: one Linux bridge per cluster (the host's
// address on it is the pods' gateway and the API server's advertised address), and per pod a network
// namespace joined to the bridge by a veth pair, so each pod has its own IP and port space.
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

/** Network namespaces whose name starts with `prefix`. */
export function listNetns(prefix: string): string[] {
  return ip('netns', 'list')
    .split('\n')
    .map((l) => l.split(' ')[0])
    .filter((n) => n && n.startsWith(prefix));
}

export function netnsPids(ns: string): number[] {
  try {
    return ip('netns', 'pids', ns)
      .split('\n')
      .filter(Boolean)
      .map((s) => Number(s));
  } catch {
    return [];
  }
}

export interface PodNet {
  netns: string;
  hostVeth: string;
  ip: string;
}

/** Creates the pod's namespace and veth, addressed `podIp/prefixLen` with a default route via the gateway. */
export function createPodNetwork(net: PodNet, bridge: string, gatewayIp: string, prefixLen: number): void {
  deletePodNetwork(net);
  const peer = `tp${net.hostVeth.slice(2)}`; // host veths are named tv<index><id>
  ip('netns', 'add', net.netns);
  ip('link', 'add', net.hostVeth, 'type', 'veth', 'peer', 'name', peer);
  ip('link', 'set', peer, 'netns', net.netns);
  ip('-n', net.netns, 'link', 'set', peer, 'name', 'eth0');
  ip('-n', net.netns, 'addr', 'add', `${net.ip}/${prefixLen}`, 'dev', 'eth0');
  ip('-n', net.netns, 'link', 'set', 'lo', 'up');
  ip('-n', net.netns, 'link', 'set', 'eth0', 'up');
  ip('-n', net.netns, 'route', 'add', 'default', 'via', gatewayIp);
  ip('link', 'set', net.hostVeth, 'master', bridge);
  ip('link', 'set', net.hostVeth, 'up');
  // The host may still cache an earlier pod's MAC address for this IP.
  ipQuiet('neigh', 'flush', 'to', net.ip, 'dev', bridge);
}

export function deletePodNetwork(net: { netns: string; hostVeth: string }): void {
  ipQuiet('link', 'del', net.hostVeth);
  ipQuiet('netns', 'del', net.netns);
}

/** Cuts the pod off the network (its host-side link goes down) or heals it. */
export function setPodLink(hostVeth: string, up: boolean): void {
  ip('link', 'set', hostVeth, up ? 'up' : 'down');
}

/** Host-side veths whose name starts with `prefix` (for cleanup). */
export function listLinks(prefix: string): string[] {
  return ip('-o', 'link', 'show')
    .split('\n')
    .map((l) => l.split(':')[1]?.trim().split('@')[0] ?? '')
    .filter((n) => n.startsWith(prefix));
}

export function deleteLink(name: string): void {
  ipQuiet('link', 'del', name);
}
