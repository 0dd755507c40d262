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

/** Options of withNode beyond its per-step timeout. */
export interface NodeCallOptions {
  /** Whole-call limit: the connection is dropped when it expires, whatever step is running. */
  deadlineMs?: number;
  port?: number;
}

/**
 * Runs fn against one node over a fresh connection. timeoutMs bounds the connect and each command;
 * a frozen process (its kernel still accepts the connection) costs timeoutMs per step unless
 * opts.deadlineMs bounds the whole call.
 */
export async function withNode<T>(
  ip: string,
  password: string | undefined,
  timeoutMs: number,
  fn: (r: Redis) => Promise<T>,
  opts: NodeCallOptions = {},
): Promise<T> {
  const r = new Redis({
    host: ip,
    port: opts.port ?? REDIS_PORT,
    password,
    lazyConnect: true,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  r.on('error', () => {}); // reported through the rejected command
  let timer: NodeJS.Timeout | undefined;
  const work = (async () => {
    await r.connect();
    return fn(r);
  })();
  try {
    if (opts.deadlineMs === undefined) return await work;
    const limit = opts.deadlineMs;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${limit} ms`)), limit);
    });
    work.catch(() => {}); // settles after the disconnect below when the deadline wins
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
    r.disconnect();
  }
}

/** Where a replica stood in the stream it followed when REPLICAOF moved it away. */
export interface LeftAt {
  /** The replication ID of the history it followed (its master_replid). */
  replid: string;
  offset: number;
}

/**
 * REPLICAOF target (null: NO ONE) on the node at ip and, in the same MULTI, CLIENT KILL TYPE normal, as
 * Sentinel does at every role change it makes: a client still connected to a node that changed role
 * (a pooled connection to a demoted master, which would get READONLY on every write) is dropped, so its
 * library reconnects and asks Sentinel again. The operator's own connection is spared (SKIPME).
 */
export async function replicaOf(
  ip: string,
  password: string | undefined,
  targetIp: string | null,
  timeoutMs: number,
): Promise<void> {
  await roleChange(ip, password, targetIp, timeoutMs, false);
}

/**
 * CLIENT KILL TYPE normal on the node at ip (the operator's own connection spared); returns how many
 * were dropped. Used on the old master once a new one is announced: a client that reconnected to the
 * old address between the fault and +switch-master (a restarted master comes back as a read-only
 * replica) is dropped, asks Sentinel again and finds the new master. Real Sentinel gets the same effect
 * because a returning old master is converted (SLAVEOF + CLIENT KILL) only after the switch.
 */
export async function dropNormalClients(
  ip: string,
  password: string | undefined,
  timeoutMs: number,
): Promise<number> {
  const n = await withNode(ip, password, timeoutMs, (r) => r.client('KILL', 'TYPE', 'normal'), {
    deadlineMs: timeoutMs,
  });
  return Number(n);
}

/** The MULTI of replicaOf, with INFO replication first when `withInfo`; the replies, errors thrown. */
async function roleChange(
  ip: string,
  password: string | undefined,
  targetIp: string | null,
  timeoutMs: number,
  withInfo: boolean,
): Promise<unknown[]> {
  const res = await withNode(ip, password, timeoutMs, (r) => {
    const m = withInfo ? r.multi().info('replication') : r.multi();
    return (targetIp === null ? m.replicaof('NO', 'ONE') : m.replicaof(targetIp, REDIS_PORT))
      .client('KILL', 'TYPE', 'normal')
      .exec();
  });
  if (res === null) throw new Error('REPLICAOF transaction aborted');
  for (const [err] of res) if (err) throw err;
  return res.map(([, reply]) => reply);
}

/**
 * replicaOf(target) with INFO replication first in the same MULTI: the node applies no byte of its old
 * master's stream between the two, so the offset is exactly where it left that stream.
 */
export async function replicaofLeftAt(
  ip: string,
  password: string | undefined,
  targetIp: string,
  timeoutMs: number,
): Promise<LeftAt> {
  const [text] = await roleChange(ip, password, targetIp, timeoutMs, true);
  const info = parseInfo(String(text));
  return { replid: info.master_replid ?? '', offset: Number(info.master_repl_offset ?? 0) };
}

/**
 * The offset a replica about to be promoted must reach first: the furthest point of its own history
 * (same replid) that any re-pointed replica had received, and so may have acknowledged to WAIT (pure).
 */
export function mustReach(chosenReplid: string | undefined, left: LeftAt[]): number {
  let need = 0;
  for (const l of left) if (l.replid === chosenReplid && l.offset > need) need = l.offset;
  return need;
}

export async function observe(
  ref: PodRef,
  password: string | undefined,
  timeoutMs = 1000,
  port = REDIS_PORT,
): Promise<NodeObservation> {
  if (!ref.ip) return { ...ref, reachable: false, offset: 0, error: 'no pod IP yet' };
  try {
    const text = await withNode(
      ref.ip,
      password,
      timeoutMs,
      async (r) => `${await r.info('server')}\n${await r.info('replication')}`,
      { deadlineMs: timeoutMs, port },
    );
    return observationFromInfo(ref, parseInfo(text));
  } catch (e) {
    return { ...ref, reachable: false, offset: 0, error: e instanceof Error ? e.message : String(e) };
  }
}
