/**
 * Decrypting an EC2 bundle: the AES key and IV are RSA-encrypted (PKCS#1 v1.5) for the cloud's
 * key, as hex text. Node refuses PKCS#1 v1.5 decryption on OpenSSL 3.0 (the Marvin attack), so the
 * RSA step is done without padding and the padding is checked here; a bad padding does not fail
 * on its own but yields a random key, so a manifest with a forged key fails later exactly like
 * one with a wrong key ("could not be decrypted and verified") and no padding oracle is exposed.
 */
import { constants, createDecipheriv, privateDecrypt, randomBytes, type Decipher, type KeyObject } from 'node:crypto';

/** The message inside a PKCS#1 v1.5 encryption block, or undefined when the block is malformed. */
export function unpadPkcs1(block: Buffer): Buffer | undefined {
  // 0x00 0x02 <at least 8 non-zero bytes> 0x00 <message>
  if (block.length < 11 || block[0] !== 0x00 || block[1] !== 0x02) return undefined;
  const end = block.indexOf(0x00, 2);
  if (end < 10) return undefined;
  return block.subarray(end + 1);
}

/** Hex text (what the bundling tools encrypt) or raw bytes of the expected length. */
function keyBytes(message: Buffer | undefined, length: number): Buffer {
  if (message) {
    const textual = message.toString('latin1').trim();
    if (textual.length === length * 2 && /^[0-9a-fA-F]+$/.test(textual)) return Buffer.from(textual, 'hex');
    if (message.length === length) return Buffer.from(message);
  }
  return randomBytes(length);
}

function rsaDecrypt(privateKey: KeyObject, hex: string): Buffer | undefined {
  try {
    return unpadPkcs1(privateDecrypt({ key: privateKey, padding: constants.RSA_NO_PADDING }, Buffer.from(hex, 'hex')));
  } catch {
    return undefined;
  }
}

export function bundleDecipher(privateKey: KeyObject, cipher: 'aes-128-cbc' | 'aes-256-cbc', encryptedKey: string, encryptedIv: string): Decipher {
  const key = keyBytes(rsaDecrypt(privateKey, encryptedKey), cipher === 'aes-256-cbc' ? 32 : 16);
  const iv = keyBytes(rsaDecrypt(privateKey, encryptedIv), 16);
  return createDecipheriv(cipher, key, iv);
}
