/**
 * The launch record: what EC2 knows about an instance that a project member cannot read back from
 * Nova (its extended attributes are admin-only by default policy) or that Nova has no notion of
 * at all. RunInstances writes it; servers created directly in Nova get one on first sight
 * ("adopted"), so every reader (DescribeInstances with a member's token, the metadata function
 * with a service token) shows the same reservation id, launch index and root device name.
 *
 * Keyed by the Nova server id, `launch#<server uuid>`, since that is what both Nova listings and
 * the metadata agent's X-Instance-ID give; the record names its EC2 instance id.
 */
import type { NovaServer } from '../../openstack/nova.js';
import type { PutEntry, StateStore } from '../../store/project-store.js';
import type { Tag } from '../../store/tags.js';

export interface LaunchPort {
  portId: string;
  deviceIndex: number;
  /** Ports we created are deleted on termination unless the caller said otherwise. */
  deleteOnTermination: boolean;
  /** When AttachNetworkInterface attached it (absent: attached at launch). */
  attachedAt?: string;
  /** A port Nova made with the server (recorded only to keep its device index): Nova deletes it with the server. */
  madeByNova?: boolean;
}

export interface LaunchRecord {
  instanceId: string;
  serverId: string;
  /** 'ec2': launched by RunInstances; 'adopted': created outside EC2 and first seen later. */
  origin: 'ec2' | 'adopted';
  reservationId: string;
  launchIndex: number;
  /**
   * When RunInstances asked Nova, in Nova's whole seconds (Nova's `created` for adopted servers):
   * the ports Nova made for the server were created at or after it.
   */
  launchedAt?: string;
  /** The AMI asked for (servers booted from a volume show no image in Nova). */
  imageId?: string;
  keyName?: string;
  clientToken?: string;
  /** The user data as given (base64 of the exact bytes). */
  userData?: string;
  rootDeviceName?: string;
  rootDeviceType?: 'ebs' | 'instance-store';
  /** RunInstances' block device names as the client wrote them (AWS shows `sdh`, not `/dev/sdh`). */
  deviceNames?: string[];
  disableApiTermination?: boolean;
  disableApiStop?: boolean;
  shutdownBehavior?: 'stop' | 'terminate';
  /** Ports created for the instance before the launch (Nova deletes the ones it made itself). */
  ports?: LaunchPort[];
  /** Floating IPs allocated for AssociatePublicIpAddress: released on termination, as AWS does. */
  floatingIps?: string[];
  /** Work waiting until Nova has built the server: it creates volumes and ports only then. */
  pending?: {
    volumeTags?: Tag[];
    interfaceTags?: Tag[];
    /** Devices whose volumes must survive termination (launched with delete_on_termination true
     * so that a failed launch cannot leave them behind, switched once the server is built). */
    keepVolumes?: string[];
  };
  /** When StopInstances asked for the stop: tells it apart from a shutdown inside the instance. */
  stoppedByApiAt?: string;
  /** A resize started by ModifyInstanceAttribute that still needs Nova's confirmation. */
  resizePending?: boolean;
  /** Set when the instance is terminated: it stays visible as terminated for a while. */
  terminated?: {
    at: string;
    reason: { Code: string; Message: string };
    /** The server as last seen, minus its addresses (a terminated instance has none). */
    server: NovaServer;
  };
}

/** How long a terminated instance stays visible (AWS shows them for about an hour). */
export const TERMINATED_VISIBLE_SECONDS = 3600;

const PREFIX = 'launch#';
export const launchKey = (serverId: string) => `${PREFIX}${serverId}`;

const parse = (data: string | undefined): LaunchRecord | undefined => {
  if (!data) return undefined;
  try {
    return JSON.parse(data) as LaunchRecord;
  } catch {
    return undefined;
  }
};

export async function readLaunchRecord(store: StateStore, serverId: string): Promise<LaunchRecord | undefined> {
  return store.getJson<LaunchRecord>(launchKey(serverId));
}

/** Records of these servers, by server id. */
export async function readLaunchRecords(store: StateStore, serverIds: string[]): Promise<Map<string, LaunchRecord>> {
  const out = new Map<string, LaunchRecord>();
  if (serverIds.length === 0) return out;
  const records = await store.getMany(serverIds.map(launchKey));
  for (const r of records.values()) {
    const record = parse(r.data);
    if (record) out.set(record.serverId, record);
  }
  return out;
}

/** Every record of the project (one query), for listings of all instances. */
export async function readAllLaunchRecords(store: StateStore): Promise<Map<string, LaunchRecord>> {
  const out = new Map<string, LaunchRecord>();
  for (const r of await store.query(PREFIX)) {
    const record = parse(r.data);
    if (record) out.set(record.serverId, record);
  }
  return out;
}

/**
 * Writes a record. `ifAbsent` (adoption) answers false when one exists already; a terminated
 * record expires by itself.
 */
export async function writeLaunchRecord(store: StateStore, record: LaunchRecord, options: { ifAbsent?: boolean } = {}): Promise<boolean> {
  return store.putJson(launchKey(record.serverId), record, {
    ifAbsent: options.ifAbsent,
    ttlSeconds: record.terminated ? TERMINATED_VISIBLE_SECONDS : undefined,
  });
}

/** A new record of a launch as one item of a batch write (RunInstances writes them with its ids and tags). */
export function launchRecordItem(record: LaunchRecord): PutEntry {
  return { key: launchKey(record.serverId), fields: { data: JSON.stringify(record) } };
}

/** Changes some fields of a record (read, merge, write: one writer per instance at a time). */
export async function updateLaunchRecord(
  store: StateStore,
  serverId: string,
  change: (record: LaunchRecord) => LaunchRecord,
  fallback: () => LaunchRecord,
): Promise<LaunchRecord> {
  const current = (await readLaunchRecord(store, serverId)) ?? fallback();
  const next = change(current);
  await writeLaunchRecord(store, next);
  return next;
}

export async function deleteLaunchRecords(store: StateStore, serverIds: string[]): Promise<void> {
  await store.deleteMany(serverIds.map(launchKey));
}

/** The record of an instance terminated now: the server kept for display, its addresses dropped. */
export function terminatedRecord(
  record: LaunchRecord,
  server: NovaServer,
  reason: { Code: string; Message: string },
): LaunchRecord {
  const { addresses: _addresses, ...rest } = server;
  return {
    ...record,
    pending: undefined,
    terminated: {
      at: new Date().toISOString(),
      reason,
      server: { ...rest, addresses: {}, 'os-extended-volumes:volumes_attached': [] } as NovaServer,
    },
  };
}
