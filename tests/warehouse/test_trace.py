"""Traceability: a lot traced from supplier to customers through the real services; bin and
product histories; the supervisor's pages, the recall CSV, and who may see them."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from inventory.gs1 import GS
from inventory.models import Warehouse
from tests.conftest import _user
from tests.factories.inventory import ProductFactory, WarehouseFactory
from tests.factories.warehouse import LocationFactory
from tests.warehouse.trace_scenario import trace_site_build
from tests.warehouse.views.scenario import page_text
from warehouse.models import Location, Quant, StockMove
from warehouse.selectors.trace import lot_trace
from warehouse.selectors.trace_history import (
    HistoryFilters,
    UnknownCursor,
    bin_history,
    product_history,
)
from warehouse.services.inbound_planning import receipt_plan
from warehouse.services.intake import stock_receive
from warehouse.services.moves import stock_move
from warehouse.services.qc import qc_task_record
from warehouse.services.receiving import ReceivedEntry, receipt_create, receipt_receive

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(db):
    return trace_site_build()


def _everywhere():
    return Warehouse.objects.all()


def _page_text(response) -> str:
    return page_text(response)


# --- the trace ---------------------------------------------------------------------------------


def test_a_lot_is_traced_from_its_supplier_to_its_customers_and_its_bins(site):
    trace = lot_trace(lot=site.lot, warehouses=_everywhere())

    (receipt,) = trace.receipts
    assert (receipt.reference, receipt.supplier_code, receipt.purchase_order_number) == (
        site.receipt.reference,
        "DAIRY",
        site.purchase_order.number,
    )
    assert (receipt.quantity, receipt.received_by) == (40, ["receiver"])  # two scans summed
    orders = {row.reference: row for row in trace.orders}
    assert set(orders) == {"SO-1", "SO-2"}
    shipped, packed = orders["SO-1"], orders["SO-2"]
    assert (shipped.customer, shipped.picked, shipped.packed, shipped.shipped) == (
        "Corner Shop Ltd",
        25,
        25,
        25,
    )
    assert shipped.shipped_by == ["boss"]
    assert shipped.picked_by == ["picker"]
    assert [(p.number, p.quantity, p.packed_by) for p in shipped.packages] == [
        (1, 20, "picker"),
        (2, 5, "picker"),
    ]
    assert shipped.shipped_at is not None
    assert (packed.picked, packed.packed, packed.shipped, packed.shipped_at) == (8, 8, 0, None)
    assert trace.customers == ["Corner Shop Ltd"]  # only those who received it
    # 40 over two bins of 20; 33 picked from them, 8 of those wait packed on staging.
    places = {(row.kind, row.quantity) for row in trace.places}
    assert places == {("storage", 7), ("staging", 8)}
    assert (trace.totals.received, trace.totals.shipped, trace.totals.on_hand) == (40, 25, 15)
    putaways = StockMove.objects.filter(lot=site.lot, kind="putaway")
    assert {m.to_location.code for m in putaways} == {"B-00", "B-01"}  # split over two bins
    picked_from = {
        m.from_location.code for m in StockMove.objects.filter(lot=site.lot, kind="pick")
    }
    assert picked_from == {"B-00", "B-01"}
    assert trace.moves_count == StockMove.objects.filter(lot=site.lot).count()


def test_the_other_lot_of_the_same_product_stays_out_of_the_trace(site):
    other = lot_trace(lot=site.other_lot, warehouses=_everywhere())

    assert other.orders == []
    assert [(r.quantity, r.reference) for r in other.receipts] == [(10, site.receipt.reference)]
    assert [(p.location_code, p.quantity) for p in other.places] == [("B-02", 10)]
    assert other.totals.shipped == 0


def test_the_trace_costs_a_fixed_number_of_queries(site, django_assert_max_num_queries):
    with django_assert_max_num_queries(10):
        trace = lot_trace(lot=site.lot, warehouses=_everywhere())
        assert trace.orders
        assert trace.places
        assert trace.receipts


def test_another_warehouse_sees_none_of_the_lot(site):
    elsewhere = Warehouse.objects.filter(pk=WarehouseFactory().pk)

    trace = lot_trace(lot=site.lot, warehouses=elsewhere)

    assert (trace.receipts, trace.orders, trace.places, trace.moves_count) == ([], [], [], 0)


def test_qc_failures_and_quarantine_show_in_the_trace(db):
    warehouse = WarehouseFactory()
    LocationFactory(warehouse=warehouse, code="S-1")
    product = ProductFactory(tracking="lot", requires_qc=True)
    inspector = _user("inspector", "floor")
    receipt = receipt_create(warehouse=warehouse)
    receipt_receive(receipt_id=receipt.pk, entries=[ReceivedEntry(product, 6, "Q-1")])
    (task,) = receipt_plan(receipt_id=receipt.pk)
    qc_task_record(
        task_id=task.pk,
        user_id=inspector.pk,
        result="fail",
        failed_quantity=2,
        reason="dented tins",
        scanned_location=task.source_location.code,
        scanned_product=product.sku,
    )
    trace = lot_trace(lot=product.lots.get(), warehouses=_everywhere())

    (inspection,) = trace.inspections
    assert (inspection.failed, inspection.reason, inspection.inspector) == (
        2,
        "dented tins",
        "inspector",
    )
    assert ("quarantine", 2) in {(row.kind, row.quantity) for row in trace.places}


# --- bin and product histories -----------------------------------------------------------------


def test_a_bins_history_walks_back_page_by_page_without_gaps(db):
    warehouse = WarehouseFactory()
    a, b = LocationFactory(warehouse=warehouse), LocationFactory(warehouse=warehouse)
    product = ProductFactory()
    stock_receive(location=a, product_id=product.pk, quantity=20)
    for _ in range(4):
        stock_move(product_id=product.pk, quantity=2, from_location_id=a.pk, to_location_id=b.pk)
        stock_move(product_id=product.pk, quantity=1, from_location_id=b.pk, to_location_id=a.pk)
    expected = list(
        StockMove.objects.filter(from_location=a)
        .union(StockMove.objects.filter(to_location=a))
        .order_by("-created_at", "-id")
        .values_list("id", flat=True)
    )
    seen, before = [], None
    while True:
        page = bin_history(location=a, filters=HistoryFilters(before_id=before), size=3)
        seen += [move.pk for move in page.moves]
        if page.next_before is None:
            break
        before = page.next_before

    assert seen == expected
    assert len(seen) == 9


def test_history_filters_by_kind_and_day(db):
    warehouse = WarehouseFactory()
    a, b = LocationFactory(warehouse=warehouse), LocationFactory(warehouse=warehouse)
    product = ProductFactory()
    stock_receive(location=a, product_id=product.pk, quantity=5)
    stock_move(product_id=product.pk, quantity=2, from_location_id=a.pk, to_location_id=b.pk)
    today = timezone.localdate()
    scope = Warehouse.objects.filter(pk=warehouse.pk)

    transfers = product_history(
        product_id=product.pk, warehouses=scope, filters=HistoryFilters(kind="transfer")
    )
    tomorrow = product_history(
        product_id=product.pk,
        warehouses=scope,
        filters=HistoryFilters(since=today + timedelta(days=1)),
    )
    today_only = bin_history(location=a, filters=HistoryFilters(since=today, until=today))

    assert [m.kind for m in transfers.moves] == ["transfer"]
    assert tomorrow.moves == []
    assert len(today_only.moves) == 2


def test_history_pages_read_a_bounded_number_of_rows(db, django_assert_max_num_queries):
    warehouse = WarehouseFactory()
    a = LocationFactory(warehouse=warehouse)
    product = ProductFactory()
    stock_receive(location=a, product_id=product.pk, quantity=5)
    move = StockMove.objects.get()

    with django_assert_max_num_queries(3):  # the cursor's row, then one read per side
        bin_history(location=a, filters=HistoryFilters(before_id=move.pk))
    with pytest.raises(UnknownCursor):
        bin_history(location=a, filters=HistoryFilters(before_id=move.pk + 999))


# --- pages -------------------------------------------------------------------------------------


def test_searching_a_lot_code_opens_its_trace(client, site):
    client.force_login(site.boss)

    response = client.get(reverse("supervisor-trace"), {"q": "l-2406"})

    assert response.status_code == 302
    assert response["Location"] == reverse("supervisor-trace-lot", args=[site.lot.pk])


def test_scanning_the_lots_gs1_label_opens_its_trace(client, site):
    client.force_login(site.boss)
    expiry = site.lot.expiry_date.strftime("%y%m%d")
    label = f"]C101{site.product.barcode.zfill(14)}17{expiry}10L-2406"

    response = client.get(reverse("supervisor-trace"), {"q": label})
    printed = client.get(
        reverse("supervisor-trace"), {"q": f"(01){site.product.barcode.zfill(14)}(10)L-2407"}
    )

    assert response["Location"] == reverse("supervisor-trace-lot", args=[site.lot.pk])
    assert printed["Location"] == reverse("supervisor-trace-lot", args=[site.other_lot.pk])


def test_a_search_lists_lots_products_and_bins_and_says_why_a_label_fails(client, site):
    client.force_login(site.boss)

    listed = client.get(reverse("supervisor-trace"), {"q": "L-240"})
    bins = client.get(reverse("supervisor-trace"), {"q": "B-0"})
    nothing = client.get(reverse("supervisor-trace"), {"q": "no-such-thing"})
    broken = client.get(reverse("supervisor-trace"), {"q": f"]C10109501101530004{GS}10X"})

    assert {lot.code for lot in listed.context["matches"].lots} == {"L-2406", "L-2407"}
    assert {b.code for b in bins.context["matches"].bins} == {"B-00", "B-01", "B-02", "B-03"}
    assert "Nothing matches" in _page_text(nothing)
    assert broken.status_code == 422
    assert "check digit" in _page_text(broken)


def test_the_lot_page_shows_upstream_downstream_and_now(client, site):
    client.force_login(site.boss)

    response = client.get(reverse("supervisor-trace-lot", args=[site.lot.pk]))

    text = _page_text(response)
    assert response.status_code == 200
    for expected in ("Green Valley Dairy", site.purchase_order.number, "Corner Shop Ltd", "SO-2"):
        assert expected in text
    assert "Shipped to 1 customer" in text
    assert (
        response.context["page"].paginator.count == StockMove.objects.filter(lot=site.lot).count()
    )


def test_the_recall_csv_lists_every_move_and_every_customer(client, site):
    client.force_login(site.boss)

    moves = client.get(reverse("supervisor-trace-lot-csv", args=[site.lot.pk]))
    orders = client.get(reverse("supervisor-trace-lot-csv", args=[site.lot.pk]), {"part": "orders"})
    bad = client.get(reverse("supervisor-trace-lot-csv", args=[site.lot.pk]), {"part": "x"})

    rows = list(csv.DictReader(io.StringIO(b"".join(moves.streaming_content).decode("utf-8-sig"))))
    assert moves["Content-Type"].startswith("text/csv")
    assert len(rows) == StockMove.objects.filter(lot=site.lot).count()
    receipt_rows = [r for r in rows if r["kind"] == "Receipt"]
    assert {(r["supplier"], r["purchase_order"]) for r in receipt_rows} == {
        ("Green Valley Dairy", site.purchase_order.number)
    }
    assert {r["customer"] for r in rows if r["kind"] == "Shipment"} == {"Corner Shop Ltd"}
    customers = list(
        csv.DictReader(io.StringIO(b"".join(orders.streaming_content).decode("utf-8-sig")))
    )
    assert {(r["order"], r["shipped"], r["packages"]) for r in customers} == {
        ("SO-1", "25", "1:20 2:5"),
        ("SO-2", "0", "1:8"),
    }
    assert bad.status_code == 400


def test_the_recall_csv_neutralises_spreadsheet_formulas(client, db):
    site = trace_site_build(customer_a='=HYPERLINK("http://evil","x")', customer_b="@SUM(A1)")
    client.force_login(site.boss)

    response = client.get(
        reverse("supervisor-trace-lot-csv", args=[site.lot.pk]), {"part": "orders"}
    )

    body = b"".join(response.streaming_content).decode("utf-8-sig")
    customers = {row["customer"] for row in csv.DictReader(io.StringIO(body))}
    assert customers == {'\'=HYPERLINK("http://evil","x")', "'@SUM(A1)"}


def test_bin_and_product_history_pages(client, site):
    client.force_login(site.boss)
    bin_ = site.bins[0]

    bin_page = client.get(reverse("supervisor-trace-bin", args=[bin_.pk]))
    putaways = client.get(reverse("supervisor-trace-bin", args=[bin_.pk]), {"kind": "putaway"})
    product_page = client.get(reverse("supervisor-trace-product", args=[site.product.pk]))

    assert bin_page.status_code == 200
    assert {m.kind for m in bin_page.context["history"].moves} == {"putaway", "pick"}
    assert {m.kind for m in putaways.context["history"].moves} == {"putaway"}
    assert "putter" in _page_text(putaways)
    assert product_page.status_code == 200
    assert {lot.code for lot in product_page.context["lots"]} == {"L-2406", "L-2407"}
    kinds = {m.kind for m in product_page.context["history"].moves}
    assert kinds == {"receipt", "putaway", "pick", "ship"}


@pytest.mark.parametrize(
    "query",
    [
        {"since": "yesterday"},
        {"kind": "teleport"},
        {"since": "2026-03-02", "until": "2026-03-01"},
        {"before": "999999999"},
        {"before": "-4"},
    ],
)
def test_bad_history_filters_are_a_422_with_the_reason(client, site, query):
    client.force_login(site.boss)

    response = client.get(reverse("supervisor-trace-product", args=[site.product.pk]), query)

    assert response.status_code == 422
    assert response.context["history"] is None
    assert response.context["form"].errors


def test_unknown_or_virtual_locations_and_unknown_lots_are_404(client, site):
    client.force_login(site.boss)
    customers = Location.objects.get(warehouse=site.warehouse, kind="customer")

    assert client.get(reverse("supervisor-trace-bin", args=[customers.pk])).status_code == 404
    assert client.get(reverse("supervisor-trace-bin", args=[999999])).status_code == 404
    assert client.get(reverse("supervisor-trace-lot", args=[999999])).status_code == 404
    assert client.get(reverse("supervisor-trace-product", args=[999999])).status_code == 404


@pytest.mark.parametrize("user_fixture", ["floor_user", "purchaser"])
def test_floor_staff_and_purchasers_may_not_trace(client, request, site, user_fixture):
    client.force_login(request.getfixturevalue(user_fixture))

    for url in (
        reverse("supervisor-trace"),
        reverse("supervisor-trace-lot", args=[site.lot.pk]),
        reverse("supervisor-trace-lot-csv", args=[site.lot.pk]),
        reverse("supervisor-trace-bin", args=[site.bins[0].pk]),
        reverse("supervisor-trace-product", args=[site.product.pk]),
    ):
        assert client.get(url).status_code == 403, url


def test_a_supervisor_of_another_warehouse_cannot_open_the_lot(client, site):
    from inventory.models import UserScope

    outsider = _user("outsider", "supervisor")
    scope = UserScope.objects.get(user=outsider)
    scope.all_warehouses = False
    scope.save(update_fields=["all_warehouses"])
    scope.warehouses.set([WarehouseFactory()])
    client.force_login(outsider)

    assert client.get(reverse("supervisor-trace-lot", args=[site.lot.pk])).status_code == 404
    assert client.get(reverse("supervisor-trace-bin", args=[site.bins[0].pk])).status_code == 404


# --- the ways in -------------------------------------------------------------------------------


def test_the_product_stock_and_receipt_pages_link_to_traces_and_labels(client, site, purchaser):
    client.force_login(site.boss)

    product = page_text_and_html(client, reverse("product-stock", args=[site.product.pk]))
    stock = page_text_and_html(client, reverse("supervisor-home"))
    receipt = page_text_and_html(client, reverse("floor-receipt", args=[site.receipt.pk]))

    assert reverse("supervisor-trace-product", args=[site.product.pk]) in product
    assert f"{reverse('supervisor-labels')}?what=products&amp;product={site.product.pk}" in product
    holding = Quant.objects.get(lot=site.lot, location__kind="storage", quantity__gt=0).location_id
    assert reverse("supervisor-trace-bin", args=[holding]) in stock
    assert reverse("supervisor-trace-lot", args=[site.lot.pk]) in stock
    assert f"{reverse('supervisor-labels')}?what=lots&amp;receipt={site.receipt.pk}" in receipt
    client.force_login(purchaser)  # the product page is theirs too, the trace is not
    assert "supervisor/trace" not in page_text_and_html(
        client, reverse("product-stock", args=[site.product.pk])
    )


def page_text_and_html(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()
