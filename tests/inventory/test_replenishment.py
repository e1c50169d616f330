"""The reorder review: suggestion arithmetic against hand-computed cases, one open suggestion
per pair, decided ones untouched, stale ones closed, scope, and the on-commit trigger."""

from decimal import Decimal

import pytest
from django.db import transaction

from inventory.locks import stock_levels_lock
from inventory.models import ReorderSuggestion
from inventory.services.levels import stock_levels_apply
from inventory.services.replenishment import ReviewResult, reorder_review
from inventory.services.rules import reorder_rule_update
from inventory.services.suggestions import suggestion_dismiss, suggestions_approve
from tests.factories.inventory import ProductFactory, SupplierFactory, WarehouseFactory
from tests.inventory.replenishment_setup import forecast, level_set, offer, rule

pytestmark = pytest.mark.django_db


@pytest.fixture
def wh():
    return WarehouseFactory()


@pytest.fixture
def product():
    return ProductFactory(unit_cost="2.50")


@pytest.fixture
def supplier():
    return SupplierFactory(lead_time_days=5)


def open_one(product, warehouse) -> ReorderSuggestion:
    return ReorderSuggestion.objects.get(product=product, warehouse=warehouse, status="open")


def has_open(product, warehouse) -> bool:
    return ReorderSuggestion.objects.filter(
        product=product, warehouse=warehouse, status="open"
    ).exists()


# --- arithmetic --------------------------------------------------------------------------------


def test_min_max_orders_up_to_the_maximum(wh, product, supplier):
    offer(supplier, product, "1.20")
    rule(product, wh, 30, 100)
    level_set(product, wh, available=12)

    assert reorder_review() == ReviewResult(opened=1, updated=0, closed=0)

    s = open_one(product, wh)
    # 100 - (12 + 0) = 88; MOQ 1, pack 1.
    assert (s.suggested_quantity, s.available, s.on_order) == (88, 12, 0)
    assert (s.reorder_point, s.order_up_to) == (30, 100)
    assert s.supplier_id == supplier.pk
    assert s.unit_cost == Decimal("1.2000")
    assert s.lead_time_days == 5  # the supplier's: the offer names none
    assert s.quantity is None
    assert s.rule_id is not None
    assert s.reason == (
        "Available 12 + on order 0 is at or below the minimum 30. Order 88 to reach 100."
    )


def test_the_minimum_order_quantity_raises_a_small_need(wh, product, supplier):
    offer(supplier, product)
    rule(product, wh, 20, 50, min_order_quantity=50)
    level_set(product, wh, available=20)

    reorder_review()

    s = open_one(product, wh)
    assert s.suggested_quantity == 50  # need 30, MOQ 50
    assert "(30 needed; MOQ 50)" in s.reason


def test_the_quantity_is_rounded_up_to_whole_packs(wh, product, supplier):
    offer(supplier, product)
    rule(product, wh, 30, 77, pack_multiple=10)
    level_set(product, wh, available=30)

    reorder_review()

    assert open_one(product, wh).suggested_quantity == 50  # need 47 -> 5 packs of 10


def test_moq_first_then_packs(wh, product, supplier):
    # need 47; MOQ 50 -> 50; packs of 12 -> 60 (5 packs); the offer gives both.
    offer(supplier, product, moq=50, pack=12)
    rule(product, wh, 30, 77)
    level_set(product, wh, available=30)

    reorder_review()

    s = open_one(product, wh)
    assert s.suggested_quantity == 60
    assert s.reason.endswith("Order 60 to reach 77 (47 needed; MOQ 50, packs of 12).")


def test_the_rules_moq_and_pack_win_over_the_offers(wh, product, supplier):
    offer(supplier, product, moq=100, pack=25)
    rule(product, wh, 30, 77, min_order_quantity=10, pack_multiple=4)
    level_set(product, wh, available=30)

    reorder_review()

    assert open_one(product, wh).suggested_quantity == 48  # need 47 -> 12 packs of 4


def test_stock_on_order_counts(wh, product, supplier):
    offer(supplier, product)
    rule(product, wh, 30, 100)
    level_set(product, wh, available=10, on_order=15)

    reorder_review()

    s = open_one(product, wh)
    assert (s.suggested_quantity, s.available, s.on_order) == (75, 10, 15)  # 100 - 25

    level_set(product, wh, available=10, on_order=25)  # 35 > 30: nothing to buy
    reorder_review()
    assert not has_open(product, wh)


def test_stock_on_the_dock_and_in_qc_counts_as_arriving_not_as_available(wh, product, supplier):
    offer(supplier, product)
    rule(product, wh, 30, 100)
    # 10 available + 20 arriving = 30: at the reorder point; order up to 100.
    level_set(product, wh, available=10, in_qc=15, in_receiving=5, quarantined=40)

    reorder_review()

    s = open_one(product, wh)
    assert (s.available, s.suggested_quantity) == (10, 70)  # quarantine does not count
    assert "20 on the dock or in qc" in s.reason.lower()

    level_set(product, wh, available=10, in_qc=16, in_receiving=5)  # 31 > 30
    reorder_review()
    assert not has_open(product, wh)


def test_exactly_at_the_reorder_point_reorders_one_above_does_not(wh, product, supplier):
    other = ProductFactory()
    offer(supplier, product)
    offer(supplier, other)
    rule(product, wh, 30, 100)
    rule(other, wh, 30, 100)
    level_set(product, wh, available=30)
    level_set(other, wh, available=31)

    assert reorder_review().opened == 1

    assert open_one(product, wh).suggested_quantity == 70
    assert not has_open(other, wh)


def test_nothing_is_suggested_when_the_maximum_is_already_reached(wh, product, supplier):
    offer(supplier, product)
    rule(product, wh, 0, 0)  # at or below 0, but up to 0: nothing to buy

    assert reorder_review() == ReviewResult(0, 0, 0)


def test_forecast_policy_uses_the_forecast_above_the_rules_floor(wh, product, supplier):
    offer(supplier, product, lead=7)
    rule(product, wh, 10, 20, policy="forecast")
    forecast(product, wh, average=3.14, point=30, up_to=52, lead=7, safety=8.02)
    level_set(product, wh, available=12)

    reorder_review()

    s = open_one(product, wh)
    assert (s.reorder_point, s.order_up_to, s.suggested_quantity) == (30, 52, 40)
    assert s.average_daily == pytest.approx(3.14)
    assert s.days_of_cover == pytest.approx(12 / 3.14)
    assert s.reason == (
        "Available 12 + on order 0 is at or below the reorder point 30 "
        "(lead time 7 d x 3.1/day + safety 8). Order 40 to reach 52."
    )


def test_forecast_policy_keeps_the_rules_minimum_and_maximum_as_a_floor(wh, product, supplier):
    offer(supplier, product)
    rule(product, wh, 40, 90, policy="forecast")
    forecast(product, wh, average=1.0, point=30, up_to=37)
    level_set(product, wh, available=35)

    reorder_review()

    s = open_one(product, wh)
    assert (s.reorder_point, s.order_up_to, s.suggested_quantity) == (40, 90, 55)
    assert "reorder point 40 (the rule's minimum)" in s.reason


def test_a_forecast_rule_without_a_forecast_falls_back_to_its_minimum(wh, product, supplier):
    offer(supplier, product)
    rule(product, wh, 5, 25, policy="forecast")

    reorder_review()

    s = open_one(product, wh)
    assert (s.reorder_point, s.order_up_to, s.suggested_quantity) == (5, 25, 25)
    assert s.days_of_cover is None  # no demand known


# --- the supplier ------------------------------------------------------------------------------


def test_the_rules_supplier_wins_over_a_cheaper_offer(wh, product):
    cheap, chosen = SupplierFactory(), SupplierFactory(lead_time_days=9)
    offer(cheap, product, "0.50")
    offer(chosen, product, "0.90", lead=4, moq=25)
    rule(product, wh, 10, 30, supplier=chosen)
    level_set(product, wh, available=10)

    reorder_review()

    s = open_one(product, wh)
    assert s.supplier_id == chosen.pk
    assert (s.unit_cost, s.lead_time_days, s.suggested_quantity) == (Decimal("0.9000"), 4, 25)


def test_the_rules_supplier_without_an_offer_uses_its_lead_time_and_the_products_cost(wh, product):
    chosen = SupplierFactory(lead_time_days=11)
    offer(SupplierFactory(), product, "0.10")
    rule(product, wh, 10, 30, supplier=chosen)

    reorder_review()

    s = open_one(product, wh)
    assert (s.supplier_id, s.unit_cost, s.lead_time_days) == (chosen.pk, Decimal("2.5000"), 11)


def test_without_a_rule_supplier_the_cheapest_then_fastest_active_offer_wins(wh, product):
    slow, fast, pricey = (SupplierFactory(lead_time_days=days) for days in (10, 3, 1))
    closed_down = SupplierFactory(is_active=False)
    offer(slow, product, "1.00")
    offer(fast, product, "1.00")
    offer(pricey, product, "1.01")
    offer(closed_down, product, "0.10")  # the supplier is inactive
    offer(SupplierFactory(), product, "0.20", active=False)  # the offer is inactive
    rule(product, wh, 10, 30)

    reorder_review()

    s = open_one(product, wh)
    assert (s.supplier_id, s.lead_time_days, s.unit_cost) == (fast.pk, 3, Decimal("1.0000"))


def test_an_offers_own_lead_time_counts_before_its_suppliers(wh, product):
    quick_offer = SupplierFactory(lead_time_days=20)
    offer(quick_offer, product, "1.00", lead=2)
    offer(SupplierFactory(lead_time_days=5), product, "1.00")
    rule(product, wh, 10, 30)

    reorder_review()

    assert open_one(product, wh).supplier_id == quick_offer.pk


def test_without_any_offer_the_suggestion_has_no_supplier(wh, product):
    rule(product, wh, 10, 30)

    reorder_review()

    s = open_one(product, wh)
    assert s.supplier_id is None
    assert s.unit_cost == Decimal("2.5000")  # the product's
    assert s.lead_time_days == 7  # the default
    assert s.reason.endswith("No active supplier offers this product: choose one.")


# --- one open suggestion per pair, decided ones untouched, stale ones closed ----------------


def test_a_second_review_updates_the_open_suggestion_never_duplicates(wh, product, supplier):
    offer(supplier, product)
    rule(product, wh, 30, 100)
    level_set(product, wh, available=12)
    reorder_review()
    first = open_one(product, wh)

    assert reorder_review() == ReviewResult(0, 0, 0)  # nothing changed: nothing written

    level_set(product, wh, available=4)
    assert reorder_review() == ReviewResult(opened=0, updated=1, closed=0)

    again = open_one(product, wh)
    assert again.pk == first.pk
    assert again.suggested_quantity == 96
    assert ReorderSuggestion.objects.filter(product=product, warehouse=wh).count() == 1


def test_the_purchasers_quantity_survives_a_review(wh, product, supplier, purchaser):
    from inventory.services.suggestions import suggestion_quantity_set

    offer(supplier, product)
    rule(product, wh, 30, 100)
    level_set(product, wh, available=12)
    reorder_review()
    s = open_one(product, wh)
    suggestion_quantity_set(suggestion_id=s.pk, quantity=120, user_id=purchaser.pk)

    level_set(product, wh, available=2)
    reorder_review()

    s.refresh_from_db()
    assert (s.suggested_quantity, s.quantity) == (98, 120)


def test_approved_suggestions_are_untouched_and_their_draft_counts(
    wh, product, supplier, purchaser
):
    offer(supplier, product)
    rule(product, wh, 30, 100)
    level_set(product, wh, available=12)
    reorder_review()
    approved = open_one(product, wh)
    suggestions_approve(suggestion_ids=[approved.pk], user_id=purchaser.pk)
    before = ReorderSuggestion.objects.get(pk=approved.pk)

    # The 88 units wait on a draft order: 12 + 0 + 88 = 100 > 30, nothing more to buy.
    assert reorder_review() == ReviewResult(0, 0, 0)
    level_set(product, wh, available=0)  # 0 + 88 > 30 still
    assert reorder_review() == ReviewResult(0, 0, 0)

    after = ReorderSuggestion.objects.get(pk=approved.pk)
    assert (after.status, after.suggested_quantity, after.available, after.updated_at) == (
        "approved",
        88,
        12,
        before.updated_at,
    )


def test_a_draft_order_reduces_the_next_suggestion(wh, product, supplier, purchaser):
    offer(supplier, product)
    rule(product, wh, 30, 100)
    level_set(product, wh, available=12)
    reorder_review()
    suggestions_approve(
        suggestion_ids=[open_one(product, wh).pk], user_id=purchaser.pk, quantities={}
    )
    level_set(product, wh, available=0)
    reorder_rule_update(rule=product.reorder_rules.get(), min_quantity=90, max_quantity=150)

    reorder_review()

    s = open_one(product, wh)
    assert s.suggested_quantity == 62  # 150 - (0 + 0 + 88 on the draft)
    assert s.reason.startswith("Available 0 + on order 0 + 88 on draft orders is at or below")


def test_dismissed_suggestions_are_untouched_and_a_new_one_opens(wh, product, supplier, purchaser):
    offer(supplier, product)
    rule(product, wh, 30, 100)
    level_set(product, wh, available=12)
    reorder_review()
    dismissed = suggestion_dismiss(
        suggestion_id=open_one(product, wh).pk, user_id=purchaser.pk, reason="supplier closed"
    )

    assert reorder_review() == ReviewResult(opened=1, updated=0, closed=0)

    dismissed.refresh_from_db()
    assert (dismissed.status, dismissed.dismiss_reason) == ("dismissed", "supplier closed")
    assert open_one(product, wh).pk != dismissed.pk


def test_open_suggestions_no_longer_needed_are_closed(wh, product, supplier):
    gone = ProductFactory()
    offer(supplier, product)
    rule(product, wh, 30, 100)
    gone_rule = rule(gone, wh, 30, 100)
    level_set(product, wh, available=12)
    reorder_review()
    stale = open_one(product, wh)
    stale_too = open_one(gone, wh)

    level_set(product, wh, available=40)
    reorder_rule_update(rule=gone_rule, is_active=False)
    assert reorder_review() == ReviewResult(opened=0, updated=0, closed=2)

    stale.refresh_from_db()
    stale_too.refresh_from_db()
    assert stale.status == stale_too.status == "dismissed"
    assert stale.dismiss_reason == (
        "no longer needed: available 40 + on order 0 is above the reorder point 30"
    )
    assert stale_too.dismiss_reason == "no longer needed: no active reorder rule"
    assert stale.decided_by_id is None
    assert stale.decided_at is not None


def test_a_review_of_one_warehouse_or_some_products_leaves_the_rest_alone(product, supplier):
    north, south = WarehouseFactory(), WarehouseFactory()
    other = ProductFactory()
    offer(supplier, product)
    offer(supplier, other)
    for wh in (north, south):
        rule(product, wh, 30, 100)
        rule(other, wh, 30, 100)

    assert reorder_review(warehouse_id=north.pk).opened == 2
    assert not has_open(product, south)
    assert reorder_review(product_ids=[product.pk]).opened == 1  # south's
    assert not has_open(other, south)
    assert reorder_review(product_ids=[]) == ReviewResult(0, 0, 0)

    # A scoped review closes only within its scope.
    level_set(other, north, available=500)
    level_set(product, north, available=500)
    assert reorder_review(warehouse_id=north.pk, product_ids=[other.pk]).closed == 1
    assert has_open(product, north)


def test_inactive_products_and_warehouses_are_not_reviewed(supplier):
    product = ProductFactory(is_active=False)
    wh = WarehouseFactory()
    offer(supplier, product)
    rule(product, wh, 30, 100)

    assert reorder_review() == ReviewResult(0, 0, 0)


def test_the_review_is_a_handful_of_statements(django_assert_max_num_queries, wh, supplier):
    for n in range(30):
        p = ProductFactory()
        offer(supplier, p)
        rule(p, wh, 30, 100)
        level_set(p, wh, available=n * 2)

    with django_assert_max_num_queries(4):  # savepoint, lock, review, release
        result = reorder_review()

    assert result.opened == 16  # 0, 2, ..., 30


# --- the trigger: a drop to the reorder point enqueues a review on commit --------------------


def _apply(product, wh, **deltas) -> None:
    key = (product.pk, wh.pk)
    with transaction.atomic():
        stock_levels_lock(keys=[key])
        stock_levels_apply(deltas={key: deltas})


def test_a_drop_to_the_reorder_point_enqueues_a_review_on_commit(
    wh, product, supplier, django_capture_on_commit_callbacks
):
    offer(supplier, product)
    rule(product, wh, 30, 100)
    level_set(product, wh, available=35)

    with django_capture_on_commit_callbacks() as callbacks:
        _apply(product, wh, reserved=4)  # 31: still above
    assert callbacks == []

    with django_capture_on_commit_callbacks() as callbacks:
        _apply(product, wh, reserved=1)  # 30: at the reorder point
    assert len(callbacks) == 1
    assert callbacks[0].func.__name__ == "delay"
    assert callbacks[0].keywords == {"warehouse_id": wh.pk, "product_ids": [product.pk]}

    reorder_review()  # an open suggestion now exists: a further drop needs no new trigger
    with django_capture_on_commit_callbacks() as callbacks:
        _apply(product, wh, quarantined=5, on_hand=5, reserved=2)
    assert callbacks == []


def test_rises_and_pairs_without_a_rule_enqueue_nothing(
    wh, product, supplier, django_capture_on_commit_callbacks
):
    ruleless = ProductFactory()
    offer(supplier, product)
    rule(product, wh, 30, 100)
    level_set(product, wh, available=10)
    level_set(ruleless, wh, available=10)

    with django_capture_on_commit_callbacks() as callbacks:
        _apply(product, wh, on_order=5)  # below the point, but a rise
        _apply(ruleless, wh, reserved=10)  # a drop, but no rule
    assert callbacks == []


def test_a_drop_below_a_forecasts_reorder_point_enqueues_too(
    wh, product, supplier, django_capture_on_commit_callbacks
):
    offer(supplier, product)
    rule(product, wh, 5, 10, policy="forecast")
    forecast(product, wh, average=2.0, point=40, up_to=54)
    level_set(product, wh, available=45)

    with django_capture_on_commit_callbacks() as callbacks:
        _apply(product, wh, reserved=6)  # 39 <= 40
    assert len(callbacks) == 1


def test_a_receipt_on_the_dock_and_a_qc_pass_enqueue_nothing_a_qc_fail_does(
    wh, product, supplier, django_capture_on_commit_callbacks
):
    offer(supplier, product)
    rule(product, wh, 30, 100)
    level_set(product, wh, available=10, on_order=90)

    with django_capture_on_commit_callbacks() as callbacks:
        # 60 of the 90 arrive: on order becomes dock stock, then QC stock; the position stays.
        _apply(product, wh, on_order=-60, on_hand=60, in_receiving=60)
        _apply(product, wh, in_receiving=-60, in_qc=60)
        _apply(product, wh, in_qc=-20)  # 20 pass QC: available 30
    assert callbacks == []

    with django_capture_on_commit_callbacks() as callbacks:
        _apply(product, wh, in_qc=-40, quarantined=40)  # 40 fail: 30 + 30 on order = 60
        _apply(product, wh, reserved=30)  # 0 + 30 on order: at the point
    assert len(callbacks) == 1
