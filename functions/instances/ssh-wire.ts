/**
 * The SSH wire encoding (RFC 4251 §5) of PuTTY private key files: uint32, length-prefixed strings
 * and mpints. Ours because sshpk writes PuTTY files of public keys only; every other SSH form goes
 * through sshpk.
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
