"""The inbound side of the history: purchase orders, receipts at the docks, QC and putaway."""

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from warehouse.demo.batches import Ledger
from warehouse.demo.catalog_data import SupplierData
from warehouse.demo.profiles import Profile
from warehouse.demo.site import Site, at
from warehouse.models import Location, StockMove
from warehouse.services.moves import MoveLine

K = Location.Kind
M = StockMove.Kind
QC_FAIL_RATE = 0.04


@dataclass(frozen=True)
class OrderLine:
    profile: Profile
    quantity: int
    received_at: datetime | None = None  # older stock brought in on the first day


@dataclass(frozen=True)
class PurchaseOrder:
    number: str
    supplier: SupplierData
    arrives: date
    lines: list[OrderLine]


@dataclass
class Inbound:
    """Receipt lines of one day, by the step of the day they are written in."""

    receipts: list[MoveLine]
    to_qc: list[MoveLine]
    putaway: list[MoveLine]
    after_qc: list[MoveLine]
    quarantine: list[MoveLine]


def opening_orders(site: Site, day: date) -> list[PurchaseOrder]:
    """The stock the site starts with: a few weeks of demand, in one or two older lots."""
    rng = site.rng
    by_supplier: dict[str, list[OrderLine]] = defaultdict(list)
    suppliers = {}
    for profile in site.profiles:
        units = profile.cartons(round(profile.daily_demand * rng.uniform(8, 25)))
        life = profile.spec.shelf_life_days or 365
        ages = [rng.randint(3, max(3, min(45, life // 3)))]
        if profile.product.is_lot_tracked and units >= 2 * profile.spec.pack:
            # An older lot, picked first; still well within its shelf life.
            ages.append(ages[0] + rng.randint(7, max(7, min(30, life // 3))))
        for n, age in enumerate(ages):
            share = units // len(ages) if n else units - units // len(ages) * (len(ages) - 1)
            by_supplier[profile.supplier.code].append(
                OrderLine(profile, share, at(day - timedelta(days=age), 10))
            )
        suppliers[profile.supplier.code] = profile.supplier
    return [
        PurchaseOrder(f"OPEN-{site.warehouse.code}-{code}", suppliers[code], day, lines)
        for code, lines in sorted(by_supplier.items())
    ]


def receive_day(
    site: Site, day: date, orders: list[PurchaseOrder], ledger: Ledger, actor_id: int | None
) -> None:
    """Unload each order at a dock, inspect what needs it, put the rest away."""
    day_lines = Inbound([], [], [], [], [])
    for n, order in enumerate(orders):
        dock = site.docks[n % len(site.docks)].pk
        for line in order.lines:
            _receive_line(site, day, line, dock, day_lines)
        ledger.write(
            kind=M.RECEIPT,
            lines=day_lines.receipts,
            actor_id=actor_id,
            at=at(day, 7) + timedelta(minutes=min(10 * n, 110)),
            reference=order.number,
        )
        day_lines.receipts = []
    ledger.write(
        kind=M.QC,
        lines=day_lines.to_qc,
        at=at(day, 9),
        actor_id=actor_id,
        reason="Inbound inspection",
    )
    ledger.write(kind=M.PUTAWAY, lines=day_lines.putaway, at=at(day, 10, 30), actor_id=actor_id)
    ledger.write(
        kind=M.PUTAWAY,
        lines=day_lines.after_qc,
        at=at(day, 13),
        actor_id=actor_id,
        reason="QC passed",
    )
    ledger.write(
        kind=M.QUARANTINE,
        lines=day_lines.quarantine,
        at=at(day, 13, 5),
        actor_id=actor_id,
        reason="Failed QC: damaged or mislabelled",
    )


def _receive_line(site: Site, day: date, line: OrderLine, dock: int, out: Inbound) -> None:
    profile = line.profile
    product_id = profile.product.pk
    received_at = line.received_at or at(day, 7)
    lot_id = site.lots.new(profile, received_at.date())
    qc, quarantine = site.place(K.QC), site.place(K.QUARANTINE)
    if profile.inspect and site.rng.random() < QC_FAIL_RATE:
        quantity = line.quantity
        out.to_qc.append(MoveLine(product_id, quantity, dock, qc, lot_id))
        out.quarantine.append(MoveLine(product_id, quantity, qc, quarantine, lot_id))
        site.quarantined.append((day, product_id, lot_id, quantity))
    else:
        # What finds no room in the racking is refused at the dock: receive what fits.
        placed = site.floor.putaway((product_id, lot_id), line.quantity, received_at)
        quantity = sum(units for _, units in placed)
        if not quantity:
            return
        if profile.inspect:
            out.to_qc.append(MoveLine(product_id, quantity, dock, qc, lot_id))
        source = qc if profile.inspect else dock
        target = out.after_qc if profile.inspect else out.putaway
        target += [MoveLine(product_id, units, source, bin_id, lot_id) for bin_id, units in placed]
    out.receipts.append(
        MoveLine(
            product_id, quantity, site.place(K.SUPPLIER), dock, lot_id, received_at=received_at
        )
    )


def purchase_day(site: Site, day: date, open_orders: list[PurchaseOrder]) -> None:
    """On the supplier's order days, order what fell to its reorder point (stock + on order)."""
    on_order: Counter[int] = Counter()
    for order in open_orders:
        for line in order.lines:
            on_order[line.profile.product.pk] += line.quantity
    wanted: dict[str, list[OrderLine]] = defaultdict(list)
    for profile in site.profiles:
        if day.weekday() not in profile.order_days:
            continue
        position = site.floor.on_hand(profile.product.pk) + on_order[profile.product.pk]
        if profile.daily_demand and position <= profile.reorder_point:
            units = profile.cartons(profile.order_up_to - position)
            wanted[profile.supplier.code].append(OrderLine(profile, units))
    for code, lines in sorted(wanted.items()):
        supplier = lines[0].profile.supplier
        delay = max(1, supplier.lead_time_days + site.rng.choice((-1, 0, 0, 0, 1, 2)))
        number = f"PO-{site.warehouse.code}-{day:%y%m%d}-{code}"
        open_orders.append(PurchaseOrder(number, supplier, day + timedelta(days=delay), lines))
