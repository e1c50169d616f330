"""One table at the end of a run: every benchmark's headline figures against their yardsticks.

Each benchmark's ``run(args)`` returns the dict it writes to ``bench/out/NAME.json``; here each
becomes a few rows of workload, figure, yardstick and the ratio of the two. The yardstick is what
the same run measured for comparison where there is one (pgbench's TPC-B rate for picks,
order-line order for routes, the min/max policy for the simulation), else the issue's target,
written "target ...". The goal says which side of the ratio meets it.
"""

import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bench import dashboard, outbound, picks, replenishment, worker_memory
from bench import http as http_load
from bench.simulation_figures import TARGET_SECONDS as SIMULATION_TARGET_SECONDS

INBOUND_TARGET_SECONDS = 2.0  # issue 3: 1,000 lines received and planned


@dataclass(frozen=True)
class Row:
    benchmark: str
    workload: str
    figure: str
    yardstick: str
    ratio: float | None = None  # figure / yardstick
    goal: str = ""  # "<= 1.00", ">= 0.50", "== 1.00", or "" when nothing is required

    @property
    def verdict(self) -> str:
        if self.ratio is None or not self.goal:
            return ""
        op, value = self.goal.split()
        bound = float(value)
        rounded = round(self.ratio, 2)  # judged as printed, so the table never contradicts itself
        met = {"<=": rounded <= bound, ">=": rounded >= bound, "==": rounded == bound}[op]
        return "meets" if met else "MISSES"


def _inbound(result: dict[str, Any]) -> list[Row]:
    runs = result["runs"]
    rows = [
        Row(
            "inbound",
            f"receive + plan putaway, {r['lines']:,} lines",
            f"{r['total_s']:.3f} s",
            f"target {INBOUND_TARGET_SECONDS:g} s (issue 3)",
            r["total_s"] / INBOUND_TARGET_SECONDS,
            "<= 1.00",
        )
        for r in runs
    ]
    if len(runs) > 1:
        small, large = runs[0], runs[-1]
        before = small["receive_queries"] + small["plan_queries"]
        after = large["receive_queries"] + large["plan_queries"]
        rows.append(
            Row(
                "inbound",
                f"queries, {large['lines']:,} lines",
                f"{after} queries",
                f"{before} at {small['lines']:,} lines (flat)",
                after / before,
                "<= 1.00",
            )
        )
    return rows


def _outbound(result: dict[str, Any]) -> list[Row]:
    target = f"target {outbound.TARGET_SECONDS:g} s (issue 4)"
    rows = []
    for r in result["runs"]:
        lines = f"{r['lines']:,} lines"
        rows += [
            Row(
                "outbound",
                f"allocate {lines}",
                f"{r['allocate_s']:.3f} s",
                target,
                r["allocate_s"] / outbound.TARGET_SECONDS,
                "<= 1.00",
            ),
            Row(
                "outbound",
                f"pick tasks for {lines}",
                f"{r['tasks_s']:.3f} s",
                target,
                r["tasks_s"] / outbound.TARGET_SECONDS,
                "<= 1.00",
            ),
        ]
    worst = max(result["runs"], key=lambda r: r["allocate_queries"] + r["tasks_queries"])
    queries = worst["allocate_queries"] + worst["tasks_queries"]
    rows.append(
        Row(
            "outbound",
            f"queries, allocate + tasks, {worst['lines']:,} lines",
            f"{queries} queries",
            f"target {outbound.TARGET_QUERIES} queries (issue 4)",
            queries / outbound.TARGET_QUERIES,
            "<= 1.00",
        )
    )
    return rows


def _picks(result: dict[str, Any]) -> list[Row]:
    mode = result.get("pgbench_mode", "simple")
    return [
        Row(
            "picks",
            f"pick confirmations, {r['clients']} clients",
            f"{r['picks_per_s']:.1f} picks/s",
            f"pgbench TPC-B {r['pgbench_tps']:.0f} tps (-M {mode})",
            r["ratio"],
            f">= {picks.TARGET_RATIO:.2f}",
        )
        for r in result["runs"]
    ]


def _routes(result: dict[str, Any]) -> list[Row]:
    f = result["figures"]
    return [
        Row(
            "routes",
            f"S-shape route, {f['batches']} batches of {f['picks_min']}-{f['picks_max']} picks",
            f"{f['s_shape_mean_m']:.1f} m a batch",
            f"order-line order {f['order_line_mean_m']:.1f} m",
            1 - f["saving_of_total"],  # sum(S-shape) / sum(order-line order)
            "<= 1.00",
        )
    ]


def _replenishment(result: dict[str, Any]) -> list[Row]:
    target = f"target {replenishment.TARGET_SECONDS:g} s (issue 5)"
    pairs = result["site"]["pairs"]
    rows = []
    for f in result["figures"]:
        if f["name"].startswith("forecast"):  # nightly: issue 5 sets no target for it
            rows.append(
                Row(
                    "replenishment",
                    f"{f['name']}, {pairs:,} pairs",
                    f"{f['seconds']:.3f} s",
                    "none (runs nightly)",
                )
            )
            continue
        rows.append(
            Row(
                "replenishment",
                f"{f['name']}, {pairs:,} pairs",
                f"{f['seconds']:.3f} s",
                target,
                f["seconds"] / replenishment.TARGET_SECONDS,
                "<= 1.00",
            )
        )
    queries = max(f["queries"] for f in result["figures"] if f["name"].startswith("review"))
    rows.append(
        Row(
            "replenishment",
            "queries of a review, most of any",
            f"{queries} queries",
            f"target {replenishment.TARGET_QUERIES} queries (issue 5)",
            queries / replenishment.TARGET_QUERIES,
            "<= 1.00",
        )
    )
    write = result["level_write"]
    rows.append(
        Row(
            "replenishment",
            "stock level write, one pair, active rule",
            f"{write['with_rule_ms']:.2f} ms",
            f"{write['without_rule_ms']:.2f} ms without a rule",
            write["with_rule_ms"] / write["without_rule_ms"],
        )
    )
    return rows


def _simulation(result: dict[str, Any]) -> list[Row]:
    r = result["result"]
    forecast, min_max = r["policies"]["forecast"], r["policies"]["min_max"]
    scale = f"{r['days']} days, {r['products']} products"
    rows = [
        Row(
            "simulation",
            f"fill rate, forecast policy, {scale}",
            f"{forecast['total']['fill_rate']:.4f}",
            f"min/max {min_max['total']['fill_rate']:.4f} (same demand)",
            forecast["total"]["fill_rate"] / min_max["total"]["fill_rate"],
        ),
        Row(
            "simulation",
            "average units on hand, forecast policy",
            f"{forecast['total']['avg_on_hand']:,.0f}",
            f"min/max {min_max['total']['avg_on_hand']:,.0f}",
            forecast["total"]["avg_on_hand"] / min_max["total"]["avg_on_hand"]
            if min_max["total"]["avg_on_hand"]
            else None,
        ),
    ]
    for name, f in forecast["by_class"].items():
        if not f["demanded"] or f["target"] is None:
            continue
        rows.append(
            Row(
                "simulation",
                f"fill rate, forecast policy, class {name}",
                f"{f['fill_rate']:.4f}",
                f"target {f['target']:.2f} (issue 5)",
                f["fill_rate"] / f["target"],
                ">= 1.00",
            )
        )
    rows.append(
        Row(
            "simulation",
            f"run time, {scale}, both warehouses",
            f"{r['seconds']:.1f} s",
            f"target {SIMULATION_TARGET_SECONDS:g} s (a year, 200 products)",
            r["seconds"] / SIMULATION_TARGET_SECONDS,
            "<= 1.00",
        )
    )
    return rows


def _dashboard(result: dict[str, Any]) -> list[Row]:
    target_ms = result.get("target_ms", dashboard.TARGET_MS)
    moves = result["site"]["moves"]
    rows = [
        Row(
            "dashboard",
            f"{f['name']}, {moves:,} moves",
            f"{f['ms']:.1f} ms",
            f"target {target_ms:g} ms (issue 6)",
            f["ms"] / target_ms,
            "<= 1.00",
        )
        for f in result["figures"]
    ]
    selector = next(f for f in result["figures"] if f["name"].startswith("selector"))
    rows.append(
        Row(
            "dashboard",
            "queries of dashboard_get",
            f"{selector['queries']} queries",
            f"{dashboard.SELECTOR_QUERIES} expected",
            selector["queries"] / dashboard.SELECTOR_QUERIES,
            "== 1.00",
        )
    )
    return rows


def _worker_memory(result: dict[str, Any]) -> list[Row]:
    target = result.get("target_mb", worker_memory.TARGET_MB)
    site = result["site"]
    scale = f"{site['bins']:,} bins, {site['moves']:,} moves"
    rows = [
        Row(
            "worker_memory",
            f"peak RSS of a worker process ({result['peak_role']}), all heavy jobs, {scale}",
            f"{result['peak_mb']:.0f} MB",
            f"target {target:g} MB (issue 7)",
            result["peak_mb"] / target,
            "<= 1.00",
        )
    ]
    rows += [
        Row(
            "worker_memory",
            f"peak RSS during {job['name']}",
            f"{job['peak_mb']:.0f} MB",
            f"target {target:g} MB (issue 7)",
            job["peak_mb"] / target,  # where the peak comes from: the row above is judged
        )
        for job in result["jobs"]
    ]
    return rows


def _statements(result: dict[str, Any]) -> list[Row]:
    """The stock lists against the target; each sized request's larger world against its
    smaller one (flat: 1.00)."""
    target = result["target"]
    requests = result["requests"]
    rows = [
        Row(
            "statements",
            r["name"],
            f"{r['statements']} statements",
            f"target {target} (issue 7)",
            r["statements"] / target,
            "<= 1.00",
        )
        for r in requests
        if not r["size"]
    ]
    small, large = result["sizes"][0], result["sizes"][-1]
    for name in dict.fromkeys(r["name"] for r in requests if r["size"]):
        counts = {r["size"]: r["statements"] for r in requests if r["name"] == name}
        rows.append(
            Row(
                "statements",
                f"{name}, world of {large}",
                f"{counts[large]} statements",
                f"{counts[small]} at {small} (flat)",
                counts[large] / counts[small],
                "== 1.00",
            )
        )
    return rows


def _http(result: dict[str, Any]) -> list[Row]:
    """Task completion over HTTP against the minimal view on the same gunicorn (issue 7).

    Errors and new database connections are counts whose goal is none: their "ratio" is the
    count itself (connections: beyond those of recycled workers), so a single one misses.
    """
    api, minimal = result["api"], result["minimal"]
    connections = result["connections"]
    errors = api["refused"] + api["socket_errors"] + minimal["refused"] + minimal["socket_errors"]
    opened = api["new_connections"] + minimal["new_connections"]
    # A worker gunicorn recycles (max_requests) starts with no connections: each of its threads
    # opens one once. Those are not a request's; any other connection is.
    booted = api["workers_booted"] + minimal["workers_booted"]
    threads = result["server"]["threads"]
    unexplained = max(0, opened - booted * threads)
    return [
        Row(
            "http",
            f"task complete (API), {connections} connections",
            f"{api['rate']:.1f} req/s",
            f"minimal view {minimal['rate']:.1f} req/s",
            api["rate"] / minimal["rate"],
            f">= {http_load.TARGET_RATE_RATIO:.2f}",
        ),
        Row(
            "http",
            "task complete (API), p99 latency",
            f"{api['p99_ms']:.1f} ms",
            f"minimal view p99 {minimal['p99_ms']:.1f} ms",
            api["p99_ms"] / minimal["p99_ms"],
            f"<= {http_load.TARGET_P99_RATIO:.2f}",
        ),
        Row(
            "http",
            f"errors (non-2xx, socket), {api['requests'] + minimal['requests']:,} requests",
            f"{errors} error{'' if errors == 1 else 's'}",
            "target 0",
            float(errors),
            "== 0.00",
        ),
        Row(
            "http",
            f"database connections opened under load, {booted} workers recycled",
            f"{opened} opened",
            f"0 beyond {threads} a recycled worker (max_requests)",
            float(unexplained),
            "== 0.00",
        ),
    ]


BUILDERS: dict[str, Callable[[dict[str, Any]], list[Row]]] = {
    "inbound": _inbound,
    "outbound": _outbound,
    "picks": _picks,
    "routes": _routes,
    "replenishment": _replenishment,
    "simulation": _simulation,
    "dashboard": _dashboard,
    "worker_memory": _worker_memory,
    "statements": _statements,
    "http": _http,
}


def summary_rows(results: dict[str, dict[str, Any]]) -> list[Row]:
    """The rows of every benchmark in ``results`` (name -> what its ``run`` returned), in order."""
    rows = []
    for name, result in results.items():
        builder = BUILDERS.get(name)
        if builder is None:
            raise ValueError(f"no summary for benchmark {name!r}; known: {', '.join(BUILDERS)}")
        try:
            rows += builder(result)
        except (KeyError, TypeError, StopIteration, ZeroDivisionError) as error:
            raise ValueError(
                f"the {name} benchmark's result lacks a figure the summary needs "
                f"({type(error).__name__}: {error})"
            ) from error
    return rows


COLUMNS = ("benchmark", "workload", "figure", "yardstick", "ratio", "goal", "")


def _cells(row: Row) -> tuple[str, ...]:
    ratio = "" if row.ratio is None else f"{row.ratio:.2f}"
    return (row.benchmark, row.workload, row.figure, row.yardstick, ratio, row.goal, row.verdict)


def format_table(rows: list[Row], *, profile: str, failed: Sequence[str] = ()) -> str:
    table = [COLUMNS, *(_cells(row) for row in rows)]
    widths = [max(len(line[i]) for line in table) for i in range(len(COLUMNS))]
    right = {2, 4}  # figure and ratio: numbers line up on the right

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(
            f"{cell:>{w}}" if i in right else f"{cell:<{w}}"
            for i, (cell, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    header = line(COLUMNS)
    out = [f"\nsummary (profile {profile}): figure / yardstick, judged against the goal", header]
    out.append("-" * len(header))
    out += [line(cells) for cells in table[1:]]
    missed = sum(row.verdict == "MISSES" for row in rows)
    out.append(
        f"{len(rows)} figures, {missed} missing their goal. Times depend on the machine; targets "
        "are the issues' for the large profile, so small-profile ratios only show the way."
    )
    if failed:  # e.g. drift in the ledger: a check of its own, not a row of figures
        out.append(f"failed their own checks (see their tables above): {', '.join(failed)}")
    return "\n".join(out)


def summary_payload(
    rows: list[Row], *, profile: str, machine: dict[str, Any] | None, failed: list[str]
) -> dict[str, Any]:
    return {
        "profile": profile,
        "machine": machine,
        "failed": failed,
        "rows": [asdict(row) | {"verdict": row.verdict} for row in rows],
    }


def write(path: Path, payload: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=2))
