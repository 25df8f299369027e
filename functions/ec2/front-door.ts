/**
 * The EC2 endpoint: verify the signature on the raw request, parse and validate the action's
 * parameters against the official model, hand the request to its family, and write the answer or
 * the error as AWS does. Each step is a middleware of lib/handlers.ts's front door chain.
 */
import { randomUUID } from 'node:crypto';
import { authenticator as defaultAuthenticator } from '../../lib/auth/authenticator.js';
import type { IncomingRequest } from '../../lib/auth/signed-request.js';
import { config } from '../../lib/config.js';
import { createDispatcher } from '../../lib/dispatch/dispatcher.js';
import { frontDoorHandler, type FrontDoorDeps, type FrontDoorHandler } from '../../lib/handlers.js';
import type { HttpResponse } from '../../lib/http/gateway.js';
import { keystoneCalls } from '../../lib/openstack/keystone.js';
import { loadFamily } from './families.js';

export type { FrontDoorDeps } from '../../lib/handlers.js';

/** Names this process (one Lambda container) in the logs, with its running count of Keystone calls. */
const container = randomUUID().slice(0, 8);
const keystoneCallCount = () => keystoneCalls.passwordAuth + keystoneCalls.ec2tokens + keystoneCalls.credentialReads;
const processInfo = () => ({ container, keystoneCalls: keystoneCallCount() });

let defaults: FrontDoorDeps | undefined;
function defaultDeps(): FrontDoorDeps {
  defaults ??= {
    authenticator: defaultAuthenticator,
    dispatcher: createDispatcher(config().dispatch, config().ec2Region, loadFamily),
  };
  return defaults;
}

/**
 * Makes the configured dispatcher and lets it do its first-use work now (handler.ts calls this
 * while a cold container's first request waits for Keystone, and only where the environment
 * already holds the settings: on OpenWhisk they come with the first invocation).
 */
export function warmUpDispatch(): Promise<void> {
  return defaultDeps().dispatcher.warmUp?.() ?? Promise.resolve();
}

/** The front door's middy handler, with the authenticator and dispatcher the configuration names. */
export const frontDoor: FrontDoorHandler = frontDoorHandler(defaultDeps, processInfo);

/** Front doors with other parts (tests): one middy handler per set of parts. */
const withDeps = new WeakMap<FrontDoorDeps, FrontDoorHandler>();

export function handleEc2Request(request: IncomingRequest, deps?: FrontDoorDeps): Promise<HttpResponse> {
  if (!deps) return frontDoor(request);
  let handler = withDeps.get(deps);
  if (!handler) withDeps.set(deps, (handler = frontDoorHandler(() => deps, processInfo)));
  return handler(request);
}
