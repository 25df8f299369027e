/**
 * `dynamic/instance-identity/document`: the instance's identity as AWS shapes it (field order,
 * nulls, and its `"key" : value` spacing, which some parsers of the document were written against).
 * AWS also signs it (pkcs7, signature, rsa2048) with AWS's own keys; this cloud has no such key,
 * so those are not offered.
 */
import type { InstanceFacts } from './facts.js';

export function identityDocument(f: InstanceFacts): string {
  const document = {
    accountId: f.ownerId,
    architecture: f.architecture,
    availabilityZone: f.availabilityZone,
    billingProducts: null,
    devpayProductCodes: null,
    marketplaceProductCodes: null,
    imageId: f.imageId,
    instanceId: f.instanceId,
    instanceType: f.instanceType,
    kernelId: f.kernelId ?? null,
    pendingTime: f.launchTime ?? null,
    privateIp: f.privateIp ?? null,
    ramdiskId: f.ramdiskId ?? null,
    region: f.region,
    version: '2017-09-30',
  };
  return JSON.stringify(document, null, 2).replace(/^(\s*"[^"]+"): /gm, '$1 : ');
}
