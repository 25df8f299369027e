/**
 * RunInstances that stopped half-way (a Lambda timeout, a crash) and the sweeper that settles them,
 * against the real local OpenStack, the endpoint's table and its sweeper function (invoked through
 * serverless-offline's Lambda API, as its schedule does), checked in Nova, Neutron and the table:
 * - a launch through the endpoint leaves its journal done and names its ports after its reservation;
 * - a launch stopped after Nova accepted a server and after it made ports (one attached, one for a
 *   server Nova never got), with its ClientToken claimed, an hour ago: the sweeper deletes the
 *   server and both ports, forgets the id DescribeInstances gave the server meanwhile, releases the
 *   claim, and touches nothing else (an ENI of the project); a retry with the token launches afresh;
 * - a launch stopped after its records, before its ClientToken claim had the outcome: the sweeper
 *   completes the claim, and a retry with the token answers the same reservation.
 */
import {
  CreateNetworkInterfaceCommand,
  DeleteNetworkInterfaceCommand,
  DescribeInstancesCommand,
  DescribeNetworkInterfacesCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
  type _InstanceType,
} from '@aws-sdk/client-ec2';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StateStore } from '../../lib/store/project-store.js';
import type { LaunchJournal, TokenClaim } from '../../lib/domain/instances/launch-journal.js';
import { ec2Client, sdkError } from './support/clients.js';
import { endpointInfo, fixtures, uniqueName } from './support/env.js';
import { eventually, freeAddresses, openstackAs, type DirectOpenStack } from './support/openstack.js';
import { deleteNetwork, flavorId, instanceWithIp, networkFixture, novaServer, sleep, type NetworkFixture } from './instances-fixtures.js';

const demo = ec2Client('demo');
const prefix = uniqueName('sweeplaunch');
const TINY = 'm1.tiny' as _InstanceType;

let os: DirectOpenStack;
let admin: DirectOpenStack;
let fx: NetworkFixture;
const launched: string[] = [];
const interfaces: string[] = [];

// The state table is read directly, configured as the server is (before anything reads the configuration).
Object.assign(process.env, endpointInfo().serverEnv);

async function table(): Promise<StateStore> {
  const { storeFor } = await import('../../lib/store/project-store.js');
  return storeFor(os.projectId);
}

async function journalOf(reservationId: string): Promise<LaunchJournal | undefined> {
  const { journalKey } = await import('../../lib/domain/instances/launch-journal.js');
  return (await table()).getJson<LaunchJournal>(journalKey(reservationId));
}

/** One sweeper run, invoked as its schedule does. */
async function sweepOnce(): Promise<Record<string, unknown>> {
  const info = endpointInfo();
  const port = info.serverEnv['EC2_LAMBDA_PORT'] ?? new URL(info.serverEnv['EC2_LAMBDA_ENDPOINT']!).port;
  const response = await fetch(`http://127.0.0.1:${port}/2015-03-31/functions/ec2-api-dev-sweeper/invocations`, { method: 'POST', body: '{}' });
  expect(response.status).toBe(200);
  return (await response.json()) as Record<string, unknown>;
}

interface Port {
  id: string;
  name: string;
  device_id: string;
  fixed_ips: Array<{ ip_address: string }>;
}

async function port(id: string): Promise<Port | undefined> {
  return (await admin.neutron.get<{ ports: Port[] }>('ports', { id })).ports[0];
}

const newReservationId = () => `r-${randomBytes(9).toString('hex').slice(0, 17)}`;

beforeAll(async () => {
  [os, admin] = await Promise.all([openstackAs('demo'), openstackAs('admin')]);
  fx = await networkFixture(os, demo, prefix);
});

afterAll(async () => {
  const ids = [...launched, fx?.helper.instanceId].filter(Boolean);
  if (ids.length) await demo.send(new TerminateInstancesCommand({ InstanceIds: ids })).catch(() => undefined);
  for (const id of interfaces) await demo.send(new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: id })).catch(() => undefined);
  await sleep(5000);
  if (fx) await deleteNetwork(os, fx.networkId);
});

describe('a launch through the endpoint', () => {
  it('leaves its journal done, and names the ports it made after its reservation', async () => {
    const ip = (await freeAddresses(os, fx.networkId, fx.cidr, 1, 120))[0]!;
    const out = await demo.send(
      new RunInstancesCommand({ ImageId: fx.imageId, InstanceType: TINY, MinCount: 1, MaxCount: 1, SubnetId: fx.subnetId, PrivateIpAddress: ip }),
    );
    const instance = out.Instances![0]!;
    launched.push(instance.InstanceId!);
    const journal = await journalOf(out.ReservationId!);
    const { uuidOf } = await import('../../lib/store/ids.js');
    const serverId = await uuidOf(await table(), instance.InstanceId!);
    expect(journal).toMatchObject({ reservationId: out.ReservationId, done: { serverIds: [serverId] } });
    const portId = instance.NetworkInterfaces![0]!.NetworkInterfaceId!;
    // The port with the address was made before Nova was asked (Nova binds it to the server later).
    const { ports } = await admin.neutron.get<{ ports: Port[] }>('ports', { network_id: fx.networkId, 'fixed_ips': `ip_address=${ip}` });
    expect(portId).toMatch(/^eni-/);
    expect(ports.map((p) => p.name)).toEqual([`${out.ReservationId}-eth0`]);
  });
});

describe('the sweeper, after a launch that stopped half-way', () => {
  it('rolls back its server and ports, forgets the id a describe gave it, releases the ClientToken; a retry launches afresh', async () => {
    const { journalKey, launchPortName, tokenKey } = await import('../../lib/domain/instances/launch-journal.js');
    const { fingerprintOf } = await import('../../functions/instances/launch-token.js');
    const store = await table();
    const reservationId = newReservationId();
    const name = `${prefix}-web`;
    const token = `${prefix}-token`;
    const request = { ImageId: fx.imageId, InstanceType: TINY, MinCount: 1, MaxCount: 2, SubnetId: fx.subnetId, ClientToken: token, TagSpecifications: [{ ResourceType: 'instance' as const, Tags: [{ Key: 'Name', Value: name }] }] };
    const anHourAgo = Date.now() - 3600_000;

    // What RunInstances had done when it stopped: the token claimed, the journal written, a port
    // for each of two servers, the first server accepted by Nova; nothing recorded.
    await store.putJson(tokenKey(token), { fingerprint: fingerprintOf({ ...request }), startedAt: anHourAgo - 500 } satisfies TokenClaim, { ttlSeconds: 24 * 3600 });
    await store.putJson(journalKey(reservationId), { reservationId, name, startedAt: anHourAgo, clientToken: token } satisfies LaunchJournal);
    const makePort = async (serverName: string) =>
      (await os.neutron.post<{ port: { id: string } }>('ports', { port: { network_id: fx.networkId, name: launchPortName(serverName, reservationId, 0), fixed_ips: [{ subnet_id: fx.subnetUuid }] } })).port.id;
    const [attachedPort, loosePort] = await Promise.all([makePort(`${name}-1`), makePort(`${name}-2`)]);
    const { server } = await os.nova.post<{ server: { id: string } }>('servers', {
      server: { name: `${name}-1`, imageRef: fixtures().imageId, flavorRef: await flavorId(os, 'm1.tiny'), networks: [{ port: attachedPort }], metadata: { 'ec2:reservation-id': reservationId } },
    });
    // Neighbours that must stay: an ENI of the project, unattached.
    const eni = (await demo.send(new CreateNetworkInterfaceCommand({ SubnetId: fx.subnetId, Description: `${prefix} neighbour` }))).NetworkInterface!.NetworkInterfaceId!;
    interfaces.push(eni);

    // DescribeInstances meanwhile adopts the server it does not know.
    const address = (await port(attachedPort))!.fixed_ips[0]!.ip_address;
    const adoptedId = (await instanceWithIp(demo, address)).InstanceId!;
    const { existingEc2Id } = await import('../../lib/store/ids.js');
    expect(await existingEc2Id(store, 'instance', server.id)).toBe(adoptedId);
    expect((await port(attachedPort))?.device_id).toBe(server.id);

    const runs: Array<Record<string, unknown>> = [];
    await eventually(async () => {
      runs.push(await sweepOnce());
      return (await journalOf(reservationId)) ? undefined : true;
    }, 'the sweeper to settle the launch', 240_000, 3000);
    expect(runs.some((r) => Number(r['launchesRolledBack']) >= 1)).toBe(true);
    expect(runs.at(-1)).toMatchObject({ msg: 'sweep', failedProjects: 0 });

    const gone = await novaServer(admin, server.id);
    expect(gone === undefined || gone.status === 'DELETED').toBe(true);
    expect(await port(attachedPort)).toBeUndefined();
    expect(await port(loosePort)).toBeUndefined();
    expect(await store.get(tokenKey(token))).toBeUndefined();
    expect(await existingEc2Id(store, 'instance', server.id)).toBeUndefined();
    expect(await sdkError(demo.send(new DescribeInstancesCommand({ InstanceIds: [adoptedId] })))).toBe('InvalidInstanceID.NotFound');
    const { NetworkInterfaces } = await demo.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [eni] }));
    expect(NetworkInterfaces?.[0]?.Status).toBe('available');

    // The client's retry with the same token launches afresh.
    const retry = await demo.send(new RunInstancesCommand(request));
    launched.push(...retry.Instances!.map((i) => i.InstanceId!));
    expect(retry.ReservationId).not.toBe(reservationId);
    expect(retry.Instances!.length).toBeGreaterThanOrEqual(1);
  });

  it('completes the ClientToken claim of a launch that recorded its instances, so a retry answers the same reservation', async () => {
    const { journalKey, tokenKey } = await import('../../lib/domain/instances/launch-journal.js');
    const store = await table();
    const token = `${prefix}-done`;
    const request = { ImageId: fx.imageId, InstanceType: TINY, MinCount: 1, MaxCount: 1, SubnetId: fx.subnetId, ClientToken: token };
    const out = await demo.send(new RunInstancesCommand(request));
    const instanceId = out.Instances![0]!.InstanceId!;
    launched.push(instanceId);

    // As if the function had stopped after writing the records, before the claim had the outcome
    // and before the journal was marked done, an hour ago.
    const claim = (await store.getJson<TokenClaim>(tokenKey(token)))!;
    const anHourAgo = Date.now() - 3600_000;
    await store.putJson(tokenKey(token), { fingerprint: claim.fingerprint, startedAt: anHourAgo - 500 } satisfies TokenClaim, { ttlSeconds: 24 * 3600 });
    await store.putJson(journalKey(out.ReservationId!), { reservationId: out.ReservationId!, name: out.ReservationId!, startedAt: anHourAgo, clientToken: token } satisfies LaunchJournal);

    await eventually(async () => {
      await sweepOnce();
      return (await journalOf(out.ReservationId!)) ? undefined : true;
    }, 'the sweeper to settle the launch', 240_000, 3000);
    expect(await store.getJson<TokenClaim>(tokenKey(token))).toMatchObject({ reservationId: out.ReservationId, serverIds: claim.serverIds });
    const { Reservations } = await demo.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
    expect(Reservations?.[0]?.Instances?.[0]?.State?.Name).not.toBe('terminated');

    const retry = await demo.send(new RunInstancesCommand(request));
    expect(retry.ReservationId).toBe(out.ReservationId);
    expect(retry.Instances!.map((i) => i.InstanceId)).toEqual([instanceId]);
  });
});
