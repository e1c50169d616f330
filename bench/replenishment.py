"""Replenishment: the reorder review of 100,000 product-warehouse pairs, and the forecast.

The benchmark builds, in bulk SQL (not measured), ``--repl-products`` products (50,000) in two
warehouses: a reorder rule per pair (60 % forecast-driven, 40 % min/max, a fifth naming their
supplier, some with their own MOQ and pack), a demand forecast and a stock level per pair, 200
suppliers with one or two offers per product (5 % of the products have none), and 90 days of
demand for 10 % of the pairs. About a quarter of the pairs sit at or below their reorder point.

Measured in this process, each up to its commit, with the queries counted by
``connection.execute_wrapper``:

- review, cold: ``reorder_review()`` over every pair with no suggestion yet, so it opens one for
  every pair in need (the table is emptied before each run, not timed): the worst case;
- review, steady: the same review again with nothing changed (what the 15-minute beat mostly
  does): it computes everything and writes nothing;
- review, churn: 5 % of the levels moved before each run (not timed): some suggestions opened,
  updated and closed;
- review, one pair: ``reorder_review(warehouse_id=..., product_ids=[...])`` as the event
  trigger's task runs it;
- forecast: ``demand_forecasts_compute()`` over every pair (the rules make 100,000 pairs, 10,000
  of them with 90 days of demand);
- level write: ``stock_levels_apply`` of one pair (lock, update, the trigger's check) on pairs
  with an active rule that stay above the reorder point, against pairs without a rule: what the
  event trigger costs every stock change.

Each figure is the median of ``--repl-repeat`` runs (5).
"""

import argparse
import json
import math
import random
import statistics
import time
from dataclasses import asdict, dataclass
from datetime import timedelta
from functools import partial
from typing import Any

from bench.database import OUT_DIR
from bench.inbound import _positive, machine_info, measured

TARGET_SECONDS = 2.0
TARGET_QUERIES = 20
SEED = 20261124
SUPPLIERS = 200
DEMAND_DAYS = 90


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("replenishment")
    group.add_argument(
        "--repl-products",
        type=_positive,
        default=50_000,
        help="products, each with a rule in two warehouses (50000: 100,000 pairs)",
    )
    group.add_argument(
        "--repl-repeat", type=_positive, default=5, help="runs per figure; the median (5)"
    )
    group.add_argument(
        "--repl-explain",
        action="store_true",
        help="EXPLAIN ANALYZE the cold review and the forecast (bench/out/replenishment-*.txt)",
    )


@dataclass
class Figure:
    name: str
    seconds: float
    min_s: float
    max_s: float
    queries: int
    runs: int
    opened: int = 0
    updated: int = 0
    closed: int = 0
    rows: int = 0


# --- the data ------------------------------------------------------------------------------------


@dataclass
class Site:
    warehouse_ids: list[int]
    pairs: int
    needy: int  # pairs at or below their reorder point when built
    demand_pairs: int
    demand_rows: int


def build_site(*, products: int) -> Site:
    """Suppliers, products, offers, rules, forecasts, levels and demand, in bulk."""
    from django.db import connection, transaction

    from warehouse.services.layout import warehouse_setup

    rng = random.Random(SEED)
    warehouse_ids = [
        warehouse_setup(code=f"REPL-{n}", name=f"Replenishment site {n}").pk for n in range(2)
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        supplier_ids, product_ids, costs = _masters(cursor, rng, products=products)
        _offers(cursor, rng, supplier_ids, product_ids, costs)
        needy = _pairs(cursor, rng, supplier_ids, product_ids, warehouse_ids)
        demand_products = product_ids[::10]
        demand_rows = _demand(cursor, demand_products, warehouse_ids)
        cursor.execute("ANALYZE")
    return Site(
        warehouse_ids=warehouse_ids,
        pairs=len(product_ids) * len(warehouse_ids),
        needy=needy,
        demand_pairs=len(demand_products) * len(warehouse_ids),
        demand_rows=demand_rows,
    )


def _masters(cursor: Any, rng: random.Random, *, products: int) -> tuple[list, list, list]:
    """200 suppliers (lead times 2 to 20 days, one in 50 inactive) and the products."""
    cursor.execute(
        """
        INSERT INTO inventory_supplier
            (code, name, lead_time_days, requires_qc, email, is_active, updated_at)
        SELECT 'RS-' || n, 'Supplier ' || n, 2 + n %% 19, false, '', n %% 50 <> 49, now()
        FROM generate_series(0, %s - 1) AS n
        """,
        [SUPPLIERS],
    )
    cursor.execute("SELECT id FROM inventory_supplier WHERE code LIKE 'RS-%%' ORDER BY id")
    supplier_ids = [row[0] for row in cursor.fetchall()]
    costs = [round(rng.uniform(0.2, 40.0), 2) for _ in range(products)]
    cursor.execute(
        """
        INSERT INTO inventory_product (sku, name, unit_of_measure, unit_cost, requires_qc,
            tracking, min_shelf_life_days, is_active, updated_at)
        SELECT 'RP-' || lpad(n::text, 6, '0'), 'Replenished product ' || n, 'ea', c, false,
            'none', 0, true, now()
        FROM unnest(%s::numeric[]) WITH ORDINALITY AS t(c, n)
        """,
        [costs],
    )
    cursor.execute("SELECT id FROM inventory_product WHERE sku LIKE 'RP-%%' ORDER BY sku")
    return supplier_ids, [row[0] for row in cursor.fetchall()], costs


def _offers(
    cursor: Any, rng: random.Random, supplier_ids: list, product_ids: list, costs: list
) -> None:
    """One or two offers per product (40 % have two), none for one product in 20."""
    offers: list[list[Any]] = [[], [], [], [], [], []]
    for index, product_id in enumerate(product_ids):
        if index % 20 == 19:
            continue
        chosen = [supplier_ids[index % SUPPLIERS]]
        if rng.random() < 0.4:
            chosen.append(supplier_ids[(index * 7 + 3) % SUPPLIERS])
        for supplier_id in dict.fromkeys(chosen):
            row = (
                supplier_id,
                product_id,
                round(costs[index] * rng.uniform(0.6, 0.9), 2),
                rng.choice([None, None, 3, 7, 14]),
                rng.choice([1, 1, 1, 10, 50]),
                rng.choice([1, 1, 6, 12]),
            )
            for column, value in zip(offers, row, strict=True):
                column.append(value)
    cursor.execute(
        """
        INSERT INTO inventory_supplierproduct (updated_at, supplier_id, product_id,
            supplier_sku, unit_cost, lead_time_days, min_order_quantity, pack_multiple,
            is_active)
        SELECT now(), s, p, '', c, l, m, k, true
        FROM unnest(%s::bigint[], %s::bigint[], %s::numeric[], %s::integer[],
                    %s::integer[], %s::integer[]) AS t(s, p, c, l, m, k)
        """,
        offers,
    )


def _pair(rng: random.Random, supplier_ids: list, index: int) -> tuple[tuple, tuple, tuple, bool]:
    """One pair's rule, forecast and level figures (without the ids), and whether it is low.

    A demand rate of 0.2 to 20 a day and a lead time of 2 to 20 days give the forecast; the
    min/max and the stock follow from the rate; a quarter of the pairs are at or below their
    reorder point.
    """
    rate = rng.choice([0.2, 1.0, 3.0, 8.0, 20.0])
    lead = rng.randint(2, 20)
    forecast_policy = rng.random() < 0.6
    minimum = round(rate * 5)
    maximum = minimum + round(rate * 14) + 1
    safety = 1.645 * math.sqrt(rate) * math.sqrt(lead)
    point = math.ceil(rate * lead + safety)
    up_to = point + math.ceil(rate * 7)
    effective = max(point, minimum) if forecast_policy else minimum
    low = rng.random() < 0.25
    position = rng.randint(0, effective) if low else rng.randint(effective + 1, effective * 3 + 5)
    on_order = position // 3 if rng.random() < 0.3 else 0
    in_qc = rng.choice([0, 0, 0, 0, 5])
    rule = (
        "forecast" if forecast_policy else "min_max",
        minimum,
        maximum,
        supplier_ids[(index + 11) % SUPPLIERS] if rng.random() < 0.2 else None,
        rng.choice([None, None, None, 20]),
        rng.choice([None, None, None, None, 5]),
    )
    forecast = (rate, rate**0.5, lead, safety, point, up_to)
    level = (position - on_order + in_qc, in_qc, on_order)
    return rule, forecast, level, low


def _pairs(
    cursor: Any, rng: random.Random, supplier_ids: list, product_ids: list, warehouse_ids: list
) -> int:
    """A rule, a forecast and a level for every (product, warehouse); returns how many are low."""
    rules: list[list[Any]] = [[] for _ in range(8)]
    forecasts: list[list[Any]] = [[] for _ in range(8)]
    levels: list[list[Any]] = [[] for _ in range(5)]
    needy = 0
    for index, product_id in enumerate(product_ids):
        for warehouse_id in warehouse_ids:
            rule, forecast, level, low = _pair(rng, supplier_ids, index)
            needy += low
            for columns, values in ((rules, rule), (forecasts, forecast), (levels, level)):
                for column, value in zip(columns, (product_id, warehouse_id, *values), strict=True):
                    column.append(value)
    cursor.execute(
        """
        INSERT INTO inventory_reorderrule (updated_at, product_id, warehouse_id, policy,
            min_quantity, max_quantity, supplier_id, min_order_quantity, pack_multiple,
            is_active)
        SELECT now(), p, w, pol, lo, hi, s, m, k, true
        FROM unnest(%s::bigint[], %s::bigint[], %s::text[], %s::integer[], %s::integer[],
                    %s::bigint[], %s::integer[], %s::integer[]) AS t(p, w, pol, lo, hi, s, m, k)
        """,
        rules,
    )
    cursor.execute(
        """
        INSERT INTO inventory_demandforecast (product_id, warehouse_id, method, history_days,
            average_daily, deviation_daily, abc_class, service_level, lead_time_days,
            safety_stock, reorder_point, order_up_to)
        SELECT p, w, 'ewma', 90, a, d, 'B', 0.95, l, s, rp, up
        FROM unnest(%s::bigint[], %s::bigint[], %s::float8[], %s::float8[], %s::integer[],
                    %s::float8[], %s::integer[], %s::integer[]) AS t(p, w, a, d, l, s, rp, up)
        """,
        forecasts,
    )
    cursor.execute(
        """
        INSERT INTO inventory_stocklevel (product_id, warehouse_id, on_hand, reserved,
            in_receiving, in_qc, quarantined, in_outbound, blocked, on_order, updated_at)
        SELECT p, w, h, 0, 0, q, 0, 0, 0, o, now()
        FROM unnest(%s::bigint[], %s::bigint[], %s::integer[], %s::integer[], %s::integer[])
            AS t(p, w, h, q, o)
        """,
        levels,
    )
    return needy


def _demand(cursor: Any, product_ids: list, warehouse_ids: list) -> int:
    """90 days of demand (0 to 7 a day, about 1 day in 8 without any) for the products."""
    from django.utils import timezone

    cursor.execute(
        """
        INSERT INTO inventory_demandrecord (product_id, warehouse_id, date, quantity)
        SELECT p, w, %s::date - age, q
        FROM unnest(%s::bigint[]) AS t(p)
        CROSS JOIN unnest(%s::bigint[]) AS ws(w)
        CROSS JOIN generate_series(0, %s - 1) AS age
        CROSS JOIN LATERAL (SELECT abs(hashtext(p || '-' || w || '-' || age)) %% 8 AS q) AS h
        WHERE q > 0
        """,
        [timezone.localdate() - timedelta(days=1), product_ids, warehouse_ids, DEMAND_DAYS],
    )
    return cursor.rowcount


# --- the runs ------------------------------------------------------------------------------------


def _suggestions_clear() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE inventory_reordersuggestion")
        cursor.execute("ANALYZE inventory_reordersuggestion")


def _levels_shuffle(rng: random.Random, site: Site, share: float = 0.05) -> None:
    """Move a share of the levels up or down (not measured), as a day of trading would."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE inventory_stocklevel AS l
            SET on_hand = GREATEST(l.on_hand + (abs(hashtext(l.id || '-' || %s)) %% 41) - 20,
                                   l.in_qc)
            WHERE abs(hashtext(l.id || '~' || %s)) %% 1000 < %s
            """,
            [rng.random(), rng.random(), int(share * 1000)],
        )


def _figure(name: str, runs: list[tuple[Any, float, int]], **counts: int) -> Figure:
    times = sorted(seconds for _, seconds, _ in runs)
    queries = {q for _, _, q in runs}
    if len(queries) != 1:
        print(f"  note: {name}: query counts differ between runs: {sorted(queries)}")
    return Figure(
        name=name,
        seconds=statistics.median(times),
        min_s=times[0],
        max_s=times[-1],
        queries=max(queries),
        runs=len(runs),
        **counts,
    )


def _review_counts(runs: list[tuple[Any, float, int]]) -> dict[str, int]:
    return {
        "opened": round(statistics.median(r.opened for r, _, _ in runs)),
        "updated": round(statistics.median(r.updated for r, _, _ in runs)),
        "closed": round(statistics.median(r.closed for r, _, _ in runs)),
    }


def _level_writes(site: Site, *, with_rule: bool, count: int = 500) -> tuple[float, int]:
    """Seconds per one-pair level write (lock + apply + commit) and queries per write."""
    from django.db import connection, transaction

    from inventory.locks import stock_levels_lock
    from inventory.services.levels import stock_levels_apply

    with connection.cursor() as cursor:
        # Pairs well above their reorder point, so the trigger's check runs and finds nothing.
        cursor.execute(
            """
            SELECT l.product_id, l.warehouse_id FROM inventory_stocklevel AS l
            JOIN inventory_reorderrule AS r
                ON r.product_id = l.product_id AND r.warehouse_id = l.warehouse_id
            WHERE l.available > 3 * GREATEST(r.min_quantity, 10) ORDER BY l.id LIMIT %s
            """,
            [count],
        )
        keys = [tuple(row) for row in cursor.fetchall()]
        if not with_rule:
            cursor.execute(
                "UPDATE inventory_reorderrule SET is_active = false "
                "WHERE (product_id, warehouse_id) IN (SELECT * FROM unnest(%s::bigint[], "
                "%s::bigint[]))",
                [[p for p, _ in keys], [w for _, w in keys]],
            )

    def write_all() -> None:
        for key in keys:
            with transaction.atomic(durable=True):
                stock_levels_lock(keys=[key])
                stock_levels_apply(deltas={key: {"reserved": 1}})
        for key in keys:  # and back
            with transaction.atomic(durable=True):
                stock_levels_lock(keys=[key])
                stock_levels_apply(deltas={key: {"reserved": -1}})

    _, seconds, queries = measured(write_all)
    if not with_rule:
        with connection.cursor() as cursor:
            cursor.execute("UPDATE inventory_reorderrule SET is_active = true WHERE NOT is_active")
    writes = 2 * len(keys)
    return seconds / writes, queries // writes


def explain(site: Site) -> None:
    from django.db import connection, transaction
    from django.utils import timezone

    from inventory.services.forecasting import forecast_statement
    from inventory.services.replenishment import review_statement

    _suggestions_clear()
    for name, (sql, params) in {
        "review": review_statement(warehouse_id=None, product_ids=None),
        "forecast": forecast_statement(
            today=timezone.localdate(), warehouse_id=None, rule_levels=set()
        ),
    }.items():
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            transaction.set_rollback(True)
        path = OUT_DIR / f"replenishment-explain-{name}.txt"
        path.write_text(plan)
        print(f"  plan of the {name}: {path}")


def run(args: argparse.Namespace) -> dict[str, Any]:
    from django.db import connection

    from inventory.services.forecasting import demand_forecasts_compute
    from inventory.services.replenishment import reorder_review

    repeat = args.repl_repeat
    print(f"\nreplenishment: building {args.repl_products:,} products in two warehouses ...")
    started = time.perf_counter()
    site = build_site(products=args.repl_products)
    print(
        f"  built {site.pairs:,} pairs ({site.needy:,} at or below their reorder point), "
        f"{site.demand_rows:,} demand records for {site.demand_pairs:,} pairs, in "
        f"{time.perf_counter() - started:.1f} s"
    )
    rng = random.Random(SEED)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    if args.repl_explain:
        explain(site)

    reorder_review(product_ids=[1])  # warm-up: imports, first statements; not measured
    cold = []
    for _ in range(repeat):
        _suggestions_clear()
        cold.append(measured(reorder_review))
    steady = [measured(reorder_review) for _ in range(repeat)]
    churn = []
    for _ in range(repeat):
        _levels_shuffle(rng, site)
        churn.append(measured(reorder_review))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT product_id, warehouse_id FROM inventory_reorderrule ORDER BY id LIMIT %s",
            [repeat],
        )
        singles = cursor.fetchall()
    one_pair = [
        measured(partial(reorder_review, warehouse_id=w, product_ids=[p])) for p, w in singles
    ]
    forecasts = [measured(demand_forecasts_compute) for _ in range(repeat)]
    per_write_rule, queries_rule = _level_writes(site, with_rule=True)
    per_write_plain, queries_plain = _level_writes(site, with_rule=False)

    figures = [
        _figure("review, cold (all opened)", cold, **_review_counts(cold)),
        _figure("review, steady (no change)", steady, **_review_counts(steady)),
        _figure("review, churn (5 % moved)", churn, **_review_counts(churn)),
        _figure("review, one pair (trigger)", one_pair, **_review_counts(one_pair)),
        _figure(
            "forecast, all pairs",
            forecasts,
            rows=round(statistics.median(r for r, _, _ in forecasts)),
        ),
    ]
    machine = machine_info(connection)
    report(figures, machine, site, per_write_rule, per_write_plain, queries_rule)
    reviews = figures[:3]
    ok = all(f.queries <= TARGET_QUERIES for f in reviews)
    payload = {
        "machine": machine,
        "site": asdict(site),
        "figures": [asdict(f) for f in figures],
        "level_write": {
            "with_rule_ms": 1000 * per_write_rule,
            "without_rule_ms": 1000 * per_write_plain,
            "queries_per_write": queries_rule,
            "queries_per_write_without_rule": queries_plain,
        },
        "target_seconds": TARGET_SECONDS,
        "target_queries": TARGET_QUERIES,
        "ok": ok,
    }
    (OUT_DIR / "replenishment.json").write_text(json.dumps(payload, indent=2))
    return payload


def report(
    figures: list[Figure],
    machine: dict[str, Any],
    site: Site,
    per_write_rule: float,
    per_write_plain: float,
    queries_per_write: int,
) -> None:
    print(
        f"\nreplenishment: {site.pairs:,} product-warehouse pairs with rules, forecasts, levels "
        f"and offers (median of {figures[0].runs} runs)"
    )
    print(
        f"machine: {machine['cpus']} CPUs ({machine['cpu']}), {machine['memory_gb']} GB, "
        f"Python {machine['python']}, PostgreSQL {machine['postgresql']}, "
        f"load average {machine['load_average']}"
    )
    columns = [
        ("what", 28),
        ("seconds", 8),
        ("min-max", 10),
        ("vs 2 s", 7),
        ("queries", 8),
        ("opened", 7),
        ("updated", 8),
        ("closed", 7),
        ("rows", 7),
    ]
    header = " ".join(f"{name:>{width}}" for name, width in columns)
    print(header)
    print("-" * len(header))
    for f in figures:
        cells = [
            f.name,
            f"{f.seconds:.3f}",
            f"{f.min_s:.2f}-{f.max_s:.2f}",
            f"{f.seconds / TARGET_SECONDS:.2f}x",
            f"{f.queries}",
            f"{f.opened:,}",
            f"{f.updated:,}",
            f"{f.closed:,}",
            f"{f.rows:,}",
        ]
        print(" ".join(f"{cell:>{width}}" for cell, (_, width) in zip(cells, columns, strict=True)))
    print(
        f"queries: statements sent by the service (the lock and the review; BEGIN/COMMIT not "
        f"counted); target {TARGET_QUERIES}. vs 2 s: below 1.00x meets the target."
    )
    print(
        f"level write of one pair (lock, update + the trigger's check, commit): "
        f"{1000 * per_write_rule:.2f} ms with an active rule, {1000 * per_write_plain:.2f} ms "
        f"without; {queries_per_write} statements either way"
    )
