/**
 * How the front door reaches a family: in-process (`inline`), through the Lambda Invoke API
 * (`lambda`, served locally by serverless-offline on its lambdaPort), or through OpenWhisk's action
 * invoke REST API (`openwhisk`). Chosen by EC2_DISPATCH.
 */
import { InvokeCommand, LambdaClient, type LambdaClientConfig } from '@aws-sdk/client-lambda';
import got from 'got';
import { AwsJsonPoster, AwsServiceError, type AwsJsonAnswer, type AwsJsonTarget } from '../aws-http.js';
import type { AwsClientKind, Config } from '../config.js';
import type { FamilyHandler, FamilyRequest, FamilyResponse } from '../family.js';
import { serviceUnavailable, type Ec2Error } from '../protocol/errors.js';

export interface Dispatcher {
  invoke(family: string, request: FamilyRequest): Promise<FamilyResponse>;
  /** Does the first-use work of the way to the families now, ahead of the first request (never fails). */
  warmUp?(): Promise<void>;
}

export type FamilyLoader = (family: string) => Promise<FamilyHandler>;

export class InlineDispatcher implements Dispatcher {
  constructor(private readonly load: FamilyLoader) {}

  async invoke(family: string, request: FamilyRequest): Promise<FamilyResponse> {
    // A JSON round trip gives the family exactly what it would receive over the wire.
    const handler = await this.load(family);
    return handler(JSON.parse(JSON.stringify(request)) as FamilyRequest);
  }
}

/** One Lambda Invoke: what the function answered, and its FunctionError header when it failed. */
interface Invoker {
  invoke(functionName: string, invocationType: 'RequestResponse' | 'DryRun', payload: string): Promise<{ payload: string; functionError?: string }>;
}

/**
 * The Invoke API as a signed POST (lib/aws-http.ts): the SDK's client spent 0.6 ms of CPU of the
 * 1.9 ms an invoke took on this machine (issue 15), in its per-call machinery.
 */
class HttpInvoker implements Invoker {
  private readonly poster: AwsJsonPoster;

  constructor(endpoint: string, region: string, credentials: AwsJsonTarget['credentials']) {
    // One attempt: a failed invoke may have run the family; LambdaDispatcher decides about another.
    this.poster = new AwsJsonPoster({ endpoint, region, service: 'lambda', credentials, maxAttempts: 1, socketTimeoutMs: 900_000 });
  }

  async invoke(functionName: string, invocationType: 'RequestResponse' | 'DryRun', payload: string) {
    const answer = await this.poster.post(
      {
        path: `/2015-03-31/functions/${encodeURIComponent(functionName)}/invocations`,
        headers: { 'content-type': 'application/octet-stream', 'x-amz-invocation-type': invocationType },
        body: payload,
      },
      lambdaErrorOf,
    );
    const functionError = answer.headers['x-amz-function-error'];
    return { payload: answer.body, ...(functionError ? { functionError: String(functionError) } : {}) };
  }
}

/** Lambda's error answers: the type in x-amzn-errortype ("Name:uri"), the text in the body's message. */
function lambdaErrorOf(answer: AwsJsonAnswer): Error | undefined {
  if (answer.statusCode >= 200 && answer.statusCode < 300) return undefined;
  const type = String(answer.headers['x-amzn-errortype'] ?? '').split(':')[0];
  let message = answer.body.slice(0, 500);
  try {
    const parsed = JSON.parse(answer.body) as { message?: string; Message?: string };
    message = parsed.message ?? parsed.Message ?? message;
  } catch {
    // not JSON: the text as it came
  }
  const requestId = answer.headers['x-amzn-requestid'];
  return new AwsServiceError(type || `HTTP${answer.statusCode}`, message, answer.statusCode, requestId === undefined ? undefined : String(requestId), answer.attempts);
}

/** The AWS SDK's client (EC2_AWS_CLIENT=sdk). */
class SdkInvoker implements Invoker {
  private readonly client: LambdaClient;

  constructor(endpoint: string | undefined, region: string) {
    this.client = new LambdaClient(lambdaClientOptions(endpoint, region));
  }

  async invoke(functionName: string, invocationType: 'RequestResponse' | 'DryRun', payload: string) {
    const result = await this.client.send(new InvokeCommand({ FunctionName: functionName, InvocationType: invocationType, ...(payload ? { Payload: Buffer.from(payload) } : {}) }));
    const text = result.Payload ? Buffer.from(result.Payload).toString('utf8') : '';
    return { payload: text, ...(result.FunctionError ? { functionError: result.FunctionError } : {}) };
  }
}

export class LambdaDispatcher implements Dispatcher {
  private readonly invoker: Invoker;

  constructor(
    private readonly functionPrefix: string,
    endpoint: string | undefined,
    region: string,
    client: AwsClientKind = 'http',
  ) {
    this.invoker =
      client === 'sdk'
        ? new SdkInvoker(endpoint, region)
        : new HttpInvoker(
            endpoint ?? `https://lambda.${region}.amazonaws.com`,
            region,
            // Local: the emulator checks no signature. Deployed: the function's role, through the SDK
            // client's provider chain (the credentials it would sign with, refreshed before expiry).
            endpoint ? LOCAL_CREDENTIALS : new LambdaClient({ region }).config.credentials,
          );
  }

  /**
   * A cold front door's first invoke costs 15–40 ms more than the next ones: the client sets itself
   * up on first use and opens the connection. A DryRun invoke does that while the first request
   * still waits for Keystone: Lambda only checks the permission and runs nothing (serverless-offline
   * refuses the type, after the same client work).
   */
  async warmUp(): Promise<void> {
    await this.invoker.invoke(`${this.functionPrefix}instances`, 'DryRun', '').then(
      () => undefined,
      () => undefined,
    );
  }

  async invoke(family: string, request: FamilyRequest): Promise<FamilyResponse> {
    const functionName = `${this.functionPrefix}${family}`;
    const payload = JSON.stringify(request);
    let result;
    try {
      result = await this.invoker.invoke(functionName, 'RequestResponse', payload);
    } catch (error) {
      // The invoke itself failed (a dropped connection, the Lambda service refusing): ours, not the
      // caller's. Ask once more when the action only reads; otherwise the family may have acted.
      if (!isReadOnly(request.action)) throw unreachable(family, error);
      result = await this.invoker.invoke(functionName, 'RequestResponse', payload).catch((again: unknown) => {
        throw unreachable(family, again);
      });
    }
    if (result.functionError) throw new Error(`family ${family} failed: ${result.functionError} ${result.payload.slice(0, 500)}`);
    return JSON.parse(result.payload) as FamilyResponse;
  }
}

const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

/** The SDK client's options (EC2_AWS_CLIENT=sdk): one attempt, see LambdaDispatcher.invoke. */
export function lambdaClientOptions(endpoint: string | undefined, region: string): LambdaClientConfig {
  return {
    region,
    ...(endpoint ? { endpoint, credentials: LOCAL_CREDENTIALS } : {}),
    maxAttempts: 1,
  };
}

const isReadOnly = (action: string) => /^(Describe|Get)/.test(action);

function unreachable(family: string, error: unknown): Ec2Error {
  const reason = error instanceof Error ? error.message : String(error);
  return serviceUnavailable(`The ${family} function could not be reached (${reason}). Try again.`);
}

export class OpenWhiskDispatcher implements Dispatcher {
  constructor(private readonly settings: Config['dispatch']['openwhisk']) {}

  async invoke(family: string, request: FamilyRequest): Promise<FamilyResponse> {
    const { apiHost, auth, namespace, actionPrefix } = this.settings;
    const base = /^https?:\/\//.test(apiHost) ? apiHost : `https://${apiHost}`;
    const [user, pass] = auth.split(':');
    const name = `${actionPrefix}${family}`;
    return got
      .post(`${base}/api/v1/namespaces/${encodeURIComponent(namespace)}/actions/${name}`, {
        searchParams: { blocking: 'true', result: 'true' },
        username: user ?? '',
        password: pass ?? '',
        json: request,
        timeout: { request: 120_000 },
        retry: { limit: 0 },
      })
      .json<FamilyResponse>();
  }
}

export function createDispatcher(settings: Config['dispatch'], region: string, loadInline: FamilyLoader): Dispatcher {
  switch (settings.mode) {
    case 'lambda':
      return new LambdaDispatcher(settings.functionPrefix, settings.lambdaEndpoint, region, settings.lambdaClient);
    case 'openwhisk':
      return new OpenWhiskDispatcher(settings.openwhisk);
    default:
      return new InlineDispatcher(loadInline);
  }
}
