"""The HTTP benchmark's parts that need no database: wrk's output, the request file, the Lua
script (driven by the real wrk against a small local server when wrk is installed)."""

import http.server
import json
import shutil
import subprocess
import threading

import pytest

from bench import http as http_load

# What wrk printed for a run of bench/http.py (task completion, 6 s), our script's line last.
WRK_OUTPUT = """\
Running 6s test @ http://127.0.0.1:42131
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   283.62ms  129.45ms 837.46ms   76.29%
    Req/Sec    30.59     16.54   100.00     68.57%
  Latency Distribution
     50%  262.87ms
     75%  342.78ms
     90%  441.11ms
     99%  742.87ms
  338 requests in 6.07s, 373.51KB read
Requests/sec:     55.72
Transfer/sec:     61.57KB
WRK_RESULT {"duration_us": 6066556, "requests": 338, "bytes": 382471, "socket_errors": \
{"connect": 0, "read": 2, "write": 0, "timeout": 1}, "status_errors": 0, "latency_us": \
{"mean": 283620.5, "p50": 262869, "p90": 441106, "p99": 742870, "max": 837464}, "threads": \
[{"sent": 180, "refused": 0, "ran_out": 0, "first_error": ""}, {"sent": 175, "refused": 3, \
"ran_out": 4, "first_error": "409 {'code': 'conflict'}"}]}
"""


def test_wrk_output_gives_rate_latency_and_every_kind_of_error():
    load = http_load.parse_wrk("task complete (API)", WRK_OUTPUT)

    assert load.name == "task complete (API)"
    assert load.requests == 338
    assert load.seconds == pytest.approx(6.066556)
    assert load.rate == pytest.approx(338 / 6.066556)  # wrk's own: 55.72
    assert (load.p50_ms, load.p90_ms, load.p99_ms) == pytest.approx((262.869, 441.106, 742.87))
    assert load.max_ms == pytest.approx(837.464)
    assert (load.refused, load.socket_errors, load.ran_out) == (3, 3, 4)
    assert load.errors == 6
    assert load.first_error == "409 {'code': 'conflict'}"
    assert (load.new_connections, load.workers_booted) == (0, 0)  # the run adds these


@pytest.mark.parametrize(
    ("output", "message"),
    [
        ("Running 6s test\n  338 requests in 6.07s\n", "has 0 result lines, expected one"),
        (WRK_OUTPUT + WRK_OUTPUT.splitlines()[-1], "has 2 result lines, expected one"),
        ("WRK_RESULT {not json", "not what our script writes"),
        ('WRK_RESULT {"duration_us": 1, "requests": 1}', "our script writes: 'latency_us'"),
    ],
)
def test_output_without_exactly_one_good_result_line_is_a_clear_error(output, message):
    with pytest.raises(http_load.WrkOutputError, match=message):
        http_load.parse_wrk("minimal view", output)


def test_the_request_file_has_a_line_per_request_and_refuses_tabs():
    text = http_load.request_lines(
        [
            ("/api/v1/tasks/7/complete/", "k1", {"location": "A-01", "product": "400"}),
            ("/bench/minimal/3/", "k2", {}),
        ]
    )

    assert text.splitlines() == [
        '/api/v1/tasks/7/complete/\tk1\t{"location":"A-01","product":"400"}',
        "/bench/minimal/3/\tk2\t{}",
    ]
    assert "\t" not in http_load.request_lines([("/x/", "k", {"scan": "A\t1"})]).split("\t")[2]
    with pytest.raises(ValueError, match="a request for /x/ has a tab or newline"):
        http_load.request_lines([("/x/", "k\t1", {})])


def test_task_requests_take_the_users_in_turn_each_with_their_own_token():
    plans = [
        {"user_id": 1, "scans": [(11, "A-1", "111"), (12, "A-2", "112"), (13, "A-3", "113")]},
        {"user_id": 2, "scans": [(21, "B-1", "221")]},
    ]

    requests = http_load.task_requests(plans, ["t1", "t2"])

    assert [(path, token) for path, token, _ in requests] == [
        ("/api/v1/tasks/11/complete/", "t1"),
        ("/api/v1/tasks/21/complete/", "t2"),
        ("/api/v1/tasks/12/complete/", "t1"),
        ("/api/v1/tasks/13/complete/", "t1"),
    ]
    assert requests[1][2] == {"location": "B-1", "product": "221"}


def test_a_missing_wrk_says_how_to_install_it(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")

    with pytest.raises(SystemExit, match=r"wrk not found.*apt-get install wrk.*make bench"):
        http_load.wrk_binary()


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as gunicorn
    seen: list[tuple[str, str, str]] = []

    def do_POST(self):  # noqa: N802 - the stdlib's name
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        self.seen.append((self.path, self.headers["Authorization"], body))
        self._answer(409 if self.path.startswith("/conflict/") else 200)

    def do_GET(self):  # noqa: N802 - the out-of-requests marker
        self._answer(404)

    def _answer(self, status: int) -> None:
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


@pytest.mark.parametrize("cycle", [True, False])
def test_the_lua_script_sends_each_line_with_its_token_and_counts_refusals(tmp_path, cycle):
    # A missing tool fails, never skips: `make test` installs Debian's wrk.
    assert shutil.which("wrk"), "wrk is missing: run `make test`, or apt-get install wrk"
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    _Handler.seen = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    lines = [(f"/ok/{n}/", f"token{n}", {"n": n}) for n in range(6)]
    lines.append(("/conflict/1/", "token9", {"n": 9}))
    (tmp_path / "requests.tsv").write_text(http_load.request_lines(lines))
    (tmp_path / "script.lua").write_text(http_load.WRK_SCRIPT)
    host = f"127.0.0.1:{server.server_address[1]}"
    try:
        result = subprocess.run(
            ["wrk", "-t", "2", "-c", "2", "-d", "1s", "-s", str(tmp_path / "script.lua")]
            + [f"http://{host}", "--", str(tmp_path / "requests.tsv"), "2"]
            + ["cycle" if cycle else "once", host],
            capture_output=True,
            text=True,
            timeout=30,
        )
    finally:
        server.shutdown()
        server.server_close()

    assert result.returncode == 0, result.stderr
    load = http_load.parse_wrk("stub", result.stdout)
    sent = {(path, token, json.loads(body)["n"]) for path, token, body in _Handler.seen}
    assert ("/ok/3/", "Token token3", 3) in sent
    assert ("/conflict/1/", "Token token9", 9) in sent
    assert load.refused >= 1
    assert "409" in load.first_error
    if cycle:  # the list starts over: far more requests than lines, never out of them
        assert load.requests > len(lines)
        assert load.ran_out == 0
    else:  # each line once, then the threads say they ran out (the 404s count as refused)
        assert len(_Handler.seen) == len(lines)
        assert load.ran_out > 0
