// PackedValue: a collection value kept in the RDB encoding it was loaded with (type byte and payload)
// until a command first touches it, as Redis keeps small collections in their compact encodings.
// Loading a full sync or a dump then costs one string per key instead of a Map/Set/list with a string
// per element, and a snapshot writes a still-packed value back verbatim. The persistence layer
// validates the payload when it loads it and registers the decoder that turns it into a live value.
import type { RValue } from './value.js';

export class PackedValue {
  constructor(
    /** The RDB value type byte. */
    readonly rdbType: number,
    /** The value's RDB payload bytes as a latin1 string. */
    readonly payload: string,
  ) {}
}

/** A value as a key stores it: live, or still packed. */
export type StoredValue = RValue | PackedValue;

type Decoder = (rdbType: number, payload: string) => RValue;
let decoder: Decoder | null = null;

/** Called once by the RDB reader module: how packed payloads become live values. */
export function registerPackedDecoder(d: Decoder): void {
  decoder = d;
}

/** The live value of a stored one (decodes a packed value; returns a live one unchanged). */
export function unpack(v: StoredValue): RValue {
  if (!(v instanceof PackedValue)) return v;
  if (decoder === null) throw new Error('no decoder registered for packed values');
  return decoder(v.rdbType, v.payload);
}
