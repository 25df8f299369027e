/**
 * Key pairs through the full path against Nova's own API, on the running local endpoint:
 * - DescribeKeyPairs over N key pairs vs Nova GET os-keypairs (same user, same N);
 * - CreateKeyPair (ED25519, so key generation costs little) vs Nova POST os-keypairs with a key.
 * Prints p50s and the ratios. Everything it creates is deleted at the end.
 *
 *   npx tsx bench/keypairs.ts [keyPairs=20] [requests=100]
 */
import { generateKeyPairSync } from 'node:crypto';
import { fromKeyObject, openSshLine } from '../functions/instances/public-keys.js';
import { openstackAs } from '../tests/integration/support/openstack.js';
import { uniqueName } from '../tests/integration/support/env.js';
import { endpointInfo, fmt, load, recordRatio, signedPostFactory } from './support.js';

const keyPairs = Number(process.argv[2] ?? 20);
const requests = Number(process.argv[3] ?? 100);
const prefix = uniqueName('bench-kp');
const post = await signedPostFactory('demo');
const nova = (await openstackAs('demo')).nova;
const publicLine = () => openSshLine(fromKeyObject(generateKeyPairSync('ed25519').privateKey));

async function ec2(params: Record<string, string>): Promise<string> {
  const { status, body } = await post(params);
  if (status !== 200) throw new Error(`${params['Action']}: ${status} ${/<Code>([^<]+)/.exec(body)?.[1] ?? body}`);
  return body;
}

try {
  for (let i = 0; i < keyPairs; i++) {
    await ec2({ Action: 'ImportKeyPair', KeyName: `${prefix}-${i}`, PublicKeyMaterial: Buffer.from(publicLine()).toString('base64') });
  }
  await ec2({ Action: 'DescribeKeyPairs' }); // ids and records of key pairs seen the first time
  const full = await load(requests, 2, async () => void (await ec2({ Action: 'DescribeKeyPairs' })));
  const direct = await load(requests, 2, async () => void (await nova.get('os-keypairs')));

  const creates = Math.min(requests, 30);
  const createFull = await load(creates, 1, async (i) => {
    await ec2({ Action: 'CreateKeyPair', KeyName: `${prefix}-c${i}`, KeyType: 'ed25519' });
  });
  const createDirect = await load(creates, 1, async (i) => {
    await nova.post('os-keypairs', { keypair: { name: `${prefix}-n${i}`, type: 'ssh', public_key: publicLine() } });
  });

  recordRatio({ bench: 'keypairs', label: `DescribeKeyPairs (${keyPairs} key pairs)`, oursMs: full.p50, direct: 'Nova GET os-keypairs', directMs: direct.p50 });
  recordRatio({ bench: 'keypairs', label: 'CreateKeyPair ed25519', oursMs: createFull.p50, direct: 'Nova POST os-keypairs', directMs: createDirect.p50 });
  console.log(`key pairs via ${endpointInfo().endpoint} (dispatch ${endpointInfo().serverEnv['EC2_DISPATCH'] ?? 'lambda'})`);
  console.log(`  DescribeKeyPairs over ${keyPairs} key pairs, ${requests} requests: p50 ${fmt(full.p50)} p99 ${fmt(full.p99)}`);
  console.log(`  Nova GET os-keypairs, same:                     p50 ${fmt(direct.p50)} p99 ${fmt(direct.p99)}`);
  console.log(`  ratio full path / Nova (p50)                    ${(full.p50 / direct.p50).toFixed(2)}`);
  console.log(`  CreateKeyPair ed25519, ${creates} requests:           p50 ${fmt(createFull.p50)}`);
  console.log(`  Nova POST os-keypairs with a public key:         p50 ${fmt(createDirect.p50)}`);
  console.log(`  ratio full path / Nova (p50)                    ${(createFull.p50 / createDirect.p50).toFixed(2)}`);
} finally {
  const { keypairs } = await nova.get<{ keypairs: Array<{ keypair: { name: string } }> }>('os-keypairs');
  for (const { keypair } of keypairs) {
    if (keypair.name.startsWith(prefix)) await ec2({ Action: 'DeleteKeyPair', KeyName: keypair.name }).catch(() => undefined);
  }
}
