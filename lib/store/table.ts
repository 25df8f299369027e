/**
 * The single state table: partition key = OpenStack project id (so one tenant's items can never be
 * read with another's key), sort key = item key. Items carry a few typed attributes and a JSON
 * `data` string for anything richer, which keeps the schema stable as families add record kinds.
 */
import { DynamoDB, type AttributeValue } from '@aws-sdk/client-dynamodb';
import dynamoose from 'dynamoose';
import type { Item as DynamooseItem } from 'dynamoose/dist/Item.js';
import { config } from '../config.js';
import { waitFor } from '../wait.js';

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

export function dynamoClient(): DynamoDB {
  const t = config().table;
  return new DynamoDB({
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

export const recordOf = (item: StateItem): StateRecord => ({ ...(item.toJSON() as StateRecord) });

/**
 * The table's own client and name, for the hot read paths (get, batch get, query): they skip
 * dynamoose's per-item schema work, which cost more CPU than the rest of a Describe (about half a
 * millisecond per item read). Writes stay with the dynamoose model.
 */
export function tableClient(): { ddb: DynamoDB; tableName: string } {
  stateModel();
  return { ddb: client!, tableName: config().table.name };
}

export type TableItem = Record<string, AttributeValue>;

const STRING_FIELDS = ['project', 'key', 'uuid', 'ec2Id', 'value', 'data'] as const;
const NUMBER_FIELDS = ['createdAt', 'expiresAt'] as const;

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
