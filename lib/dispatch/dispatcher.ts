/**
 * How the front door reaches a family: in-process (`inline`), through the Lambda Invoke API
 * (`lambda`, served locally by serverless-offline on its lambdaPort), or through OpenWhisk's action
 * invoke REST API (`openwhisk`). Chosen by EC2_DISPATCH.
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import got from 'got';
import type { Config } from '../config.js';
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

export class LambdaDispatcher implements Dispatcher {
  private readonly client: LambdaClient;

  constructor(private readonly functionPrefix: string, endpoint: string | undefined, region: string) {
    this.client = new LambdaClient({
      region,
      ...(endpoint ? { endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
      maxAttempts: 1,
    });
  }

  /**
   * A cold front door's first invoke costs 15–40 ms more than the next ones: the SDK sets itself up
   * on first use (endpoint rules, signing, its HTTP handler) and opens the connection. A DryRun
   * invoke does that while the first request still waits for Keystone: Lambda only checks the
   * permission and runs nothing (serverless-offline refuses the type, after the same client work).
   */
  async warmUp(): Promise<void> {
    const dryRun = new InvokeCommand({ FunctionName: `${this.functionPrefix}instances`, InvocationType: 'DryRun' });
    await this.client.send(dryRun).then(
      () => undefined,
      () => undefined,
    );
  }

  async invoke(family: string, request: FamilyRequest): Promise<FamilyResponse> {
    const command = new InvokeCommand({
      FunctionName: `${this.functionPrefix}${family}`,
      InvocationType: 'RequestResponse',
      Payload: Buffer.from(JSON.stringify(request)),
    });
    let result;
    try {
      result = await this.client.send(command);
    } catch (error) {
      // The invoke itself failed (a dropped connection, the Lambda service refusing): ours, not the
      // caller's. Ask once more when the action only reads; otherwise the family may have acted.
      if (!isReadOnly(request.action)) throw unreachable(family, error);
      result = await this.client.send(command).catch((again: unknown) => {
        throw unreachable(family, again);
      });
    }
    const text = result.Payload ? Buffer.from(result.Payload).toString('utf8') : '';
    if (result.FunctionError) throw new Error(`family ${family} failed: ${result.FunctionError} ${text.slice(0, 500)}`);
    return JSON.parse(text) as FamilyResponse;
  }
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
      return new LambdaDispatcher(settings.functionPrefix, settings.lambdaEndpoint, region);
    case 'openwhisk':
      return new OpenWhiskDispatcher(settings.openwhisk);
    default:
      return new InlineDispatcher(loadInline);
  }
}
