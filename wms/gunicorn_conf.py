"""gunicorn settings, shared by `make run` (wms.stack) and the production container.

    gunicorn -c python:wms.gunicorn_conf wms.wsgi:application

The bind address is given on the command line: `make run` serves 127.0.0.1:$PORT, the
container 0.0.0.0:8000 behind a TLS proxy. Everything else can be tuned by environment:

- WEB_CONCURRENCY: worker processes (default 3: sized for 2 cores, see below)
- GUNICORN_THREADS: threads per worker (default 4)
- GUNICORN_TIMEOUT: seconds before a silent worker is killed and replaced (default 30)
- FORWARDED_ALLOW_IPS: proxies whose X-Forwarded-* headers gunicorn trusts (gunicorn's own)
"""

import os
from pathlib import Path

from wms.env import env_int

# Requests mostly wait on PostgreSQL, so threads overlap that wait; processes give the CPU
# parallelism. 3 processes x 4 threads keeps 2 cores busy without much memory per request.
# Each thread keeps its own database connection (CONN_MAX_AGE), so one web process set holds
# up to workers x threads connections: size PostgreSQL's max_connections for all of them.
workers = env_int("WEB_CONCURRENCY", 3)
threads = env_int("GUNICORN_THREADS", 4)
worker_class = "gthread"

# Load Django once in the master, then fork: workers start at once and share memory, and a
# broken configuration (a missing SECRET_KEY, say) stops gunicorn at boot instead of making
# workers crash in a loop. Code changes need a restart, not a HUP.
preload_app = True

timeout = env_int("GUNICORN_TIMEOUT", 30)
graceful_timeout = 20  # in-flight requests get this long after SIGTERM
keepalive = 5
# Recycle workers now and then so a slow leak never grows unbounded; jitter avoids all
# workers restarting at the same moment. Not too often: a recycled worker reopens its threads'
# database connections and pauses ~2 s (at 2,000 the HTTP benchmark saw one every 14 s).
max_requests = 20000
max_requests_jitter = 2000

accesslog = "-"  # stdout: the container runtime or the terminal collects it
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'

# gunicorn 23+ opens a control socket in $HOME by default; two servers on one machine (two
# `make run`s, or the test suite next to a demo) would fight over it, and we do not use it.
control_socket_disable = True

# The heartbeat file is touched every second; in a container /tmp may be an overlay
# filesystem, which can stall workers. /dev/shm is memory.
if Path("/dev/shm").is_dir() and os.access("/dev/shm", os.W_OK):
    worker_tmp_dir = "/dev/shm"


def when_ready(server) -> None:
    """Import the URLconf and every view once in the master, before the workers are forked.

    Each worker then answers its first request at full speed (instead of ~1 s of imports), and a
    broken URLconf stops gunicorn at boot rather than failing every request later.
    """
    if not server.cfg.preload_app:
        return
    from django.db import connections
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - the attribute access does the import
    connections.close_all()  # never hand a connection opened here to forked workers
