"""The shell around every page: sign in and out, the front door, roles, the warehouse switch."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from inventory.models import UserScope
from inventory.views.shell import SESSION_WAREHOUSE, NavItem, nav_entries
from tests.factories.inventory import WarehouseFactory
from tests.warehouse.views.scenario import page_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def sites(db):
    return [
        WarehouseFactory(code="MAIN", name="Main warehouse"),
        WarehouseFactory(code="WEST", name="West depot"),
    ]


@pytest.mark.parametrize(
    ("user_fixture", "home"),
    [
        ("supervisor", "supervisor-dashboard"),
        ("floor_user", "floor-home"),
        ("purchaser", "purchaser-home"),
    ],
)
def test_each_role_lands_on_its_home(client, request, sites, user_fixture, home):
    client.force_login(request.getfixturevalue(user_fixture))

    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"] == reverse(home)
    assert client.get(response["Location"]).status_code == 200


def test_the_front_door_asks_strangers_to_sign_in(client):
    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next=/"


def test_the_login_page_has_a_labelled_form(client):
    response = client.get(reverse("login"))

    body = response.content.decode()
    assert response.status_code == 200
    assert '<label class="field__label" for="id_username">Username</label>' in body
    assert 'autocomplete="current-password"' in body


def test_signing_in_lands_on_the_role_home(client, floor_user, sites):
    response = client.post(reverse("login"), {"username": "floor", "password": "pw"}, follow=True)

    assert response.redirect_chain[-1][0] == reverse("floor-home")


def test_a_wrong_password_is_explained_and_the_username_kept(client, floor_user):
    response = client.post(reverse("login"), {"username": "floor", "password": "nope"})

    assert response.status_code == 200
    assert "Please enter a correct username and password." in page_text(response)
    assert 'value="floor"' in response.content.decode()


def test_logout_is_a_post_and_ends_the_session(client, floor_user, sites):
    client.force_login(floor_user)
    page = client.get(reverse("floor-home")).content.decode()
    assert f'action="{reverse("logout")}"' in page

    response = client.post(reverse("logout"))

    assert response.status_code == 302
    assert client.get(reverse("floor-home")).status_code == 302


def test_a_user_without_a_role_is_told_so(client, sites):
    user = get_user_model().objects.create_user(username="newbie", password="pw")
    client.force_login(user)

    response = client.get("/", follow=True)

    assert response.redirect_chain == [(reverse("no-role"), 302)]
    assert "Your account has no role yet" in page_text(response)
    assert client.get(reverse("floor-home")).status_code == 403


def test_a_user_with_a_role_is_sent_home_from_the_no_role_page(client, purchaser):
    client.force_login(purchaser)

    response = client.get(reverse("no-role"))

    assert response["Location"] == reverse("home")


def test_the_header_names_user_role_and_warehouse(client, supervisor, sites):
    client.force_login(supervisor)

    text = page_text(client.get(reverse("supervisor-home")))

    assert "sup Supervisor" in text
    # A supervisor opens them all: too many for one row, so related pages share a menu.
    assert "Dashboard Tasks Orders Stock Stock Map Quarantine Counts Trace Labels" in text
    assert "Floor Floor Receiving Packing Purchasing Data Data Audit trail" in text


def test_a_few_pages_stay_flat_links_many_share_menus():
    few = [NavItem(label=str(n), url=f"/{n}/", active=False, name=f"page-{n}") for n in range(6)]
    assert [entry.label for entry in nav_entries(few)] == ["0", "1", "2", "3", "4", "5"]

    names = ["floor-home", "supervisor-home", "supervisor-dashboard", "supervisor-map", "x"]
    many = [
        NavItem(label=name, url=f"/{name}/", active=name == "supervisor-map", name=name)
        for name in names + ["supervisor-counts", "purchaser-home"]
    ]
    entries = nav_entries(many)
    assert [entry.label for entry in entries] == [
        "supervisor-dashboard",
        "Stock",
        "floor-home",  # a menu of one is a plain link
        "purchaser-home",
        "x",  # in no menu and not in the order: last
    ]
    stock = entries[1]
    assert [item.name for item in stock.items] == [
        "supervisor-home",
        "supervisor-map",
        "supervisor-counts",
    ]
    assert stock.active
    assert not entries[0].active


def test_a_floor_worker_navigates_between_tasks_and_receiving_only(client, floor_user, sites):
    client.force_login(floor_user)

    body = client.get(reverse("floor-home")).content.decode()

    assert 'class="topnav"' in body
    assert reverse("floor-receiving") in body
    assert reverse("supervisor-home") not in body
    assert reverse("purchaser-home") not in body


def test_switching_warehouse_is_remembered(client, supervisor, sites):
    client.force_login(supervisor)
    assert client.get(reverse("supervisor-home")).context["request"].shell.current == sites[0]

    response = client.post(
        reverse("warehouse-switch"),
        {"warehouse": sites[1].pk, "next": "/supervisor/"},
        follow=True,
    )

    assert response.redirect_chain == [("/supervisor/", 302)]
    assert "You are now working in WEST West depot." in page_text(response)
    assert response.context["request"].shell.current == sites[1]
    assert client.session[SESSION_WAREHOUSE] == sites[1].pk


def test_switching_to_a_warehouse_not_allowed_is_refused(client, floor_user, sites):
    scope = UserScope.objects.get(user=floor_user)
    scope.all_warehouses = False
    scope.save(update_fields=["all_warehouses"])
    scope.warehouses.set([sites[0]])
    client.force_login(floor_user)

    response = client.post(
        reverse("warehouse-switch"), {"warehouse": sites[1].pk, "next": "/floor/"}, follow=True
    )

    assert "That warehouse does not exist or you do not work in it." in page_text(response)
    assert response.context["request"].shell.current == sites[0]
    assert 'id="site-switch"' not in response.content.decode()  # one warehouse: no switcher


def test_switching_with_rubbish_is_refused(client, supervisor, sites):
    client.force_login(supervisor)

    response = client.post(reverse("warehouse-switch"), {"warehouse": "abc"}, follow=True)

    assert "That warehouse does not exist or you do not work in it." in page_text(response)


def test_switching_never_redirects_off_site(client, supervisor, sites):
    client.force_login(supervisor)

    response = client.post(
        reverse("warehouse-switch"),
        {"warehouse": sites[1].pk, "next": "https://evil.example/"},
    )

    assert response["Location"] == reverse("home")


def test_a_remembered_warehouse_taken_away_falls_back_to_the_default(client, floor_user, sites):
    client.force_login(floor_user)
    client.post(reverse("warehouse-switch"), {"warehouse": sites[1].pk})
    scope = UserScope.objects.get(user=floor_user)
    scope.all_warehouses = False
    scope.save(update_fields=["all_warehouses"])
    scope.warehouses.set([sites[0]])

    response = client.get(reverse("floor-home"))

    assert response.context["request"].shell.current == sites[0]


def test_the_switch_needs_a_signed_in_user_and_a_post(client, supervisor, sites):
    assert client.post(reverse("warehouse-switch"), {"warehouse": sites[1].pk}).status_code == 302
    client.force_login(supervisor)
    assert client.get(reverse("warehouse-switch")).status_code == 405


@pytest.mark.parametrize(
    ("user_fixture", "url_name"),
    [
        ("floor_user", "floor-home"),
        ("supervisor", "supervisor-home"),
        ("purchaser", "purchaser-home"),
        (None, "login"),
    ],
)
def test_pages_leak_no_template_syntax(client, request, sites, user_fixture, url_name):
    if user_fixture:
        client.force_login(request.getfixturevalue(user_fixture))

    body = client.get(reverse(url_name)).content.decode()

    for token in ("{#", "#}", "{%", "%}", "{{", "}}"):
        assert token not in body
