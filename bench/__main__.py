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
}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Run benchmarks against a throwaway database (wms_bench) on the server "
        "DATABASE_URL names; `make bench` starts the embedded services first.",
    )
    parser.add_argument(
        "names", nargs="*", metavar="NAME", help=f"one of: {', '.join(BENCHMARKS)} (default: all)"
    )
    parser.add_argument(
        "--keep-db", action="store_true", help="leave the wms_bench database for inspection"
    )
    modules = {name: importlib.import_module(path) for name, path in BENCHMARKS.items()}
    for module in modules.values():
        module.add_arguments(parser)
    args = parser.parse_args(argv)
    unknown = [name for name in args.names if name not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")

    from bench.database import bench_database

    failed = []
    with bench_database(keep=args.keep_db):
        for name in args.names or list(BENCHMARKS):
            if not modules[name].run(args).get("ok", True):
                failed.append(name)
    if failed:  # times vary with the machine; a regression in queries per line does not
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
