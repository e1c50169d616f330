"""Walking distance: the S-shape route of a pick batch against picking in order-line order.

On the demo's MAIN layout (``warehouse.demo.layout``: 22 aisles 3 m apart, bins 1 m apart,
704 bins, the staging lane at the front right), every product of a random catalogue lies in
one bin of its own. For each of 100 random batches (10 to 30 picks, products drawn at random)
the benchmark takes an order through the real services (``order_create``, ``orders_allocate``,
``wave_release`` with room for the whole order in one batch) and reads what the wave stored on
the batch: ``route_metres`` (the S-shape route, depot to depot) and ``unrouted_metres`` (the
same picks in order-line order). For reference it also walks the same picks in the layout's
pick-sequence order (the demo numbers bins along an S, up one aisle and down the next).

Distances are rectilinear metres along the aisles and the front and back cross aisles
(``warehouse.services.routing.walk``).
"""

import argparse
import json
import random
import statistics
import time
from dataclasses import asdict, dataclass
from typing import Any

from bench.database import OUT_DIR
from bench.inbound import _ean13, _positive, machine_info

SEED = 20241201


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("routes")
    group.add_argument("--batches", type=_positive, default=100, help="random batches (100)")
    group.add_argument("--min-picks", type=_positive, default=10, help="picks per batch, at least")
    group.add_argument("--max-picks", type=_positive, default=30, help="picks per batch, at most")


@dataclass
class Figures:
    batches: int
    picks_min: int
    picks_max: int
    bins: int
    aisles: int
    s_shape_mean_m: float
    s_shape_median_m: float
    order_line_mean_m: float
    order_line_median_m: float
    sequence_mean_m: float
    saving_of_total: float  # 1 - sum(S-shape) / sum(order-line order)
    saving_median: float  # the median batch's saving
    saving_min: float
    saving_max: float
    s_shape_vs_sequence: float  # sum(S-shape) / sum(pick-sequence order)


def build_site(rng: random.Random) -> tuple[Any, list[Any]]:
    """The demo's MAIN layout, and one product in each of its storage and pick bins."""
    from django.db import transaction

    from inventory.models import Product
    from warehouse.demo.layout import site_ensure, site_plans
    from warehouse.models import Location, StockMove
    from warehouse.services.moves import MoveLine, moves_apply
    from warehouse.services.virtual import virtual_location

    (main,) = [plan for plan in site_plans(scale=1.0) if plan.code == "MAIN"]
    warehouse = site_ensure(main).warehouse
    bins = list(Location.objects.filter(warehouse=warehouse, kind__in=Location.ALLOCATABLE_KINDS))
    rng.shuffle(bins)
    products = Product.objects.bulk_create(
        Product(
            sku=f"ROUTE-{i:04d}",
            name=f"Route product {i}",
            barcode=_ean13(900_000 + i),
            unit_cost="1.00",
        )
        for i in range(len(bins))
    )
    supplier = virtual_location(warehouse_id=warehouse.pk, kind=Location.Kind.SUPPLIER)
    with transaction.atomic():
        moves_apply(
            lines=[
                MoveLine(product.pk, 500, supplier.pk, bin_.pk)
                for product, bin_ in zip(products, bins, strict=True)
            ],
            kind=StockMove.Kind.RECEIPT,
            reference="benchmark: opening stock",
        )
    return warehouse, products


def one_batch(warehouse: Any, products: list[Any], picks: int, n: int, rng: random.Random):
    """An order of ``picks`` random products released alone: its batch's two distances, and
    the pick-sequence walk of the same stops."""
    from warehouse.services.allocation import orders_allocate
    from warehouse.services.orders import OrderLineInput, order_create
    from warehouse.services.routing import Stop, route_metres
    from warehouse.services.waves import _layout, wave_release

    order = order_create(
        warehouse=warehouse,
        reference=f"ROUTE-{n:03d}",
        lines=[OrderLineInput(product, 1) for product in rng.sample(products, k=picks)],
    ).order
    orders_allocate(order_ids=[order.pk])
    wave = wave_release(warehouse_id=warehouse.pk, order_ids=[order.pk], picks_per_batch=picks)
    (batch,) = wave.batches.all()
    tasks = list(batch.tasks.select_related("source_location").order_by("route_sequence"))
    if len(tasks) != picks or len({t.source_location_id for t in tasks}) != picks:
        raise SystemExit(f"batch {batch.pk}: {len(tasks)} picks routed, {picks} expected")
    by_sequence = sorted(tasks, key=lambda t: (t.source_location.pick_sequence, t.pk))
    stops = [
        Stop(
            key=t.pk,
            aisle=t.source_location.aisle,
            x=t.source_location.x,
            y=t.source_location.y,
            sequence=t.source_location.pick_sequence,
        )
        for t in by_sequence
    ]
    sequence_m = route_metres(stops, _layout(warehouse.pk))
    return batch.route_metres, batch.unrouted_metres, sequence_m


def run(args: argparse.Namespace) -> dict[str, Any]:
    from django.db import connection

    from warehouse.models import Location
    from wms.celery import app

    if args.min_picks > args.max_picks:
        raise SystemExit("--min-picks must not exceed --max-picks")
    rng = random.Random(SEED)
    print("\nroutes: loading the demo layout (MAIN) and a product in every bin ...")
    started = time.perf_counter()
    warehouse, products = build_site(rng)
    if args.max_picks > len(products):
        raise SystemExit(f"--max-picks must be at most {len(products)} (one product per bin)")
    print(f"  built in {time.perf_counter() - started:.1f} s")
    samples = []
    for n in range(args.batches):
        picks = rng.randint(args.min_picks, args.max_picks)
        samples.append((picks, *one_batch(warehouse, products, picks, n, rng)))
    app.control.purge()  # the orders' allocation messages had no worker: done here instead
    routed = [s[1] for s in samples]
    unrouted = [s[2] for s in samples]
    sequence = [s[3] for s in samples]
    savings = sorted(1 - r / u for r, u in zip(routed, unrouted, strict=True))
    bins = Location.objects.filter(warehouse=warehouse, kind__in=Location.ALLOCATABLE_KINDS)
    figures = Figures(
        batches=len(samples),
        picks_min=min(s[0] for s in samples),
        picks_max=max(s[0] for s in samples),
        bins=bins.count(),
        aisles=bins.values("aisle").distinct().count(),
        s_shape_mean_m=statistics.mean(routed),
        s_shape_median_m=statistics.median(routed),
        order_line_mean_m=statistics.mean(unrouted),
        order_line_median_m=statistics.median(unrouted),
        sequence_mean_m=statistics.mean(sequence),
        saving_of_total=1 - sum(routed) / sum(unrouted),
        saving_median=statistics.median(savings),
        saving_min=savings[0],
        saving_max=savings[-1],
        s_shape_vs_sequence=sum(routed) / sum(sequence),
    )
    machine = machine_info(connection)
    report(figures)
    payload = {"machine": machine, "figures": asdict(figures), "ok": figures.saving_min >= 0}
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    (OUT_DIR / "routes.json").write_text(json.dumps(payload, indent=2))
    return payload


def report(f: Figures) -> None:
    print(
        f"\nroutes: walking distance per batch, depot to depot, on the demo layout MAIN "
        f"({f.bins} bins in {f.aisles} aisles), {f.batches} random batches of "
        f"{f.picks_min} to {f.picks_max} picks"
    )
    print(f"{'':24} {'mean m':>8} {'median m':>9}")
    print(f"{'S-shape route':24} {f.s_shape_mean_m:8.1f} {f.s_shape_median_m:9.1f}")
    print(f"{'order-line order':24} {f.order_line_mean_m:8.1f} {f.order_line_median_m:9.1f}")
    print(f"{'pick-sequence order':24} {f.sequence_mean_m:8.1f}")
    print(
        f"saving of the S-shape against order-line order: {f.saving_of_total:.1%} of all metres "
        f"(median batch {f.saving_median:.1%}, range {f.saving_min:.1%} to {f.saving_max:.1%}); "
        f"S-shape / pick-sequence order: {f.s_shape_vs_sequence:.3f}"
    )
