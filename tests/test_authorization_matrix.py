"""The authorization matrix: every page and API endpoint, and for each role what it must not do.

The URLs come from the resolver, so a new one fails ``test_every_url_is_in_the_matrix`` until it
is given its expectations here (or a reason to be skipped). For each probe and each role that
must be refused, the role tries it and is refused: anonymous gets 401/403 from the API and the
login redirect from pages; a role without the permission gets 403 (404 where the object is none
of its business); "other" holds every role but works in warehouse B only, and gets 403/404 for
anything of warehouse A, never A's data (a page form may answer it with its own "not here"
status instead: such probes name it, and a control shows the same request works for A's own
user, so the refusal is the scope's and not a bad body's). A refused write changes nothing
(a digest of every table it could touch). What B's user may read shows none of A's data, where
A's supervisor sees it (the control that the marker check can fail).

The data set is built once for the module (tests/authorization_world.py) inside a transaction
rolled back at the end; each test runs in a savepoint of it.
"""

import uuid
from dataclasses import dataclass, field, replace

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.shortcuts import resolve_url
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.test import APIClient

from inventory.models import (
    AuditEvent,
    Product,
    PurchaseOrder,
    PurchaseOrderLine,
    ReorderRule,
    ReorderSuggestion,
    StockLevel,
    Supplier,
    SupplierProduct,
    Warehouse,
)
from tests.authorization_world import MARKER, World, user_make, world_build
from warehouse.models import (
    BinCount,
    Location,
    Lot,
    Order,
    Package,
    PickFaceRule,
    Quant,
    Receipt,
    StockMove,
    Task,
    Wave,
)

ANON, FLOOR, BUYER, SUP, OTHER = "anonymous", "floor", "purchaser", "supervisor", "other"

# URL names left out of the matrix, each with its reason.
SKIPPED = {
    "healthz": "public by design: the load balancer's probe (tests/test_healthz.py)",
    "login": "the way in: open to everyone",
    "logout": "the way out: harmless for anyone",
    "api-token": "the API's login: open to everyone, checks the password (tests/api/test_auth.py)",
    "api-schema": "the OpenAPI description, no data (tests/api/test_schema.py)",
    "api-docs": "the interactive docs page over the schema, no data",
}
SKIPPED_PREFIXES = {
    "admin/": "Django admin: staff/superuser only, guarded by Django itself",
    "static/": "static files, public by design",
}


@dataclass(frozen=True)
class Probe:
    """One request: ``name`` reversed with ``args`` (values are keys of the world's ids), the
    ``body`` (strings starting with "@" are world ids too; "@new_key" a form's fresh key), and
    the roles it must refuse.
    ``shared``: master data every warehouse sees (products, suppliers, offers), so B's user may
    read it and A's SKUs in it are no leak."""

    name: str
    method: str = "get"
    args: dict = field(default_factory=dict)
    body: dict | None = None
    refused: frozenset = frozenset()
    shared: bool = False
    query: dict | None = None
    api: bool = False  # an /api/v1/ route (some router names are page names too)
    multipart: bool = False  # an API write that takes a file upload, not JSON
    # A page form's "not in this warehouse" status (409/422 with a message), where it answers
    # B's user so rather than 403/404; such probes get a control: the owner may do it.
    not_here: int | None = None
    owner: str = SUP

    @property
    def id(self) -> str:
        return f"{self.method.upper()} {'api ' if self.api else ''}{self.name}"


def refuse(*roles: str) -> frozenset:
    return frozenset(roles)


def P(name, method="get", refused=(), **extra) -> Probe:  # noqa: N802 - reads as a table row
    return Probe(name=name, method=method, refused=refuse(ANON, *refused), **extra)


# Roles named below besides anonymous (always refused).
NOT_FLOOR_WORK = (BUYER,)  # work_task, receive_goods, ship_order, view_order: not purchasers
DESK = (FLOOR, BUYER)  # supervisor-only (control_task, adjust_stock, audit)
BUYING = (FLOOR, SUP)  # manage_purchasing: purchasers only
REPLENISH = (FLOOR,)  # stock levels, suggestions: supervisors and purchasers

PAGES = [
    P("home"),
    P("no-role"),
    P("warehouse-switch", "post", body={"warehouse": "@warehouse"}),
    # floor: work
    P("floor-home", refused=NOT_FLOOR_WORK),
    P("floor-scan", refused=NOT_FLOOR_WORK, query={"code": "A-01-01"}),
    P("floor-task-claim", "post", refused=NOT_FLOOR_WORK),
    P("floor-task", args={"task_id": "open_pick"}, refused=(BUYER, OTHER)),
    P("floor-task-scan", "post", args={"task_id": "open_pick"}, refused=(BUYER, OTHER)),
    P("floor-task-inspect", "post", args={"task_id": "open_pick"}, refused=(BUYER, OTHER)),
    P(
        "floor-task-release",
        "post",
        args={"task_id": "open_pick"},
        refused=(BUYER, OTHER),
        not_here=422,
        owner=FLOOR,  # its holder
    ),
    P("floor-pick", args={"task_id": "open_pick"}, refused=(BUYER, OTHER)),
    P("floor-pick-scan", "post", args={"task_id": "open_pick"}, refused=(BUYER, OTHER)),
    P("floor-count", args={"task_id": "count_task"}, refused=(BUYER, OTHER)),
    P("floor-count-scan", "post", args={"task_id": "count_task"}, refused=(BUYER, OTHER)),
    # floor: packing
    P("floor-packing", refused=NOT_FLOOR_WORK),
    P("floor-packing-find", refused=NOT_FLOOR_WORK),
    P("floor-pack", args={"order_id": "packed_order"}, refused=(BUYER, OTHER)),
    P("floor-pack-scan", "post", args={"order_id": "packed_order"}, refused=(BUYER, OTHER)),
    P("floor-pack-close", "post", args={"order_id": "packed_order"}, refused=(BUYER, OTHER)),
    P("floor-pack-ship", "post", args={"order_id": "packed_order"}, refused=(BUYER, OTHER)),
    # floor: receiving
    P("floor-receiving", refused=NOT_FLOOR_WORK),
    P("floor-receipt-find", refused=NOT_FLOOR_WORK),
    P(
        "floor-receipt-start",
        "post",
        refused=(BUYER, OTHER),
        body={"purchase_order": "@unreceived_po", "key": "@new_key"},  # A's purchase order
        not_here=422,
    ),
    P("floor-receipt", args={"receipt_id": "receipt"}, refused=(BUYER, OTHER)),
    P("floor-receipt-scan", args={"receipt_id": "receipt"}, refused=(BUYER, OTHER)),
    P("floor-receipt-receive", "post", args={"receipt_id": "receipt"}, refused=(BUYER, OTHER)),
    P("floor-receipt-close", "post", args={"receipt_id": "receipt"}, refused=(BUYER, OTHER)),
    # the product page: stock levels (supervisors, purchasers)
    P("product-stock", args={"product_id": "product"}, refused=REPLENISH),
    # supervisor desk
    P("supervisor-home", refused=DESK),
    P("supervisor-dashboard", refused=DESK),
    P("supervisor-quarantine", refused=DESK),
    P(
        "supervisor-quarantine-decide",
        "post",
        args={"quant_id": "quarantined", "action": "release"},
        body={"quantity": 2, "reason": "matrix", "key": "@new_key"},
        refused=(*DESK, OTHER),
        not_here=422,
    ),
    P("supervisor-orders", refused=NOT_FLOOR_WORK),
    P("supervisor-order-new", refused=DESK),
    P("supervisor-order-new", "post", refused=DESK, body={"reference": "X-1"}),
    P("supervisor-orders-upload", refused=DESK),
    P("supervisor-orders-upload", "post", refused=DESK),
    P(
        "supervisor-wave-release",
        "post",
        refused=(*DESK, OTHER),
        body={
            "order": "@unwaved_order",
            "by": "priority",
            "picks_per_batch": 20,
            "key": "@new_key",
        },
        not_here=409,
    ),
    P("supervisor-order", args={"order_id": "open_order"}, refused=(BUYER, OTHER)),
    P("supervisor-order-cancel", "post", args={"order_id": "open_order"}, refused=(*DESK, OTHER)),
    P("supervisor-order-ship", "post", args={"order_id": "packed_order"}, refused=(BUYER, OTHER)),
    P("supervisor-wave", args={"wave_id": "wave"}, refused=(BUYER, OTHER)),
    P("supervisor-counts", refused=DESK),
    P("supervisor-counts-plan", "post", refused=DESK, body={"by": "flagged"}),
    P(
        "supervisor-count-decide",
        "post",
        args={"count_id": "count", "action": "approve"},
        body={"reason": "matrix"},
        refused=(*DESK, OTHER),
        not_here=409,
    ),
    P("supervisor-map", refused=DESK),
    P("supervisor-map-find", refused=DESK, query={"code": "A-01-01"}),
    P("supervisor-map-bin", args={"location_id": "location"}, refused=(*DESK, OTHER)),
    P("supervisor-data", refused=REPLENISH),
    P("supervisor-data-import-start", "post", refused=REPLENISH, body={"kind": "products"}),
    P(
        "supervisor-data-import",
        args={"job_id": "import_job"},
        refused=(FLOOR, BUYER, OTHER),  # a job is its starter's only
    ),
    P("supervisor-data-template", args={"kind": "products"}, refused=(FLOOR,)),
    P("supervisor-data-export", args={"what": "stock"}, refused=REPLENISH),
    P("supervisor-data-export", args={"what": "moves"}, refused=REPLENISH),
    P("supervisor-trace", refused=DESK),
    P("supervisor-trace-lot", args={"lot_id": "lot"}, refused=(*DESK, OTHER)),
    P("supervisor-trace-lot-csv", args={"lot_id": "lot"}, refused=(*DESK, OTHER)),
    P("supervisor-trace-bin", args={"location_id": "location"}, refused=(*DESK, OTHER)),
    P("supervisor-trace-product", args={"product_id": "product"}, refused=DESK),
    P("supervisor-labels", refused=DESK),
    P("supervisor-labels-print", refused=DESK, query={"locations": "@location"}),
    P("supervisor-tasks", refused=DESK),
    P(
        "supervisor-tasks-bulk",
        "post",
        refused=(*DESK, OTHER),
        body={"task": "@open_pick", "action": "priority", "priority": "9"},
        not_here=422,
    ),
    P("supervisor-task-history", args={"task_id": "open_pick"}, refused=(*DESK, OTHER)),
    P(
        "supervisor-task-action",
        "post",
        args={"task_id": "open_pick", "action": "priority"},
        body={"priority": "9"},
        refused=(*DESK, OTHER),
    ),
    P("supervisor-audit", refused=DESK, query={"object_type": "task"}),
    # purchasing desk
    P("purchaser-home", refused=REPLENISH),
    P("purchaser-suggestions", refused=REPLENISH),
    P(
        "suggestions-approve",
        "post",
        refused=(FLOOR, OTHER),
        body={"suggestion": "@suggestion"},
        not_here=422,
    ),
    P("suggestions-review", "post", refused=REPLENISH),
    P(
        "suggestion-quantity",
        "post",
        args={"suggestion_id": "suggestion"},
        body={"quantity": "5"},
        refused=(FLOOR, OTHER),
    ),
    P("suggestion-approve", "post", args={"suggestion_id": "suggestion"}, refused=(FLOOR, OTHER)),
    P("suggestion-dismiss", "post", args={"suggestion_id": "suggestion"}, refused=(FLOOR, OTHER)),
    P("purchase-orders", refused=REPLENISH),
    P("purchase-order", args={"purchase_order_id": "draft_po"}, refused=(FLOOR, OTHER)),
    P("purchase-order-pdf", args={"purchase_order_id": "sent_po"}, refused=(FLOOR, OTHER)),
    P(
        "purchase-order-send",
        "post",
        args={"purchase_order_id": "draft_po"},
        refused=(*BUYING, OTHER),
    ),
    P(
        "purchase-order-cancel",
        "post",
        args={"purchase_order_id": "draft_po"},
        refused=(*BUYING, OTHER),
    ),
    P(
        "purchase-order-line-add",
        "post",
        args={"purchase_order_id": "draft_po"},
        body={"product": "@product_sku", "quantity": "3"},
        refused=(*BUYING, OTHER),
    ),
    P(
        "purchase-order-line",
        "post",
        args={"purchase_order_id": "draft_po", "product_id": "draft_po_product"},
        body={"quantity": "3"},
        refused=(*BUYING, OTHER),
    ),
    P(
        "purchase-order-line-remove",
        "post",
        args={"purchase_order_id": "draft_po", "product_id": "draft_po_product"},
        refused=(*BUYING, OTHER),
    ),
]

A = {"warehouse": "@warehouse_code"}  # a write naming warehouse A

APIS = [
    P("api-root"),
    P("warehouse-list"),
    P("warehouse-list", "post", refused=DESK, body={"code": "NEW", "name": "New"}),
    P("warehouse-detail", args={"pk": "warehouse"}, refused=(OTHER,)),
    P("location-list", refused=(BUYER,)),
    P(
        "location-list",
        "post",
        refused=(*DESK, OTHER),
        body={**A, "code": "Z-9", "kind": "storage"},
    ),
    P("location-detail", args={"pk": "location"}, refused=(BUYER, OTHER)),
    P(
        "location-detail",
        "patch",
        args={"pk": "location"},
        body={"is_blocked": True},
        refused=(*DESK, OTHER),
    ),
    P("product-list", shared=True),
    P("product-list", "post", refused=(FLOOR,), body={"sku": "NEW-1", "name": "New"}),
    P("product-detail", args={"pk": "product"}),
    P("product-detail", "patch", args={"pk": "product"}, body={"name": "x"}, refused=(FLOOR,)),
    P("supplier-list", refused=(FLOOR,), shared=True),
    P("supplier-list", "post", refused=(FLOOR,), body={"code": "NEW", "name": "New"}),
    P("supplier-detail", args={"pk": "supplier"}, refused=(FLOOR,), shared=True),
    P("supplier-detail", "patch", args={"pk": "supplier"}, body={"name": "x"}, refused=(FLOOR,)),
    P("quant-list", refused=(BUYER,)),
    P("quant-detail", args={"pk": "quant"}, refused=(BUYER, OTHER)),
    P("stock-level-list", refused=(FLOOR,)),
    P("move-list", refused=(FLOOR,)),
    P("move-detail", args={"pk": "move"}, refused=(FLOOR, OTHER)),
    P("task-list", refused=(BUYER,)),
    P("task-claim", "post", refused=(BUYER, OTHER), body=A),
    P("task-detail", args={"pk": "open_pick"}, refused=(BUYER, OTHER)),
    P(
        "task-detail",
        "patch",
        args={"pk": "open_pick"},
        body={"priority": 9},
        refused=(*DESK, OTHER),
    ),
    P("task-cancel", "post", args={"pk": "open_pick"}, refused=(*DESK, OTHER)),
    P(
        "task-complete",
        "post",
        args={"pk": "open_pick"},
        body={"location": "@location_code", "product": "@glove_sku", "quantity": 3},
        refused=(BUYER, OTHER),
    ),
    P("task-release", "post", args={"pk": "open_pick"}, refused=(*DESK, OTHER)),
    P(
        "adjustment-list",
        "post",
        refused=(*DESK, OTHER),
        body={
            **A,
            "location": "@location_code",
            "product": "@product_sku",
            "counted_quantity": 0,
            "reason": "matrix",
        },
    ),
    P("purchase-order-list"),
    P(
        "purchase-order-list",
        "post",
        refused=(*BUYING, OTHER),
        body={**A, "supplier": "@supplier_code", "lines": []},
    ),
    P("purchase-order-detail", args={"pk": "sent_po"}, refused=(OTHER,)),
    P("purchase-order-send", "post", args={"pk": "draft_po"}, refused=(*BUYING, OTHER)),
    P("purchase-order-cancel", "post", args={"pk": "draft_po"}, refused=(*BUYING, OTHER)),
    P("reorder-rule-list", refused=REPLENISH),
    P(
        "reorder-rule-list",
        "post",
        refused=(FLOOR, OTHER),
        body={**A, "product": "@glove_sku", "min_quantity": 1, "max_quantity": 5},
    ),
    P("reorder-rule-detail", args={"pk": "rule"}, refused=(FLOOR, OTHER)),
    P(
        "reorder-rule-detail",
        "patch",
        args={"pk": "rule"},
        body={"min_quantity": 1},
        refused=(FLOOR, OTHER),
    ),
    P("reorder-suggestion-list", refused=REPLENISH),
    P(
        "reorder-suggestion-approve-many",
        "post",
        refused=(FLOOR, OTHER),
        body={"suggestions": ["@suggestion"]},
    ),
    P("reorder-suggestion-review", "post", refused=(FLOOR, OTHER), body=A),
    P("reorder-suggestion-detail", args={"pk": "suggestion"}, refused=(FLOOR, OTHER)),
    P(
        "reorder-suggestion-detail",
        "patch",
        args={"pk": "suggestion"},
        body={"quantity": 5},
        refused=(FLOOR, OTHER),
    ),
    P("reorder-suggestion-approve", "post", args={"pk": "suggestion"}, refused=(FLOOR, OTHER)),
    P("reorder-suggestion-dismiss", "post", args={"pk": "suggestion"}, refused=(FLOOR, OTHER)),
    P("supplier-offer-list", refused=(FLOOR,), shared=True),
    P(
        "supplier-offer-list",
        "post",
        refused=(FLOOR,),
        body={"supplier": "@supplier_code", "product": "@glove_sku", "unit_cost": "1.00"},
    ),
    P("supplier-offer-detail", args={"pk": "offer"}, refused=(FLOOR,), shared=True),
    P(
        "supplier-offer-detail",
        "patch",
        args={"pk": "offer"},
        body={"unit_cost": "9.00"},
        refused=(FLOOR,),
    ),
    P("receipt-list"),
    P(
        "receipt-list",
        "post",
        refused=(BUYER, OTHER),
        body={**A, "lines": [{"product": "@product_sku", "quantity": 1}]},
    ),
    P("receipt-detail", args={"pk": "receipt"}, refused=(OTHER,)),
    P("order-list", refused=(BUYER,)),
    P(
        "order-list",
        "post",
        refused=(*DESK, OTHER),
        body={**A, "reference": "NEW-1", "lines": [{"product": "@product_sku", "quantity": 1}]},
    ),
    P("order-detail", args={"pk": "open_order"}, refused=(BUYER, OTHER)),
    P("order-cancel", "post", args={"pk": "open_order"}, refused=(*DESK, OTHER)),
    P("order-packages", "post", args={"pk": "packed_order"}, refused=(BUYER, OTHER), body={}),
    P("order-ship", "post", args={"pk": "packed_order"}, refused=(BUYER, OTHER)),
    P("wave-list", refused=(BUYER,)),
    P("wave-list", "post", refused=(*DESK, OTHER), body={**A, "orders": ["@open_order"]}),
    P("wave-detail", args={"pk": "wave"}, refused=(BUYER, OTHER)),
    P("pick-face-list"),
    P(
        "pick-face-list",
        "post",
        refused=(*DESK, OTHER),
        body={
            **A,
            "location": f"{MARKER}-P-01",
            "product": "@product_sku",
            "min_quantity": 1,
            "max_quantity": 5,
        },
    ),
    P("pick-face-detail", args={"pk": "pick_face"}, refused=(OTHER,)),
    P(
        "pick-face-detail",
        "patch",
        args={"pk": "pick_face"},
        body={"min_quantity": 1},
        refused=(*DESK, OTHER),
    ),
    P("count-list", refused=DESK),
    P("count-accuracy", refused=DESK),
    P("count-plan", "post", refused=(*DESK, OTHER), body={**A, "by": "flagged"}),
    P("count-detail", args={"pk": "count"}, refused=(*DESK, OTHER)),
    P("count-approve", "post", args={"pk": "count"}, body={"reason": "x"}, refused=(*DESK, OTHER)),
    P("count-reject", "post", args={"pk": "count"}, body={"reason": "x"}, refused=(*DESK, OTHER)),
    # Master-data events (products, suppliers) are everyone's; A's task events are not.
    P("audit-event-list", refused=DESK, query={"object_type": "task"}),
    P("audit-event-detail", args={"pk": "audit_event"}, refused=(*DESK, OTHER)),
    P("lot-list", refused=(BUYER,)),
    P("lot-detail", args={"pk": "lot"}, refused=(BUYER, OTHER)),
    P("lot-moves", args={"pk": "lot"}, refused=(FLOOR, BUYER, OTHER)),
    P("lot-trace", args={"pk": "lot"}, refused=(FLOOR, BUYER, OTHER)),
    P("import-list", "post", refused=(FLOOR,), body={"kind": "products"}, multipart=True),
    P("import-detail", args={"pk": "import_job"}, refused=(FLOOR, BUYER, OTHER)),
]

APIS = [replace(probe, api=True) for probe in APIS]
PROBES = PAGES + APIS


# --- the resolver ------------------------------------------------------------------------


def _walk(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern


def resolver_urls() -> dict[str, set[str]]:
    """Every named URL (less the skipped ones) and the methods it answers: a DRF route its
    actions' methods (format-suffix twins share the name), a page the empty set (its methods
    are its decorators' business)."""
    urls: dict[str, set[str]] = {}
    for route, pattern in _walk(get_resolver().url_patterns):
        if any(route.startswith(prefix) for prefix in SKIPPED_PREFIXES):
            continue
        assert pattern.name, f"unnamed URL {route}: name it so the matrix can list it"
        if pattern.name in SKIPPED:
            continue
        actions = getattr(pattern.callback, "actions", None) or {}
        key = f"api:{pattern.name}" if route.startswith("api/") else pattern.name
        # DRF adds "head" to a route's actions once it has served a GET: the GET's probe covers it.
        urls.setdefault(key, set()).update(set(actions) - {"head"})
    return urls


def test_every_url_is_in_the_matrix():
    urls = resolver_urls()
    probed: dict[str, set[str]] = {}
    for probe in PROBES:
        key = f"api:{probe.name}" if probe.api else probe.name
        probed.setdefault(key, set()).add(probe.method)
    missing = sorted(set(urls) - set(probed))
    assert not missing, f"URLs with no expectations in the matrix (add a probe or skip): {missing}"
    unprobed = {name: sorted(methods - probed[name]) for name, methods in urls.items()}
    unprobed = {name: methods for name, methods in unprobed.items() if methods}
    assert not unprobed, f"API methods with no probe: {unprobed}"
    stale = sorted(set(probed) - set(urls))
    assert not stale, f"probes of URLs that no longer exist: {stale}"
    assert len(urls) > 100  # the walk found the router's routes and both apps' pages


# --- the data set, once --------------------------------------------------------------------


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        # Marked as a test case's block, so the services' durable atomics may nest in it.
        connection.atomic_blocks[-1]._from_testcase = True
        try:
            yield world_build()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def _value(world: World, value):
    if value == "@new_key":  # a form's fresh submission key
        return uuid.uuid4().hex
    if isinstance(value, str) and value.startswith("@"):
        return world.ids[value[1:]]
    if isinstance(value, list):
        return [_value(world, item) for item in value]
    if isinstance(value, dict):
        return {key: _value(world, item) for key, item in value.items()}
    return value


def _request(world: World, probe: Probe, role: str):
    client = APIClient()
    if role != ANON:
        client.force_login(world.users[role])
    kwargs = {key: world.ids.get(val, val) for key, val in probe.args.items()}
    if probe.api:
        # The API's own resolver: some router names (purchase-order-send) are page names too.
        url = "/api/v1/" + get_resolver("wms.api.urls").reverse(probe.name, **kwargs)
    else:
        url = reverse(probe.name, kwargs=kwargs)
    body = _value(world, probe.body) or {}
    if probe.method == "get":
        return client.get(url, _value(world, probe.query) or {})
    send = getattr(client, probe.method)
    if probe.multipart:
        body["file"] = SimpleUploadedFile("products.csv", b"sku,name\r\nNEW-1,New\r\n")
    if probe.api and not probe.multipart:
        return send(url, body, format="json")
    if role != ANON:
        # As the pages send their forms (htmx): a refusal then answers with its status, where a
        # plain form post would get a redirect back to the page.
        return send(url, body, headers={"HX-Request": "true"})
    return send(url, body)


def _content(response) -> bytes:
    if response.streaming:  # the CSV exports
        return b"".join(response.streaming_content)
    return response.content


# Every table a refused write could touch: a digest of its rows (small here), or its count
# (the ledger and audit trail only grow). One statement, as every write probe takes two.
WATCHED_ROWS = (
    Task,
    Order,
    Receipt,
    PurchaseOrder,
    PurchaseOrderLine,
    ReorderSuggestion,
    ReorderRule,
    BinCount,
    PickFaceRule,
    Location,
    Quant,
    StockLevel,
    SupplierProduct,
    Product,
    Supplier,
    Warehouse,
)
WATCHED_COUNTS = (StockMove, AuditEvent, Wave, Package, Lot)


def snapshot() -> dict:
    rows = [
        f"(SELECT md5(coalesce(string_agg(t::text, ',' ORDER BY t.{m._meta.pk.column}), ''))"
        f' FROM "{m._meta.db_table}" t)'
        for m in WATCHED_ROWS
    ]
    counts = [f'(SELECT count(*) FROM "{m._meta.db_table}")' for m in WATCHED_COUNTS]
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(rows + counts))
        values = cursor.fetchone()
    return dict(zip([m.__name__ for m in WATCHED_ROWS + WATCHED_COUNTS], values, strict=True))


def _changes(before: dict, after: dict) -> list[str]:
    return [name for name in before if before[name] != after[name]]


CASES = [
    pytest.param(probe, role, id=f"{probe.id}-{probe.args and 'obj' or 'x'}-{role}")
    for probe in PROBES
    for role in sorted(probe.refused)
]


@pytest.mark.django_db
@pytest.mark.parametrize(("probe", "role"), CASES)
def test_refused(world, probe, role):
    before = snapshot() if probe.method != "get" else None
    response = _request(world, probe, role)
    status = response.status_code
    where = f"{probe.id} as {role}: {status}"
    if role == ANON:
        if probe.api:
            assert status in (401, 403), where
        else:
            assert status == 302, where
            assert response["Location"].startswith(resolve_url(settings.LOGIN_URL)), where
    elif role == OTHER:
        # Reads and the API: 403/404. A page's form may say "not here" with its own status.
        allowed = {403, 404} if probe.api or probe.method == "get" else {403, 404, probe.not_here}
        assert status in allowed, where
        if probe.method == "get" or probe.args:  # a write naming A may echo A's code back
            assert MARKER.encode() not in _content(response), f"{where} shows warehouse A's data"
    else:
        assert status in (403, 404), where
    if before is not None:
        assert not _changes(before, snapshot()), f"{where} changed {_changes(before, snapshot())}"


# Reads that show no warehouse's data to anyone: the control above does not apply to them.
SHOWS_NO_WAREHOUSE_DATA = {
    "GET home",  # a redirect to the role's desk
    "GET no-role",
    "GET supervisor-data-template",  # a CSV header
    "GET api api-root",  # links
    "GET api product-detail",  # the product's own fields (CUP-250, no marker)
    "GET api count-accuracy",  # a share of bins, no names
}

LEAK_CASES = [
    pytest.param(probe, id=probe.id)
    for probe in PROBES
    if probe.method == "get" and OTHER not in probe.refused and not probe.shared
]


@pytest.mark.django_db
@pytest.mark.parametrize("probe", LEAK_CASES)
def test_another_warehouse_sees_none_of_its_data(world, probe):
    """What B's user may open (lists, its own desk) shows nothing of warehouse A."""
    response = _request(world, probe, OTHER)
    assert response.status_code < 500, f"{probe.id}: {response.status_code}"
    assert MARKER.encode() not in _content(response), f"{probe.id} shows warehouse A's data"
    # The control: A's supervisor does see A's data there (unless the page shows none).
    shown = MARKER.encode() in _content(_request(world, probe, SUP))
    assert shown != (probe.id in SHOWS_NO_WAREHOUSE_DATA), f"{probe.id} as {SUP}: {shown}"


OWNER_CASES = [pytest.param(probe, id=probe.id) for probe in PROBES if probe.not_here]


@pytest.mark.django_db
@pytest.mark.parametrize("probe", OWNER_CASES)
def test_what_another_warehouse_is_refused_works_here(world, probe):
    """The control for the refusals of B's user: the same request by someone who works in A
    does what it says, so the refusal came from the scope, not from a bad body."""
    before = snapshot()
    response = _request(world, probe, probe.owner)
    assert response.status_code < 400, f"{probe.id} as {probe.owner}: {response.status_code}"
    assert _changes(before, snapshot()), f"{probe.id} as {probe.owner} changed nothing"


@pytest.mark.django_db
def test_switching_to_another_warehouse_is_refused(world):
    """B's user cannot make A its current warehouse: the pages stay on B; a user of both
    (starting on B) can, the control."""
    both = user_make("mx-both", SUP, warehouses=[world.b, world.a])
    for user, sees_a in ((world.users[OTHER], False), (both, True)):
        client = APIClient()
        client.force_login(user)
        client.post(reverse("warehouse-switch"), {"warehouse": world.a.pk})
        page = client.get(reverse("supervisor-orders"))
        assert page.status_code == 200
        assert (MARKER.encode() in _content(page)) is sees_a, user.username
