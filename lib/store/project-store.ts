/**
 * The state table seen by one project. Every read and write is keyed by the project id of the
 * authenticated caller, so tenants cannot reach each other's items by construction.
 *
 * Key layout (sort key):
 *   id#<ec2-id>                    -> uuid            EC2 id to OpenStack UUID
 *   os#<resource-type>#<uuid>      -> ec2Id           OpenStack UUID to EC2 id
 *   tag#<ec2-id>#<tag key>         -> value           tags
 *   obj#<ec2-id>                   -> data            EC2-only objects (route tables, dhcp options…)
 *   <family-defined prefix>#…      -> data            launch data, client tokens…
 */
import { invalidParameterValue } from '../protocol/errors.js';
import { timedTableCall } from '../log.js';
import type { WriteRequest } from '@aws-sdk/client-dynamodb';
import { itemOfRecord, recordOfItem, tableClient, type StateRecord, type TableItem } from './table.js';

export interface PutOptions {
  /** Write only if no item has this key; answers false when one exists. */
  ifAbsent?: boolean;
  /** Lifetime in seconds (the table's TTL attribute; also checked on read). */
  ttlSeconds?: number;
}

/** One record of a batch write: no condition is possible in a batch. */
export interface PutEntry {
  key: string;
  fields: Omit<StateRecord, 'project' | 'key'>;
  ttlSeconds?: number;
}

export interface Page<T> {
  items: T[];
  /** The last key read, to continue after it; absent on the last page. */
  lastKey?: string;
}

/**
 * DynamoDB refuses a sort key over 1,024 bytes with a ValidationException (a 500 to the client).
 * The parser bounds every parameter, so this is the backstop: a key that long cannot have been
 * written, so it is absent when read, and refused as the client's bad value when written.
 */
export const MAX_KEY_BYTES = 1024;
const storable = (key: string) => Buffer.byteLength(key, 'utf8') <= MAX_KEY_BYTES;
function assertStorable(key: string): void {
  if (!storable(key)) throw invalidParameterValue('A value in this request is too long to be an identifier or name.');
}

const CONDITIONAL_FAILED = 'ConditionalCheckFailedException';
const BATCH_GET_LIMIT = 100;
/** BatchWriteItem's limit, puts and deletes alike. */
const BATCH_WRITE_LIMIT = 25;

const chunks = <T>(items: T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

const isConditionalFailure = (error: unknown) =>
  (error as { name?: string; code?: string }).name === CONDITIONAL_FAILED ||
  (error as { code?: string }).code === CONDITIONAL_FAILED ||
  String((error as Error).message ?? '').includes('conditional request failed');

/** The partition of what every project shares: ids of public and shared images (lib/store/ids.ts). */
export const REGION_PARTITION = '_region';

/** The state table as one project sees it (ProjectStore; tests may use an in-memory fake). */
export interface StateStore {
  readonly projectId: string;
  /** The region-wide partition (absent: ids are never shared, as in unit tests' fakes). */
  readonly region?: StateStore;
  get(key: string): Promise<StateRecord | undefined>;
  getMany(keys: string[]): Promise<Map<string, StateRecord>>;
  put(key: string, fields: Omit<StateRecord, 'project' | 'key'>, options?: PutOptions): Promise<boolean>;
  putJson(key: string, data: unknown, options?: PutOptions): Promise<boolean>;
  getJson<T>(key: string): Promise<T | undefined>;
  delete(key: string): Promise<void>;
  deleteMany(keys: string[]): Promise<void>;
  /** Unconditional writes of many records in batches (BatchWriteItem); see `putAll` for stores without it. */
  putMany?(entries: PutEntry[]): Promise<void>;
  queryPage(prefix: string, limit: number, startAfter?: string): Promise<Page<StateRecord>>;
  query(prefix: string): Promise<StateRecord[]>;
}

export class ProjectStore implements StateStore {
  constructor(readonly projectId: string) {
    if (!projectId) throw new Error('a project id is required to reach the state table');
  }

  get region(): StateStore | undefined {
    return this.projectId === REGION_PARTITION ? undefined : storeFor(REGION_PARTITION);
  }

  private live(record: StateRecord | undefined): StateRecord | undefined {
    if (!record) return undefined;
    if (record.expiresAt !== undefined && record.expiresAt * 1000 <= Date.now()) return undefined;
    return record;
  }

  private keyOf(key: string): TableItem {
    return { project: { S: this.projectId }, key: { S: key } };
  }

  async get(key: string): Promise<StateRecord | undefined> {
    if (!storable(key)) return undefined;
    const { ddb, tableName } = tableClient();
    const { Item } = await timedTableCall(ddb.getItem({ TableName: tableName, Key: this.keyOf(key) }));
    return this.live(Item ? recordOfItem(Item) : undefined);
  }

  /**
   * Reads many keys. Calls made in the same turn of the event loop (a describe's id check, its
   * records, the region's image ids), by any project, share one BatchGetItem: each table call costs
   * this process about a millisecond of CPU, which delays the OpenStack answer awaited beside it.
   * Each answer is matched by partition and key, so a project only ever gets its own items.
   */
  async getMany(keys: string[]): Promise<Map<string, StateRecord>> {
    const wanted = [...new Set(keys)].filter(storable);
    if (wanted.length === 0) return new Map();
    const all = await readTogether(this.projectId, wanted);
    const out = new Map<string, StateRecord>();
    for (const key of wanted) {
      const record = this.live(all.get(itemId(this.projectId, key)));
      if (record) out.set(key, record);
    }
    return out;
  }

  /** The record as written: the caller's fields, this project, the creation time and the lifetime. */
  private recordFor(key: string, fields: Omit<StateRecord, 'project' | 'key'>, now: number, ttlSeconds?: number): StateRecord {
    const record: StateRecord = { ...fields, project: this.projectId, key, createdAt: fields.createdAt ?? now };
    if (ttlSeconds) record.expiresAt = Math.floor(now / 1000) + ttlSeconds;
    return record;
  }

  /**
   * Writes a record; with `ifAbsent`, false means the key was already taken. An expired record
   * does not hold its key: the condition lets the write replace it in the same round trip.
   */
  async put(key: string, fields: Omit<StateRecord, 'project' | 'key'>, options: PutOptions = {}): Promise<boolean> {
    assertStorable(key);
    const now = Date.now();
    const { ddb, tableName } = tableClient();
    const Item = itemOfRecord(this.recordFor(key, fields, now, options.ttlSeconds));
    try {
      await timedTableCall(
        ddb.putItem({
          TableName: tableName,
          Item,
          ...(options.ifAbsent
            ? {
                ConditionExpression: 'attribute_not_exists(#key) OR #expiresAt <= :now',
                ExpressionAttributeNames: { '#key': 'key', '#expiresAt': 'expiresAt' },
                ExpressionAttributeValues: { ':now': { N: String(Math.floor(now / 1000)) } },
              }
            : {}),
        }),
      );
      return true;
    } catch (error) {
      if (options.ifAbsent && isConditionalFailure(error)) return false;
      throw error;
    }
  }

  async putJson(key: string, data: unknown, options: PutOptions = {}): Promise<boolean> {
    return this.put(key, { data: JSON.stringify(data) }, options);
  }

  async getJson<T>(key: string): Promise<T | undefined> {
    const record = await this.get(key);
    return record?.data === undefined ? undefined : (JSON.parse(record.data) as T);
  }

  async delete(key: string): Promise<void> {
    if (!storable(key)) return;
    const { ddb, tableName } = tableClient();
    await timedTableCall(ddb.deleteItem({ TableName: tableName, Key: this.keyOf(key) }));
  }

  async deleteMany(keys: string[]): Promise<void> {
    const requests = [...new Set(keys)].filter(storable).map((key): WriteRequest => ({ DeleteRequest: { Key: this.keyOf(key) } }));
    await Promise.all(chunks(requests, BATCH_WRITE_LIMIT).map((batch) => this.writeBatch(batch)));
  }

  /**
   * Batches of 25 sent together. A key given twice is written once, with its last fields (a batch
   * with a key twice is refused whole).
   */
  async putMany(entries: PutEntry[]): Promise<void> {
    for (const { key } of entries) assertStorable(key);
    const now = Date.now();
    const requests = [...new Map(entries.map((e) => [e.key, e])).values()].map(
      ({ key, fields, ttlSeconds }): WriteRequest => ({ PutRequest: { Item: itemOfRecord(this.recordFor(key, fields, now, ttlSeconds)) } }),
    );
    await Promise.all(chunks(requests, BATCH_WRITE_LIMIT).map((batch) => this.writeBatch(batch)));
  }

  /** One BatchWriteItem; what DynamoDB leaves unprocessed is written one item at a time. */
  private async writeBatch(batch: WriteRequest[]): Promise<void> {
    const { ddb, tableName } = tableClient();
    const answer = await timedTableCall(ddb.batchWriteItem({ RequestItems: { [tableName]: batch } }));
    await Promise.all(
      (answer.UnprocessedItems?.[tableName] ?? []).map((request) =>
        request.PutRequest?.Item
          ? timedTableCall(ddb.putItem({ TableName: tableName, Item: request.PutRequest.Item }))
          : request.DeleteRequest?.Key
            ? timedTableCall(ddb.deleteItem({ TableName: tableName, Key: request.DeleteRequest.Key }))
            : undefined,
      ),
    );
  }

  /** One page of records whose key starts with `prefix`, in key order, after `startAfter`. */
  async queryPage(prefix: string, limit: number, startAfter?: string): Promise<Page<StateRecord>> {
    if (!storable(prefix)) return { items: [] };
    const { ddb, tableName } = tableClient();
    const answer = await timedTableCall(
      ddb.query({
        TableName: tableName,
        KeyConditionExpression: '#project = :project AND begins_with(#key, :prefix)',
        ExpressionAttributeNames: { '#project': 'project', '#key': 'key' },
        ExpressionAttributeValues: { ':project': { S: this.projectId }, ':prefix': { S: prefix } },
        Limit: limit,
        ...(startAfter ? { ExclusiveStartKey: this.keyOf(startAfter) } : {}),
      }),
    );
    const items = (answer.Items ?? []).map(recordOfItem).flatMap((r) => (this.live(r) ? [r] : []));
    const lastKey = answer.LastEvaluatedKey?.['key']?.S;
    return lastKey ? { items, lastKey } : { items };
  }

  /** Every record whose key starts with `prefix`. */
  async query(prefix: string): Promise<StateRecord[]> {
    const out: StateRecord[] = [];
    let startAfter: string | undefined;
    do {
      const page = await this.queryPage(prefix, 1000, startAfter);
      out.push(...page.items);
      startAfter = page.lastKey;
    } while (startAfter);
    return out;
  }
}

/** Partition and sort key as one string: a project id never holds a line break, so none is ambiguous. */
const itemId = (project: string, key: string) => `${project}\n${key}`;

/** The keys getMany calls asked for in this turn, and the one read that answers them all. */
interface PendingRead {
  items: Map<string, { project: string; key: string }>;
  answer: Promise<Map<string, StateRecord>>;
}
let pendingRead: PendingRead | undefined;

/** Joins the read being gathered in this turn (or starts one, sent once this turn's code has run). */
function readTogether(project: string, keys: string[]): Promise<Map<string, StateRecord>> {
  let batch = pendingRead;
  if (!batch || batch.items.size + keys.length > BATCH_GET_LIMIT) {
    const pending: PendingRead = { items: new Map(), answer: Promise.resolve(new Map()) };
    pending.answer = new Promise<void>((resolve) => queueMicrotask(resolve)).then(() => {
      if (pendingRead === pending) pendingRead = undefined;
      return batchGet([...pending.items.values()]);
    });
    pendingRead = batch = pending;
  }
  for (const key of keys) batch.items.set(itemId(project, key), { project, key });
  return batch.answer;
}

/** BatchGetItem in chunks of 100; records by itemId, expired ones included (each store judges its own). */
async function batchGet(items: Array<{ project: string; key: string }>): Promise<Map<string, StateRecord>> {
  const out = new Map<string, StateRecord>();
  const { ddb, tableName } = tableClient();
  for (const batch of chunks(items, BATCH_GET_LIMIT)) {
    const Keys = batch.map(({ project, key }) => ({ project: { S: project }, key: { S: key } }));
    const answer = await timedTableCall(ddb.batchGetItem({ RequestItems: { [tableName]: { Keys } } }));
    for (const item of answer.Responses?.[tableName] ?? []) {
      const record = recordOfItem(item);
      out.set(itemId(record.project, record.key), record);
    }
    // Keys DynamoDB could not serve this time are read one by one.
    for (const unprocessed of answer.UnprocessedKeys?.[tableName]?.Keys ?? []) {
      const project = unprocessed['project']?.S;
      const key = unprocessed['key']?.S;
      if (project === undefined || key === undefined) continue;
      const { Item } = await timedTableCall(ddb.getItem({ TableName: tableName, Key: { project: { S: project }, key: { S: key } } }));
      if (Item) out.set(itemId(project, key), recordOfItem(Item));
    }
  }
  return out;
}

const stores = new Map<string, ProjectStore>();
export function storeFor(projectId: string): StateStore {
  let store = stores.get(projectId);
  if (!store) {
    store = new ProjectStore(projectId);
    stores.set(projectId, store);
  }
  return store;
}

/** Writes many records: one batch write where the store has it, else one put each, in parallel. */
export async function putAll(store: StateStore, entries: PutEntry[]): Promise<void> {
  if (entries.length === 0) return;
  if (store.putMany) return store.putMany(entries);
  await Promise.all(entries.map((e) => store.put(e.key, e.fields, { ttlSeconds: e.ttlSeconds })));
}
