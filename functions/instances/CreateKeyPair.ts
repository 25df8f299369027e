/**
 * CreateKeyPair: a new RSA (2048-bit) or ED25519 key pair; Nova keeps the public key, the caller
 * gets the private key once (PEM, OpenSSH for ED25519, or PuTTY's PPK).
 */
import { action } from '../../lib/family.js';
import { createdFingerprint } from './key-fingerprints.js';
import { generateKeyPair, privateKeyMaterial } from './key-generation.js';
import { checkNewKeyPair, storeKeyPair } from './key-pairs.js';

export default action(
  'CreateKeyPair',
  async (input, ctx) => {
    const pair = await generateKeyPair(input.KeyType ?? 'rsa');
    const keyMaterial = privateKeyMaterial(pair, input.KeyFormat ?? 'pem', input.KeyName);
    // If storing fails, nothing stays behind: the caller never saw this key's private half.
    const stored = await storeKeyPair(ctx, input, pair.publicKey, createdFingerprint(pair.privateKey, pair.publicKey));
    return { ...stored, KeyMaterial: keyMaterial };
  },
  { check: (input, ctx) => checkNewKeyPair(ctx, input) },
);
