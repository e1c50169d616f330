"""Celery tasks run by a real worker process on the real broker, against committed data."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.conftest import _user
from tests.factories.inventory import ProductFactory, WarehouseFactory
from tests.factories.warehouse import LocationFactory, TaskFactory
from warehouse.models import Task
from warehouse.services.intake import stock_receive
from warehouse.tasks import stock_ledger_verify_task, task_claims_reopen_stale_task


@pytest.mark.django_db(transaction=True)
def test_worker_verifies_the_ledger_against_quants_and_levels(celery_worker_process):
    warehouse = WarehouseFactory()
    stock_receive(
        location=LocationFactory(warehouse=warehouse), product_id=ProductFactory().pk, quantity=5
    )

    result = stock_ledger_verify_task.delay().get(timeout=30)

    assert result == {"quant_drift": 0, "level_drift": 0}


@pytest.mark.django_db(transaction=True)
def test_worker_reopens_claims_nobody_started(celery_worker_process):
    warehouse = WarehouseFactory()
    worker = _user("sleepy", "floor")
    stale, fresh = TaskFactory(warehouse=warehouse), TaskFactory(warehouse=warehouse)
    long_ago = timezone.now() - timedelta(hours=2)
    Task.objects.filter(pk=stale.pk).update(
        status="assigned", assignee=worker, assigned_at=long_ago
    )
    Task.objects.filter(pk=fresh.pk).update(
        status="assigned", assignee=worker, assigned_at=timezone.now()
    )

    reopened = task_claims_reopen_stale_task.delay().get(timeout=30)

    assert reopened == 1
    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert (stale.status, stale.assignee_id) == ("open", None)
    assert fresh.status == "assigned"
