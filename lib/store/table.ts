/**
 * The single state table: partition key = OpenStack project id (so one tenant's items can never be
 * read with another's key), sort key = item key. Items carry a few typed attributes and a JSON
 * `data` string for anything richer, which keeps the schema stable as families add record kinds.
 */
import { DynamoDB, type AttributeValue, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import dynamoose from 'dynamoose';
import type { Item as DynamooseItem } from 'dynamoose/dist/Item.js';
import { config } from '../config.js';
import { waitFor } from '../wait.js';
import { TableHttpClient, type TableCalls } from './table-client.js';

export interface StateRecord {
  project: string;
  key: string;
  uuid?: string;
  ec2Id?: string;
  value?: string;
  data?: string;
  createdAt?: number;
  /** Epoch seconds; the table's TTL attribute (records past it are also ignored on read). */
  expiresAt?: number;
}

type StateItem = DynamooseItem & StateRecord;

const schema = new dynamoose.Schema(
  {
    project: { type: String, hashKey: true },
    key: { type: String, rangeKey: true },
    uuid: String,
    ec2Id: String,
    value: String,
    data: String,
    createdAt: Number,
    expiresAt: Number,
  },
  { saveUnknown: false, timestamps: false },
);

let model: ReturnType<typeof dynamoose.model<StateItem>> | undefined;
let client: DynamoDB | undefined;

export function dynamoClient(overrides: DynamoDBClientConfig = {}): DynamoDB {
  const t = config().table;
  return new DynamoDB({
    ...overrides,
    region: t.region,
    ...(t.endpoint
      ? { endpoint: t.endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }
      : {}),
  });
}

/** The dynamoose model of the state table (the table itself is made by deployment or ensureTable). */
export function stateModel() {
  if (!model) {
    client = dynamoClient();
    dynamoose.aws.ddb.set(client);
    model = dynamoose.model<StateItem>(config().table.name, schema, { create: false, waitForActive: false });
  }
  return model;
}

/** Creates the table if it is missing: for local engines and tests; deployments declare it. */
export async function ensureTable(): Promise<void> {
  const ddb = dynamoClient();
  const name = config().table.name;
  try {
    await ddb.describeTable({ TableName: name });
    return;
  } catch (error) {
    if ((error as { name?: string }).name !== 'ResourceNotFoundException') throw error;
  }
  await ddb.createTable({
    TableName: name,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: 'project', AttributeType: 'S' },
      { AttributeName: 'key', AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: 'project', KeyType: 'HASH' },
      { AttributeName: 'key', KeyType: 'RANGE' },
    ],
  });
  const active = await waitFor(
    async () => ((await ddb.describeTable({ TableName: name })).Table?.TableStatus === 'ACTIVE' ? true : undefined),
    { timeoutMs: 10_000, intervalMs: 100 },
  );
  if (active) return;
  throw new Error(`table ${name} did not become ACTIVE`);
}

let hotClient: TableCalls | undefined;

/**
 * The table's client and name for the hot paths (get, batch get, query, put, delete, batch
 * writes): they skip dynamoose's per-item schema work, which cost more CPU than the rest of a
 * Describe (about half a millisecond per item read) and about as much again per write. The
 * dynamoose schema above stays the declaration of the item's fields (`recordOfItem` and
 * `itemOfRecord` follow it; a unit test holds them to it) and serves the rare scans.
 *
 * One client per container, made on first use. It is lib/store/table-client.ts (signed JSON over a
 * keep-alive connection, the SDK's retries), not the SDK's client, whose per-call CPU was most of
 * a table call's cost (issue 15, docs/benchmarks.md); EC2_AWS_CLIENT=sdk goes back to the SDK's.
 * Its endpoint and credentials are the SDK client's, resolved by the SDK as always.
 */
export function tableClient(): { ddb: TableCalls; tableName: string } {
  stateModel();
  hotClient ??= config().table.client === 'sdk' ? client! : httpTableClient(client!);
  return { ddb: hotClient, tableName: config().table.name };
}

function httpTableClient(sdk: DynamoDB): TableHttpClient {
  const t = config().table;
  return new TableHttpClient({
    // Without a configured endpoint, the SDK's endpoint rules pick the region's (FIPS and dual-stack
    // settings of the environment included), once.
    endpoint: t.endpoint ?? (async () => {
      const [UseFIPS, UseDualStack] = await Promise.all([sdk.config.useFipsEndpoint(), sdk.config.useDualstackEndpoint()]);
      return sdk.config.endpointProvider({ Region: t.region, UseFIPS, UseDualStack, AccountIdEndpointMode: 'disabled' }).url.href;
    }),
    region: t.region,
    // The SDK's provider chain (environment, shared files, container and instance roles), refreshed
    // by the SDK before expiry: the same credentials the SDK's client signs with.
    credentials: sdk.config.credentials,
  });
}

export type TableItem = Record<string, AttributeValue>;

export const STRING_FIELDS = ['project', 'key', 'uuid', 'ec2Id', 'value', 'data'] as const;
export const NUMBER_FIELDS = ['createdAt', 'expiresAt'] as const;

/** The schema's declared attributes and their DynamoDB types ('S', 'N'), to check the lists above against. */
export function schemaFields(): Map<string, string> {
  return new Map(schema.attributes().map((name) => [name, String(schema.getAttributeType(name))]));
}

/** A raw item as a record: the schema's fields only (strings and numbers), as dynamoose reads them. */
export function recordOfItem(item: TableItem): StateRecord {
  const record: Partial<Record<keyof StateRecord, string | number>> = {};
  for (const field of STRING_FIELDS) {
    const value = item[field]?.S;
    if (value !== undefined) record[field] = value;
  }
  for (const field of NUMBER_FIELDS) {
    const value = item[field]?.N;
    if (value !== undefined) record[field] = Number(value);
  }
  return record as StateRecord;
}

/**
 * A record as the item written (what dynamoose's `saveUnknown: false` schema wrote): the schema's
 * fields only, absent ones left out. A field of the wrong type is a programming error, refused
 * before anything is written, as dynamoose's validation refused it.
 */
export function itemOfRecord(record: StateRecord): TableItem {
  const item: TableItem = {};
  const fields = record as unknown as Record<string, unknown>;
  for (const field of STRING_FIELDS) {
    const value = fields[field];
    if (value === undefined) continue;
    if (typeof value !== 'string') throw new TypeError(`state record field ${field} must be a string, not ${typeof value}`);
    item[field] = { S: value };
  }
  for (const field of NUMBER_FIELDS) {
    const value = fields[field];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isFinite(value)) throw new TypeError(`state record field ${field} must be a finite number`);
    item[field] = { N: String(value) };
  }
  return item;
}
