/** DeleteVpnConnection: its tunnel, VPN service and policies in Neutron, then its record and tags. */
import { removeConnection, vpnaasApi } from '../../lib/domain/vpc/vpn-tunnel.js';
import { action } from '../../lib/family.js';
import { mapErrors } from '../../lib/openstack/errors.js';
import { forgetObject } from './objects.js';
import { withConnectionClaim } from './vpn-connections.js';
import { requireVpnConnection } from './vpn-resources.js';

export default action(
  'DeleteVpnConnection',
  async (input, ctx) => {
    const { vpnConnectionId } = await requireVpnConnection(ctx, input.VpnConnectionId);
    await withConnectionClaim(ctx, vpnConnectionId, async (record) => {
      // Neutron first: a failure leaves the record, and a retry skips what is already gone.
      await mapErrors(() => removeConnection(vpnaasApi(ctx.openstack.neutron), record));
      await forgetObject(ctx, 'vpn-connection', record.vpnConnectionId, record.uuid);
    });
    return {};
  },
  { check: async (input, ctx) => void (await requireVpnConnection(ctx, input.VpnConnectionId)) },
);
