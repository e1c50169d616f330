"""Shared fixtures: real PostgreSQL (pytest-django's test database on the server `make test`
started or DATABASE_URL names), a real Celery worker process on the real Redis, and headless
Chromium for the pages."""

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection

from wms.roles import FLOOR, PURCHASER, SUPERVISOR

BASE_DIR = Path(__file__).resolve().parent.parent
ARTIFACTS = BASE_DIR / "test-artifacts"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


# --- users ---------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # PBKDF2's deliberate slowness (~0.35 s a user) buys nothing in tests.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _user(username: str, role: str | None, *, superuser: bool = False):
    from django.contrib.auth.models import Group

    from inventory.models import UserScope

    User = get_user_model()
    user = User.objects.create_user(
        username=username, password="pw", is_superuser=superuser, is_staff=superuser
    )
    if role:
        user.groups.add(Group.objects.get(name=role))
    UserScope.objects.create(user=user, all_warehouses=True)
    return user


@pytest.fixture
def supervisor(db):
    return _user("sup", SUPERVISOR)


@pytest.fixture
def floor_user(db):
    return _user("floor", FLOOR)


@pytest.fixture
def purchaser(db):
    return _user("buyer", PURCHASER)


# --- the ledger invariant, once more at the end of the session ------------------------------


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's test database, and, before it goes, `check_stock`'s drift check on what
    the session left committed there. Per-test transactions have rolled back and transactional
    tests have emptied the tables, so anything left was committed outside both (a worker or a
    stack writing after its test): drift in it is real, and fails the session."""
    yield
    from warehouse.selectors.ledger import stock_drift

    db = connection.settings_dict
    if db["NAME"] != db["TEST"]["NAME"]:
        return  # no test in the session used the database, so it was never set up
    with django_db_blocker.unblock():
        drift = stock_drift()
    if not drift.is_clean:
        pytest.fail(f"the test session left stock drift behind: {drift}")


# --- a real Celery worker -------------------------------------------------------------------


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker) -> Iterator[subprocess.Popen]:
    """A real `celery worker` process on the test database and the real broker.

    Tests that use it must commit their data (``django_db(transaction=True)``), since the
    worker reads through its own connections.
    """
    db = settings.DATABASES["default"]
    env = dict(os.environ)
    host = str(db["HOST"]).replace("/", "%2F")
    port = f":{db['PORT']}" if db.get("PORT") else ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    env["DATABASE_URL"] = f"postgresql://{db['USER']}{password}@{host}{port}/{db['NAME']}"
    log = open(ARTIFACTS_DIR() / "celery-worker.log", "w")  # noqa: SIM115 - closed at teardown
    worker = subprocess.Popen(
        [
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
            f"test-{os.getpid()}@%h",
        ],
        cwd=BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    from wms.celery import app

    deadline = time.monotonic() + 60
    while not app.control.ping(timeout=0.5):
        if worker.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"Celery worker did not start; see {log.name}")
    _WORKER["running"] = True
    yield worker
    _WORKER["running"] = False
    worker.send_signal(signal.SIGTERM)
    try:
        worker.wait(20)
    except subprocess.TimeoutExpired:
        worker.kill()
    log.close()


_WORKER = {"running": False}


@pytest.fixture(autouse=True)
def _worker_idle_before_teardown():
    """Once the worker runs, any committed test may have queued work for it: wait until it has
    none (queue empty, nothing unacknowledged) before pytest-django empties the tables, or the
    worker's transaction and the TRUNCATE deadlock and leave rows for the next test."""
    yield
    if not _WORKER["running"]:
        return
    import redis

    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        queued = sum(
            broker.llen(key)
            for key in broker.scan_iter(match="celery*")
            if broker.type(key) == b"list"
        )
        if queued == 0 and broker.hlen("unacked") == 0:
            return
        time.sleep(0.05)
    pytest.fail("the Celery worker did not finish its queued work within 60 s")


def ARTIFACTS_DIR() -> Path:  # noqa: N802 - reads as a constant at call sites
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


# --- headless Chromium ----------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright. Missing browser = failure, never a skip."""
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: run `make test` (it installs it) or set "
            "CHROMIUM_PATH."
        )
    # Playwright's sync API runs an event loop in this thread; our ORM calls in the test body
    # are still plain synchronous code.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


PHONE = {
    "viewport": {"width": 360, "height": 740},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
DESKTOP = {"viewport": {"width": 1366, "height": 850}}


@pytest.fixture
def screenshot():
    """Save a page's screenshot under test-artifacts/ (kept by CI as evidence)."""

    def take(page, name: str) -> Path:
        path = ARTIFACTS_DIR() / "screenshots" / f"{name}.png"
        path.parent.mkdir(exist_ok=True)
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def login(live_server):
    """Log a browser context in through the real login page; returns the page."""

    def do_login(browser, username: str, password: str = "pw", *, device=None):
        context = browser.new_context(**(device or DESKTOP))
        page = context.new_page()
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")
        return page

    return do_login


@pytest.fixture
def db_connection_count():
    """How many connections the server holds now (for leak checks)."""

    def count() -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            )
            return cursor.fetchone()[0]

    return count
