"""Inbound: a delivery of N lines received at the dock, its putaway planned by a real worker.

For each size (100 and 1,000 lines by default) the benchmark sends a purchase order, opens a
receipt against it and then measures, end to end:

- receive: ``receipt_receive`` with N ``ReceivedEntry`` in this process, up to its commit
  (whose on-commit hook puts ``receipt_plan_task`` on the broker);
- plan: from that commit until the worker process has planned every received item (polled in
  the database every 2 ms), and the worker's own run time of the task from its log;
- total: the two together, against the target of 2 s for 1,000 lines.

Queries are counted with ``connection.execute_wrapper``: the receive in this process; the
planning by running ``receipt_plan`` in this process on a second, identical receipt once the
worker is stopped (the worker cannot be instrumented from here). Both must stay flat per line.
"""

import argparse
import cProfile
import io
import json
import os
import platform
import pstats
import random
import re
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from bench.database import OUT_DIR, Worker

TARGET_SECONDS = 2.0
TARGET_LINES = 1000
SEED = 20240603
T = TypeVar("T")


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} must be at least 1")
    return value


def _sizes(text: str) -> list[int]:
    sizes = [_positive(part.strip()) for part in text.split(",") if part.strip()]
    if not sizes:
        raise argparse.ArgumentTypeError("give at least one receipt size, e.g. 100,1000")
    return sizes


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("inbound")
    group.add_argument(
        "--lines",
        type=_sizes,
        default=[100, 1000],
        help="receipt sizes to run, comma separated (100,1000)",
    )
    group.add_argument("--bins", type=_positive, default=3000, help="storage bins (3000)")
    group.add_argument("--products", type=_positive, default=1000, help="products (1000)")
    group.add_argument(
        "--repeat", type=_positive, default=5, help="runs per size; the median is reported (5)"
    )
    group.add_argument(
        "--inbound-profile",
        action="store_true",
        help="cProfile the largest receive and plan in-process (bench/out/inbound-profile-*)",
    )


@dataclass
class Figures:
    """One receipt size: the run with the median total of ``runs`` repetitions."""

    lines: int
    receive_s: float
    plan_s: float  # commit -> every item planned, seen from here
    worker_task_s: float | None  # the task's own run time, from the worker's log
    total_s: float
    receive_queries: int
    tasks: int
    runs: int
    total_min_s: float
    total_max_s: float
    plan_queries: int  # receipt_plan in-process on an identical receipt
    plan_in_process_s: float

    @property
    def receive_per_line(self) -> float:
        return self.receive_queries / self.lines

    @property
    def plan_per_line(self) -> float:
        return self.plan_queries / self.lines


# --- the site ----------------------------------------------------------------------------------


@dataclass
class Site:
    warehouse: Any
    supplier: Any
    products: list[Any]
    receiver_id: int
    quantities: dict[int, int]  # product id -> units per delivery line
    lot_codes: dict[int, str]  # product id -> the lot its deliveries carry (tracked products)


def build_site(*, bins: int, products: int) -> Site:
    """A site with ``bins`` storage bins (1% blocked), 200 pick faces that are home bins, and
    ``products`` products (a quarter tracked by lot), 30% of them already in stock somewhere.

    Locations and products are bulk-inserted: this is setup, not what is measured, and the
    layout services validate one row at a time.
    """
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from inventory.models import Product
    from inventory.services.catalog import supplier_create
    from warehouse.models import Location, StockMove
    from warehouse.services.layout import warehouse_setup
    from warehouse.services.lots import lots_for_receiving
    from warehouse.services.moves import MoveLine, moves_apply
    from warehouse.services.virtual import virtual_location

    rng = random.Random(SEED)
    warehouse = warehouse_setup(code="BENCH", name="Benchmark site")
    supplier = supplier_create(code="BENCH-SUP", name="Benchmark supplier", lead_time_days=3)
    receiver = get_user_model().objects.create_user(username="bench-receiver")
    catalog = Product.objects.bulk_create(
        Product(
            sku=f"BENCH-{i:05d}",
            name=f"Benchmark product {i}",
            barcode=_ean13(i),
            unit_cost="1.00",
            tracking=Product.Tracking.LOT if i % 4 == 0 else Product.Tracking.NONE,
        )
        for i in range(products)
    )
    faces = min(200, products)
    locations = [
        Location(
            warehouse=warehouse,
            code=f"PF-{i:03d}",
            barcode=f"PF-{i:03d}",
            kind=Location.Kind.PICK,
            x=2.0 + (i // 20) * 1.5,
            y=2.0 + (i % 20) * 1.2,
            pick_sequence=i,
            capacity_units=60,
            home_product=catalog[i],
        )
        for i in range(faces)
    ]
    levels, racks = 6, 20
    for i in range(bins):
        aisle, rest = divmod(i, racks * levels)
        rack, level = divmod(rest, levels)
        code = f"A{aisle:02d}-{rack:02d}-{level + 1}"
        locations.append(
            Location(
                warehouse=warehouse,
                code=code,
                barcode=code,
                kind=Location.Kind.STORAGE,
                aisle=f"{aisle:02d}",
                rack=f"{rack:02d}",
                shelf=str(level + 1),
                x=20.0 + aisle * 3.0,
                y=2.0 + rack * 1.5,
                pick_sequence=faces + i,
                capacity_units=rng.choice([50, 100, 200]),
                is_blocked=(blocked := rng.random() < 0.01),
                blocked_reason="benchmark: damaged upright" if blocked else "",
            )
        )
    locations = Location.objects.bulk_create(locations, batch_size=1000)
    storage = [b for b in locations if b.kind == Location.Kind.STORAGE and not b.is_blocked]
    lot_codes = {p.pk: f"LOT-{p.pk}-A" for p in catalog if p.is_lot_tracked}

    # Stock from earlier deliveries: 30% of the products lie in a bin already, with the lot
    # the next delivery brings, so consolidation has something to find.
    stocked = rng.sample(catalog, k=int(len(catalog) * 0.3))
    with transaction.atomic():
        lots = lots_for_receiving(
            entries=[(p, lot_codes.get(p.pk), None) for p in stocked],
            today=_today(),
        )
        supplier_end = virtual_location(warehouse_id=warehouse.pk, kind=Location.Kind.SUPPLIER)
        targets = rng.sample(storage, k=len(stocked))
        moves_apply(
            lines=[
                MoveLine(
                    p.pk,
                    bin_.capacity_units // 4,
                    supplier_end.pk,
                    bin_.pk,
                    lot.pk if lot else None,
                )
                for p, lot, bin_ in zip(stocked, lots, targets, strict=True)
            ],
            kind=StockMove.Kind.RECEIPT,
            reference="benchmark: opening stock",
        )
    return Site(
        warehouse=warehouse,
        supplier=supplier,
        products=catalog,
        receiver_id=receiver.pk,
        quantities={p.pk: rng.randint(1, 120) for p in catalog},
        lot_codes=lot_codes,
    )


def _ean13(n: int) -> str:
    from inventory.barcodes import gtin_check_digit

    body = f"290{n:09d}"  # GS1 prefix 20-29: company-internal numbers
    return body + str(gtin_check_digit(body))


def _today():
    from django.utils import timezone

    return timezone.localdate()


def open_receipt(site: Site, lines: int) -> tuple[Any, list[Any]]:
    """A sent purchase order of ``lines`` products, its receipt, and what the truck brings."""
    from inventory.services.purchasing import (
        OrderLineInput,
        purchase_order_create,
        purchase_order_send,
    )
    from warehouse.services.receiving import ReceivedEntry, receipt_create

    products = site.products[:lines]
    order = purchase_order_create(
        supplier=site.supplier,
        warehouse=site.warehouse,
        lines=[OrderLineInput(p, site.quantities[p.pk]) for p in products],
    )
    order = purchase_order_send(purchase_order_id=order.pk)
    receipt = receipt_create(warehouse=site.warehouse, purchase_order=order)
    entries = [
        ReceivedEntry(p, site.quantities[p.pk], lot_code=site.lot_codes.get(p.pk)) for p in products
    ]
    return receipt, entries


# --- measuring ---------------------------------------------------------------------------------


def measured(work: Callable[[], T]) -> tuple[T, float, int]:
    """Run ``work``; return its result, seconds, and how many SQL statements it sent."""
    from django.db import connection

    count = 0

    def counter(execute, sql, params, many, context):
        nonlocal count
        count += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counter):
        started = time.perf_counter()
        result = work()
        elapsed = time.perf_counter() - started
    return result, elapsed, count


def wait_until_planned(receipt_id: int, *, timeout: float = 120) -> float:
    """Seconds until every item of the receipt is planned (by the worker)."""
    from warehouse.models import ReceiptItem

    unplanned = ReceiptItem.objects.filter(line__receipt_id=receipt_id, planned_at__isnull=True)
    started = time.perf_counter()
    while unplanned.exists():
        if time.perf_counter() - started > timeout:
            raise SystemExit(f"the worker did not plan receipt {receipt_id} within {timeout} s")
        time.sleep(0.002)
    return time.perf_counter() - started


_SUCCEEDED = re.compile(r"receipt_plan_task\[[^\]]+\] succeeded in ([0-9.]+)s")


def worker_task_seconds(worker: Worker, runs_before: int) -> float | None:
    """The run time the worker logged for its latest receipt_plan_task."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        found = _SUCCEEDED.findall(worker.log())
        if len(found) > runs_before:
            return float(found[-1])
        time.sleep(0.02)
    return None


def profile(label: str, work: Callable[[], T]) -> T:
    profiler = cProfile.Profile()
    result = profiler.runcall(work)
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(40)
    path = OUT_DIR / f"inbound-profile-{label}.txt"
    path.write_text(out.getvalue())
    print(f"  profile of {label}: {path}")
    return result


# --- the run -----------------------------------------------------------------------------------


def end_to_end(site: Site, lines: int, worker: Worker) -> dict[str, Any]:
    """One delivery: receive it here, wait for the worker to plan it; the figures of the run."""
    from warehouse.models import Task
    from warehouse.services.receiving import receipt_receive

    receipt, entries = open_receipt(site, lines)
    runs_before = len(_SUCCEEDED.findall(worker.log()))
    _, receive_s, receive_q = measured(
        partial(receipt_receive, receipt_id=receipt.pk, entries=entries, user_id=site.receiver_id)
    )
    plan_s = wait_until_planned(receipt.pk)
    figures = {
        "lines": lines,
        "receive_s": receive_s,
        "plan_s": plan_s,
        "worker_task_s": worker_task_seconds(worker, runs_before),
        "total_s": receive_s + plan_s,
        "receive_queries": receive_q,
        "tasks": Task.objects.filter(reference=receipt.reference).count(),
    }
    release_promised_room(receipt.reference)
    return figures


def release_promised_room(reference: str) -> None:
    """Housekeeping between runs, not measured: cancel the run's tasks, so that every run plans
    against the same free room (bins filling up run after run would measure something else)."""
    from django.utils import timezone

    from warehouse.models import Task

    Task.objects.filter(reference=reference, status=Task.Status.OPEN).update(
        status=Task.Status.CANCELLED, cancelled_at=timezone.now()
    )


def run(args: argparse.Namespace) -> dict[str, Any]:
    from django.db import connection

    from warehouse.services.inbound_planning import receipt_plan
    from warehouse.services.receiving import receipt_receive

    sizes = sorted(set(args.lines))
    if max(sizes) > args.products:
        raise SystemExit(f"--lines {max(sizes)} needs at least that many --products")
    if args.bins < args.products * 0.4:
        raise SystemExit("--bins must be at least 40% of --products (30% start in a bin)")
    print(f"\ninbound: building a site of {args.bins} bins and {args.products} products ...")
    started = time.perf_counter()
    site = build_site(bins=args.bins, products=args.products)
    print(f"  built in {time.perf_counter() - started:.1f} s")

    worker = Worker("inbound")
    worker.start()
    samples: dict[int, list[dict[str, Any]]] = {lines: [] for lines in sizes}
    try:
        # Warm-up: the worker's first task imports and connects; not what a busy site pays.
        end_to_end(site, 10, worker)
        for _ in range(args.repeat):
            for lines in sizes:
                samples[lines].append(end_to_end(site, lines, worker))
    finally:
        worker.stop()

    figures = {}
    for lines in sizes:
        runs = sorted(samples[lines], key=lambda sample: sample["total_s"])
        median = runs[len(runs) // 2]  # the run with the median total, so its parts add up
        # Planning's queries, in this process: an identical receipt, nobody else planning it.
        receipt, entries = open_receipt(site, lines)
        receipt_receive(receipt_id=receipt.pk, entries=entries, user_id=site.receiver_id)
        _, plan_s, plan_q = measured(partial(receipt_plan, receipt_id=receipt.pk))
        release_promised_room(receipt.reference)
        figures[lines] = Figures(
            **median,
            runs=len(runs),
            total_min_s=runs[0]["total_s"],
            total_max_s=runs[-1]["total_s"],
            plan_queries=plan_q,
            plan_in_process_s=plan_s,
        )

    if args.inbound_profile:
        lines = max(sizes)
        receipt, entries = open_receipt(site, lines)
        profile(
            f"receive-{lines}",
            lambda: receipt_receive(
                receipt_id=receipt.pk, entries=entries, user_id=site.receiver_id
            ),
        )
        profile(f"plan-{lines}", lambda: receipt_plan(receipt_id=receipt.pk))

    from wms.celery import app

    app.control.purge()  # the second receipts' messages had no worker
    results = [figures[lines] for lines in sizes]
    machine = machine_info(connection)
    report(results, machine, bins=args.bins, products=args.products)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    flat = len({(r.receive_queries, r.plan_queries) for r in results}) == 1
    payload = {"machine": machine, "runs": [asdict(r) for r in results], "ok": flat}
    (OUT_DIR / "inbound.json").write_text(json.dumps(payload, indent=2))
    return payload


def machine_info(connection) -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    memory_kb = 0
    cpu = platform.processor() or "unknown"
    try:
        meminfo = Path("/proc/meminfo").read_text()
        memory_kb = int(re.search(r"MemTotal:\s+(\d+)", meminfo).group(1))
        cpuinfo = Path("/proc/cpuinfo").read_text()
        cpu = re.search(r"model name\s*:\s*(.+)", cpuinfo).group(1).strip()
    except (OSError, AttributeError):
        pass
    return {
        "load_average": " ".join(f"{load:.2f}" for load in os.getloadavg()),
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "memory_gb": round(memory_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "postgresql": postgres,
        "platform": platform.platform(),
    }


def report(results: list[Figures], machine: dict[str, Any], *, bins: int, products: int) -> None:
    print(
        f"\ninbound: receive N lines at the dock -> the worker plans their putaway "
        f"({bins} bins, {products} products; median of {results[0].runs} runs)"
    )
    print(
        f"machine: {machine['cpus']} CPUs ({machine['cpu']}), {machine['memory_gb']} GB, "
        f"Python {machine['python']}, PostgreSQL {machine['postgresql']}, "
        f"load average {machine['load_average']}"
    )
    columns = [
        ("lines", 6),
        ("receive s", 10),
        ("plan s", 7),
        ("(worker)", 9),
        ("total s", 8),
        ("min-max", 12),
        ("vs 2 s", 7),
        ("recv q", 7),
        ("q/line", 7),
        ("plan q", 7),
        ("q/line", 7),
        ("tasks", 6),
    ]
    header = " ".join(f"{name:>{width}}" for name, width in columns)
    print(header)
    print("-" * len(header))
    for r in results:
        cells = [
            str(r.lines),
            f"{r.receive_s:.3f}",
            f"{r.plan_s:.3f}",
            f"{r.worker_task_s:.3f}" if r.worker_task_s is not None else "?",
            f"{r.total_s:.3f}",
            f"{r.total_min_s:.2f}-{r.total_max_s:.2f}",
            f"{r.total_s / TARGET_SECONDS:.2f}x",
            str(r.receive_queries),
            f"{r.receive_per_line:.2f}",
            str(r.plan_queries),
            f"{r.plan_per_line:.2f}",
            str(r.tasks),
        ]
        print(" ".join(f"{cell:>{width}}" for cell, (_, width) in zip(cells, columns, strict=True)))
    print(
        f"vs 2 s: the median total against the target of {TARGET_SECONDS:g} s for "
        f"{TARGET_LINES:,} lines; below 1.00x meets it. (worker): the task's run time in the "
        "worker, from its log."
    )
    if len(results) > 1:
        small, large = results[0], results[-1]
        flat = len({(r.receive_queries, r.plan_queries) for r in results}) == 1
        print(
            f"queries, {small.lines} -> {large.lines} lines: receive {small.receive_queries} -> "
            f"{large.receive_queries}, plan {small.plan_queries} -> {large.plan_queries}"
            + (" (flat: no query per line)" if flat else " (GROWS with the lines: a regression)")
        )
