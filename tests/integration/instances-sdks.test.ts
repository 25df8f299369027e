/**
 * The instance life through boto3 (Debian's) and @aws-sdk/client-ec2, with their own waiters and
 * paginators — which is how most programs drive EC2 — and Nova checked directly after each step.
 */
import {
  DescribeInstanceAttributeCommand,
  DescribeInstanceStatusCommand,
  DescribeInstancesCommand,
  RunInstancesCommand,
  StartInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
  paginateDescribeInstances,
  waitUntilInstanceRunning,
  waitUntilInstanceStopped,
  waitUntilInstanceTerminated,
  type _InstanceType,
} from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boto3, ec2Client } from './support/clients.js';
import { uniqueName } from './support/env.js';
import { eventually, openstackAs, type DirectOpenStack } from './support/openstack.js';
import { deleteNetwork, networkFixture, novaServers, type NetworkFixture } from './instances-fixtures.js';

const demo = ec2Client('demo');
const prefix = uniqueName('sdks');
const waiter = { client: demo, maxWaitTime: 300, minDelay: 2, maxDelay: 5 };

let os: DirectOpenStack;
let fx: NetworkFixture;
const launched: string[] = [];

const novaOf = async (reservationId: string) => (await novaServers(os)).filter((s) => s.metadata?.['ec2:reservation-id'] === reservationId);

beforeAll(async () => {
  os = await openstackAs('demo');
  fx = await networkFixture(os, demo, prefix);
});

afterAll(async () => {
  const ids = [...launched, fx?.helper.instanceId].filter(Boolean);
  if (ids.length) await demo.send(new TerminateInstancesCommand({ InstanceIds: ids })).catch(() => undefined);
  if (fx) {
    await eventually(async () => ((await novaServers(os)).some((s) => Object.keys(s.addresses).includes(`${prefix}-net`)) ? undefined : true), 'servers gone', 180_000, 3000).catch(() => undefined);
    await deleteNetwork(os, fx.networkId);
  }
});

describe('boto3', () => {
  it('runs, waits for, stops, starts and terminates instances', async () => {
    const result = boto3(`
ids = []
r = ec2.run_instances(ImageId='${fx.imageId}', InstanceType='m1.tiny', MinCount=2, MaxCount=2, SubnetId='${fx.subnetId}',
    UserData='#!/bin/sh\\necho boto3', TagSpecifications=[{'ResourceType': 'instance', 'Tags': [{'Key': 'suite', 'Value': '${prefix}-boto3'}]}])
ids = [i['InstanceId'] for i in r['Instances']]
out = {'reservation': r['ReservationId'], 'ids': ids, 'pending': [i['State']['Name'] for i in r['Instances']]}
try:
    w = {'Delay': 3, 'MaxAttempts': 100}
    ec2.get_waiter('instance_running').wait(InstanceIds=ids, WaiterConfig=w)
    d = ec2.describe_instances(Filters=[{'Name': 'tag:suite', 'Values': ['${prefix}-boto3']}, {'Name': 'instance-state-name', 'Values': ['running']}])
    out['running'] = sorted(i['InstanceId'] for r in d['Reservations'] for i in r['Instances'])
    a = ec2.describe_instance_attribute(InstanceId=ids[0], Attribute='userData')
    out['userData'] = base64.b64decode(a['UserData']['Value']).decode()
    pages = ec2.get_paginator('describe_instances').paginate(Filters=[{'Name': 'subnet-id', 'Values': ['${fx.subnetId}']}], PaginationConfig={'PageSize': 5})
    out['paged'] = sorted(i['InstanceId'] for p in pages for r in p['Reservations'] for i in r['Instances'])
    ec2.stop_instances(InstanceIds=ids)
    ec2.get_waiter('instance_stopped').wait(InstanceIds=ids, WaiterConfig=w)
    out['stopped'] = True
    ec2.start_instances(InstanceIds=ids)
    ec2.get_waiter('instance_running').wait(InstanceIds=ids, WaiterConfig=w)
    s = ec2.describe_instance_status(InstanceIds=ids)
    out['status'] = sorted((x['InstanceId'], x['InstanceState']['Name'], x['InstanceStatus']['Status']) for x in s['InstanceStatuses'])
finally:
    t = ec2.terminate_instances(InstanceIds=ids)
    out['terminating'] = [x['CurrentState']['Name'] for x in t['TerminatingInstances']]
ec2.get_waiter('instance_terminated').wait(InstanceIds=ids, WaiterConfig=w)
out['terminated'] = True
print(json.dumps(out))
`);
    expect(result.status, result.stderr).toBe(0);
    const out = result.json as {
      reservation: string;
      ids: string[];
      pending: string[];
      running: string[];
      userData: string;
      paged: string[];
      stopped: boolean;
      status: Array<[string, string, string]>;
      terminating: string[];
      terminated: boolean;
    };
    expect(out.reservation).toMatch(/^r-/);
    expect(out.pending).toEqual(['pending', 'pending']);
    expect(out.running).toEqual([...out.ids].sort());
    expect(out.userData).toBe('#!/bin/sh\necho boto3');
    expect(out.paged).toEqual([...out.ids, fx.helper.instanceId].sort());
    expect(out.stopped).toBe(true);
    expect(out.status).toEqual([...out.ids].sort().map((id) => [id, 'running', 'ok']));
    expect(out.terminating).toEqual(['shutting-down', 'shutting-down']);
    expect(out.terminated).toBe(true);
    expect(await novaOf(out.reservation)).toHaveLength(0);
  });
});

describe('@aws-sdk/client-ec2', () => {
  it('runs, waits for, stops, starts and terminates instances', async () => {
    const run = await demo.send(
      new RunInstancesCommand({
        ImageId: fx.imageId,
        InstanceType: 'm1.tiny' as _InstanceType,
        MinCount: 2,
        MaxCount: 2,
        SubnetId: fx.subnetId,
        UserData: Buffer.from('#!/bin/sh\necho js').toString('base64'),
        TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'suite', Value: `${prefix}-js` }] }],
      }),
    );
    const ids = run.Instances!.map((i) => i.InstanceId!);
    launched.push(...ids);
    expect(ids).toHaveLength(2);
    expect((await novaOf(run.ReservationId!)).length).toBe(2);

    await waitUntilInstanceRunning(waiter, { InstanceIds: ids });
    const filtered = await demo.send(new DescribeInstancesCommand({ Filters: [{ Name: 'tag:suite', Values: [`${prefix}-js`] }, { Name: 'instance-state-code', Values: ['16'] }] }));
    expect(filtered.Reservations).toHaveLength(1);
    expect(filtered.Reservations![0]!.Instances!.map((i) => i.InstanceId).sort()).toEqual([...ids].sort());
    const attr = await demo.send(new DescribeInstanceAttributeCommand({ InstanceId: ids[1]!, Attribute: 'userData' }));
    expect(Buffer.from(attr.UserData!.Value!, 'base64').toString()).toBe('#!/bin/sh\necho js');

    const paged: string[] = [];
    for await (const page of paginateDescribeInstances({ client: demo, pageSize: 5 }, { Filters: [{ Name: 'vpc-id', Values: [fx.vpcId] }] })) {
      paged.push(...(page.Reservations ?? []).flatMap((r) => r.Instances!.map((i) => i.InstanceId!)));
    }
    expect(paged.filter((id) => ids.includes(id)).sort()).toEqual([...ids].sort());
    expect(new Set(paged).size).toBe(paged.length);

    const stop = await demo.send(new StopInstancesCommand({ InstanceIds: ids, Force: true }));
    expect(stop.StoppingInstances!.map((c) => c.CurrentState!.Name)).toEqual(['stopping', 'stopping']);
    await waitUntilInstanceStopped(waiter, { InstanceIds: ids });
    expect((await novaOf(run.ReservationId!)).map((s) => s.status)).toEqual(['SHUTOFF', 'SHUTOFF']);
    const status = await demo.send(new DescribeInstanceStatusCommand({ InstanceIds: ids }));
    expect(status.InstanceStatuses).toEqual([]); // only running instances unless IncludeAllInstances
    const all = await demo.send(new DescribeInstanceStatusCommand({ InstanceIds: ids, IncludeAllInstances: true }));
    expect(all.InstanceStatuses!.map((s) => [s.InstanceState!.Name, s.InstanceStatus!.Status])).toEqual([
      ['stopped', 'not-applicable'],
      ['stopped', 'not-applicable'],
    ]);

    await demo.send(new StartInstancesCommand({ InstanceIds: ids }));
    await waitUntilInstanceRunning(waiter, { InstanceIds: ids });
    expect((await novaOf(run.ReservationId!)).map((s) => s.status)).toEqual(['ACTIVE', 'ACTIVE']);

    const term = await demo.send(new TerminateInstancesCommand({ InstanceIds: ids }));
    expect(term.TerminatingInstances!.map((c) => c.PreviousState!.Name)).toEqual(['running', 'running']);
    await waitUntilInstanceTerminated(waiter, { InstanceIds: ids });
    expect(await novaOf(run.ReservationId!)).toHaveLength(0);
  });
});
