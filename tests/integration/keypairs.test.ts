/**
 * Key pairs end to end: created (RSA, ED25519, PPK) and imported through aws cli v2, boto3 and
 * @aws-sdk/client-ec2, with fingerprints checked against what openssl and ssh-keygen compute from
 * the key material (as the EC2 user guide tells users to verify them), and Nova checked directly.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateKeyPairCommand,
  DeleteKeyPairCommand,
  DescribeKeyPairsCommand,
  ImportKeyPairCommand,
} from '@aws-sdk/client-ec2';
import { afterAll, describe, expect, it } from 'vitest';
import { awsCli, boto3, ec2Client } from './support/clients.js';
import { endpointInfo, profileOf, uniqueName } from './support/env.js';
import { openstackAs } from './support/openstack.js';

const demo = ec2Client('demo');
const alt = ec2Client('alt');
const prefix = uniqueName('kp');
const work = mkdtempSync(join(tmpdir(), 'keypairs-it-'));

interface KeyPairInfo {
  KeyPairId: string;
  KeyName: string;
  KeyFingerprint: string;
  KeyType?: string;
  PublicKey?: string;
  Tags?: Array<{ Key: string; Value: string }>;
}
interface NovaKeypair {
  name: string;
  public_key: string;
}

/** Runs a tool of the machine (openssl, ssh-keygen), failing the test when it fails. */
function tool(command: string, args: string[], input?: string | Buffer): Buffer {
  const result = spawnSync(command, args, { input });
  if (result.error || result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed: ${result.error ?? result.stderr.toString()}`);
  }
  return result.stdout;
}

function file(name: string, content: string): string {
  const path = join(work, name);
  writeFileSync(path, content, { mode: 0o600 });
  return path;
}

/** "SHA1(stdin)= ab:cd:…" → "ab:cd:…" */
const digestOf = (output: Buffer) => output.toString().trim().split('= ').pop()!;
/** What the EC2 user guide says for a key pair EC2 created: SHA-1 of the DER PKCS#8 private key. */
const createdRsaFingerprint = (pem: string) =>
  digestOf(tool('openssl', ['sha1', '-c'], tool('openssl', ['pkcs8', '-topk8', '-nocrypt', '-inform', 'PEM', '-outform', 'DER', '-in', file('c.pem', pem)])));
/** …for an imported RSA key: MD5 of the DER public key. */
const importedRsaFingerprint = (pubPath: string) =>
  digestOf(tool('openssl', ['md5', '-c'], tool('openssl', ['pkey', '-pubin', '-outform', 'DER'], tool('ssh-keygen', ['-e', '-m', 'PKCS8', '-f', pubPath]))));
/** …for ED25519: ssh-keygen's SHA256 fingerprint, with the base64 padding EC2 shows. */
const ed25519Fingerprint = (path: string) => `${tool('ssh-keygen', ['-l', '-f', path]).toString().split(' ')[1]!.replace(/^SHA256:/, '')}=`;
const publicLineOf = (privatePath: string) => tool('ssh-keygen', ['-y', '-f', privatePath]).toString().trim();
const blobOf = (line: string) => line.trim().split(/\s+/)[1];

async function novaKeypairs(who: 'demo' | 'alt' = 'demo'): Promise<NovaKeypair[]> {
  const nova = (await openstackAs(who)).nova;
  const body = await nova.get<{ keypairs: Array<{ keypair: NovaKeypair }> }>('os-keypairs');
  return body.keypairs.map((k) => k.keypair).filter((k) => k.name.startsWith(prefix));
}

function cli(args: string[], project: 'demo' | 'alt' = 'demo') {
  const result = awsCli(args, project);
  expect(result.status, result.stderr).toBe(0);
  return result.json as Record<string, unknown>;
}

function cliError(args: string[], project: 'demo' | 'alt' = 'demo'): string {
  const result = awsCli(args, project);
  expect(result.status).not.toBe(0);
  return result.stderr;
}

const names = {
  rsa: `${prefix}-rsa`,
  ed: `${prefix}-ed25519`,
  ppk: `${prefix}-ppk`,
  importedRsa: `${prefix}-imported-rsa`,
  importedEd: `${prefix}-imported-ed`,
};
const created: Record<string, KeyPairInfo> = {};

// The state table is read and written directly (a record as the previous release wrote it), configured as the server is.
Object.assign(process.env, endpointInfo().serverEnv);
async function demoTable() {
  const { storeFor } = await import('../../lib/store/project-store.js');
  return storeFor(profileOf('demo').projectId);
}

afterAll(async () => {
  const nova = (await openstackAs('demo')).nova;
  for (const k of await novaKeypairs('demo')) await nova.delete(`os-keypairs/${encodeURIComponent(k.name)}`).catch(() => undefined);
  rmSync(work, { recursive: true, force: true });
});

describe('key pairs', () => {
  it('aws cli v2: creates an RSA key pair whose fingerprint is what openssl computes from the private key', async () => {
    const out = cli([
      'create-key-pair',
      '--key-name',
      names.rsa,
      '--tag-specifications',
      `ResourceType=key-pair,Tags=[{Key=purpose,Value=${prefix}}]`,
    ]) as unknown as KeyPairInfo & { KeyMaterial: string };
    expect(out.KeyMaterial.startsWith('-----BEGIN RSA PRIVATE KEY-----\n')).toBe(true);
    expect(out.KeyPairId).toMatch(/^key-[0-9a-f]{17}$/);
    expect(out.KeyFingerprint).toBe(createdRsaFingerprint(out.KeyMaterial));
    expect(out.Tags).toEqual([{ Key: 'purpose', Value: prefix }]);
    const bits = tool('openssl', ['rsa', '-in', file('rsa.pem', out.KeyMaterial), '-noout', '-text']).toString();
    expect(bits).toMatch(/Private-Key: \(2048 bit/);
    const inNova = (await novaKeypairs()).find((k) => k.name === names.rsa);
    expect(blobOf(inNova!.public_key)).toBe(blobOf(publicLineOf(join(work, 'rsa.pem'))));
    created.rsa = out;
  });

  it('aws cli v2: creates an ED25519 key pair as an OpenSSH private key', async () => {
    const out = cli(['create-key-pair', '--key-name', names.ed, '--key-type', 'ed25519']) as unknown as KeyPairInfo & { KeyMaterial: string };
    expect(out.KeyMaterial.startsWith('-----BEGIN OPENSSH PRIVATE KEY-----\n')).toBe(true);
    const path = file('ed.pem', out.KeyMaterial);
    expect(out.KeyFingerprint).toBe(ed25519Fingerprint(path));
    const inNova = (await novaKeypairs()).find((k) => k.name === names.ed);
    expect(blobOf(inNova!.public_key)).toBe(blobOf(publicLineOf(path)));
    created.ed = out;
  });

  it('boto3: creates a PPK key pair that PuTTY reads', async () => {
    const result = boto3(`
r = ec2.create_key_pair(KeyName='${names.ppk}', KeyFormat='ppk')
print(json.dumps({'id': r['KeyPairId'], 'fingerprint': r['KeyFingerprint'], 'material': r['KeyMaterial']}))
`);
    expect(result.status, result.stderr).toBe(0);
    const out = result.json as { id: string; fingerprint: string; material: string };
    expect(out.material.startsWith('PuTTY-User-Key-File-2: ssh-rsa\nEncryption: none\n')).toBe(true);
    // puttygen comes with the test tools (local/test-tools.sh).
    const path = file('k.ppk', out.material);
    const pem = join(work, 'from-ppk.pem');
    tool('puttygen', [path, '-O', 'private-openssh', '-o', pem]);
    // The same key as EC2 fingerprinted (SHA-1 of its PKCS#8 form) and Nova holds.
    expect(out.fingerprint).toBe(createdRsaFingerprint(readFileSync(pem, 'utf8')));
    const inNova = (await novaKeypairs()).find((k) => k.name === names.ppk);
    expect(blobOf(inNova!.public_key)).toBe(blobOf(publicLineOf(pem)));
    created.ppk = { KeyPairId: out.id, KeyName: names.ppk, KeyFingerprint: out.fingerprint };
  });

  it('@aws-sdk/client-ec2: imports an RSA key made by ssh-keygen, fingerprinted as EC2 does', async () => {
    const path = join(work, 'imported-rsa');
    tool('ssh-keygen', ['-q', '-t', 'rsa', '-b', '3072', '-N', '', '-C', 'me@laptop', '-f', path]);
    const material = readFileSync(`${path}.pub`);
    const out = await demo.send(
      new ImportKeyPairCommand({
        KeyName: names.importedRsa,
        PublicKeyMaterial: material,
        TagSpecifications: [{ ResourceType: 'key-pair', Tags: [{ Key: 'purpose', Value: prefix }] }],
      }),
    );
    expect(out.KeyFingerprint).toBe(importedRsaFingerprint(`${path}.pub`));
    expect(out.KeyPairId).toMatch(/^key-[0-9a-f]{17}$/);
    const inNova = (await novaKeypairs()).find((k) => k.name === names.importedRsa);
    expect(blobOf(inNova!.public_key)).toBe(blobOf(material.toString()));
    created.importedRsa = { KeyPairId: out.KeyPairId!, KeyName: names.importedRsa, KeyFingerprint: out.KeyFingerprint! };
  });

  it('boto3: imports an ED25519 key in RFC 4716 form', () => {
    const path = join(work, 'imported-ed');
    tool('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path]);
    const rfc4716 = tool('ssh-keygen', ['-e', '-f', `${path}.pub`]).toString();
    const result = boto3(`
r = ec2.import_key_pair(KeyName='${names.importedEd}', PublicKeyMaterial=${JSON.stringify(rfc4716)}.encode())
print(json.dumps({'id': r['KeyPairId'], 'fingerprint': r['KeyFingerprint']}))
`);
    expect(result.status, result.stderr).toBe(0);
    const out = result.json as { id: string; fingerprint: string };
    expect(out.fingerprint).toBe(ed25519Fingerprint(`${path}.pub`));
    created.importedEd = { KeyPairId: out.id, KeyName: names.importedEd, KeyFingerprint: out.fingerprint };
  });

  it('refuses a taken name, a key that is no key, and answers DryRun', async () => {
    const notAKey = `fileb://${file('not-a-key.txt', 'this is not a key\n')}`;
    expect(cliError(['create-key-pair', '--key-name', names.rsa])).toContain('(InvalidKeyPair.Duplicate)');
    expect(cliError(['import-key-pair', '--key-name', names.rsa, '--public-key-material', notAKey])).toMatch(
      /\(InvalidKey\.Format\)|\(InvalidKeyPair\.Duplicate\)/,
    );
    expect(cliError(['import-key-pair', '--key-name', `${prefix}-bad`, '--public-key-material', notAKey])).toContain(
      '(InvalidKey.Format)',
    );
    expect(cliError(['create-key-pair', '--key-name', `${prefix}-dry`, '--dry-run'])).toContain('(DryRunOperation)');
    expect(cliError(['create-key-pair', '--key-name', names.rsa, '--dry-run'])).toContain('(InvalidKeyPair.Duplicate)');
    expect((await novaKeypairs()).map((k) => k.name)).not.toContain(`${prefix}-dry`);
    expect(cliError(['create-key-pair', '--key-name', `${prefix}/slash`])).toContain('(InvalidParameterValue)');
  });

  it('describes the same key pairs Nova has, with ids, fingerprints, types and tags', async () => {
    const described = (cli(['describe-key-pairs', '--filters', `Name=key-name,Values=${prefix}-*`]).KeyPairs as KeyPairInfo[]);
    const nova = await novaKeypairs();
    expect(described.map((k) => k.KeyName).sort()).toEqual(nova.map((k) => k.name).sort());
    expect(described.map((k) => k.KeyName).sort()).toEqual(Object.values(names).sort());
    for (const k of Object.values(created)) {
      expect(described).toContainEqual(expect.objectContaining({ KeyPairId: k.KeyPairId, KeyName: k.KeyName, KeyFingerprint: k.KeyFingerprint }));
    }
    const types = Object.fromEntries(described.map((k) => [k.KeyName, k.KeyType]));
    expect(types).toEqual({ [names.rsa]: 'rsa', [names.ed]: 'ed25519', [names.ppk]: 'rsa', [names.importedRsa]: 'rsa', [names.importedEd]: 'ed25519' });
  });

  it('@aws-sdk/client-ec2: filters by fingerprint, type, tag and id, and includes the public key', async () => {
    const byFingerprint = await demo.send(new DescribeKeyPairsCommand({ Filters: [{ Name: 'fingerprint', Values: [created.ed!.KeyFingerprint] }] }));
    expect(byFingerprint.KeyPairs?.map((k) => k.KeyName)).toEqual([names.ed]);
    const byType = await demo.send(
      new DescribeKeyPairsCommand({ Filters: [{ Name: 'key-type', Values: ['ed25519'] }, { Name: 'key-name', Values: [`${prefix}-*`] }] }),
    );
    expect(byType.KeyPairs?.map((k) => k.KeyName).sort()).toEqual([names.ed, names.importedEd].sort());
    const byTag = await demo.send(new DescribeKeyPairsCommand({ Filters: [{ Name: 'tag:purpose', Values: [prefix] }] }));
    expect(byTag.KeyPairs?.map((k) => k.KeyName).sort()).toEqual([names.importedRsa, names.rsa].sort());
    const byId = await demo.send(new DescribeKeyPairsCommand({ KeyPairIds: [created.rsa!.KeyPairId], IncludePublicKey: true }));
    expect(byId.KeyPairs).toHaveLength(1);
    expect(blobOf(byId.KeyPairs![0]!.PublicKey!)).toBe(blobOf(publicLineOf(join(work, 'rsa.pem'))));
    expect(byId.KeyPairs![0]!.CreateTime).toBeInstanceOf(Date);
    const tags = cli(['describe-tags', '--filters', 'Name=resource-type,Values=key-pair', `Name=value,Values=${prefix}`]).Tags as Array<{ ResourceId: string }>;
    expect(tags.map((t) => t.ResourceId).sort()).toEqual([created.rsa!.KeyPairId, created.importedRsa!.KeyPairId].sort());
    await expect(demo.send(new DescribeKeyPairsCommand({ KeyNames: [`${prefix}-none`] }))).rejects.toMatchObject({ name: 'InvalidKeyPair.NotFound' });
  });

  it("the alt project sees none of demo's key pairs, by name, id or listing, and cannot delete them", async () => {
    await expect(alt.send(new DescribeKeyPairsCommand({ KeyPairIds: [created.rsa!.KeyPairId] }))).rejects.toMatchObject({
      name: 'InvalidKeyPair.NotFound',
    });
    await expect(alt.send(new DescribeKeyPairsCommand({ KeyNames: [names.rsa] }))).rejects.toMatchObject({ name: 'InvalidKeyPair.NotFound' });
    const listing = await alt.send(new DescribeKeyPairsCommand({}));
    expect((listing.KeyPairs ?? []).filter((k) => k.KeyName?.startsWith(prefix))).toEqual([]);
    await alt.send(new DeleteKeyPairCommand({ KeyPairId: created.rsa!.KeyPairId }));
    await alt.send(new DeleteKeyPairCommand({ KeyName: names.rsa }));
    expect((await novaKeypairs('demo')).map((k) => k.name)).toContain(names.rsa);
  });

  it('reads a key pair record of the previous layout (no mapping on it) and rewrites it with its mapping', async () => {
    const imported = created.importedRsa!;
    const table = await demoTable();
    const key = `keypair#${imported.KeyPairId}`;
    const current = await table.get(key);
    expect(current).toMatchObject({ ec2Id: imported.KeyPairId, uuid: expect.stringMatching(new RegExp(`:${names.importedRsa}$`)) });
    // What the previous release wrote: the record's JSON alone.
    await table.put(key, { data: current!.data!, createdAt: current!.createdAt });
    expect(await table.get(key)).not.toHaveProperty('uuid');

    const listed = await demo.send(new DescribeKeyPairsCommand({ Filters: [{ Name: 'key-name', Values: [`${prefix}-*`] }] }));
    expect(listed.KeyPairs).toContainEqual(
      expect.objectContaining({ KeyPairId: imported.KeyPairId, KeyName: names.importedRsa, KeyFingerprint: imported.KeyFingerprint, Tags: [{ Key: 'purpose', Value: prefix }] }),
    );
    expect(await table.get(key)).toMatchObject({ data: current!.data, ec2Id: imported.KeyPairId, uuid: current!.uuid });
    const again = await demo.send(new DescribeKeyPairsCommand({ KeyNames: [names.importedRsa] }));
    expect(again.KeyPairs?.map((k) => k.KeyPairId)).toEqual([imported.KeyPairId]);
  });

  it('deletes by name and by id; deleting again succeeds; a re-created name is a new key pair', async () => {
    cli(['delete-key-pair', '--key-name', names.rsa]);
    await demo.send(new DeleteKeyPairCommand({ KeyPairId: created.ed!.KeyPairId }));
    const left = (await novaKeypairs()).map((k) => k.name);
    expect(left).not.toContain(names.rsa);
    expect(left).not.toContain(names.ed);
    cli(['delete-key-pair', '--key-name', names.rsa]);
    await demo.send(new DeleteKeyPairCommand({ KeyPairId: created.ed!.KeyPairId }));
    expect(cliError(['describe-key-pairs', '--key-pair-ids', created.rsa!.KeyPairId])).toContain('(InvalidKeyPair.NotFound)');
    expect(cliError(['describe-key-pairs', '--key-names', names.ed])).toContain('(InvalidKeyPair.NotFound)');

    const again = await demo.send(new CreateKeyPairCommand({ KeyName: names.rsa }));
    expect(again.KeyPairId).not.toBe(created.rsa!.KeyPairId);
    expect(again.KeyFingerprint).not.toBe(created.rsa!.KeyFingerprint);
    const tags = cli(['describe-tags', '--filters', `Name=resource-id,Values=${again.KeyPairId}`]).Tags as unknown[];
    expect(tags).toEqual([]);
  });
});
