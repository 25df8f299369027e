import { describe, expect, it } from 'vitest';
import { ec2IdFor, shareImageIds, uuidOf, uuidsOf } from '../../../lib/store/ids.js';
import { putTags, tagsOf } from '../../../lib/store/tags.js';
import { MemoryStore } from '../support/memory-store.js';

/** Two projects over one region-wide partition, as ProjectStore gives them. */
function projects() {
  const region = new MemoryStore('_region');
  return { region, demo: Object.assign(new MemoryStore('demo'), { region }), alt: Object.assign(new MemoryStore('alt'), { region }) };
}

describe('one AMI id in the region for images every project sees', () => {
  it('gives a public image the same id in every project, the first seer\'s', async () => {
    const { demo, alt } = projects();
    const first = await ec2IdFor(demo, 'image', 'public-uuid', 'ami');
    expect(await shareImageIds(demo, [{ uuid: 'public-uuid', prefix: 'ami' }])).toBe(false);
    // A project seeing it later gets the region's id at first sight, wherever it looks it up.
    expect(await ec2IdFor(alt, 'image', 'public-uuid', 'ami')).toBe(first);
    expect(await uuidOf(alt, first)).toBe('public-uuid');
  });

  it('moves a project that knew the image under its own id to the region\'s id, with its tags', async () => {
    const { demo, alt } = projects();
    const altOwn = await ec2IdFor(alt, 'image', 'public-uuid', 'ami');
    const demoOwn = await ec2IdFor(demo, 'image', 'public-uuid', 'ami');
    expect(altOwn).not.toBe(demoOwn);
    await putTags(alt, [altOwn], [{ Key: 'team', Value: 'alt' }]);
    await shareImageIds(demo, [{ uuid: 'public-uuid', prefix: 'ami' }]);
    expect(await shareImageIds(alt, [{ uuid: 'public-uuid', prefix: 'ami' }])).toBe(true);
    expect(await uuidOf(alt, demoOwn)).toBe('public-uuid');
    expect(await uuidOf(alt, altOwn)).toBeUndefined();
    expect((await tagsOf(alt, [demoOwn])).get(demoOwn)).toEqual([{ Key: 'team', Value: 'alt' }]);
  });

  it('resolves the region\'s id in a project that never listed the image (launch "ami-…" as published)', async () => {
    const { demo, alt } = projects();
    await ec2IdFor(demo, 'image', 'public-uuid', 'ami');
    await shareImageIds(demo, [{ uuid: 'public-uuid', prefix: 'ami' }]);
    const shared = await ec2IdFor(demo, 'image', 'public-uuid', 'ami');
    expect(await uuidOf(alt, shared)).toBe('public-uuid');
    expect((await uuidsOf(alt, [shared, 'ami-0123456789abcdef0'])).get(shared)).toBe('public-uuid');
    expect((await uuidsOf(alt, [shared, 'ami-0123456789abcdef0'])).size).toBe(1);
  });

  it('keeps private images\' ids to their project', async () => {
    const { demo, alt, region } = projects();
    const own = await ec2IdFor(demo, 'image', 'private-uuid', 'ami');
    expect(region.items.size).toBe(0);
    expect(await uuidOf(alt, own)).toBeUndefined();
    expect(await ec2IdFor(alt, 'image', 'private-uuid', 'ami')).not.toBe(own);
  });
});
