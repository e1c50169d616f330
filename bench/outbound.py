"""Outbound: allocate N order lines over 2,000 SKUs, then make their pick tasks.

For each size (1,000 and 10,000 lines by default), ``--repeat`` times on fresh orders, the
benchmark measures in this process, each step up to its commit:

- allocate: ``orders_allocate`` of every order of the run in one call: the stock levels and the
  candidate quants locked, FIFO/FEFO chosen, reservations, allocations, lines and order
  statuses written (what ``order_allocate_task`` does per order, here for all at once, as a
  backlog released after a stock-take or a morning import would be);
- tasks: ``pick_tasks_create`` for the same orders: one pick task per allocation.

Queries are counted with ``connection.execute_wrapper`` (savepoints included; the BEGIN and
COMMIT psycopg sends around them are not). Both must not grow with the lines. After the runs
the benchmark checks what it measured: every reservation is an allocation, and the ledger, the
quants and the levels agree (``stock_drift``).
"""

import argparse
import cProfile
import io
import json
import pstats
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import timedelta
from functools import partial
from typing import Any

from bench.database import OUT_DIR
from bench.inbound import _ean13, _positive, _sizes, machine_info, measured

TARGET_SECONDS = 2.0
TARGET_QUERIES = 100
SEED = 20240917


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("outbound")
    group.add_argument(
        "--order-lines",
        type=_sizes,
        default=[1000, 10000],
        help="order lines per run, comma separated (1000,10000)",
    )
    group.add_argument("--skus", type=_positive, default=2000, help="products in stock (2000)")
    group.add_argument(
        "--outbound-repeat",
        type=_positive,
        default=3,
        help="runs per size, each on fresh orders; the median is reported (3)",
    )
    group.add_argument(
        "--outbound-profile",
        action="store_true",
        help="cProfile the largest allocation and task generation (bench/out/outbound-profile-*)",
    )


@dataclass
class Figures:
    lines: int
    orders: int
    allocate_s: float
    allocate_queries: int
    allocations: int
    backordered_lines: int
    tasks_s: float
    tasks_queries: int
    tasks: int
    runs: int
    allocate_min_s: float
    allocate_max_s: float
    tasks_min_s: float
    tasks_max_s: float


# --- the site ----------------------------------------------------------------------------------


@dataclass
class Site:
    warehouse: Any
    products: list[Any]
    weights: list[float]  # how often each product is ordered (a fast-mover curve)


def build_site(*, skus: int) -> Site:
    """A site of 4,000 storage bins and 200 pick faces with ``skus`` products in stock.

    Every product lies in 2 to 4 bins received on different days; a quarter are lot-tracked (a
    lot per bin) and one in ten tracks expiry (FEFO; one of its lots expired, one too close to
    expiry for its minimum shelf life). One in twenty is scarce (a few units only), so runs also
    backorder. A fifth of the products get 60 % of the order lines. Set up in bulk: this is not
    what is measured.
    """
    from django.db import transaction
    from django.utils import timezone

    from inventory.models import Product
    from warehouse.models import Location, Lot, StockMove
    from warehouse.services.layout import warehouse_setup
    from warehouse.services.moves import MoveLine, moves_apply
    from warehouse.services.virtual import virtual_location

    rng = random.Random(SEED)
    today = timezone.localdate()
    now = timezone.now()
    warehouse = warehouse_setup(code="BENCH-OUT", name="Outbound benchmark site")

    def tracking(i: int) -> str:
        if i % 10 == 0:
            return Product.Tracking.LOT_EXPIRY
        return Product.Tracking.LOT if i % 4 == 1 else Product.Tracking.NONE

    products = Product.objects.bulk_create(
        Product(
            sku=f"OUT-{i:05d}",
            name=f"Outbound product {i}",
            barcode=_ean13(500_000 + i),
            unit_cost="1.00",
            tracking=tracking(i),
            min_shelf_life_days=7 if i % 10 == 0 else 0,
        )
        for i in range(skus)
    )
    locations = [
        Location(
            warehouse=warehouse,
            code=f"PF-{i:03d}",
            barcode=f"PF-{i:03d}",
            kind=Location.Kind.PICK,
            aisle=f"P{i // 40}",
            x=2.0 + (i // 40) * 3.0,
            y=2.0 + (i % 40) * 1.0,
            pick_sequence=i,
        )
        for i in range(200)
    ]
    for i in range(4000):
        aisle, rest = divmod(i, 200)
        code = f"R{aisle:02d}-{rest // 5:02d}-{rest % 5 + 1}"
        locations.append(
            Location(
                warehouse=warehouse,
                code=code,
                barcode=code,
                kind=Location.Kind.STORAGE,
                aisle=f"R{aisle:02d}",
                x=20.0 + aisle * 3.0,
                y=2.0 + (rest // 5) * 1.0,
                pick_sequence=200 + i,
            )
        )
    bins = Location.objects.bulk_create(locations, batch_size=2000)

    lots: list[Lot] = []
    stock: list[tuple[Any, int, int, int | None, Any]] = []  # product, bin, units, lot, when
    for index, product in enumerate(products):
        scarce = index % 20 == 7
        places = rng.sample(bins, k=1 if scarce else rng.randint(2, 4))
        for n, bin_ in enumerate(places):
            lot = None
            if product.tracking != Product.Tracking.NONE:
                expiry = None
                if product.tracking == Product.Tracking.LOT_EXPIRY:
                    # One expired lot, one inside the 7-day minimum, the rest fine.
                    expiry = today + timedelta(days=[-3, 4, 40, 90][n % 4])
                lot = Lot(product=product, code=f"L{index}-{n}", expiry_date=expiry)
                lots.append(lot)
            units = rng.randint(3, 8) if scarce else rng.randint(150, 400)
            when = now - timedelta(days=rng.randint(1, 60), minutes=rng.randint(0, 1440))
            stock.append((product, bin_.pk, units, lot, when))
    Lot.objects.bulk_create(lots)
    supplier = virtual_location(warehouse_id=warehouse.pk, kind=Location.Kind.SUPPLIER)
    with transaction.atomic():
        moves_apply(
            lines=[
                MoveLine(
                    p.pk, units, supplier.pk, bin_id, lot.pk if lot else None, received_at=when
                )
                for p, bin_id, units, lot, when in stock
            ],
            kind=StockMove.Kind.RECEIPT,
            reference="benchmark: opening stock",
        )
    fast = set(rng.sample(range(skus), k=skus // 5))
    # 20 % of the products draw 60 % of the lines: weight 6 against 1 per product.
    weights = [6.0 if i in fast else 1.0 for i in range(skus)]
    return Site(warehouse=warehouse, products=products, weights=weights)


_run_number = 0


def orders_for(site: Site, lines: int, rng: random.Random) -> list[int]:
    """Orders of 1 to 8 lines (distinct products, 1 to 10 units each) adding up to ``lines``
    lines; bulk-inserted (their commits would enqueue allocation tasks we run here instead)."""
    from warehouse.models import Order, OrderLine

    global _run_number
    _run_number += 1
    drafts: list[list[tuple[Any, int]]] = []
    left = lines
    while left:
        size = min(left, rng.randint(1, 8))
        chosen: dict[int, Any] = {}
        while len(chosen) < size:
            (product,) = rng.choices(site.products, weights=site.weights)
            chosen[product.pk] = product
        drafts.append([(p, rng.randint(1, 10)) for p in chosen.values()])
        left -= size
    orders = Order.objects.bulk_create(
        Order(
            warehouse=site.warehouse,
            reference=f"BENCH-{_run_number}-{n:05d}",
            priority=rng.randint(1, 9),
        )
        for n in range(len(drafts))
    )
    OrderLine.objects.bulk_create(
        [
            OrderLine(order=order, product=product, quantity=quantity)
            for order, draft in zip(orders, drafts, strict=True)
            for product, quantity in draft
        ],
        batch_size=5000,
    )
    return [order.pk for order in orders]


# --- the run -------------------------------------------------------------------------------------


def profile(label: str, work: Callable[[], Any]) -> None:
    profiler = cProfile.Profile()
    profiler.runcall(work)
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(50)
    path = OUT_DIR / f"outbound-profile-{label}.txt"
    path.write_text(out.getvalue())
    print(f"  profile of {label}: {path}")


def one_run(site: Site, lines: int, rng: random.Random) -> dict[str, Any]:
    from warehouse.models import OrderLine
    from warehouse.services.allocation import orders_allocate
    from warehouse.services.picking import pick_tasks_create

    order_ids = orders_for(site, lines, rng)
    allocations, allocate_s, allocate_q = measured(partial(orders_allocate, order_ids=order_ids))
    tasks, tasks_s, tasks_q = measured(partial(pick_tasks_create, order_ids=order_ids))
    short = OrderLine.objects.filter(order_id__in=order_ids, allocated_quantity__lt=1).count()
    if len(tasks) != len(allocations):
        raise SystemExit(f"{len(allocations)} allocations made {len(tasks)} pick tasks")
    return {
        "lines": lines,
        "orders": len(order_ids),
        "allocate_s": allocate_s,
        "allocate_queries": allocate_q,
        "allocations": len(allocations),
        "backordered_lines": short,
        "tasks_s": tasks_s,
        "tasks_queries": tasks_q,
        "tasks": len(tasks),
    }


def one_order_at_a_time(site: Site, rng: random.Random, lines: int = 1000) -> dict[str, Any]:
    """The worker's way: each order allocated, then given its picks, in transactions of its own."""
    from warehouse.services.allocation import orders_allocate
    from warehouse.services.picking import pick_tasks_create

    order_ids = orders_for(site, lines, rng)
    allocate_s = tasks_s = 0.0
    allocate_q = tasks_q = 0
    for order_id in order_ids:
        _, seconds, queries = measured(partial(orders_allocate, order_ids=[order_id]))
        allocate_s, allocate_q = allocate_s + seconds, allocate_q + queries
        _, seconds, queries = measured(partial(pick_tasks_create, order_ids=[order_id]))
        tasks_s, tasks_q = tasks_s + seconds, tasks_q + queries
    n = len(order_ids)
    return {
        "orders": n,
        "lines": _lines_of(order_ids),
        "allocate_ms": 1000 * allocate_s / n,
        "allocate_queries": allocate_q / n,
        "tasks_ms": 1000 * tasks_s / n,
        "tasks_queries": tasks_q / n,
    }


def _lines_of(order_ids: list[int]) -> int:
    from warehouse.models import OrderLine

    return OrderLine.objects.filter(order_id__in=order_ids).count()


def verify(site: Site) -> None:
    """What was measured must also be right: promises backed, ledger and levels clean."""
    from django.db.models import Sum

    from inventory.models import StockLevel
    from warehouse.models import Allocation, Quant
    from warehouse.selectors.ledger import stock_drift

    promised = Allocation.objects.aggregate(n=Sum("quantity"))["n"] or 0
    reserved = Quant.objects.aggregate(n=Sum("reserved"))["n"] or 0
    levels = StockLevel.objects.filter(warehouse=site.warehouse).aggregate(n=Sum("reserved"))["n"]
    if not promised == reserved == levels:
        raise SystemExit(f"allocated {promised}, quants reserve {reserved}, levels {levels}")
    if Quant.objects.filter(reserved__gt=0, lot__expiry_date__lt=time_today()).exists():
        raise SystemExit("an expired lot was allocated")
    drift = stock_drift()
    if not drift.is_clean:
        raise SystemExit(f"stock drift after the benchmark: {drift}")


def time_today():
    from django.utils import timezone

    return timezone.localdate()


def run(args: argparse.Namespace) -> dict[str, Any]:
    from django.db import connection

    from warehouse.services.allocation import orders_allocate
    from warehouse.services.picking import pick_tasks_create
    from wms.celery import app

    sizes = sorted(set(args.order_lines))
    print(f"\noutbound: building a site with {args.skus} products in stock ...")
    started = time.perf_counter()
    site = build_site(skus=args.skus)
    print(f"  built in {time.perf_counter() - started:.1f} s")
    rng = random.Random(SEED)
    one_run(site, 50, rng)  # warm-up: imports, first queries, caches; not what a busy site pays
    samples: dict[int, list[dict[str, Any]]] = {lines: [] for lines in sizes}
    for _ in range(args.outbound_repeat):
        for lines in sizes:
            samples[lines].append(one_run(site, lines, rng))
    per_order = one_order_at_a_time(site, rng)
    if args.outbound_profile:
        lines = max(sizes)
        order_ids = orders_for(site, lines, rng)
        profile(f"allocate-{lines}", lambda: orders_allocate(order_ids=order_ids))
        profile(f"tasks-{lines}", lambda: pick_tasks_create(order_ids=order_ids))
    app.control.purge()  # the allocations' pick_tasks_create_task messages had no worker
    verify(site)

    results = []
    for lines in sizes:
        runs = samples[lines]
        allocate_times = sorted(r["allocate_s"] for r in runs)
        task_times = sorted(r["tasks_s"] for r in runs)
        median = dict(runs[0])
        median.update(
            allocate_s=statistics.median(allocate_times),
            tasks_s=statistics.median(task_times),
            allocations=round(statistics.median(r["allocations"] for r in runs)),
            tasks=round(statistics.median(r["tasks"] for r in runs)),
            backordered_lines=round(statistics.median(r["backordered_lines"] for r in runs)),
            orders=round(statistics.median(r["orders"] for r in runs)),
        )
        results.append(
            Figures(
                **median,
                runs=len(runs),
                allocate_min_s=allocate_times[0],
                allocate_max_s=allocate_times[-1],
                tasks_min_s=task_times[0],
                tasks_max_s=task_times[-1],
            )
        )
        if len({(r["allocate_queries"], r["tasks_queries"]) for r in runs}) != 1:
            print(f"  note: query counts differ between runs of {lines} lines: {runs}")
    machine = machine_info(connection)
    report(results, machine, skus=args.skus)
    print(
        f"one order at a time, as order_allocate_task and pick_tasks_create_task do in the "
        f"worker: {per_order['orders']} orders ({per_order['lines']} lines), allocate "
        f"{per_order['allocate_ms']:.1f} ms and {per_order['allocate_queries']:.0f} queries "
        f"per order, tasks {per_order['tasks_ms']:.1f} ms and {per_order['tasks_queries']:.0f} "
        "queries per order"
    )
    flat = len({(r.allocate_queries, r.tasks_queries) for r in results}) == 1
    few = all(r.allocate_queries + r.tasks_queries <= TARGET_QUERIES for r in results)
    payload = {
        "machine": machine,
        "runs": [asdict(r) for r in results],
        "one_order_at_a_time": per_order,
        "ok": flat and few,
    }
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    (OUT_DIR / "outbound.json").write_text(json.dumps(payload, indent=2))
    return payload


def report(results: list[Figures], machine: dict[str, Any], *, skus: int) -> None:
    print(
        f"\noutbound: allocate N order lines over {skus} SKUs, then make their pick tasks "
        f"(median of {results[0].runs} runs, each on fresh orders)"
    )
    print(
        f"machine: {machine['cpus']} CPUs ({machine['cpu']}), {machine['memory_gb']} GB, "
        f"Python {machine['python']}, PostgreSQL {machine['postgresql']}, "
        f"load average {machine['load_average']}"
    )
    columns = [
        ("lines", 6),
        ("orders", 7),
        ("allocate s", 11),
        ("min-max", 10),
        ("vs 2 s", 7),
        ("queries", 8),
        ("allocs", 7),
        ("short", 6),
        ("tasks s", 8),
        ("min-max", 10),
        ("vs 2 s", 7),
        ("queries", 8),
        ("tasks", 6),
    ]
    header = " ".join(f"{name:>{width}}" for name, width in columns)
    print(header)
    print("-" * len(header))
    for r in results:
        cells = [
            f"{r.lines}",
            f"{r.orders}",
            f"{r.allocate_s:.3f}",
            f"{r.allocate_min_s:.2f}-{r.allocate_max_s:.2f}",
            f"{r.allocate_s / TARGET_SECONDS:.2f}x",
            f"{r.allocate_queries}",
            f"{r.allocations}",
            f"{r.backordered_lines}",
            f"{r.tasks_s:.3f}",
            f"{r.tasks_min_s:.2f}-{r.tasks_max_s:.2f}",
            f"{r.tasks_s / TARGET_SECONDS:.2f}x",
            f"{r.tasks_queries}",
            f"{r.tasks}",
        ]
        print(" ".join(f"{cell:>{width}}" for cell, (_, width) in zip(cells, columns, strict=True)))
    print(
        "short: lines that got nothing (backordered). vs 2 s: against the target of "
        f"{TARGET_SECONDS:g} s for 10,000 lines; below 1.00x meets it."
    )
    if len(results) > 1:
        small, large = results[0], results[-1]
        flat = small.allocate_queries == large.allocate_queries
        flat &= small.tasks_queries == large.tasks_queries
        print(
            f"queries, {small.lines} -> {large.lines} lines: allocate {small.allocate_queries} -> "
            f"{large.allocate_queries}, tasks {small.tasks_queries} -> {large.tasks_queries}"
            + (" (flat: no query per line)" if flat else " (GROWS with the lines: a regression)")
        )
