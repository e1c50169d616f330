"""A throwaway database and broker for benchmarks, on the servers the environment names.

``DATABASE_URL`` and ``REDIS_URL`` (set by `make bench` through the embedded services, or by
you) name the servers. The benchmark drops and creates the database ``wms_bench`` there,
migrates it, and uses Redis database 15, so neither the development data nor a running
`make run` worker (which would consume our tasks against the wrong database) is disturbed.
"""

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
OUT_DIR = BASE_DIR / "bench" / "out"
DATABASE_NAME = os.environ.get("WMS_BENCH_DATABASE", "wms_bench")
REDIS_DB = os.environ.get("WMS_BENCH_REDIS_DB", "15")


def _with_path(url: str, path: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{path}"))


def _required(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        sys.exit(
            f"{name} is not set: run `make bench` (it starts the embedded PostgreSQL and Redis), "
            f"or point {name} at a server."
        )
    return value


@contextlib.contextmanager
def bench_database(*, keep: bool = False) -> Iterator[None]:
    """Create and migrate ``wms_bench``, point Django at it, and drop it afterwards."""
    import psycopg

    server_url = _required("DATABASE_URL")
    bench_url = _with_path(server_url, DATABASE_NAME)
    maintenance = _with_path(server_url, "postgres")
    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
    os.environ["DATABASE_URL"] = bench_url
    os.environ["REDIS_URL"] = _with_path(_required("REDIS_URL"), REDIS_DB)
    os.environ["DEBUG"] = "false"  # as in production: no query log kept in memory
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wms.settings")

    import django
    from django.core.management import call_command

    django.setup()
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"bench database {DATABASE_NAME} migrated in {time.perf_counter() - started:.1f} s")
    try:
        yield
    finally:
        from django.db import connections

        connections.close_all()
        if not keep:
            with psycopg.connect(maintenance, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE_NAME}" WITH (FORCE)')


class Worker:
    """A real `celery worker` process on the bench database and broker."""

    def __init__(self, name: str) -> None:
        self.name = f"{name}-{os.getpid()}@bench"
        OUT_DIR.mkdir(parents=True, exist_ok=True)
        self.log_path = OUT_DIR / f"{name}-worker.log"
        self.process: subprocess.Popen[bytes] | None = None

    start_timeout_s = 60
    stop_timeout_s = 20

    def command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "wms",
            "worker",
            "--pool=solo",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=INFO",
            "-n",
            self.name,
        ]

    def start(self) -> int:
        """Start the worker and wait until it answers a ping; its process id."""
        from wms.celery import app

        app.control.purge()  # nothing left over from an earlier, interrupted run
        self._log = open(self.log_path, "w")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            self.command(),
            cwd=BASE_DIR,
            env=dict(os.environ),
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + self.start_timeout_s
        while not app.control.ping(destination=[self.name], timeout=0.5):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                sys.exit(f"the Celery worker did not start; see {self.log_path}")
        return self.process.pid

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()  # warm shutdown: a prefork pool's children end with it
            try:
                self.process.wait(self.stop_timeout_s)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        if getattr(self, "_log", None):
            self._log.close()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")
