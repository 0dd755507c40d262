// Observes the node pods: for each pod with an IP, INFO server + INFO replication over ioredis with a
// short timeout (the password from the auth Secret), parsed into a NodeObservation. Also runs the
// commands the plan calls for (REPLICAOF, CONFIG SET) on a pod.
import { Redis } from 'ioredis';
import { REDIS_PORT } from '../api/types.js';
import type { NodeObservation } from './plan.js';

export interface PodRef {
  pod: string;
  ordinal: number;
  ip: string;
  deleting: boolean;
  priority: number;
  roleLabel?: string;
}

export function parseInfo(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0 && !line.startsWith('#')) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

/** A NodeObservation from the INFO text of a reachable node (pure). */
export function observationFromInfo(ref: PodRef, info: Record<string, string>): NodeObservation {
  const role = info.role === 'master' ? 'master' : 'replica';
  return {
    ...ref,
    reachable: true,
    role,
    masterless: role === 'replica' && (info.master_host ?? '') === '',
    masterHost: info.master_host || undefined,
    masterPort: info.master_port ? Number(info.master_port) : undefined,
    linkUp: info.master_link_status === 'up',
    offset: Number(info.master_repl_offset ?? 0),
    replid: info.master_replid,
    runId: info.run_id,
  };
}

export async function withNode<T>(
  ip: string,
  password: string | undefined,
  timeoutMs: number,
  fn: (r: Redis) => Promise<T>,
): Promise<T> {
  const r = new Redis({
    host: ip,
    port: REDIS_PORT,
    password,
    lazyConnect: true,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  r.on('error', () => {}); // reported through the rejected command
  try {
    await r.connect();
    return await fn(r);
  } finally {
    r.disconnect();
  }
}

export async function observe(
  ref: PodRef,
  password: string | undefined,
  timeoutMs = 1000,
): Promise<NodeObservation> {
  if (!ref.ip) return { ...ref, reachable: false, offset: 0, error: 'no pod IP yet' };
  try {
    const text = await withNode(
      ref.ip,
      password,
      timeoutMs,
      async (r) => `${await r.info('server')}\n${await r.info('replication')}`,
    );
    return observationFromInfo(ref, parseInfo(text));
  } catch (e) {
    return { ...ref, reachable: false, offset: 0, error: e instanceof Error ? e.message : String(e) };
  }
}
