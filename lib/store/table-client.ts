/**
 * The state table's hot calls (GetItem, BatchGetItem, Query, PutItem, DeleteItem, BatchWriteItem)
 * sent as DynamoDB's JSON 1.0 protocol over lib/aws-http.ts, with the SDK's input and output types:
 * lib/store/project-store.ts calls either this or the SDK's client through `TableCalls`.
 *
 * Why not the SDK's client: each call cost this process 0.6–1.9 ms of CPU, during which the
 * OpenStack answer a describe waits for sits in the event loop; this costs 2–5× less. See
 * lib/aws-http.ts and docs/benchmarks.md.
 *
 * What the protocol is here: a POST of the operation's input as JSON, `X-Amz-Target:
 * DynamoDB_20120810.<Operation>`, `Content-Type: application/x-amz-json-1.0`; the answer is the
 * output as JSON; an error answer has `__type` (`com.amazonaws.dynamodb.v20120810#<Name>`) and
 * `message`. The input and output shapes of these six operations are the wire shapes, member for
 * member, as long as no attribute is binary (B, BS: base64 on the wire, bytes in the SDK's types):
 * the state table's items hold strings and numbers only (lib/store/table.ts), and a binary value
 * is refused here rather than sent wrong.
 *
 * Not checked: DynamoDB's `x-amz-crc32` header of the answer. The JS SDK v3 does not check it
 * either (only the older SDKs did); a damaged answer fails JSON parsing or TCP's own checksum first.
 */
import type {
  BatchGetItemCommandInput,
  BatchGetItemCommandOutput,
  BatchWriteItemCommandInput,
  BatchWriteItemCommandOutput,
  DeleteItemCommandInput,
  DeleteItemCommandOutput,
  GetItemCommandInput,
  GetItemCommandOutput,
  PutItemCommandInput,
  PutItemCommandOutput,
  QueryCommandInput,
  QueryCommandOutput,
} from '@aws-sdk/client-dynamodb';
import { AwsJsonPoster, AwsServiceError, type AwsJsonAnswer, type AwsJsonTarget } from '../aws-http.js';

/** What the project store calls on the table: the SDK's DynamoDB client has these, and so does TableHttpClient. */
export interface TableCalls {
  getItem(input: GetItemCommandInput): Promise<GetItemCommandOutput>;
  batchGetItem(input: BatchGetItemCommandInput): Promise<BatchGetItemCommandOutput>;
  query(input: QueryCommandInput): Promise<QueryCommandOutput>;
  putItem(input: PutItemCommandInput): Promise<PutItemCommandOutput>;
  deleteItem(input: DeleteItemCommandInput): Promise<DeleteItemCommandOutput>;
  batchWriteItem(input: BatchWriteItemCommandInput): Promise<BatchWriteItemCommandOutput>;
}

const TARGET_PREFIX = 'DynamoDB_20120810.';
const CONTENT_TYPE = 'application/x-amz-json-1.0';

/** The error an answer carries, named as the SDK names it (`ConditionalCheckFailedException`…). */
export function tableErrorOf(answer: AwsJsonAnswer): AwsServiceError | undefined {
  if (answer.statusCode === 200) return undefined;
  let type = '';
  let message = '';
  try {
    const parsed = JSON.parse(answer.body) as { __type?: string; message?: string; Message?: string };
    type = parsed.__type ?? '';
    message = parsed.message ?? parsed.Message ?? '';
  } catch {
    message = answer.body.slice(0, 300);
  }
  const name = type.slice(type.lastIndexOf('#') + 1) || (answer.statusCode >= 500 ? 'InternalServerError' : `HTTP${answer.statusCode}`);
  const requestId = header(answer, 'x-amzn-requestid');
  return new AwsServiceError(name, message, answer.statusCode, requestId, answer.attempts);
}

const header = (answer: AwsJsonAnswer, name: string): string | undefined => {
  const value = answer.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/**
 * The JSON of an input, refusing binary attribute values (see the header: they would need base64).
 * A binary value is the only Uint8Array an input of these operations can hold.
 */
function wireJson(input: object): string {
  return JSON.stringify(input, function refuseBinary(this: Record<string, unknown>, key: string, value: unknown) {
    if (this[key] instanceof Uint8Array) throw new TypeError(`binary attribute values are not supported by the state table's client (${key})`);
    return value;
  });
}

export class TableHttpClient implements TableCalls {
  private readonly poster: AwsJsonPoster;

  constructor(target: Omit<AwsJsonTarget, 'service'>) {
    this.poster = new AwsJsonPoster({ ...target, service: 'dynamodb' });
  }

  private async call<T>(operation: string, input: object): Promise<T> {
    const answer = await this.poster.post(
      { path: '/', headers: { 'content-type': CONTENT_TYPE, 'x-amz-target': `${TARGET_PREFIX}${operation}` }, body: wireJson(input) },
      tableErrorOf,
    );
    const output = (answer.body ? JSON.parse(answer.body) : {}) as T;
    return Object.assign(output as object, {
      $metadata: { httpStatusCode: answer.statusCode, requestId: header(answer, 'x-amzn-requestid'), attempts: answer.attempts },
    }) as T;
  }

  getItem(input: GetItemCommandInput): Promise<GetItemCommandOutput> {
    return this.call('GetItem', input);
  }
  batchGetItem(input: BatchGetItemCommandInput): Promise<BatchGetItemCommandOutput> {
    return this.call('BatchGetItem', input);
  }
  query(input: QueryCommandInput): Promise<QueryCommandOutput> {
    return this.call('Query', input);
  }
  putItem(input: PutItemCommandInput): Promise<PutItemCommandOutput> {
    return this.call('PutItem', input);
  }
  deleteItem(input: DeleteItemCommandInput): Promise<DeleteItemCommandOutput> {
    return this.call('DeleteItem', input);
  }
  batchWriteItem(input: BatchWriteItemCommandInput): Promise<BatchWriteItemCommandOutput> {
    return this.call('BatchWriteItem', input);
  }

  destroy(): void {
    this.poster.destroy();
  }
}
