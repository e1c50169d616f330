"""CSV exports: stock per bin and lot, stock levels, and the ledger over a date range; streamed,
scoped to the user's warehouses, and safe to open in a spreadsheet (text that would run as a
formula gets a leading apostrophe, numbers stay numbers)."""

import csv
import io
from datetime import date, timedelta

import pytest
from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone

import inventory.selectors.exports as inventory_exports
from inventory.models import Product, Warehouse
from tests.conftest import _user
from tests.factories.inventory import ProductFactory, WarehouseFactory
from tests.factories.warehouse import LocationFactory
from warehouse.models import StockMove
from warehouse.selectors.exports import moves_export
from warehouse.services.allocation import orders_allocate
from warehouse.services.intake import stock_receive
from warehouse.services.lots import lot_resolve
from warehouse.services.orders import OrderLineInput, order_create

pytestmark = pytest.mark.django_db

EVIL = "=cmd|' /C calc'!A0"


@pytest.fixture
def stock(db):
    """MAIN: milk by lot and expiry in A-01, bolts in B-01 with 5 reserved; OTHER: bolts too."""
    main = WarehouseFactory(code="MAIN")
    a01 = LocationFactory(warehouse=main, code="A-01", pick_sequence=1)
    b01 = LocationFactory(warehouse=main, code="B-01", pick_sequence=2)
    milk = ProductFactory(sku="MILK-1L", name=EVIL, tracking=Product.Tracking.LOT_EXPIRY)
    lot = lot_resolve(product=milk, code="L-7", expiry_date=date(2031, 6, 30), create=True)
    stock_receive(location=a01, product_id=milk.pk, quantity=12, lot_id=lot.pk)
    bolt = ProductFactory(sku="BOLT-M8", name="-2+3 bolts")
    stock_receive(location=b01, product_id=bolt.pk, quantity=40, reference="@PO-1")
    order = order_create(warehouse=main, reference="SO-1", lines=[OrderLineInput(bolt, 5)])
    orders_allocate(order_ids=[order.order.pk])
    other = WarehouseFactory(code="OTHER")  # after MAIN: MAIN is the users' current warehouse
    stock_receive(
        location=LocationFactory(warehouse=other, code="O-01"), product_id=bolt.pk, quantity=7
    )
    return main


def rows_of(response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.content[:500]
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="')
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 only after a BOM
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def export(client, what: str, **params):
    return client.get(reverse("supervisor-data-export", args=[what]), params)


def test_stock_export_lists_each_bin_and_lot_neutralised(client, supervisor, stock):
    client.force_login(supervisor)

    rows = rows_of(export(client, "stock"))

    assert [(r["location"], r["sku"]) for r in rows] == [("A-01", "MILK-1L"), ("B-01", "BOLT-M8")]
    milk, bolt = rows
    assert milk["product"] == "'" + EVIL  # shown as text, never run
    assert (milk["lot"], milk["expiry"], milk["quantity"], milk["reserved"]) == (
        "L-7",
        "2031-06-30",
        "12",
        "0",
    )
    assert bolt["product"] == "'-2+3 bolts"
    assert (bolt["warehouse"], bolt["quantity"], bolt["reserved"], bolt["unreserved"]) == (
        "MAIN",
        "40",
        "5",
        "35",
    )
    assert bolt["lot"] == ""
    assert bolt["received_at"].startswith(str(timezone.now().year))


def test_stock_levels_export_per_product_and_warehouse(client, supervisor, stock):
    client.force_login(supervisor)

    main_only = rows_of(export(client, "stock-levels"))
    everywhere = rows_of(export(client, "stock-levels", scope="all"))

    assert [(r["sku"], r["on_hand"], r["reserved"], r["available"]) for r in main_only] == [
        ("BOLT-M8", "40", "5", "35"),
        ("MILK-1L", "12", "0", "12"),
    ]
    assert main_only[1]["product"] == "'" + EVIL
    assert [(r["warehouse"], r["sku"], r["on_hand"]) for r in everywhere] == [
        ("MAIN", "BOLT-M8", "40"),
        ("MAIN", "MILK-1L", "12"),
        ("OTHER", "BOLT-M8", "7"),
    ]


def test_moves_export_is_the_ledger_oldest_first_within_the_days(client, supervisor, stock):
    client.force_login(supervisor)
    today = timezone.localdate()

    rows = rows_of(export(client, "moves", since=str(today), until=str(today)))

    assert [(r["kind"], r["sku"], r["to_location"], r["quantity"]) for r in rows] == [
        ("receipt", "MILK-1L", "A-01", "12"),
        ("receipt", "BOLT-M8", "B-01", "40"),
    ]
    assert rows[1]["reference"] == "'@PO-1"
    assert rows[0]["product"] == "'" + EVIL
    assert int(rows[0]["id"]) < int(rows[1]["id"])
    assert rows_of(export(client, "moves", until=str(today - timedelta(days=1)))) == []
    assert rows_of(export(client, "moves", since=str(today + timedelta(days=1)))) == []
    assert len(rows_of(export(client, "moves", scope="all"))) == 3
    response = export(client, "moves", since=str(today))
    assert response["Content-Disposition"] == f'attachment; filename="moves-MAIN-{today}.csv"'


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"since": "2031-02-30"}, "Enter the first day like 2031-06-30."),
        ({"until": "yesterday"}, "Enter the last day like 2031-06-30."),
        ({"since": "2031-06-30", "until": "2031-06-01"}, "is before the first"),
        ({"scope": "everything"}, "Export this warehouse or all of yours."),
    ],
)
def test_a_bad_date_range_is_named_on_the_page(client, supervisor, stock, params, message):
    client.force_login(supervisor)
    response = export(client, "moves", **params)
    assert response.status_code == 422
    assert message in response.content.decode()


def test_exports_need_their_permission(client, purchaser, floor_user, stock):
    client.force_login(purchaser)
    assert export(client, "stock").status_code == 403  # bins are the warehouse's business
    assert len(rows_of(export(client, "stock-levels"))) == 2
    assert len(rows_of(export(client, "moves"))) == 2
    assert export(client, "nothing").status_code == 404
    client.force_login(floor_user)
    assert export(client, "moves").status_code == 403
    assert client.get(reverse("supervisor-data")).status_code == 403


def test_a_user_exports_only_the_warehouses_they_work_in(client, stock):
    local = _user("local", "supervisor")
    local.scope.all_warehouses = False
    local.scope.save(update_fields=["all_warehouses"])
    local.scope.warehouses.add(Warehouse.objects.get(code="OTHER"))
    client.force_login(local)
    rows = rows_of(export(client, "stock-levels", scope="all"))
    assert [(r["warehouse"], r["on_hand"]) for r in rows] == [("OTHER", "7")]


def test_the_ledger_streams_in_chunks(stock, monkeypatch, django_assert_num_queries):
    monkeypatch.setattr(inventory_exports, "CHUNK", 1)
    warehouses = Warehouse.objects.all()
    with django_assert_num_queries(0):  # nothing read until the response is sent
        table = moves_export(warehouses=warehouses, name="moves")
    rows = iter(table.rows)
    first = next(rows)
    assert first[0] == StockMove.objects.order_by("created_at", "id").first().pk
    assert len([first, *rows]) == StockMove.objects.count() == 3
