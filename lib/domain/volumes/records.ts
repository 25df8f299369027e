/**
 * What the volumes family keeps in the state table beside id mappings and tags, per project:
 *   volume#<vol-id>        {volumeType, clientToken}   written once by CreateVolume
 *   volume-io#<vol-id>     {autoEnableIO}              ModifyVolumeAttribute
 *   volume-token#<token>   {fingerprint, volumeId, volume}  CreateVolume's idempotency claim
 *   snapshot#<snap-id>     {encrypted, volumeId}       facts Cinder's snapshot does not carry
 *   volume-gc#<uuid>       {uuid, ec2Id?}              a volume gone from EC2 still to delete (lib/discards.ts)
 */
import type { ActionContext } from '../../context.js';

type Store = ActionContext['store'];

export interface VolumeRecord {
  volumeType?: string;
  clientToken?: string;
}

export interface SnapshotRecord {
  encrypted?: boolean;
  /**
   * The EC2 id of the volume the snapshot was made of, as first shown: AWS keeps showing it after
   * the volume is deleted, whatever becomes of the volume's own id mapping.
   */
  volumeId?: string;
}

const DAY = 24 * 3600;

export const volumeKey = (volumeId: string) => `volume#${volumeId}`;
export const volumeIoKey = (volumeId: string) => `volume-io#${volumeId}`;
export const volumeTokenKey = (token: string) => `volume-token#${token}`;
export const snapshotKey = (snapshotId: string) => `snapshot#${snapshotId}`;
export { VOLUME_GC_PREFIX, volumeGcKey } from '../../discards.js';

/** JSON records of many keys at once, by key. */
export async function readRecords<T>(store: Store, keys: string[]): Promise<Map<string, T>> {
  const out = new Map<string, T>();
  if (keys.length === 0) return out;
  for (const [key, record] of await store.getMany(keys)) {
    if (record.data !== undefined) out.set(key, JSON.parse(record.data) as T);
  }
  return out;
}

/** A deleted resource's records go after a day (a retried request can still find them meanwhile). */
export async function expireRecord(store: Store, key: string): Promise<void> {
  const record = await store.get(key);
  if (record?.data !== undefined) await store.put(key, { data: record.data }, { ttlSeconds: DAY });
}

export async function autoEnableIO(store: Store, volumeId: string): Promise<boolean> {
  return (await store.getJson<{ autoEnableIO?: boolean }>(volumeIoKey(volumeId)))?.autoEnableIO ?? false;
}

export async function setAutoEnableIO(store: Store, volumeId: string, value: boolean): Promise<void> {
  await store.putJson(volumeIoKey(volumeId), { autoEnableIO: value });
}
