"""`manage.py seed_demo`: the demo data, made through the real services, idempotent."""

import re
from collections import defaultdict
from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db.models import Count, Max, Min, Sum
from django.utils import timezone

from inventory.barcodes import gtin_is_valid
from inventory.models import (
    DemandRecord,
    Product,
    PurchaseOrder,
    ReorderRule,
    ReorderSuggestion,
    StockLevel,
    Supplier,
    SupplierProduct,
    UserScope,
    Warehouse,
)
from inventory.services.purchasing import OrderLineInput, purchase_order_create
from inventory.services.replenishment import reorder_review
from inventory.services.rules import reorder_rule_update
from warehouse.demo.purchasing import DemoOrder, demo_deliveries_ensure, marker
from warehouse.models import Location, Lot, Quant, Receipt, StockMove, Task
from warehouse.selectors.ledger import stock_drift
from warehouse.services.layout import warehouse_setup
from wms.roles import FLOOR, PURCHASER, SUPERVISOR

K = Location.Kind
BIN_CODE = re.compile(r"^A\d{2}-R\d{2}-S\d-B\d$")
DEMO_USERS = {"supervisor": SUPERVISOR, "floor1": FLOOR, "floor2": FLOOR, "purchaser": PURCHASER}


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def snapshot() -> dict[str, object]:
    """Everything a second run could add to or change."""
    return {
        "users": get_user_model().objects.count(),
        "warehouses": Warehouse.objects.count(),
        "locations": Location.objects.count(),
        "products": Product.objects.count(),
        "suppliers": Supplier.objects.count(),
        "lots": Lot.objects.count(),
        "moves": StockMove.objects.count(),
        "tasks": Task.objects.count(),
        "units": Quant.objects.aggregate(total=Sum("quantity"))["total"],
        "homes": Location.objects.exclude(home_product=None).count(),
        "blocked": Location.objects.filter(is_blocked=True).count(),
        "orders": sorted(PurchaseOrder.objects.values_list("number", "status")),
        "receipts": sorted(Receipt.objects.values_list("reference", "status")),
        "on_order": StockLevel.objects.aggregate(total=Sum("on_order"))["total"],
        "offers": SupplierProduct.objects.count(),
        "rules": ReorderRule.objects.count(),
        "demand": DemandRecord.objects.aggregate(total=Sum("quantity"))["total"],
        "suggestions": sorted(
            ReorderSuggestion.objects.values_list(
                "product_id", "warehouse_id", "status", "suggested_quantity"
            )
        ),
    }


@pytest.mark.django_db
def test_seed_demo_builds_the_full_size_demo():
    # Full size, a week of history: the layout and catalogue do not depend on the days.
    out = seed("--days", "7")

    assert_layout_of_aisles_on_an_s_shaped_pick_path()
    assert_catalogue_and_users()
    assert_open_work_waits_on_the_docks()
    assert_deliveries_are_expected_at_main()
    assert StockMove.objects.filter(kind="transfer").exists()
    assert stock_drift().is_clean
    assert "users: 5 created" in out
    assert "history: 7 days" in out
    assert "deliveries: 4 purchase orders created, 3 sent, 4 expected receipts created" in out


def assert_layout_of_aisles_on_an_s_shaped_pick_path() -> None:
    main = Location.objects.filter(warehouse__code="MAIN")
    bins = list(main.filter(kind__in=[K.STORAGE, K.PICK]))
    assert len(bins) >= 500
    assert len({b.aisle for b in bins}) >= 20
    for b in bins:
        assert BIN_CODE.match(b.code), b.code
        assert b.code == f"{b.aisle}-{b.rack}-{b.shelf}-{b.bin}"
        assert b.capacity_units
        assert b.x > 0
        assert b.y > 0
        assert b.zone is not None
    assert len({b.pick_sequence for b in bins}) == len(bins)
    assert main.filter(kind=K.RECEIVING).count() >= 2
    for kind in (K.QC, K.QUARANTINE, K.STAGING, K.SHIPPING):
        assert main.filter(kind=kind).exists(), kind

    # Aisles 3 m apart, bins 1 m apart along them; the walk goes up aisle 1 and down aisle 2.
    def walk(aisle: str) -> list[float]:
        return [b.y for b in sorted(bins, key=lambda b: b.pick_sequence) if b.aisle == aisle]

    assert walk("A01") == sorted(walk("A01"))
    assert walk("A02") == sorted(walk("A02"), reverse=True)
    assert {b.x for b in bins if b.aisle == "A02"} == {6.0}
    assert sorted({b.y for b in bins if b.aisle == "A01"})[:2] == [4.5, 5.5]

    # The pick face: low shelves of the aisles by the docks, small, in a zone of their own.
    pick = [b for b in bins if b.kind == K.PICK]
    reserve = [b for b in bins if b.kind == K.STORAGE]
    assert pick
    assert {b.shelf for b in pick} <= {"S1", "S2"}
    assert {b.zone.code for b in pick} == {"PICK"}
    assert {b.zone.code for b in reserve} == {"RES"}
    assert max(b.capacity_units for b in pick) < min(b.capacity_units for b in reserve)
    assert max(b.x for b in pick) < min(b.x for b in reserve if b.aisle > "A10")
    assert sum(1 for b in pick if b.home_product_id) >= len(pick) - 2

    east = Location.objects.filter(warehouse__code="EAST", kind__in=[K.STORAGE, K.PICK])
    assert 0 < east.count() < len(bins)


def assert_catalogue_and_users() -> None:
    products = list(Product.objects.all())
    assert len(products) >= 300
    assert all(len(p.barcode) == 13 and gtin_is_valid(p.barcode) for p in products)
    assert len({p.barcode for p in products}) == len(products)
    tracking = {t: sum(1 for p in products if p.tracking == t) for t in Product.Tracking.values}
    assert all(n >= 20 for n in tracking.values()), tracking
    assert sum(p.requires_qc for p in products) >= 20
    assert all(p.unit_cost > 0 and p.name for p in products)
    assert len({p.unit_of_measure for p in products}) >= 5
    suppliers = Supplier.objects.all()
    assert suppliers.count() >= 8
    assert suppliers.filter(requires_qc=True).exists()
    assert len({s.lead_time_days for s in suppliers}) >= 4

    users = {u.username: u for u in get_user_model().objects.prefetch_related("groups")}
    for username, role in DEMO_USERS.items():
        assert [g.name for g in users[username].groups.all()] == [role]
        assert users[username].check_password("demo")
    assert users["admin"].is_superuser
    assert users["admin"].is_staff
    assert UserScope.objects.filter(all_warehouses=True).count() == 5


def assert_open_work_waits_on_the_docks() -> None:
    # This morning's trucks wait on the docks with their putaway (or QC) tasks.
    open_tasks = Task.objects.filter(status=Task.Status.OPEN)
    putaways = open_tasks.filter(kind=Task.Kind.PUTAWAY, warehouse__code="MAIN")
    assert putaways.exists()
    on_docks = dict(
        Quant.objects.filter(location__kind=K.RECEIVING, quantity__gt=0)
        .values_list("location_id")
        .annotate(n=Sum("quantity"))
    )
    waiting = defaultdict(int)
    for task in open_tasks.filter(kind__in=[Task.Kind.PUTAWAY, Task.Kind.QC]):
        waiting[task.source_location_id] += task.quantity
    assert waiting == on_docks
    assert all(t.destination_location.capacity_units for t in putaways if t.destination_location)
    assert open_tasks.filter(kind=Task.Kind.COUNT).count() >= 3
    assert open_tasks.filter(origin_key__isnull=True).count() == 0
    blocked = Location.objects.filter(is_blocked=True)
    assert blocked.count() >= 2
    assert all(b.blocked_reason for b in blocked)


def assert_deliveries_are_expected_at_main() -> None:
    # Trucks the floor can receive: three sent orders with their receipts, one notice.
    orders = PurchaseOrder.objects.filter(warehouse__code="MAIN").prefetch_related(
        "lines__product", "receipts__lines"
    )
    by_status = defaultdict(list)
    for order in orders:
        by_status[order.status].append(order)
        assert "[demo:MAIN:po:" in order.notes
        assert order.created_by.username == "purchaser"
    assert {status: len(found) for status, found in by_status.items()} == {"sent": 3, "draft": 1}
    assert not by_status["draft"][0].receipts.exists()
    for order in by_status["sent"]:
        assert order.lines.count() >= 3
        (receipt,) = order.receipts.all()
        assert (receipt.kind, receipt.status, receipt.dock.kind) == (
            "purchase_order",
            "expected",
            K.RECEIVING,
        )
        expected = {line.product_id: line.expected_quantity for line in receipt.lines.all()}
        assert expected == {line.product_id: line.quantity for line in order.lines.all()}
    products = [line.product for order in by_status["sent"] for line in order.lines.all()]
    assert any(p.requires_qc for p in products)
    assert any(p.tracking == Product.Tracking.LOT_EXPIRY for p in products)
    assert any(not p.requires_qc and p.tracking == Product.Tracking.NONE for p in products)
    assert len({r.dock_id for r in Receipt.objects.filter(warehouse__code="MAIN")}) >= 2
    ordered = sum(line.quantity for order in by_status["sent"] for line in order.lines.all())
    assert StockLevel.objects.aggregate(total=Sum("on_order"))["total"] == ordered
    (notice,) = Receipt.objects.filter(kind="advance_notice")
    assert (notice.warehouse.code, notice.status, notice.purchase_order) == (
        "MAIN",
        "expected",
        None,
    )
    assert notice.lines.count() >= 1
    assert all(line.expected_quantity > 0 for line in notice.lines.all())


@pytest.mark.django_db
def test_seed_demo_writes_ninety_days_of_history_through_the_ledger():
    seed("--scale", "0.1")

    today = timezone.localdate()
    span = StockMove.objects.aggregate(first=Min("created_at"), last=Max("created_at"))
    assert timezone.localtime(span["first"]).date() <= today - timedelta(days=88)
    days = {
        timezone.localtime(m).date() for m in StockMove.objects.values_list("created_at", flat=True)
    }
    assert len(days) >= 70
    kinds = set(StockMove.objects.values_list("kind", flat=True))
    assert kinds >= {
        "receipt",
        "putaway",
        "qc",
        "pick",
        "ship",
        "replenish",
        "adjustment",
        "count",
    }

    # Every shipment leaves from staging to the customers; demand exists on most days.
    ships = StockMove.objects.filter(kind="ship").select_related("from_location", "to_location")
    assert {(m.from_location.kind, m.to_location.kind) for m in ships} == {(K.STAGING, K.CUSTOMER)}
    picks = StockMove.objects.filter(kind="pick").select_related("from_location", "to_location")
    assert {m.from_location.kind for m in picks} <= {K.STORAGE, K.PICK}
    assert {m.to_location.kind for m in picks} == {K.STAGING}
    assert ships.values("created_at__date").distinct().count() >= 60

    # FIFO dates and lots: stock of many receipt dates, products with several lots.
    stocked = Quant.objects.filter(quantity__gt=0)
    assert stocked.values("received_at__date").distinct().count() >= 10
    assert Lot.objects.values("product").annotate(n=Count("id")).filter(n__gte=2).exists()

    # Never more in a bin than it holds.
    fill = (
        Quant.objects.filter(location__capacity_units__isnull=False)
        .values("location_id", "location__capacity_units")
        .annotate(total=Sum("quantity"))
    )
    assert all(row["total"] <= row["location__capacity_units"] for row in fill)
    assert stock_drift().is_clean


@pytest.mark.django_db
def test_a_second_run_only_ensures_users_and_changes_nothing():
    seed("--scale", "0.05", "--days", "10")
    before = snapshot()

    out = seed("--scale", "0.05", "--days", "10")

    assert snapshot() == before
    assert before["orders"]
    assert "5 kept" in out
    assert "skipped" in out
    assert "deliveries: 0 purchase orders created, 0 sent, 0 expected receipts created" in out
    assert stock_drift().is_clean


@pytest.mark.django_db
def test_the_purchaser_finds_offers_rules_and_reasoned_suggestions():
    seed("--scale", "0.1", "--days", "30", "--quiet")

    products = Product.objects.filter(is_active=True).count()
    assert SupplierProduct.objects.values("product").distinct().count() == products
    # Some products have a second source, dearer and quicker than the first.
    second = SupplierProduct.objects.values("product").annotate(n=Count("id")).filter(n=2)
    assert 0 < second.count() < products
    for product_id in second.values_list("product", flat=True):
        first, other = SupplierProduct.objects.filter(product_id=product_id).order_by("unit_cost")
        assert other.unit_cost > first.unit_cost
        assert other.lead_time_days < first.supplier.lead_time_days
    # Every stocked pair has a rule; movers forecast, the rest min/max with min <= max.
    assert ReorderRule.objects.count() == StockLevel.objects.count()
    policies = set(ReorderRule.objects.values_list("policy", flat=True))
    assert policies == {"forecast", "min_max"}
    # The demand history is the ledger's shipments, unit for unit, per warehouse.
    for warehouse in Warehouse.objects.all():
        shipped = StockMove.objects.filter(warehouse=warehouse, kind="ship").aggregate(
            total=Sum("quantity")
        )["total"]
        recorded = DemandRecord.objects.filter(warehouse=warehouse).aggregate(
            total=Sum("quantity")
        )["total"]
        assert shipped, warehouse.code
        assert recorded == shipped, warehouse.code
    # The seed's own review is complete: a second one opens and changes nothing. (How many pairs
    # are below their reorder point depends on the calendar the history was written on.)
    assert reorder_review().opened == 0
    for suggestion in ReorderSuggestion.objects.filter(status="open"):
        assert suggestion.supplier_id is not None
        assert suggestion.suggested_quantity > 0
        assert suggestion.reason
    # A pair pushed below its minimum is suggested from the cheapest offer, with its reason.
    rule = ReorderRule.objects.filter(policy="min_max").order_by("product__sku").first()
    reorder_rule_update(rule=rule, min_quantity=1_000_000, max_quantity=1_000_020)
    reorder_review(warehouse_id=rule.warehouse_id, product_ids=[rule.product_id])
    suggestion = ReorderSuggestion.objects.get(product=rule.product, status="open")
    cheapest = SupplierProduct.objects.filter(product=rule.product).order_by("unit_cost").first()
    assert suggestion.supplier_id == cheapest.supplier_id
    assert suggestion.suggested_quantity >= 20
    assert suggestion.reason


@pytest.mark.django_db
def test_deliveries_stopped_half_way_are_finished_and_never_doubled():
    seed("--scale", "0.05", "--days", "3", "--quiet")
    main = Warehouse.objects.get(code="MAIN")
    spec = DemoOrder("late", "FERROX", "HW", (10, 20), "A late order")
    # As if a run died right after creating this order: a draft, not sent, no receipt.
    purchase_order_create(
        supplier=Supplier.objects.get(code="FERROX"),
        warehouse=main,
        lines=[OrderLineInput(Product.objects.filter(sku__startswith="HW-").first(), 10)],
        notes=f"A late order {marker(main, spec)}",
    )

    finished = demo_deliveries_ensure(
        warehouse=main, purchaser_id=None, clerk_id=None, orders=[spec], notice=None
    )
    again = demo_deliveries_ensure(
        warehouse=main, purchaser_id=None, clerk_id=None, orders=[spec], notice=None
    )

    assert (finished.orders_created, finished.orders_sent, finished.receipts_created) == (0, 1, 1)
    assert (again.orders_created, again.orders_sent, again.receipts_created) == (0, 0, 0)
    (order,) = PurchaseOrder.objects.filter(notes__contains=marker(main, spec))
    assert order.status == "sent"
    assert order.receipts.get().status == "expected"


@pytest.mark.django_db
def test_existing_users_keep_their_password_and_scope():
    User = get_user_model()
    floor1 = User.objects.create_user(username="floor1", password="changed-by-floor1")

    out = seed("--scale", "0.05", "--days", "3")

    floor1.refresh_from_db()
    assert floor1.check_password("changed-by-floor1")
    assert not floor1.groups.exists()
    assert not UserScope.objects.filter(user=floor1).exists()
    assert User.objects.get(username="floor2").check_password("demo")
    assert "4 created" in out
    assert "1 kept" in out


@pytest.mark.django_db
def test_the_demo_password_comes_from_the_setting(settings):
    settings.WMS_DEMO_PASSWORD = "s3cret-demo"

    seed("--scale", "0.05", "--days", "2", "--quiet")

    assert get_user_model().objects.get(username="supervisor").check_password("s3cret-demo")


@pytest.mark.django_db
def test_an_empty_demo_password_is_refused_and_nothing_is_created(settings):
    settings.WMS_DEMO_PASSWORD = ""

    with pytest.raises(CommandError, match="WMS_DEMO_PASSWORD"):
        seed("--scale", "0.05", "--days", "2")

    assert not get_user_model().objects.exists()
    assert not Warehouse.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--scale", "0"], "--scale"),
        (["--scale", "1.5"], "--scale"),
        (["--scale", "big"], "scale"),
        (["--days", "0"], "--days"),
        (["--days", "366"], "--days"),
        (["--days", "ninety"], "days"),
    ],
)
def test_bad_options_are_refused_before_anything_is_created(args, message):
    with pytest.raises(CommandError, match=message):
        seed(*args)

    assert not get_user_model().objects.exists()
    assert not Warehouse.objects.exists()


@pytest.mark.django_db
def test_a_run_that_stopped_half_way_is_completed():
    # As if a first run died after setting MAIN up: the rest is filled in around it.
    warehouse_setup(code="MAIN", name="Main Distribution Centre")

    out = seed("--scale", "0.05", "--days", "5", "--quiet")

    main = Location.objects.filter(warehouse__code="MAIN")
    assert main.filter(kind=K.STORAGE).count() > 0
    assert main.filter(code="RECV-01", x__gt=0).exists()  # the setup's dock got its place
    assert StockMove.objects.filter(warehouse__code="MAIN").exists()
    assert out == ""
    assert stock_drift().is_clean
