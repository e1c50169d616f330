"""The supervisor's dashboard: today's state of the current warehouse, refreshing itself.

The page polls its tiles every few seconds (htmx, paused while the tab is hidden) and gets
back only the tiles fragment. Each figure links to the list behind it. The task board and the
counts page are built alongside this page: their links are made here and left out while
those pages do not exist yet (NoReverseMatch), so the dashboard never breaks on them.
"""

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from inventory.views.shell import role_page, wants_fragment
from warehouse.models import Task
from warehouse.selectors.dashboard import Dashboard, HourFigures, TaskCell, WorkerRow, dashboard_get

TEMPLATE = "warehouse/supervisor/dashboard.html"
TILES = "warehouse/partials/dashboard_tiles.html"
PERMISSION = "warehouse.control_task"
REFRESH_SECONDS = 5


@require_GET
@never_cache
@vary_on_headers("HX-Request")
@role_page(PERMISSION, url_name="supervisor-dashboard")
def dashboard_page(request: HttpRequest) -> HttpResponse:
    """The page, or (for the poll) its tiles; a fixed number of queries either way."""
    shell = request.shell  # type: ignore[attr-defined]
    dashboard = dashboard_get(warehouse_id=shell.current.pk)
    context = _context(request, dashboard)
    if wants_fragment(request):
        return render(request, TILES, context)
    return render(request, TEMPLATE, context)


# --- links to the lists behind the figures ----------------------------------------------------


def _url(request: HttpRequest, name: str, permission: str, **query: Any) -> str | None:
    """The URL of page ``name`` with ``query``, or None when the user may not open it or the
    page does not exist (yet)."""
    if not request.user.has_perm(permission):
        return None
    try:
        url = reverse(name)
    except NoReverseMatch:
        return None
    return f"{url}?{urlencode(query)}" if query else url


def _board(request: HttpRequest, **query: Any) -> str | None:
    return _url(request, "supervisor-tasks", PERMISSION, **query)


@dataclass(frozen=True)
class TaskRow:
    cell: TaskCell
    open_url: str | None
    assigned_url: str | None
    done_url: str | None


@dataclass(frozen=True)
class WorkerLine:
    worker: WorkerRow
    url: str | None


def _links(request: HttpRequest) -> dict[str, str | None]:
    orders = "warehouse.view_order"
    return {
        "board": _board(request),
        "board_open": _board(request, status=Task.Status.OPEN),
        "board_qc": _board(request, kind=Task.Kind.QC),
        "board_replenish": _board(request, kind=Task.Kind.REPLENISH),
        "short_picks": _board(request, exception="short_pick"),
        "blocked": _board(request, exception="blocked"),
        "orders": _url(request, "supervisor-orders", orders),
        "orders_due": _url(request, "supervisor-orders", orders, due="today"),
        "orders_late": _url(request, "supervisor-orders", orders, due="late"),
        "backordered": _url(request, "supervisor-orders", orders, status="backordered"),
        "picking": _url(request, "supervisor-orders", orders, status="picking"),
        "picked": _url(request, "supervisor-orders", orders, status="picked"),
        "receiving": _url(request, "floor-receiving", "warehouse.receive_goods"),
        "quarantine": _url(request, "supervisor-quarantine", "warehouse.adjust_stock"),
        "suggestions": _url(request, "purchaser-suggestions", "inventory.view_reordersuggestion"),
        "critical": _url(
            request,
            "purchaser-suggestions",
            "inventory.view_reordersuggestion",
            urgency="critical",
        ),
        "counts": _url(request, "supervisor-counts", PERMISSION),
        "map": _url(request, "supervisor-map", PERMISSION),
    }


def _context(request: HttpRequest, dashboard: Dashboard) -> dict[str, Any]:
    now = timezone.localtime(dashboard.now)
    hours = hours_shown(dashboard.throughput.hours, current_hour=now.hour)
    return {
        "d": dashboard,
        "now": now,
        "links": _links(request),
        "task_rows": [
            TaskRow(
                cell=cell,
                open_url=_board(request, kind=cell.kind, status=Task.Status.OPEN),
                assigned_url=_board(request, kind=cell.kind, status=Task.Status.ASSIGNED),
                done_url=_board(request, kind=cell.kind, status=Task.Status.DONE),
            )
            for cell in dashboard.tasks
        ],
        "worker_lines": [
            WorkerLine(
                worker=worker,
                url=_board(request, assignee=worker.user_id, status=Task.Status.DONE)
                if worker.user_id
                else None,
            )
            for worker in dashboard.workers
        ],
        "units_chart": bar_chart(title="Units per hour", hours=hours, series=UNITS),
        "lines_chart": bar_chart(
            title="Pick lines per hour", hours=hours, series=LINES, width=LINES_WIDTH
        ),
        "accuracy_percent": _percent(dashboard.accuracy.share),
        "refresh_seconds": REFRESH_SECONDS,
    }


def _percent(share: float | None) -> float | None:
    return None if share is None else round(share * 100, 1)


# --- the throughput charts --------------------------------------------------------------------
# Laid out here so the template only draws rectangles: server-rendered SVG, no chart library,
# and a table beside each chart keeps the figures readable to a screen reader.

WIDTH = 600
LINES_WIDTH = 400  # the second chart gets two fifths of the row (dashboard.css)
HEIGHT = 190
LEFT = 44  # room for the value labels
RIGHT = 8
TOP = 10
BOTTOM = 24  # room for the hour labels
DAY_FROM = 6  # the chart shows at least 06:00 to now


@dataclass(frozen=True)
class Series:
    key: str  # an attribute of HourFigures
    label: str
    css: str  # the bar's class; its colour is in dashboard.css


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    css: str
    title: str


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True)
class BarChart:
    title: str
    width: int
    height: int
    bars: list[Bar]
    hour_ticks: list[Tick]
    value_ticks: list[Tick]
    series: list[Series]
    rows: list[tuple[str, list[int]]]  # (hour, one value per series): the table beside it
    base: float  # y of the zero line
    left: int
    right: int

    @property
    def empty(self) -> bool:
        return not any(any(values) for _, values in self.rows)


UNITS = [
    Series("units_picked", "Units picked", "chart__bar--picked"),
    Series("units_received", "Units received", "chart__bar--received"),
]
LINES = [Series("lines_picked", "Lines picked", "chart__bar--lines")]


def hours_shown(hours: list[HourFigures], *, current_hour: int) -> list[HourFigures]:
    """From 06:00 (midnight before six; earlier if something happened) to the current hour
    (later if something is already booked in a later one)."""
    busy = [h.hour for h in hours if h.units_picked or h.lines_picked or h.units_received]
    first = min([DAY_FROM if current_hour >= DAY_FROM else 0, *busy])
    last = max([current_hour, *busy])
    return [h for h in hours if first <= h.hour <= last]


def nice_ceiling(value: int) -> int:
    """A round top for the value axis at or above ``value``: 1, 2 or 5 times a power of 10."""
    magnitude = 1
    while magnitude * 10 < value:
        magnitude *= 10
    return next(step * magnitude for step in (1, 2, 5, 10) if step * magnitude >= value)


def bar_chart(
    *, title: str, hours: list[HourFigures], series: list[Series], width: int = WIDTH
) -> BarChart:
    """Grouped bars: one group per hour, one bar per series, one value axis. ``width`` in
    SVG units: about the pixels the chart gets on a desk, so its labels keep their size."""
    plot_width, plot_height = width - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    base = TOP + plot_height
    rows = [[getattr(hour, one.key) for one in series] for hour in hours]
    top = nice_ceiling(max((value for row in rows for value in row), default=0))
    slot = plot_width / max(len(hours), 1)
    gap = max(slot * 0.2, 2.0)
    width = (slot - gap) / len(series)
    bars = [
        Bar(
            x=round(LEFT + index * slot + gap / 2 + n * width, 1),
            y=round(base - plot_height * value / top, 1),
            width=round(max(width - 1, 1), 1),
            height=round(plot_height * value / top, 1),
            css=one.css,
            title=f"{hour.hour:02d}:00–{hour.hour + 1:02d}:00 · {one.label}: {value:,}",
        )
        for index, (hour, row) in enumerate(zip(hours, rows, strict=True))
        for n, (one, value) in enumerate(zip(series, row, strict=True))
        if value
    ]
    every = 1 if len(hours) <= 12 else 2 if len(hours) <= 18 else 3  # hour labels that fit
    return BarChart(
        title=title,
        width=width,
        height=HEIGHT,
        bars=bars,
        hour_ticks=[
            Tick(round(LEFT + index * slot + slot / 2, 1), f"{hour.hour:02d}")
            for index, hour in enumerate(hours)
            if index % every == 0
        ],
        value_ticks=[
            Tick(round(base - plot_height * share, 1), f"{round(top * share):,}")
            for share in ((0, 0.5, 1) if top % 2 == 0 else (0, 1))  # whole numbers only
        ],
        series=series,
        rows=[(f"{hour.hour:02d}:00", row) for hour, row in zip(hours, rows, strict=True)],
        base=base,
        left=LEFT,
        right=width - RIGHT,
    )
