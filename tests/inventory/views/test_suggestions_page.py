"""The purchaser's reorder suggestions page: the table, its filters and sorting, the quantity
edited in place, approving one or many, dismissing, the review on demand, who may do what."""

import re

import pytest
from django.urls import reverse

from inventory.models import PurchaseOrder, PurchaseOrderLine, ReorderSuggestion
from tests.inventory.replenishment_setup import level_set
from tests.inventory.views.purchasing_scenario import desk_build, scoped_purchaser
from tests.warehouse.views.scenario import page_text

HTMX = {"HX-Request": "true"}
URL = reverse("purchaser-suggestions")

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(db):
    return desk_build()


@pytest.fixture
def buyer(client, purchaser):
    client.force_login(purchaser)
    return purchaser


def _skus(response) -> list[str]:
    return [row.suggestion.product.sku for row in response.context["page"].object_list]


def _main(desk, **params) -> dict:
    return {"warehouse": desk.main.pk, **params}


def _snapshot() -> list[tuple]:
    """Everything a refused action must leave as it was."""
    return sorted(
        ReorderSuggestion.objects.values_list(
            "pk", "status", "quantity", "suggested_quantity", "purchase_order_id", "dismiss_reason"
        )
    ) + [("orders", PurchaseOrder.objects.count(), PurchaseOrderLine.objects.count())]


# --- the table -------------------------------------------------------------------------------


def test_most_urgent_first_with_figures_reason_and_chart(client, buyer, desk):
    response = client.get(URL, _main(desk))

    assert response.status_code == 200
    # Out of stock first (0 days of cover), then by days of cover; no demand last.
    assert _skus(response) == ["BOLT-M8", "GLOVE-L", "CABLE-5M", "NOSUP-1", "TAPE-48"]
    text = page_text(response)
    # product, warehouse, available, on order, reorder point (to max), quantity, supplier,
    # unit cost, value, days of cover and urgency, then the reason below.
    assert (
        "GLOVE-L Nitrile gloves, size L MAIN 30 5 40 to 120 ACME Acme Wholesale 4.20 357.00 "
        "9.1 d Soon" in text
    )
    assert "Available 30 + on order 5 is at or below the minimum 40. Order 85 to reach 120." in text
    assert "BOLT-M8 Hex bolt M8 x 40, zinc MAIN Out 0 0 200 to 1,000" in text
    assert "0.045 45.00 0.0 d Critical" in text  # 1000 x 0.045, a cost with a 3rd decimal
    assert "NOSUP-1 Gadget nobody sells MAIN Out 0 0 5 to 10 No supplier" in text
    body = response.content.decode()
    # The sparkline: weekly totals, drawn on the server, labelled for screen readers.
    assert (
        'aria-label="Units shipped per week, last 8 weeks, oldest first: '
        '140, 150, 120, 160, 170, 150, 180, 210"' in body
    )
    assert "<polyline" in body
    assert 'aria-label="No demand in the last 8 weeks"' in body  # tape


def test_the_current_warehouse_is_shown_unless_another_is_chosen(client, buyer, desk):
    session = client.session
    session["wms_warehouse_id"] = desk.east.pk
    session.save()

    assert _skus(client.get(URL)) == ["BOLT-M8"]  # EAST's only suggestion
    everything = client.get(URL, {"warehouse": "all", "sort": "warehouse"})
    assert [
        (row.suggestion.warehouse.code, row.suggestion.product.sku)
        for row in everything.context["page"].object_list
    ][:2] == [("EAST", "BOLT-M8"), ("MAIN", "BOLT-M8")]
    assert len(everything.context["page"].object_list) == 6


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"urgency": "critical"}, ["BOLT-M8", "NOSUP-1"]),
        ({"urgency": "soon"}, ["GLOVE-L"]),
        ({"urgency": "later"}, ["CABLE-5M", "TAPE-48"]),
        ({"sort": "-value"}, ["GLOVE-L", "CABLE-5M", "TAPE-48", "BOLT-M8", "NOSUP-1"]),
        ({"sort": "product"}, ["BOLT-M8", "CABLE-5M", "GLOVE-L", "NOSUP-1", "TAPE-48"]),
        ({"sort": "-product"}, ["TAPE-48", "NOSUP-1", "GLOVE-L", "CABLE-5M", "BOLT-M8"]),
        ({"sort": "supplier"}, ["NOSUP-1", "BOLT-M8", "GLOVE-L", "TAPE-48", "CABLE-5M"]),
    ],
)
def test_filter_by_urgency_and_sort(client, buyer, desk, params, expected):
    assert _skus(client.get(URL, _main(desk, **params))) == expected


def test_filter_by_supplier(client, buyer, desk):
    response = client.get(URL, _main(desk, supplier=desk.boltco.pk))

    assert _skus(response) == ["CABLE-5M"]
    assert "Matching open suggestions" in page_text(response)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"urgency": "panic"}, "Urgency is critical, soon or later, not panic; showing all."),
        ({"sort": "colour"}, "Cannot sort by colour; sorted by days of cover instead."),
        ({"supplier": "999999"}, "There is no supplier 999999; showing all suppliers."),
    ],
)
def test_a_bad_filter_is_named_and_left_out(client, buyer, desk, params, message):
    response = client.get(URL, _main(desk, **params))

    assert response.status_code == 200
    assert message in page_text(response)
    assert len(_skus(response)) == 5


def test_a_filter_change_answers_with_the_table_only(client, buyer, desk):
    response = client.get(URL, _main(desk, urgency="soon"), headers=HTMX)

    body = response.content.decode()
    assert body.lstrip().startswith('<div id="suggestions-results"')
    assert "<html" not in body
    assert _skus(response) == ["GLOVE-L"]


def test_queries_do_not_grow_with_the_rows(
    client, buyer, desk, django_assert_max_num_queries, django_assert_num_queries
):
    client.get(URL)  # the first page of a session stores the current warehouse in it
    # The shell (session, user, permissions, scope, warehouses: 10) and the table: suppliers,
    # count, page, demand of every row (4).
    with django_assert_max_num_queries(14) as few:
        assert len(_skus(client.get(URL, {"warehouse": "all"}))) == 6
    # Twenty more suggestions, each with its own demand history and chart.
    from tests.factories.inventory import ProductFactory
    from tests.inventory.replenishment_setup import offer, rule
    from tests.inventory.views.purchasing_scenario import weekly_demand

    for n in range(20):
        product = ProductFactory(sku=f"MORE-{n:02d}")
        offer(desk.boltco, product, "1.00")
        rule(product, desk.main, 10, 20)
        weekly_demand(product, desk.main, [n, 1, 2, 3, 4, 5, 6, 7])
    from inventory.services.replenishment import reorder_review

    reorder_review(warehouse_id=desk.main.pk)

    with django_assert_num_queries(len(few.captured_queries)):
        assert len(_skus(client.get(URL, {"warehouse": "all"}))) == 26


# --- who may see and do what ---------------------------------------------------------------


def _every_page(desk) -> list[tuple[str, str]]:
    s = desk.suggestion("GLOVE-L")
    return [
        ("get", URL),
        ("post", reverse("suggestions-approve")),
        ("post", reverse("suggestions-review")),
        ("post", reverse("suggestion-quantity", args=[s.pk])),
        ("post", reverse("suggestion-approve", args=[s.pk])),
        ("post", reverse("suggestion-dismiss", args=[s.pk])),
    ]


def test_floor_staff_may_not_open_or_act(client, floor_user, desk):
    client.force_login(floor_user)
    before = _snapshot()

    for method, url in _every_page(desk):
        assert getattr(client, method)(url, {"suggestion": [1], "quantity": 5}).status_code == 403
    assert _snapshot() == before


def test_a_supervisor_may_review_and_decide_too(client, supervisor, desk):
    client.force_login(supervisor)
    s = desk.suggestion("TAPE-48")

    assert client.get(URL, _main(desk)).status_code == 200
    response = client.post(reverse("suggestion-approve", args=[s.pk]), headers=HTMX)

    assert response.status_code == 200
    assert ReorderSuggestion.objects.get(pk=s.pk).status == "approved"


def test_a_purchaser_of_one_warehouse_sees_only_its_suggestions(client, desk):
    client.force_login(scoped_purchaser("east-buyer", desk.east))

    response = client.get(URL, {"warehouse": "all"})
    assert _skus(response) == ["BOLT-M8"]
    assert {row.suggestion.warehouse.code for row in response.context["page"].object_list} == {
        "EAST"
    }
    # Asking for MAIN by id is refused by name, and EAST is shown.
    refused = client.get(URL, {"warehouse": desk.main.pk})
    assert f"You do not work in warehouse {desk.main.pk}; showing the current one." in page_text(
        refused
    )
    assert _skus(refused) == ["BOLT-M8"]
    assert "MAIN" not in [
        c.split(" ")[0] for _, c in refused.context["form"].fields["warehouse"].choices
    ]


def test_a_purchaser_of_one_warehouse_cannot_act_on_another(client, desk):
    client.force_login(scoped_purchaser("east-buyer", desk.east))
    theirs = desk.suggestion("GLOVE-L")  # in MAIN
    before = _snapshot()

    for name in ("suggestion-quantity", "suggestion-approve", "suggestion-dismiss"):
        url = reverse(name, args=[theirs.pk])
        assert client.post(url, {"quantity": 5}, headers=HTMX).status_code == 404
    mine = desk.suggestion("BOLT-M8", desk.east)
    response = client.post(
        reverse("suggestions-approve"), {"suggestion": [mine.pk, theirs.pk]}, headers=HTMX
    )
    assert response.status_code == 422
    assert "not in your warehouses" in page_text(response)
    assert _snapshot() == before


# --- the quantity, in place ------------------------------------------------------------------


def test_edit_a_quantity_in_place(client, buyer, desk):
    s = desk.suggestion("GLOVE-L")

    response = client.post(
        reverse("suggestion-quantity", args=[s.pk]), {"quantity": "100"}, headers=HTMX
    )

    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith(f'<tbody id="suggestion-{s.pk}"')
    assert 'value="100"' in body
    text = page_text(response)
    assert "Saved: order 100." in text
    assert "420.00" in text  # the value follows: 100 x 4.20
    s.refresh_from_db()
    assert (s.quantity, s.suggested_quantity, s.status) == (100, 85, "open")
    # Drawn again later, the row says what the review suggested.
    again = client.get(URL, _main(desk))
    assert "suggested 85" in page_text(again)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        (
            "abc",
            "“abc” is not a quantity. Enter the quantity as a whole number, like 60. Still 85.",
        ),
        (
            "2.5",
            "“2.5” is not a quantity. Enter the quantity as a whole number, like 60. Still 85.",
        ),
        ("0", "“0” is not a quantity. The quantity must be at least 1. Still 85."),
        ("-4", "“-4” is not a quantity. The quantity must be at least 1. Still 85."),
        ("", "Enter a quantity, like 60."),
        ("100000001", "The quantity must be at most 100,000,000. Still 85."),
    ],
)
def test_a_bad_quantity_keeps_the_old_one_and_says_why(client, buyer, desk, typed, message):
    s = desk.suggestion("GLOVE-L")
    before = _snapshot()

    response = client.post(
        reverse("suggestion-quantity", args=[s.pk]), {"quantity": typed}, headers=HTMX
    )

    assert response.status_code == 422
    assert message in page_text(response)
    assert 'value="85"' in response.content.decode()  # the old value stays in the field
    assert 'aria-invalid="true"' in response.content.decode()
    assert _snapshot() == before


def test_editing_a_decided_suggestion_is_a_conflict(client, buyer, desk):
    s = desk.suggestion("GLOVE-L")
    client.post(reverse("suggestion-approve", args=[s.pk]), headers=HTMX)
    before = _snapshot()

    response = client.post(
        reverse("suggestion-quantity", args=[s.pk]), {"quantity": "5"}, headers=HTMX
    )

    assert response.status_code == 409
    assert "The suggestion for GLOVE-L is already approved." in page_text(response)
    assert _snapshot() == before


def test_without_htmx_an_edit_goes_back_to_the_list_with_a_message(client, buyer, desk):
    s = desk.suggestion("GLOVE-L")
    query = f"?warehouse={desk.main.pk}&sort=product"

    response = client.post(
        reverse("suggestion-quantity", args=[s.pk]) + query, {"quantity": "90"}, follow=True
    )

    assert response.redirect_chain[-1][0] == URL + query
    assert "GLOVE-L: Saved: order 90." in page_text(response)


# --- approving and dismissing --------------------------------------------------------------------


def test_approve_selected_makes_one_draft_per_supplier_and_links_them(client, buyer, desk):
    chosen = [desk.suggestion(sku) for sku in ("BOLT-M8", "GLOVE-L", "CABLE-5M")]
    client.post(
        reverse("suggestion-quantity", args=[chosen[1].pk]), {"quantity": "90"}, headers=HTMX
    )

    response = client.post(
        reverse("suggestions-approve") + f"?warehouse={desk.main.pk}",
        {"suggestion": [s.pk for s in chosen]},
        headers=HTMX,
    )

    assert response.status_code == 200
    acme = PurchaseOrder.objects.get(supplier=desk.acme, warehouse=desk.main)
    boltco = PurchaseOrder.objects.get(supplier=desk.boltco, warehouse=desk.main)
    assert acme.status == boltco.status == "draft"
    assert {line.product.sku: line.quantity for line in acme.lines.all()} == {
        "BOLT-M8": 1000,
        "GLOVE-L": 90,  # the edited quantity
    }
    text = page_text(response)
    assert (
        f"Approved 3 suggestions into 2 draft purchase orders: {acme.number}, {boltco.number}."
        in text
    )
    assert f"{acme.number} · ACME Acme Wholesale → MAIN · 2 lines, 1,090 units · draft" in text
    body = response.content.decode()
    assert f'href="{reverse("purchase-order", args=[acme.pk])}"' in body
    assert f'href="{reverse("purchase-order", args=[boltco.pk])}"' in body
    # The approved ones left the open list; the rest stay.
    assert _skus(response) == ["NOSUP-1", "TAPE-48"]


def test_approving_again_extends_the_same_draft(client, buyer, desk):
    client.post(reverse("suggestion-approve", args=[desk.suggestion("GLOVE-L").pk]), headers=HTMX)

    response = client.post(
        reverse("suggestion-approve", args=[desk.suggestion("TAPE-48").pk]), headers=HTMX
    )

    order = PurchaseOrder.objects.get()
    assert f"Approved 48 on {order.number}." in page_text(response)
    assert order.lines.count() == 2


def _ticked(desk, approved, labels: list[str]) -> list:
    """Checkbox values: a SKU stands for its open MAIN suggestion, APPROVED for a decided one."""
    return [
        approved.pk if label == "APPROVED" else desk.suggestion(label).pk if "-" in label else label
        for label in labels
    ]


@pytest.mark.parametrize(
    ("ticked", "status", "message"),
    [
        ([], 422, "Tick the suggestions to approve first."),
        (["x"], 422, "The list is out of date: reload the page."),
        (["NOSUP-1", "GLOVE-L"], 422, "Nothing was approved. No supplier for NOSUP-1 in MAIN"),
        (["GLOVE-L", "APPROVED"], 409, "Nothing was approved. The suggestion for TAPE-48 is "),
    ],
)
def test_a_refused_bulk_approval_changes_nothing(client, buyer, desk, ticked, status, message):
    approved = desk.suggestion("TAPE-48")
    client.post(reverse("suggestion-approve", args=[approved.pk]), headers=HTMX)
    values = _ticked(desk, approved, ticked)
    before = _snapshot()

    response = client.post(
        reverse("suggestions-approve") + f"?warehouse={desk.main.pk}",
        {"suggestion": values},
        headers=HTMX,
    )

    assert response.status_code == status
    assert message in page_text(response)
    assert _snapshot() == before
    # The open ones ticked stay ticked, to fix and try again.
    body = response.content.decode()
    for value in values:
        if isinstance(value, int) and value != approved.pk:
            assert re.search(rf'value="{value}" form="approve-form"[^>]*checked', body)


def test_dismiss_with_a_reason(client, buyer, desk):
    s = desk.suggestion("TAPE-48")

    response = client.post(
        reverse("suggestion-dismiss", args=[s.pk]),
        {"reason": "  Moving to a new tape supplier  "},
        headers=HTMX,
    )

    assert response.status_code == 200
    assert "Dismissed Moving to a new tape supplier" in page_text(response)
    s.refresh_from_db()
    assert (s.status, s.dismiss_reason, s.decided_by_id) == (
        "dismissed",
        "Moving to a new tape supplier",
        buyer.pk,
    )
    assert "TAPE-48" not in _skus(client.get(URL, _main(desk)))


def test_a_too_long_dismiss_reason_is_refused(client, buyer, desk):
    s = desk.suggestion("TAPE-48")
    before = _snapshot()

    response = client.post(
        reverse("suggestion-dismiss", args=[s.pk]), {"reason": "x" * 301}, headers=HTMX
    )

    assert response.status_code == 422
    assert "Keep the reason within 300 characters." in page_text(response)
    assert _snapshot() == before


def test_approving_a_suggestion_without_supplier_says_which(client, buyer, desk):
    s = desk.suggestion("NOSUP-1")

    response = client.post(reverse("suggestion-approve", args=[s.pk]), headers=HTMX)

    assert response.status_code == 422
    assert "No supplier for NOSUP-1 in MAIN: choose one on its reorder rule first." in page_text(
        response
    )
    assert ReorderSuggestion.objects.get(pk=s.pk).status == "open"


def test_an_unknown_suggestion_is_404(client, buyer, desk):
    assert client.post(reverse("suggestion-approve", args=[999999])).status_code == 404


# --- the review on demand ----------------------------------------------------------------------


def test_run_review_now_shows_what_it_did(client, buyer, desk):
    level_set(desk.products["CABLE-5M"], desk.main, available=59)  # no longer needed
    level_set(desk.products["GLOVE-L"], desk.main, available=10, on_order=5)  # needs more

    response = client.post(
        reverse("suggestions-review") + f"?warehouse={desk.main.pk}", headers=HTMX
    )

    assert response.status_code == 200
    assert "Review done: 0 new suggestions, 1 updated, 1 no longer needed." in page_text(response)
    assert "CABLE-5M" not in _skus(response)
    assert desk.suggestion("GLOVE-L").suggested_quantity == 105
    # EAST was not reviewed (the list showed MAIN only): its suggestion is as it was.
    assert desk.suggestion("BOLT-M8", desk.east).suggested_quantity == 400


def test_run_review_now_without_htmx_redirects_with_the_result(client, buyer, desk):
    response = client.post(reverse("suggestions-review"), follow=True)

    assert response.redirect_chain == [(URL, 302)]
    assert "Review done: 0 new suggestions, 0 updated, 0 no longer needed." in page_text(response)


def test_the_purchasers_home_leads_to_the_suggestions(client, buyer, desk):
    session = client.session
    session["wms_warehouse_id"] = desk.main.pk
    session.save()

    response = client.get(reverse("purchaser-home"))

    text = page_text(response)
    assert "Stock levels Reorder suggestions Purchase orders" in text  # the desk's tabs
    assert "Reorder suggestions: 5 open, 2 critical" in text
    assert f'href="{URL}"' in response.content.decode()


def test_without_htmx_approve_selected_goes_back_to_the_list(client, buyer, desk):
    chosen = [desk.suggestion("GLOVE-L").pk, desk.suggestion("TAPE-48").pk]
    query = f"?warehouse={desk.main.pk}"

    response = client.post(
        reverse("suggestions-approve") + query, {"suggestion": chosen}, follow=True
    )

    order = PurchaseOrder.objects.get()
    assert response.redirect_chain == [(URL + query, 302)]
    assert f"Approved 2 suggestions into 1 draft purchase order: {order.number}." in page_text(
        response
    )
    assert _skus(response) == ["BOLT-M8", "CABLE-5M", "NOSUP-1"]
