/**
 * The EC2 endpoint end to end: real clients (aws cli v2, boto3, @aws-sdk/client-ec2), real
 * Keystone signature validation, the real table, dispatch through serverless-offline's Lambda API.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHmac } from 'node:crypto';
import {
  CreateTagsCommand,
  DeleteTagsCommand,
  DescribeAvailabilityZonesCommand,
  DescribeImagesCommand,
  DescribeRegionsCommand,
  DescribeTagsCommand,
} from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCli, boto3, ec2Client } from './support/clients.js';
import { endpointInfo, fixtures, profileOf, runDir, uniqueName } from './support/env.js';
import { getUrl, postForm, presignedGetUrl, signedPost, sigV2Body } from './support/raw.js';

const demo = ec2Client('demo');
const alt = ec2Client('alt');

/** The fixture image's AMI id as a project sees it (ids are per project). */
async function fixtureImageId(client = demo): Promise<string> {
  const { Images } = await client.send(new DescribeImagesCommand({ Filters: [{ Name: 'name', Values: [fixtures().imageName] }] }));
  const id = Images?.[0]?.ImageId;
  if (!id) throw new Error('the fixture image is not visible through DescribeImages');
  return id;
}

describe('regions and availability zones, with every client', () => {
  it('@aws-sdk/client-ec2', async () => {
    const regions = await demo.send(new DescribeRegionsCommand({}));
    expect(regions.Regions?.map((r) => r.RegionName)).toContain(endpointInfo().region);
    expect(regions.Regions?.[0]?.Endpoint).toBe(endpointInfo().endpoint);
    const zones = await demo.send(new DescribeAvailabilityZonesCommand({}));
    expect(zones.AvailabilityZones?.map((z) => z.ZoneName)).toContain('nova');
    expect(zones.AvailabilityZones?.every((z) => z.ZoneName !== 'internal')).toBe(true);
  });

  it('aws cli v2', () => {
    const regions = awsCli(['describe-regions']);
    expect(regions.status, regions.stderr).toBe(0);
    expect((regions.json as { Regions: Array<{ RegionName: string }> }).Regions[0]!.RegionName).toBe(endpointInfo().region);
    const zones = awsCli(['describe-availability-zones', '--filters', 'Name=state,Values=available']);
    expect(zones.status, zones.stderr).toBe(0);
    expect((zones.json as { AvailabilityZones: Array<{ ZoneName: string; State: string }> }).AvailabilityZones).toContainEqual(
      expect.objectContaining({ ZoneName: 'nova', State: 'available' }),
    );
  });

  it('boto3', () => {
    const result = boto3(`
r = ec2.describe_regions()
z = ec2.describe_availability_zones(ZoneNames=['nova'])
print(json.dumps({'regions': [x['RegionName'] for x in r['Regions']], 'zones': [x['ZoneName'] for x in z['AvailabilityZones']]}))
`);
    expect(result.status, result.stderr).toBe(0);
    expect(result.json).toEqual({ regions: [endpointInfo().region], zones: ['nova'] });
  });
});

describe('tags', () => {
  let imageId: string;
  const key = uniqueName('owner');

  beforeAll(async () => {
    imageId = await fixtureImageId();
  });
  afterAll(async () => {
    await demo.send(new DeleteTagsCommand({ Resources: [imageId], Tags: [{ Key: key }] })).catch(() => undefined);
  });

  it('aws cli v2: create-tags, describe-tags with a filter, delete-tags', () => {
    const create = awsCli(['create-tags', '--resources', imageId, '--tags', `Key=${key},Value=cli`]);
    expect(create.status, create.stderr).toBe(0);
    const described = awsCli(['describe-tags', '--filters', `Name=key,Values=${key}`]);
    expect(described.status, described.stderr).toBe(0);
    expect((described.json as { Tags: unknown[] }).Tags).toEqual([{ Key: key, ResourceId: imageId, ResourceType: 'image', Value: 'cli' }]);
    const removed = awsCli(['delete-tags', '--resources', imageId, '--tags', `Key=${key}`]);
    expect(removed.status, removed.stderr).toBe(0);
    expect((awsCli(['describe-tags', '--filters', `Name=key,Values=${key}`]).json as { Tags: unknown[] }).Tags).toEqual([]);
  });

  it('boto3: the same round trip, with a value filter and wildcards', () => {
    const result = boto3(`
ec2.create_tags(Resources=['${imageId}'], Tags=[{'Key': '${key}', 'Value': 'boto3-value'}])
found = ec2.describe_tags(Filters=[{'Name': 'value', 'Values': ['boto3-*']}, {'Name': 'resource-id', 'Values': ['${imageId}']}])['Tags']
ec2.delete_tags(Resources=['${imageId}'], Tags=[{'Key': '${key}', 'Value': 'not-the-value'}])
kept = ec2.describe_tags(Filters=[{'Name': 'key', 'Values': ['${key}']}])['Tags']
ec2.delete_tags(Resources=['${imageId}'], Tags=[{'Key': '${key}', 'Value': 'boto3-value'}])
gone = ec2.describe_tags(Filters=[{'Name': 'key', 'Values': ['${key}']}])['Tags']
print(json.dumps({'found': found, 'kept': len(kept), 'gone': len(gone)}))
`);
    expect(result.status, result.stderr).toBe(0);
    expect(result.json).toEqual({
      found: [{ Key: key, ResourceId: imageId, ResourceType: 'image', Value: 'boto3-value' }],
      kept: 1,
      gone: 0,
    });
  });

  it('@aws-sdk/client-ec2: paging through DescribeTags returns every tag once', async () => {
    const keys = Array.from({ length: 7 }, (_, i) => `${key}-${i}`);
    await demo.send(new CreateTagsCommand({ Resources: [imageId], Tags: keys.map((Key) => ({ Key, Value: 'p' })) }));
    try {
      const seen: string[] = [];
      let NextToken: string | undefined;
      do {
        const page = await demo.send(new DescribeTagsCommand({ Filters: [{ Name: 'key', Values: [`${key}-*`] }], MaxResults: 5, NextToken }));
        seen.push(...(page.Tags ?? []).map((t) => t.Key!));
        NextToken = page.NextToken;
      } while (NextToken);
      expect(seen.sort()).toEqual([...keys].sort());
    } finally {
      await demo.send(new DeleteTagsCommand({ Resources: [imageId], Tags: keys.map((Key) => ({ Key })) }));
    }
  });

  it('tags written by one project are invisible to another, also on the public image both see under one id', async () => {
    await demo.send(new CreateTagsCommand({ Resources: [imageId], Tags: [{ Key: key, Value: 'secret' }] }));
    const altTags = await alt.send(new DescribeTagsCommand({ Filters: [{ Name: 'key', Values: [key] }] }));
    expect(altTags.Tags).toEqual([]);
    const altSeesIdByValue = await alt.send(new DescribeTagsCommand({ Filters: [{ Name: 'value', Values: ['secret'] }] }));
    expect(altSeesIdByValue.Tags?.some((t) => t.ResourceId === imageId)).toBe(false);
    // As on AWS, another account may tag a public AMI; its tags are its own.
    await alt.send(new CreateTagsCommand({ Resources: [imageId], Tags: [{ Key: key, Value: 'alt-own' }] }));
    const altOwn = await alt.send(new DescribeTagsCommand({ Filters: [{ Name: 'key', Values: [key] }] }));
    expect(altOwn.Tags?.map((t) => [t.ResourceId, t.Value])).toEqual([[imageId, 'alt-own']]);
    await alt.send(new DeleteTagsCommand({ Resources: [imageId], Tags: [{ Key: key }] }));
    const stillThere = await demo.send(new DescribeTagsCommand({ Filters: [{ Name: 'key', Values: [key] }] }));
    expect(stillThere.Tags?.map((t) => t.Value)).toEqual(['secret']);
  });

  it('refuses reserved keys, unknown id kinds and unknown resources with AWS codes', async () => {
    await expect(demo.send(new CreateTagsCommand({ Resources: [imageId], Tags: [{ Key: 'aws:owner', Value: 'x' }] }))).rejects.toMatchObject({
      name: 'InvalidParameterValue',
    });
    await expect(demo.send(new CreateTagsCommand({ Resources: ['zzz-123'], Tags: [{ Key: 'k', Value: 'v' }] }))).rejects.toMatchObject({
      name: 'InvalidID',
    });
    await expect(demo.send(new CreateTagsCommand({ Resources: ['vol-0123456789abcdef0'], Tags: [{ Key: 'k', Value: 'v' }] }))).rejects.toMatchObject({
      name: 'InvalidVolume.NotFound',
    });
  });
});

describe('errors as AWS sends them', () => {
  it('a wrong secret is AuthFailure 401 (SDK and aws cli)', async () => {
    const forged = ec2Client('demo', { secret: 'wrong-secret' });
    await expect(forged.send(new DescribeRegionsCommand({}))).rejects.toMatchObject({ name: 'AuthFailure', $metadata: { httpStatusCode: 401 } });
    const cli = awsCli(['describe-regions'], 'demo', { secret: 'wrong-secret' });
    expect(cli.status).not.toBe(0);
    expect(cli.stderr).toContain('AuthFailure');
  });

  it('an unknown access key is AuthFailure 401', async () => {
    const response = await signedPost({ Action: 'DescribeRegions' }, 'demo', { secret: 'x' });
    expect(response.status).toBe(401);
    expect(response.code).toBe('AuthFailure');
  });

  it('an unsigned request is refused', async () => {
    const response = await postForm('Action=DescribeRegions&Version=2016-11-15');
    expect(response.status).toBe(401);
    expect(response.code).toBe('MissingAuthenticationToken');
  });

  it('an unknown action is InvalidAction 400', async () => {
    const response = await signedPost({ Action: 'LaunchRockets' });
    expect(response.status).toBe(400);
    expect(response.code).toBe('InvalidAction');
  });

  it('a missing parameter is MissingParameter 400, an unknown one UnknownParameter 400', async () => {
    const missing = await signedPost({ Action: 'CreateTags', 'Tag.1.Key': 'k' });
    expect([missing.status, missing.code]).toEqual([400, 'MissingParameter']);
    const unknown = await signedPost({ Action: 'DescribeRegions', Colour: 'blue' });
    expect([unknown.status, unknown.code]).toEqual([400, 'UnknownParameter']);
    const badValue = await signedPost({ Action: 'DescribeTags', MaxResults: 'many' });
    expect([badValue.status, badValue.code]).toEqual([400, 'InvalidParameterValue']);
  });

  it('DryRun answers DryRunOperation 412 and changes nothing', async () => {
    const cli = awsCli(['describe-regions', '--dry-run']);
    expect(cli.status).not.toBe(0);
    expect(cli.stderr).toContain('DryRunOperation');
    const imageId = await fixtureImageId();
    const key = uniqueName('dry');
    const response = await signedPost({ Action: 'CreateTags', 'ResourceId.1': imageId, 'Tag.1.Key': key, DryRun: 'true' });
    expect([response.status, response.code]).toEqual([412, 'DryRunOperation']);
    expect((await demo.send(new DescribeTagsCommand({ Filters: [{ Name: 'key', Values: [key] }] }))).Tags).toEqual([]);
    const invalid = await signedPost({ Action: 'CreateTags', 'ResourceId.1': 'vol-0123456789abcdef0', 'Tag.1.Key': key, DryRun: 'true' });
    expect(invalid.code).toBe('InvalidVolume.NotFound');
  });
});

describe('other signatures', () => {
  it('a presigned GET (SigV4 in the query string) works', async () => {
    const response = await getUrl(await presignedGetUrl({ Action: 'DescribeRegions' }));
    expect(response.status, response.body).toBe(200);
    expect(response.doc['DescribeRegionsResponse'].regionInfo.item.regionName).toBe(endpointInfo().region);
  });

  it('a presigned GET whose signature was altered is refused', async () => {
    const url = new URL(await presignedGetUrl({ Action: 'DescribeRegions' }));
    url.searchParams.set('Action', 'DescribeAvailabilityZones');
    const response = await getUrl(url.toString());
    expect(response.status).toBe(401);
  });

  it('a SigV2 (HmacSHA256) request signed by botocore works', async () => {
    const response = await postForm(sigV2Body({ Action: 'DescribeAvailabilityZones' }));
    expect(response.status, response.body).toBe(200);
    expect(response.doc['DescribeAvailabilityZonesResponse'].availabilityZoneInfo.item.zoneName).toBe('nova');
  });

  it('a SigV2 HmacSHA1 request works, and a tampered one does not', async () => {
    const p = profileOf('demo');
    const url = new URL(endpointInfo().endpoint);
    const params: Record<string, string> = {
      AWSAccessKeyId: p.ec2.access,
      Action: 'DescribeRegions',
      SignatureMethod: 'HmacSHA1',
      SignatureVersion: '2',
      Timestamp: new Date().toISOString(),
      Version: '2016-11-15',
    };
    const enc = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
    const canonical = Object.keys(params).sort().map((k) => `${enc(k)}=${enc(params[k]!)}`).join('&');
    const signature = createHmac('sha1', p.ec2.secret).update(`POST\n${url.host}\n${url.pathname}\n${canonical}`).digest('base64');
    const ok = await postForm(new URLSearchParams({ ...params, Signature: signature }).toString());
    expect(ok.status, ok.body).toBe(200);
    const tampered = await postForm(new URLSearchParams({ ...params, Action: 'DescribeAvailabilityZones', Signature: signature }).toString());
    expect(tampered.status).toBe(401);
  });
});

describe('dispatch', () => {
  it('reaches the family through the Lambda invoke API under serverless-offline', async () => {
    const response = await signedPost({ Action: 'DescribeRegions' });
    expect(response.status).toBe(200);
    const requestId = response.doc['DescribeRegionsResponse'].requestId as string;
    expect(requestId).toBe(response.requestId);
    // The family function logs the request id it was invoked with, as its own Lambda invocation.
    const log = readFileSync(join(runDir, 'logs/offline.log'), 'utf8');
    const entries = log.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(entries).toContainEqual(expect.objectContaining({ requestId, fn: 'instances', family: 'instances', action: 'DescribeRegions' }));
    expect(log).toContain('(λ: instances)');
    expect(endpointInfo().serverEnv['EC2_DISPATCH']).toBe('lambda');
  });

  it('works inline, in-process, with the same configuration', async () => {
    const env = endpointInfo().serverEnv;
    Object.assign(process.env, env, { EC2_DISPATCH: 'inline' });
    const { handleEc2Request } = await import('../../functions/ec2/front-door.js');
    const { Sha256 } = await import('@aws-crypto/sha256-js');
    const { HttpRequest } = await import('@smithy/protocol-http');
    const { SignatureV4 } = await import('@smithy/signature-v4');
    const p = profileOf('demo');
    const body = 'Action=DescribeAvailabilityZones&Version=2016-11-15';
    const signed = await new SignatureV4({
      credentials: { accessKeyId: p.ec2.access, secretAccessKey: p.ec2.secret },
      region: 'RegionOne',
      service: 'ec2',
      sha256: Sha256,
    }).sign(new HttpRequest({ method: 'POST', hostname: 'inline.test', path: '/', headers: { host: 'inline.test', 'content-type': 'application/x-www-form-urlencoded' }, body }));
    const response = await handleEc2Request({
      method: 'POST',
      path: '/',
      query: {},
      headers: Object.fromEntries(Object.entries(signed.headers).map(([k, v]) => [k.toLowerCase(), v])),
      body,
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.body).toContain('<zoneName>nova</zoneName>');
  });
});
