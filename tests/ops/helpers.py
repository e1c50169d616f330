"""Helpers for running the product as processes: `python -m wms.stack` and manage.py."""

import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from django.conf import settings

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def session_database_url() -> str:
    """The URL of pytest-django's test database (migrated, so the stack's migrate is a no-op)."""
    db = settings.DATABASES["default"]
    host = str(db["HOST"]).replace("/", "%2F")
    port = f":{db['PORT']}" if db.get("PORT") else ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgresql://{db['USER']}{password}@{host}{port}/{db['NAME']}"


def start_stack(env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("w") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "wms.stack"],
            cwd=BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def wait_for_line(proc: subprocess.Popen, log: Path, text: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while text not in log.read_text():
        if proc.poll() is not None:
            pytest.fail(f"the stack exited ({proc.returncode}) before {text!r}:\n{log.read_text()}")
        if time.monotonic() > deadline:
            pytest.fail(f"no {text!r} after {timeout} s:\n{log.read_text()}")
        time.sleep(0.1)


def processes_of(env: dict[str, str], stack_pid: int) -> list[psutil.Process]:
    """Every process that belongs to one stack, found by what only it has in its command line
    (its port, its data folder, its worker's name), so a process that escaped the tree counts."""
    marks = (f"127.0.0.1:{env['PORT']}", env["WMS_DATA_DIR"], f"wms-{stack_pid}@")
    found = []
    for proc in psutil.process_iter(["cmdline", "status"]):
        cmdline = " ".join(proc.info["cmdline"] or [])
        if proc.info["status"] != psutil.STATUS_ZOMBIE and any(m in cmdline for m in marks):
            found.append(proc)
    return found


def run(argv: list[str], env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        argv, cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=timeout
    )
