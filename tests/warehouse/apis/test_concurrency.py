"""Double taps on the API from two threads at once (real PostgreSQL and Redis)."""

import pytest

from tests.api.fixtures import idempotency_key
from tests.concurrency import run_together
from tests.conftest import _user
from tests.factories.inventory import ProductFactory
from tests.factories.warehouse import LocationFactory
from warehouse.models import Quant, StockMove
from warehouse.selectors.ledger import stock_drift
from warehouse.services.intake import stock_receive


@pytest.mark.django_db(transaction=True)
def test_simultaneous_adjustments_with_one_key_move_stock_once(api):
    supervisor = _user("sup-concurrent", "supervisor")
    bin_ = LocationFactory()
    product = ProductFactory()
    stock_receive(location=bin_, product_id=product.pk, quantity=5)
    key = idempotency_key()
    body = {
        "warehouse": bin_.warehouse.code,
        "location": bin_.code,
        "product": product.sku,
        "counted_quantity": 9,
        "reason": "Recount",
    }

    def post():
        response = api(supervisor).post(
            "/api/v1/adjustments/", body, format="json", HTTP_IDEMPOTENCY_KEY=key
        )
        return response.status_code, response.json()

    results = run_together([post, post, post])

    statuses = sorted(status for status, _ in results)
    assert set(statuses) <= {201, 409}
    assert 201 in statuses
    created = [data for status, data in results if status == 201]
    assert all(data == created[0] for data in created)  # replays are the first answer
    assert StockMove.objects.filter(kind="adjustment").count() == 1
    assert Quant.objects.get(location=bin_, product=product).quantity == 9
    assert stock_drift().is_clean
