/** DescribeAccountAttributes and zone listing options, checked against Nova and Neutron directly. */
import { DescribeAccountAttributesCommand, DescribeAvailabilityZonesCommand, DescribeVpcsCommand } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { awsCli, boto3, ec2Client } from './support/clients.js';
import { openstackAs } from './support/openstack.js';

const valueOf = (attrs: Array<{ AttributeName?: string; AttributeValues?: Array<{ AttributeValue?: string }> }>, name: string) =>
  attrs.find((a) => a.AttributeName === name)?.AttributeValues?.map((v) => v.AttributeValue);

describe('DescribeAccountAttributes', () => {
  it('reports the platform and the limits Nova and Neutron set for the project', async () => {
    const os = await openstackAs('demo');
    const limits = await os.nova.get<{ limits: { absolute: { maxTotalInstances: number } } }>('limits');
    const quota = await os.neutron.get<{ quota: { floatingip: number } }>(`quotas/${os.projectId}`);
    const { AccountAttributes = [] } = await ec2Client('demo').send(new DescribeAccountAttributesCommand({}));
    expect(valueOf(AccountAttributes, 'supported-platforms')).toEqual(['VPC']);
    expect(valueOf(AccountAttributes, 'max-instances')).toEqual([String(limits.limits.absolute.maxTotalInstances)]);
    expect(valueOf(AccountAttributes, 'max-elastic-ips')).toEqual([String(quota.quota.floatingip)]);
    // The project's own network (the local stack's `private` and its router) is its default VPC.
    const { Vpcs = [] } = await ec2Client('demo').send(new DescribeVpcsCommand({ Filters: [{ Name: 'is-default', Values: ['true'] }] }));
    expect(Vpcs).toHaveLength(1);
    expect(valueOf(AccountAttributes, 'default-vpc')).toEqual([Vpcs[0]!.VpcId]);
  });

  it('answers only the attributes asked for (aws cli), and refuses unknown names', () => {
    const one = awsCli(['describe-account-attributes', '--attribute-names', 'supported-platforms']);
    expect(one.status, one.stderr).toBe(0);
    expect(one.json).toEqual({ AccountAttributes: [{ AttributeName: 'supported-platforms', AttributeValues: [{ AttributeValue: 'VPC' }] }] });
    const bad = boto3(`
try:
    ec2.describe_account_attributes(AttributeNames=['colour'])
    print(json.dumps('accepted'))
except botocore.exceptions.ClientError as e:
    print(json.dumps(e.response['Error']['Code']))
`);
    expect(bad.json).toBe('InvalidParameterValue');
  });
});

describe('DescribeAvailabilityZones options', () => {
  it('accepts AllAvailabilityZones and zone filters, and refuses unknown zones', async () => {
    const demo = ec2Client('demo');
    const all = await demo.send(new DescribeAvailabilityZonesCommand({ AllAvailabilityZones: true }));
    expect(all.AvailabilityZones?.some((z) => z.ZoneName === 'nova')).toBe(true);
    const filtered = await demo.send(new DescribeAvailabilityZonesCommand({ Filters: [{ Name: 'zone-name', Values: ['no*'] }] }));
    expect(filtered.AvailabilityZones?.map((z) => z.ZoneName)).toEqual(['nova']);
    const none = await demo.send(new DescribeAvailabilityZonesCommand({ Filters: [{ Name: 'state', Values: ['impaired'] }] }));
    expect(none.AvailabilityZones).toEqual([]);
    await expect(demo.send(new DescribeAvailabilityZonesCommand({ ZoneNames: ['atlantis'] }))).rejects.toMatchObject({
      name: 'InvalidParameterValue',
    });
  });
});
