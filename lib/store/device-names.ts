/**
 * Device names exactly as the client asked for them. The hypervisor picks its own names (Nova may
 * report /dev/vdb for /dev/xvdh, or nothing while attaching), and AWS always shows the name the
 * client gave: one item per attachment, `device#<server uuid>#<volume uuid>` -> name, written by
 * AttachVolume and RunInstances, read by DescribeVolumes and DescribeInstances.
 */
import type { StateStore } from './project-store.js';

const deviceKey = (serverUuid: string, volumeUuid: string) => `device#${serverUuid}#${volumeUuid}`;

/** `<server uuid>/<volume uuid>`: how answers are keyed. */
export const attachmentKey = (serverUuid: string, volumeUuid: string) => `${serverUuid}/${volumeUuid}`;

export async function rememberDeviceName(store: StateStore, serverUuid: string, volumeUuid: string, name: string): Promise<void> {
  await store.put(deviceKey(serverUuid, volumeUuid), { value: name });
}

export async function forgetDeviceName(store: StateStore, serverUuid: string, volumeUuid: string): Promise<void> {
  await store.delete(deviceKey(serverUuid, volumeUuid));
}

/** The names asked for these attachments (one batch read), by attachmentKey. */
export async function deviceNamesOf(store: StateStore, attachments: Array<{ serverUuid: string; volumeUuid: string }>): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (attachments.length === 0) return out;
  const records = await store.getMany(attachments.map((a) => deviceKey(a.serverUuid, a.volumeUuid)));
  for (const a of attachments) {
    const name = records.get(deviceKey(a.serverUuid, a.volumeUuid))?.value;
    if (name) out.set(attachmentKey(a.serverUuid, a.volumeUuid), name);
  }
  return out;
}
