"""A port-binding-only ML2 mechanism driver for the local test bed.

The local OpenStack runs neutron-server without any L2 agent (no OVS, no
Linux bridge, no OVN): there is no data plane at all. Every shipped mechanism
driver refuses to bind a port when it sees no live agent on the port's host,
which makes Nova fail the boot with PortBindingFailed. This driver binds any
port on any host to the first segment offered, with the neutral VIF type
"other", and marks it ACTIVE. Nova's fake virt driver never plugs anything,
so that is all it needs.

It is registered under the stevedore group ``neutron.ml2.mechanism_drivers``
by the hand-made ``ec2os_ml2-1.0.dist-info/entry_points.txt`` beside this
package; the bring-up puts this directory on neutron-server's PYTHONPATH.
"""

from neutron_lib.api.definitions import portbindings
from neutron_lib import constants
from neutron_lib.plugins.ml2 import api


class BindAllMechanismDriver(api.MechanismDriver):
    """Bind every port to its first segment; never touches a data plane."""

    def initialize(self):
        pass

    @property
    def connectivity(self):
        return portbindings.CONNECTIVITY_L2

    def bind_port(self, context):
        for segment in context.segments_to_bind:
            context.set_binding(
                segment[api.ID],
                portbindings.VIF_TYPE_OTHER,
                {portbindings.CAP_PORT_FILTER: True},
                status=constants.PORT_STATUS_ACTIVE)
            return
