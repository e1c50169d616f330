"""Work waiting for the floor when the demo opens: this morning's trucks on the docks with
their putaway and QC tasks, pick faces to replenish, bins to count, and bins to block.

Every task has an ``origin_key`` naming its cause, so creating it twice makes one task.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

from django.utils import timezone

from warehouse.demo.batches import Ledger
from warehouse.demo.floorwork import REPLENISH_BELOW
from warehouse.demo.inbound import OrderLine, PurchaseOrder
from warehouse.demo.site import Site
from warehouse.models import Location, Lot, StockMove, Task
from warehouse.services.moves import MoveLine
from warehouse.services.tasks import task_create

K = Location.Kind
T = Task.Kind
MIN_DOCK_LINES = 8
BLOCK_REASONS = (
    "Racking upright damaged by a forklift; awaiting inspection",
    "Sprinkler leak above this bay; keep clear",
)


@dataclass
class OpenWork:
    received: int = 0
    tasks: Counter[str] = field(default_factory=Counter)
    to_block: list[tuple[int, str]] = field(default_factory=list)  # (location id, reason)
    touched: set[int] = field(default_factory=set)  # bins that tasks name


def open_work_create(
    *,
    site: Site,
    open_orders: list[PurchaseOrder],
    ledger: Ledger,
    actor_id: int | None,
    counts: int,
    blocks: int,
) -> OpenWork:
    work = OpenWork()
    arrived = _unload_today(site, open_orders, ledger, actor_id, work)
    objects = _Objects(site)
    for order, line, dock, lot_id in arrived:
        _inbound_task(site, objects, order, line, dock, lot_id, work)
    _replenish_tasks(site, objects, work)
    _count_tasks(site, objects, counts, work)
    _choose_blocks(site, blocks, work)
    return work


def _unload_today(
    site: Site,
    open_orders: list[PurchaseOrder],
    ledger: Ledger,
    actor_id: int | None,
    work: OpenWork,
) -> list[tuple]:
    """Receive the orders due today (at least a few lines) onto the docks, now."""
    today = timezone.localdate()
    orders = sorted(open_orders, key=lambda o: (o.arrives, o.number))
    arriving = [o for o in orders if o.arrives <= today]
    for order in orders[len(arriving) :]:
        if sum(len(o.lines) for o in arriving) >= MIN_DOCK_LINES:
            break
        arriving.append(order)
    now = timezone.now()
    arrived = []
    for n, order in enumerate(arriving):
        dock = site.docks[n % len(site.docks)].pk
        unloaded_at = now - timedelta(minutes=90 - 5 * min(n, 12))
        lines = []
        for line in order.lines:
            lot_id = site.lots.new(line.profile, today)
            lines.append(
                MoveLine(
                    line.profile.product.pk,
                    line.quantity,
                    site.place(K.SUPPLIER),
                    dock,
                    lot_id,
                    received_at=unloaded_at,
                )
            )
            arrived.append((order, line, dock, lot_id))
        ledger.write(
            kind=StockMove.Kind.RECEIPT,
            lines=lines,
            actor_id=actor_id,
            at=unloaded_at,
            reference=order.number,
        )
        work.received += len(lines)
    return arrived


class _Objects:
    """Locations and lots by id for the tasks, fetched once."""

    def __init__(self, site: Site) -> None:
        self.locations = Location.objects.filter(warehouse=site.warehouse).in_bulk()
        self.lots: dict[int, Lot] = {}

    def lot(self, lot_id: int | None) -> Lot | None:
        if lot_id is None:
            return None
        if lot_id not in self.lots:
            self.lots[lot_id] = Lot.objects.get(pk=lot_id)
        return self.lots[lot_id]


def _inbound_task(
    site: Site,
    objects: _Objects,
    order: PurchaseOrder,
    line: OrderLine,
    dock: int,
    lot_id: int | None,
    work: OpenWork,
) -> None:
    product, key = line.profile.product, f"demo:{site.warehouse.code}:{order.number}"
    common = {
        "warehouse_id": site.warehouse.pk,
        "product": product,
        "lot": objects.lot(lot_id),
        "source_location": objects.locations[dock],
        "reference": f"receipt:{order.number}",
    }
    if line.profile.inspect:
        task_create(
            kind=T.QC,
            quantity=line.quantity,
            priority=3,
            origin_key=f"{key}:qc:{product.sku}",
            **common,
        )
        work.tasks[T.QC] += 1
        return
    # Plan the putaway in memory so that two tasks never count on the same room.
    placed = site.floor.putaway((product.pk, lot_id), line.quantity, timezone.now())
    left = line.quantity - sum(units for _, units in placed)
    for n, (bin_id, units) in enumerate([*placed, *([(None, left)] if left else [])]):
        task_create(
            kind=T.PUTAWAY,
            quantity=units,
            priority=4,
            destination_location=objects.locations.get(bin_id),
            origin_key=f"{key}:putaway:{product.sku}:{n}",
            **common,
        )
        work.tasks[T.PUTAWAY] += 1
        if bin_id:
            work.touched.add(bin_id)


def _replenish_tasks(site: Site, objects: _Objects, work: OpenWork) -> None:
    floor, today = site.floor, timezone.localdate()
    products = {p.product.pk: p.product for p in site.profiles}
    for product_id, home in sorted(floor.home_of.items(), key=lambda item: item[1].code):
        if home.id in work.touched or home.occupied >= home.capacity * REPLENISH_BELOW:
            continue
        if product_id not in products:  # a home someone else gave a product of theirs
            continue
        sources = [
            s
            for s in floor.sources(product_id, today, home_first=False)
            if s[0] not in work.touched
        ]
        if not sources:
            continue
        bin_id, (_, lot_id), available = sources[0]
        task_create(
            warehouse_id=site.warehouse.pk,
            kind=T.REPLENISH,
            priority=2,
            product=products[product_id],
            lot=objects.lot(lot_id),
            quantity=min(available, home.room),
            source_location=objects.locations[bin_id],
            destination_location=objects.locations[home.id],
            reference=f"home:{home.code}",
            origin_key=f"demo:{site.warehouse.code}:replenish:{home.code}",
        )
        work.tasks[T.REPLENISH] += 1
        work.touched.update((bin_id, home.id))


def _count_tasks(site: Site, objects: _Objects, counts: int, work: OpenWork) -> None:
    candidates = sorted(
        (b for b in site.floor.stocked_bins() if b.id not in work.touched and not b.is_pick),
        key=lambda b: b.code,
    )
    for counted in site.rng.sample(candidates, min(counts, len(candidates))):
        products = {product_id for product_id, _ in counted.stock}
        location = objects.locations[counted.id]
        product = None
        if len(products) == 1:
            product = next(p.product for p in site.profiles if p.product.pk in products)
        task_create(
            warehouse_id=site.warehouse.pk,
            kind=T.COUNT,
            priority=6,
            product=product,
            source_location=location,
            notes=f"Cycle count, aisle {location.aisle}",
            origin_key=f"demo:{site.warehouse.code}:count:{counted.code}",
        )
        work.tasks[T.COUNT] += 1
        work.touched.add(counted.id)


def _choose_blocks(site: Site, blocks: int, work: OpenWork) -> None:
    """A bin with stock in it and an empty one, neither named by a task."""
    free = sorted(
        (b for b in site.floor.bins.values() if b.id not in work.touched and not b.is_pick),
        key=lambda b: b.code,
    )
    stocked = [b for b in free if b.stock]
    empty = [b for b in free if not b.stock]
    chosen = [site.rng.choice(pool) for pool in (stocked, empty) if pool][:blocks]
    work.to_block = [(b.id, reason) for b, reason in zip(chosen, BLOCK_REASONS, strict=False)]
