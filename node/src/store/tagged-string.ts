// TaggedString: a string value that Redis would not hold in its default encoding for its content.
// APPEND to an existing value, SETRANGE and SETBIT leave Redis a raw (unshared, growable) string even
// when it is short or numeric; INCRBYFLOAT's result is a plain string object (embstr or raw by its
// length, never int). The key's entry keeps the tag so OBJECT ENCODING says what Redis says; RENAME,
// MOVE and COPY keep it, and any other write of the key drops it. Commands only ever see the string.
export class TaggedString {
  constructor(
    readonly s: string,
    /** raw whatever its length; false: embstr up to 44 bytes, raw beyond (never int). */
    readonly raw: boolean,
  ) {}

  get encoding(): string {
    return this.raw || this.s.length > 44 ? 'raw' : 'embstr';
  }
}
