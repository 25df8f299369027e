/** Reads SSH wire blobs (RFC 4251 §5) field by field, to check what the key code writes. */
/** Reads the fields of a wire blob in order; any overrun throws. */
export class SshReader {
  private offset = 0;

  constructor(private readonly data: Buffer) {}

  uint32(): number {
    if (this.offset + 4 > this.data.length) throw new Error('truncated SSH data');
    const value = this.data.readUInt32BE(this.offset);
    this.offset += 4;
    return value;
  }

  bytes(): Buffer {
    const length = this.uint32();
    if (this.offset + length > this.data.length) throw new Error('truncated SSH data');
    const value = this.data.subarray(this.offset, this.offset + length);
    this.offset += length;
    return value;
  }

  text(): string {
    return this.bytes().toString('latin1');
  }

  /** An mpint as unsigned big-endian bytes (negative values are refused: keys never have them). */
  mpint(): Buffer {
    const raw = this.bytes();
    if (raw.length > 0 && (raw[0]! & 0x80) !== 0) throw new Error('negative mpint');
    let start = 0;
    while (start < raw.length - 1 && raw[start] === 0) start++;
    return raw.subarray(start);
  }

  get done(): boolean {
    return this.offset === this.data.length;
  }
}
