import type { ActionContext } from '../../../lib/context.js';
import { loadConfig } from '../../../lib/config.js';
import { OpenStack } from '../../../lib/openstack/clients.js';
import { MemoryStore } from './memory-store.js';

/** An ActionContext over an in-memory table; OpenStack is unreachable (endpoints point nowhere). */
export function fakeContext(store = new MemoryStore()): ActionContext & { store: MemoryStore } {
  const caller = {
    accessKey: 'ak',
    projectId: store.projectId,
    projectName: 'demo',
    userId: 'u',
    userName: 'demo',
    roles: ['member'],
    token: 't',
    tokenExpiresAt: new Date(Date.now() + 3600_000).toISOString(),
    endpoints: {},
  };
  return { requestId: 'req', caller, config: loadConfig({}), store, openstack: OpenStack.forCaller(caller) };
}
