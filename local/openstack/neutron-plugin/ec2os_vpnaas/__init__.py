"""neutron-vpnaas 21's VPN service plugin, with its reads inside a reader transaction.

python3-neutron-vpnaas 21.0.0 (bookworm) reads its objects through
``context.session`` outside any enginefacade transaction (``get_vpnservices``,
``get_ikepolicies``, ... and ``check_router_in_use``, which Neutron calls on
every router update and gateway removal). Each such call keeps a pooled DB
connection checked out until the request context is garbage-collected: on the
local stack, a few hundred vpnaas reads exhausted neutron-server's pool (5 +
50 overflow; "QueuePool limit ... reached") and every Neutron call failed
until a restart. Measured in-process: 5 bare ``get_ikepolicies`` calls left 5
connections checked out; the same calls in ``CONTEXT_READER`` left none.

This subclass runs each of those reads in ``CONTEXT_READER`` (nested readers
and readers inside writers are fine in enginefacade) and changes nothing else.
It is registered under ``neutron.service_plugins`` as ``ec2os_vpnaas`` by the
hand-made ``ec2os_vpnaas-1.0.dist-info/entry_points.txt`` beside this package.
"""

import functools

from neutron_lib.db import api as db_api
# Neutron looks for a service plugin's API extensions in <its top-level
# package>.extensions: this package offers neutron-vpnaas's own.
from neutron_vpnaas import extensions  # noqa: F401
from neutron_vpnaas.services.vpn import plugin

_READS = (
    'get_vpnservice', 'get_vpnservices',
    'get_ikepolicy', 'get_ikepolicies',
    'get_ipsecpolicy', 'get_ipsecpolicies',
    'get_ipsec_site_connection', 'get_ipsec_site_connections',
    'get_endpoint_group', 'get_endpoint_groups',
    'check_router_in_use',
)


def _in_reader(method):
    @functools.wraps(method)
    def read(self, context, *args, **kwargs):
        with db_api.CONTEXT_READER.using(context):
            return method(self, context, *args, **kwargs)
    return read


class VPNDriverPlugin(plugin.VPNDriverPlugin):
    """The stock plugin; see the module docstring for the one difference."""


for _name in _READS:
    setattr(VPNDriverPlugin, _name, _in_reader(getattr(plugin.VPNDriverPlugin, _name)))
