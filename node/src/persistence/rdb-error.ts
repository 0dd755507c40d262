// RdbError: a corrupt, truncated or unsupported RDB payload (its message is Redis's where Redis has one).
export class RdbError extends Error {}
