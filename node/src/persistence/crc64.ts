// CRC-64/Jones as Redis uses it for RDB checksums (reflected polynomial 0xad93d23594c935a9, init 0,
// no final xor). Table-driven over 32-bit halves so it runs on plain numbers, not BigInt.

const TABLE_HI = new Uint32Array(256);
const TABLE_LO = new Uint32Array(256);

(function build(): void {
  // Reflected polynomial 0x95ac9329ac4bc9b5 (bit-reverse of 0xad93d23594c935a9).
  const polyHi = 0x95ac9329;
  const polyLo = 0xac4bc9b5;
  for (let i = 0; i < 256; i++) {
    let hi = 0;
    let lo = i;
    for (let b = 0; b < 8; b++) {
      const lsb = lo & 1;
      lo = ((lo >>> 1) | ((hi & 1) << 31)) >>> 0;
      hi = hi >>> 1;
      if (lsb) {
        hi = (hi ^ polyHi) >>> 0;
        lo = (lo ^ polyLo) >>> 0;
      }
    }
    TABLE_HI[i] = hi;
    TABLE_LO[i] = lo;
  }
})();

/** Incremental CRC-64: feed chunks, read the value as a bigint or as 8 little-endian bytes. */
export class Crc64 {
  private hi = 0;
  private lo = 0;

  update(buf: Uint8Array): this {
    let hi = this.hi;
    let lo = this.lo;
    for (let i = 0; i < buf.length; i++) {
      const idx = (lo ^ buf[i]) & 0xff;
      const nlo = ((lo >>> 8) | ((hi & 0xff) << 24)) >>> 0;
      const nhi = hi >>> 8;
      lo = (nlo ^ TABLE_LO[idx]) >>> 0;
      hi = (nhi ^ TABLE_HI[idx]) >>> 0;
    }
    this.hi = hi;
    this.lo = lo;
    return this;
  }

  value(): bigint {
    return (BigInt(this.hi) << 32n) | BigInt(this.lo);
  }

  /** The checksum as Redis writes it after the EOF opcode: 8 bytes little-endian. */
  bytesLE(): Buffer {
    const b = Buffer.alloc(8);
    b.writeUInt32LE(this.lo, 0);
    b.writeUInt32LE(this.hi, 4);
    return b;
  }
}

export function crc64(buf: Uint8Array): bigint {
  return new Crc64().update(buf).value();
}
