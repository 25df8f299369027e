import { describe, expect, it } from 'vitest';
import type { ActionContext } from '../../../lib/context.js';
import type { NovaKeypair, NovaKeypairs } from '../../../lib/openstack/nova-keypairs.js';
import { OpenStackError } from '../../../lib/openstack/http.js';
import { uuidOf } from '../../../lib/store/ids.js';
import { putTags, tagsOf } from '../../../lib/store/tags.js';
import {
  createInNova,
  deleteKeyPair,
  describeKeyPairs,
  keyPairTags,
  publicKeyDigest,
  recordFromNova,
  registerKeyPair,
  validateKeyName,
} from '../../../functions/instances/key-pairs.js';
import { fakeContext } from '../support/context.js';
import { MemoryStore, queriedPrefixes } from '../support/memory-store.js';
import * as v from './key-vectors.js';

/** Nova's key pairs of one user, in memory, with Nova's answers for a taken name. */
class FakeNova implements NovaKeypairs {
  readonly keys = new Map<string, NovaKeypair>();
  gets = 0;

  add(name: string, publicKey: string, createdAt = '2026-01-02T03:04:05.000000'): NovaKeypair {
    const keypair = { name, public_key: publicKey, fingerprint: 'aa:bb', type: 'ssh' as const, created_at: createdAt };
    this.keys.set(name, keypair);
    return keypair;
  }

  async list() {
    return [...this.keys.values()].map(({ created_at: _c, ...rest }) => rest);
  }

  async get(name: string) {
    this.gets++;
    return this.keys.get(name);
  }

  async create(name: string, publicKey: string) {
    if (this.keys.has(name)) throw new OpenStackError('nova', 409, `Key pair '${name}' already exists.`, 'conflictingRequest', 'POST', 'os-keypairs');
    return this.add(name, publicKey);
  }

  async delete(name: string) {
    return this.keys.delete(name);
  }
}

function setup() {
  const ctx = fakeContext();
  return { ctx, nova: new FakeNova() };
}

/** Another user of the same project (Nova keeps key pairs per user). */
function otherUser(ctx: ActionContext): ActionContext {
  return { ...ctx, caller: { ...ctx.caller, userId: 'someone-else' } };
}

async function createThroughEc2(ctx: ActionContext, nova: FakeNova, name: string, publicKey = v.rsaOpenSsh, fingerprint = 'created-fp') {
  const stored = await createInNova(nova, name, publicKey);
  return registerKeyPair(
    ctx,
    name,
    { keyType: 'rsa', fingerprint, createTime: '2026-03-04T05:06:07.000Z', publicKeyDigest: publicKeyDigest(stored.public_key) },
    [],
  );
}

describe('key pair names', () => {
  it.each(['my-key', 'Key_1', 'with space', 'a.b@c'])('accepts %j', (name) => {
    expect(() => validateKeyName(name)).not.toThrow();
  });

  it.each(['', 'x'.repeat(256), 'slash/name', 'ünïcode', ' leading', 'trailing '])('refuses %j', (name) => {
    expect(() => validateKeyName(name)).toThrow(expect.objectContaining({ code: 'InvalidParameterValue' }));
  });

  it('takes tags only for the key-pair resource type', () => {
    expect(keyPairTags([{ ResourceType: 'key-pair', Tags: [{ Key: 'a', Value: '1' }] }])).toEqual([{ Key: 'a', Value: '1' }]);
    expect(() => keyPairTags([{ ResourceType: 'instance', Tags: [{ Key: 'a', Value: '1' }] }])).toThrow(/not a valid taggable resource type/);
  });
});

describe('key pairs over Nova', () => {
  it('keeps the id and the fingerprint EC2 gave at creation', async () => {
    const { ctx, nova } = setup();
    const id = await createThroughEc2(ctx, nova, 'k1');
    expect(id).toMatch(/^key-[0-9a-f]{17}$/);
    const [info] = await describeKeyPairs(ctx, nova, {});
    expect(info).toMatchObject({ KeyPairId: id, KeyName: 'k1', KeyFingerprint: 'created-fp', KeyType: 'rsa', CreateTime: '2026-03-04T05:06:07.000Z' });
    expect(info!.PublicKey).toBeUndefined();
    expect((await describeKeyPairs(ctx, nova, { IncludePublicKey: true }))[0]!.PublicKey).toBe(v.rsaOpenSsh);
  });

  it('answers Duplicate for a taken name', async () => {
    const { ctx, nova } = setup();
    await createThroughEc2(ctx, nova, 'k1');
    await expect(createThroughEc2(ctx, nova, 'k1')).rejects.toMatchObject({ code: 'InvalidKeyPair.Duplicate' });
  });

  it('gives key pairs made directly in Nova an id once, the imported fingerprint and Nova creation time', async () => {
    const { ctx, nova } = setup();
    nova.add('direct', `${v.ed25519OpenSsh} me@host`);
    const first = await describeKeyPairs(ctx, nova, {});
    const second = await describeKeyPairs(ctx, nova, {});
    expect(first[0]).toMatchObject({ KeyName: 'direct', KeyType: 'ed25519', KeyFingerprint: v.ed25519Fingerprint, CreateTime: '2026-01-02T03:04:05.000Z' });
    expect(second[0]!.KeyPairId).toBe(first[0]!.KeyPairId);
    expect(nova.gets).toBe(1);
  });

  it('shows keys of other types with Nova fingerprint and no key type', () => {
    const record = recordFromNova({ name: 'ec', public_key: v.ecdsaOpenSsh, fingerprint: '12:34' }, undefined);
    expect(record.fingerprint).toBe('12:34');
    expect(record.keyType).toBeUndefined();
  });

  it('treats a name that now holds another key as a new key pair', async () => {
    const { ctx, nova } = setup();
    const oldId = await createThroughEc2(ctx, nova, 'k1');
    await putTags(ctx.store, [oldId], [{ Key: 'team', Value: 'a' }]);
    nova.keys.delete('k1');
    nova.add('k1', v.ed25519OpenSsh);
    const [info] = await describeKeyPairs(ctx, nova, {});
    expect(info!.KeyPairId).not.toBe(oldId);
    expect(info).toMatchObject({ KeyType: 'ed25519', KeyFingerprint: v.ed25519Fingerprint, Tags: [] });
    expect(await uuidOf(ctx.store, oldId)).toBeUndefined();
    await expect(describeKeyPairs(ctx, nova, { KeyPairIds: [oldId] })).rejects.toMatchObject({ code: 'InvalidKeyPair.NotFound' });
  });

  it('forgets id and tags on delete, and a re-created name gets a new id', async () => {
    const { ctx, nova } = setup();
    const id = await createThroughEc2(ctx, nova, 'k1');
    await putTags(ctx.store, [id], [{ Key: 'team', Value: 'a' }]);
    await deleteKeyPair(ctx, nova, { name: 'k1' });
    expect(nova.keys.has('k1')).toBe(false);
    expect(await uuidOf(ctx.store, id)).toBeUndefined();
    expect((await tagsOf(ctx.store, [id])).get(id)).toBeUndefined();
    const again = await createThroughEc2(ctx, nova, 'k1');
    expect(again).not.toBe(id);
  });

  it('deletes by id, and deleting what does not exist succeeds', async () => {
    const { ctx, nova } = setup();
    const id = await createThroughEc2(ctx, nova, 'k1');
    await deleteKeyPair(ctx, nova, { id });
    expect(nova.keys.size).toBe(0);
    await expect(deleteKeyPair(ctx, nova, { id })).resolves.toBeUndefined();
    await expect(deleteKeyPair(ctx, nova, { name: 'never-was' })).resolves.toBeUndefined();
    await expect(deleteKeyPair(ctx, nova, { id: 'not-an-id' })).rejects.toMatchObject({ code: 'InvalidKeyPair.Malformed' });
  });

  it('deleting by the id of a replaced key leaves the new key alone', async () => {
    const { ctx, nova } = setup();
    const oldId = await createThroughEc2(ctx, nova, 'k1');
    nova.keys.delete('k1');
    nova.add('k1', v.ed25519OpenSsh);
    await deleteKeyPair(ctx, nova, { id: oldId });
    expect(nova.keys.has('k1')).toBe(true);
    expect(await uuidOf(ctx.store, oldId)).toBeUndefined();
  });

  it('answers NotFound for unknown names and ids, Malformed for bad ids', async () => {
    const { ctx, nova } = setup();
    await createThroughEc2(ctx, nova, 'k1');
    await expect(describeKeyPairs(ctx, nova, { KeyNames: ['k1', 'nope'] })).rejects.toMatchObject({
      code: 'InvalidKeyPair.NotFound',
      message: "The key pair 'nope' does not exist",
    });
    await expect(describeKeyPairs(ctx, nova, { KeyPairIds: ['key-0123456789abcdef0'] })).rejects.toMatchObject({
      code: 'InvalidKeyPair.NotFound',
    });
    await expect(describeKeyPairs(ctx, nova, { KeyPairIds: ['i-0123456789abcdef0'] })).rejects.toMatchObject({
      code: 'InvalidKeyPair.Malformed',
    });
  });

  it("never shows another user's key pair, even in the same project", async () => {
    const { ctx, nova } = setup();
    const id = await createThroughEc2(ctx, nova, 'k1');
    const other = otherUser(ctx);
    const othersNova = new FakeNova();
    await expect(describeKeyPairs(other, othersNova, { KeyPairIds: [id] })).rejects.toMatchObject({ code: 'InvalidKeyPair.NotFound' });
    await deleteKeyPair(other, othersNova, { id });
    expect(nova.keys.has('k1')).toBe(true);
    expect(await uuidOf(ctx.store, id)).toBeDefined();
  });

  it('filters by name, id, fingerprint, type and tags', async () => {
    const { ctx, nova } = setup();
    const a = await createThroughEc2(ctx, nova, 'alpha', v.rsaOpenSsh, 'fp-a');
    nova.add('beta', v.ed25519OpenSsh);
    await putTags(ctx.store, [a], [{ Key: 'team', Value: 'blue' }]);
    const names = async (filters: Array<{ Name: string; Values: string[] }>) =>
      (await describeKeyPairs(ctx, nova, { Filters: filters })).map((k) => k.KeyName);
    expect(await names([{ Name: 'key-type', Values: ['ed25519'] }])).toEqual(['beta']);
    expect(await names([{ Name: 'fingerprint', Values: ['fp-*'] }])).toEqual(['alpha']);
    expect(await names([{ Name: 'key-pair-id', Values: [a] }])).toEqual(['alpha']);
    expect(await names([{ Name: 'key-name', Values: ['?eta'] }])).toEqual(['beta']);
    expect(await names([{ Name: 'tag:team', Values: ['blue'] }])).toEqual(['alpha']);
    expect(await names([{ Name: 'tag-key', Values: ['team'] }])).toEqual(['alpha']);
    await expect(names([{ Name: 'bogus', Values: ['x'] }])).rejects.toMatchObject({ code: 'InvalidParameterValue' });
    const byName = await describeKeyPairs(ctx, nova, { KeyNames: ['beta'], KeyPairIds: [a] });
    expect(byName.map((k) => k.KeyName)).toEqual(['alpha', 'beta']);
  });

  it('forgets ids of key pairs deleted directly in Nova, after a grace period', async () => {
    const store = new MemoryStore();
    const ctx = fakeContext(store);
    const nova = new FakeNova();
    const id = await createThroughEc2(ctx, nova, 'k1');
    nova.keys.delete('k1');
    await describeKeyPairs(ctx, nova, {});
    expect(await uuidOf(store, id)).toBeDefined();
    for (const record of store.items.values()) record.createdAt = Date.now() - 3600_000;
    await describeKeyPairs(ctx, nova, {});
    expect(await uuidOf(store, id)).toBeUndefined();
  });

  it('keeps the id a concurrent describe gave to a key it saw before CreateKeyPair registered it', async () => {
    const { ctx, nova } = setup();
    const stored = await createInNova(nova, 'k1', v.rsaOpenSsh);
    const [seen] = await describeKeyPairs(ctx, nova, {});
    const id = await registerKeyPair(
      ctx,
      'k1',
      { keyType: 'rsa', fingerprint: 'created-fp', createTime: '2026-03-04T05:06:07.000Z', publicKeyDigest: publicKeyDigest(stored.public_key) },
      [{ Key: 'a', Value: 'b' }],
    );
    expect(id).toBe(seen!.KeyPairId);
    const [after] = await describeKeyPairs(ctx, nova, {});
    expect(after).toMatchObject({ KeyPairId: id, KeyFingerprint: 'created-fp', Tags: [{ Key: 'a', Value: 'b' }] });
  });

  it('reads ids and records with one query and tags with another once records carry their mapping', async () => {
    const store = new MemoryStore();
    const ctx = fakeContext(store);
    const nova = new FakeNova();
    await createThroughEc2(ctx, nova, 'k1');
    nova.add('direct', v.ed25519OpenSsh);
    await describeKeyPairs(ctx, nova, {});
    const prefixes = queriedPrefixes(store);
    const listed = await describeKeyPairs(ctx, nova, {});
    expect(listed.map((k) => k.KeyName).sort()).toEqual(['direct', 'k1']);
    expect(prefixes.sort()).toEqual(['keypair#', 'tag#key-']);
  });

  it('reads records of the earlier layout (no mapping on the record) and rewrites them with it', async () => {
    const store = new MemoryStore();
    const ctx = fakeContext(store);
    const nova = new FakeNova();
    const id = await createThroughEc2(ctx, nova, 'k1');
    const goneId = await createThroughEc2(ctx, nova, 'gone');
    await putTags(store, [id], [{ Key: 'team', Value: 'a' }]);
    // The earlier release's records: the JSON alone, as putJson wrote them.
    for (const key of [`keypair#${id}`, `keypair#${goneId}`]) {
      const { data, createdAt } = store.items.get(key)!;
      store.items.set(key, { project: store.projectId, key, data, createdAt });
    }
    nova.keys.delete('gone');
    for (const record of store.items.values()) if (record.key.includes(goneId) || record.key.endsWith(':gone')) record.createdAt = Date.now() - 3600_000;

    const [info] = await describeKeyPairs(ctx, nova, {});
    expect(info).toMatchObject({ KeyPairId: id, KeyName: 'k1', KeyFingerprint: 'created-fp', Tags: [{ Key: 'team', Value: 'a' }] });
    expect(nova.gets).toBe(0);
    expect(store.items.get(`keypair#${id}`)).toMatchObject({ uuid: `${ctx.caller.userId}:k1`, ec2Id: id });
    // The deleted key pair's mapping was found through the mapping items, and forgotten.
    expect(await uuidOf(store, goneId)).toBeUndefined();
    expect(store.items.has(`keypair#${goneId}`)).toBe(false);

    const prefixes = queriedPrefixes(store);
    expect((await describeKeyPairs(ctx, nova, {}))[0]).toMatchObject({ KeyPairId: id, KeyFingerprint: 'created-fp' });
    expect(prefixes.sort()).toEqual(['keypair#', 'tag#key-']);
  });

  it('lets the mapping items decide when a record has no mapping any more, and drops it after the grace period', async () => {
    const store = new MemoryStore();
    const ctx = fakeContext(store);
    const nova = new FakeNova();
    const id = await createThroughEc2(ctx, nova, 'k1');
    // A describe that listed k1 before a delete wrote its record after the delete had forgotten it.
    const stray = 'key-0123456789abcdef0';
    store.items.set(`keypair#${stray}`, { ...store.items.get(`keypair#${id}`)!, key: `keypair#${stray}`, ec2Id: stray });
    const [info] = await describeKeyPairs(ctx, nova, {});
    expect(info!.KeyPairId).toBe(id);
    expect(store.items.has(`keypair#${stray}`)).toBe(true);
    store.items.get(`keypair#${stray}`)!.createdAt = Date.now() - 3600_000;
    await describeKeyPairs(ctx, nova, {});
    expect(store.items.has(`keypair#${stray}`)).toBe(false);
    expect((await describeKeyPairs(ctx, nova, {}))[0]!.KeyPairId).toBe(id);
  });
});
