"""The supervisor's quarantine page: what failed QC and why; release or scrap with a reason."""

import pytest
from django.urls import reverse

from inventory.models import StockLevel
from tests.warehouse.views.inbound_scenario import quarantined
from tests.warehouse.views.scenario import page_text, site_build
from warehouse.models import Quant, StockMove

HTMX = {"HX-Request": "true"}
KEY = "0123456789abcdef0123456789abcdef"

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(db):
    return site_build()


@pytest.fixture
def cage(site, floor_user):
    """6 paper cups that failed QC ("Damaged packaging"), in QUAR-01."""
    return quarantined(site.warehouse, 6, floor_user.pk, "Damaged packaging")


def _decide(client, quant, action, **data):
    url = reverse("supervisor-quarantine-decide", args=[quant.pk, action])
    return client.post(
        url, {"quantity": "2", "reason": "checked", "key": KEY, **data}, headers=HTMX
    )


def _moves(action_kind: str) -> int:
    return StockMove.objects.filter(kind=action_kind).count()


def _cage_left(quant) -> int:
    quant.refresh_from_db()
    return quant.quantity


def test_the_page_lists_quarantined_stock_with_the_qc_reason(client, supervisor, site, cage):
    client.force_login(supervisor)

    response = client.get(reverse("supervisor-quarantine"))

    assert response.status_code == 200
    page = page_text(response)
    assert "CUP-250 Paper cup 250 ml" in page
    assert "QUAR-01" in page
    assert "failed QC: Damaged packaging" in page
    assert "1 line · 6 units" in page
    row = response.context["rows"][0]["quant"]
    assert row.since is not None
    assert row.reason == "failed QC: Damaged packaging"


def test_the_page_costs_the_same_queries_for_one_or_many_rows(
    client,
    supervisor,
    floor_user,
    site,
    cage,
    django_assert_num_queries,
    django_assert_max_num_queries,
):
    from tests.factories.inventory import ProductFactory

    client.force_login(supervisor)
    client.get(reverse("supervisor-quarantine"))
    with django_assert_max_num_queries(10) as one:
        client.get(reverse("supervisor-quarantine"))
    for n in range(4):
        product = ProductFactory(sku=f"JAR-{n}", requires_qc=True)
        quarantined(site.warehouse, 2, floor_user.pk, "cracked", product=product)

    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get(reverse("supervisor-quarantine"))

    assert len(response.context["rows"]) == 5


def test_the_page_is_for_supervisors_only(client, floor_user, purchaser, site):
    for user in (floor_user, purchaser):
        client.force_login(user)
        assert client.get(reverse("supervisor-quarantine")).status_code == 403


def test_an_empty_quarantine_says_so(client, supervisor, site):
    client.force_login(supervisor)

    response = client.get(reverse("supervisor-quarantine"))

    assert "Nothing in quarantine in MAIN." in page_text(response)


def test_the_supervisor_home_links_to_quarantine_with_its_units(client, supervisor, site, cage):
    client.force_login(supervisor)

    response = client.get(reverse("supervisor-home"))

    assert f'href="{reverse("supervisor-quarantine")}"' in response.content.decode()
    assert "Quarantine 6 units" in page_text(response)


def test_release_moves_units_to_the_dock_with_the_reason(client, supervisor, site, cage):
    client.force_login(supervisor)

    response = _decide(client, cage, "release", quantity="4", reason="repacked, fine")

    assert response.status_code == 200
    assert "Released 4 × CUP-250 to the dock; putaway follows." in page_text(response)
    assert "1 line · 2 units" in page_text(response)
    assert 'data-feedback="success"' in response.content.decode()
    assert _cage_left(cage) == 2
    move = StockMove.objects.get(kind="quarantine", reason__startswith="released")
    assert move.reason == "released from quarantine: repacked, fine"
    assert move.actor == supervisor
    level = StockLevel.objects.get(product=cage.product)
    assert (level.quarantined, level.in_receiving) == (2, 4)


def test_scrap_takes_units_out_of_the_building(client, supervisor, site, cage):
    client.force_login(supervisor)

    response = _decide(client, cage, "scrap", quantity="6", reason="mould")

    assert "Scrapped 6 × CUP-250." in page_text(response)
    assert "Nothing in quarantine" in page_text(response)
    assert StockMove.objects.get(kind="scrap").reason == "scrapped from quarantine: mould"
    assert StockLevel.objects.get(product=cage.product).on_hand == 0


def test_a_double_click_decides_once(client, supervisor, site, cage):
    client.force_login(supervisor)

    _decide(client, cage, "scrap", quantity="6")
    again = _decide(client, cage, "scrap", quantity="6")

    assert again.status_code == 200
    assert _moves("scrap") == 1


def test_without_htmx_a_decision_redirects_with_a_message(client, supervisor, site, cage):
    client.force_login(supervisor)
    url = reverse("supervisor-quarantine-decide", args=[cage.pk, "release"])

    response = client.post(url, {"quantity": "1", "reason": "ok", "key": KEY}, follow=True)

    assert response.redirect_chain == [(reverse("supervisor-quarantine"), 302)]
    assert "Released 1 × CUP-250" in page_text(response)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"reason": ""}, "Give the reason for the decision."),
        ({"reason": "   "}, "Give the reason for the decision."),
        ({"quantity": "7"}, "Between 1 and 6 units are in quarantine here."),
        ({"quantity": "0"}, "The quantity must be at least 1."),
        ({"quantity": "lots"}, "Enter the quantity as a whole number"),
        ({"key": ""}, "This form is out of date"),
        ({"reason": "x" * 151}, "Keep the reason under 150 characters."),
    ],
)
@pytest.mark.parametrize("action", ["release", "scrap"])
def test_bad_decisions_are_refused_and_change_nothing(
    client, supervisor, site, cage, action, data, message
):
    client.force_login(supervisor)
    before = StockMove.objects.count()

    response = _decide(client, cage, action, **data)

    assert response.status_code == 422
    assert message in page_text(response)
    assert 'data-feedback="error"' in response.content.decode()
    assert StockMove.objects.count() == before
    assert _cage_left(cage) == 6


def test_an_unknown_action_or_stock_elsewhere_is_refused(client, supervisor, site, cage):
    west = site_build(code="WEST", name="West depot")
    not_in_quarantine = Quant.objects.get(product=west.bolt, location__code="A-01-01")
    client.force_login(supervisor)
    before = StockMove.objects.count()

    burn = _decide(client, cage, "burn")
    elsewhere = _decide(client, not_in_quarantine, "scrap")

    assert burn.status_code == 422
    assert "Release or scrap, nothing else." in page_text(burn)
    assert elsewhere.status_code == 422
    assert "no longer in quarantine here" in page_text(elsewhere)
    assert StockMove.objects.count() == before


def test_a_floor_worker_cannot_decide(client, floor_user, site, cage):
    client.force_login(floor_user)

    response = _decide(client, cage, "scrap", quantity="6")

    assert response.status_code == 403
    assert _cage_left(cage) == 6
