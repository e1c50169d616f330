"""Replenishment simulation: a year of seeded daily demand through the real services.

Two warehouses stock the same products and see the same demand (``bench.simulation_demand``):
one buys by forecast-driven reorder rules, the other by plain min/max rules set once from the
first four weeks (``bench.simulation_site``). Every day, on the real PostgreSQL and through the
services the product uses (no mocks, nothing re-implemented):

1. ship: the day's demand of every product, from its bin to the customers' virtual location,
   as far as the stock available goes (``moves_apply``: one call for all products of both
   warehouses); what cannot be shipped is a lost sale. The day's demand is recorded in the same
   transaction (``demand_record``): the ORDERED quantity by default, since a forecast made from
   shipments reads a stockout day as a day without demand and lowers the reorder point just
   when it is too low (``demand_basis="shipped"`` shows the effect);
2. receive: every purchase order whose supplier lead time is up arrives after the day's
   shipping. ``receiving="direct"`` (default): one transaction for the day, each order's lines
   received with ``purchase_order_lines_receive`` (received quantities, status, the levels' on
   order) and one ``moves_apply`` from the suppliers' location into the bins. ``"dock"``: the
   inbound flow, ``receipt_create`` against the order, ``receipt_receive`` at the dock,
   ``receipt_close``, then one putaway move for the day into the bins (the same figures, several
   times the receiving time: some 2,000 receipts a year);
3. at night: ``demand_forecasts_compute`` of the forecast warehouse (nightly by default, every
   ``forecast_every`` days otherwise), ``reorder_review`` of both warehouses' rules,
   ``suggestions_approve`` of every open suggestion (a purchaser who accepts them all) and
   ``purchase_order_send`` of each draft that made.

An order sent on the night of day t with lead time L arrives after the shipping of day t + L:
the stock on hand that night must cover L days of demand, which is what the reorder point (the
lead time's demand + safety stock) is for. The figures are defined in
``bench.simulation_figures``. ``python -m bench simulation`` prints them and writes
``bench/out/simulation.json``; ``tests/inventory/test_replenishment_simulation.py`` asserts the
forecast policy's service levels on them.
"""

import argparse
import json
import multiprocessing
import multiprocessing.connection
import os
import pickle
import time
import traceback
from collections import defaultdict
from dataclasses import asdict
from datetime import date, timedelta
from typing import Any

from bench.simulation_demand import PATTERN_SHARES, catalogue
from bench.simulation_figures import (
    POLICIES,
    Series,
    SimulationResult,
    format_table,
    policy_result,
    tallies_of,
)
from bench.simulation_site import (
    START,
    WARMUP_DAYS,
    Site,
    build_site,
    forecasts_compute,
    min_max_levels,
    opening_stock,
)

__all__ = ["SEED", "format_table", "min_max_levels", "simulate"]

SEED = 20250105
DEMAND_BASES = ("ordered", "shipped")
RECEIVING = ("direct", "dock")


# --- one warehouse's year ------------------------------------------------------------------------


class _WarehouseYear:
    """One warehouse through the days: what it ships, holds, orders and receives, day by day.

    The two warehouses share nothing but the catalogue, so each runs on its own (in its own
    process when the run is parallel) and the figures are made from both series afterwards.
    """

    def __init__(
        self,
        site: Site,
        policy: str,
        *,
        days: int,
        warmup: int,
        demand_basis: str,
        receiving: str,
        forecast_every: int,
    ) -> None:
        self.site, self.policy = site, policy
        self.warehouse_id = site.warehouses[policy].pk
        self.days, self.warmup = days, warmup
        self.demand_basis = demand_basis
        self.receiving = receiving
        self.forecast_every = forecast_every
        self.product_ids = list(site.specs)  # in the catalogue's order
        self.row = {pid: i for i, pid in enumerate(self.product_ids)}
        self.series = Series.empty(products=len(self.product_ids), days=days)
        # arrival day -> (sent PurchaseOrder, its (product id, quantity) lines)
        self.arriving: dict[date, list[tuple[Any, list[tuple[int, int]]]]] = defaultdict(list)

    def run(self) -> Series:
        from django.db import connection

        def count(execute, sql, params, many, context):
            self.series.queries += 1
            return execute(sql, params, many, context)

        started, cpu_started = time.perf_counter(), time.process_time()
        with connection.execute_wrapper(count):
            for day in range(self.days):
                self.run_day(day)
            self.record_stock(self.days - 1, self.levels())
        self.series.seconds = time.perf_counter() - started
        self.series.cpu_seconds = time.process_time() - cpu_started
        return self.series

    def _timed(self, phase: str, started: float) -> float:
        now = time.perf_counter()
        self.series.phase_seconds[phase] = self.series.phase_seconds.get(phase, 0) + now - started
        return now

    def run_day(self, day: int) -> None:
        today = START + timedelta(days=day)
        if self.policy == "forecast":  # the classes in force today: last night's forecast
            self.series.classes.append([self.site.classes[pid] for pid in self.product_ids])
        started = time.perf_counter()
        levels = self.levels()
        if day:
            self.record_stock(day - 1, levels)  # the end of yesterday
        started = self._timed("read", started)
        self.ship(day, today, levels)
        started = self._timed("ship", started)
        self.receive(day, today)
        started = self._timed("receive", started)
        if self.policy == "forecast" and (day + 1) % self.forecast_every == 0:
            forecasts_compute(self.site, today=today + timedelta(days=1))
            started = self._timed("forecast", started)
        self.reorder(day, today)

    def levels(self) -> dict[int, tuple[int, int, int]]:
        from inventory.models import StockLevel

        rows = StockLevel.objects.filter(
            warehouse_id=self.warehouse_id, product_id__in=self.product_ids
        ).values_list("product_id", "on_hand", "available", "on_order")
        return {pid: (on_hand, available, on_order) for pid, on_hand, available, on_order in rows}

    def record_stock(self, day: int, levels: dict[int, tuple[int, int, int]]) -> None:
        for pid, (on_hand, available, on_order) in levels.items():
            row = self.row[pid]
            self.series.on_hand[row][day] = on_hand
            self.series.available[row][day] = available
            self.series.on_order[row][day] = on_order

    def ship(self, day: int, today: date, levels: dict[int, tuple[int, int, int]]) -> None:
        """The day's demand out of the bins as far as stock goes; its demand recorded."""
        from django.db import transaction

        from inventory.services.demand import demand_record
        from warehouse.models import StockMove
        from warehouse.services.moves import MoveLine, moves_apply

        wid, lines, recorded = self.warehouse_id, [], {}
        for row, pid in enumerate(self.product_ids):
            wanted = self.site.specs[pid].demand[self.warmup + day]
            if not wanted:
                continue
            shipped = min(wanted, max(levels.get(pid, (0, 0, 0))[1], 0))
            if shipped:
                lines.append(
                    MoveLine(pid, shipped, self.site.bins[(pid, wid)], self.site.customers[wid])
                )
            recorded[(pid, wid)] = wanted if self.demand_basis == "ordered" else shipped
            self.series.shipped[row][day] = shipped
        with transaction.atomic():
            moves_apply(lines=lines, kind=StockMove.Kind.SHIP, reference=f"simulation {today}")
            demand_record(shipped=recorded, on=today)

    def receive(self, day: int, today: date) -> None:
        """Today's deliveries, after the shipping."""
        arriving = sorted(self.arriving.pop(today, []), key=lambda delivery: delivery[0].pk)
        if not arriving:
            return
        if self.receiving == "dock":
            self.receive_at_dock(today, arriving)
        else:
            self.receive_direct(today, arriving)
        for _, lines in arriving:
            for pid, _ in lines:
                self.series.received[self.row[pid]][day] = True

    def receive_direct(self, today: date, arriving: list) -> None:
        """One transaction for the day: the orders' lines received (their received quantities,
        status and the levels' on order) and the goods straight into the bins."""
        from django.db import transaction

        from inventory.locks import purchase_order_lock, stock_levels_lock
        from inventory.services.purchasing import purchase_order_lines_receive
        from warehouse.models import StockMove
        from warehouse.services.moves import MoveLine, moves_apply

        wid, moves = self.warehouse_id, []
        with transaction.atomic():
            for order, _ in arriving:  # the documents first, in pk order; then the levels
                purchase_order_lock(purchase_order_id=order.pk)
            stock_levels_lock(keys={(pid, wid) for _, lines in arriving for pid, _ in lines})
            for order, lines in arriving:
                purchase_order_lines_receive(purchase_order_id=order.pk, received=dict(lines))
                moves += [
                    MoveLine(pid, qty, self.site.suppliers[wid], self.site.bins[(pid, wid)])
                    for pid, qty in lines
                ]
            moves_apply(lines=moves, kind=StockMove.Kind.RECEIPT, reference=f"simulation {today}")

    def receive_at_dock(self, today: date, arriving: list) -> None:
        """The inbound flow: a receipt per order, received at the dock and closed; then one
        putaway move for the day from the dock into the bins."""
        from django.db import transaction

        from warehouse.models import StockMove
        from warehouse.services.moves import MoveLine, moves_apply
        from warehouse.services.receiving import (
            ReceivedEntry,
            receipt_close,
            receipt_create,
            receipt_receive,
        )

        wid, dock, putaway = self.warehouse_id, self.site.docks[self.warehouse_id], []
        for order, lines in arriving:
            receipt = receipt_create(
                warehouse=order.warehouse,
                purchase_order=order,
                dock=dock,
                created_by_id=self.site.purchaser_id,
            )
            receipt_receive(
                receipt_id=receipt.pk,
                entries=[ReceivedEntry(self.site.products[pid], qty) for pid, qty in lines],
                user_id=self.site.purchaser_id,
            )
            receipt_close(receipt_id=receipt.pk)
            putaway += [
                MoveLine(pid, qty, dock.pk, self.site.bins[(pid, wid)]) for pid, qty in lines
            ]
        with transaction.atomic():
            moves_apply(lines=putaway, kind=StockMove.Kind.PUTAWAY, reference=f"simulation {today}")

    def reorder(self, day: int, today: date) -> None:
        """The night's review; every open suggestion approved; the drafts sent."""
        from inventory.models import PurchaseOrder, PurchaseOrderLine, ReorderSuggestion
        from inventory.services.purchasing import purchase_order_send
        from inventory.services.replenishment import reorder_review
        from inventory.services.suggestions import suggestions_approve

        started = time.perf_counter()
        reorder_review(warehouse_id=self.warehouse_id, product_ids=self.product_ids)
        started = self._timed("review", started)
        ids = list(
            ReorderSuggestion.objects.filter(
                status=ReorderSuggestion.Status.OPEN,
                warehouse_id=self.warehouse_id,
                product_id__in=self.product_ids,
            ).values_list("id", flat=True)
        )
        if not ids:
            return
        drafts = suggestions_approve(suggestion_ids=ids, user_id=self.site.purchaser_id)
        started = self._timed("approve", started)
        for draft in drafts:
            purchase_order_send(purchase_order_id=draft.pk)
        lines: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for po_id, pid, quantity in PurchaseOrderLine.objects.filter(
            purchase_order_id__in=[d.pk for d in drafts]
        ).values_list("purchase_order_id", "product_id", "quantity"):
            lines[po_id].append((pid, quantity))
            self.series.ordered[self.row[pid]][day] += quantity
        for order in PurchaseOrder.objects.filter(pk__in=lines).select_related(
            "warehouse", "supplier"
        ):
            self.series.purchase_orders += 1
            arrival = today + timedelta(days=self.site.lead_times[order.supplier_id])
            self.arriving[arrival].append((order, sorted(lines[order.pk])))
        self._timed("send", started)


# --- the run -------------------------------------------------------------------------------------


def _in_processes(site: Site, year: dict[str, Any]) -> dict[str, Series]:
    """Both warehouses' years at once, each in a spawned process with its own database
    connection to this process's database; a failure comes back with its traceback.

    Spawned, not forked: a fresh interpreter copies no lock another thread held at fork time
    (forking from a test session that runs Playwright's and the live server's threads hung)."""
    from django.db import connection, connections

    database = connection.settings_dict["NAME"]  # a test run's test database, the bench's own
    connections.close_all()
    context = multiprocessing.get_context("spawn")
    running = {}
    for policy in POLICIES:
        receiver, sender = context.Pipe(duplex=False)
        process = context.Process(
            target=_child,
            # Pickled here, unpickled by the child after django.setup(): the site holds models.
            args=(pickle.dumps((site, year)), policy, database, sender),
            name=f"simulation-{policy}",
        )
        process.start()
        sender.close()
        running[policy] = (process, receiver)
    results: dict[str, Series] = {}
    waiting = {receiver: policy for policy, (_, receiver) in running.items()}
    try:
        while waiting:
            for receiver in multiprocessing.connection.wait(list(waiting)):  # first come first
                policy = waiting.pop(receiver)
                process = running[policy][0]
                try:
                    ok, payload = receiver.recv()
                except EOFError:
                    ok, payload = False, "the process ended without a result"
                process.join()
                if not ok:
                    raise RuntimeError(
                        f"the {policy} warehouse's year failed (exit {process.exitcode}):\n"
                        f"{payload}"
                    )
                results[policy] = payload
    finally:  # a failure, or this process interrupted (a test's timeout): stop the other
        for process, _ in running.values():
            if process.is_alive():
                process.terminate()
                process.join()
    return results


def _child(payload: bytes, policy: str, database: str, sender: Any) -> None:
    """A spawned process: Django set up afresh (the settings module and DATABASE_URL come from
    the environment) on the parent's database, then one warehouse's year."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wms.settings")
    from django.conf import settings

    settings.DATABASES["default"]["NAME"] = database
    import django

    django.setup()
    from django.db import connections

    try:
        site, year = pickle.loads(payload)
        outcome = (True, _WarehouseYear(site, policy, **year).run())
    except BaseException:  # reported to the parent, which raises it
        outcome = (False, traceback.format_exc())
    finally:
        connections.close_all()
    sender.send(outcome)
    sender.close()


def on_order_drift(warehouse_ids: list[int]) -> list[tuple[int, int, int, int]]:
    """(product, warehouse, on_order, open quantity of sent orders) where the two differ."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT s.product_id, s.warehouse_id, s.on_order, COALESCE(o.open, 0)
            FROM inventory_stocklevel AS s
            LEFT JOIN (
                SELECT l.product_id, po.warehouse_id,
                       sum(GREATEST(l.quantity - l.received_quantity, 0)) AS open
                FROM inventory_purchaseorderline AS l
                JOIN inventory_purchaseorder AS po ON po.id = l.purchase_order_id
                WHERE po.status IN ('sent', 'partially_received')
                GROUP BY l.product_id, po.warehouse_id
            ) AS o ON o.product_id = s.product_id AND o.warehouse_id = s.warehouse_id
            WHERE s.warehouse_id = ANY(%s) AND s.on_order <> COALESCE(o.open, 0)
            """,
            [warehouse_ids],
        )
        return cursor.fetchall()


def _checked(**arguments: Any) -> None:
    for name, minimum in (("days", 1), ("products", len(PATTERN_SHARES)), ("warmup_days", 1)):
        value = arguments[name]
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise ValueError(f"{name} must be a whole number of at least {minimum}, not {value!r}")
    value = arguments["forecast_every"]
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"forecast_every must be a whole number of at least 1, not {value!r}")
    for name, choices in (("demand_basis", DEMAND_BASES), ("receiving", RECEIVING)):
        if arguments[name] not in choices:
            raise ValueError(f"{name} must be one of {', '.join(choices)}, not {arguments[name]!r}")


def simulate(
    *,
    days: int = 365,
    products: int = 200,
    seed: int = SEED,
    warmup_days: int = WARMUP_DAYS,
    demand_basis: str = "ordered",
    forecast_every: int = 1,
    receiving: str = "direct",
    parallel: bool = True,
) -> SimulationResult:
    """Run the simulation in the current database (Django set up and migrated; in a test, a
    transactional one: the parallel run's processes see only committed data). See the module
    docstring. ``parallel``: the two warehouses in two spawned processes at once (they share
    nothing), else one after the other here. Raises ValueError on a bad argument, before
    touching the database."""
    from warehouse.selectors.ledger import stock_drift

    _checked(
        days=days,
        products=products,
        warmup_days=warmup_days,
        forecast_every=forecast_every,
        demand_basis=demand_basis,
        receiving=receiving,
    )
    started = time.perf_counter()
    specs = catalogue(products=products, days=warmup_days + days, seed=seed)
    site = build_site(specs, warmup=warmup_days)
    opening_stock(site, forecasts_compute(site, today=START))
    setup_seconds = time.perf_counter() - started

    year = {
        "days": days,
        "warmup": warmup_days,
        "demand_basis": demand_basis,
        "receiving": receiving,
        "forecast_every": forecast_every,
    }

    started = time.perf_counter()
    series = (
        _in_processes(site, year)
        if parallel
        else {policy: _WarehouseYear(site, policy, **year).run() for policy in POLICIES}
    )
    seconds = time.perf_counter() - started
    classes = series["forecast"].classes
    end_classes = defaultdict(int)
    for name in classes[-1]:
        end_classes[name] += 1
    return SimulationResult(
        days=days,
        products=products,
        seed=seed,
        demand_basis=demand_basis,
        forecast_every=forecast_every,
        receiving=receiving,
        parallel=parallel,
        policies={
            policy: policy_result(
                policy=policy,
                warehouse=site.warehouses[policy].code,
                series=series[policy],
                tallies=tallies_of(specs, series[policy], classes=classes, warmup=warmup_days),
                days=days,
            )
            for policy in POLICIES
        },
        setup_seconds=setup_seconds,
        seconds=seconds,
        drift_clean=stock_drift().is_clean,
        on_order_clean=not on_order_drift([w.pk for w in site.warehouses.values()]),
        products_by_class=dict(sorted(end_classes.items())),
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from bench.inbound import _positive

    group = parser.add_argument_group("simulation")
    group.add_argument("--sim-days", type=_positive, default=365, help="days simulated (365)")
    group.add_argument("--sim-products", type=_positive, default=200, help="products (200)")
    group.add_argument("--sim-seed", type=int, default=SEED, help=f"demand seed ({SEED})")
    group.add_argument(
        "--sim-demand-basis",
        choices=DEMAND_BASES,
        default="ordered",
        help="what is recorded as demand: the ordered units, or only those shipped (ordered)",
    )
    group.add_argument(
        "--sim-forecast-every",
        type=_positive,
        default=1,
        help="days between forecasts (1: nightly)",
    )
    group.add_argument(
        "--sim-receiving",
        choices=RECEIVING,
        default="direct",
        help="deliveries straight into the bins against the order's lines, or through a "
        "receipt at the dock and a putaway (direct)",
    )
    group.add_argument(
        "--sim-serial",
        action="store_true",
        help="run the two warehouses one after the other in this process, not in two at once",
    )


def run(args: argparse.Namespace) -> dict[str, Any]:
    from django.db import connection

    from bench.database import OUT_DIR
    from bench.inbound import machine_info
    from wms.celery import app

    print(f"\nsimulation: {args.sim_days} days of {args.sim_products} products in two warehouses")
    result = simulate(
        days=args.sim_days,
        products=args.sim_products,
        seed=args.sim_seed,
        demand_basis=args.sim_demand_basis,
        forecast_every=args.sim_forecast_every,
        receiving=args.sim_receiving,
        parallel=not args.sim_serial,
    )
    app.control.purge()  # the receipts' planning and the reviews the drops enqueued: no worker
    print(format_table(result))
    shortfalls = result.shortfalls()
    for line in shortfalls:
        print(f"  BELOW TARGET: {line}")
    ok = not shortfalls and result.drift_clean and result.on_order_clean
    figures = asdict(result) | {"queries": result.queries}
    payload = {"machine": machine_info(connection), "result": figures, "ok": ok}
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    (OUT_DIR / "simulation.json").write_text(json.dumps(payload, indent=2))
    return payload
