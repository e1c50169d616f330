"""The supervisor's dashboard and warehouse map against a busy warehouse.

The benchmark builds issue 7's data set (bench/dataset.py, bulk SQL, not measured): by default
the large profile, ``--dash-bins`` bins (20,000), ``--dash-products`` SKUs (50,000),
``--dash-quants`` quants (200,000) and ``--dash-moves`` ledger rows (2,000,000: 98.5 % of the
history over the 90 days before today, the rest today up to now, and the opening balances that
make the ledger agree with the quants), ``--dash-open-tasks`` open or assigned tasks (10,000)
and ``--dash-done-tasks`` finished ones (300,000 over 90 days, 3,000 of them today by 30
workers, 2 % of the picks short), plus 32,000 orders (2,000 not shipped, due from yesterday to
next week), 3,060 receipts, 60,300 refused scans, 5,000 bin counts, pick-face rules and 13,000
purchase suggestions. A second, quiet warehouse shares the tables.

Measured in this process with Django's test client (the whole request: session, shell,
selectors, template), each the median of ``--dash-repeat`` runs (30) after two warm-ups, with
the queries counted by ``connection.execute_wrapper``:

- poll: the dashboard's tiles fragment, what the open page fetches every 5 s (the target:
  under 150 ms);
- page: the whole dashboard page;
- selector: ``dashboard_get`` alone;
- map, occupancy / picks: the map as it opens: its first section of the floor (at most
  1,000 locations, warehouse/selectors/warehouse_map.py; the whole layout on a smaller site);
- bin: one bin's contents (the map's hover).

``--dash-explain`` writes EXPLAIN (ANALYZE, BUFFERS) of each of the dashboard's queries to
``bench/out/dashboard-explain.txt``.
"""

import argparse
import json
import statistics
from dataclasses import asdict, dataclass
from typing import Any

from bench import dataset
from bench.database import OUT_DIR
from bench.dataset import Site
from bench.inbound import _positive, machine_info, measured

TARGET_MS = 150.0
SELECTOR_QUERIES = 11


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("dashboard (and worker_memory: the same data set)")
    large = dataset.LARGE
    group.add_argument("--dash-bins", type=_positive, default=large["bins"], help="bins")
    group.add_argument(
        "--dash-products", type=_positive, default=large["products"], help="products (SKUs)"
    )
    group.add_argument("--dash-moves", type=_positive, default=large["moves"], help="ledger rows")
    group.add_argument("--dash-quants", type=_positive, default=large["quants"], help="quants")
    group.add_argument(
        "--dash-open-tasks", type=_positive, default=10_000, help="open or assigned tasks"
    )
    group.add_argument(
        "--dash-done-tasks", type=_positive, default=300_000, help="finished tasks (history)"
    )
    group.add_argument("--dash-repeat", type=_positive, default=30, help="runs per figure")
    group.add_argument(
        "--dash-explain",
        action="store_true",
        help="EXPLAIN ANALYZE the dashboard's queries (bench/out/dashboard-explain.txt)",
    )


@dataclass
class Figure:
    name: str
    ms: float
    min_ms: float
    max_ms: float
    queries: int
    runs: int
    bytes: int = 0


def sizes_from(args: argparse.Namespace) -> dataset.Sizes:
    try:
        return dataset.Sizes(
            bins=args.dash_bins,
            products=args.dash_products,
            quants=args.dash_quants,
            moves=args.dash_moves,
            open_tasks=args.dash_open_tasks,
            done_tasks=args.dash_done_tasks,
        )
    except ValueError as error:
        raise SystemExit(f"dashboard: {error}") from error


def build_site(args: argparse.Namespace) -> Site:
    return dataset.build(sizes_from(args))


# --- the runs ------------------------------------------------------------------------------------


def _client(warehouse_id: int) -> Any:
    """A signed-in supervisor's client, its session on the busy warehouse."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.test import Client

    from inventory.models import UserScope

    user = get_user_model().objects.create_user(username="bench-supervisor", password="x")
    user.groups.add(Group.objects.get(name="supervisor"))
    UserScope.objects.create(user=user, all_warehouses=True, default_warehouse_id=warehouse_id)
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    return client


def _figure(name: str, work, repeat: int) -> Figure:
    for _ in range(2):  # warm-up: imports, template loading, plans
        work()
    runs = [measured(work) for _ in range(repeat)]
    times = sorted(1000 * seconds for _, seconds, _ in runs)
    size = runs[0][0] if isinstance(runs[0][0], int) else 0
    return Figure(
        name=name,
        ms=statistics.median(times),
        min_ms=times[0],
        max_ms=times[-1],
        queries=max(q for _, _, q in runs),
        runs=repeat,
        bytes=size,
    )


def _get(client: Any, url: str, *, htmx: bool = False):
    headers = {"HX-Request": "true"} if htmx else {}

    def work() -> int:
        response = client.get(url, headers=headers)
        assert response.status_code == 200, (url, response.status_code)
        return len(response.content)

    return work


def explain(warehouse_id: int) -> list[tuple[float, str]]:
    """EXPLAIN ANALYZE of each dashboard query; returns (ms, first line of the SQL)."""
    import re

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from warehouse.selectors.dashboard import dashboard_get

    with CaptureQueriesContext(connection) as captured:
        dashboard_get(warehouse_id=warehouse_id)
    timings, plans = [], []
    with connection.cursor() as cursor:
        for query in captured.captured_queries:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
            plan = "\n".join(row[0] for row in cursor.fetchall())
            found = re.search(r"Execution Time: ([\d.]+) ms", plan)
            ms = float(found.group(1)) if found else 0.0
            timings.append((ms, query["sql"][:90]))
            plans.append(f"-- {ms:.2f} ms\n{query['sql']}\n{plan}\n")
    path = OUT_DIR / "dashboard-explain.txt"
    path.write_text("\n".join(plans))
    print(f"  plans of the dashboard's queries: {path}")
    return timings


def run(args: argparse.Namespace) -> dict[str, Any]:
    from django.db import connection

    from warehouse.selectors.dashboard import dashboard_get

    print(
        f"\ndashboard: building {args.dash_bins:,} bins, {args.dash_products:,} products, "
        f"{args.dash_moves:,} moves, {args.dash_quants:,} quants, "
        f"{args.dash_open_tasks:,} open tasks and {args.dash_done_tasks:,} finished ..."
    )
    site = build_site(args)
    print(f"  built in {site.build_seconds:.1f} s")
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    client = _client(site.warehouse_id)
    any_bin = connection.cursor()
    any_bin.execute(
        "SELECT id FROM warehouse_location WHERE warehouse_id = %s AND kind = 'pick' LIMIT 1",
        [site.warehouse_id],
    )
    bin_id = any_bin.fetchone()[0]
    repeat = args.dash_repeat
    figures = [
        _figure("poll (tiles fragment)", _get(client, "/supervisor/dashboard/", htmx=True), repeat),
        _figure("page (whole dashboard)", _get(client, "/supervisor/dashboard/"), repeat),
        _figure(
            "selector (dashboard_get)",
            lambda: dashboard_get(warehouse_id=site.warehouse_id),
            repeat,
        ),
        _figure("map, occupancy", _get(client, "/supervisor/map/"), max(5, repeat // 3)),
        _figure(
            "map, picks (30 days)",
            _get(client, "/supervisor/map/?colour=picks"),
            max(5, repeat // 3),
        ),
        _figure(
            "bin contents (hover)",
            _get(client, f"/supervisor/map/bins/{bin_id}/", htmx=True),
            repeat,
        ),
    ]
    timings = explain(site.warehouse_id) if args.dash_explain else []
    machine = machine_info(connection)
    report(figures, machine, site, timings)
    selector = figures[2]
    ok = selector.queries == SELECTOR_QUERIES
    payload = {
        "machine": machine,
        "site": asdict(site),
        "figures": [asdict(f) for f in figures],
        "explain_ms": timings,
        "target_ms": TARGET_MS,
        "ok": ok,
    }
    (OUT_DIR / "dashboard.json").write_text(json.dumps(payload, indent=2))
    return payload


def report(
    figures: list[Figure], machine: dict[str, Any], site: Site, timings: list[tuple]
) -> None:
    print(
        f"\ndashboard: one warehouse with {site.moves:,} moves ({site.moves_today:,} today), "
        f"{site.quants:,} quants of {site.products:,} products in {site.bins:,} bins, "
        f"{site.open_tasks:,} open tasks, "
        f"{site.done_tasks:,} finished ({site.done_today:,} today), {site.orders_open:,} "
        f"open orders (median of {figures[0].runs} runs)"
    )
    print(
        f"machine: {machine['cpus']} CPUs ({machine['cpu']}), {machine['memory_gb']} GB, "
        f"Python {machine['python']}, PostgreSQL {machine['postgresql']}, "
        f"load average {machine['load_average']}"
    )
    columns = [("what", 26), ("ms", 8), ("min-max", 14), ("vs 150", 7), ("queries", 8), ("KB", 6)]
    header = " ".join(f"{name:>{width}}" for name, width in columns)
    print(header)
    print("-" * len(header))
    for f in figures:
        cells = [
            f.name,
            f"{f.ms:.1f}",
            f"{f.min_ms:.0f}-{f.max_ms:.0f}",
            f"{f.ms / TARGET_MS:.2f}x",
            f"{f.queries}",
            f"{f.bytes / 1024:.0f}" if f.bytes else "",
        ]
        print(" ".join(f"{cell:>{width}}" for cell, (_, width) in zip(cells, columns, strict=True)))
    print(
        "ms: the whole request in this process (session, shell, selectors, template); "
        "queries: statements sent (BEGIN/COMMIT not counted). vs 150: below 1.00x meets the "
        "target."
    )
    for ms, sql in sorted(timings, reverse=True):
        print(f"  {ms:7.2f} ms  {sql}")
