"""Pages of the warehouse app: the floor's handheld screens and the supervisor's desk."""

from warehouse.views.floor import floor_home, scan_lookup_view, task_claim_view, task_release_view
from warehouse.views.quarantine import quarantine_decide_view, quarantine_page
from warehouse.views.receiving import (
    receipt_close_view,
    receipt_find_view,
    receipt_page,
    receipt_receive_view,
    receipt_scan_view,
    receipt_start_view,
    receiving_list,
)
from warehouse.views.supervisor import supervisor_home
from warehouse.views.work import task_inspect_view, task_scan_view, task_work_view

__all__ = [
    "floor_home",
    "quarantine_decide_view",
    "quarantine_page",
    "receipt_close_view",
    "receipt_find_view",
    "receipt_page",
    "receipt_receive_view",
    "receipt_scan_view",
    "receipt_start_view",
    "receiving_list",
    "scan_lookup_view",
    "supervisor_home",
    "task_claim_view",
    "task_inspect_view",
    "task_release_view",
    "task_scan_view",
    "task_work_view",
]
