"""The supervisor's dashboard page: who may open it, what it shows, the poll's fragment, the
links to the lists behind the figures (left out while a list's page does not exist), and a
fixed number of queries however busy the warehouse is."""

import re
import sys
import types

import pytest
from django.test.utils import CaptureQueriesContext
from django.urls import clear_url_caches, reverse

from tests.factories.inventory import WarehouseFactory
from tests.warehouse.views.scenario import page_text, site_build
from warehouse.models import Task
from warehouse.selectors.dashboard import HourFigures
from warehouse.services.scan_refusals import scan_refusal_record
from warehouse.services.tasks import tasks_create_many
from warehouse.views.dashboard import LINES, UNITS, bar_chart, hours_shown, nice_ceiling

HTMX = {"HX-Request": "true"}
APP_URLS = ("warehouse.urls", "inventory.urls")

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(db):
    return site_build()


def test_a_supervisor_lands_on_the_dashboard(client, supervisor, site):
    client.force_login(supervisor)

    response = client.get("/", follow=True)

    assert response.redirect_chain == [(reverse("supervisor-dashboard"), 302)]
    assert response.status_code == 200
    text = page_text(response)
    assert "Dashboard" in text
    assert "MAIN · Main warehouse" in text
    # The header leads on to the stock page and back here.
    nav = response.content.decode()
    assert f'href="{reverse("supervisor-home")}"' in nav
    assert f'href="{reverse("supervisor-dashboard")}" aria-current="page"' in nav


@pytest.mark.parametrize("user_fixture", ["floor_user", "purchaser"])
def test_floor_and_purchasers_may_not_open_it(client, request, user_fixture, site):
    client.force_login(request.getfixturevalue(user_fixture))

    assert client.get(reverse("supervisor-dashboard")).status_code == 403
    assert client.get(reverse("supervisor-dashboard"), headers=HTMX).status_code == 403


def test_a_visitor_is_sent_to_sign_in_and_a_stale_poll_moves_the_whole_tab(client):
    page = client.get(reverse("supervisor-dashboard"))
    poll = client.get(reverse("supervisor-dashboard"), headers=HTMX)

    assert page.status_code == 302
    assert page["Location"].startswith(reverse("login"))
    assert poll.status_code == 200
    assert poll["HX-Redirect"].startswith(reverse("login"))


def test_the_page_shows_the_tiles_and_polls_its_fragment(client, supervisor, site):
    scan_refusal_record(warehouse_id=site.warehouse.pk, user_id=supervisor.pk, code="wrong_lot")
    client.force_login(supervisor)

    response = client.get(reverse("supervisor-dashboard"))

    body = response.content.decode()
    text = page_text(response)
    assert response["Cache-Control"].startswith("max-age=0")
    assert 'hx-get="/supervisor/dashboard/"' in body
    assert 'hx-trigger="every 5s, wms-shown from:document" data-poll-visible' in body
    for title in (
        "Tasks",
        "Orders",
        "Receipts",
        "QC and quarantine",
        "Replenishment",
        "Exceptions today",
        "Record accuracy",
        "Throughput today",
        "Workers today",
    ):
        assert f">{title}" in body, title
    assert "60 units on the dock" in text  # the gloves of the putaway
    assert "1 wrong scan " in text
    assert "No counts" in text
    assert "Nobody has finished a task today yet." in text
    putaway = re.search(r'data-kind="putaway">(.*?)</tr>', body, re.S).group(1)
    assert re.findall(r">(\d+)<", putaway)[:3] == ["1", "0", "0"]  # waiting, in hand, done


def test_the_poll_gets_the_tiles_only(client, supervisor, site):
    client.force_login(supervisor)

    response = client.get(reverse("supervisor-dashboard"), headers=HTMX)

    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<div id="dashboard"')
    assert "<html" not in body
    assert 'hx-swap="outerHTML"' in body  # the fragment keeps polling itself
    assert "HX-Request" in response["Vary"]


def test_figures_link_to_the_lists_behind_them(client, supervisor, site):
    client.force_login(supervisor)

    body = client.get(reverse("supervisor-dashboard")).content.decode()

    assert f'href="{reverse("supervisor-orders")}?status=backordered"' in body
    assert f'href="{reverse("floor-receiving")}"' in body
    assert f'href="{reverse("supervisor-quarantine")}"' in body
    assert f'href="{reverse("purchaser-suggestions")}?urgency=critical"' in body
    assert f'href="{reverse("supervisor-map")}"' in body


def _urlconf(*, without: tuple[str, ...] = (), extra: tuple = ()) -> str:
    """A URL configuration like the project's without the named pages (as before they are
    built) and with ``extra`` patterns; returns its module name for ROOT_URLCONF."""
    from django.urls import URLPattern, include, path

    from wms import urls as project

    def keep(patterns):
        kept = []
        for entry in patterns:
            if isinstance(entry, URLPattern) and entry.name in without:
                continue
            module = getattr(entry, "urlconf_name", None)
            if isinstance(module, types.ModuleType) and module.__name__ in APP_URLS:
                entry = path(str(entry.pattern), include(keep(module.urlpatterns)))
            kept.append(entry)
        return kept

    module = types.ModuleType(f"dashboard_test_urls_{len(without)}_{len(extra)}")
    module.urlpatterns = [*keep(project.urlpatterns), *extra]
    sys.modules[module.__name__] = module
    return module.__name__


@pytest.fixture
def urlconf(settings, monkeypatch):
    """Switch the URL configuration for one test (and back); the header leaves out the pages
    taken away, as it would before they existed."""
    from inventory.views import shell

    def use(**changes) -> None:
        settings.ROOT_URLCONF = _urlconf(**changes)
        gone = changes.get("without", ())
        kept = tuple(item for item in shell.NAV_ITEMS if item[1] not in gone)
        monkeypatch.setattr(shell, "NAV_ITEMS", kept)
        clear_url_caches()

    yield use
    clear_url_caches()


def test_links_to_pages_not_built_yet_are_left_out(client, supervisor, site, urlconf):
    urlconf(without=("supervisor-tasks", "supervisor-counts"))
    client.force_login(supervisor)

    response = client.get(reverse("supervisor-dashboard"))

    body = response.content.decode()
    assert response.status_code == 200
    assert "/supervisor/tasks/" not in body
    assert "/supervisor/counts/" not in body
    assert "Task board" not in body
    # The figures are still there, as plain numbers.
    assert 'data-kind="putaway"' in body
    assert 'id="tasks-putaway-open"' not in body


def test_board_links_carry_the_filters(client, supervisor, site, urlconf):
    from django.http import HttpResponse
    from django.urls import path

    def board(request):  # a stand-in: the board is another page's work
        return HttpResponse("board")

    urlconf(
        without=("supervisor-tasks",),
        extra=(path("supervisor/tasks/", board, name="supervisor-tasks"),),
    )
    client.force_login(supervisor)

    body = client.get(reverse("supervisor-dashboard")).content.decode()

    assert 'href="/supervisor/tasks/?kind=putaway&amp;status=open"' in body
    assert 'href="/supervisor/tasks/?kind=pick&amp;status=assigned"' in body
    assert 'href="/supervisor/tasks/?exception=short_pick"' in body
    assert 'href="/supervisor/tasks/?exception=blocked"' in body
    assert 'href="/supervisor/tasks/?kind=replenish"' in body


def _tasks(warehouse, count: int) -> None:
    kinds = list(Task.Kind.values)
    tasks_create_many(
        tasks=[
            Task(
                warehouse_id=warehouse.pk,
                kind=kinds[n % len(kinds)],
                quantity=1,
                origin_key=f"page:{warehouse.pk}:{n}",
            )
            for n in range(count)
        ]
    )


def _queries(client) -> list[str]:
    from django.db import connection

    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("supervisor-dashboard"), headers=HTMX)
    assert response.status_code == 200
    return [query["sql"] for query in captured.captured_queries]


def test_the_poll_costs_the_same_queries_for_10_or_200_tasks(client, supervisor, site):
    client.force_login(supervisor)
    client.get(reverse("supervisor-dashboard"))  # the session learns the warehouse
    _tasks(site.warehouse, 10)
    few = _queries(client)
    _tasks(WarehouseFactory(code="SPARE"), 1)  # another site's work changes nothing either
    _tasks(site.warehouse, 190)

    many = _queries(client)

    assert len(few) == len(many)
    assert len(many) <= 7 + 11, "\n".join(many)  # the shell (session, user, perms...) + 11


# --- the throughput chart's layout -------------------------------------------------------------


def test_the_value_axis_ends_on_a_round_number():
    assert [nice_ceiling(v) for v in (0, 1, 3, 10, 11, 240, 501, 9000)] == [
        1,
        1,
        5,
        10,
        20,
        500,
        1000,
        10000,
    ]


def test_the_chart_shows_the_working_day_so_far_and_any_busy_hour():
    hours = [HourFigures(hour=h) for h in range(24)]
    hours[4] = HourFigures(hour=4, units_received=10)
    hours[14] = HourFigures(hour=14, units_picked=3)

    assert [h.hour for h in hours_shown(hours, current_hour=10)] == list(range(4, 15))
    quiet = [HourFigures(hour=h) for h in range(24)]
    assert [h.hour for h in hours_shown(quiet, current_hour=3)] == [0, 1, 2, 3]
    assert [h.hour for h in hours_shown(quiet, current_hour=9)] == [6, 7, 8, 9]


def test_bars_are_as_tall_as_their_values():
    hours = [
        HourFigures(hour=8, units_picked=50, units_received=100),
        HourFigures(hour=9, units_picked=0, units_received=25),
    ]

    chart = bar_chart(title="Units", hours=hours, series=UNITS)

    heights = {bar.title: bar.height for bar in chart.bars}
    assert len(chart.bars) == 3  # nothing drawn for nothing picked at 09:00
    full = heights["08:00–09:00 · Units received: 100"]
    assert heights["08:00–09:00 · Units picked: 50"] == pytest.approx(full / 2, abs=0.1)
    assert heights["09:00–10:00 · Units received: 25"] == pytest.approx(full / 4, abs=0.1)
    assert [tick.label for tick in chart.value_ticks] == ["0", "50", "100"]
    assert chart.rows == [("08:00", [50, 100]), ("09:00", [0, 25])]
    assert not chart.empty
    assert bar_chart(title="Lines", hours=hours, series=LINES).empty
