/**
 * ImportKeyPair: stores the caller's own public key (OpenSSH line, RFC 4716, PEM or base64 DER;
 * RSA or ED25519) in Nova under the name.
 */
import { action } from '../../lib/family.js';
import { missingParameter } from '../../lib/protocol/errors.js';
import { importedFingerprint } from './key-fingerprints.js';
import { checkNewKeyPair, storeKeyPair } from './key-pairs.js';
import { parsePublicKeyMaterial } from './public-keys.js';

export default action(
  'ImportKeyPair',
  async (input, ctx) => {
    const key = parsePublicKeyMaterial(input.PublicKeyMaterial);
    return storeKeyPair(ctx, input, key, importedFingerprint(key));
  },
  {
    check: (input, ctx) =>
      checkNewKeyPair(ctx, input, {
        // AWS: an empty PublicKeyMaterial is a missing parameter, not a malformed key.
        afterName: () => {
          if (input.PublicKeyMaterial.length === 0) throw missingParameter('PublicKeyMaterial');
        },
        key: () => parsePublicKeyMaterial(input.PublicKeyMaterial),
      }),
  },
);
