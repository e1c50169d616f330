"""Reads for the supervisor's dashboard: today's state of one warehouse, tile by tile.

Every tile is one aggregate query whatever the number of tasks, orders or moves behind it
(eleven in all), so the page can refresh itself every few seconds. "Today" is the local date
of ``settings.TIME_ZONE``; every figure is computed against one ``now`` so the tiles agree.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Coalesce, ExtractHour
from django.utils import timezone

from inventory.models import ReorderSuggestion
from inventory.selectors.replenishment import suggestions_list
from warehouse.models import (
    Location,
    Order,
    Quant,
    Receipt,
    ScanRefusal,
    StockMove,
    Task,
)
from warehouse.selectors.counts import RecordAccuracy, record_accuracy
from warehouse.selectors.order_pages import day_start, order_due_filters
from warehouse.selectors.pick_faces import pick_face_rules_list

# How far back the record accuracy looks: a month of cycle counts.
ACCURACY_DAYS = 30
# Orders whose carrier leaves within this many hours are "cut-off soon".
CUTOFF_SOON_HOURS = 2


# --- tiles ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TaskCell:
    kind: str
    label: str
    open: int
    assigned: int
    done_today: int

    @property
    def active(self) -> int:
        return self.open + self.assigned


@dataclass(frozen=True)
class OrderTile:
    open: int
    due_today: int
    late: int
    cutoff_soon: int
    backordered: int
    picking: int
    picked: int


@dataclass(frozen=True)
class ReceiptTile:
    waiting: int  # expected or being received
    receiving: int
    expected_today: int
    overdue: int  # expected before today and not closed
    dock_units: int  # received, not yet put away or sent to QC


@dataclass(frozen=True)
class HoldTile:
    qc_tasks: int  # QC tasks open or in hand
    qc_units: int  # units on the QC benches
    quarantine_units: int
    quarantine_lines: int


@dataclass(frozen=True)
class ReplenishmentTile:
    replenish_open: int  # replenish tasks open or in hand
    faces_below_min: int
    suggestions_open: int
    suggestions_critical: int


@dataclass(frozen=True)
class ExceptionTile:
    short_picks: int  # picks confirmed short today
    wrong_scans: int  # scans refused today
    wrong_scans_by_code: dict[str, int]
    blocked_bins: int


@dataclass(frozen=True)
class HourFigures:
    hour: int  # 0-23, local time
    units_picked: int = 0
    lines_picked: int = 0
    units_received: int = 0


@dataclass(frozen=True)
class Throughput:
    hours: list[HourFigures]
    units_picked: int
    lines_picked: int
    units_received: int
    units_shipped: int


@dataclass(frozen=True)
class WorkerKind:
    kind: str
    done: int
    units: int


@dataclass(frozen=True)
class WorkerRow:
    user_id: int | None
    name: str
    kinds: list[WorkerKind]  # one per Task.Kind, in its order (zeros included)
    done: int
    units: int
    short_picks: int


@dataclass(frozen=True)
class Dashboard:
    warehouse_id: int
    now: datetime
    tasks: list[TaskCell]
    orders: OrderTile
    receipts: ReceiptTile
    holds: HoldTile
    replenishment: ReplenishmentTile
    exceptions: ExceptionTile
    throughput: Throughput
    workers: list[WorkerRow]
    accuracy: RecordAccuracy
    accuracy_since: datetime
    kinds: list[tuple[str, str]] = field(default_factory=lambda: list(Task.Kind.choices))

    @property
    def tasks_open(self) -> int:
        return sum(cell.open for cell in self.tasks)

    @property
    def tasks_assigned(self) -> int:
        return sum(cell.assigned for cell in self.tasks)

    @property
    def tasks_done_today(self) -> int:
        return sum(cell.done_today for cell in self.tasks)


def dashboard_get(*, warehouse_id: int, now: datetime | None = None) -> Dashboard:
    """Every tile of one warehouse's dashboard as of ``now`` (default: the clock): eleven
    queries, whatever the number of rows behind them."""
    now = now or timezone.now()
    start = day_start(now)
    workers, done_by_kind, short_picks = _workers_today(warehouse_id=warehouse_id, start=start)
    since = start - timedelta(days=ACCURACY_DAYS)
    replenish_open, tasks = _tasks(warehouse_id=warehouse_id, done_by_kind=done_by_kind)
    holds, dock_units = _holds(warehouse_id=warehouse_id, qc_tasks=_kind_active(tasks, "qc"))
    return Dashboard(
        warehouse_id=warehouse_id,
        now=now,
        tasks=tasks,
        orders=_orders(warehouse_id=warehouse_id, now=now),
        receipts=_receipts(warehouse_id=warehouse_id, now=now, dock_units=dock_units),
        holds=holds,
        replenishment=_replenishment(warehouse_id=warehouse_id, replenish_open=replenish_open),
        exceptions=_exceptions(warehouse_id=warehouse_id, start=start, short_picks=short_picks),
        throughput=_throughput(warehouse_id=warehouse_id, start=start),
        workers=workers,
        accuracy=record_accuracy(warehouse_id=warehouse_id, since=since),
        accuracy_since=since,
    )


def _kind_active(cells: list[TaskCell], kind: str) -> int:
    return next(cell.active for cell in cells if cell.kind == kind)


# --- one query each ---------------------------------------------------------------------------


def _tasks(*, warehouse_id: int, done_by_kind: dict[str, int]) -> tuple[int, list[TaskCell]]:
    """Open and assigned tasks per kind (the index task_wh_status_kind answers it)."""
    counts = Task.objects.filter(
        warehouse_id=warehouse_id, status__in=Task.ACTIVE_STATUSES
    ).aggregate(
        **{
            f"{kind}_{status}": Count("id", filter=Q(kind=kind, status=status))
            for kind in Task.Kind.values
            for status in Task.ACTIVE_STATUSES
        }
    )
    cells = [
        TaskCell(
            kind=kind,
            label=label,
            open=counts[f"{kind}_{Task.Status.OPEN}"],
            assigned=counts[f"{kind}_{Task.Status.ASSIGNED}"],
            done_today=done_by_kind.get(kind, 0),
        )
        for kind, label in Task.Kind.choices
    ]
    return _kind_active(cells, Task.Kind.REPLENISH), cells


def _orders(*, warehouse_id: int, now: datetime) -> OrderTile:
    """Orders not shipped or cancelled: due today, late (ship date or carrier cut-off passed),
    cut-off soon, and the statuses that need a supervisor's eye."""
    due = order_due_filters(now)
    soon_end = now + timedelta(hours=CUTOFF_SOON_HOURS)
    soon = Q(carrier_cutoff_at__gte=now, carrier_cutoff_at__lt=soon_end)
    counts = (
        Order.objects.filter(warehouse_id=warehouse_id)
        .exclude(status__in=Order.CLOSED_STATUSES)
        .aggregate(
            open=Count("id"),
            late=Count("id", filter=due["late"]),
            due_today=Count("id", filter=due["today"]),
            cutoff_soon=Count("id", filter=soon),
            backordered=Count("id", filter=Q(status=Order.Status.BACKORDERED)),
            picking=Count("id", filter=Q(status=Order.Status.PICKING)),
            picked=Count("id", filter=Q(status=Order.Status.PICKED)),
        )
    )
    return OrderTile(**counts)


def _receipts(*, warehouse_id: int, now: datetime, dock_units: int) -> ReceiptTile:
    today = timezone.localdate(now)
    counts = Receipt.objects.filter(
        warehouse_id=warehouse_id, status__in=Receipt.OPEN_STATUSES
    ).aggregate(
        waiting=Count("id"),
        receiving=Count("id", filter=Q(status=Receipt.Status.RECEIVING)),
        expected_today=Count("id", filter=Q(expected_date=today)),
        overdue=Count("id", filter=Q(expected_date__lt=today)),
    )
    return ReceiptTile(**counts, dock_units=dock_units)


def _holds(*, warehouse_id: int, qc_tasks: int) -> tuple[HoldTile, int]:
    """Units on the dock, on the QC benches and in quarantine: the few locations of those
    kinds first (location_wh_kind), then their quants (quant_location_product)."""
    kinds = (Location.Kind.RECEIVING, Location.Kind.QC, Location.Kind.QUARANTINE)
    location_ids = Location.objects.filter(warehouse_id=warehouse_id, kind__in=kinds).values("id")
    totals = Quant.objects.filter(location_id__in=location_ids, quantity__gt=0).aggregate(
        dock=Coalesce(Sum("quantity", filter=Q(location__kind=Location.Kind.RECEIVING)), 0),
        qc=Coalesce(Sum("quantity", filter=Q(location__kind=Location.Kind.QC)), 0),
        quarantine=Coalesce(Sum("quantity", filter=Q(location__kind=Location.Kind.QUARANTINE)), 0),
        quarantine_lines=Count("id", filter=Q(location__kind=Location.Kind.QUARANTINE)),
    )
    tile = HoldTile(
        qc_tasks=qc_tasks,
        qc_units=totals["qc"],
        quarantine_units=totals["quarantine"],
        quarantine_lines=totals["quarantine_lines"],
    )
    return tile, totals["dock"]


def _replenishment(*, warehouse_id: int, replenish_open: int) -> ReplenishmentTile:
    """Pick faces below their minimum (what is on the face, not counting what is on its way)
    and open purchase suggestions, the critical ones apart. Two queries."""
    below = (
        pick_face_rules_list(warehouse_ids=[warehouse_id], is_active=True)
        .filter(on_face__lt=F("min_quantity"))
        .count()
    )
    suggestions = suggestions_list(
        warehouse_ids=[warehouse_id], status=ReorderSuggestion.Status.OPEN
    ).aggregate(
        open=Count("id"),
        critical=Count("id", filter=Q(urgency="critical")),
    )
    return ReplenishmentTile(
        replenish_open=replenish_open,
        faces_below_min=below,
        suggestions_open=suggestions["open"],
        suggestions_critical=suggestions["critical"],
    )


def _exceptions(*, warehouse_id: int, start: datetime, short_picks: int) -> ExceptionTile:
    """Wrong scans refused today, by error code, and bins blocked now. Two queries."""
    codes = ("wrong_location", "wrong_product", "wrong_lot", "invalid_barcode")
    refusals = ScanRefusal.objects.filter(
        warehouse_id=warehouse_id, created_at__gte=start
    ).aggregate(total=Count("id"), **{code: Count("id", filter=Q(code=code)) for code in codes})
    blocked = Location.objects.filter(
        warehouse_id=warehouse_id, is_blocked=True, kind__in=_BIN_KINDS
    ).count()
    return ExceptionTile(
        short_picks=short_picks,
        wrong_scans=refusals.pop("total"),
        wrong_scans_by_code=refusals,
        blocked_bins=blocked,
    )


_BIN_KINDS = (Location.Kind.STORAGE, Location.Kind.PICK)
_FLOW_KINDS = (StockMove.Kind.PICK, StockMove.Kind.RECEIPT, StockMove.Kind.SHIP)


def _throughput(*, warehouse_id: int, start: datetime) -> Throughput:
    """Today's picks (units and lines), receipts and shipments per local hour, from the ledger
    (move_wh_time: only today's rows are read)."""
    rows = (
        StockMove.objects.filter(
            warehouse_id=warehouse_id, created_at__gte=start, kind__in=_FLOW_KINDS
        )
        .annotate(hour=ExtractHour("created_at", tzinfo=timezone.get_current_timezone()))
        .values("hour", "kind")
        .annotate(units=Sum("quantity"), lines=Count("id"))
        .order_by()
    )
    by_hour: dict[int, dict[str, int]] = {}
    shipped = 0
    for row in rows:
        figures = by_hour.setdefault(row["hour"], {})
        if row["kind"] == StockMove.Kind.PICK:
            figures["units_picked"] = row["units"]
            figures["lines_picked"] = row["lines"]
        elif row["kind"] == StockMove.Kind.RECEIPT:
            figures["units_received"] = row["units"]
        else:
            shipped += row["units"]
    hours = [HourFigures(hour=h, **by_hour.get(h, {})) for h in range(24)]
    return Throughput(
        hours=hours,
        units_picked=sum(h.units_picked for h in hours),
        lines_picked=sum(h.lines_picked for h in hours),
        units_received=sum(h.units_received for h in hours),
        units_shipped=shipped,
    )


def _workers_today(
    *, warehouse_id: int, start: datetime
) -> tuple[list[WorkerRow], dict[str, int], int]:
    """Tasks each worker finished today, per kind, with their units (``quantity_done``) and
    short picks; also the day's totals per kind and of short picks. One query."""
    rows = (
        Task.objects.filter(
            warehouse_id=warehouse_id, status=Task.Status.DONE, completed_at__gte=start
        )
        .values(
            "assignee_id",
            "assignee__username",
            "assignee__first_name",
            "assignee__last_name",
            "kind",
        )
        .annotate(
            done=Count("id"),
            units=Coalesce(Sum("quantity_done"), 0),
            short=Count("id", filter=Q(kind=Task.Kind.PICK, quantity_done__lt=F("quantity"))),
        )
        .order_by()
    )
    names: dict[int | None, str] = {}
    cells: dict[tuple[int | None, str], dict] = {}  # (user, kind) -> its row
    for row in rows:
        names.setdefault(row["assignee_id"], _name(row))
        cells[(row["assignee_id"], row["kind"])] = row
    workers = [_worker(user_id, name, cells) for user_id, name in names.items()]
    workers.sort(key=lambda w: (-w.done, -w.units, w.name))
    done_by_kind: dict[str, int] = {}
    for (_, kind), row in cells.items():
        done_by_kind[kind] = done_by_kind.get(kind, 0) + row["done"]
    return workers, done_by_kind, sum(w.short_picks for w in workers)


def _worker(user_id: int | None, name: str, cells: dict) -> WorkerRow:
    mine = [cells.get((user_id, kind)) for kind in Task.Kind.values]
    kinds = [
        WorkerKind(kind=kind, done=row["done"] if row else 0, units=row["units"] if row else 0)
        for kind, row in zip(Task.Kind.values, mine, strict=True)
    ]
    return WorkerRow(
        user_id=user_id,
        name=name,
        kinds=kinds,
        done=sum(k.done for k in kinds),
        units=sum(k.units for k in kinds),
        short_picks=sum(row["short"] for row in mine if row),
    )


def _name(row: dict) -> str:
    if row["assignee_id"] is None:
        return "Nobody (system)"
    full = f"{row['assignee__first_name']} {row['assignee__last_name']}".strip()
    return full or row["assignee__username"]
