// The node's redis.conf (ConfigMap) and auth include file (Secret), rendered from the CR (pure).
// Every pod starts masterless and read-only; the operator gives it its role.
import { createHash } from 'node:crypto';
import { REDIS_PORT, type RedisReplication, type ResolvedSpec } from '../api/types.js';
import { metadataFor, names } from './names.js';

export const CONFIG_DIR = '/etc/tsredis';
export const AUTH_DIR = '/etc/tsredis/auth';
export const DATA_DIR = '/data';

/** A redis.conf argument, quoted when needed. */
function confValue(v: string): string {
  return v === '' || /[\s"'\\#]/.test(v) ? `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"` : v;
}

/** The directives the CR passes through spec.config (keys lower-cased, sorted for a stable text). */
export function userDirectives(spec: ResolvedSpec): [string, string][] {
  return Object.entries(spec.config)
    .map(([k, v]) => [k.toLowerCase(), String(v)] as [string, string])
    .sort((a, b) => a[0].localeCompare(b[0]));
}

/**
 * The fence against a returning old master: with replicas, a master refuses writes once no replica has
 * acknowledged for min-replicas-max-lag seconds — half of downAfterMilliseconds, so an isolated or
 * frozen master stops accepting writes before the operator can have promoted another one.
 */
export function fenceDirectives(spec: ResolvedSpec): [string, string][] {
  if (spec.replicas === 0) return [['min-replicas-to-write', '0']];
  return [
    ['min-replicas-to-write', '1'],
    ['min-replicas-max-lag', String(Math.max(1, Math.floor(spec.failover.downAfterMilliseconds / 2000)))],
  ];
}

/**
 * Defaults that differ from redis-server's for a managed set (spec.config may override them):
 * repl-diskless-sync-delay 0, because redis-server's 5 s wait for more replicas to share one transfer
 * only delays things here — the operator points every replica at a new master within milliseconds,
 * and a replica that needs a full sync after a failover (the restarted old master, say) would otherwise
 * leave a one-replica set refusing writes under the fence for those 5 s.
 */
export const OPERATOR_DEFAULTS: readonly [string, string][] = [['repl-diskless-sync-delay', '0']];

const SNAPSHOTS = '3600 1 300 100 60 10000';

/**
 * spec.persistence as directives: rdb = Redis's default save points; aof = appendonly yes without
 * save points; both; none. appendfsync always follows the spec (it matters only with the AOF).
 */
export function persistenceDirectives(spec: ResolvedSpec): [string, string][] {
  const { mode, appendfsync } = spec.persistence;
  const rdb = mode === 'rdb' || mode === 'both';
  const aof = mode === 'aof' || mode === 'both';
  return [
    ['save', rdb ? SNAPSHOTS : ''],
    ['appendonly', aof ? 'yes' : 'no'],
    ['appendfsync', appendfsync],
  ];
}

/** What the operator applies live with CONFIG SET: the fence, its defaults, persistence, then spec.config. */
export function liveDirectives(spec: ResolvedSpec): [string, string][] {
  return [
    ...fenceDirectives(spec),
    ...OPERATOR_DEFAULTS,
    ...persistenceDirectives(spec),
    ...userDirectives(spec),
  ];
}

export function redisConf(spec: ResolvedSpec): string {
  const lines = [
    '# Managed by tsredis-operator: edit spec.config of the RedisReplication instead.',
    `port ${REDIS_PORT}`,
    'bind 0.0.0.0',
    'protected-mode no',
    `dir ${DATA_DIR}`,
    '# Every pod starts read-only without a master until the operator assigns its role.',
    'start-masterless yes',
    'replica-read-only yes',
  ];
  for (const [k, v] of [...fenceDirectives(spec), ...OPERATOR_DEFAULTS, ...persistenceDirectives(spec)])
    lines.push(k === 'save' ? `save ${v === '' ? '""' : v}` : `${k} ${v}`);
  if (spec.auth.enabled) lines.push(`include ${AUTH_DIR}/auth.conf`);
  // spec.config comes last, so it overrides the defaults above ("save" included).
  for (const [k, v] of userDirectives(spec)) {
    // save takes several values on one line; everything else is one argument.
    lines.push(k === 'save' ? `save ${v.trim() === '' ? '""' : v}` : `${k} ${confValue(v)}`);
  }
  return lines.join('\n') + '\n';
}

export function configMap(cr: RedisReplication, spec: ResolvedSpec) {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: metadataFor(cr, names(cr.metadata.name).configMap, 'config'),
    data: { 'redis.conf': redisConf(spec) },
  };
}

/** The include file with the password, as requirepass and masterauth (replicas authenticate to the master). */
export function authConf(password: string): string {
  return `requirepass ${confValue(password)}\nmasterauth ${confValue(password)}\n`;
}

export function nodeAuthSecret(cr: RedisReplication, password: string) {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: metadataFor(cr, names(cr.metadata.name).nodeAuthSecret, 'auth'),
    type: 'Opaque',
    stringData: { 'auth.conf': authConf(password) },
  };
}

export function generatedPasswordSecret(cr: RedisReplication, password: string) {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: metadataFor(cr, names(cr.metadata.name).generatedSecret, 'auth'),
    type: 'Opaque',
    stringData: { password },
  };
}

/** A short digest, for pod-template annotations that must change when their input changes. */
export function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}
