"""POST /api/v1/adjustments/: supervisors set a bin's stock to what they counted."""

import pytest
from django.core.cache import cache

from inventory.models import StockLevel
from tests.api.fixtures import error_code, idempotency_key
from tests.factories.inventory import ProductFactory, WarehouseFactory
from tests.factories.warehouse import LocationFactory
from warehouse.models import Quant, StockMove
from warehouse.selectors.ledger import stock_drift
from warehouse.services.reservations import quant_reserve
from wms.api.idempotency import cache_key

URL = "/api/v1/adjustments/"


def _body(where, what, **changes):
    return {
        "warehouse": where.warehouse.code,
        "location": where.code,
        "product": what.sku,
        "counted_quantity": 8,
        "reason": "Cycle count",
    } | changes


def _quantity(bin_, product):
    quant = Quant.objects.filter(location=bin_, product=product).first()
    return quant.quantity if quant else 0


@pytest.mark.django_db
def test_adjustment_sets_the_counted_quantity(api, supervisor, bin_, product, receive):
    receive(bin_, product, 5)
    response = api(supervisor).post(URL, _body(bin_, product), format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["previous_quantity"], data["counted_quantity"], data["difference"]) == (5, 8, 3)
    move = StockMove.objects.get(pk=data["move"])
    assert (move.kind, move.quantity, move.to_location, move.actor) == (
        "adjustment",
        3,
        bin_,
        supervisor,
    )
    assert move.reason == "Cycle count"
    assert (data["warehouse"], data["location"], data["product"], data["lot"]) == (
        bin_.warehouse.code,
        bin_.code,
        product.sku,
        None,
    )
    assert _quantity(bin_, product) == 8
    assert stock_drift().is_clean


@pytest.mark.django_db
def test_counting_fewer_writes_a_move_out(api, supervisor, bin_, product, receive):
    receive(bin_, product, 5)
    data = api(supervisor).post(URL, _body(bin_, product, counted_quantity=1), format="json").json()
    assert data["difference"] == -4
    assert StockMove.objects.get(pk=data["move"]).from_location == bin_
    assert StockLevel.objects.get(product=product, warehouse=bin_.warehouse).on_hand == 1


@pytest.mark.django_db
def test_matching_count_writes_no_move(api, supervisor, bin_, product, receive):
    receive(bin_, product, 5)
    data = api(supervisor).post(URL, _body(bin_, product, counted_quantity=5), format="json").json()
    assert (data["difference"], data["move"]) == (0, None)


@pytest.mark.django_db
def test_lot_tracked_product_counts_per_lot(api, supervisor, bin_):
    product = ProductFactory(tracking="lot")
    client = api(supervisor)
    missing = client.post(URL, _body(bin_, product), format="json")
    assert missing.status_code == 400
    assert error_code(missing, "lot") == "invalid"
    response = client.post(URL, _body(bin_, product, lot="LOT-9"), format="json")
    assert response.status_code == 201
    assert response.json()["lot"] == "LOT-9"
    assert Quant.objects.get(location=bin_, product=product).lot.code == "LOT-9"


@pytest.mark.django_db
def test_same_idempotency_key_moves_stock_once(api, supervisor, bin_, product, receive):
    receive(bin_, product, 5)
    client, key = api(supervisor), idempotency_key()
    first = client.post(URL, _body(bin_, product), format="json", HTTP_IDEMPOTENCY_KEY=key)
    second = client.post(URL, _body(bin_, product), format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert StockMove.objects.filter(kind="adjustment").count() == 1
    assert _quantity(bin_, product) == 8
    move = StockMove.objects.get(kind="adjustment")
    assert move.idempotency_key == f"api:{supervisor.pk}:{key}:0"


@pytest.mark.django_db
def test_service_deduplicates_when_the_replay_cache_lost_the_key(
    api, supervisor, bin_, product, receive
):
    receive(bin_, product, 5)
    client, key = api(supervisor), idempotency_key()
    client.post(URL, _body(bin_, product), format="json", HTTP_IDEMPOTENCY_KEY=key)
    cache.delete(cache_key(user_id=supervisor.pk, value=key))
    again = client.post(URL, _body(bin_, product), format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert again.status_code == 201
    assert StockMove.objects.filter(kind="adjustment").count() == 1
    assert _quantity(bin_, product) == 8


@pytest.mark.django_db
def test_idempotency_key_over_100_characters_is_400(api, supervisor, bin_, product):
    response = api(supervisor).post(
        URL, _body(bin_, product), format="json", HTTP_IDEMPOTENCY_KEY="k" * 101
    )
    assert response.status_code == 400
    assert error_code(response, "Idempotency-Key") == "max_length"
    assert not StockMove.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"counted_quantity": -1}, "counted_quantity", "min_value"),
        ({"counted_quantity": "seven"}, "counted_quantity", "invalid"),
        ({"counted_quantity": 2.5}, "counted_quantity", "invalid"),
        ({"counted_quantity": None}, "counted_quantity", "null"),
        ({"counted_quantity": 10**30}, "counted_quantity", "max_value"),
        ({"counted_quantity": True}, "counted_quantity", "invalid"),
        ({"reason": ""}, "reason", "blank"),
        ({"reason": "   "}, "reason", "blank"),
        ({"reason": "r" * 201}, "reason", "max_length"),
        ({"product": "NO-SUCH-SKU"}, "product", "does_not_exist"),
        ({"product": {"sku": "x"}}, "product", "invalid"),
        ({"location": "NO-BIN"}, "location", "does_not_exist"),
        ({"location": "~ADJUSTMENTS"}, "location", "does_not_exist"),
        ({"warehouse": "NOWHERE"}, "warehouse", "does_not_exist"),
        ({"lot": "L1"}, "lot", "invalid"),  # the product is not lot-tracked
    ],
)
def test_bad_input_is_400_and_changes_nothing(
    api, supervisor, bin_, product, receive, changes, field, code
):
    receive(bin_, product, 5)
    response = api(supervisor).post(URL, _body(bin_, product, **changes), format="json")
    assert response.status_code == 400, response.json()
    assert error_code(response, field) == code
    assert StockMove.objects.filter(kind="adjustment").count() == 0
    assert _quantity(bin_, product) == 5


@pytest.mark.django_db
@pytest.mark.parametrize(
    "missing", ["warehouse", "location", "product", "counted_quantity", "reason"]
)
def test_missing_fields_are_required(api, supervisor, bin_, product, missing):
    body = _body(bin_, product)
    del body[missing]
    response = api(supervisor).post(URL, body, format="json")
    assert response.status_code == 400
    assert error_code(response, missing) == "required"


@pytest.mark.django_db
def test_counting_below_reserved_is_insufficient_stock(api, supervisor, bin_, product, receive):
    receive(bin_, product, 5)
    quant_reserve(quant_id=Quant.objects.get(location=bin_, product=product).pk, quantity=4)
    response = api(supervisor).post(URL, _body(bin_, product, counted_quantity=2), format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "insufficient_stock"
    assert error_code(response, "counted_quantity") == "insufficient_stock"
    assert _quantity(bin_, product) == 5


@pytest.mark.django_db
def test_location_is_looked_up_in_the_named_warehouse(api, supervisor, product):
    first, second = WarehouseFactory(), WarehouseFactory()
    LocationFactory(warehouse=first, code="ONLY-HERE")
    body = {
        "warehouse": second.code,
        "location": "ONLY-HERE",
        "product": product.sku,
        "counted_quantity": 1,
        "reason": "x",
    }
    response = api(supervisor).post(URL, body, format="json")
    assert error_code(response, "location") == "does_not_exist"


@pytest.mark.django_db
def test_warehouse_outside_the_scope_is_403(api, scoped_supervisor, product):
    mine, theirs = WarehouseFactory(), WarehouseFactory()
    bin_ = LocationFactory(warehouse=theirs)
    response = api(scoped_supervisor(mine)).post(URL, _body(bin_, product), format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "warehouse_out_of_scope"
    assert not StockMove.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["floor_user", "purchaser"])
def test_only_supervisors_adjust(api, request, role, bin_, product):
    response = api(request.getfixturevalue(role)).post(URL, _body(bin_, product), format="json")
    assert response.status_code == 403
    assert not StockMove.objects.exists()


@pytest.mark.django_db
def test_a_count_may_find_stock_in_a_blocked_bin(api, supervisor, bin_, product):
    client = api(supervisor)
    client.patch(f"/api/v1/locations/{bin_.pk}/", {"is_blocked": True}, format="json")
    response = client.post(URL, _body(bin_, product, counted_quantity=3), format="json")
    assert response.status_code == 201
    level = StockLevel.objects.get(product=product, warehouse=bin_.warehouse)
    assert (level.on_hand, level.blocked, level.available) == (3, 3, 0)
    assert stock_drift().is_clean


@pytest.mark.django_db
@pytest.mark.parametrize("number", ["1e400", "12.0000001", "Infinity", "NaN", "9" * 400])
def test_odd_json_numbers_are_400(api, supervisor, bin_, product, number):
    body = (
        f'{{"warehouse": "{bin_.warehouse.code}", "location": "{bin_.code}", '
        f'"product": "{product.sku}", "counted_quantity": {number}, "reason": "x"}}'
    )
    response = api(supervisor).post(URL, body, content_type="application/json")
    assert response.status_code == 400
    assert not StockMove.objects.filter(kind="adjustment").exists()
