"""Celery tasks of the inventory app: thin, idempotent, each calls its services."""

from collections.abc import Sequence
from dataclasses import asdict

from celery import shared_task
from django.db import OperationalError

from inventory.services.forecasting import demand_forecasts_compute
from inventory.services.replenishment import reorder_review


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def reorder_review_task(
    warehouse_id: int | None = None, product_ids: Sequence[int] | None = None
) -> dict[str, int]:
    """Review reorder rules: every 15 minutes for all, and after a stock drop for the pairs
    that dropped (enqueued on commit by ``inventory.services.levels``)."""
    result = reorder_review(
        warehouse_id=warehouse_id, product_ids=list(product_ids) if product_ids else None
    )
    return asdict(result)


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def demand_forecasts_task() -> dict[str, int]:
    """Nightly: recompute the demand forecasts, then review every rule against them."""
    written = demand_forecasts_compute()
    return {"forecasts": written, **asdict(reorder_review())}
