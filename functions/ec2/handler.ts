/**
 * Platform entry points of the EC2 endpoint: `handler` is the front door's middy handler (API
 * Gateway events); OpenWhisk's web action `main` calls the same handler with its raw-HTTP params.
 *
 * A cold container's first request waits for the EC2 service's own Keystone token before anything
 * else (ec2tokens needs it), and Keystone's password check is its slowest call. So this module asks
 * for the token first and loads the rest of the front door afterwards, in a `setImmediate`: by then
 * the event loop has sent the request, and the code loads (and the Lambda client does its first-use
 * work) while Keystone works.
 */
import { loadConfig, type ServiceCredentials } from '../../lib/config.js';
import { deferred } from '../../lib/deferred.js';
import { toOpenWhisk, type OpenWhiskWebParams } from '../../lib/http/gateway.js';
import type { FrontDoorHandler } from '../../lib/handlers.js';
import { serviceSession } from '../../lib/openstack/keystone.js';
import { installUnhandledRejectionNet } from '../../lib/request-guard.js';

installUnhandledRejectionNet();

/** The service credentials the environment holds now; none on OpenWhisk, whose settings come with the first invocation. */
function credentialsInEnvironment(): ServiceCredentials | undefined {
  try {
    return loadConfig().openstack.credentials;
  } catch {
    return undefined; // the first request reports the configuration error
  }
}

const configured = credentialsInEnvironment();
serviceSession.warmUp(configured);

const frontDoorLoaded: Promise<FrontDoorHandler> = deferred(
  new Promise<void>((resolve) => setImmediate(resolve)).then(async () => {
    const { frontDoor, warmUpDispatch } = await import('./front-door.js');
    // The Lambda client's first use too, while the service token is on its way.
    if (configured?.authUrl) void Promise.resolve().then(warmUpDispatch).catch(() => undefined);
    return frontDoor;
  }),
);

export const handler: FrontDoorHandler = async (event, context) => (await frontDoorLoaded)(event, context);

export async function main(params: OpenWhiskWebParams) {
  return toOpenWhisk(await handler(params));
}
