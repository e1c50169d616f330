"""The summary table `python -m bench` prints at the end, from sample results (no database).

The samples are built with the benchmarks' own dataclasses, as their ``run`` builds its payload,
so a renamed figure breaks these tests rather than the end of a long benchmark run.
"""

import json
from dataclasses import asdict

import pytest

from bench import (
    dashboard,
    inbound,
    outbound,
    picks,
    replenishment,
    routes,
    statements,
    worker_memory,
)
from bench import http as http_load
from bench.__main__ import BENCHMARKS, SMALL, build_parser, parse
from bench.simulation_figures import Figures as SimFigures
from bench.simulation_figures import PolicyResult, SimulationResult
from bench.summary import Row, format_table, summary_payload, summary_rows, write

MACHINE = {"cpus": 2, "cpu": "test"}


def _inbound_run(lines: int, total_s: float, queries: int) -> dict:
    return asdict(
        inbound.Figures(
            lines=lines,
            receive_s=total_s / 2,
            plan_s=total_s / 2,
            worker_task_s=None,
            total_s=total_s,
            receive_queries=queries,
            tasks=lines,
            runs=5,
            total_min_s=total_s,
            total_max_s=total_s,
            plan_queries=queries,
            plan_in_process_s=total_s / 2,
        )
    )


def _outbound_run(lines: int, allocate_s: float, tasks_s: float) -> dict:
    return asdict(
        outbound.Figures(
            lines=lines,
            orders=lines // 5,
            allocate_s=allocate_s,
            allocate_queries=40,
            allocations=lines,
            backordered_lines=0,
            tasks_s=tasks_s,
            tasks_queries=12,
            tasks=lines,
            runs=3,
            allocate_min_s=allocate_s,
            allocate_max_s=allocate_s,
            tasks_min_s=tasks_s,
            tasks_max_s=tasks_s,
        )
    )


def _picks_run(clients: int, rate: float, tps: float) -> dict:
    return asdict(
        picks.Figures(
            clients=clients,
            seconds=15,
            picks=int(rate * 15),
            picks_per_s=rate,
            pgbench_tps=tps,
            ratio=rate / tps,
            statements_per_pick=3,
            round_trips_per_pick=3,
            latency_ms_median=4,
            latency_ms_p95=9,
            client_cpu_ms_per_pick=1,
            clients_out_of_tasks=0,
        )
    )


def _sim_figures(fill_rate: float, on_hand: float, target: float | None) -> SimFigures:
    return SimFigures(
        demanded=1000,
        shipped=int(1000 * fill_rate),
        fill_rate=fill_rate,
        value_fill_rate=fill_rate,
        days_in_stock=fill_rate,
        cycles=50,
        cycle_service_level=0.9,
        avg_on_hand=on_hand,
        avg_on_hand_value=on_hand * 3,
        avg_available=on_hand,
        avg_on_order=10,
        order_lines=100,
        units_ordered=900,
        target=target,
    )


def _policy(policy: str, fills: dict[str, float], on_hand: float) -> PolicyResult:
    targets = {"A": 0.98, "B": 0.95, "C": 0.90}
    return PolicyResult(
        policy=policy,
        warehouse=policy.upper(),
        purchase_orders=10,
        total=_sim_figures(fills["all"], on_hand, 0.96),
        by_class={c: _sim_figures(fills[c], on_hand / 3, targets[c]) for c in "ABC"},
        by_pattern={"fast": _sim_figures(fills["all"], on_hand, None)},
        seconds=40.0,
        cpu_seconds=20.0,
        phase_seconds={"ship": 10.0},
        queries=5000,
    )


def _simulation() -> dict:
    result = SimulationResult(
        days=365,
        products=200,
        seed=1,
        demand_basis="ordered",
        forecast_every=1,
        receiving="direct",
        parallel=True,
        policies={
            "forecast": _policy(
                "forecast", {"all": 0.9816, "A": 0.9843, "B": 0.9781, "C": 0.9704}, 13067
            ),
            "min_max": _policy(
                "min_max", {"all": 0.9790, "A": 0.9792, "B": 0.9882, "C": 0.9464}, 15205
            ),
        },
        setup_seconds=2.0,
        seconds=90.6,
        drift_clean=True,
        on_order_clean=True,
    )
    return {"machine": MACHINE, "result": asdict(result) | {"queries": 10000}, "ok": True}


def _replenishment() -> dict:
    def figure(name: str, seconds: float, queries: int = 2) -> dict:
        return asdict(
            replenishment.Figure(
                name=name, seconds=seconds, min_s=seconds, max_s=seconds, queries=queries, runs=3
            )
        )

    return {
        "machine": MACHINE,
        "site": asdict(
            replenishment.Site(
                warehouse_ids=[1, 2], pairs=100_000, needy=25_000, demand_pairs=1, demand_rows=1
            )
        ),
        "figures": [
            figure("review, cold (all opened)", 1.332),
            figure("review, steady (no change)", 0.647),
            figure("review, churn (5 % moved)", 0.756, queries=3),
            figure("review, one pair (trigger)", 0.005),
            figure("forecast, all pairs", 3.132),
        ],
        "level_write": {
            "with_rule_ms": 2.97,
            "without_rule_ms": 2.80,
            "queries_per_write": 3,
            "queries_per_write_without_rule": 3,
        },
        "target_seconds": 2.0,
        "target_queries": 20,
        "ok": True,
    }


def _dashboard(selector_queries: int = dashboard.SELECTOR_QUERIES) -> dict:
    def figure(name: str, ms: float, queries: int = 18) -> dict:
        return asdict(
            dashboard.Figure(name=name, ms=ms, min_ms=ms, max_ms=ms, queries=queries, runs=30)
        )

    return {
        "machine": MACHINE,
        "site": asdict(
            dashboard.Site(
                warehouse_id=1,
                bins=2000,
                products=20000,
                quants=100_000,
                moves=1_000_000,
                moves_today=15_000,
                open_tasks=10_000,
                done_tasks=300_000,
                done_today=3000,
                orders_open=2000,
                build_seconds=60,
            )
        ),
        "figures": [
            figure("poll (tiles fragment)", 57),
            figure("selector (dashboard_get)", 36, queries=selector_queries),
            figure("map, picks (30 days)", 190),
        ],
        "explain_ms": [],
        "target_ms": 150.0,
        "ok": True,
    }


def _worker_memory(peak_mb: float = 240.0) -> dict:
    process = worker_memory.ProcessPeak(pid=7, role="child", peak_kb=int(peak_mb * 1024))
    return {
        "machine": MACHINE,
        "site": _dashboard()["site"] | {"bins": 20_000, "moves": 2_000_000},
        "concurrency": 2,
        "processes": [asdict(process) | {"peak_mb": process.peak_mb}],
        "children_seen": 2,
        "jobs": [
            asdict(worker_memory.Job("nightly invariant check", 12.0, 130.0, "{}")),
            asdict(worker_memory.Job("allocate 10,000 lines + their pick tasks", 60, peak_mb, "")),
        ],
        "peak_mb": peak_mb,
        "peak_role": "child",
        "target_mb": 300.0,
        "safety_net": {"worker_max_memory_per_child_kb": 300_000},
        "ok": True,
    }


def _routes() -> dict:
    figures = routes.Figures(
        batches=100,
        picks_min=10,
        picks_max=30,
        bins=704,
        aisles=22,
        s_shape_mean_m=198.8,
        s_shape_median_m=201.0,
        order_line_mean_m=559.6,
        order_line_median_m=574.0,
        sequence_mean_m=199.3,
        saving_of_total=0.645,
        saving_median=0.643,
        saving_min=0.284,
        saving_max=0.756,
        s_shape_vs_sequence=0.997,
    )
    return {"machine": MACHINE, "figures": asdict(figures), "ok": True}


def _results() -> dict[str, dict]:
    return {
        "inbound": {
            "machine": MACHINE,
            "runs": [_inbound_run(100, 0.31, 20), _inbound_run(1000, 1.87, 20)],
            "ok": True,
        },
        "outbound": {
            "machine": MACHINE,
            "runs": [_outbound_run(1000, 0.15, 0.16), _outbound_run(10000, 1.33, 1.50)],
            "one_order_at_a_time": {},
            "ok": True,
        },
        "picks": {
            "machine": MACHINE,
            "pgbench_mode": "simple",
            "runs": [_picks_run(4, 450.0, 1000.0), _picks_run(8, 330.0, 1000.0)],
            "ok": True,
        },
        "replenishment": _replenishment(),
        "routes": _routes(),
        "simulation": _simulation(),
        "dashboard": _dashboard(),
        "worker_memory": _worker_memory(),
        "statements": _statements(),
        "http": _http(),
    }


def _http_load(name: str, rate: float, p99_ms: float, **counts: int) -> dict:
    return asdict(
        http_load.Load(
            name=name,
            seconds=20.0,
            requests=int(rate * 20),
            rate=rate,
            p50_ms=p99_ms / 4,
            p90_ms=p99_ms / 2,
            p99_ms=p99_ms,
            max_ms=p99_ms * 1.5,
            mean_ms=p99_ms / 3,
            refused=counts.get("refused", 0),
            socket_errors=counts.get("socket_errors", 0),
            ran_out=0,
            first_error="",
            new_connections=counts.get("new_connections", 0),
            workers_booted=counts.get("workers_booted", 0),
        )
    )


def _http(api_rate: float = 300.0, api_p99: float = 90.0, **api_counts: int) -> dict:
    return {
        "machine": MACHINE,
        "server": {"workers": 3, "threads": 4, "connections_held": 12},
        "connections": 16,
        "minimal": _http_load("minimal view", 400.0, 60.0),
        "api": _http_load("task complete (API)", api_rate, api_p99, **api_counts),
        "ok": True,
    }


def _statements(pick_at_10: int = 22) -> dict:
    def request(name: str, size: int, count: int) -> dict:
        return asdict(statements.Request(name=name, size=size, statements=count, status=200))

    return {
        "machine": MACHINE,
        "sizes": [1, 10],
        "target": statements.STOCK_LIST_TARGET,
        "requests": [
            request("stock levels page (/purchasing/), 50 rows", 0, 3),
            request("stock by bin page (/supervisor/), 50 rows", 0, 5),
            request("pick confirmation (API)", 1, 22),
            request("pick confirmation (API)", 10, pick_at_10),
        ],
        "ok": True,
    }


def _row(rows: list[Row], benchmark: str, workload_start: str) -> Row:
    found = [r for r in rows if r.benchmark == benchmark and r.workload.startswith(workload_start)]
    assert len(found) == 1, [r.workload for r in rows if r.benchmark == benchmark]
    return found[0]


def test_every_benchmark_gets_rows_in_the_order_they_ran():
    rows = summary_rows(_results())

    seen = list(dict.fromkeys(r.benchmark for r in rows))
    assert seen == [
        "inbound",
        "outbound",
        "picks",
        "replenishment",
        "routes",
        "simulation",
        "dashboard",
        "worker_memory",
        "statements",
        "http",
    ]
    assert set(seen) == set(BENCHMARKS)
    reordered = summary_rows({"dashboard": _dashboard(), "routes": _routes()})
    assert list(dict.fromkeys(r.benchmark for r in reordered)) == ["dashboard", "routes"]


def test_picks_are_compared_with_pgbench_of_the_same_run():
    rows = summary_rows(_results())

    four = _row(rows, "picks", "pick confirmations, 4 clients")
    assert four.figure == "450.0 picks/s"
    assert four.yardstick == "pgbench TPC-B 1000 tps (-M simple)"
    assert four.ratio == pytest.approx(0.45)
    assert (four.goal, four.verdict) == (">= 0.50", "MISSES")


def test_times_are_compared_with_the_issues_targets():
    rows = summary_rows(_results())

    inbound_large = _row(rows, "inbound", "receive + plan putaway, 1,000 lines")
    assert inbound_large.yardstick == "target 2 s (issue 3)"
    assert inbound_large.ratio == pytest.approx(0.935)
    assert inbound_large.verdict == "meets"
    allocate = _row(rows, "outbound", "allocate 10,000 lines")
    assert (allocate.figure, allocate.ratio) == ("1.330 s", pytest.approx(0.665))
    review = _row(rows, "replenishment", "review, cold")
    assert review.yardstick == "target 2 s (issue 5)"
    assert review.workload.endswith("100,000 pairs")
    poll = _row(rows, "dashboard", "poll (tiles fragment)")
    assert (poll.yardstick, poll.verdict) == ("target 150 ms (issue 6)", "meets")
    slow_map = _row(rows, "dashboard", "map, picks")
    assert slow_map.ratio == pytest.approx(190 / 150)
    assert slow_map.verdict == "MISSES"


def test_http_is_compared_with_the_minimal_view_of_the_same_run():
    rows = summary_rows(_results())

    rate = _row(rows, "http", "task complete (API), 16 connections")
    assert (rate.figure, rate.yardstick) == ("300.0 req/s", "minimal view 400.0 req/s")
    assert (rate.ratio, rate.goal, rate.verdict) == (pytest.approx(0.75), ">= 0.60", "meets")
    p99 = _row(rows, "http", "task complete (API), p99")
    assert (p99.figure, p99.yardstick) == ("90.0 ms", "minimal view p99 60.0 ms")
    assert (p99.ratio, p99.goal, p99.verdict) == (pytest.approx(1.5), "<= 2.00", "meets")
    assert _row(rows, "http", "errors").workload == "errors (non-2xx, socket), 14,000 requests"
    assert _row(rows, "http", "errors").verdict == "meets"
    assert _row(rows, "http", "database connections").verdict == "meets"


def test_http_misses_on_one_error_or_a_connection_no_recycled_worker_explains():
    slow = summary_rows({"http": _http(api_rate=200.0, api_p99=150.0, refused=1)})
    assert [r.verdict for r in slow] == ["MISSES", "MISSES", "MISSES", "meets"]
    assert _row(slow, "http", "errors").figure == "1 error"

    recycled = summary_rows({"http": _http(new_connections=4, workers_booted=1)})
    connections = _row(recycled, "http", "database connections")
    assert connections.workload.endswith("1 workers recycled")
    assert (connections.figure, connections.verdict) == ("4 opened", "meets")
    leaking = summary_rows({"http": _http(new_connections=5, workers_booted=1)})
    assert _row(leaking, "http", "database connections").ratio == 1.0
    assert _row(leaking, "http", "database connections").verdict == "MISSES"


def test_a_figure_without_a_target_has_no_ratio_and_no_verdict():
    rows = summary_rows(_results())

    forecast = _row(rows, "replenishment", "forecast, all pairs")
    assert forecast.yardstick == "none (runs nightly)"
    assert (forecast.ratio, forecast.goal, forecast.verdict) == (None, "", "")
    level_write = _row(rows, "replenishment", "stock level write")
    assert level_write.ratio == pytest.approx(2.97 / 2.80)
    assert level_write.verdict == ""  # a comparison, not a goal


def test_routes_and_simulation_are_compared_with_what_the_same_run_measured():
    rows = summary_rows(_results())

    route = _row(rows, "routes", "S-shape route")
    assert route.yardstick == "order-line order 559.6 m"
    assert route.ratio == pytest.approx(0.355)
    fill = _row(rows, "simulation", "fill rate, forecast policy, 365 days")
    assert fill.yardstick == "min/max 0.9790 (same demand)"
    assert fill.ratio == pytest.approx(0.9816 / 0.9790)
    class_c = _row(rows, "simulation", "fill rate, forecast policy, class C")
    assert class_c.yardstick == "target 0.90 (issue 5)"
    assert class_c.verdict == "meets"
    run_time = _row(rows, "simulation", "run time")
    assert run_time.ratio == pytest.approx(90.6 / 90)
    assert run_time.verdict == "MISSES"  # 1.007 prints as 1.01


def test_query_counts_are_rows_too_and_a_growing_count_misses():
    results = _results()
    results["inbound"]["runs"][1]["plan_queries"] = 30  # 40 -> 50: grows with the lines
    results["dashboard"] = _dashboard(selector_queries=12)

    rows = summary_rows(results)

    inbound_queries = _row(rows, "inbound", "queries, 1,000 lines")
    assert inbound_queries.yardstick == "40 at 100 lines (flat)"
    assert (inbound_queries.figure, inbound_queries.verdict) == ("50 queries", "MISSES")
    assert _row(rows, "dashboard", "queries of dashboard_get").verdict == "MISSES"
    assert _row(rows, "outbound", "queries").figure == "52 queries"
    assert _row(rows, "replenishment", "queries").figure == "3 queries"


@pytest.mark.parametrize(
    ("ratio", "goal", "verdict"),
    [
        (0.999, "<= 1.00", "meets"),  # printed 1.00
        (1.006, "<= 1.00", "MISSES"),  # printed 1.01
        (0.496, ">= 0.50", "meets"),
        (0.494, ">= 0.50", "MISSES"),
        (1.0, "== 1.00", "meets"),
        (1.09, "== 1.00", "MISSES"),
        (None, "<= 1.00", ""),
    ],
)
def test_the_verdict_judges_the_ratio_as_printed(ratio, goal, verdict):
    assert Row("b", "w", "f", "y", ratio, goal).verdict == verdict


def test_the_table_has_one_header_and_a_line_per_row_aligned():
    rows = summary_rows(_results())

    text = format_table(rows, profile="small")

    lines = text.strip().splitlines()
    assert lines[0].startswith("summary (profile small)")
    header, rule, body, footer = lines[1], lines[2], lines[3:-1], lines[-1]
    assert header.split()[:6] == ["benchmark", "workload", "figure", "yardstick", "ratio", "goal"]
    assert set(rule) == {"-"}
    assert len(body) == len(rows)
    ratio_end = header.index("ratio") + len("ratio")
    for line, row in zip(body, rows, strict=True):
        assert line.startswith(row.benchmark)
        assert row.workload in line
        assert row.figure in line
        assert row.yardstick in line
        if row.ratio is not None:  # right-aligned under its header
            assert line[:ratio_end].endswith(f"{row.ratio:.2f}")
    missed = sum(r.verdict == "MISSES" for r in rows)
    assert missed == 4  # picks x2, the map by picks, the simulation's run time
    assert footer.startswith(f"{len(rows)} figures, {missed} missing their goal")


def test_benchmarks_that_failed_their_own_checks_are_named_under_the_table():
    text = format_table(summary_rows(_results()), profile="large", failed=["simulation"])

    assert text.splitlines()[-1] == ("failed their own checks (see their tables above): simulation")


def test_the_summary_json_holds_every_row_with_its_verdict(tmp_path):
    rows = summary_rows(_results())
    path = tmp_path / "out" / "summary.json"

    write(path, summary_payload(rows, profile="large", machine=MACHINE, failed=["picks"]))

    payload = json.loads(path.read_text())
    assert payload["profile"] == "large"
    assert payload["failed"] == ["picks"]
    assert payload["machine"] == MACHINE
    assert len(payload["rows"]) == len(rows)
    assert payload["rows"][0] == {
        "benchmark": "inbound",
        "workload": "receive + plan putaway, 100 lines",
        "figure": "0.310 s",
        "yardstick": "target 2 s (issue 3)",
        "ratio": pytest.approx(0.155),
        "goal": "<= 1.00",
        "verdict": "meets",
    }


def test_an_unknown_benchmark_is_a_clear_error():
    with pytest.raises(ValueError, match="no summary for benchmark 'warp'; known: inbound"):
        summary_rows({"warp": {"ok": True}})


def test_a_result_missing_a_figure_is_a_clear_error_naming_the_benchmark():
    results = _results()
    del results["routes"]["figures"]["saving_of_total"]

    with pytest.raises(ValueError, match="the routes benchmark's result lacks a figure"):
        summary_rows(results)


def test_a_workers_peak_memory_is_judged_against_300_mb_and_each_job_shown():
    rows = summary_rows({"worker_memory": _worker_memory(240.0)})

    headline = _row(rows, "worker_memory", "peak RSS of a worker process (child)")
    assert headline.workload.endswith("20,000 bins, 2,000,000 moves")
    assert (headline.figure, headline.yardstick) == ("240 MB", "target 300 MB (issue 7)")
    assert (headline.ratio, headline.verdict) == (pytest.approx(0.8), "meets")
    job = _row(rows, "worker_memory", "peak RSS during nightly invariant check")
    assert (job.figure, job.goal, job.verdict) == ("130 MB", "", "")  # shown, not judged
    assert len(rows) == 3

    over = _row(
        summary_rows({"worker_memory": _worker_memory(320.0)}), "worker_memory", "peak RSS of"
    )
    assert over.verdict == "MISSES"


def test_a_worker_memory_result_without_its_jobs_is_a_clear_error():
    broken = _worker_memory()
    del broken["jobs"]

    with pytest.raises(ValueError, match="the worker_memory benchmark's result lacks a figure"):
        summary_rows({"worker_memory": broken})


# --- --profile ------------------------------------------------------------------------------------


def test_small_profile_sets_every_benchmarks_sizes_and_large_keeps_the_defaults():
    parser, _ = build_parser()
    dests = {action.dest for action in parser._actions}
    assert set(SMALL) <= dests  # a typo would set an attribute no benchmark reads

    small, large = parse(build_parser()[0], ["--profile", "small"]), parse(build_parser()[0], [])

    assert large.profile == "large"
    for name, value in SMALL.items():
        assert getattr(small, name) == value
        assert getattr(large, name) != value, name  # small really is smaller
    assert large.lines == [100, 1000]
    assert large.dash_moves == 2_000_000


def test_an_option_given_on_the_command_line_wins_over_the_profile():
    args = parse(build_parser()[0], ["routes", "--profile", "small", "--batches", "40"])

    assert args.names == ["routes"]
    assert args.batches == 40
    assert args.sim_days == SMALL["sim_days"]


def test_an_unknown_profile_is_refused_naming_the_choices(capsys):
    with pytest.raises(SystemExit) as exit_:
        parse(build_parser()[0], ["--profile", "medium"])

    assert exit_.value.code == 2
    assert "invalid choice: 'medium' (choose from 'small', 'large')" in capsys.readouterr().err


def test_inbound_cprofile_flag_is_inbound_profile_now():
    args = parse(build_parser()[0], ["inbound", "--inbound-profile"])

    assert args.inbound_profile is True
    assert args.profile == "large"


def test_statements_judge_the_lists_against_5_and_the_writes_flat():
    rows = summary_rows({"statements": _statements()})

    assert [(r.workload, r.figure, r.yardstick, r.verdict) for r in rows] == [
        (
            "stock levels page (/purchasing/), 50 rows",
            "3 statements",
            "target 5 (issue 7)",
            "meets",
        ),
        (
            "stock by bin page (/supervisor/), 50 rows",
            "5 statements",
            "target 5 (issue 7)",
            "meets",
        ),
        ("pick confirmation (API), world of 10", "22 statements", "22 at 1 (flat)", "meets"),
    ]
    grown = summary_rows({"statements": _statements(pick_at_10=23)})
    assert _row(grown, "statements", "pick confirmation").verdict == "MISSES"
