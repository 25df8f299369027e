/**
 * The SSH wire encoding (RFC 4251 §5) that OpenSSH public keys, OpenSSH private keys and PuTTY key
 * files are made of: uint32, length-prefixed strings and mpints.
 */

export function uint32(value: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(value >>> 0);
  return out;
}

export function sshString(value: Buffer | string): Buffer {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  return Buffer.concat([uint32(bytes.length), bytes]);
}

/** A non-negative integer given big-endian: minimal, with a zero byte when the top bit is set. */
export function sshMpint(bigEndian: Buffer): Buffer {
  let start = 0;
  while (start < bigEndian.length && bigEndian[start] === 0) start++;
  let magnitude = bigEndian.subarray(start);
  if (magnitude.length > 0 && (magnitude[0]! & 0x80) !== 0) magnitude = Buffer.concat([Buffer.from([0]), magnitude]);
  return sshString(magnitude);
}

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
