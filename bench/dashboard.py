"""The supervisor's dashboard and warehouse map against a busy warehouse.

The benchmark builds, in bulk SQL (not measured), one warehouse with ``--dash-moves`` ledger
rows (1,000,000: 98.5 % spread over the 90 days before today, the rest today up to now),
``--dash-quants`` quants (100,000, fifty products in each of 2,000 bins), ``--dash-open-tasks``
open or assigned tasks (10,000) and ``--dash-done-tasks`` finished ones (300,000 over 90 days,
3,000 of them today by 30 workers, 2 % of the picks short), plus 32,000 orders (2,000 not
shipped, due from yesterday to next week), 3,060 receipts, 60,300 refused scans, 5,000 bin
counts, 160 pick-face rules and 13,000 purchase suggestions. A second, quiet warehouse shares
the tables.

Measured in this process with Django's test client (the whole request: session, shell,
selectors, template), each the median of ``--dash-repeat`` runs (30) after two warm-ups, with
the queries counted by ``connection.execute_wrapper``:

- poll: the dashboard's tiles fragment, what the open page fetches every 5 s (the target:
  under 150 ms);
- page: the whole dashboard page;
- selector: ``dashboard_get`` alone;
- map, occupancy / picks: the whole layout (2,000 bins and the docks);
- bin: one bin's contents (the map's hover).

``--dash-explain`` writes EXPLAIN (ANALYZE, BUFFERS) of each of the dashboard's queries to
``bench/out/dashboard-explain.txt``.
"""

import argparse
import json
import statistics
import time
from dataclasses import asdict, dataclass
from typing import Any

from bench.database import OUT_DIR
from bench.inbound import _positive, machine_info, measured

TARGET_MS = 150.0
SELECTOR_QUERIES = 11
AISLES, POSITIONS, SHELVES = 40, 10, 5  # 2,000 bins
PICK_AISLES, PICK_SHELVES = 4, 2
PRODUCTS = 20_000
WORKERS = 30
HISTORY_DAYS = 90


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("dashboard")
    group.add_argument("--dash-moves", type=_positive, default=1_000_000, help="ledger rows")
    group.add_argument("--dash-quants", type=_positive, default=100_000, help="quants")
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


@dataclass
class Site:
    warehouse_id: int
    bins: int
    products: int
    quants: int
    moves: int
    moves_today: int
    open_tasks: int
    done_tasks: int
    done_today: int
    orders_open: int
    build_seconds: float


# --- the data ------------------------------------------------------------------------------------


def build_site(args: argparse.Namespace) -> Site:
    """Everything in bulk SQL in one transaction, then ANALYZE."""
    from django.db import connection, transaction

    from warehouse.services.layout import warehouse_setup

    started = time.perf_counter()
    warehouse_setup(code="QUIET", name="A quiet second site")
    warehouse_id = warehouse_setup(code="BUSY", name="Busy distribution centre").pk
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit = off")
        _layout(cursor, warehouse_id)
        _products(cursor)
        _users(cursor)
        quants = _quants(cursor, warehouse_id, args.dash_quants)
        moves_today, moves = _moves(cursor, warehouse_id, args.dash_moves)
        done_today = _tasks(cursor, warehouse_id, args.dash_open_tasks, args.dash_done_tasks)
        orders_open = _documents(cursor, warehouse_id)
        _exceptions(cursor, warehouse_id)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return Site(
        warehouse_id=warehouse_id,
        bins=AISLES * POSITIONS * SHELVES,
        products=PRODUCTS,
        quants=quants,
        moves=moves,
        moves_today=moves_today,
        open_tasks=args.dash_open_tasks,
        done_tasks=args.dash_done_tasks,
        done_today=done_today,
        orders_open=orders_open,
        build_seconds=time.perf_counter() - started,
    )


def _layout(cursor: Any, warehouse_id: int) -> None:
    """Zones PICK and RES; 40 aisles 3 m apart, 10 positions 1 m apart, 5 shelves; the pick
    face is the two lowest shelves of the first four aisles; about 1 bin in 100 blocked.
    Capacities fit fifty products a bin (the quants below)."""
    cursor.execute(
        """
        INSERT INTO warehouse_zone (created_at, updated_at, warehouse_id, code, name)
        VALUES (now(), now(), %s, 'PICK', 'Pick face'), (now(), now(), %s, 'RES', 'Reserve')
        """,
        [warehouse_id, warehouse_id],
    )
    cursor.execute(
        """
        INSERT INTO warehouse_location (created_at, updated_at, warehouse_id, zone_id, code,
            barcode, kind, aisle, rack, shelf, bin, x, y, pick_sequence, capacity_units,
            is_blocked, blocked_reason)
        SELECT now(), now(), %(w)s,
            (SELECT id FROM warehouse_zone WHERE warehouse_id = %(w)s
             AND code = CASE WHEN pick THEN 'PICK' ELSE 'RES' END),
            code, code, CASE WHEN pick THEN 'pick' ELSE 'storage' END,
            'A' || lpad(a::text, 2, '0'), 'R' || p, 'S' || s, 'B1',
            a * 3.0, 4.5 + p, a * 100 + p * 10 + s,
            CASE WHEN pick THEN 1500 ELSE 2400 - s * 200 END,
            (a * 7 + p * 3 + s) %% 97 = 0, ''
        FROM generate_series(1, %(aisles)s) AS a
        CROSS JOIN generate_series(0, %(positions)s - 1) AS p
        CROSS JOIN generate_series(1, %(shelves)s) AS s
        CROSS JOIN LATERAL (SELECT a <= %(pick_aisles)s AND s <= %(pick_shelves)s AS pick,
            'A' || lpad(a::text, 2, '0') || '-R' || lpad(p::text, 2, '0') || '-S' || s AS code)
            AS named
        """,
        {
            "w": warehouse_id,
            "aisles": AISLES,
            "positions": POSITIONS,
            "shelves": SHELVES,
            "pick_aisles": PICK_AISLES,
            "pick_shelves": PICK_SHELVES,
        },
    )
    # The standard places on the plan: docks and benches along the front wall.
    cursor.execute(
        """
        UPDATE warehouse_location SET x = v.x, y = v.y
        FROM (VALUES ('RECV-01', 4.0, 0.0), ('QC-01', 12.0, 1.0), ('QUAR-01', 18.0, 1.0),
                     ('STAGE-01', 110.0, 1.0), ('SHIP-01', 116.0, 0.0)) AS v(code, x, y)
        WHERE warehouse_location.warehouse_id = %s AND warehouse_location.code = v.code
        """,
        [warehouse_id],
    )


def _products(cursor: Any) -> None:
    cursor.execute(
        """
        INSERT INTO inventory_product (created_at, updated_at, sku, name, barcode,
            unit_of_measure, unit_cost, requires_qc, tracking, min_shelf_life_days, is_active)
        SELECT now(), now(), 'DP-' || lpad(n::text, 6, '0'), 'Dashboard product ' || n, NULL,
            'ea', 1 + n %% 40, false, 'none', 0, true
        FROM generate_series(1, %s) AS n
        """,
        [PRODUCTS],
    )


def _users(cursor: Any) -> None:
    cursor.execute(
        """
        INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, email,
            is_staff, is_active, date_joined)
        SELECT '!', false, 'picker' || n, 'Picker', lpad(n::text, 2, '0'), '', false, true,
            now()
        FROM generate_series(1, %s) AS n
        """,
        [WORKERS],
    )


def _ids(cursor: Any, sql: str, params: list) -> list[int]:
    cursor.execute(sql, params)
    return [row[0] for row in cursor.fetchall()]


def _quants(cursor: Any, warehouse_id: int, count: int) -> int:
    """Fifty products per bin (as many bins as it takes), plus stock on the dock, on the QC
    bench and in quarantine."""
    cursor.execute(
        """
        WITH bins AS (
            SELECT id, row_number() OVER (ORDER BY id) - 1 AS i FROM warehouse_location
            WHERE warehouse_id = %(w)s AND kind IN ('storage', 'pick')
        ), products AS (
            SELECT id, row_number() OVER (ORDER BY id) - 1 AS i FROM inventory_product
            WHERE sku LIKE 'DP-%%'
        ), slots AS (
            SELECT b.id AS location_id, (b.i * 50 + k) %% %(products)s AS product_i,
                   b.i * 50 + k AS n
            FROM bins AS b CROSS JOIN generate_series(0, 49) AS k
            WHERE b.i * 50 + k < %(count)s
        )
        INSERT INTO warehouse_quant (product_id, location_id, lot_id, warehouse_id, quantity,
            reserved, received_at)
        SELECT p.id, s.location_id, NULL, %(w)s, 1 + s.n %% 60, (s.n %% 7 = 0)::int,
            now() - make_interval(days => (s.n %% 90)::int)
        FROM slots AS s JOIN products AS p ON p.i = s.product_i
        """,
        {"w": warehouse_id, "count": count, "products": PRODUCTS},
    )
    made = cursor.rowcount
    cursor.execute(
        """
        INSERT INTO warehouse_quant (product_id, location_id, lot_id, warehouse_id, quantity,
            reserved, received_at)
        SELECT p.id, l.id, NULL, %(w)s, 1 + p.id %% 30, 0, now()
        FROM warehouse_location AS l
        JOIN LATERAL (SELECT id FROM inventory_product WHERE sku LIKE 'DP-%%' ORDER BY id
                      OFFSET CASE l.kind WHEN 'receiving' THEN 0 WHEN 'qc' THEN 1000
                                         ELSE 2000 END LIMIT 300) AS p ON true
        WHERE l.warehouse_id = %(w)s AND l.kind IN ('receiving', 'qc', 'quarantine')
        """,
        {"w": warehouse_id},
    )
    return made + cursor.rowcount


_MOVE_KINDS = """
    CASE WHEN r < 50 THEN 'pick' WHEN r < 62 THEN 'receipt' WHEN r < 74 THEN 'putaway'
         WHEN r < 89 THEN 'ship' WHEN r < 95 THEN 'replenish' WHEN r < 98 THEN 'transfer'
         ELSE 'adjustment' END
"""


def _moves(cursor: Any, warehouse_id: int, count: int) -> tuple[int, int]:
    """``count`` ledger rows, 1.5 % of them today (up to now), the rest over the 90 days
    before; each with the two ends its kind has. Returns today's and all rows written."""
    today = max(1, count * 15 // 1000)
    cursor.execute(
        """
        CREATE TEMP TABLE bench_ends ON COMMIT DROP AS
        SELECT (SELECT array_agg(id ORDER BY id) FROM warehouse_location
                WHERE warehouse_id = %(w)s AND kind IN ('storage', 'pick')) AS bins,
               (SELECT array_agg(id ORDER BY id) FROM warehouse_location
                WHERE warehouse_id = %(w)s AND kind = 'pick') AS faces,
               (SELECT array_agg(id ORDER BY id) FROM inventory_product
                WHERE sku LIKE 'DP-%%') AS products,
               (SELECT id FROM warehouse_location WHERE warehouse_id = %(w)s
                AND kind = 'receiving') AS dock,
               (SELECT id FROM warehouse_location WHERE warehouse_id = %(w)s
                AND kind = 'staging') AS stage,
               (SELECT id FROM warehouse_location WHERE warehouse_id = %(w)s
                AND kind = 'supplier') AS supplier,
               (SELECT id FROM warehouse_location WHERE warehouse_id = %(w)s
                AND kind = 'customer') AS customer,
               (SELECT id FROM warehouse_location WHERE warehouse_id = %(w)s
                AND kind = 'adjustment') AS adjust,
               date_trunc('day', now()) AS midnight
        """,
        {"w": warehouse_id},
    )
    cursor.execute(
        f"""
        INSERT INTO warehouse_stockmove (warehouse_id, kind, product_id, lot_id,
            from_location_id, to_location_id, quantity, actor_id, task_id, reason, reference,
            idempotency_key, created_at)
        SELECT %(w)s, kind, e.products[1 + (n * 7919) %% cardinality(e.products)], NULL,
            ends.from_id, ends.to_id, 1 + n %% 20, NULL, NULL, '', '', NULL,
            CASE WHEN n <= %(today)s
                 THEN e.midnight + (now() - e.midnight) * (n::float / %(today)s)
                 ELSE e.midnight - interval '1 second'
                      - make_interval(secs => (n * 104729) %% (%(days)s * 86400))
            END
        FROM bench_ends AS e
        CROSS JOIN generate_series(1::bigint, %(count)s) AS n
        CROSS JOIN LATERAL (SELECT (n * 31) %% 100 AS r,
            e.bins[1 + (n * 13) %% cardinality(e.bins)] AS b1,
            e.bins[1 + (n * 17 + 5) %% cardinality(e.bins)] AS b2) AS pick
        CROSS JOIN LATERAL (SELECT {_MOVE_KINDS} AS kind) AS k
        CROSS JOIN LATERAL (SELECT
            CASE kind WHEN 'receipt' THEN e.supplier WHEN 'putaway' THEN e.dock
                      WHEN 'ship' THEN e.stage WHEN 'adjustment' THEN e.adjust
                      ELSE b1 END AS from_id,
            CASE kind WHEN 'pick' THEN e.stage WHEN 'receipt' THEN e.dock
                      WHEN 'ship' THEN e.customer WHEN 'putaway' THEN b1
                      WHEN 'replenish' THEN e.faces[1 + n %% cardinality(e.faces)]
                      ELSE b2 END AS to_id) AS ends
        WHERE ends.from_id <> ends.to_id  -- a replenishment's source may be its face: skipped
        """,
        {"w": warehouse_id, "count": count, "today": today, "days": HISTORY_DAYS},
    )
    return today, cursor.rowcount


def _tasks(cursor: Any, warehouse_id: int, open_count: int, done_count: int) -> int:
    """Open and assigned tasks of every kind; finished ones over 90 days and today (1 % of
    them), 2 % of the picks short; cancelled ones. Returns how many finished today."""
    today = max(1, done_count // 100)
    common = """
        INSERT INTO warehouse_task (created_at, updated_at, warehouse_id, kind, status,
            priority, product_id, quantity, quantity_done, source_location_id,
            destination_location_id, assignee_id, reference, notes, route_sequence,
            assigned_at, completed_at, cancelled_at)
    """
    kinds = "(ARRAY['pick','pick','pick','putaway','putaway','replenish','count','qc'])"
    cursor.execute(
        common
        + f"""
        SELECT now(), now(), %(w)s, {kinds}[1 + n %% 8],
            CASE WHEN n %% 5 < 3 THEN 'open' ELSE 'assigned' END, 1 + n %% 9,
            (SELECT min(id) FROM inventory_product) + n %% {PRODUCTS}, 1 + n %% 20, 0,
            NULL, NULL,
            CASE WHEN n %% 5 < 3 THEN NULL ELSE u.ids[1 + n %% {WORKERS}] END,
            '', '', 0, NULL, NULL, NULL
        FROM generate_series(1, %(open)s) AS n
        CROSS JOIN (SELECT array_agg(id ORDER BY id) AS ids FROM auth_user
                    WHERE username LIKE 'picker%%') AS u
        """,
        {"w": warehouse_id, "open": open_count},
    )
    cursor.execute(
        common
        + f"""
        SELECT done_at, done_at, %(w)s, kind, 'done', 5,
            (SELECT min(id) FROM inventory_product) + n %% {PRODUCTS}, q,
            CASE WHEN kind = 'pick' AND n %% 50 = 0 THEN q - 1 ELSE q END,
            NULL, NULL, u.ids[1 + n %% {WORKERS}], '', '', 0, done_at, done_at, NULL
        FROM generate_series(1::bigint, %(done)s) AS n
        CROSS JOIN (SELECT array_agg(id ORDER BY id) AS ids FROM auth_user
                    WHERE username LIKE 'picker%%') AS u
        CROSS JOIN LATERAL (SELECT {kinds}[1 + n %% 8] AS kind, 2 + n %% 19 AS q,
            CASE WHEN n <= %(today)s
                 THEN date_trunc('day', now())
                      + (now() - date_trunc('day', now())) * (n::float / %(today)s)
                 ELSE date_trunc('day', now()) - interval '1 second'
                      - make_interval(secs => (n * 7919) %% (%(days)s * 86400))
            END AS done_at) AS t
        """,
        {"w": warehouse_id, "done": done_count, "today": today, "days": HISTORY_DAYS},
    )
    cursor.execute(
        common
        + """
        SELECT now() - interval '3 days', now(), %(w)s, 'pick', 'cancelled', 5, NULL, 1, 0,
            NULL, NULL, NULL, '', '', 0, NULL, NULL, now() - interval '3 days'
        FROM generate_series(1, %(n)s) AS n
        """,
        {"w": warehouse_id, "n": max(1, done_count // 60)},
    )
    return today


def _documents(cursor: Any, warehouse_id: int) -> int:
    """Orders (30,000 shipped, 2,000 not), receipts (3,000 closed, 60 open), purchase
    suggestions (3,000 open, 10,000 decided) and pick-face rules on every pick bin."""
    cursor.execute(
        """
        INSERT INTO warehouse_order (created_at, updated_at, warehouse_id, reference, customer,
            priority, requested_ship_date, carrier, carrier_cutoff_at, status, shipped_at)
        SELECT now() - make_interval(days => n %% 90), now(), %(w)s, 'BO-' || n, 'Customer',
            5, current_date - n %% 90, 'DHL', NULL, 'shipped',
            now() - make_interval(days => n %% 90)
        FROM generate_series(1, 30000) AS n
        """,
        {"w": warehouse_id},
    )
    cursor.execute(
        """
        INSERT INTO warehouse_order (created_at, updated_at, warehouse_id, reference, customer,
            priority, requested_ship_date, carrier, carrier_cutoff_at, status)
        SELECT now(), now(), %(w)s, 'OO-' || n, 'Customer', 1 + n %% 9,
            current_date + (n %% 7) - 1, 'DHL',
            CASE WHEN n %% 4 = 0 THEN date_trunc('day', now()) + make_interval(hours => n %% 24)
            END,
            (ARRAY['open','allocated','partially_allocated','backordered','picking',
                   'picked'])[1 + n %% 6]
        FROM generate_series(1, 2000) AS n
        """,
        {"w": warehouse_id},
    )
    cursor.execute(
        """
        INSERT INTO warehouse_receipt (created_at, updated_at, warehouse_id, reference, kind,
            status, dock_id, expected_date)
        SELECT now(), now(), %(w)s, 'BR-' || n, 'advance_notice',
            CASE WHEN n <= 60 THEN (ARRAY['expected', 'receiving'])[1 + n %% 2] ELSE 'closed' END,
            (SELECT id FROM warehouse_location WHERE warehouse_id = %(w)s AND kind = 'receiving'),
            current_date + (n %% 5) - 2
        FROM generate_series(1, 3060) AS n
        """,
        {"w": warehouse_id},
    )
    cursor.execute(
        """
        INSERT INTO inventory_reordersuggestion (created_at, updated_at, product_id,
            warehouse_id, status, suggested_quantity, unit_cost, available, on_order,
            reorder_point, order_up_to, average_daily, days_of_cover, lead_time_days, reason,
            reviewed_at, dismiss_reason)
        SELECT now(), now(), p.id, %(w)s,
            CASE WHEN p.n <= 3000 THEN 'open' ELSE 'dismissed' END, 10, 1,
            p.n %% 40, 0, 20, 60, 2.0, (p.n %% 40) / 2.0, 7, 'below the reorder point', now(), ''
        FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM inventory_product
              WHERE sku LIKE 'DP-%%') AS p
        WHERE p.n <= 13000
        """,
        {"w": warehouse_id},
    )
    cursor.execute(
        """
        INSERT INTO warehouse_pickfacerule (created_at, updated_at, location_id, product_id,
            min_quantity, max_quantity, is_active, replenishments)
        SELECT DISTINCT ON (q.location_id) now(), now(), q.location_id, q.product_id, 20, 60,
            true, 0
        FROM warehouse_quant AS q JOIN warehouse_location AS l ON l.id = q.location_id
        WHERE l.warehouse_id = %(w)s AND l.kind = 'pick'
        ORDER BY q.location_id, q.product_id
        """,
        {"w": warehouse_id},
    )
    cursor.execute(
        "SELECT count(*) FROM warehouse_order WHERE warehouse_id = %s AND status <> 'shipped'",
        [warehouse_id],
    )
    return cursor.fetchone()[0]


def _exceptions(cursor: Any, warehouse_id: int) -> None:
    """Refused scans (60,000 over 90 days, 300 today) and 5,000 bin counts over 60 days,
    each with its finished count task."""
    cursor.execute(
        """
        INSERT INTO warehouse_scanrefusal (warehouse_id, user_id, task_id, task_kind, code,
            field, scanned, created_at)
        SELECT %(w)s, u.ids[1 + n %% 30], NULL, 'pick',
            (ARRAY['wrong_location','wrong_product','wrong_lot','invalid_barcode'])[1 + n %% 4],
            'location', 'A01-R01-S1', CASE WHEN n <= 300
                THEN date_trunc('day', now()) + (now() - date_trunc('day', now())) * (n / 300.0)
                ELSE now() - interval '1 day' - make_interval(secs => (n * 7919) %% (89 * 86400))
            END
        FROM generate_series(1::bigint, 60300) AS n
        CROSS JOIN (SELECT array_agg(id ORDER BY id) AS ids FROM auth_user
                    WHERE username LIKE 'picker%%') AS u
        """,
        {"w": warehouse_id},
    )
    cursor.execute(
        """
        WITH made AS (
            INSERT INTO warehouse_task (created_at, updated_at, warehouse_id, kind, status,
                priority, product_id, quantity, quantity_done, source_location_id, reference,
                notes, route_sequence, completed_at)
            SELECT now(), now(), %(w)s, 'count', 'done', 5, q.product_id, 0, 0,
                q.location_id, 'bench-count', '', 0, now() - make_interval(days => (q.n %% 60)::int)
            FROM (SELECT product_id, location_id, row_number() OVER (ORDER BY id) AS n
                  FROM warehouse_quant WHERE warehouse_id = %(w)s ORDER BY id LIMIT 5000) AS q
            RETURNING id, product_id, source_location_id, completed_at
        )
        INSERT INTO warehouse_bincount (created_at, updated_at, task_id, warehouse_id,
            location_id, product_id, expected_quantity, counted_quantity, counted_at, status,
            decision_reason)
        SELECT now(), now(), id, %(w)s, source_location_id, product_id, 10,
            CASE WHEN id %% 20 = 0 THEN 9 ELSE 10 END, completed_at,
            CASE WHEN id %% 20 = 0 THEN 'pending' ELSE 'exact' END, ''
        FROM made
        """,
        {"w": warehouse_id},
    )


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
        f"\ndashboard: building {args.dash_moves:,} moves, {args.dash_quants:,} quants, "
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
        f"{site.quants:,} quants in {site.bins:,} bins, {site.open_tasks:,} open tasks, "
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
