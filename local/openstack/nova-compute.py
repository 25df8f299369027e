"""nova-compute for the local stack: python3-nova's main(), with one change.

Nova 26 (Debian 12) reads every instance's Placement allocations on EVERY
resource-tracker update: _update_to_placement() calls
get_allocations_for_provider_tree(), one GET /allocations/{uuid} per instance
on the host, while it holds the tracker's lock. Every instance claim and every
deletion makes such an update, so with N servers on the one fake host a build
waits for N GETs of each build before it: at 200 servers a claim took ~3.5 s and
the host built 8-13 servers a minute; at 1,000 it would be 4 a minute, and
deleting them would take hours.

Those allocations are read only when a reshape happens (a virt driver moving
inventory between providers, or PCI devices tracked in Placement); the fake
driver never reshapes and PCI tracking is off. So they are fetched here on
first read instead of on every update: same data whenever something reads it,
no requests when nothing does. Debian's package files are left untouched.
"""
import collections.abc
import sys

sys.argv[0] = "nova-compute"
# nova.cmd monkey-patches with eventlet when imported: import it before the
# report client so that module is loaded patched, as in the stock service.
from nova.cmd.compute import main  # noqa: E402
from nova.scheduler.client import report  # noqa: E402

_fetch_allocations = report.SchedulerReportClient.get_allocations_for_provider_tree
_update_from_provider_tree = report.SchedulerReportClient.update_from_provider_tree


class AllocationsOnFirstRead(collections.abc.Mapping):
    """The allocations of a provider tree, fetched when first read."""

    def __init__(self, fetch):
        self._fetch = fetch
        self._allocations = None

    def _loaded(self):
        if self._allocations is None:
            self._allocations = self._fetch()
        return self._allocations

    def __getitem__(self, consumer):
        return self._loaded()[consumer]

    def __iter__(self):
        return iter(self._loaded())

    def __len__(self):
        return len(self._loaded())


def get_allocations_for_provider_tree(self, context, nodename):
    return AllocationsOnFirstRead(lambda: _fetch_allocations(self, context, nodename))


def update_from_provider_tree(self, context, new_tree, allocations=None):
    # A reshape sends the allocations as JSON: give it the plain dict.
    if isinstance(allocations, AllocationsOnFirstRead):
        allocations = dict(allocations)
    return _update_from_provider_tree(self, context, new_tree, allocations=allocations)


report.SchedulerReportClient.get_allocations_for_provider_tree = get_allocations_for_provider_tree
report.SchedulerReportClient.update_from_provider_tree = update_from_provider_tree

sys.exit(main())
