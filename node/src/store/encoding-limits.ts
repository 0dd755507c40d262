// The thresholds under which a value keeps its compact encoding (CONFIG hash-max-listpack-entries and
// the others), with Redis 7.0's defaults. The node sets them from its config at start and on CONFIG SET;
// a value checks them when it grows, and converts to its full structure once it passes one.
export interface EncodingLimits {
  hashMaxListpackEntries: number;
  hashMaxListpackValue: number;
  setMaxIntsetEntries: number;
  zsetMaxListpackEntries: number;
  zsetMaxListpackValue: number;
  /** list-max-listpack-size: > 0 elements per node, < 0 a node's size class (-1: 4 KB ... -5: 64 KB). */
  listMaxListpackSize: number;
}

export const compactLimits: EncodingLimits = {
  hashMaxListpackEntries: 512,
  hashMaxListpackValue: 64,
  setMaxIntsetEntries: 512,
  zsetMaxListpackEntries: 128,
  zsetMaxListpackValue: 64,
  listMaxListpackSize: -2,
};
