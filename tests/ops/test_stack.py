"""`python -m wms.stack`, what `make run` serves: web + Celery worker + beat, supervised."""

import contextlib
import signal
import socket
import sys
import urllib.request
from collections.abc import Iterator

import psutil

from tests.ops.helpers import free_port, processes_of, run, start_stack, wait_for_line

READY = "WMS is ready at http://127.0.0.1:"


@contextlib.contextmanager
def socket_listening() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def get(env: dict[str, str], path: str) -> int:
    with urllib.request.urlopen(f"http://127.0.0.1:{env['PORT']}{path}", timeout=10) as response:
        return response.status


def test_stack_serves_and_sigterm_stops_every_process(stack_env, tmp_path):
    log = tmp_path / "stack.log"
    stack = start_stack(stack_env, log)
    try:
        wait_for_line(stack, log, READY)
        assert get(stack_env, "/healthz") == 200
        assert get(stack_env, "/accounts/login/") == 200
        assert "(no demo data loaded)" in log.read_text()  # WMS_SEED_DEMO=false was honoured
        tree = psutil.Process(stack.pid).children(recursive=True)
        names = " ".join(" ".join(p.cmdline()) for p in tree)
        assert "gunicorn" in names
        assert " worker " in names
        assert " beat " in names

        # A second stack on the same data folder would run a second beat: refused.
        second = run([sys.executable, "-m", "wms.stack"], {**stack_env, "PORT": str(free_port())})
        assert second.returncode == 2
        assert f"already serves WMS_DATA_DIR={stack_env['WMS_DATA_DIR']}" in second.stderr

        stack.send_signal(signal.SIGTERM)
        assert stack.wait(30) == 0
    finally:
        if stack.poll() is None:
            stack.kill()
    assert psutil.wait_procs(tree, timeout=5)[1] == []
    assert processes_of(stack_env, stack.pid) == []
    assert "[wms.stack] stopped" in log.read_text()


def test_a_server_that_dies_stops_the_others_and_fails_the_stack(stack_env, tmp_path):
    log = tmp_path / "stack.log"
    stack = start_stack(stack_env, log)
    try:
        wait_for_line(stack, log, READY)
        tree = psutil.Process(stack.pid).children(recursive=True)
        beat = next(p for p in psutil.Process(stack.pid).children() if "beat" in p.cmdline())
        beat.kill()
        assert stack.wait(30) == 1
    finally:
        if stack.poll() is None:
            stack.kill()
    assert "Celery beat exited unexpectedly" in log.read_text()
    assert psutil.wait_procs(tree, timeout=5)[1] == []
    assert processes_of(stack_env, stack.pid) == []


def test_bad_settings_are_refused_before_anything_starts(stack_env):
    cases = {
        "PORT": ("eighty", "PORT must be a whole number from 1 to 65535, not 'eighty'."),
        "WMS_SEED_DEMO": ("maybe", "WMS_SEED_DEMO must be true or false, not 'maybe'."),
        "CELERY_CONCURRENCY": ("0", "CELERY_CONCURRENCY must be a whole number from 1 to 64"),
    }
    for name, (value, message) in cases.items():
        result = run([sys.executable, "-m", "wms.stack"], {**stack_env, name: value})
        assert result.returncode == 2, result.stderr
        assert message in result.stderr


def test_a_port_in_use_is_named_and_nothing_is_started(stack_env):
    with socket_listening() as port:
        result = run([sys.executable, "-m", "wms.stack"], {**stack_env, "PORT": str(port)})
    assert result.returncode == 2
    assert f"port {port} on 127.0.0.1 is in use" in result.stderr
    assert f"PORT={port + 1} make run" in result.stderr
