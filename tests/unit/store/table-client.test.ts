import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDB } from '@aws-sdk/client-dynamodb';
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AwsServiceError } from '../../../lib/aws-http.js';
import { TableHttpClient } from '../../../lib/store/table-client.js';

/**
 * lib/store/table-client.ts against a server that answers as DynamoDB's JSON protocol does, scripted
 * per test: what is sent (and signed), how answers and error answers come back, and which failures
 * are tried again (DynamoDB's throttling must be; a failed condition must not).
 */
interface Seen {
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}
type Answer = (res: ServerResponse, seen: Seen) => void;
let script: Answer[] = [];
const seen: Seen[] = [];
const server = createServer((req, res) => {
  let body = '';
  req.on('data', (c: Buffer) => (body += c.toString('utf8')));
  req.on('end', () => {
    const request = { url: req.url ?? '', headers: req.headers, body };
    seen.push(request);
    (script.shift() ?? ok({}))(res, request);
  });
});
let endpoint = '';
beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));
beforeEach(() => {
  script = [];
  seen.length = 0;
});

const ok =
  (output: unknown): Answer =>
  (res) => {
    res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': 'req-1' });
    res.end(JSON.stringify(output));
  };
const failure =
  (status: number, type: string, message = 'refused'): Answer =>
  (res) => {
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': 'req-2' });
    res.end(JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${type}`, message }));
  };
/** The connection dropped before any answer (a keep-alive socket the server had closed). */
const dropped: Answer = (res) => res.socket?.destroy();

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const client = () => new TableHttpClient({ endpoint, region: 'eu-west-1', credentials, baseDelayMs: 1 });
const key = { project: { S: 'p1' }, key: { S: 'id#vol-0123456789abcdef0' } };
const item = { ...key, uuid: { S: 'u-1' }, createdAt: { N: '1764400000000' } };

describe('TableHttpClient', () => {
  it('sends the operation as DynamoDB JSON 1.0, the input as the body, and reads the output', async () => {
    script = [ok({ Item: item })];
    const answer = await client().getItem({ TableName: 't', Key: key, ConsistentRead: true });
    expect(answer.Item).toEqual(item);
    expect(answer.$metadata).toMatchObject({ httpStatusCode: 200, requestId: 'req-1', attempts: 1 });
    const [sent] = seen;
    expect(sent!.headers['x-amz-target']).toBe('DynamoDB_20120810.GetItem');
    expect(sent!.headers['content-type']).toBe('application/x-amz-json-1.0');
    expect(JSON.parse(sent!.body)).toEqual({ TableName: 't', Key: key, ConsistentRead: true });
  });

  it('posts to the endpoint\'s own path, signed with it', async () => {
    await new TableHttpClient({ endpoint: `${endpoint}/dynamodb/`, region: 'eu-west-1', credentials }).getItem({ TableName: 't', Key: key });
    await client().getItem({ TableName: 't', Key: key });
    expect(seen.map((s) => s.url)).toEqual(['/dynamodb/', '/']);
  });

  it('sends each operation under its own target', async () => {
    const ddb = client();
    await ddb.batchGetItem({ RequestItems: { t: { Keys: [key] } } });
    await ddb.query({ TableName: 't', KeyConditionExpression: '#p = :p', ExpressionAttributeNames: { '#p': 'project' }, ExpressionAttributeValues: { ':p': { S: 'p1' } } });
    await ddb.putItem({ TableName: 't', Item: item, ConditionExpression: 'attribute_not_exists(#k)', ExpressionAttributeNames: { '#k': 'key' } });
    await ddb.deleteItem({ TableName: 't', Key: key });
    await ddb.batchWriteItem({ RequestItems: { t: [{ PutRequest: { Item: item } }, { DeleteRequest: { Key: key } }] } });
    expect(seen.map((s) => s.headers['x-amz-target'])).toEqual(
      ['BatchGetItem', 'Query', 'PutItem', 'DeleteItem', 'BatchWriteItem'].map((op) => `DynamoDB_20120810.${op}`),
    );
    expect(JSON.parse(seen[4]!.body)).toEqual({ RequestItems: { t: [{ PutRequest: { Item: item } }, { DeleteRequest: { Key: key } }] } });
  });

  it('signs with SigV4 for dynamodb in its region, as the SDK signer computes it for the bytes sent', async () => {
    await client().getItem({ TableName: 't', Key: key });
    const [sent] = seen;
    const authorization = String(sent!.headers.authorization);
    const date = String(sent!.headers['x-amz-date']);
    expect(authorization).toMatch(new RegExp(`^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/${date.slice(0, 8)}/eu-west-1/dynamodb/aws4_request, `));
    const signedHeaders = /SignedHeaders=([^,]+)/.exec(authorization)![1]!.split(';');
    expect(signedHeaders).toEqual(expect.arrayContaining(['host', 'x-amz-date', 'x-amz-target', 'content-type']));
    // Recomputed from what the server received, with the SDK signer and a pure-JS SHA-256.
    const url = new URL(endpoint);
    const headers = Object.fromEntries(signedHeaders.map((name) => [name, String(sent!.headers[name])]));
    const expected = await new SignatureV4({ credentials, region: 'eu-west-1', service: 'dynamodb', sha256: Sha256, applyChecksum: false }).sign(
      new HttpRequest({ method: 'POST', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: '/', headers, body: sent!.body }),
      { signingDate: new Date(`${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 11)}:${date.slice(11, 13)}:${date.slice(13, 15)}Z`) },
    );
    expect(authorization).toBe(expected.headers['authorization']);
  });

  it('turns an error answer into an error named as the SDK names it, with its status; a failed condition is not tried again', async () => {
    script = [failure(400, 'ConditionalCheckFailedException', 'The conditional request failed')];
    const error = await client()
      .putItem({ TableName: 't', Item: item, ConditionExpression: 'attribute_not_exists(#k)', ExpressionAttributeNames: { '#k': 'key' } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwsServiceError);
    expect(error).toMatchObject({ name: 'ConditionalCheckFailedException', message: 'The conditional request failed', $fault: 'client' });
    expect((error as AwsServiceError).$metadata).toMatchObject({ httpStatusCode: 400, requestId: 'req-2', attempts: 1 });
    expect(seen).toHaveLength(1);
  });

  it('tries throttled calls again (ProvisionedThroughputExceeded, Throttling, 5xx) until one is answered', async () => {
    script = [failure(400, 'ProvisionedThroughputExceededException'), failure(400, 'ThrottlingException'), failure(500, 'InternalServerError'), ok({ Item: item })];
    const answer = await client().getItem({ TableName: 't', Key: key });
    expect(answer.Item).toEqual(item);
    expect(answer.$metadata.attempts).toBe(4);
    expect(seen).toHaveLength(4);
    // Each attempt is signed afresh, over the same body.
    expect(new Set(seen.map((s) => s.body)).size).toBe(1);
  });

  it('signs with the service\'s time after it refused a skewed signature, as the SDK does, and only then', async () => {
    const serverNow = Date.now() + 3_600_000;
    const skewed: Answer = (res) => {
      res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0', date: new Date(serverNow).toUTCString() });
      res.end(JSON.stringify({ __type: 'com.amazon.coral.service#InvalidSignatureException', message: 'Signature expired' }));
    };
    script = [skewed, ok({ Item: item })];
    const ddb = client();
    await expect(ddb.getItem({ TableName: 't', Key: key })).resolves.toMatchObject({ Item: item });
    const dateOf = (s: Seen) => Date.parse(String(s.headers['x-amz-date']).replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, '$1-$2-$3T$4:$5:$6Z'));
    expect(Math.abs(dateOf(seen[1]!) - serverNow)).toBeLessThan(60_000);
    await ddb.getItem({ TableName: 't', Key: key });
    expect(Math.abs(dateOf(seen[2]!) - serverNow)).toBeLessThan(60_000);
    // A signature refused while both clocks agree is not a clock problem: not tried again.
    seen.length = 0;
    script = [failure(400, 'InvalidSignatureException', 'The request signature we calculated does not match')];
    await expect(client().getItem({ TableName: 't', Key: key })).rejects.toMatchObject({ name: 'InvalidSignatureException' });
    expect(seen).toHaveLength(1);
  });

  it('gives up after its attempts with the last error', async () => {
    script = Array.from({ length: 5 }, () => failure(400, 'ProvisionedThroughputExceededException', 'slow down'));
    const error = await client()
      .query({ TableName: 't', KeyConditionExpression: '#p = :p', ExpressionAttributeNames: { '#p': 'project' }, ExpressionAttributeValues: { ':p': { S: 'p1' } } })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'ProvisionedThroughputExceededException', message: 'slow down' });
    expect(seen).toHaveLength(4);
  });

  it('tries again when the connection drops without an answer', async () => {
    script = [dropped, ok({ Responses: { t: [item] }, UnprocessedKeys: {} })];
    const answer = await client().batchGetItem({ RequestItems: { t: { Keys: [key] } } });
    expect(answer.Responses?.['t']).toEqual([item]);
    expect(seen).toHaveLength(2);
  });

  it('does not try a validation error again, and names an answer without a type by its status', async () => {
    script = [failure(400, 'ValidationException', 'One or more parameter values were invalid')];
    await expect(client().getItem({ TableName: 't', Key: key })).rejects.toMatchObject({ name: 'ValidationException' });
    expect(seen).toHaveLength(1);
    script = [(res) => res.writeHead(403).end('<html>forbidden</html>')];
    await expect(client().getItem({ TableName: 't', Key: key })).rejects.toMatchObject({ name: 'HTTP403', message: '<html>forbidden</html>' });
  });

  it('refuses binary attribute values instead of sending them wrong (the table holds strings and numbers)', async () => {
    await expect(client().putItem({ TableName: 't', Item: { ...key, blob: { B: new Uint8Array([1, 2]) } } })).rejects.toThrow(/binary attribute/);
    expect(seen).toHaveLength(0);
  });

  it('answers what the SDK client answers for the same exchange', async () => {
    const output = { Count: 1, ScannedCount: 1, Items: [item], LastEvaluatedKey: key };
    const input = { TableName: 't', KeyConditionExpression: '#p = :p', ExpressionAttributeNames: { '#p': 'project' }, ExpressionAttributeValues: { ':p': { S: 'p1' } }, Limit: 1 };
    script = [ok(output), ok(output)];
    const ours = await client().query(input);
    const sdk = await new DynamoDB({ endpoint, region: 'eu-west-1', credentials }).query(input);
    const { $metadata: _ours, ...oursOutput } = ours;
    const { $metadata: _sdk, ...sdkOutput } = sdk;
    expect(oursOutput).toEqual(sdkOutput);
    expect(JSON.parse(seen[0]!.body)).toEqual(JSON.parse(seen[1]!.body));
    expect(seen[0]!.headers['x-amz-target']).toBe(seen[1]!.headers['x-amz-target']);
  });
});
