/**
 * Volumes through the full path against Cinder's own API, on the running local endpoint:
 * - DescribeVolumes listing the project vs Cinder GET volumes/detail (`attached` of the volumes are
 *   attached to servers of their own, booted here without networks: an attachment's
 *   delete-on-termination is Nova's, so the listing also asks Nova);
 * - DescribeVolumes of one id vs Cinder GET volumes/{id}, for an unattached and an attached volume;
 * - DescribeVolumes with an exact status filter (pushed down) vs volumes/detail?status=…;
 * - DescribeSnapshots vs snapshots/detail;
 * - CreateVolume vs Cinder POST volumes.
 * Prints p50s and the ratios. Everything it creates is deleted at the end.
 *
 *   npx tsx bench/volumes.ts [volumes=10] [requests=50] [attached=2]
 */
import { openstackAs } from '../tests/integration/support/openstack.js';
import { uniqueName } from '../tests/integration/support/env.js';
import { alternate, endpointInfo, fixtures, fmt, load, loadAverage, recordRatio, signedPostFactory } from './support.js';

const volumes = Number(process.argv[2] ?? 10);
const requests = Number(process.argv[3] ?? 50);
const attachedCount = Math.min(volumes, Number(process.argv[4] ?? 2));
const prefix = uniqueName('bench-vol');
const post = await signedPostFactory('demo');
const { cinder, nova } = await openstackAs('demo');
/** 2.37 lets a server boot without networks; 2.79 shows delete_on_termination. */
const novaHeaders = { 'x-openstack-nova-api-version': '2.79', 'openstack-api-version': 'compute 2.79' };

interface CinderItem {
  id: string;
  name: string | null;
  status: string;
}

async function ec2(params: Record<string, string>): Promise<string> {
  const { status, body } = await post(params);
  if (status !== 200) throw new Error(`${params['Action']}: ${status} ${/<Code>([^<]+)/.exec(body)?.[1] ?? body}`);
  return body;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const list = async (path: string, key: string) => (await cinder.get<Record<string, CinderItem[]>>(path))[key]!.filter((v) => v.name?.startsWith(prefix));

async function settle(path: string, key: string, count: number) {
  for (let i = 0; i < 120; i++) {
    const ours = await list(path, key);
    if (ours.length >= count && ours.every((v) => v.status === 'available')) return ours;
    await sleep(1000);
  }
  throw new Error(`${key} did not become available`);
}

const servers: string[] = [];

/** Boots one server per volume (no network) and attaches the volume to it through Nova. */
async function attachToNewServers(targets: CinderItem[]): Promise<void> {
  const { flavors } = await nova.get<{ flavors: Array<{ id: string; name: string }> }>('flavors');
  for (const [i] of targets.entries()) {
    const { body } = await nova.request<{ server: { id: string } }>('POST', 'servers', {
      headers: novaHeaders,
      json: { server: { name: `${prefix}-srv-${i}`, imageRef: fixtures().imageId, flavorRef: flavors.find((f) => f.name === 'm1.tiny')!.id, networks: 'none' } },
    });
    servers.push(body.server.id);
  }
  for (let i = 0; i < 120; i++) {
    const states = await Promise.all(servers.map(async (id) => (await nova.get<{ server: { status: string } }>(`servers/${id}`)).server.status));
    if (states.includes('ERROR')) throw new Error('a bench server went to ERROR');
    if (states.every((s) => s === 'ACTIVE')) break;
    await sleep(1000);
  }
  for (const [i, volume] of targets.entries()) {
    await nova.request('POST', `servers/${servers[i]}/os-volume_attachments`, { headers: novaHeaders, json: { volumeAttachment: { volumeId: volume.id } } });
  }
  for (let i = 0; i < 120; i++) {
    const ours = await list('volumes/detail', 'volumes');
    if (targets.every((t) => ours.find((v) => v.id === t.id)?.status === 'in-use')) return;
    await sleep(1000);
  }
  throw new Error('bench volumes did not become in-use');
}

const row = (label: string, full: { p50: number }, direct: { p50: number }, directCall: string) => {
  recordRatio({ bench: 'volumes', label, oursMs: full.p50, direct: directCall, directMs: direct.p50 });
  console.log(`  ${label.padEnd(44)} p50 ${fmt(full.p50).padStart(9)} vs Cinder ${fmt(direct.p50).padStart(9)}  ratio ${(full.p50 / direct.p50).toFixed(2)}`);
};

try {
  for (let i = 0; i < volumes - attachedCount; i++) await cinder.post('volumes', { volume: { size: 1, name: `${prefix}-${i}` } });
  // The volumes to attach are made through EC2 (Cinder's name is their Name tag), so their EC2 ids are known.
  const attachedIds = new Map<string, string>();
  for (let i = 0; i < attachedCount; i++) {
    const name = `${prefix}-a${i}`;
    const body = await ec2({ Action: 'CreateVolume', AvailabilityZone: 'nova', Size: '1', 'TagSpecification.1.ResourceType': 'volume', 'TagSpecification.1.Tag.1.Key': 'Name', 'TagSpecification.1.Tag.1.Value': name });
    attachedIds.set(name, /<volumeId>(vol-[0-9a-f]+)</.exec(body)![1]!);
  }
  const made = await settle('volumes/detail', 'volumes', volumes);
  for (const v of made.slice(0, 3)) await cinder.post('snapshots', { snapshot: { volume_id: v.id, name: `${prefix}-s-${v.id}` } });
  await settle('snapshots/detail', 'snapshots', 3);
  const toAttach = made.filter((v) => attachedIds.has(v.name ?? ''));
  await attachToNewServers(toAttach);

  const body = await ec2({ Action: 'DescribeVolumes' }); // ids for volumes seen the first time
  await ec2({ Action: 'DescribeSnapshots' });
  const total = (body.match(/<volumeId>vol-/g) ?? []).length;
  // An unattached volume (Cinder's GET of one of ours stands for it: all are alike).
  const available = await ec2({ Action: 'DescribeVolumes', 'Filter.1.Name': 'status', 'Filter.1.Value.1': 'available' });
  const oneId = /<volumeId>(vol-[0-9a-f]+)<\/volumeId>/.exec(available)![1]!;
  const oneUuid = made.find((v) => !attachedIds.has(v.name ?? ''))!.id;
  const attachedUuid = toAttach[0]?.id;
  const attachedId = toAttach[0] ? attachedIds.get(toAttach[0].name!) : undefined;

  console.log(`volumes via ${endpointInfo().endpoint}: ${total} volumes in the project (${attachedCount} of ours attached), ${requests} requests each, 2 in flight; load average ${loadAverage()}`);
  row('DescribeVolumes (all)', await load(requests, 2, async () => void (await ec2({ Action: 'DescribeVolumes' }))), await load(requests, 2, async () => void (await cinder.get('volumes/detail'))), 'Cinder GET volumes/detail');
  row(
    'DescribeVolumes VolumeId.1 (one GET)',
    await load(requests, 2, async () => void (await ec2({ Action: 'DescribeVolumes', 'VolumeId.1': oneId }))),
    await load(requests, 2, async () => void (await cinder.get(`volumes/${oneUuid}`))),
    'Cinder GET volumes/{id}',
  );
  if (attachedId) {
    row(
      'DescribeVolumes VolumeId.1 (attached)',
      await load(requests, 2, async () => void (await ec2({ Action: 'DescribeVolumes', 'VolumeId.1': attachedId }))),
      await load(requests, 2, async () => void (await cinder.get(`volumes/${attachedUuid!}`))),
      'Cinder GET volumes/{id}',
    );
  }
  row(
    'DescribeVolumes status=available (pushed)',
    await load(requests, 2, async () => void (await ec2({ Action: 'DescribeVolumes', 'Filter.1.Name': 'status', 'Filter.1.Value.1': 'available' }))),
    await load(requests, 2, async () => void (await cinder.get('volumes/detail', { status: 'available' }))),
    'Cinder GET volumes/detail?status=',
  );
  row('DescribeSnapshots (all)', await load(requests, 2, async () => void (await ec2({ Action: 'DescribeSnapshots' }))), await load(requests, 2, async () => void (await cinder.get('snapshots/detail'))), 'Cinder GET snapshots/detail');
  // Ours and Cinder's creates in turn: Cinder's own time drifts within a run by more than ours.
  const creates = Math.min(requests, 10);
  let createdCount = 0;
  const created = await alternate(creates, {
    ours: async () => void (await ec2({ Action: 'CreateVolume', AvailabilityZone: 'nova', Size: '1', 'TagSpecification.1.ResourceType': 'volume', 'TagSpecification.1.Tag.1.Key': 'Name', 'TagSpecification.1.Tag.1.Value': `${prefix}-e${createdCount++}` })),
    cinder: async () => void (await cinder.post('volumes', { volume: { size: 1, name: `${prefix}-c${createdCount++}` } })),
  });
  row(`CreateVolume 1 GiB (${creates} sequential)`, created['ours']!, created['cinder']!, 'Cinder POST volumes');
  console.log(`  load average at the end ${loadAverage()}`);
} finally {
  for (const id of servers) await nova.delete(`servers/${id}`).catch(() => undefined);
  for (const s of await list('snapshots/detail', 'snapshots')) await cinder.delete(`snapshots/${s.id}`).catch(() => undefined);
  for (let i = 0; i < 60; i++) {
    const left = await list('volumes/detail', 'volumes');
    if (left.length === 0) break;
    for (const v of left) if (v.status !== 'deleting') await cinder.delete(`volumes/${v.id}`).catch(() => undefined);
    await sleep(1000);
  }
}
