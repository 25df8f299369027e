import { describe, expect, it } from 'vitest';
import { parseInput } from '../../../lib/protocol/query.js';
import { errorOf } from '../support/ec2-error.js';

describe('parseInput', () => {
  it('reads flattened lists, nested structures and scalars by their query names', () => {
    const input = parseInput('DescribeInstances', {
      Action: 'DescribeInstances',
      Version: '2016-11-15',
      'InstanceId.1': 'i-1',
      'InstanceId.2': 'i-2',
      'Filter.1.Name': 'instance-state-name',
      'Filter.1.Value.1': 'running',
      'Filter.1.Value.2': 'pending',
      MaxResults: '10',
      DryRun: 'true',
    });
    expect(input).toEqual({
      InstanceIds: ['i-1', 'i-2'],
      Filters: [{ Name: 'instance-state-name', Values: ['running', 'pending'] }],
      MaxResults: 10,
      DryRun: true,
    });
  });

  it('accepts 0-based indexes and keeps their order', () => {
    const input = parseInput('CreateTags', {
      'ResourceId.0': 'i-a',
      'ResourceId.1': 'i-b',
      'Tag.0.Key': 'k0',
      'Tag.0.Value': 'v0',
      'Tag.1.Key': 'k1',
    });
    expect(input).toEqual({
      Resources: ['i-a', 'i-b'],
      Tags: [{ Key: 'k0', Value: 'v0' }, { Key: 'k1' }],
    });
  });

  it('sorts indexes numerically, not as text', () => {
    const params: Record<string, string> = {};
    for (let i = 1; i <= 11; i++) params[`InstanceId.${i}`] = `i-${i}`;
    const input = parseInput('DescribeInstances', params) as { InstanceIds: string[] };
    expect(input.InstanceIds.at(-1)).toBe('i-11');
    expect(input.InstanceIds[1]).toBe('i-2');
  });

  it('reads deep structures such as TagSpecification and BlockDeviceMapping', () => {
    const input = parseInput('RunInstances', {
      ImageId: 'ami-1',
      MinCount: '1',
      MaxCount: '2',
      'TagSpecification.1.ResourceType': 'instance',
      'TagSpecification.1.Tag.1.Key': 'Name',
      'TagSpecification.1.Tag.1.Value': 'web',
      'BlockDeviceMapping.1.DeviceName': '/dev/vda',
      'BlockDeviceMapping.1.Ebs.VolumeSize': '10',
      'BlockDeviceMapping.1.Ebs.DeleteOnTermination': 'false',
    });
    expect(input).toMatchObject({
      MinCount: 1,
      MaxCount: 2,
      TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'Name', Value: 'web' }] }],
      BlockDeviceMappings: [{ DeviceName: '/dev/vda', Ebs: { VolumeSize: 10, DeleteOnTermination: false } }],
    });
  });

  it('decodes blobs from base64', () => {
    const input = parseInput('ImportKeyPair', {
      KeyName: 'k',
      PublicKeyMaterial: Buffer.from('ssh-rsa AAAA').toString('base64'),
    }) as { PublicKeyMaterial: Buffer };
    expect(Buffer.from(input.PublicKeyMaterial).toString()).toBe('ssh-rsa AAAA');
  });

  it('answers MissingParameter for a missing required member', () => {
    const e = errorOf(() => parseInput('RunInstances', { ImageId: 'ami-1', MinCount: '1' }));
    expect(e.code).toBe('MissingParameter');
    expect(e.status).toBe(400);
    expect(e.message).toContain('MaxCount');
  });

  it('answers UnknownParameter for a parameter the action does not take', () => {
    const e = errorOf(() => parseInput('DescribeRegions', { Bogus: '1' }));
    expect(e.code).toBe('UnknownParameter');
    expect(e.message).toContain('Bogus');
    expect(errorOf(() => parseInput('DescribeInstances', { 'InstanceId.x': 'i-1' })).code).toBe(
      'UnknownParameter',
    );
    expect(errorOf(() => parseInput('DeleteTags', { 'ResourceId.1': 'i-1', 'Tag.1.Nope': 'x' })).code).toBe(
      'UnknownParameter',
    );
  });

  it('answers InvalidParameterValue for wrong types and enum values', () => {
    expect(errorOf(() => parseInput('DescribeInstances', { MaxResults: 'ten' })).code).toBe(
      'InvalidParameterValue',
    );
    expect(errorOf(() => parseInput('DescribeInstances', { DryRun: 'maybe' })).code).toBe(
      'InvalidParameterValue',
    );
    const e = errorOf(() =>
      parseInput('DescribeInstanceAttribute', { InstanceId: 'i-1', Attribute: 'colour' }),
    );
    expect(e.code).toBe('InvalidParameterValue');
    expect(e.message).toContain('colour');
  });

  it('does not treat operator-defined instance types as an AWS enum', () => {
    const input = parseInput('RunInstances', { ImageId: 'a', MinCount: '1', MaxCount: '1', InstanceType: 'm1.tiny' });
    expect(input).toMatchObject({ InstanceType: 'm1.tiny' });
  });

  it('rejects unknown actions with InvalidAction', () => {
    expect(errorOf(() => parseInput('LaunchRockets', {})).code).toBe('InvalidAction');
    expect(errorOf(() => parseInput('toString', {})).code).toBe('InvalidAction');
  });
});
