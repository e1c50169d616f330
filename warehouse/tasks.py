"""Celery tasks of the warehouse app: thin, idempotent, each calls one service or selector."""

import logging

from celery import shared_task
from django.db import OperationalError

from warehouse.selectors.ledger import stock_drift
from warehouse.services.allocation import backorders_allocate, orders_allocate
from warehouse.services.inbound_planning import qc_inspection_plan, receipt_plan, release_plan
from warehouse.services.picking import pick_tasks_create
from warehouse.services.replenish import pick_faces_replenish
from warehouse.services.tasks import task_claims_reopen_stale

logger = logging.getLogger(__name__)


@shared_task
def stock_ledger_verify_task() -> dict[str, int]:
    """Nightly: recompute quants and levels from the ledger and log any drift."""
    drift = stock_drift()
    for row in drift.quants:
        logger.error("quant drift: %s", row)
    for row in drift.levels:
        logger.error("stock level drift: %s", row)
    return {"quant_drift": len(drift.quants), "level_drift": len(drift.levels)}


@shared_task
def task_claims_reopen_stale_task() -> int:
    return task_claims_reopen_stale()


# --- inbound planning: each runs after the commit that made the work, and is idempotent ---


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def receipt_plan_task(receipt_id: int) -> int:
    return len(receipt_plan(receipt_id=receipt_id))


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def qc_inspection_plan_task(inspection_id: int) -> int:
    return len(qc_inspection_plan(inspection_id=inspection_id))


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def release_plan_task(move_id: int) -> int:
    return len(release_plan(move_id=move_id))


# --- outbound ---------------------------------------------------------------------------------


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def order_allocate_task(order_id: int) -> int:
    return len(orders_allocate(order_ids=[order_id]))


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def pick_tasks_create_task(order_ids: list[int]) -> int:
    return len(pick_tasks_create(order_ids=order_ids))


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def backorders_allocate_task(product_id: int, warehouse_id: int) -> int:
    return len(backorders_allocate(product_id=product_id, warehouse_id=warehouse_id))


# --- pick-face replenishment: beat every minute, and after picks and wave releases ---------


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def pick_faces_replenish_task(
    warehouse_id: int | None = None, location_ids: list[int] | None = None
) -> int:
    return len(pick_faces_replenish(warehouse_id=warehouse_id, location_ids=location_ids))


# --- cycle counts (issue 6) ---


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def counts_plan_nightly_task() -> dict[str, int]:
    """Nightly: tonight's share of the ABC count schedule in every warehouse."""
    from warehouse.services.count_planning import counts_plan_nightly

    return counts_plan_nightly()


# --- CSV imports from the data page and the API: the file waits in the cache ------------------


@shared_task
def csv_import_run_task(job_id: str) -> str:
    """Runs a queued import once; a redelivered message finds it finished and does nothing."""
    from warehouse.services.data_import import csv_import_run  # keeps this block on its own

    job = csv_import_run(job_id=job_id)
    return job.status if job else "unknown"
