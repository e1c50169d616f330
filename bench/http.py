"""The handheld's task completion over HTTP, against a minimal view on the same gunicorn.

Issue 7: ``POST /api/v1/tasks/{id}/complete/`` under 16 concurrent connections must reach at
least 0.6 x the rate of a minimal Django view doing one indexed SELECT and one UPDATE in a
transaction, with a p99 at most 2 x that view's, no errors, and no request opening a database
connection. Both are measured in the same run, on the same server:

1. gunicorn started exactly as `make run` starts it (``wms.stack.server_commands``: our
   ``wms.gunicorn_conf``, 3 workers x 4 threads, gthread) with the production settings
   (WMS_ENV=production, DEBUG off, persistent database connections), on the bench database.
   Requests carry ``X-Forwarded-Proto: https`` as the TLS proxy in front of it would.
   WMS_BENCH_VIEWS=true mounts the yardstick (wms/bench_views.py) in this server only.
2. wrk (Debian's package; a Lua script of ours) with 16 connections over 2 threads, first a
   warm-up (every gunicorn thread opens its database connection), then the measured run:
   - the minimal view: random rows of a 10,000-row table, each request with one of 16 floor
     users' tokens, so it pays the same authentication as the real endpoint;
   - task completion: 16 floor users (one a connection), each with open pick tasks of their own
     (orders of 5 lines over 2,000 products, as the picks benchmark makes them); every request
     completes a distinct task with the right scans. Tasks are enough for the minimal view's
     rate over the whole run; a thread that runs out says so and the run fails.
3. Errors: any response outside 2xx (counted by the script) plus wrk's socket errors. New
   database connections: client backends of the bench database in ``pg_stat_activity`` whose
   ``backend_start`` is after the warm-up, and gunicorn workers booted meanwhile (a recycled
   worker, ``max_requests``, opens its threads' connections anew).
4. Afterwards the ledger: every completed task has exactly one pick move, no other prepared task
   has one, and ``check_stock``'s drift check finds nothing.
"""

import argparse
import json
import math
import os
import random
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from typing import Any

from bench.database import BASE_DIR, OUT_DIR
from bench.inbound import _positive, machine_info

TARGET_RATE_RATIO = 0.6
TARGET_P99_RATIO = 2.0
SEED = 20261125
CONNECTIONS = 16
WRK_THREADS = 2
COUNTER_ROWS = 10_000
WARMUP_ROUNDS = 4  # extra warm-ups of the minimal view until every gunicorn thread has connected
TASK_MARGIN = 1.2  # tasks prepared: the minimal view's rate x seconds, and this much more
HOST = "127.0.0.1"
RESULT_PREFIX = "WRK_RESULT "

# wrk's Lua: each thread takes every n-th line of the request file (path, token, body), so two
# requests in flight never complete the same task; "once" stops at the end of the list (the
# thread then asks for a path that answers 404 and says it ran out), "cycle" starts over.
WRK_SCRIPT = r"""
local threads = {}
local thread_number = 0

function setup(thread)
  thread_number = thread_number + 1
  thread:set("index", thread_number)
  table.insert(threads, thread)
end

sent, refused, ran_out, first_error = 0, 0, 0, ""
local requests, position, cycle = {}, 1, false
-- wrk calls the first thread's request() once after init, to check what it makes, and never
-- sends that one: it must not use up a line (a task would be skipped, uncompleted).
local checked = false

function init(args)
  local file, thread_count = args[1], tonumber(args[2])
  cycle = args[3] == "cycle"
  local line_number = 0
  for line in io.lines(file) do
    if line_number % thread_count == index - 1 then
      local path, token, body = line:match("^([^\t]*)\t([^\t]*)\t(.*)$")
      local headers = {
        ["Host"] = args[4],
        ["Authorization"] = "Token " .. token,
        ["Content-Type"] = "application/json",
        ["X-Forwarded-Proto"] = "https",
      }
      table.insert(requests, wrk.format("POST", path, headers, body))
    end
    line_number = line_number + 1
  end
end

function request()
  if index == 1 and not checked then
    checked = true
    return requests[1] or wrk.format("GET", "/bench/out-of-requests/")
  end
  if position > #requests then
    if not cycle then
      ran_out = ran_out + 1
      return wrk.format("GET", "/bench/out-of-requests/")
    end
    position = 1
  end
  local this = requests[position]
  position = position + 1
  sent = sent + 1
  return this
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    refused = refused + 1
    if first_error == "" then
      first_error = status .. " " .. string.sub(body or "", 1, 300)
    end
  end
end

local function clean(text)
  return (string.gsub(text, '[^%w%s%.,:;_/%-%(%)%[%]{}=]', "'"):gsub("%s+", " "))
end

function done(summary, latency, requests)
  local per_thread = {}
  for _, thread in ipairs(threads) do
    table.insert(per_thread, string.format(
      '{"sent": %d, "refused": %d, "ran_out": %d, "first_error": "%s"}',
      thread:get("sent"), thread:get("refused"), thread:get("ran_out"),
      clean(thread:get("first_error"))))
  end
  local e = summary.errors
  io.write(string.format(
    '%s{"duration_us": %d, "requests": %d, "bytes": %d, ' ..
    '"socket_errors": {"connect": %d, "read": %d, "write": %d, "timeout": %d}, ' ..
    '"status_errors": %d, "latency_us": {"mean": %.1f, "p50": %d, "p90": %d, "p99": %d, ' ..
    '"max": %d}, "threads": [%s]}\n',
    "RESULT_PREFIX", summary.duration, summary.requests, summary.bytes,
    e.connect, e.read, e.write, e.timeout, e.status,
    latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, table.concat(per_thread, ", ")))
end
""".replace('"RESULT_PREFIX"', json.dumps(RESULT_PREFIX))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("http")
    group.add_argument(
        "--http-seconds", type=_positive, default=20, help="measured seconds per load (20)"
    )
    group.add_argument(
        "--http-warmup",
        type=_positive,
        default=3,
        help="seconds of the same load before each measured run, not measured (3)",
    )
    group.add_argument(
        "--http-connections",
        type=_positive,
        default=CONNECTIONS,
        help=f"concurrent connections, each a floor user with a token ({CONNECTIONS})",
    )


# --- wrk's output ----------------------------------------------------------------------------


@dataclass
class Load:
    """One measured wrk run, as the summary and the report use it."""

    name: str
    seconds: float
    requests: int
    rate: float  # responses a second
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    mean_ms: float
    refused: int  # responses outside 2xx
    socket_errors: int  # connect, read, write, timeout
    ran_out: int  # requests a thread could not make: its list was used up
    first_error: str
    new_connections: int = 0  # client backends started during the measured run
    workers_booted: int = 0  # gunicorn workers (re)started during the measured run

    @property
    def errors(self) -> int:
        return self.refused + self.socket_errors


class WrkOutputError(ValueError):
    pass


def parse_wrk(name: str, output: str) -> Load:
    """The figures of one wrk run from its output: the line our script's ``done`` writes."""
    lines = [line for line in output.splitlines() if line.startswith(RESULT_PREFIX)]
    if len(lines) != 1:
        raise WrkOutputError(
            f"wrk's output has {len(lines)} result lines, expected one (is the Lua script "
            f"ours?):\n{output[-2000:]}"
        )
    try:
        raw = json.loads(lines[0].removeprefix(RESULT_PREFIX))
        seconds = raw["duration_us"] / 1e6
        latency = raw["latency_us"]
        threads = raw["threads"]
        requests = int(raw["requests"])
        return Load(
            name=name,
            seconds=seconds,
            requests=requests,
            rate=requests / seconds if seconds > 0 else 0.0,
            p50_ms=latency["p50"] / 1000,
            p90_ms=latency["p90"] / 1000,
            p99_ms=latency["p99"] / 1000,
            max_ms=latency["max"] / 1000,
            mean_ms=latency["mean"] / 1000,
            refused=sum(t["refused"] for t in threads),
            socket_errors=sum(raw["socket_errors"].values()),
            ran_out=sum(t["ran_out"] for t in threads),
            first_error=next((t["first_error"] for t in threads if t["first_error"]), ""),
        )
    except (ValueError, KeyError, TypeError) as error:
        raise WrkOutputError(f"wrk's result line is not what our script writes: {error}") from error


def wrk_binary() -> str:
    found = shutil.which("wrk")
    if not found:
        raise SystemExit(
            "wrk not found: the HTTP benchmark drives gunicorn with it. Install Debian's "
            "package (apt-get install wrk), or run `make bench`, which installs it."
        )
    return found


def request_lines(requests: list[tuple[str, str, dict[str, Any]]]) -> str:
    """The file wrk's script reads: one request a line, path, token and JSON body by tabs."""
    out = []
    for path, token, body in requests:
        text = json.dumps(body, separators=(",", ":"))
        if "\t" in path + token + text or "\n" in path + token + text:
            raise ValueError(f"a request for {path} has a tab or newline; wrk's file cannot")
        out.append(f"{path}\t{token}\t{text}\n")
    return "".join(out)


# --- the server ------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn as `make run` starts it, with the production settings, on the bench database."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.log_path = OUT_DIR / "http-gunicorn.log"
        self.process: subprocess.Popen[bytes] | None = None
        from wms.gunicorn_conf import threads, workers

        self.threads = workers * threads  # each keeps its own database connection

    def command(self) -> list[str]:
        from wms.stack import Config, server_commands

        config = Config(port=self.port, data_dir=OUT_DIR, seed_demo=False, worker_concurrency=1)
        return server_commands(config)["web server (gunicorn)"]

    def environment(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            WMS_ENV="production",
            DEBUG="false",
            SECRET_KEY=secrets.token_urlsafe(64),
            ALLOWED_HOSTS=HOST,
            WMS_BENCH_VIEWS="true",
            PYTHONUNBUFFERED="1",
        )
        return env

    def start(self) -> None:
        OUT_DIR.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_path, "w")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            self.command(),
            cwd=BASE_DIR,
            env=self.environment(),
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while self.probe() != 200:
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise SystemExit(f"gunicorn did not become healthy; see {self.log_path}")
            time.sleep(0.2)

    def probe(self) -> int:
        request = urllib.request.Request(
            f"http://{HOST}:{self.port}/healthz", headers={"X-Forwarded-Proto": "https"}
        )
        try:
            with urllib.request.urlopen(request, timeout=2) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code
        except OSError:
            return 0

    def booted_workers(self) -> int:
        """Workers gunicorn has booted so far (its log says so for each)."""
        self._log.flush()
        return self.log_path.read_text(errors="replace").count("Booting worker with pid")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, 9)
                self.process.wait()
        self.process = None
        if getattr(self, "_log", None):
            self._log.close()


# --- the data --------------------------------------------------------------------------------


def counters_create() -> None:
    from django.db import connection

    from wms.bench_views import TABLE

    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {TABLE} (id integer PRIMARY KEY, hits bigint NOT NULL)")
        cursor.execute(
            f"INSERT INTO {TABLE} SELECT n, 0 FROM generate_series(1, %s) AS n", [COUNTER_ROWS]
        )
        cursor.execute(f"ANALYZE {TABLE}")


def handhelds(user_ids: list[int]) -> list[str]:
    """Make the users floor staff of every warehouse with an API token each; their tokens."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from rest_framework.authtoken.models import Token

    from inventory.models import UserScope
    from wms.roles import FLOOR

    floor = Group.objects.get(name=FLOOR)
    floor.user_set.add(*user_ids)
    UserScope.objects.bulk_create(UserScope(user_id=pk, all_warehouses=True) for pk in user_ids)
    users = get_user_model().objects.filter(pk__in=user_ids)
    tokens = {
        t.user_id: t.key
        for t in Token.objects.bulk_create(Token(user=u, key=Token.generate_key()) for u in users)
    }
    return [tokens[pk] for pk in user_ids]


def yardstick_requests(tokens: list[str], count: int, rng: random.Random) -> list[tuple]:
    return [
        (f"/bench/minimal/{rng.randint(1, COUNTER_ROWS)}/", tokens[i % len(tokens)], {})
        for i in range(count)
    ]


def task_requests(plans: list[dict], tokens: list[str]) -> list[tuple]:
    """Each user's tasks in their order, the users taken in turn: requests in flight together
    are different users' (as on a floor), never the same task."""
    out = []
    longest = max(len(plan["scans"]) for plan in plans)
    for n in range(longest):
        for plan, token in zip(plans, tokens, strict=True):
            if n < len(plan["scans"]):
                task_id, location, barcode = plan["scans"][n]
                body = {"location": location, "product": barcode}
                out.append((f"/api/v1/tasks/{task_id}/complete/", token, body))
    return out


# --- a run -----------------------------------------------------------------------------------


def database_now() -> Any:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT clock_timestamp()")
        return cursor.fetchone()[0]


def connections_since(started: Any) -> int:
    """Client backends of this database that started after ``started``, ours excluded."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND backend_type = 'client backend' AND backend_start > %s "
            "AND pid <> pg_backend_pid()",
            [started],
        )
        return cursor.fetchone()[0]


def server_connections() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def wrk_run(
    *, server: Server, name: str, lines: str, seconds: int, connections: int, cycle: bool
) -> tuple[Load, str]:
    path = OUT_DIR / f"http-{re.sub(r'[^a-z0-9]+', '-', name.lower()).strip('-')}.tsv"
    path.write_text(lines)
    script = OUT_DIR / "http-wrk.lua"
    script.write_text(WRK_SCRIPT)
    argv = [wrk_binary(), "-t", str(min(WRK_THREADS, connections)), "-c", str(connections)]
    argv += ["-d", f"{seconds}s", "--timeout", "10s", "--latency", "-s", str(script)]
    argv += [f"http://{HOST}:{server.port}", "--", str(path), str(min(WRK_THREADS, connections))]
    argv += ["cycle" if cycle else "once", f"{HOST}:{server.port}"]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 120)
    output = result.stdout + result.stderr
    (OUT_DIR / f"{path.stem}.wrk.txt").write_text(output)
    if result.returncode != 0:
        raise SystemExit(f"wrk failed (exit {result.returncode}):\n{output[-2000:]}")
    return parse_wrk(name, output), output


def measure(
    *, server: Server, name: str, warmup: str, measured: str, args: argparse.Namespace, cycle: bool
) -> Load:
    """A warm-up, then the measured run with the new connections and worker boots it caused."""
    connections = args.http_connections
    # A thread opens its connection on its first request, and wrk's connections land on the
    # workers anew each run: a thread idle in the warm-up would open one in the measured run.
    # So the cycling loads warm up again until every gunicorn thread holds its connection.
    for _ in range(1 + (WARMUP_ROUNDS if cycle else 0)):
        wrk_run(
            server=server,
            name=f"{name} warm-up",
            lines=warmup,
            seconds=args.http_warmup,
            connections=connections,
            cycle=cycle,
        )
        if not cycle or server_connections() >= server.threads:
            break
    started = database_now()
    booted = server.booted_workers()
    load, _ = wrk_run(
        server=server,
        name=name,
        lines=measured,
        seconds=args.http_seconds,
        connections=connections,
        cycle=cycle,
    )
    load.new_connections = connections_since(started)
    load.workers_booted = server.booted_workers() - booted
    return load


@dataclass
class LedgerCheck:
    tasks_prepared: int
    tasks_done: int
    pick_moves: int
    tasks_with_other_than_one_move: int
    undone_tasks_with_moves: int
    drift_clean: bool

    @property
    def ok(self) -> bool:
        return (
            self.tasks_with_other_than_one_move == 0
            and self.undone_tasks_with_moves == 0
            and self.drift_clean
        )


def ledger_check(task_ids: list[int]) -> LedgerCheck:
    """One pick move per completed task, none for the rest, and no drift (check_stock)."""
    from django.core.management import call_command
    from django.core.management.base import CommandError
    from django.db.models import Count, Q

    from warehouse.models import StockMove, Task

    tasks = Task.objects.filter(pk__in=task_ids).annotate(
        pick_moves=Count("moves", filter=Q(moves__kind=StockMove.Kind.PICK))
    )
    done = tasks.filter(status=Task.Status.DONE)
    try:
        call_command("check_stock", stdout=open(os.devnull, "w"))  # noqa: SIM115
        clean = True
    except CommandError:
        clean = False
    return LedgerCheck(
        tasks_prepared=len(task_ids),
        tasks_done=done.count(),
        pick_moves=StockMove.objects.filter(task_id__in=task_ids, kind=StockMove.Kind.PICK).count(),
        tasks_with_other_than_one_move=done.exclude(pick_moves=1).count(),
        undone_tasks_with_moves=tasks.exclude(status=Task.Status.DONE)
        .filter(pick_moves__gt=0)
        .count(),
        drift_clean=clean,
    )


def run(args: argparse.Namespace) -> dict[str, Any]:
    from django.db import connection

    from bench.picks import build_site, prepare_picks
    from wms.celery import app
    from wms.gunicorn_conf import threads, workers

    wrk_binary()  # before building anything: say at once when it is missing
    rng = random.Random(SEED)
    connections = args.http_connections
    print(f"\nhttp: building a site of 2,000 bins and products, {connections} floor users ...")
    started = time.perf_counter()
    site = build_site()
    counters_create()
    from django.contrib.auth import get_user_model

    stamp = time.time_ns()
    yardstick_users = [
        get_user_model().objects.create_user(username=f"http-{stamp}-{n}").pk
        for n in range(connections)
    ]
    yardstick_tokens = handhelds(yardstick_users)
    print(f"  built in {time.perf_counter() - started:.1f} s")

    server = Server()
    server.start()
    try:
        seconds = args.http_warmup + args.http_seconds
        minimal = measure(
            server=server,
            name="minimal view",
            warmup=request_lines(yardstick_requests(yardstick_tokens, 2000, rng)),
            measured=request_lines(yardstick_requests(yardstick_tokens, 20_000, rng)),
            args=args,
            cycle=True,
        )
        print(f"  minimal view: {minimal.rate:.0f} req/s, p99 {minimal.p99_ms:.1f} ms")
        # As many tasks as the minimal view's rate would complete, and a margin.
        wanted = math.ceil(minimal.rate * TASK_MARGIN * seconds)
        per_client = 5 * math.ceil(wanted / connections / 5)
        prepared = time.perf_counter()
        plans = prepare_picks(site, connections, per_client, rng)
        task_tokens = handhelds([plan["user_id"] for plan in plans])
        requests = task_requests(plans, task_tokens)
        print(
            f"  {len(requests):,} pick tasks for {connections} floor users prepared in "
            f"{time.perf_counter() - prepared:.1f} s"
        )
        split = math.ceil(len(requests) * args.http_warmup / seconds)
        api = measure(
            server=server,
            name="task complete (API)",
            warmup=request_lines(requests[:split]),
            measured=request_lines(requests[split:]),
            args=args,
            cycle=False,
        )
        print(f"  task complete: {api.rate:.0f} req/s, p99 {api.p99_ms:.1f} ms")
        held = server_connections()
    finally:
        server.stop()
    app.control.purge()  # what the completions enqueued: no worker runs here
    if api.ran_out:
        raise SystemExit(
            f"the task list ran out ({api.ran_out} requests could not be made): the endpoint "
            "was faster than the sizing allowed; raise TASK_MARGIN in bench/http.py"
        )
    check = ledger_check([task_id for plan in plans for task_id, _, _ in plan["scans"]])
    machine = machine_info(connection)
    payload = {
        "machine": machine,
        "server": {
            "workers": workers,
            "threads": threads,
            "connections_held": held,
            "conn_max_age": connection.settings_dict["CONN_MAX_AGE"],
            "conn_health_checks": connection.settings_dict["CONN_HEALTH_CHECKS"],
        },
        "connections": connections,
        "minimal": asdict(minimal),
        "api": asdict(api),
        "rate_ratio": api.rate / minimal.rate,
        "p99_ratio": api.p99_ms / minimal.p99_ms,
        "ledger": asdict(check),
        "ok": check.ok,  # rates depend on the machine; the summary judges them
    }
    report(payload, minimal, api, check)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    (OUT_DIR / "http.json").write_text(json.dumps(payload, indent=2))
    return payload


def report(payload: dict[str, Any], minimal: Load, api: Load, check: LedgerCheck) -> None:
    machine, server = payload["machine"], payload["server"]
    print(
        f"\nhttp: {payload['connections']} connections (wrk), gunicorn {server['workers']} "
        f"workers x {server['threads']} threads (production settings), {minimal.seconds:.0f} s "
        "each after a warm-up"
    )
    print(
        f"machine: {machine['cpus']} CPUs ({machine['cpu']}), {machine['memory_gb']} GB, "
        f"Python {machine['python']}, PostgreSQL {machine['postgresql']}, "
        f"load average {machine['load_average']}"
    )
    columns = [
        ("load", 22),
        ("req/s", 8),
        ("p50 ms", 8),
        ("p90 ms", 8),
        ("p99 ms", 8),
        ("max ms", 8),
        ("requests", 9),
        ("errors", 7),
        ("new conns", 10),
        ("boots", 6),
    ]
    header = " ".join(f"{name:>{width}}" for name, width in columns)
    print(header)
    print("-" * len(header))
    for load in (minimal, api):
        cells = [
            load.name,
            f"{load.rate:.1f}",
            f"{load.p50_ms:.1f}",
            f"{load.p90_ms:.1f}",
            f"{load.p99_ms:.1f}",
            f"{load.max_ms:.1f}",
            str(load.requests),
            str(load.errors),
            str(load.new_connections),
            str(load.workers_booted),
        ]
        print(" ".join(f"{cell:>{width}}" for cell, (_, width) in zip(cells, columns, strict=True)))
        if load.first_error:
            print(f"  first error: {load.first_error}")
    print(
        f"ratios: rate {payload['rate_ratio']:.2f} (target >= {TARGET_RATE_RATIO}), p99 "
        f"{payload['p99_ratio']:.2f} (target <= {TARGET_P99_RATIO}); database connections held "
        f"by gunicorn after the runs: {server['connections_held']} (CONN_MAX_AGE "
        f"{server['conn_max_age']}, health checks {server['conn_health_checks']})"
    )
    print(
        f"ledger: {check.tasks_done} tasks done, {check.pick_moves} pick moves, "
        f"{check.tasks_with_other_than_one_move} done tasks without exactly one, "
        f"{check.undone_tasks_with_moves} open tasks with one; check_stock "
        f"{'clean' if check.drift_clean else 'FOUND DRIFT'}"
    )
    if not check.ok:
        print("http: the ledger check failed", file=sys.stderr)
