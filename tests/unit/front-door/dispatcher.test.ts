import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LambdaDispatcher, OpenWhiskDispatcher } from '../../../lib/dispatch/dispatcher.js';
import type { FamilyRequest } from '../../../lib/family.js';

/** Records what the dispatchers send; answers like the platform would. */
const seen: Array<{ method: string; url: string; headers: IncomingMessage['headers']; body: string }> = [];
const server = createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ output: { echoed: body ? (JSON.parse(body) as FamilyRequest).action : undefined } }));
  });
});
let base = '';
beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const request: FamilyRequest = {
  action: 'DescribeRegions',
  params: { 'RegionName.1': 'x' },
  context: {
    requestId: 'r',
    caller: { accessKey: 'a', projectId: 'p', projectName: 'n', userId: 'u', userName: 'n', roles: [], token: 't', tokenExpiresAt: '', endpoints: {} },
  },
};

describe('dispatchers', () => {
  it('lambda: invokes <prefix><family> through the Lambda Invoke API', async () => {
    const response = await new LambdaDispatcher('ec2-api-dev-', base, 'us-east-1').invoke('instances', request);
    expect(response).toEqual({ output: { echoed: 'DescribeRegions' } });
    const call = seen.at(-1)!;
    expect(call.method).toBe('POST');
    expect(call.url).toBe('/2015-03-31/functions/ec2-api-dev-instances/invocations');
    expect(JSON.parse(call.body)).toEqual(request);
  });

  it('lambda: warmUp sends a DryRun invoke (Lambda runs nothing) and never fails', async () => {
    await expect(new LambdaDispatcher('ec2-api-dev-', base, 'us-east-1').warmUp()).resolves.toBeUndefined();
    const call = seen.at(-1)!;
    expect([call.url, call.headers['x-amz-invocation-type'], call.body]).toEqual(['/2015-03-31/functions/ec2-api-dev-instances/invocations', 'DryRun', '']);
    // Nobody listening: still no failure (the first request reports the real one).
    await expect(new LambdaDispatcher('ec2-api-dev-', 'http://127.0.0.1:9', 'us-east-1').warmUp()).resolves.toBeUndefined();
  });

  it('openwhisk: invokes the family action blocking, with basic auth', async () => {
    const dispatcher = new OpenWhiskDispatcher({ apiHost: base, auth: 'user:pass', namespace: 'guest', actionPrefix: 'ec2-api/' });
    const response = await dispatcher.invoke('volumes', request);
    expect(response).toEqual({ output: { echoed: 'DescribeRegions' } });
    const call = seen.at(-1)!;
    expect(call.url).toBe('/api/v1/namespaces/guest/actions/ec2-api/volumes?blocking=true&result=true');
    expect(call.headers.authorization).toBe(`Basic ${Buffer.from('user:pass').toString('base64')}`);
    expect(JSON.parse(call.body)).toEqual(request);
  });
});
