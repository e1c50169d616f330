"""A Celery worker's memory through the heavy jobs, on issue 7's data set (target: < 300 MB).

The data set is the dashboard's (bench/dataset.py, the ``--dash-*`` sizes: by default the large
profile, 20,000 bins, 50,000 SKUs, 200,000 quants, 2,000,000 moves). On top, not measured: a
reorder rule for every product of the busy warehouse (half min/max, half forecast-driven),
``--wm-order-lines`` order lines (10,000) in orders of 20 lines, and a purchase order of
``--wm-receipt-lines`` lines (1,000) to receive.

Then a real worker, started as production starts it (wms/stack.py, docker-compose.yml: prefork,
``--concurrency`` 2 by default, acks late, ``worker_max_memory_per_child`` from the settings),
gets every heavy job through its real task, one after the other, each awaited:

- the nightly invariant job (``stock_ledger_verify_task``: every quant and level against the
  ledger), before and after the day's work;
- the nightly forecast and review (``demand_forecasts_task``), a reorder review
  (``reorder_review_task``), pick-face replenishment (``pick_faces_replenish_task``), the
  nightly cycle-count plan (``counts_plan_nightly_task``);
- putaway planning of the received delivery (``receipt_plan_task``, enqueued by the commit of
  the receipt, as at the dock);
- allocation of every order (``order_allocate_task``, one message an order, as the orders'
  commits send them), then their pick tasks in one message (``pick_tasks_create_task``).

A thread samples /proc every ``--wm-sample-ms`` (20) ms: the resident set (VmRSS) of the worker's
main process and of each pool child, and at the end each one's high-water mark (VmHWM, the
kernel's own peak, so a spike between samples is not missed). The figure is the peak of the
largest process; a child the pool replaced (its memory passed ``worker_max_memory_per_child``)
is counted with its last sample. Written to ``bench/out/worker_memory.json``.
"""

import argparse
import json
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.database import OUT_DIR, Worker
from bench.inbound import _positive, machine_info

TARGET_MB = 300.0
LINES_PER_ORDER = 20
PROC = Path("/proc")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("worker_memory (on the --dash-* data set)")
    group.add_argument(
        "--wm-order-lines", type=_positive, default=10_000, help="order lines to allocate"
    )
    group.add_argument(
        "--wm-receipt-lines", type=_positive, default=1_000, help="lines of the receipt planned"
    )
    group.add_argument(
        "--wm-concurrency", type=_positive, default=2, help="pool children (as CELERY_CONCURRENCY)"
    )
    group.add_argument("--wm-sample-ms", type=_positive, default=20, help="sampling interval")
    group.add_argument(
        "--wm-timeout", type=_positive, default=1800, help="seconds to wait for one job"
    )


# --- reading /proc (pure where it can be) ------------------------------------------------------

_FIELD = re.compile(r"^(VmRSS|VmHWM):\s+(\d+)\s+kB$", re.MULTILINE)


def status_kb(text: str) -> dict[str, int]:
    """VmRSS and VmHWM (kB) out of a /proc/<pid>/status text; missing ones (a zombie) are 0."""
    found = {name: int(value) for name, value in _FIELD.findall(text)}
    return {"VmRSS": found.get("VmRSS", 0), "VmHWM": found.get("VmHWM", 0)}


def parent_of(stat: str) -> int:
    """The parent pid out of a /proc/<pid>/stat line (the command may hold spaces and ')')."""
    after = stat[stat.rindex(")") + 2 :].split()
    return int(after[1])


def children_of(pid: int, proc: Path = PROC) -> list[int]:
    found = []
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if parent_of((entry / "stat").read_text()) == pid:
                found.append(int(entry.name))
        except (OSError, ValueError, IndexError):
            continue  # gone meanwhile
    return found


def read_status(pid: int, proc: Path = PROC) -> dict[str, int] | None:
    try:
        return status_kb((proc / str(pid) / "status").read_text())
    except OSError:
        return None


@dataclass
class ProcessPeak:
    pid: int
    role: str  # "main" or "child"
    peak_kb: int = 0  # the largest of VmRSS samples and VmHWM
    last_rss_kb: int = 0
    samples: int = 0

    def see(self, kb: dict[str, int]) -> None:
        self.samples += 1
        self.last_rss_kb = kb["VmRSS"]
        self.peak_kb = max(self.peak_kb, kb["VmRSS"], kb["VmHWM"])

    @property
    def peak_mb(self) -> float:
        return self.peak_kb / 1024


@dataclass
class Peaks:
    """Per process of the worker, and per job: the largest resident set seen."""

    main_pid: int
    processes: dict[int, ProcessPeak] = field(default_factory=dict)
    jobs: dict[str, float] = field(default_factory=dict)  # job -> MB, largest pool child
    job: str = "start-up"

    def see(self, pid: int, kb: dict[str, int]) -> None:
        role = "main" if pid == self.main_pid else "child"
        peak = self.processes.setdefault(pid, ProcessPeak(pid=pid, role=role))
        peak.see(kb)
        if role == "main":
            return  # it hands the jobs out; the children run them
        # The resident set now, not the high-water mark: that covers the process's earlier jobs.
        self.jobs[self.job] = max(self.jobs.get(self.job, 0.0), kb["VmRSS"] / 1024)

    @property
    def largest(self) -> ProcessPeak:
        return max(self.processes.values(), key=lambda p: p.peak_kb)

    @property
    def children(self) -> list[ProcessPeak]:
        return [p for p in self.processes.values() if p.role == "child"]


class Sampler(threading.Thread):
    def __init__(self, peaks: Peaks, interval_s: float, proc: Path = PROC) -> None:
        super().__init__(daemon=True, name="rss-sampler")
        self.peaks, self.interval_s, self.proc = peaks, interval_s, proc
        self.stopping = threading.Event()

    def sample(self) -> None:
        for pid in [self.peaks.main_pid, *children_of(self.peaks.main_pid, self.proc)]:
            kb = read_status(pid, self.proc)
            if kb is not None:
                self.peaks.see(pid, kb)

    def run(self) -> None:
        while not self.stopping.wait(self.interval_s):
            self.sample()

    def stop(self) -> None:
        self.stopping.set()
        self.join()
        self.sample()  # the final high-water marks


# --- the worker, as production starts it ---------------------------------------------------------


def worker_command(*, concurrency: int, name: str) -> list[str]:
    """wms/stack.py's own worker command line (prefork, its concurrency), named for this run."""
    from wms.stack import Config, server_commands

    config = Config(port=8000, data_dir=OUT_DIR, seed_demo=False, worker_concurrency=concurrency)
    command = list(server_commands(config)["Celery worker"])
    command[command.index("-n") + 1] = name
    return command


class ProductionWorker(Worker):
    """The bench's worker, started with production's command line instead of a solo pool."""

    start_timeout_s = 90
    stop_timeout_s = 60

    def __init__(self, concurrency: int) -> None:
        super().__init__("worker_memory")
        self.concurrency = concurrency

    def command(self) -> list[str]:
        return worker_command(concurrency=self.concurrency, name=self.name)


# --- the extra data -----------------------------------------------------------------------------


@dataclass
class Work:
    warehouse_id: int
    order_ids: list[int]
    order_lines: int
    receipt_id: int
    receipt_lines: int
    rules: int
    prepare_seconds: float


def prepare(warehouse_id: int, *, order_lines: int, receipt_lines: int) -> Work:
    """Reorder rules, open orders and a received delivery (not measured). The delivery's
    commit enqueues its putaway planning, so it is received once the worker runs."""
    from django.db import connection

    from inventory.models import ReorderRule
    from inventory.services.catalog import supplier_create
    from warehouse.models import Order, OrderLine

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM inventory_product WHERE sku LIKE 'DP-%%' ORDER BY id", [])
        products = [row[0] for row in cursor.fetchall()]
    ReorderRule.objects.bulk_create(
        (
            ReorderRule(
                product_id=pk,
                warehouse_id=warehouse_id,
                policy=ReorderRule.Policy.FORECAST if n % 2 else ReorderRule.Policy.MIN_MAX,
                min_quantity=20,
                max_quantity=80,
            )
            for n, pk in enumerate(products)
        ),
        batch_size=5000,
    )
    orders = Order.objects.bulk_create(
        Order(warehouse_id=warehouse_id, reference=f"WM-{n:05d}", priority=1 + n % 9)
        for n in range(-(-order_lines // LINES_PER_ORDER))
    )
    lines = []
    stride = max(1, len(products) // order_lines)  # spread over the catalogue
    for n in range(order_lines):
        order = orders[n // LINES_PER_ORDER]
        lines.append(
            OrderLine(order=order, product_id=products[(n * stride) % len(products)], quantity=1)
        )
    OrderLine.objects.bulk_create(lines, batch_size=5000)
    supplier = supplier_create(code="WM-SUP", name="Worker memory supplier", lead_time_days=3)
    receipt_id = _receipt(
        warehouse_id, supplier, products[-receipt_lines:] if receipt_lines else []
    )
    return Work(
        warehouse_id=warehouse_id,
        order_ids=[o.pk for o in orders],
        order_lines=order_lines,
        receipt_id=receipt_id,
        receipt_lines=receipt_lines,
        rules=len(products),
        prepare_seconds=time.perf_counter() - started,
    )


def _receipt(warehouse_id: int, supplier: Any, product_ids: list[int]) -> int:
    from inventory.models import Product, Warehouse
    from inventory.services.purchasing import (
        OrderLineInput,
        purchase_order_create,
        purchase_order_send,
    )
    from warehouse.services.receiving import receipt_create

    warehouse = Warehouse.objects.get(pk=warehouse_id)
    products = list(Product.objects.filter(pk__in=product_ids).order_by("pk"))
    order = purchase_order_create(
        supplier=supplier,
        warehouse=warehouse,
        lines=[OrderLineInput(p, 12) for p in products],
    )
    order = purchase_order_send(purchase_order_id=order.pk)
    return receipt_create(warehouse=warehouse, purchase_order=order).pk


def receive(work: Work) -> None:
    """What the truck brings, booked at the dock; the commit enqueues the putaway plan."""
    from django.contrib.auth import get_user_model

    from inventory.models import Product
    from warehouse.models import Receipt
    from warehouse.services.receiving import ReceivedEntry, receipt_receive

    receipt = Receipt.objects.get(pk=work.receipt_id)
    product_ids = receipt.lines.values_list("product_id", flat=True)
    entries = [ReceivedEntry(p, 12) for p in Product.objects.filter(pk__in=product_ids)]
    receiver = get_user_model().objects.create_user(username="wm-receiver")
    receipt_receive(receipt_id=receipt.pk, entries=entries, user_id=receiver.pk)


# --- the run ------------------------------------------------------------------------------------


@dataclass
class Job:
    name: str
    seconds: float
    peak_mb: float  # the largest process while it ran
    result: str


def _await(result: Any, timeout: float) -> Any:
    return result.get(timeout=timeout, propagate=True)


def jobs_for(work: Work, timeout: float) -> list[tuple[str, Callable[[], Any]]]:
    """The heavy jobs in order, each a callable that sends it and waits for it."""
    from inventory.tasks import demand_forecasts_task, reorder_review_task
    from warehouse.tasks import (
        counts_plan_nightly_task,
        order_allocate_task,
        pick_faces_replenish_task,
        stock_ledger_verify_task,
    )

    def one(task: Any, *args: Any) -> Callable[[], Any]:
        return lambda: _await(task.delay(*args), timeout)

    def allocate_all() -> str:
        """One message an order, as their commits send them; each allocation's commit then
        enqueues the pick tasks of its order: done when every allocation has its task."""
        from warehouse.models import Allocation, Task

        sent = [order_allocate_task.delay(pk) for pk in work.order_ids]
        allocations = sum(_await(r, timeout) for r in sent)
        waiting = Allocation.objects.filter(
            line__order_id__in=work.order_ids, quantity__gt=0, tasks=None
        )
        deadline = time.monotonic() + timeout
        while waiting.exists():
            if time.monotonic() > deadline:
                raise SystemExit(f"the worker made no pick tasks within {timeout:g} s")
            time.sleep(0.05)
        tasks = Task.objects.filter(
            kind=Task.Kind.PICK, allocation__line__order_id__in=work.order_ids
        )
        return f"{len(sent)} orders, {allocations} allocations, {tasks.count()} pick tasks"

    def plan_receipt() -> str:
        from bench.inbound import wait_until_planned
        from warehouse.models import Receipt, Task

        receive(work)  # its commit enqueues receipt_plan_task, as at the dock
        wait_until_planned(work.receipt_id, timeout=timeout)
        reference = Receipt.objects.get(pk=work.receipt_id).reference
        return f"{Task.objects.filter(reference=reference).count()} putaway tasks"

    return [
        ("nightly invariant check", one(stock_ledger_verify_task)),
        ("nightly forecast + review", one(demand_forecasts_task)),
        ("reorder review", one(reorder_review_task, work.warehouse_id)),
        ("pick-face replenishment", one(pick_faces_replenish_task, work.warehouse_id)),
        ("nightly cycle-count plan", one(counts_plan_nightly_task)),
        (f"putaway plan, {work.receipt_lines:,} lines", plan_receipt),
        (f"allocate {work.order_lines:,} lines + their pick tasks", allocate_all),
        ("nightly invariant check, after", one(stock_ledger_verify_task)),
    ]


def measure(peaks: Peaks, jobs: Iterable[tuple[str, Callable[[], Any]]]) -> list[Job]:
    done = []
    for name, send_and_wait in jobs:
        peaks.job = name
        started = time.perf_counter()
        result = send_and_wait()
        seconds = time.perf_counter() - started
        time.sleep(0.1)  # a last sample of the job
        done.append(Job(name, seconds, peaks.jobs.get(name, 0.0), _short(result)))
        print(f"  {name}: {seconds:.1f} s, {done[-1].peak_mb:.0f} MB, {done[-1].result}")
    peaks.job = "idle"
    return done


def _short(result: Any) -> str:
    text = json.dumps(result) if isinstance(result, dict | list) else str(result)
    return text if len(text) <= 90 else text[:87] + "..."


def safety_net() -> dict[str, Any]:
    from django.conf import settings

    return {
        "worker_max_memory_per_child_kb": getattr(
            settings, "CELERY_WORKER_MAX_MEMORY_PER_CHILD", None
        ),
        "worker_max_tasks_per_child": getattr(settings, "CELERY_WORKER_MAX_TASKS_PER_CHILD", None),
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    from django.db import connection

    from bench.dashboard import sizes_from
    from bench.dataset import build

    sizes = sizes_from(args)
    print(
        f"\nworker_memory: building {sizes.bins:,} bins, {sizes.products:,} products, "
        f"{sizes.quants:,} quants, {sizes.moves:,} moves ..."
    )
    site = build(sizes)
    print(f"  built in {site.build_seconds:.1f} s ({site.moves:,} moves)")
    work = prepare(
        site.warehouse_id, order_lines=args.wm_order_lines, receipt_lines=args.wm_receipt_lines
    )
    print(
        f"  {work.rules:,} reorder rules, {len(work.order_ids):,} orders of "
        f"{work.order_lines:,} lines, a receipt of {work.receipt_lines:,} lines in "
        f"{work.prepare_seconds:.1f} s"
    )
    connection.close()  # the worker's connections, not ours, while it runs
    worker = ProductionWorker(args.wm_concurrency)
    main_pid = worker.start()
    peaks = Peaks(main_pid=main_pid)
    sampler = Sampler(peaks, args.wm_sample_ms / 1000)
    sampler.sample()
    sampler.start()
    try:
        jobs = measure(peaks, jobs_for(work, float(args.wm_timeout)))
    finally:
        sampler.stop()
        worker.stop()
    machine = machine_info(connection)
    net = safety_net()
    largest = peaks.largest
    payload = {
        "machine": machine,
        "site": asdict(site),
        "work": {k: v for k, v in asdict(work).items() if k != "order_ids"},
        "concurrency": args.wm_concurrency,
        "processes": [asdict(p) | {"peak_mb": p.peak_mb} for p in peaks.processes.values()],
        "children_seen": len(peaks.children),
        "jobs": [asdict(j) for j in jobs],
        "peak_mb": largest.peak_mb,
        "peak_role": largest.role,
        "target_mb": TARGET_MB,
        "safety_net": net,
        "ok": True,  # memory is a figure against its target, not a check of its own
    }
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    (OUT_DIR / "worker_memory.json").write_text(json.dumps(payload, indent=2))
    report(payload)
    return payload


def report(payload: dict[str, Any]) -> None:
    site, machine = payload["site"], payload["machine"]
    print(
        f"\nworker_memory: a prefork worker (concurrency {payload['concurrency']}) on "
        f"{site['bins']:,} bins, {site['products']:,} products, {site['quants']:,} quants, "
        f"{site['moves']:,} moves; target < {payload['target_mb']:g} MB a process"
    )
    print(
        f"machine: {machine['cpus']} CPUs ({machine['cpu']}), {machine['memory_gb']} GB, "
        f"Python {machine['python']}, PostgreSQL {machine['postgresql']}"
    )
    print(f"{'job':>40} {'s':>7} {'peak MB':>8}  result")
    for j in payload["jobs"]:
        print(f"{j['name']:>40} {j['seconds']:>7.1f} {j['peak_mb']:>8.0f}  {j['result']}")
    print(f"{'process':>40} {'pid':>7} {'peak MB':>8}  last RSS MB")
    for p in payload["processes"]:
        print(f"{p['role']:>40} {p['pid']:>7} {p['peak_mb']:>8.0f}  {p['last_rss_kb'] / 1024:.0f}")
    net = payload["safety_net"]
    limit = net["worker_max_memory_per_child_kb"]
    print(
        f"peak: {payload['peak_mb']:.0f} MB ({payload['peak_role']}), "
        f"{payload['children_seen']} pool children seen; safety net: "
        + (
            f"worker_max_memory_per_child {limit:,} KiB (a child past it is replaced after "
            "its task)"
            if limit
            else "NONE: set CELERY_WORKER_MAX_MEMORY_PER_CHILD"
        )
    )
