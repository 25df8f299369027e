/**
 * The EC2 endpoint: verify the signature on the raw request, parse and validate the action's
 * parameters against the official model, hand the request to its family, and write the answer or
 * the error as AWS does.
 */
import { randomUUID } from 'node:crypto';
import { keystoneCalls } from '../../lib/openstack/keystone.js';
import { authenticator as defaultAuthenticator, type Authenticator } from '../../lib/auth/authenticator.js';
import type { IncomingRequest } from '../../lib/auth/signed-request.js';
import { config } from '../../lib/config.js';
import { createDispatcher, type Dispatcher } from '../../lib/dispatch/dispatcher.js';
import { errorResponse } from '../../lib/family.js';
import { requestParams, type HttpResponse } from '../../lib/http/gateway.js';
import { missingParameter, type SerializedEc2Error } from '../../lib/protocol/errors.js';
import { familyOf } from '../../lib/protocol/model.js';
import { isProtocolParam, parseInput } from '../../lib/protocol/query.js';
import { serializeError, serializeOutput } from '../../lib/protocol/xml.js';
import { answerRoot, isMetadataRootRequest } from '../../lib/domain/metadata/root.js';
import { loadFamily } from './families.js';

export interface FrontDoorDeps {
  authenticator: Pick<Authenticator, 'authenticate'>;
  dispatcher: Dispatcher;
}

/** Names this process (one Lambda container) in the logs, with its running count of Keystone calls. */
const container = randomUUID().slice(0, 8);
const keystoneCallCount = () => keystoneCalls.passwordAuth + keystoneCalls.ec2tokens + keystoneCalls.credentialReads;

let defaults: FrontDoorDeps | undefined;
function defaultDeps(): FrontDoorDeps {
  defaults ??= {
    authenticator: defaultAuthenticator,
    dispatcher: createDispatcher(config().dispatch, config().ec2Region, loadFamily),
  };
  return defaults;
}

const xmlResponse = (statusCode: number, body: string, requestId: string): HttpResponse => ({
  statusCode,
  headers: { 'content-type': 'text/xml;charset=UTF-8', 'x-amzn-requestid': requestId },
  body,
});

export async function handleEc2Request(request: IncomingRequest, deps: FrontDoorDeps = defaultDeps()): Promise<HttpResponse> {
  // The metadata agent's `GET /` (the version list) shares this route on a gateway that serves both.
  if (isMetadataRootRequest(request)) return answerRoot(request);
  const requestId = randomUUID();
  const started = Date.now();
  let action: string | undefined;
  let projectId: string | undefined;
  let error: SerializedEc2Error | undefined;
  try {
    const params = requestParams(request);
    const caller = await deps.authenticator.authenticate(request, params);
    projectId = caller.projectId;
    action = params['Action'];
    if (!action) throw missingParameter('Action');
    parseInput(action, params);
    const actionParams = Object.fromEntries(Object.entries(params).filter(([k]) => !isProtocolParam(k)));
    const answer = await deps.dispatcher.invoke(familyOf(action), {
      action,
      params: actionParams,
      context: { requestId, caller },
    });
    if ('error' in answer) {
      error = answer.error;
    } else {
      return xmlResponse(200, serializeOutput(action, answer.output, requestId), requestId);
    }
  } catch (e) {
    error = errorResponse(e, { action });
  } finally {
    console.log(
      JSON.stringify({
        requestId,
        action,
        project: projectId,
        status: error ? error.status : 200,
        code: error?.code,
        ms: Date.now() - started,
        container,
        keystoneCalls: keystoneCallCount(),
      }),
    );
  }
  return xmlResponse(error.status, serializeError(error, requestId), requestId);
}
