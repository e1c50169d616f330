"""The benchmark warehouse of issue 7's profiles, built in bulk SQL.

``large`` is 20,000 bins, 50,000 SKUs, 200,000 quants and 2,000,000 ledger rows; ``small`` the
same shape, smaller. One busy warehouse and a quiet second one share the tables. The dashboard
and the worker-memory benchmarks measure against it.

- Layout: zones PICK and RES; aisles of 40 positions 1 m apart and 5 shelves (200 bins), 3 m
  apart; the pick face is the two lowest shelves of the first four aisles; about 1 bin in 97 is
  blocked. Docks and benches along the front wall.
- Quants: the same number in every bin (``quants / bins``, rounded up), consecutive products, so
  each product lies in ``quants / products`` bins; and stock on the dock, QC bench and quarantine.
- Ledger: 98.5 % over the 90 days before today, 1.5 % today up to now. Each move touches a
  product where it is stored (picks out of its bins, putaways and replenishments into them), then
  one opening-balance adjustment per place whose sum differs from its quant, so that the ledger,
  the quants and the stock levels agree: the nightly invariant job finds no drift, as in a
  healthy warehouse. ``moves`` counts all of them.
- Stock levels from the quants; tasks (open, assigned, finished over 90 days, cancelled), orders,
  receipts, purchase suggestions, pick-face rules, refused scans and bin counts.

Everything is one transaction, then ANALYZE; nothing of it is measured.
"""

import math
import time
from dataclasses import dataclass
from typing import Any

POSITIONS, SHELVES = 40, 5  # an aisle of 200 bins
PICK_AISLES, PICK_SHELVES = 4, 2
WORKERS = 30
HISTORY_DAYS = 90

LARGE = {"bins": 20_000, "products": 50_000, "quants": 200_000, "moves": 2_000_000}


@dataclass(frozen=True)
class Sizes:
    bins: int
    products: int
    quants: int
    moves: int
    open_tasks: int = 10_000
    done_tasks: int = 300_000

    def __post_init__(self) -> None:
        for name in ("bins", "products", "quants", "moves", "open_tasks", "done_tasks"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, not {getattr(self, name)}")
        if self.quants > self.bins * self.products:
            raise ValueError(
                f"{self.quants:,} quants do not fit {self.bins:,} bins of {self.products:,} "
                "products (one quant per product and bin)"
            )

    @property
    def per_bin(self) -> int:
        """Quants in each bin: every bin holds the same number (the last ones may hold fewer)."""
        return math.ceil(self.quants / self.bins)

    @property
    def aisles(self) -> int:
        return math.ceil(self.bins / (POSITIONS * SHELVES))


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


def build(sizes: Sizes) -> Site:
    """The whole data set in one transaction, then ANALYZE."""
    from django.db import connection, transaction

    from warehouse.services.layout import warehouse_setup

    started = time.perf_counter()
    warehouse_setup(code="QUIET", name="A quiet second site")
    warehouse_id = warehouse_setup(code="BUSY", name="Busy distribution centre").pk
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit = off")
        _layout(cursor, warehouse_id, sizes)
        _products(cursor, sizes.products)
        _users(cursor)
        quants = _quants(cursor, warehouse_id, sizes)
        moves_today, moves = _moves(cursor, warehouse_id, sizes)
        _levels(cursor, warehouse_id)
        done_today = _tasks(cursor, warehouse_id, sizes)
        orders_open = _documents(cursor, warehouse_id)
        _exceptions(cursor, warehouse_id)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return Site(
        warehouse_id=warehouse_id,
        bins=sizes.bins,
        products=sizes.products,
        quants=quants,
        moves=moves,
        moves_today=moves_today,
        open_tasks=sizes.open_tasks,
        done_tasks=sizes.done_tasks,
        done_today=done_today,
        orders_open=orders_open,
        build_seconds=time.perf_counter() - started,
    )


def _layout(cursor: Any, warehouse_id: int, sizes: Sizes) -> None:
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
            'A' || lpad(a::text, 3, '0'), 'R' || p, 'S' || s, 'B1',
            a * 3.0, 4.5 + p, a * 1000 + p * 10 + s,
            CASE WHEN pick THEN 1500 ELSE 2400 - s * 200 END,
            (a * 7 + p * 3 + s) %% 97 = 0, ''
        FROM generate_series(0, %(bins)s - 1) AS n
        CROSS JOIN LATERAL (SELECT 1 + n / %(aisle)s AS a, (n %% %(aisle)s) / %(shelves)s AS p,
                                   1 + n %% %(shelves)s AS s) AS at
        CROSS JOIN LATERAL (SELECT a <= %(pick_aisles)s AND s <= %(pick_shelves)s AS pick,
            'A' || lpad(a::text, 3, '0') || '-R' || lpad(p::text, 2, '0') || '-S' || s AS code)
            AS named
        """,
        {
            "w": warehouse_id,
            "bins": sizes.bins,
            "aisle": POSITIONS * SHELVES,
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


def _products(cursor: Any, count: int) -> None:
    cursor.execute(
        """
        INSERT INTO inventory_product (created_at, updated_at, sku, name, barcode,
            unit_of_measure, unit_cost, requires_qc, tracking, min_shelf_life_days, is_active)
        SELECT now(), now(), 'DP-' || lpad(n::text, 6, '0'), 'Dashboard product ' || n, NULL,
            'ea', 1 + n %% 40, false, 'none', 0, true
        FROM generate_series(1, %s) AS n
        """,
        [count],
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


def _quants(cursor: Any, warehouse_id: int, sizes: Sizes) -> int:
    """Slot ``n`` is product ``n % products`` in bin ``n // per_bin`` (bins and products in id
    order); plus stock on the dock, the QC bench and in quarantine."""
    cursor.execute(
        """
        WITH bins AS (
            SELECT id, row_number() OVER (ORDER BY id) - 1 AS i FROM warehouse_location
            WHERE warehouse_id = %(w)s AND kind IN ('storage', 'pick')
        ), products AS (
            SELECT id, row_number() OVER (ORDER BY id) - 1 AS i FROM inventory_product
            WHERE sku LIKE 'DP-%%'
        ), slots AS (
            SELECT b.id AS location_id, (b.i * %(per)s + k) %% %(products)s AS product_i,
                   b.i * %(per)s + k AS n
            FROM bins AS b CROSS JOIN generate_series(0, %(per)s - 1) AS k
            WHERE b.i * %(per)s + k < %(count)s
        )
        INSERT INTO warehouse_quant (product_id, location_id, lot_id, warehouse_id, quantity,
            reserved, received_at)
        SELECT p.id, s.location_id, NULL, %(w)s, 1 + s.n %% 60, (s.n %% 7 = 0)::int,
            now() - make_interval(days => (s.n %% 90)::int)
        FROM slots AS s JOIN products AS p ON p.i = s.product_i
        """,
        {
            "w": warehouse_id,
            "count": sizes.quants,
            "products": sizes.products,
            "per": sizes.per_bin,
        },
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

# Each place's ledger sum against its quant (as the nightly invariant job computes it): the
# difference is the opening balance the history did not explain.
_OPENING = """
    WITH ledger AS (
        SELECT product_id, location_id, SUM(delta) AS quantity
        FROM (SELECT product_id, to_location_id AS location_id, quantity AS delta
              FROM warehouse_stockmove WHERE warehouse_id = %(w)s
              UNION ALL
              SELECT product_id, from_location_id, -quantity
              FROM warehouse_stockmove WHERE warehouse_id = %(w)s) AS entries
        GROUP BY product_id, location_id
    ), gap AS (
        SELECT COALESCE(q.product_id, l.product_id) AS product_id,
               COALESCE(q.location_id, l.location_id) AS location_id,
               COALESCE(q.quantity, 0) - COALESCE(l.quantity, 0) AS gap
        FROM ledger AS l
        FULL OUTER JOIN (SELECT * FROM warehouse_quant WHERE warehouse_id = %(w)s) AS q
          ON q.product_id = l.product_id AND q.location_id = l.location_id
    )
    INSERT INTO warehouse_stockmove (warehouse_id, kind, product_id, lot_id, from_location_id,
        to_location_id, quantity, actor_id, task_id, reason, reference, idempotency_key,
        created_at)
    SELECT %(w)s, 'adjustment', g.product_id, NULL,
        CASE WHEN g.gap > 0 THEN e.adjust ELSE g.location_id END,
        CASE WHEN g.gap > 0 THEN g.location_id ELSE e.adjust END,
        abs(g.gap), NULL, NULL, 'opening balance', 'bench: opening balance', NULL,
        e.midnight - make_interval(days => %(days)s + 1)
    FROM gap AS g
    JOIN warehouse_location AS loc ON loc.id = g.location_id
    CROSS JOIN bench_ends AS e
    WHERE g.gap <> 0
      AND loc.kind NOT IN ('supplier', 'customer', 'adjustment', 'scrap', 'transit')
"""


def _moves(cursor: Any, warehouse_id: int, sizes: Sizes) -> tuple[int, int]:
    """History of the stored products, then the opening balances that make every place's sum
    its quant; together about ``sizes.moves`` rows (within a few per cent: the history is
    ``moves`` less the balances expected). Returns today's and all rows written."""
    # About one balance per quant and one per product (dock and staging net out for some).
    balances = sizes.quants + sizes.products
    history = max(1, sizes.moves - min(balances, sizes.moves // 2))
    today = max(1, history * 15 // 1000)
    # Numbered bins and products to join on: indexing a 20,000-element array detoasts it on
    # every row (2,000,000 of them), a join does not.
    cursor.execute(
        """
        CREATE TEMP TABLE bench_bins ON COMMIT DROP AS
        SELECT row_number() OVER (ORDER BY id) - 1 AS i, id FROM warehouse_location
        WHERE warehouse_id = %(w)s AND kind IN ('storage', 'pick');
        CREATE TEMP TABLE bench_products ON COMMIT DROP AS
        SELECT row_number() OVER (ORDER BY id) - 1 AS i, id FROM inventory_product
        WHERE sku LIKE 'DP-%%';
        CREATE UNIQUE INDEX ON bench_bins (i);
        CREATE UNIQUE INDEX ON bench_products (i);
        ANALYZE bench_bins;
        ANALYZE bench_products;
        CREATE TEMP TABLE bench_ends ON COMMIT DROP AS
        SELECT (SELECT id FROM warehouse_location WHERE warehouse_id = %(w)s
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
    # Slot j (see _quants) is product j % P in bin j // per; slot j + P holds the same product
    # in another bin (the other end of a replenishment or transfer).
    cursor.execute(
        f"""
        INSERT INTO warehouse_stockmove (warehouse_id, kind, product_id, lot_id,
            from_location_id, to_location_id, quantity, actor_id, task_id, reason, reference,
            idempotency_key, created_at)
        SELECT %(w)s, kind, p.id, NULL, ends.from_id, ends.to_id, 1 + n %% 20, NULL, NULL, '',
            '', NULL,
            CASE WHEN n <= %(today)s
                 THEN e.midnight + (now() - e.midnight) * (n::float / %(today)s)
                 ELSE e.midnight - interval '1 second'
                      - make_interval(secs => (n * 104729) %% (%(days)s * 86400))
            END
        FROM (SELECT n, (n * 7919) %% %(slots)s AS j, (n * 31) %% 100 AS r
              FROM generate_series(1::bigint, %(count)s) AS n) AS slot
        CROSS JOIN bench_ends AS e
        JOIN bench_products AS p ON p.i = slot.j %% %(products)s
        JOIN bench_bins AS b1 ON b1.i = slot.j / %(per)s
        JOIN bench_bins AS b2 ON b2.i = ((slot.j + %(products)s) %% %(slots)s) / %(per)s
        CROSS JOIN LATERAL (SELECT {_MOVE_KINDS} AS kind) AS k
        CROSS JOIN LATERAL (SELECT
            CASE kind WHEN 'receipt' THEN e.supplier WHEN 'putaway' THEN e.dock
                      WHEN 'ship' THEN e.stage WHEN 'adjustment' THEN e.adjust
                      ELSE b1.id END AS from_id,
            CASE kind WHEN 'pick' THEN e.stage WHEN 'receipt' THEN e.dock
                      WHEN 'ship' THEN e.customer WHEN 'adjustment' THEN b1.id
                      WHEN 'putaway' THEN b1.id ELSE b2.id END AS to_id) AS ends
        WHERE ends.from_id <> ends.to_id
        """,
        {
            "w": warehouse_id,
            "count": history,
            "today": today,
            "days": HISTORY_DAYS,
            "products": sizes.products,
            "slots": sizes.quants,
            "per": sizes.per_bin,
        },
    )
    written = cursor.rowcount
    cursor.execute(_OPENING, {"w": warehouse_id, "days": HISTORY_DAYS})
    return today, written + cursor.rowcount


def _levels(cursor: Any, warehouse_id: int) -> None:
    """Stock levels as the quants make them (the buckets of the invariant job)."""
    cursor.execute(
        """
        INSERT INTO inventory_stocklevel (product_id, warehouse_id, on_hand, reserved,
            in_receiving, in_qc, quarantined, in_outbound, blocked, on_order, updated_at)
        SELECT q.product_id, q.warehouse_id, SUM(q.quantity), SUM(q.reserved),
            COALESCE(SUM(q.quantity) FILTER (WHERE loc.kind = 'receiving'), 0),
            COALESCE(SUM(q.quantity) FILTER (WHERE loc.kind = 'qc'), 0),
            COALESCE(SUM(q.quantity) FILTER (WHERE loc.kind = 'quarantine'), 0),
            COALESCE(SUM(q.quantity) FILTER (WHERE loc.kind IN ('staging', 'shipping')), 0),
            COALESCE(SUM(q.quantity - q.reserved)
                     FILTER (WHERE loc.kind IN ('storage', 'pick') AND loc.is_blocked), 0),
            0, now()
        FROM warehouse_quant AS q JOIN warehouse_location AS loc ON loc.id = q.location_id
        WHERE q.warehouse_id = %s
        GROUP BY q.product_id, q.warehouse_id
        """,
        [warehouse_id],
    )


def _tasks(cursor: Any, warehouse_id: int, sizes: Sizes) -> int:
    """Open and assigned tasks of every kind; finished ones over 90 days and today (1 % of
    them), 2 % of the picks short; cancelled ones. Returns how many finished today."""
    today = max(1, sizes.done_tasks // 100)
    products = sizes.products
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
            (SELECT min(id) FROM inventory_product) + n %% {products}, 1 + n %% 20, 0,
            NULL, NULL,
            CASE WHEN n %% 5 < 3 THEN NULL ELSE u.ids[1 + n %% {WORKERS}] END,
            '', '', 0, NULL, NULL, NULL
        FROM generate_series(1, %(open)s) AS n
        CROSS JOIN (SELECT array_agg(id ORDER BY id) AS ids FROM auth_user
                    WHERE username LIKE 'picker%%') AS u
        """,
        {"w": warehouse_id, "open": sizes.open_tasks},
    )
    cursor.execute(
        common
        + f"""
        SELECT done_at, done_at, %(w)s, kind, 'done', 5,
            (SELECT min(id) FROM inventory_product) + n %% {products}, q,
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
        {"w": warehouse_id, "done": sizes.done_tasks, "today": today, "days": HISTORY_DAYS},
    )
    cursor.execute(
        common
        + """
        SELECT now() - interval '3 days', now(), %(w)s, 'pick', 'cancelled', 5, NULL, 1, 0,
            NULL, NULL, NULL, '', '', 0, NULL, NULL, now() - interval '3 days'
        FROM generate_series(1, %(n)s) AS n
        """,
        {"w": warehouse_id, "n": max(1, sizes.done_tasks // 60)},
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
            'location', 'A001-R01-S1', CASE WHEN n <= 300
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
