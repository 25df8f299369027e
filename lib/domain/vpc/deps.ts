/** What VPC domain code needs: usable from an action's context or from another family's dependencies. */
import type { Config } from '../../config.js';
import type { ActionContext } from '../../context.js';
import type { ServiceClient } from '../../openstack/http.js';
import type { StateStore } from '../../store/project-store.js';

export interface VpcDeps {
  neutron: ServiceClient;
  nova: ServiceClient;
  store: StateStore;
  projectId: string;
  settings: Config['vpc'];
}

export const vpcDeps = (ctx: ActionContext): VpcDeps => ({
  neutron: ctx.openstack.neutron,
  nova: ctx.openstack.nova,
  store: ctx.store,
  projectId: ctx.caller.projectId,
  settings: ctx.config.vpc,
});
