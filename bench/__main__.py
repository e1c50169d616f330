"""`python -m bench [NAME ...] [options]`: run the named benchmarks, or all of them."""

import argparse
import importlib
import sys

# name -> module with ``add_arguments(parser)`` and ``run(args) -> dict`` (with "ok": False
# when the benchmark found a regression)
BENCHMARKS = {
    "inbound": "bench.inbound",
    "outbound": "bench.outbound",
    "picks": "bench.picks",
    "replenishment": "bench.replenishment",
    "routes": "bench.routes",
    "simulation": "bench.simulation",
    "dashboard": "bench.dashboard",  # supervisor dashboard and map (issue 6)
    "statements": "bench.statements",  # SQL statements per request (issue 7)
    "worker_memory": "bench.worker_memory",  # a Celery worker's memory (issue 7)
    "http": "bench.http",  # task completion over HTTP against a minimal view (issue 7)
}

# --profile small: tiny sizes for every benchmark, so CI runs them all in a few minutes on 2
# cores; it proves each still runs and its queries stay flat, not how fast the site is. Options
# given on the command line still win. --profile large is every option's own default.
SMALL = {
    "lines": [100, 200],  # below 100 lines some receipts lack a lot, and one query less
    "bins": 400,
    "products": 200,
    "repeat": 1,
    "order_lines": [100, 500],
    "skus": 200,
    "outbound_repeat": 1,
    "clients": [2],
    "seconds": 3,
    "picks_per_client": 2000,
    "batches": 10,
    "repl_products": 2000,
    "repl_repeat": 1,
    "sim_days": 60,
    "sim_products": 20,
    "dash_bins": 1_000,
    "dash_products": 2_500,
    "dash_moves": 20_000,
    "dash_quants": 5_000,
    "dash_open_tasks": 200,
    "dash_done_tasks": 5_000,
    "dash_repeat": 5,
    "wm_order_lines": 1_000,
    "wm_receipt_lines": 100,
    "http_seconds": 3,
}
PROFILES = ("small", "large")


def build_parser() -> tuple[argparse.ArgumentParser, dict]:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Run benchmarks against a throwaway database (wms_bench) on the server "
        "DATABASE_URL names; `make bench` starts the embedded services first.",
    )
    parser.add_argument(
        "names", nargs="*", metavar="NAME", help=f"one of: {', '.join(BENCHMARKS)} (default: all)"
    )
    parser.add_argument(
        "--keep-db",
        action="store_true",
        help="leave the wms_bench database (of the last benchmark run) for inspection",
    )
    parser.add_argument(
        "--profile",
        choices=PROFILES,
        default="large",
        help="sizes: small (tiny, for CI: a few minutes) or large (every option's default)",
    )
    modules = {name: importlib.import_module(path) for name, path in BENCHMARKS.items()}
    for module in modules.values():
        module.add_arguments(parser)
    return parser, modules


def parse(parser: argparse.ArgumentParser, argv: list[str]) -> argparse.Namespace:
    args = parser.parse_args(argv)
    if args.profile == "small":
        parser.set_defaults(**SMALL)  # defaults only: what the command line gave stays
        args = parser.parse_args(argv)
    unknown = [name for name in args.names if name not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
    return args


def main(argv: list[str]) -> int:
    parser, modules = build_parser()
    args = parse(parser, argv)

    from bench import summary
    from bench.database import OUT_DIR, bench_database

    failed = []
    results = {}
    names = args.names or list(BENCHMARKS)
    for name in names:
        # A fresh database each, as when run alone: one benchmark's data must not enter another's
        # figures or checks (replenishment moves every stock level without a ledger row, which
        # the simulation's drift check and the levels' constraints would then trip over).
        with bench_database(keep=args.keep_db and name == names[-1]):
            results[name] = modules[name].run(args)
        if not results[name].get("ok", True):
            failed.append(name)
    rows = summary.summary_rows(results)
    print(summary.format_table(rows, profile=args.profile, failed=failed))
    machine = next(iter(results.values())).get("machine") if results else None
    summary.write(
        OUT_DIR / "summary.json",
        summary.summary_payload(rows, profile=args.profile, machine=machine, failed=failed),
    )
    if failed:  # times vary with the machine; a regression in queries per line does not
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
