/**
 * Platform entry points of the EC2 endpoint: `handler` is the front door's middy handler (API
 * Gateway events); OpenWhisk's web action `main` calls the same handler with its raw-HTTP params.
 */
import { toOpenWhisk, type OpenWhiskWebParams } from '../../lib/http/gateway.js';
import { installUnhandledRejectionNet } from '../../lib/request-guard.js';
import { frontDoor } from './front-door.js';

installUnhandledRejectionNet();

export const handler = frontDoor;

export async function main(params: OpenWhiskWebParams) {
  return toOpenWhisk(await frontDoor(params));
}
