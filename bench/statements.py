"""SQL statements per request: the stock lists, a receipt of one line, a pick confirmation.

Issue 7's targets: a stock-list page of 50 rows in at most 5 statements; a receipt of one line
and a pick confirmation each in a constant, small number of statements. Each request is the
whole of it through Django's test client, as a signed-in user (a real password login): the
session, the user with their roles and warehouses, the page shell, the selectors, the template.
Statements are counted by ``connection.execute_wrapper`` (BEGIN and COMMIT are not statements
sent by Django, so are not counted).

- the stock lists: the purchaser's stock levels (/purchasing/) and the supervisor's stock by
  zone and bin (/supervisor/), each a full page of 50 rows, against the target of 5;
- a receipt of one line: an unplanned delivery of one line through the API
  (POST /api/v1/receipts/) and one product scanned in on the handheld's receiving page; and
- a pick confirmation with a handheld's scans (bin label, GTIN): POST /api/v1/tasks/{id}/complete/
  and the pick page's quantity step; and through the API with the SKU typed (the full path).

The receipt and the pick are each measured in two sizes of the world (``--stmt-sizes``, 1 and
10: earlier deliveries, lines on the receipt, other picks in the batch); the figure is the
larger size's count over the smaller's, which must be 1.00 (flat).
"""

import argparse
import json
import uuid
from dataclasses import asdict, dataclass, field
from typing import Any

from bench.database import OUT_DIR
from bench.inbound import _positive, machine_info

STOCK_LIST_TARGET = 5
ROWS = 50
TRANSACTION_CONTROL = {"BEGIN", "COMMIT", "ROLLBACK"}
PASSWORD = "bench-statements"  # noqa: S105 - a throwaway user of the throwaway bench database


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("statements")
    group.add_argument(
        "--stmt-sizes",
        type=_positive,
        nargs=2,
        default=[1, 10],
        metavar=("SMALL", "LARGE"),
        help="sizes of the world the receipt and the pick are measured in (default: 1 10)",
    )


@dataclass
class Request:
    name: str
    size: int  # 0 for the stock lists; else the size of the world
    statements: int
    status: int
    sql: list[str] = field(default_factory=list)  # the head of each statement, in order


# --- the world ---------------------------------------------------------------------------------


@dataclass
class World:
    warehouse: Any
    bins: list[Any]
    products: list[Any]
    users: dict[str, Any]


def build(products: int) -> World:
    """One warehouse (only these users' scope, by assignment), ``products`` products, each in
    its own bin, and a supervisor, a purchaser and floor users who sign in by password."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from inventory.models import Product, UserScope
    from warehouse.models import Location, Zone
    from warehouse.services.intake import stock_receive
    from warehouse.services.layout import warehouse_setup

    warehouse = warehouse_setup(code="STMT", name="Statements")
    warehouse_setup(code="OTHER", name="Another site, not theirs")
    zone = Zone.objects.create(warehouse=warehouse, code="A", name="Reserve")
    bins = Location.objects.bulk_create(
        Location(
            warehouse=warehouse,
            zone=zone,
            code=f"A-{n:03d}",
            barcode=f"A-{n:03d}",
            kind=Location.Kind.STORAGE,
            pick_sequence=n,
            capacity_units=10_000,
        )
        for n in range(products)
    )
    made = Product.objects.bulk_create(
        Product(sku=f"ST-{n:04d}", name=f"Statement product {n}", barcode=ean13(n))
        for n in range(products)
    )
    for product, bin_ in zip(made, bins, strict=True):
        stock_receive(location=bin_, product_id=product.pk, quantity=100)
    users = {}
    for name, role in (
        ("stmt-supervisor", "supervisor"),
        ("stmt-purchaser", "purchaser"),
        *((f"stmt-floor-{n}", "floor") for n in range(8)),  # 2..7: one batch each
    ):
        user = get_user_model().objects.create_user(username=name, password=PASSWORD)
        user.groups.add(Group.objects.get(name=role))
        UserScope.objects.create(user=user, default_warehouse=warehouse).warehouses.add(warehouse)
        users[name] = user
    return World(warehouse=warehouse, bins=bins, products=made, users=users)


def ean13(n: int) -> str:
    """A valid GTIN-13, as the labels the handhelds scan carry."""
    from inventory.barcodes import gtin_check_digit

    body = f"40{n:010d}"
    return f"{body}{gtin_check_digit(body)}"


def signed_in(username: str, *, api: bool = False) -> Any:
    from django.test import Client
    from rest_framework.test import APIClient

    client = APIClient(HTTP_HOST="localhost") if api else Client(HTTP_HOST="localhost")
    assert client.login(username=username, password=PASSWORD), username
    return client


def claimed_pick(world: World, username: str, products: list[Any], reference: str) -> Any:
    """An order of one unit of each of ``products`` allocated, released as one batch and
    claimed by the user: returns the first pick task (with its bin and product loaded)."""
    from warehouse.models import Task
    from warehouse.services.allocation import orders_allocate
    from warehouse.services.orders import OrderLineInput, order_create
    from warehouse.services.picking import pick_tasks_create
    from warehouse.services.tasks import task_claim
    from warehouse.services.waves import wave_release

    order = order_create(
        warehouse=world.warehouse,
        reference=reference,
        lines=[OrderLineInput(p, 1) for p in products],
    ).order
    orders_allocate(order_ids=[order.pk])
    pick_tasks_create(order_ids=[order.pk])
    wave_release(warehouse_id=world.warehouse.pk, order_ids=[order.pk], picks_per_batch=20)
    user = world.users[username]
    task = task_claim(user_id=user.pk, warehouse_id=world.warehouse.pk, kinds=[Task.Kind.PICK])
    assert task is not None, reference
    return Task.objects.select_related("source_location", "product").get(pk=task.pk)


# --- counting ----------------------------------------------------------------------------------


def counted(name: str, size: int, send) -> Request:
    """Send one request; the statements it cost, each named by its first words."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = send()
    # Django logs the transaction's BEGIN and COMMIT too; the driver sends them on its own,
    # so they are left out, as bench.inbound.measured leaves them out.
    sql = [
        " ".join(q["sql"].split())[:160]
        for q in captured.captured_queries
        if q["sql"] not in TRANSACTION_CONTROL
    ]
    return Request(name=name, size=size, statements=len(sql), status=response.status_code, sql=sql)


def stock_lists(world: World) -> list[Request]:
    from django.urls import reverse

    runs = []
    for username, url_name, label in (
        ("stmt-purchaser", "purchaser-home", "stock levels page (/purchasing/)"),
        ("stmt-supervisor", "supervisor-home", "stock by bin page (/supervisor/)"),
    ):
        client = signed_in(username)
        url = reverse(url_name)
        client.get(url)  # the first page of a session notes the current warehouse in it
        runs.append(counted(f"{label}, {ROWS} rows", 0, lambda c=client, u=url: c.get(u)))
    return runs


def receipts(world: World, sizes: list[int]) -> list[Request]:
    """A one-line delivery through the API after ``size`` earlier ones; one scan received on
    the handheld into a receipt of ``size`` lines."""
    from django.urls import reverse

    from inventory.models import Supplier
    from inventory.services.purchasing import (
        OrderLineInput,
        purchase_order_create,
        purchase_order_send,
    )
    from warehouse.services.receiving import receipt_create

    supplier = Supplier.objects.create(code="STMT-SUP", name="Statements supplier")
    api = signed_in("stmt-floor-0", api=True)
    page = signed_in("stmt-floor-1")
    page.get(reverse("floor-receiving"))
    runs, done = [], 0
    product = world.products[-1]
    body = {"warehouse": world.warehouse.code, "lines": [{"product": product.sku, "quantity": 1}]}
    for size in sizes:
        while done < size:  # earlier deliveries, the same as the one measured
            assert api.post("/api/v1/receipts/", body, format="json").status_code == 201
            done += 1
        runs.append(
            counted(
                "receipt of one line (API)",
                size,
                lambda: api.post("/api/v1/receipts/", body, format="json"),
            )
        )
        done += 1
        order = purchase_order_create(
            supplier=supplier,
            warehouse=world.warehouse,
            lines=[OrderLineInput(p, 5) for p in world.products[:size]],
        )
        receipt = receipt_create(
            warehouse=world.warehouse,
            purchase_order=purchase_order_send(purchase_order_id=order.pk),
        )
        data = {
            "product": world.products[0].sku,
            "quantity": "5",
            "lot": "",
            "expiry": "",
            "key": uuid.uuid4().hex,
        }
        url = reverse("floor-receipt-receive", args=[receipt.pk])
        runs.append(
            counted(
                "receipt of one line (handheld scan)",
                size,
                lambda u=url, d=data: page.post(u, d, headers={"HX-Request": "true"}),
            )
        )
    return runs


def picks(world: World, sizes: list[int]) -> list[Request]:
    """The first pick of a claimed batch of ``size`` + 1 picks (so a next pick always follows
    it: the batch's end is another screen), confirmed with the scans a handheld sends (the
    bin's label, the product's GTIN) through the API and on the pick page, and through the API
    with the SKU typed instead (the full path, ADR 0006)."""
    from django.urls import reverse

    runs, used, users = [], 0, iter(world.users[f"stmt-floor-{n}"] for n in range(2, 8))

    def claimed(size: int) -> tuple[Any, Any]:  # products no earlier batch took: never short
        nonlocal used
        used += size + 1
        user = next(users)
        batch = world.products[used - size - 1 : used]
        return user, claimed_pick(world, user.username, batch, f"PICK-{used}")

    for size in sizes:
        for name, api, typed in (
            ("pick confirmation (API)", True, False),
            ("pick confirmation (pick page)", False, False),
            ("pick confirmation, SKU typed (API)", True, True),
        ):
            user, task = claimed(size)
            client = signed_in(user.username, api=api)
            product = task.product.sku if typed else task.product.barcode
            if api:
                client.get(f"/api/v1/tasks/{task.pk}/")  # a session's first request marks it
                url = f"/api/v1/tasks/{task.pk}/complete/"
                body = {
                    "location": task.source_location.code,
                    "product": product,
                    "quantity": task.quantity,
                }
                headers = {"Idempotency-Key": str(uuid.uuid4())}

                def send(c=client, u=url, b=body, h=headers) -> Any:
                    return c.post(u, b, format="json", headers=h)
            else:
                client.get(reverse("floor-pick", args=[task.pk]))
                url = reverse("floor-pick-scan", args=[task.pk])
                body = {
                    "step": "quantity",
                    "source": task.source_location.code,
                    "product": product,
                    "quantity": task.quantity,
                }

                def send(c=client, u=url, b=body) -> Any:
                    return c.post(u, b, headers={"HX-Request": "true"})

            runs.append(counted(name, size, send))
    return runs


# --- the run -----------------------------------------------------------------------------------


def verdict(runs: list[Request], sizes: list[int]) -> bool:
    """Every request answered 2xx; the lists within the target; the rest flat in the size."""
    ok = all(200 <= r.status < 300 for r in runs)
    ok &= all(r.statements <= STOCK_LIST_TARGET for r in runs if r.size == 0)
    for name in {r.name for r in runs if r.size}:
        counts = {r.size: r.statements for r in runs if r.name == name}
        ok &= counts[sizes[0]] == counts[sizes[-1]]
    return ok


def run(args: argparse.Namespace) -> dict[str, Any]:
    from django.db import connection

    sizes = sorted(args.stmt_sizes)
    print(f"\nstatements: stock lists of {ROWS} rows, receipts and picks at sizes {sizes} ...")
    world = build(products=max(ROWS + 10, 3 * (sum(sizes) + len(sizes)) + 1))
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    runs = stock_lists(world) + receipts(world, sizes) + picks(world, sizes)
    machine = machine_info(connection)
    report(runs)
    payload = {
        "machine": machine,
        "sizes": sizes,
        "target": STOCK_LIST_TARGET,
        "requests": [asdict(r) for r in runs],
        "ok": verdict(runs, sizes),
    }
    (OUT_DIR / "statements.json").write_text(json.dumps(payload, indent=2))
    return payload


def report(runs: list[Request]) -> None:
    print(f"{'request':<44} {'size':>5} {'status':>6} {'statements':>10}")
    for r in runs:
        print(f"{r.name:<44} {r.size or '':>5} {r.status:>6} {r.statements:>10}")
        for sql in r.sql:
            print(f"      {sql[:110]}")
