/**
 * Instances end to end with Debian's aws cli v2 against the running endpoint and the real local
 * Nova/Neutron: five instances with user data, a key pair and tags in one call, running, described
 * with filters and pages, stopped and started, their attributes, terminated — and Nova checked
 * directly at each step. Also the errors: unknown, malformed and other projects' ids, bad
 * parameters and parameter combinations.
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeInstancesCommand, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCli, ec2Client, type CliResult } from './support/clients.js';
import { endpointInfo, uniqueName } from './support/env.js';
import { eventually, openstackAs, type DirectOpenStack } from './support/openstack.js';
import { deleteNetwork, networkFixture, novaServer, novaServers, type NetworkFixture } from './instances-fixtures.js';

const demo = ec2Client('demo');
const alt = ec2Client('alt');
const prefix = uniqueName('inst');
const keyName = `${prefix}-key`;
// Any bytes: not text, not even UTF-8.
const userData = Buffer.from([0x23, 0x21, 0x2f, 0x62, 0x69, 0x6e, 0x2f, 0x73, 0x68, 0x0a, 0x00, 0xff, 0xfe, 0x80, 0x0a]);
const userDataFile = join(tmpdir(), `${prefix}-user-data.bin`);

let os: DirectOpenStack;
let admin: DirectOpenStack;
let fx: NetworkFixture;
let reservationId: string;
let ids: string[] = [];

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- aws cli JSON, checked by the assertions
function ok(result: CliResult): any {
  expect(result.status, `${result.stderr}\n${result.stdout}`).toBe(0);
  return result.json;
}

function fails(result: CliResult, code: string): void {
  expect(result.status, result.stdout).not.toBe(0);
  expect(result.stderr).toContain(`(${code})`);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const instancesOf = (json: any): any[] => (json.Reservations ?? []).flatMap((r: { Instances: unknown[] }) => r.Instances);

const describeCli = (...args: string[]) => instancesOf(ok(awsCli(['describe-instances', ...args])));

beforeAll(async () => {
  os = await openstackAs('demo');
  admin = await openstackAs('admin');
  writeFileSync(userDataFile, userData);
  fx = await networkFixture(os, demo, prefix);
  ok(awsCli(['create-key-pair', '--key-name', keyName]));
});

afterAll(async () => {
  const all = [...ids, fx?.helper.instanceId].filter(Boolean);
  if (all.length) await demo.send(new TerminateInstancesCommand({ InstanceIds: all })).catch(() => undefined);
  if (fx) {
    await eventually(async () => ((await novaServers(os)).some((s) => s.id === fx.helper.serverId) ? undefined : true), 'helper gone', 120_000, 2000).catch(() => undefined);
    await deleteNetwork(os, fx.networkId);
  }
  awsCli(['delete-key-pair', '--key-name', keyName]);
});

describe('aws cli: an instance life', () => {
  it('runs five instances with user data, a key pair and tags in one call', async () => {
    const out = ok(
      awsCli([
        'run-instances',
        '--image-id', fx.imageId,
        '--instance-type', 'm1.tiny',
        '--count', '5',
        '--key-name', keyName,
        '--subnet-id', fx.subnetId,
        '--user-data', `fileb://${userDataFile}`,
        '--tag-specifications', `ResourceType=instance,Tags=[{Key=Name,Value=${prefix}},{Key=suite,Value=${prefix}}]`,
      ]),
    );
    reservationId = out.ReservationId;
    expect(reservationId).toMatch(/^r-[0-9a-f]{17}$/);
    expect(out.OwnerId).toBe(os.projectId);
    expect(out.Instances).toHaveLength(5);
    ids = out.Instances.map((i: { InstanceId: string }) => i.InstanceId);
    for (const [index, i] of out.Instances.entries()) {
      expect(i.InstanceId).toMatch(/^i-[0-9a-f]{17}$/);
      expect(i.State).toEqual({ Code: 0, Name: 'pending' });
      expect(i.AmiLaunchIndex).toBe(index);
      expect(i.ImageId).toBe(fx.imageId);
      expect(i.InstanceType).toBe('m1.tiny');
      expect(i.KeyName).toBe(keyName);
      expect(i.ClientToken).toBeTruthy(); // the aws cli sends one by itself
      expect(i.Tags).toEqual(expect.arrayContaining([{ Key: 'suite', Value: prefix }, { Key: 'Name', Value: prefix }]));
    }

    // Nova: one multi-create of five servers, with our user data and key.
    const servers = (await novaServers(admin, { all_tenants: '1', project_id: os.projectId })).filter(
      (s) => s.metadata?.['ec2:reservation-id'] === reservationId,
    );
    expect(servers).toHaveLength(5);
    const novaReservations = new Set(servers.map((s) => s['OS-EXT-SRV-ATTR:reservation_id']));
    expect(novaReservations.size).toBe(1);
    for (const s of servers) {
      expect(s.key_name).toBe(keyName);
      expect(Buffer.from(s['OS-EXT-SRV-ATTR:user_data']!, 'base64')).toEqual(userData);
      expect(s.flavor.original_name).toBe('m1.tiny');
    }
  });

  it('shows them running, with their network interface, in their reservation', async () => {
    const running = await eventually(async () => {
      const found = describeCli('--filters', `Name=tag:suite,Values=${prefix}`, 'Name=instance-state-name,Values=running');
      return found.length === 5 ? found : undefined;
    }, 'five running instances', 300_000, 3000);
    const json = ok(awsCli(['describe-instances', '--instance-ids', ...ids]));
    expect(json.Reservations).toHaveLength(1);
    expect(json.Reservations[0].ReservationId).toBe(reservationId);
    for (const i of running) {
      expect(i.State).toEqual({ Code: 16, Name: 'running' });
      expect(i.SubnetId).toBe(fx.subnetId);
      expect(i.VpcId).toBe(fx.vpcId);
      expect(i.PrivateIpAddress).toMatch(new RegExp(`^${fx.cidr.split('.').slice(0, 3).join('\\.')}\\.`));
      expect(i.PrivateDnsName).toBe(`ip-${i.PrivateIpAddress.replace(/\./g, '-')}.${endpointInfo().region}.compute.internal`);
      expect(i.Placement.AvailabilityZone).toBe('nova');
      expect(i.SecurityGroups).toEqual([{ GroupName: 'default', GroupId: fx.defaultGroupId }]);
      expect(i.RootDeviceType).toBe('instance-store');
      expect(i.RootDeviceName).toBe('/dev/sda1');
      expect(new Date(i.LaunchTime).getTime()).toBeGreaterThan(Date.now() - 3600_000);
      const [eni] = i.NetworkInterfaces;
      expect(eni.NetworkInterfaceId).toMatch(/^eni-[0-9a-f]{17}$/);
      expect(eni.PrivateIpAddress).toBe(i.PrivateIpAddress);
      expect(eni.Attachment).toMatchObject({ DeviceIndex: 0, Status: 'attached', DeleteOnTermination: true });
      expect(eni.Groups).toEqual(i.SecurityGroups);
      expect(eni.SourceDestCheck).toBe(true);
    }
    // The addresses Nova gave the servers are the ones shown.
    for (const i of running) {
      const server = (await novaServers(os)).find((s) => Object.values(s.addresses).flat().some((a) => a.addr === i.PrivateIpAddress));
      expect(server?.status).toBe('ACTIVE');
    }
  });

  it('filters by key name, tag, state, reservation, subnet, type and more', () => {
    const byKey = describeCli('--filters', `Name=key-name,Values=${keyName}`);
    expect(byKey.map((i) => i.InstanceId).sort()).toEqual([...ids].sort());
    expect(describeCli('--filters', `Name=tag:suite,Values=${prefix}`, 'Name=instance-state-name,Values=stopped')).toHaveLength(0);
    expect(describeCli('--filters', `Name=reservation-id,Values=${reservationId}`)).toHaveLength(5);
    expect(describeCli('--filters', `Name=subnet-id,Values=${fx.subnetId}`, `Name=key-name,Values=${keyName}`)).toHaveLength(5);
    expect(describeCli('--filters', 'Name=instance-type,Values=m1.t*', `Name=tag-value,Values=${prefix}`)).toHaveLength(5);
    expect(describeCli('--filters', `Name=launch-index,Values=3`, `Name=tag:Name,Values=${prefix}`)).toHaveLength(1);
    expect(describeCli('--filters', `Name=instance-id,Values=${ids[2]}`).map((i) => i.InstanceId)).toEqual([ids[2]]);
    expect(describeCli('--filters', `Name=image-id,Values=${fx.imageId}`, `Name=key-name,Values=${keyName}`)).toHaveLength(5);
    expect(describeCli('--filters', `Name=network-interface.subnet-id,Values=${fx.subnetId}`, `Name=instance.group-id,Values=${fx.defaultGroupId}`, `Name=key-name,Values=${keyName}`)).toHaveLength(5);
    fails(awsCli(['describe-instances', '--filters', 'Name=no-such-filter,Values=x']), 'InvalidParameterValue');
  });

  it('pages with MaxResults / NextToken, and refuses MaxResults with ids', () => {
    // The five and the helper booted in Nova: six on the test subnet, so two pages of five.
    const filter = ['--filters', `Name=network-interface.subnet-id,Values=${fx.subnetId}`];
    const first = ok(awsCli(['describe-instances', ...filter, '--max-results', '5', '--no-paginate']));
    const seen = instancesOf(first).map((i) => i.InstanceId);
    expect(seen).toHaveLength(5);
    expect(first.NextToken).toBeTruthy();
    const second = ok(awsCli(['describe-instances', ...filter, '--max-results', '5', '--no-paginate', '--next-token', first.NextToken]));
    const rest = instancesOf(second).map((i) => i.InstanceId);
    expect(second.NextToken).toBeUndefined();
    expect([...seen, ...rest].sort()).toEqual([...ids, fx.helper.instanceId].sort());
    // Without MaxResults, everything in one answer.
    expect(describeCli(...filter)).toHaveLength(6);
    fails(awsCli(['describe-instances', '--instance-ids', ids[0]!, '--max-results', '5']), 'InvalidParameterCombination');
    fails(awsCli(['describe-instances', '--max-results', '3']), 'InvalidParameterValue');
  });

  it('describes and changes attributes', () => {
    const id = ids[0]!;
    const attr = (name: string) => ok(awsCli(['describe-instance-attribute', '--instance-id', id, '--attribute', name]));
    expect(Buffer.from(attr('userData').UserData.Value, 'base64')).toEqual(userData);
    expect(attr('instanceType').InstanceType.Value).toBe('m1.tiny');
    expect(attr('disableApiTermination').DisableApiTermination.Value).toBe(false);
    expect(attr('instanceInitiatedShutdownBehavior').InstanceInitiatedShutdownBehavior.Value).toBe('stop');
    expect(attr('groupSet').Groups).toEqual([{ GroupName: 'default', GroupId: fx.defaultGroupId }]);
    expect(attr('rootDeviceName').RootDeviceName.Value).toBe('/dev/sda1');

    ok(awsCli(['modify-instance-attribute', '--instance-id', id, '--no-source-dest-check']));
    expect(attr('sourceDestCheck').SourceDestCheck.Value).toBe(false);
    ok(awsCli(['reset-instance-attribute', '--instance-id', id, '--attribute', 'sourceDestCheck']));
    expect(attr('sourceDestCheck').SourceDestCheck.Value).toBe(true);

    ok(awsCli(['modify-instance-attribute', '--instance-id', id, '--disable-api-termination']));
    fails(awsCli(['terminate-instances', '--instance-ids', id]), 'OperationNotPermitted');
    ok(awsCli(['modify-instance-attribute', '--instance-id', id, '--no-disable-api-termination']));
    fails(awsCli(['modify-instance-attribute', '--instance-id', id, '--instance-type', 'Value=m1.small']), 'IncorrectInstanceState');

    const console = ok(awsCli(['get-console-output', '--instance-id', id]));
    expect(console.InstanceId).toBe(id);
    expect(console.Output).toContain('FAKE CONSOLE OUTPUT'); // the fake hypervisor's console log, decoded by the cli
    // No Windows agent posted a password to Nova's metadata service: empty, as AWS answers until then.
    expect(ok(awsCli(['get-password-data', '--instance-id', id])).PasswordData).toBe('');
  });

  it('changes the source/destination check in Neutron', async () => {
    const id = ids[1]!;
    ok(awsCli(['modify-instance-attribute', '--instance-id', id, '--source-dest-check', 'Value=false']));
    const [instance] = describeCli('--instance-ids', id);
    const port = (await os.neutron.get<{ ports: Array<{ allowed_address_pairs: Array<{ ip_address: string }> }> }>('ports', { fixed_ips: `ip_address=${instance.PrivateIpAddress}`, network_id: fx.networkId })).ports[0]!;
    expect(port.allowed_address_pairs.map((p) => p.ip_address)).toContain('0.0.0.0/0');
    ok(awsCli(['modify-instance-attribute', '--instance-id', id, '--source-dest-check', 'Value=true']));
  });

  it('stops and starts them, as Nova does', async () => {
    const stop = ok(awsCli(['stop-instances', '--instance-ids', ...ids]));
    expect(stop.StoppingInstances).toHaveLength(5);
    for (const c of stop.StoppingInstances) {
      expect(c.PreviousState).toEqual({ Code: 16, Name: 'running' });
      expect(c.CurrentState).toEqual({ Code: 64, Name: 'stopping' });
    }
    await eventually(async () => {
      const found = describeCli('--filters', `Name=tag:suite,Values=${prefix}`, 'Name=instance-state-name,Values=stopped');
      return found.length === 5 ? found : undefined;
    }, 'five stopped instances', 300_000, 3000);
    const stopped = describeCli('--instance-ids', ids[0]!)[0];
    expect(stopped.StateReason.Code).toBe('Client.UserInitiatedShutdown');
    expect(stopped.StateTransitionReason).toMatch(/^User initiated \(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d GMT\)$/);
    for (const s of (await novaServers(os)).filter((s) => s.metadata?.['ec2:reservation-id'] === reservationId)) {
      expect(s.status).toBe('SHUTOFF');
    }
    // Stopping a stopped instance changes nothing.
    const again = ok(awsCli(['stop-instances', '--instance-ids', ids[0]!]));
    expect(again.StoppingInstances[0].CurrentState.Name).toBe('stopped');

    const start = ok(awsCli(['start-instances', '--instance-ids', ...ids]));
    for (const c of start.StartingInstances) {
      expect(c.PreviousState).toEqual({ Code: 80, Name: 'stopped' });
      expect(c.CurrentState).toEqual({ Code: 0, Name: 'pending' });
    }
    await eventually(async () => {
      const servers = (await novaServers(os)).filter((s) => s.metadata?.['ec2:reservation-id'] === reservationId);
      return servers.length === 5 && servers.every((s) => s.status === 'ACTIVE') ? true : undefined;
    }, 'Nova to show the five servers ACTIVE', 300_000, 3000);
    expect(describeCli('--filters', `Name=reservation-id,Values=${reservationId}`, 'Name=instance-state-name,Values=running')).toHaveLength(5);

    // A reboot goes to Nova (which shows REBOOT, then ACTIVE); the instance stays running.
    const server = (await novaServers(os)).find((s) => s.metadata?.['ec2:reservation-id'] === reservationId)!;
    const before = server.updated;
    expect(awsCli(['reboot-instances', '--instance-ids', ...ids]).status).toBe(0);
    await eventually(async () => {
      const s = await novaServer(os, server.id);
      return s?.status === 'ACTIVE' && s.updated !== before ? true : undefined;
    }, 'Nova to reboot the server', 120_000, 1000);
    expect(describeCli('--instance-ids', ids[0]!)[0].State.Name).toBe('running');
  });

  it('answers errors as AWS does', async () => {
    fails(awsCli(['describe-instances', '--instance-ids', 'i-0123456789abcdef0']), 'InvalidInstanceID.NotFound');
    fails(awsCli(['describe-instances', '--instance-ids', 'i-nothex']), 'InvalidInstanceID.Malformed');
    fails(awsCli(['describe-instances', '--instance-ids', 'vol-0123456789abcdef0']), 'InvalidInstanceID.Malformed');
    fails(awsCli(['stop-instances', '--instance-ids', 'i-0123456789abcdef0']), 'InvalidInstanceID.NotFound');
    fails(awsCli(['run-instances', '--image-id', 'ami-0123456789abcdef0', '--subnet-id', fx.subnetId]), 'InvalidAMIID.NotFound');
    fails(awsCli(['run-instances', '--image-id', 'ami-xyz', '--subnet-id', fx.subnetId]), 'InvalidAMIID.Malformed');
    fails(awsCli(['run-instances', '--image-id', fx.imageId, '--instance-type', 'x9.huge', '--subnet-id', fx.subnetId]), 'InvalidParameterValue');
    fails(awsCli(['run-instances', '--image-id', fx.imageId, '--instance-type', 'm1.tiny', '--key-name', `${prefix}-nokey`, '--subnet-id', fx.subnetId]), 'InvalidKeyPair.NotFound');
    fails(awsCli(['run-instances', '--image-id', fx.imageId, '--instance-type', 'm1.tiny', '--subnet-id', 'subnet-0123456789abcdef0']), 'InvalidSubnetID.NotFound');
    fails(awsCli(['run-instances', '--image-id', fx.imageId, '--instance-type', 'm1.tiny', '--security-group-ids', 'sg-0123456789abcdef0', '--subnet-id', fx.subnetId]), 'InvalidGroup.NotFound');
    fails(awsCli(['run-instances', '--image-id', fx.imageId, '--instance-type', 'm1.tiny', '--count', '2', '--private-ip-address', '10.0.0.5', '--subnet-id', fx.subnetId]), 'InvalidParameterCombination');
    fails(awsCli(['run-instances', '--image-id', fx.imageId, '--instance-type', 'm1.tiny', '--subnet-id', fx.subnetId, '--network-interfaces', `DeviceIndex=0,SubnetId=${fx.subnetId}`]), 'InvalidParameterCombination');
    fails(awsCli(['run-instances', '--image-id', fx.imageId, '--instance-type', 'm1.tiny', '--subnet-id', fx.subnetId, '--placement', 'AvailabilityZone=nowhere']), 'InvalidParameterValue');
    fails(awsCli(['run-instances', '--image-id', fx.imageId, '--instance-type', 'm1.tiny', '--subnet-id', fx.subnetId, '--dry-run']), 'DryRunOperation');
    fails(awsCli(['terminate-instances', '--instance-ids', ids[0]!, '--dry-run']), 'DryRunOperation');
    // Nothing was launched by any of these: the five and the helper are all the test network has.
    const onNetwork = (await novaServers(os)).filter((s) => Object.keys(s.addresses).includes(`${prefix}-net`));
    expect(onNetwork).toHaveLength(6);
  });

  it('never shows another project\'s instances: their ids are unknown', async () => {
    const other = awsCli(['describe-instances', '--instance-ids', ids[0]!], 'alt');
    fails(other, 'InvalidInstanceID.NotFound');
    expect(other.stdout).not.toContain(ids[0]!);
    fails(awsCli(['terminate-instances', '--instance-ids', ids[0]!], 'alt'), 'InvalidInstanceID.NotFound');
    fails(awsCli(['describe-instance-attribute', '--instance-id', ids[0]!, '--attribute', 'userData'], 'alt'), 'InvalidInstanceID.NotFound');
    const listed = await alt.send(new DescribeInstancesCommand({}));
    const altIds = (listed.Reservations ?? []).flatMap((r) => r.Instances ?? []).map((i) => i.InstanceId);
    for (const id of ids) expect(altIds).not.toContain(id);
    expect((await novaServer(os, (await novaServers(os)).find((s) => s.metadata?.['ec2:reservation-id'] === reservationId)!.id))?.status).toBe('ACTIVE');
  });

  it('terminates them; Nova deletes the servers; they stay visible as terminated', async () => {
    const out = ok(awsCli(['terminate-instances', '--instance-ids', ...ids]));
    expect(out.TerminatingInstances).toHaveLength(5);
    for (const c of out.TerminatingInstances) {
      expect(c.PreviousState.Name).toBe('running');
      expect(c.CurrentState).toEqual({ Code: 32, Name: 'shutting-down' });
    }
    await eventually(async () => {
      const left = (await novaServers(os)).filter((s) => s.metadata?.['ec2:reservation-id'] === reservationId);
      return left.length === 0 ? true : undefined;
    }, 'Nova to delete the five servers', 300_000, 3000);
    const shown = describeCli('--instance-ids', ...ids);
    expect(shown).toHaveLength(5);
    for (const i of shown) {
      expect(i.State).toEqual({ Code: 48, Name: 'terminated' });
      expect(i.StateReason.Code).toBe('Client.UserInitiatedShutdown');
      expect(i.NetworkInterfaces).toEqual([]);
      expect(i.PrivateIpAddress).toBeUndefined();
    }
    expect(describeCli('--filters', `Name=tag:suite,Values=${prefix}`, 'Name=instance-state-name,Values=terminated')).toHaveLength(5);
    const again = ok(awsCli(['terminate-instances', '--instance-ids', ids[0]!]));
    expect(again.TerminatingInstances[0].PreviousState.Name).toBe('terminated');
    expect(again.TerminatingInstances[0].CurrentState.Name).toBe('terminated');
    fails(awsCli(['start-instances', '--instance-ids', ids[0]!]), 'IncorrectInstanceState');
  });
});
