/**
 * Images through the full path against Glance's own API, on the running local endpoint:
 * - DescribeImages over N private images (plus what the project can see) vs Glance's listing of
 *   the same images (GET /v2/images?visibility=all&member_status=all);
 * - DescribeImages of one image by id vs Glance GET /v2/images/{id};
 * - DescribeImages with an exact name filter (pushed down to Glance) vs Glance's name query.
 * Prints p50s and the ratios. Everything it creates is deleted at the end.
 *
 *   npx tsx bench/images.ts [images=20] [requests=100]
 */
import { createImage, deleteImage, getImage, listImages, uploadImage } from '../lib/openstack/glance.js';
import { openstackAs } from '../tests/integration/support/openstack.js';
import { uniqueName } from '../tests/integration/support/env.js';
import { endpointInfo, fmt, load, recordRatio, signedPostFactory } from './support.js';

const count = Number(process.argv[2] ?? 20);
const requests = Number(process.argv[3] ?? 100);
const prefix = uniqueName('bench-img');
const post = await signedPostFactory('demo');
const glance = (await openstackAs('demo')).glance;
const made: string[] = [];

async function ec2(params: Record<string, string>): Promise<string> {
  const { status, body } = await post(params);
  if (status !== 200) throw new Error(`${params['Action']}: ${status} ${/<Code>([^<]+)/.exec(body)?.[1] ?? body}`);
  return body;
}

try {
  for (let i = 0; i < count; i++) {
    const image = await createImage(glance, { name: `${prefix}-${i}`, disk_format: 'raw', container_format: 'bare', visibility: 'private' });
    made.push(image.id);
    await uploadImage(glance, image.id, Buffer.alloc(1024));
  }
  const listing = await ec2({ Action: 'DescribeImages' }); // EC2 ids for images seen the first time
  const oneId = new RegExp(`<imageId>(ami-[0-9a-f]+)</imageId>(?:(?!</item>).)*<name>${prefix}-0</name>`, 's').exec(listing)?.[1];
  if (!oneId) throw new Error('the benchmark image did not show up');

  const all = await load(requests, 2, async () => void (await ec2({ Action: 'DescribeImages' })));
  const allDirect = await load(requests, 2, async () => void (await listImages(glance, { visibility: 'all', member_status: 'all' })));
  const byId = await load(requests, 2, async () => void (await ec2({ Action: 'DescribeImages', 'ImageId.1': oneId })));
  const byIdDirect = await load(requests, 2, async () => void (await getImage(glance, made[0]!)));
  const byName = await load(requests, 2, async () => void (await ec2({ Action: 'DescribeImages', 'Filter.1.Name': 'name', 'Filter.1.Value.1': `${prefix}-1` })));
  const byNameDirect = await load(requests, 2, async () => void (await listImages(glance, { name: `${prefix}-1` })));

  const total = (await listImages(glance, { visibility: 'all', member_status: 'all' })).length;
  console.log(`images via ${endpointInfo().endpoint} (dispatch ${endpointInfo().serverEnv['EC2_DISPATCH'] ?? 'lambda'}), ${total} images visible`);
  const line = (what: string, full: { p50: number; p99: number }, direct: { p50: number }, directCall: string) => {
    recordRatio({ bench: 'images', label: what, oursMs: full.p50, direct: directCall, directMs: direct.p50 });
    console.log(`  ${what.padEnd(34)} p50 ${fmt(full.p50)} p99 ${fmt(full.p99)} | Glance p50 ${fmt(direct.p50)} | ratio ${(full.p50 / direct.p50).toFixed(2)}`);
  };
  line(`DescribeImages (all, ${total} visible)`, all, allDirect, 'Glance GET images');
  line('DescribeImages ImageId.1', byId, byIdDirect, 'Glance GET images/{id}');
  line('DescribeImages name filter', byName, byNameDirect, 'Glance GET images?name=');
} finally {
  for (const id of made) await deleteImage(glance, id).catch(() => undefined);
}
