"""Pages of the warehouse app: the floor's handheld screen and the supervisor's desk."""

from warehouse.views.floor import floor_home, scan_lookup_view, task_claim_view, task_release_view
from warehouse.views.supervisor import supervisor_home

__all__ = [
    "floor_home",
    "scan_lookup_view",
    "supervisor_home",
    "task_claim_view",
    "task_release_view",
]
