"""The whole product as one foreground process: what `make run` serves.

    python -m wms.stack               # prepare, then serve web + Celery worker + beat
    python -m wms.stack healthcheck   # exit 0 when /healthz of a local server answers 200

Needs DATABASE_URL and REDIS_URL (wms.embedded sets them for `make run`). Before serving it
migrates, collects static files and, the first time only, loads the demo data (skip it with
WMS_SEED_DEMO=false; the production profile skips it unless asked). Then it starts gunicorn on
127.0.0.1:$PORT (default 8000), a Celery worker and Celery beat, prints the URL once /healthz
answers 200, and watches them: Ctrl-C or SIGTERM stops all three gracefully (exit 0); if one
dies on its own the others are stopped and the exit code is 1, naming the one that died.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import IO

BASE_DIR = Path(__file__).resolve().parent.parent
DEMO_USERS = "supervisor, floor1, floor2, purchaser, admin"
STOP_TIMEOUT = 25.0  # longer than gunicorn's graceful_timeout, so it can finish its requests
FORCE_AFTER = 2.0  # a second Ctrl-C this much later kills at once (an echo is not a second one)
SLOW_START_WARNING = 90.0
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


class StackError(Exception):
    """A reason not to start, said plainly; exit_code 2 means bad input."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class Stopped(Exception):
    """Ctrl-C or SIGTERM arrived before the servers were started."""


def _log(message: str) -> None:
    print(f"[wms.stack] {message}", file=sys.stderr, flush=True)


# --- configuration ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Config:
    port: int
    data_dir: Path
    seed_demo: bool
    worker_concurrency: int


def read_config(environ: dict[str, str]) -> Config:
    production = environ.get("WMS_ENV", "development") == "production"
    return Config(
        port=_int_in(environ, "PORT", 8000, 1, 65535),
        data_dir=Path(environ.get("WMS_DATA_DIR") or BASE_DIR / ".data").resolve(),
        # Never put demo users with a known password into a production database by accident.
        seed_demo=_bool(environ, "WMS_SEED_DEMO", default=not production),
        worker_concurrency=_int_in(environ, "CELERY_CONCURRENCY", 2, 1, 64),
    )


def _int_in(environ: dict[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise StackError(f"{name} must be a whole number from {low} to {high}, not {raw!r}.", 2)
    return int(raw)


def _bool(environ: dict[str, str], name: str, *, default: bool) -> bool:
    raw = environ.get(name, "").strip().lower()
    if not raw:
        return default
    if raw not in _TRUE | _FALSE:
        raise StackError(f"{name} must be true or false, not {environ[name]!r}.", 2)
    return raw in _TRUE


def ensure_port_free(port: int) -> None:
    with socket.socket() as sock:
        # Same option gunicorn sets, so a port in TIME_WAIT from the last run counts as free.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError as exc:
            raise StackError(
                f"port {port} on 127.0.0.1 is in use ({exc.strerror}); stop what uses it or "
                f"choose another one, e.g. PORT={port + 1} make run",
                2,
            ) from exc


def hold_data_dir(data_dir: Path) -> IO[str]:
    """One stack per data folder: two would run two beats (every periodic job twice)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    handle = open(data_dir / "stack.lock", "a+")  # noqa: SIM115 - held until the process ends
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        owner = handle.read().strip() or "?"
        handle.close()
        raise StackError(
            f"another wms.stack (pid {owner}) already serves WMS_DATA_DIR={data_dir}; stop it "
            "first, or give this one its own WMS_DATA_DIR",
            2,
        ) from None
    handle.truncate(0)
    handle.write(str(os.getpid()))
    handle.flush()
    return handle


# --- preparation: migrate, static files, demo data (in this process: one Django start) ------


def prepare(config: Config) -> str:
    """Bring the database and static files up to date; return the demo data's state."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wms.settings")
    from django.core.exceptions import ImproperlyConfigured

    try:
        import django

        django.setup()
    except ImproperlyConfigured as exc:
        raise StackError(f"the configuration is incomplete: {exc}") from exc
    from django.core.management import call_command
    from django.core.management.base import CommandError
    from django.db import DatabaseError, connections

    try:
        _migrate(call_command)
        call_command("collectstatic", interactive=False, verbosity=0)
        demo = _seed_demo(call_command, config.data_dir) if config.seed_demo else "disabled"
    except DatabaseError as exc:
        raise StackError(f"PostgreSQL (DATABASE_URL) failed: {exc}".strip()) from exc
    except CommandError as exc:
        raise StackError(str(exc)) from exc
    finally:
        connections.close_all()  # the children open their own
    return demo


def _migrate(call_command) -> None:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        _log(f"applying {len(plan)} database migrations")
        call_command("migrate", interactive=False, verbosity=0)


def _seed_demo(call_command, data_dir: Path) -> str:
    """Load the demo once per database.

    Seeded means both: the marker that is written only after seed_demo finished (users come
    first, so an interrupted seed leaves the supervisor without the rest), and the demo's
    supervisor in this database (it was reset, or DATABASE_URL points elsewhere).
    seed_demo is idempotent, so running it again after an interruption completes it.
    """
    from django.contrib.auth import get_user_model
    from django.core.management import get_commands

    marker = data_dir / "demo-seeded"
    if marker.exists() and get_user_model().objects.filter(username="supervisor").exists():
        return "seeded"
    if "seed_demo" not in get_commands():
        _log("warning: the seed_demo command is missing; starting without demo data")
        return "missing"
    _log("loading the demo data (first run only)")
    call_command("seed_demo")
    marker.write_text("seed_demo finished; delete this file to run it again on the next start\n")
    return "seeded"


# --- the three servers -------------------------------------------------------------------------


def server_commands(config: Config) -> dict[str, list[str]]:
    python = sys.executable
    web = [python, "-m", "gunicorn", "-c", "python:wms.gunicorn_conf", "wms.wsgi:application"]
    web += ["--bind", f"127.0.0.1:{config.port}"]
    worker = [python, "-m", "celery", "-A", "wms", "worker", "--loglevel", "INFO"]
    worker += ["--concurrency", str(config.worker_concurrency), "-n", f"wms-{os.getpid()}@%h"]
    worker += ["--without-mingle", "--without-gossip"]  # one worker: nobody to sync with
    beat = [python, "-m", "celery", "-A", "wms", "beat", "--loglevel", "INFO"]
    beat += ["--schedule", str(config.data_dir / "celerybeat-schedule")]
    return {"web server (gunicorn)": web, "Celery worker": worker, "Celery beat": beat}


def _die_with_parent() -> None:
    """In a child before exec: get SIGTERM if the stack itself is killed, so none is orphaned."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def start_servers(config: Config) -> dict[str, subprocess.Popen[bytes]]:
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    servers: dict[str, subprocess.Popen[bytes]] = {}
    for name, argv in server_commands(config).items():
        # Each server leads its own process group: Ctrl-C in the terminal reaches only this
        # supervisor, which then stops them in order, and a final kill of the group takes
        # gunicorn's and Celery's own children with it.
        servers[name] = subprocess.Popen(
            argv, cwd=BASE_DIR, env=env, start_new_session=True, preexec_fn=_die_with_parent
        )
    return servers


class StopSignals:
    """SIGINT/SIGTERM/SIGHUP: raise Stopped while preparing, then just record the request."""

    def __init__(self) -> None:
        self.first_at: float | None = None
        self.force = False
        self.raising = True
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, self._handle)

    def _handle(self, signum: int, _frame: object) -> None:
        now = time.monotonic()
        if self.first_at is None:
            self.first_at = now
            if self.raising:
                raise Stopped
        elif now - self.first_at > FORCE_AFTER:
            self.force = True

    @property
    def requested(self) -> bool:
        return self.first_at is not None


def stop_servers(servers: dict[str, subprocess.Popen[bytes]], signals: StopSignals) -> None:
    for proc in servers.values():
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                proc.terminate()
    deadline = time.monotonic() + STOP_TIMEOUT
    while any(proc.poll() is None for proc in servers.values()):
        if signals.force or time.monotonic() > deadline:
            for name, proc in servers.items():
                if proc.poll() is None:
                    _log(f"{name} did not stop in time; killing it")
            break
        time.sleep(0.1)
    for proc in servers.values():
        # Whatever is still in a server's group (a hung worker, a pool child) goes now.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def supervise(config: Config, demo: str, signals: StopSignals) -> int:
    servers = start_servers(config)
    started = time.monotonic()
    ready = warned = False
    while not signals.requested:
        for name, proc in servers.items():
            code = proc.poll()
            if code is not None:
                how = f"killed by {signal.Signals(-code).name}" if code < 0 else f"exit code {code}"
                _log(f"{name} exited unexpectedly ({how}); stopping the others")
                stop_servers(servers, signals)
                return 1
        if not ready and probe(config.port)[0] == 200:
            print(ready_line(config, demo), flush=True)
            ready = True
        elif not ready and not warned and time.monotonic() - started > SLOW_START_WARNING:
            status, body = probe(config.port)
            _log(f"still not healthy after {SLOW_START_WARNING:.0f} s: /healthz {status} {body}")
            warned = True
        time.sleep(0.2)
    _log("stopping web server, worker and beat")
    stop_servers(servers, signals)
    _log("stopped")
    return 0


def ready_line(config: Config, demo: str) -> str:
    url = f"http://127.0.0.1:{config.port}/"
    if demo != "seeded":
        return f"WMS is ready at {url} (no demo data loaded). Ctrl-C stops it."
    password = "from WMS_DEMO_PASSWORD" if os.environ.get("WMS_DEMO_PASSWORD") else "demo"
    return f"WMS is ready at {url} - log in as {DEMO_USERS} (password {password}). Ctrl-C stops it."


# --- health probe (also the container's HEALTHCHECK) ------------------------------------------


def probe(port: int, timeout: float = 2.0) -> tuple[int, str]:
    """GET /healthz on 127.0.0.1:port; (status, body), status 0 when nothing answers."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/healthz", headers={"Host": _allowed_host()}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read(500).decode(errors="replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(500).decode(errors="replace")
    except (OSError, ValueError) as exc:
        return 0, str(exc)


def _allowed_host() -> str:
    """A Host header Django accepts: the first ALLOWED_HOSTS entry (production) or loopback."""
    hosts = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "").split(",") if h.strip()]
    if not hosts or hosts[0] == "*":
        return "127.0.0.1"
    return hosts[0].lstrip(".")


def healthcheck() -> int:
    status, body = probe(int(os.environ.get("PORT") or 8000), timeout=4.0)
    print(f"/healthz {status} {body}")
    return 0 if status == 200 else 1


# --- entry point --------------------------------------------------------------------------------


def main(argv: list[str]) -> int:
    if argv[:1] == ["healthcheck"]:
        return healthcheck()
    if argv:
        print("usage: python -m wms.stack [healthcheck]", file=sys.stderr)
        return 2
    _die_with_parent()  # wms.embedded (or make) killed outright: still stop the servers
    signals = StopSignals()
    try:
        config = read_config(dict(os.environ))
        ensure_port_free(config.port)
        lock = hold_data_dir(config.data_dir)
        demo = prepare(config)
        signals.raising = False  # from here on a stop request is handled by supervise()
        code = supervise(config, demo, signals)
    except StackError as exc:
        _log(f"cannot start: {exc}")
        return exc.exit_code
    except Stopped:
        _log("stopped before the servers started")
        return 0
    lock.close()
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
