"""Celery tasks of the warehouse app: thin, idempotent, each calls one service or selector."""

import logging

from celery import shared_task

from warehouse.selectors.ledger import stock_drift
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
