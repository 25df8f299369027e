/**
 * RegisterImage from EC2 S3 bundles against a real S3-compatible server (s3rver from npm, started
 * by local/s3/start.sh): the test makes bundles the way the EC2 bundling tools do, encrypted for
 * the cloud's bundle key, stores them in S3, registers them through the endpoint, and checks the
 * image Glance holds. Tampered and foreign bundles are refused and leave nothing behind.
 */
import { execFileSync } from 'node:child_process';
import { createHash, createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Sha256 } from '@aws-crypto/sha256-js';
import { DeregisterImageCommand, type EC2Client, DescribeImagesCommand, RegisterImageCommand } from '@aws-sdk/client-ec2';
import { SignatureV4 } from '@smithy/signature-v4';
import got from 'got';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteImage, imageIfVisible, listImages } from '../../lib/openstack/glance.js';
import type { ServiceClient } from '../../lib/openstack/http.js';
import { makeBundle, type Bundle } from '../unit/images/bundle-fixture.js';
import { awsCli } from './support/clients.js';
import { fixtures, repo, uniqueName } from './support/env.js';
import { sideRunDirOf, startSideEndpoint, type SideEndpoint } from './support/side-endpoint.js';
import { openstackAs } from './support/openstack.js';

// Bundle registration needs S3 settings at start: its own endpoint beside the shared one (which is
// never restarted under other tests), with its own S3 server.
const SIDE = { name: 'bundle', httpPort: 3910, tablePort: 8910, s3Port: '3915' };
let side: SideEndpoint;
let demo: EC2Client;
const prefix = uniqueName('it-bundle');
const bucket = prefix.toLowerCase();
let s3: Record<string, string>;
let glance: ServiceClient;

function readEnvFile(path: string): Record<string, string> {
  return Object.fromEntries(
    readFileSync(path, 'utf8')
      .split('\n')
      .flatMap((line) => {
        const m = /^export ([A-Z0-9_]+)=(.*)$/.exec(line.trim());
        return m ? [[m[1]!, m[2]!]] : [];
      }),
  );
}

async function s3Put(path: string, body: Buffer | string = ''): Promise<void> {
  const url = new URL(`${s3['EC2_S3_URL']}/${path}`);
  const signer = new SignatureV4({
    service: 's3',
    region: s3['EC2_S3_REGION']!,
    credentials: { accessKeyId: s3['EC2_S3_ACCESS_KEY_ID']!, secretAccessKey: s3['EC2_S3_SECRET_ACCESS_KEY']! },
    sha256: Sha256,
    uriEscapePath: false,
  });
  const signed = await signer.sign({
    method: 'PUT',
    protocol: url.protocol,
    hostname: url.hostname,
    port: Number(url.port),
    path: url.pathname,
    headers: { host: url.host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
    body,
  });
  await got.put(url, { headers: signed.headers as Record<string, string>, body });
}

async function store(dir: string, bundle: Bundle, tamper?: (name: string, data: Buffer) => Buffer): Promise<string> {
  for (const part of bundle.parts) await s3Put(`${bucket}/${dir}/${part.name}`, tamper ? tamper(part.name, part.data) : part.data);
  await s3Put(`${bucket}/${dir}/${bundle.manifestName}`, bundle.manifest);
  return `${bucket}/${dir}/${bundle.manifestName}`;
}

async function registerError(location: string, name: string): Promise<{ name: string; message: string }> {
  try {
    await demo.send(new RegisterImageCommand({ Name: name, ImageLocation: location }));
  } catch (error) {
    return error as { name: string; message: string };
  }
  return { name: 'no error', message: '' };
}

const s3Env = () => ({ ...process.env, EC2_RUN_DIR: sideRunDirOf(SIDE.name), EC2_S3_PORT: SIDE.s3Port });

beforeAll(async () => {
  const envFile = execFileSync('bash', [join(repo, 'local/s3/start.sh')], { env: s3Env(), encoding: 'utf8' }).trim().split('\n').pop()!;
  s3 = readEnvFile(envFile);
  side = await startSideEndpoint({ name: SIDE.name, httpPort: SIDE.httpPort, tablePort: SIDE.tablePort, env: s3 });
  demo = side.client('demo');
  await s3Put(bucket);
  glance = (await openstackAs('demo')).glance;
}, 300_000);

afterAll(async () => {
  await side?.stop();
  execFileSync('bash', [join(repo, 'local/s3/stop.sh')], { env: s3Env(), stdio: 'ignore' });
  const projectId = fixtures().projects['demo']!.projectId;
  for (const image of await listImages(glance, { owner: projectId })) {
    if (image.name?.startsWith(prefix)) await deleteImage(glance, image.id).catch(() => undefined);
  }
});

describe('RegisterImage from S3 bundles', () => {
  const cloudKey = () => createPublicKey(readFileSync(s3['EC2_BUNDLE_PRIVATE_KEY_FILE']!));

  it('registers a machine image bundle of several parts; Glance holds the image', async () => {
    const image = randomBytes(200_000);
    const bundle = makeBundle(image, cloudKey(), { imageName: 'machine.img', partSize: 64 * 1024, architecture: 'i386' });
    const location = await store('machine', bundle);
    const out = awsCli(['register-image', '--name', `${prefix}-machine`, '--image-location', location, '--description', 'from a bundle'], 'demo', { endpoint: side.info.endpoint });
    expect(out.status, out.stderr).toBe(0);
    const imageId = (out.json as { ImageId: string }).ImageId;
    expect(imageId).toMatch(/^ami-/);
    const [described] = (await demo.send(new DescribeImagesCommand({ ImageIds: [imageId] }))).Images!;
    expect(described).toMatchObject({
      State: 'available',
      ImageLocation: location,
      Architecture: 'i386',
      Description: 'from a bundle',
      RootDeviceType: 'instance-store',
      RootDeviceName: '/dev/sda1',
      BlockDeviceMappings: [{ DeviceName: '/dev/sdb', VirtualName: 'ephemeral0' }],
    });
    const [inGlance] = await listImages(glance, { name: `${prefix}-machine` });
    expect(inGlance).toMatchObject({
      status: 'active',
      disk_format: 'ami',
      container_format: 'ami',
      size: image.length,
      checksum: createHash('md5').update(image).digest('hex'),
    });
    expect(inGlance!['ec2_registration_state']).toBeUndefined();
    await demo.send(new DeregisterImageCommand({ ImageId: imageId }));
    expect(await imageIfVisible(glance, inGlance!.id)).toBeUndefined();
  });

  it('registers kernel bundles as AKIs', async () => {
    const bundle = makeBundle(randomBytes(4096), cloudKey(), { imageName: 'vmlinuz', type: 'kernel' });
    const location = `s3://${await store('kernel', bundle)}`;
    const { ImageId } = await demo.send(new RegisterImageCommand({ Name: `${prefix}-kernel`, ImageLocation: location }));
    expect(ImageId).toMatch(/^aki-/);
    const [described] = (await demo.send(new DescribeImagesCommand({ ImageIds: [ImageId!] }))).Images!;
    expect(described).toMatchObject({ ImageType: 'kernel', State: 'available' });
  });

  it('refuses a tampered part, a bundle for another key and a missing manifest, leaving no image', async () => {
    const image = randomBytes(100_000);
    const tampered = await store('tampered', makeBundle(image, cloudKey(), { partSize: 32 * 1024 }), (name, data) => {
      if (!name.endsWith('.part.2')) return data;
      const copy = Buffer.from(data);
      copy[100]! ^= 0xff;
      return copy;
    });
    const bad = await registerError(tampered, `${prefix}-tampered`);
    expect(bad.name).toBe('InvalidManifest');
    expect(bad.message).toMatch(/digest/);

    const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
    const foreign = await registerError(await store('foreign', makeBundle(image, stranger)), `${prefix}-foreign`);
    expect(foreign).toMatchObject({ name: 'InvalidManifest', message: expect.stringMatching(/could not be decrypted/) });

    const missing = await registerError(`${bucket}/nowhere/x.manifest.xml`, `${prefix}-missing`);
    expect(missing.name).toBe('InvalidManifest');

    const left = (await listImages(glance, { owner: fixtures().projects['demo']!.projectId })).filter((i) => /-(tampered|foreign|missing)$/.test(i.name ?? ''));
    expect(left.filter((i) => i.name?.startsWith(prefix))).toEqual([]);
  });
});
