/**
 * CreateKeyPair: a new RSA (2048-bit) or ED25519 key pair; Nova keeps the public key, the caller
 * gets the private key once (PEM, OpenSSH for ED25519, or PuTTY's PPK).
 */
import { action } from '../../lib/family.js';
import { createdFingerprint } from './key-fingerprints.js';
import { generateKeyPair, privateKeyMaterial } from './key-generation.js';
import {
  assertNameFree,
  createInNova,
  keyPairTags,
  keypairsOf,
  publicKeyDigest,
  registerKeyPair,
  unregisterKeyPair,
  validateKeyName,
} from './key-pairs.js';
import { openSshLine } from './public-keys.js';

export default action(
  'CreateKeyPair',
  async (input, ctx) => {
    const keypairs = keypairsOf(ctx);
    const tags = keyPairTags(input.TagSpecifications);
    const pair = await generateKeyPair(input.KeyType ?? 'rsa');
    const keyMaterial = privateKeyMaterial(pair, input.KeyFormat ?? 'pem', input.KeyName);
    const stored = await createInNova(keypairs, input.KeyName, openSshLine(pair.publicKey, input.KeyName));
    const fingerprint = createdFingerprint(pair.privateKey, pair.publicKey);
    try {
      const keyPairId = await registerKeyPair(
        ctx,
        input.KeyName,
        {
          keyType: pair.publicKey.type,
          fingerprint,
          createTime: new Date().toISOString(),
          publicKeyDigest: publicKeyDigest(stored.public_key),
        },
        tags,
      );
      return { KeyPairId: keyPairId, KeyName: input.KeyName, KeyFingerprint: fingerprint, KeyMaterial: keyMaterial, Tags: tags };
    } catch (error) {
      // Nothing half made stays behind: the caller never saw this key's private half.
      await keypairs.delete(input.KeyName).catch(() => undefined);
      await unregisterKeyPair(ctx, input.KeyName).catch(() => undefined);
      throw error;
    }
  },
  {
    check: async (input, ctx) => {
      validateKeyName(input.KeyName);
      keyPairTags(input.TagSpecifications);
      // Without DryRun, Nova's own refusal of a taken name answers the same, one call sooner.
      if (input.DryRun) await assertNameFree(keypairsOf(ctx), input.KeyName);
    },
  },
);
