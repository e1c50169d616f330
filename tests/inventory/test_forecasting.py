"""Demand forecasts against hand-computed cases: EWMA (alpha 0.1) and its deviation, the
new-product fallback, z for 0.90 / 0.95 / 0.98, sqrt(lead time), ABC classes, lead times."""

import math
from datetime import date, timedelta
from decimal import Decimal

import pytest

from inventory.models import DemandForecast
from inventory.services.forecasting import (
    ALPHA,
    REVIEW_PERIOD_DAYS,
    demand_forecasts_compute,
    z_score,
)
from tests.factories.inventory import ProductFactory, SupplierFactory, WarehouseFactory
from tests.inventory.replenishment_setup import demand, offer, rule

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 31)
YESTERDAY = TODAY - timedelta(days=1)


def ago(age: int) -> date:
    """The day ``age`` days before yesterday (age 0: yesterday)."""
    return YESTERDAY - timedelta(days=age)


def computed(product, warehouse) -> DemandForecast:
    return DemandForecast.objects.get(product=product, warehouse=warehouse)


def reference_ewma(series: list[int]) -> tuple[float, float]:
    """The textbook recursion, oldest first, from S = 0, with its start-up bias removed."""
    mean = square = 0.0
    for x in series:
        mean = ALPHA * x + (1 - ALPHA) * mean
        square = ALPHA * x * x + (1 - ALPHA) * square
    correction = 1 - (1 - ALPHA) ** len(series)
    mean, square = mean / correction, square / correction
    return mean, math.sqrt(square - mean * mean)


@pytest.fixture
def wh():
    return WarehouseFactory()


def test_z_for_the_class_service_levels():
    assert z_score(Decimal("0.90")) == pytest.approx(1.2816, abs=1e-4)
    assert z_score(Decimal("0.95")) == pytest.approx(1.6449, abs=1e-4)
    assert z_score(Decimal("0.98")) == pytest.approx(2.0537, abs=1e-4)


def test_ewma_by_hand_two_demands_thirty_days_apart(wh):
    product = ProductFactory(unit_cost="1.00")
    offer(SupplierFactory(lead_time_days=30), product, lead=4)
    demand(product, wh, {ago(29): 10, ago(0): 10})  # 30 days, 28 of them without demand

    assert demand_forecasts_compute(today=TODAY) == 1

    f = computed(product, wh)
    # sum of weights = (1 - 0.9^30) / 0.1 = (1 - 0.0423912) / 0.1 = 9.576088
    # sum(w x)   = 10 x 0.9^29 + 10 = 10 x 0.0471013 + 10 = 10.471013 -> mean 1.093454
    # sum(w x^2) = 100 x 0.0471013 + 100 = 104.71013 -> 10.934541 - 1.093454^2 = 9.738899
    assert (f.method, f.history_days) == ("ewma", 30)
    assert f.average_daily == pytest.approx(1.093454, abs=1e-6)
    assert f.deviation_daily == pytest.approx(3.120721, abs=1e-6)
    # The only pair with demand value in its warehouse: class A, service level 0.98.
    assert (f.abc_class, f.service_level, f.lead_time_days) == ("A", 0.98, 4)
    # safety = 2.053749 x 3.120721 x sqrt(4) = 12.818354
    assert f.safety_stock == pytest.approx(12.818354, abs=1e-5)
    # reorder point = ceil(1.093454 x 4 + 12.818354) = ceil(17.192171) = 18
    # order-up-to = ceil(18 + 1.093454 x 7) = ceil(25.654178) = 26
    assert (f.reorder_point, f.order_up_to) == (18, 26)


def test_ewma_matches_the_textbook_recursion_on_a_random_year(wh):
    import random

    rng = random.Random(7)
    product = ProductFactory()
    series = [rng.choice([0, 0, 0, 2, 5, 9, 30]) for _ in range(365)]
    series[0] = 4  # the first day of the year has demand: 365 days of history
    demand(product, wh, {ago(364 - i): q for i, q in enumerate(series) if q})

    demand_forecasts_compute(today=TODAY)

    mean, deviation = reference_ewma(series)
    f = computed(product, wh)
    assert (f.method, f.history_days) == ("ewma", 365)
    assert f.average_daily == pytest.approx(mean, rel=1e-9)
    assert f.deviation_daily == pytest.approx(deviation, rel=1e-9)


def test_a_steady_seller_has_its_rate_and_no_deviation(wh):
    product = ProductFactory()
    demand(product, wh, {ago(age): 5 for age in range(60)})

    demand_forecasts_compute(today=TODAY)

    f = computed(product, wh)
    assert f.average_daily == pytest.approx(5.0)
    assert f.deviation_daily == pytest.approx(0.0, abs=1e-6)
    assert f.safety_stock == pytest.approx(0.0, abs=1e-5)
    # No supplier: the default lead time of 7 days; 5 x 7 = 35, + 5 x 7 = 70.
    assert (f.lead_time_days, f.reorder_point, f.order_up_to) == (7, 35, 70)


def test_todays_demand_and_demand_older_than_a_year_are_left_out(wh):
    product = ProductFactory()
    demand(product, wh, {TODAY: 500, ago(365): 500, ago(0): 7})

    demand_forecasts_compute(today=TODAY)

    f = computed(product, wh)  # one day of history: yesterday's 7
    assert (f.method, f.history_days, f.average_daily) == ("new", 1, pytest.approx(7.0))


def test_a_new_product_gets_the_plain_average_since_its_first_demand(wh):
    product = ProductFactory()
    supplier = SupplierFactory(lead_time_days=4)
    offer(supplier, product)
    rule(product, wh, 0, 0, policy="forecast", supplier=supplier)
    demand(product, wh, {ago(9): 4, ago(0): 6})  # 10 days since the first demand

    demand_forecasts_compute(today=TODAY)

    f = computed(product, wh)
    # mean = 10 / 10 = 1.0; mean square = (16 + 36) / 10 = 5.2; deviation = sqrt(4.2) = 2.049390
    assert (f.method, f.history_days) == ("new", 10)
    assert f.average_daily == pytest.approx(1.0)
    assert f.deviation_daily == pytest.approx(2.049390, abs=1e-6)
    # A, 0.98: safety = 2.053749 x 2.049390 x sqrt(4) = 8.417866; ceil(4 + 8.417866) = 13
    assert f.safety_stock == pytest.approx(8.417866, abs=1e-5)
    assert (f.reorder_point, f.order_up_to) == (13, 13 + REVIEW_PERIOD_DAYS)


def test_a_rule_without_demand_gets_a_zero_forecast(wh):
    product = ProductFactory()
    rule(product, wh, 5, 10)

    assert demand_forecasts_compute(today=TODAY) == 1

    f = computed(product, wh)
    assert (f.method, f.average_daily, f.deviation_daily) == ("none", 0.0, 0.0)
    assert (f.abc_class, f.service_level, f.reorder_point, f.order_up_to) == ("C", 0.9, 0, 0)


def test_the_rules_service_level_wins_over_the_class(wh):
    product = ProductFactory()
    rule(product, wh, 0, 0, policy="forecast", service_level=Decimal("0.90"))
    demand(product, wh, {ago(9): 4, ago(0): 6})

    demand_forecasts_compute(today=TODAY)

    f = computed(product, wh)
    assert (f.abc_class, f.service_level) == ("A", 0.9)
    # 1.281552 x 2.049390 x sqrt(7) = 1.281552 x 2.049390 x 2.645751 = 6.948799 (no supplier:
    # the default 7 days)
    assert f.safety_stock == pytest.approx(6.948799, abs=1e-5)
    assert f.reorder_point == 14  # ceil(7 + 6.948799)


def test_safety_stock_grows_with_the_square_root_of_the_lead_time(wh):
    quick, slow = ProductFactory(unit_cost="1.00"), ProductFactory(unit_cost="1.00")
    offer(SupplierFactory(lead_time_days=4), quick)
    offer(SupplierFactory(lead_time_days=9), slow)
    for product in (quick, slow):
        demand(product, wh, {ago(9): 4, ago(0): 6})

    demand_forecasts_compute(today=TODAY)

    fq, fs = computed(quick, wh), computed(slow, wh)
    assert (fq.abc_class, fs.abc_class) == ("A", "A")  # 50 % each: both start below 80 %
    assert fs.safety_stock / fq.safety_stock == pytest.approx(3 / 2)  # sqrt(9) / sqrt(4)


def test_lead_time_is_the_chosen_suppliers(wh):
    by_rule, by_offer, cheapest = ProductFactory(), ProductFactory(), ProductFactory()
    named = SupplierFactory(lead_time_days=12)
    offer(named, by_rule, lead=None)  # the offer names none: the supplier's 12
    rule(by_rule, wh, 0, 0, supplier=named)
    offer(SupplierFactory(lead_time_days=30), by_offer, "1.00", lead=3)
    rule(by_offer, wh, 0, 0)
    offer(SupplierFactory(lead_time_days=2), cheapest, "5.00")
    offer(SupplierFactory(lead_time_days=20), cheapest, "4.00")
    rule(cheapest, wh, 0, 0)

    demand_forecasts_compute(today=TODAY)

    assert computed(by_rule, wh).lead_time_days == 12
    assert computed(by_offer, wh).lead_time_days == 3
    assert computed(cheapest, wh).lead_time_days == 20


def test_abc_classes_by_demand_value_per_warehouse(wh):
    # 90-day values 700, 200, 60, 40 (of 1,000): the value before each is 0 %, 70 %, 90 %, 96 %.
    values = [700, 200, 60, 40]
    products = [ProductFactory(unit_cost="10.00") for _ in values]
    for product, value in zip(products, values, strict=True):
        demand(product, wh, {ago(10): value // 10})
    old = ProductFactory(unit_cost="10.00")  # demand, but none in the last 90 days
    demand(old, wh, {ago(200): 1000})
    elsewhere = WarehouseFactory()
    demand(products[3], elsewhere, {ago(10): 1})  # alone in its warehouse: A there

    demand_forecasts_compute(today=TODAY)

    assert [computed(p, wh).abc_class for p in products] == ["A", "A", "B", "C"]
    assert [computed(p, wh).service_level for p in products] == [0.98, 0.98, 0.95, 0.9]
    assert computed(old, wh).abc_class == "C"
    assert computed(products[3], elsewhere).abc_class == "A"


def test_one_warehouse_only_and_rerunning_rewrites_the_same(wh):
    other = WarehouseFactory()
    product = ProductFactory()
    demand(product, wh, {ago(3): 8})
    demand(product, other, {ago(3): 8})

    assert demand_forecasts_compute(today=TODAY, warehouse_id=wh.pk) == 1
    assert not DemandForecast.objects.filter(warehouse=other).exists()

    first = computed(product, wh)
    assert demand_forecasts_compute(today=TODAY, warehouse_id=wh.pk) == 1
    again = computed(product, wh)
    assert (again.pk, again.average_daily, again.reorder_point) == (
        first.pk,
        first.average_daily,
        first.reorder_point,
    )


def test_a_forecast_whose_demand_aged_out_is_reset(wh):
    product = ProductFactory()
    demand(product, wh, {ago(3): 8})
    demand_forecasts_compute(today=TODAY)

    demand_forecasts_compute(today=TODAY + timedelta(days=400))

    f = computed(product, wh)
    assert (f.method, f.average_daily, f.reorder_point) == ("none", 0.0, 0)


def test_the_forecast_is_two_statements(django_assert_max_num_queries, wh):
    for n in range(20):
        product = ProductFactory()
        rule(product, wh, 0, 0, service_level=Decimal("0.9") if n % 2 else None)
        demand(product, wh, {ago(age): n for age in range(0, 40, 3)})

    with django_assert_max_num_queries(4):  # savepoint, service levels, forecast, release
        assert demand_forecasts_compute(today=TODAY) == 20
