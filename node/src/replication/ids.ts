// Replication IDs: 40 random hex characters, and the cleared form used for replid2.
import { randomBytes } from 'node:crypto';

export const NO_REPLID = '0'.repeat(40);

export function newReplId(): string {
  return randomBytes(20).toString('hex');
}
