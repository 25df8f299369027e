/**
 * `GET /`: the list of metadata versions. It needs nothing from OpenStack, so the EC2 front door,
 * which owns `GET /` on a gateway shared with the EC2 endpoint, answers it for requests that come
 * from the metadata agent (no Action, an X-Instance-ID header) without loading the metadata code.
 */
import type { IncomingRequest } from '../../auth/signed-request.js';
import { config } from '../../config.js';
import type { HttpResponse } from '../../http/gateway.js';
import { checkAccess, type MetadataSettings } from './access.js';
import { logRequest } from './log.js';
import { MetadataFailure, failure, text } from './responses.js';
import { versionList } from './versions.js';

/** A request the metadata agent sent to `/` (an EC2 call always names its Action). */
export const isMetadataRootRequest = (request: Pick<IncomingRequest, 'method' | 'query' | 'headers'>) =>
  request.method === 'GET' && request.query['Action'] === undefined && request.headers['x-instance-id'] !== undefined;

export function answerRoot(request: Pick<IncomingRequest, 'headers' | 'method'>, settings: MetadataSettings = config().metadata): HttpResponse {
  const started = Date.now();
  let response: HttpResponse;
  let reason: string | undefined;
  try {
    checkAccess(request, settings);
    response = text(versionList());
  } catch (error) {
    if (!(error instanceof MetadataFailure)) throw error;
    reason = error.reason;
    response = failure(error.status, error.headers);
  }
  logRequest({ method: request.method, path: '/', instance: request.headers['x-instance-id'], status: response.statusCode, reason, ms: Date.now() - started });
  return response;
}
