/**
 * A snapshot outlives its volume (EBS semantics; Cinder keeps such a volume hidden until its last
 * snapshot goes): DescribeSnapshots keeps showing the deleted volume's id, and its volume-id
 * filter finds the snapshot; also after the table no longer maps the volume's id at all.
 * With @aws-sdk/client-ec2 against the running endpoint, checked in Cinder directly.
 */
import {
  CreateSnapshotCommand,
  CreateVolumeCommand,
  DeleteSnapshotCommand,
  DeleteVolumeCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
} from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StateStore } from '../../lib/store/project-store.js';
import { ec2Client } from './support/clients.js';
import { endpointInfo, uniqueName } from './support/env.js';
import { eventually, openstackAs, type DirectOpenStack } from './support/openstack.js';

const demo = ec2Client('demo');
const prefix = uniqueName('snapvol');
let os: DirectOpenStack;
let snapshotId: string | undefined;
let volumeId: string | undefined;

Object.assign(process.env, endpointInfo().serverEnv);

async function table(): Promise<StateStore> {
  const { storeFor } = await import('../../lib/store/project-store.js');
  return storeFor(os.projectId);
}

const snapshotOf = async (id: string) => (await demo.send(new DescribeSnapshotsCommand({ SnapshotIds: [id] }))).Snapshots![0]!;

beforeAll(async () => {
  os = await openstackAs('demo');
});

afterAll(async () => {
  if (snapshotId) await demo.send(new DeleteSnapshotCommand({ SnapshotId: snapshotId })).catch(() => undefined);
  if (volumeId) await demo.send(new DeleteVolumeCommand({ VolumeId: volumeId })).catch(() => undefined);
});

describe('the VolumeId of a snapshot whose volume was deleted', () => {
  it('stays the deleted volume id, and the volume-id filter finds the snapshot', async () => {
    const volume = await demo.send(new CreateVolumeCommand({ AvailabilityZone: 'nova', Size: 1, TagSpecifications: [{ ResourceType: 'volume', Tags: [{ Key: 'Name', Value: prefix }] }] }));
    volumeId = volume.VolumeId!;
    await eventually(async () => ((await demo.send(new DescribeVolumesCommand({ VolumeIds: [volumeId!] }))).Volumes![0]!.State === 'available' ? true : undefined), 'the volume', 120_000, 1500);
    snapshotId = (await demo.send(new CreateSnapshotCommand({ VolumeId: volumeId, Description: prefix }))).SnapshotId!;
    await eventually(async () => ((await snapshotOf(snapshotId!)).State === 'completed' ? true : undefined), 'the snapshot', 120_000, 1500);
    const { uuidOf } = await import('../../lib/store/ids.js');
    const volumeUuid = (await uuidOf(await table(), volumeId))!;

    await demo.send(new DeleteVolumeCommand({ VolumeId: volumeId }));
    const deletedVolumeId = volumeId;
    volumeId = undefined;
    await expect(demo.send(new DescribeVolumesCommand({ VolumeIds: [deletedVolumeId] }))).rejects.toMatchObject({ name: 'InvalidVolume.NotFound' });
    // Cinder keeps the volume while it has the snapshot.
    expect((await os.cinder.get<{ volume: { id: string } }>(`volumes/${volumeUuid}`)).volume.id).toBe(volumeUuid);

    expect((await snapshotOf(snapshotId)).VolumeId).toBe(deletedVolumeId);
    const filtered = await demo.send(new DescribeSnapshotsCommand({ Filters: [{ Name: 'volume-id', Values: [deletedVolumeId] }] }));
    expect(filtered.Snapshots!.map((s) => s.SnapshotId)).toEqual([snapshotId]);

    // Even with no mapping of the volume left in the table at all.
    const { forgetUuid } = await import('../../lib/store/ids.js');
    await forgetUuid(await table(), 'volume', volumeUuid);
    expect((await snapshotOf(snapshotId)).VolumeId).toBe(deletedVolumeId);
    const listed = (await demo.send(new DescribeSnapshotsCommand({ OwnerIds: ['self'] }))).Snapshots!.find((s) => s.SnapshotId === snapshotId);
    expect(listed?.VolumeId).toBe(deletedVolumeId);
  });
});
