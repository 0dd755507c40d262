// client-output-buffer-limit: parsing and merging as Redis 7.0 does. A CONFIG SET names one or more
// classes (normal, replica/slave, pubsub) and keeps the others; the value is stored in bytes,
// "normal <hard> <soft> <secs> slave <hard> <soft> <secs> pubsub <hard> <soft> <secs>".
import { parseMemory } from './units.js';

export interface OutputLimit {
  hard: number;
  soft: number;
  softSeconds: number;
}
export type OutputClass = 'normal' | 'replica' | 'pubsub';
export type OutputLimits = Record<OutputClass, OutputLimit>;

const STORED_NAME: Record<OutputClass, string> = { normal: 'normal', replica: 'slave', pubsub: 'pubsub' };

function className(s: string): OutputClass | null {
  const l = s.toLowerCase();
  if (l === 'normal' || l === 'pubsub') return l;
  if (l === 'replica' || l === 'slave') return 'replica';
  return null;
}

/** Applies "class hard soft secs ..." to limits; returns an error text (Redis's) or the new limits. */
export function applyOutputLimits(prev: OutputLimits, update: string): OutputLimits | string {
  const parts = update.split(/\s+/).filter((x) => x !== '');
  if (parts.length % 4 !== 0) return 'Wrong number of arguments in buffer limit configuration.';
  const next: OutputLimits = {
    normal: { ...prev.normal },
    replica: { ...prev.replica },
    pubsub: { ...prev.pubsub },
  };
  for (let i = 0; i < parts.length; i += 4) {
    const cls = className(parts[i]);
    if (cls === null) return 'Invalid client class specified in buffer limit configuration.';
    const hard = parseMemory(parts[i + 1]);
    const soft = parseMemory(parts[i + 2]);
    const secs = /^[0-9]+$/.test(parts[i + 3]) ? Number(parts[i + 3]) : null;
    if (hard === null || soft === null || secs === null || hard < 0 || soft < 0)
      return 'Error in hard, soft or soft_seconds setting in buffer limit configuration.';
    next[cls] = { hard, soft, softSeconds: secs };
  }
  return next;
}

export function formatOutputLimits(l: OutputLimits): string {
  return (['normal', 'replica', 'pubsub'] as OutputClass[])
    .map((c) => `${STORED_NAME[c]} ${l[c].hard} ${l[c].soft} ${l[c].softSeconds}`)
    .join(' ');
}

const NONE: OutputLimit = { hard: 0, soft: 0, softSeconds: 0 };

/** Reads a stored (already validated) value. */
export function parseOutputLimits(stored: string): OutputLimits {
  const r = applyOutputLimits({ normal: NONE, replica: NONE, pubsub: NONE }, stored);
  if (typeof r === 'string') throw new Error(`bad stored client-output-buffer-limit: ${r}`);
  return r;
}
