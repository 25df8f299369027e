import type { Caller } from './auth/authenticator.js';
import type { Config } from './config.js';
import type { OpenStack } from './openstack/clients.js';
import type { StateStore } from './store/project-store.js';

/** What the front door hands a family with each request (crosses the dispatcher as JSON). */
export interface RequestContext {
  requestId: string;
  caller: Caller;
}

/** What an action works with. */
export interface ActionContext extends RequestContext {
  config: Config;
  /** The caller's project's slice of the state table. */
  store: StateStore;
  /** OpenStack with the caller's own token. */
  openstack: OpenStack;
}
