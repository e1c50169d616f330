"""The audit trail: every master-data service records who changed what, with the values before
and after (products, suppliers, warehouses, locations and their blocking, reorder rules,
supplier offers, pick-face rules); a refused or empty change records nothing; supervisors read
the trail on /supervisor/audit/ and GET /api/v1/audit-events/, within their warehouses."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from inventory.models import AuditEvent, Product, Supplier
from inventory.services.audit import audit_record, audit_snapshot, audit_value
from inventory.services.catalog import product_update, supplier_update, warehouse_update
from tests.conftest import _user
from tests.factories.inventory import ProductFactory, SupplierFactory, WarehouseFactory
from tests.factories.warehouse import LocationFactory
from tests.warehouse.services.test_task_board import scoped_user
from tests.warehouse.views.scenario import page_text
from warehouse.models import Location, PickFaceRule
from warehouse.services.pick_faces import PickFaceRuleInput, pick_face_rules_ensure
from wms.roles import SUPERVISOR

API = "/api/v1/"
EVENTS = f"{API}audit-events/"
PAGE = reverse("supervisor-audit")

pytestmark = pytest.mark.django_db


def last(object_type: str, object_id: int | None = None) -> AuditEvent:
    events = AuditEvent.objects.filter(object_type=object_type)
    if object_id is not None:
        events = events.filter(object_id=object_id)
    return events.latest("id")


def count(object_type: str) -> int:
    return AuditEvent.objects.filter(object_type=object_type).count()


@pytest.fixture
def boss(supervisor):
    return supervisor


@pytest.fixture
def api():
    """``api(user)``: an API client authenticated as ``user`` (None: anonymous)."""

    def make(user=None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return make


# --- products, suppliers, warehouses --------------------------------------------------------


def test_a_product_created_and_changed_over_the_api_is_recorded(api, boss):
    client = api(boss)
    created = client.post(
        f"{API}products/",
        {"sku": "BOLT-M8", "name": "Hex bolt", "unit_cost": "2.50", "barcode": "4006381333931"},
        format="json",
    ).json()

    event = last("product", created["id"])
    assert (event.action, event.actor, event.object_label, event.warehouse) == (
        "create",
        boss,
        "BOLT-M8 Hex bolt",
        None,
    )
    assert event.changes["sku"] == [None, "BOLT-M8"]
    assert event.changes["unit_cost"] == [None, "2.5"]
    assert event.changes["barcode"] == [None, "4006381333931"]
    assert event.changes["is_active"] == [None, True]

    client.patch(
        f"{API}products/{created['id']}/",
        {"name": "Hex bolt M8 x 40", "unit_cost": "2.75", "requires_qc": False},
        format="json",
    )

    event = last("product", created["id"])
    assert (event.action, event.actor) == ("update", boss)
    # Only what changed; requires_qc was False already.
    assert event.changes == {"name": ["Hex bolt", "Hex bolt M8 x 40"], "unit_cost": ["2.5", "2.75"]}


def test_the_same_values_again_record_nothing(api, boss):
    product = ProductFactory(unit_cost="2.50")
    before = count("product")

    response = api(boss).patch(
        f"{API}products/{product.pk}/", {"unit_cost": "2.5000", "name": product.name}, format="json"
    )

    assert response.status_code == 200
    assert count("product") == before


def test_a_refused_change_records_nothing(api, boss):
    product = ProductFactory()
    before = count("product")

    response = api(boss).patch(
        f"{API}products/{product.pk}/", {"barcode": "4006381333932"}, format="json"
    )

    assert response.status_code == 400
    assert count("product") == before


def test_deactivating_and_reactivating_say_so(boss):
    supplier = SupplierFactory(code="ACME")

    supplier_update(supplier=supplier, is_active=False, actor_id=boss.pk)
    deactivated = last("supplier", supplier.pk)
    supplier_update(supplier=Supplier.objects.get(pk=supplier.pk), is_active=True, actor_id=None)
    reactivated = last("supplier", supplier.pk)

    assert (deactivated.action, deactivated.actor, deactivated.changes) == (
        "deactivate",
        boss,
        {"is_active": [True, False]},
    )
    assert (reactivated.action, reactivated.actor) == ("reactivate", None)


def test_suppliers_and_warehouses_over_the_api(api, boss):
    client = api(boss)
    supplier = client.post(
        f"{API}suppliers/", {"code": "ACME", "name": "Acme", "lead_time_days": 5}, format="json"
    ).json()
    client.patch(f"{API}suppliers/{supplier['id']}/", {"lead_time_days": 9}, format="json")
    site = client.post(f"{API}warehouses/", {"code": "EAST", "name": "East"}, format="json").json()

    assert [
        (e.action, e.changes.get("lead_time_days"))
        for e in AuditEvent.objects.filter(object_type="supplier").order_by("id")
    ] == [("create", [None, 5]), ("update", [5, 9])]
    event = last("warehouse", site["id"])
    assert (event.action, event.actor, event.warehouse_id) == ("create", boss, site["id"])
    assert event.changes["code"] == [None, "EAST"]


def test_a_warehouse_renamed(boss):
    site = WarehouseFactory(code="WEST", name="West")
    warehouse_update(warehouse=site, name="West side", actor_id=boss.pk)
    event = last("warehouse", site.pk)
    assert (event.action, event.changes) == ("update", {"name": ["West", "West side"]})


def test_master_data_from_the_system_has_no_actor():
    product = ProductFactory(sku="SYS-1")
    product_update(product=product, name="Renamed")
    assert {e.actor_id for e in AuditEvent.objects.filter(object_id=product.pk)} == {None}


# --- locations -----------------------------------------------------------------------------


def test_locations_created_changed_blocked_and_released(api, boss):
    site = WarehouseFactory(code="MAIN")
    client = api(boss)
    created = client.post(
        f"{API}locations/",
        {"warehouse": "MAIN", "code": "A-01-01", "kind": "storage", "capacity_units": 50},
        format="json",
    ).json()
    url = f"{API}locations/{created['id']}/"

    client.patch(url, {"capacity_units": 80, "aisle": "A"}, format="json")
    client.patch(url, {"is_blocked": True, "blocked_reason": "Rack damaged"}, format="json")
    client.patch(url, {"is_blocked": False}, format="json")

    events = list(AuditEvent.objects.filter(object_type="location").order_by("id"))
    assert [(e.action, e.actor, e.warehouse_id, e.object_label) for e in events] == [
        ("create", boss, site.pk, "A-01-01"),
        ("update", boss, site.pk, "A-01-01"),
        ("block", boss, site.pk, "A-01-01"),
        ("unblock", boss, site.pk, "A-01-01"),
    ]
    assert events[0].changes["capacity_units"] == [None, 50]
    assert events[1].changes == {"capacity_units": [50, 80], "aisle": ["", "A"]}
    assert events[2].changes == {
        "is_blocked": [False, True],
        "blocked_reason": ["", "Rack damaged"],
    }
    assert events[2].note == "Rack damaged"
    assert events[3].changes == {
        "is_blocked": [True, False],
        "blocked_reason": ["Rack damaged", ""],
    }


def test_a_related_object_is_recorded_by_its_natural_key(boss):
    site = WarehouseFactory(code="MAIN")
    bolt = ProductFactory(sku="BOLT")
    from warehouse.services.layout import location_update

    location = LocationFactory(warehouse=site, code="P-01", kind=Location.Kind.PICK)
    location_update(location=location, home_product=bolt, actor_id=boss.pk)
    assert last("location", location.pk).changes == {"home_product": [None, "BOLT"]}


# --- reorder rules, offers, pick faces -------------------------------------------------------


def test_reorder_rules_with_their_supplier_by_code(api, boss, purchaser):
    WarehouseFactory(code="MAIN")
    ProductFactory(sku="BOLT")
    SupplierFactory(code="ACME")
    SupplierFactory(code="BOLTCO")
    client = api(purchaser)
    rule = client.post(
        f"{API}reorder-rules/",
        {
            "product": "BOLT",
            "warehouse": "MAIN",
            "min_quantity": 10,
            "max_quantity": 50,
            "supplier": "ACME",
        },
        format="json",
    ).json()
    client.patch(
        f"{API}reorder-rules/{rule['id']}/",
        {"supplier": "BOLTCO", "max_quantity": 60},
        format="json",
    )

    created, changed = AuditEvent.objects.filter(object_type="reorder_rule").order_by("id")
    assert (created.action, created.actor, created.object_label) == (
        "create",
        purchaser,
        "BOLT @ MAIN",
    )
    assert created.changes["supplier"] == [None, "ACME"]
    assert created.changes["min_quantity"] == [None, 10]
    assert (changed.action, changed.changes) == (
        "update",
        {"supplier": ["ACME", "BOLTCO"], "max_quantity": [50, 60]},
    )
    assert changed.warehouse.code == "MAIN"


def test_supplier_offers_created_and_withdrawn(api, purchaser):
    ProductFactory(sku="BOLT")
    SupplierFactory(code="ACME")
    client = api(purchaser)
    offer = client.post(
        f"{API}supplier-offers/",
        {"supplier": "ACME", "product": "BOLT", "unit_cost": "1.25"},
        format="json",
    ).json()
    client.patch(f"{API}supplier-offers/{offer['id']}/", {"is_active": False}, format="json")

    created, withdrawn = AuditEvent.objects.filter(object_type="supplier_offer").order_by("id")
    assert (created.action, created.object_label) == ("create", "ACME offers BOLT")
    assert created.changes["unit_cost"] == [None, "1.25"]
    assert (withdrawn.action, withdrawn.actor, withdrawn.changes) == (
        "deactivate",
        purchaser,
        {"is_active": [True, False]},
    )


def test_pick_face_rules_one_by_one_and_in_bulk(api, boss):
    site = WarehouseFactory(code="MAIN")
    ProductFactory(sku="BOLT")
    gloves = ProductFactory(sku="GLOVE")
    LocationFactory(warehouse=site, code="P-01", kind=Location.Kind.PICK)
    face = LocationFactory(warehouse=site, code="P-02", kind=Location.Kind.PICK)
    client = api(boss)
    rule = client.post(
        f"{API}pick-faces/",
        {
            "warehouse": "MAIN",
            "location": "P-01",
            "product": "BOLT",
            "min_quantity": 5,
            "max_quantity": 20,
        },
        format="json",
    ).json()
    client.patch(f"{API}pick-faces/{rule['id']}/", {"min_quantity": 8}, format="json")
    made = pick_face_rules_ensure(
        rules=[
            PickFaceRuleInput(face.pk, gloves.pk, 2, 10),
            PickFaceRuleInput(face.pk, gloves.pk, 2, 10),
        ]
    )

    assert made == 1
    events = list(AuditEvent.objects.filter(object_type="pick_face_rule").order_by("id"))
    assert [(e.action, e.actor, e.object_label, e.warehouse_id) for e in events] == [
        ("create", boss, "P-01: BOLT", site.pk),
        ("update", boss, "P-01: BOLT", site.pk),
        ("create", None, "P-02: GLOVE", site.pk),
    ]
    assert events[1].changes == {"min_quantity": [5, 8]}
    bulk = PickFaceRule.objects.get(location=face)
    assert events[2].object_id == bulk.pk
    assert events[2].changes == {
        "location": [None, "P-02"],
        "product": [None, "GLOVE"],
        "min_quantity": [None, 2],
        "max_quantity": [None, 10],
        "is_active": [None, True],
    }
    assert pick_face_rules_ensure(rules=[PickFaceRuleInput(face.pk, gloves.pk, 2, 10)]) == 0
    assert count("pick_face_rule") == 3  # nothing created, nothing recorded


# --- the service itself --------------------------------------------------------------------


def test_values_are_stored_readably():
    from datetime import date
    from decimal import Decimal

    assert audit_value(Decimal("2.5000")) == "2.5"
    assert audit_value(Decimal("100")) == "100"
    assert audit_value(date(2031, 6, 30)) == "2031-06-30"
    product = ProductFactory(sku="BOLT")
    assert audit_value(product) == "BOLT"
    assert audit_snapshot(product, ["sku", "unit_cost"]) == {"sku": "BOLT", "unit_cost": "2.5"}


def test_unknown_actions_and_object_types_are_programming_errors():
    with pytest.raises(ValueError, match="unknown audit action"):
        audit_record(action="teleport", object_type="product", object_id=1)
    with pytest.raises(ValueError, match="unknown audited object type"):
        audit_record(action="create", object_type="spaceship", object_id=1)


# --- reading it: the API -------------------------------------------------------------------


@pytest.fixture
def trail(boss):
    """Records of two warehouses and of shared master data, by two people, on two days."""
    main, east = WarehouseFactory(code="MAIN"), WarehouseFactory(code="EAST")
    other = _user("other-boss", SUPERVISOR)
    bolt = ProductFactory(sku="BOLT")
    product_update(product=bolt, name="Bolt, renamed", actor_id=boss.pk)
    main_bin = LocationFactory(warehouse=main, code="M-01")
    east_bin = LocationFactory(warehouse=east, code="E-01")
    from warehouse.services.layout import location_set_blocked

    location_set_blocked(location_id=main_bin.pk, blocked=True, reason="wet", actor_id=other.pk)
    location_set_blocked(location_id=east_bin.pk, blocked=True, reason="dark", actor_id=boss.pk)
    return {"main": main, "east": east, "bolt": bolt, "other": other, "main_bin": main_bin}


def test_supervisors_list_the_trail_newest_first(api, boss, trail):
    response = api(boss).get(EVENTS)

    assert response.status_code == 200
    results = response.json()["results"]
    assert response.json()["count"] == AuditEvent.objects.count()
    assert results[0]["object_label"] == "E-01"  # the last change
    assert results[0] | {"id": 0, "at": ""} == {
        "id": 0,
        "at": "",
        "actor": boss.username,
        "actor_id": boss.pk,
        "action": "block",
        "object_type": "location",
        "object_id": Location.objects.get(code="E-01").pk,
        "object_label": "E-01",
        "warehouse": "EAST",
        "warehouse_id": trail["east"].pk,
        "changes": {"is_blocked": [False, True], "blocked_reason": ["", "dark"]},
        "note": "dark",
    }


def test_filters(api, boss, trail):
    client = api(boss)

    def labels(**params):
        response = client.get(EVENTS, params)
        assert response.status_code == 200, response.json()
        return [r["object_label"] for r in response.json()["results"]]

    assert labels(object_type="location", action="block") == ["E-01", "M-01"]
    assert labels(actor=trail["other"].username) == ["M-01"]
    assert labels(actor=str(trail["other"].pk)) == ["M-01"]
    assert labels(warehouse="MAIN", action="block") == ["M-01"]
    assert labels(search="renamed") == ["BOLT Bolt, renamed"]
    assert labels(object_type="product", object_id=trail["bolt"].pk)[0] == "BOLT Bolt, renamed"
    today = timezone.localdate()
    assert (
        len(labels(since=today.isoformat(), until=today.isoformat())) == AuditEvent.objects.count()
    )
    assert labels(since=(today + timedelta(days=1)).isoformat()) == []
    assert labels(until=(today - timedelta(days=1)).isoformat()) == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"object_type": "spaceship"}, "object_type"),
        ({"action": "teleport"}, "action"),
        ({"since": "yesterday"}, "since"),
        ({"since": "2030-01-02", "until": "2030-01-01"}, "until"),
        ({"object_id": "x"}, "object_id"),
    ],
)
def test_bad_filters_are_a_400_naming_the_parameter(api, boss, params, field):
    response = api(boss).get(EVENTS, params)
    assert response.status_code == 400
    assert field in response.json()["fields"]


def test_a_supervisor_of_one_warehouse_sees_its_records_and_shared_ones(api, trail):
    east_boss = scoped_user("east-boss", SUPERVISOR, trail["east"])

    labels = [r["object_label"] for r in api(east_boss).get(EVENTS).json()["results"]]

    assert "E-01" in labels
    assert "BOLT Bolt, renamed" in labels  # products belong to every warehouse
    assert "M-01" not in labels
    main_event = last("location", trail["main_bin"].pk)
    assert api(east_boss).get(f"{EVENTS}{main_event.pk}/").status_code == 404


def test_only_supervisors_read_the_trail(api, floor_user, purchaser, trail):
    assert api().get(EVENTS).status_code == 401
    for user in (floor_user, purchaser):
        response = api(user).get(EVENTS)
        assert response.status_code == 403
        assert response.json()["code"] == "permission_denied"
    assert api(purchaser).post(EVENTS, {}, format="json").status_code in (403, 405)


# --- reading it: the page ------------------------------------------------------------------


def at_site(client, user, warehouse) -> None:
    client.force_login(user)
    session = client.session
    session["wms_warehouse_id"] = warehouse.pk
    session.save()


def test_the_audit_page_shows_who_changed_what(client, boss, trail):
    at_site(client, boss, trail["main"])

    response = client.get(PAGE)

    assert response.status_code == 200
    text = page_text(response)
    assert "Audit trail" in text
    # Newest first: who, what, which object and site, each field before and after.
    assert (
        "other-boss Blocked Location M-01 MAIN is blocked no → yes blocked reason — → wet wet "
    ) in text
    assert f"{boss.username} Changed Product BOLT Bolt, renamed all name Product" in text
    assert "E-01" not in text  # another warehouse's bin


def test_the_page_filters_by_type_who_day_and_text(client, boss, trail):
    at_site(client, boss, trail["main"])

    def labels(**params):
        response = client.get(PAGE, params)
        assert response.status_code == 200
        return [line.row.event.object_label for line in response.context["page"].object_list]

    assert labels(object_type="product")[0] == "BOLT Bolt, renamed"
    (created,) = labels(object_type="product", action="create")
    assert created.startswith("BOLT Product")  # the label as it was then
    assert labels(actor=trail["other"].username) == ["M-01"]
    assert labels(q="M-01") == ["M-01", "M-01"]  # created, then blocked
    assert labels(q="E-01") == []  # another warehouse's
    today = timezone.localdate().isoformat()
    assert "M-01" in labels(since=today, until=today)
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    assert labels(since=tomorrow) == []


def test_a_bad_filter_is_reported_and_left_out(client, boss, trail):
    at_site(client, boss, trail["main"])
    response = client.get(PAGE, {"object_type": "spaceship", "since": "soon"})
    assert response.status_code == 200
    text = page_text(response)
    assert "It is left out." in text
    # MAIN's records and the shared ones, none left out by the bad filters.
    shown = AuditEvent.objects.exclude(warehouse=trail["east"]).count()
    assert response.context["page"].paginator.count == shown


def test_only_supervisors_open_the_audit_page(client, floor_user, purchaser):
    for user in (floor_user, purchaser):
        client.force_login(user)
        assert client.get(PAGE).status_code == 403


def test_the_page_costs_the_same_queries_for_many_records(client, boss, django_assert_num_queries):
    client.force_login(boss)
    product = ProductFactory()
    product_update(product=product, name="one", actor_id=boss.pk)
    client.get(PAGE)  # the session's warehouse is settled on the first visit
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(PAGE)
    for n in range(30):
        product_update(
            product=Product.objects.get(pk=product.pk), name=f"name {n}", actor_id=boss.pk
        )
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(PAGE)
