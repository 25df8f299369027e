/**
 * ImportKeyPair: stores the caller's own public key (OpenSSH line, RFC 4716, PEM or base64 DER;
 * RSA or ED25519) in Nova under the name.
 */
import { action } from '../../lib/family.js';
import { missingParameter } from '../../lib/protocol/errors.js';
import { importedFingerprint } from './key-fingerprints.js';
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
import { openSshLine, parsePublicKeyMaterial } from './public-keys.js';

export default action(
  'ImportKeyPair',
  async (input, ctx) => {
    const keypairs = keypairsOf(ctx);
    const tags = keyPairTags(input.TagSpecifications);
    const key = parsePublicKeyMaterial(input.PublicKeyMaterial);
    const stored = await createInNova(keypairs, input.KeyName, openSshLine(key, input.KeyName));
    const fingerprint = importedFingerprint(key);
    try {
      const keyPairId = await registerKeyPair(
        ctx,
        input.KeyName,
        {
          keyType: key.type,
          fingerprint,
          createTime: new Date().toISOString(),
          publicKeyDigest: publicKeyDigest(stored.public_key),
        },
        tags,
      );
      return { KeyPairId: keyPairId, KeyName: input.KeyName, KeyFingerprint: fingerprint, Tags: tags };
    } catch (error) {
      await keypairs.delete(input.KeyName).catch(() => undefined);
      await unregisterKeyPair(ctx, input.KeyName).catch(() => undefined);
      throw error;
    }
  },
  {
    check: async (input, ctx) => {
      validateKeyName(input.KeyName);
      // AWS: an empty PublicKeyMaterial is a missing parameter, not a malformed key.
      if (input.PublicKeyMaterial.length === 0) throw missingParameter('PublicKeyMaterial');
      keyPairTags(input.TagSpecifications);
      parsePublicKeyMaterial(input.PublicKeyMaterial);
      // Without DryRun, Nova's own refusal of a taken name answers the same, one call sooner.
      if (input.DryRun) await assertNameFree(keypairsOf(ctx), input.KeyName);
    },
  },
);
