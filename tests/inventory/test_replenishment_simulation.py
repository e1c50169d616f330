"""A year of seeded random demand for 200 products through the real review, approval, sending
and receiving (``bench/simulation.py``): the forecast-driven policy against plain min/max.

What is asserted, and why:

- the forecast policy's fill rate (units shipped / demanded) meets its service level in EACH
  ABC class (A .98, B .95, C .90), each day's demand counted in the class the product had that
  day. Per class rather than on the value-weighted whole: the classes are the promise, and on
  the whole the A items (80 % of the value) would hide a B or C class far below its level;
- the ledger, quants and levels agree at the end (``stock_drift``), and every level's on order
  is the open quantity of its sent purchase orders;
- the run is set-based: a bounded number of queries a day, whatever the number of products.

Min/max is reported next to it (``pytest -s`` prints the table; every assertion message carries
it), not asserted against: which policy holds less stock depends on the demand mix. Neither is
the cycle service level (replenishment cycles without a lost sale), which the table reports
too: with a nightly review the reorder point, which covers the lead time only, is crossed by up
to a day's demand, so the forecast policy's CSL stays well below its class's level while its
fill rate meets it.

The two warehouses run in two spawned processes at once (they share nothing); the second test
shows that this changes no figure. (Forked processes hung in CI: a fork of a pytest process that
runs Playwright's and the live server's threads can copy a held lock.)
"""

import math
import random
import time

import pytest

from bench.simulation import SEED, format_table, min_max_levels, simulate
from bench.simulation_demand import catalogue, poisson

# A query per product and day would be 400 a day for the two warehouses; the set-based run
# needs about 170 (most of them per purchase order: drafted, sent, received).
MAX_QUERIES_A_DAY = 250


@pytest.fixture
def _no_tasks_left_behind():
    """The services enqueue work on commit (reviews after stock drops); a session's worker
    takes it, else it would wait in the broker for the next session: drop it."""
    yield
    from wms.celery import app

    app.control.purge()


# Committed, as in production: the warehouses' processes see only committed data, and a year of
# writes inside one test transaction crawled (past the 300 s timeout): none of the old row
# versions of the levels, forecasts and suggestions can be cleaned up while it is open.
@pytest.mark.timeout(900)
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("_no_tasks_left_behind")
def test_a_year_of_forecast_driven_replenishment_meets_its_service_levels():
    started = time.perf_counter()
    result = simulate(days=365, products=200, seed=SEED, parallel=True)
    elapsed = time.perf_counter() - started
    table = format_table(result) + f"\ntest run time {elapsed:.1f} s (setup and checks included)"
    print("\n" + table)

    forecast = result.policies["forecast"]
    assert result.shortfalls("forecast") == [], table
    assert all(f.demanded for f in forecast.by_class.values()), table
    assert result.drift_clean, table
    assert result.on_order_clean, table
    assert result.queries / result.days < MAX_QUERIES_A_DAY, table
    # Both policies saw the same demand and both bought.
    min_max = result.policies["min_max"]
    assert forecast.total.demanded == min_max.total.demanded > 0, table
    assert forecast.purchase_orders > 0, table
    assert min_max.purchase_orders > 0, table


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("_no_tasks_left_behind")
def test_the_two_warehouses_give_the_same_figures_in_parallel_and_one_after_the_other():
    serial = simulate(days=12, products=20, seed=5, parallel=False)
    parallel = simulate(days=12, products=20, seed=5, parallel=True)

    for policy in ("forecast", "min_max"):
        one, other = serial.policies[policy], parallel.policies[policy]
        assert (one.total, one.by_class, one.by_pattern, one.purchase_orders) == (
            other.total,
            other.by_class,
            other.by_pattern,
            other.purchase_orders,
        ), format_table(serial) + "\n" + format_table(parallel)
    assert parallel.drift_clean
    assert parallel.on_order_clean


def test_the_purchasers_min_max_comes_from_the_history_average():
    # 2 a day over 7 days of lead time: 14, plus half of it; max adds 7 days of demand.
    assert min_max_levels(history=[1, 3, 2, 2], lead_time=7) == (21, 35)
    # No demand in the history: still keep one, and order when it is gone.
    assert min_max_levels(history=[0, 0, 0], lead_time=14) == (1, 2)


def test_the_demand_is_the_same_for_the_same_seed_and_has_every_pattern():
    first = catalogue(products=40, days=60, seed=7)
    assert first == catalogue(products=40, days=60, seed=7)
    assert first != catalogue(products=40, days=60, seed=8)
    assert {spec.pattern for spec in first} == {
        "fast",
        "smooth",
        "seasonal",
        "trend",
        "intermittent",
    }
    assert all(len(spec.demand) == 60 and min(spec.demand) >= 0 for spec in first)


@pytest.mark.parametrize("rate", [0.4, 6.0, 45.0, 140.0])
def test_poisson_draws_have_the_rate_as_mean_and_variance(rate):
    rng = random.Random(11)
    draws = [poisson(rng, rate) for _ in range(20_000)]
    mean = sum(draws) / len(draws)
    variance = sum((d - mean) ** 2 for d in draws) / len(draws)
    assert mean == pytest.approx(rate, abs=4 * math.sqrt(rate / len(draws)))
    assert variance == pytest.approx(rate, rel=0.06)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"days": 0}, "days must be a whole number of at least 1, not 0"),
        ({"products": 3}, "products must be a whole number of at least 5, not 3"),
        ({"products": 2.5}, "products must be a whole number of at least 5, not 2.5"),
        ({"forecast_every": True}, "forecast_every must be a whole number of at least 1"),
        ({"warmup_days": -1}, "warmup_days must be a whole number of at least 1, not -1"),
        ({"demand_basis": "sold"}, "demand_basis must be one of ordered, shipped, not 'sold'"),
        ({"receiving": "drone"}, "receiving must be one of direct, dock, not 'drone'"),
    ],
)
def test_bad_arguments_are_refused_before_anything_is_written(arguments, message):
    # No database access is allowed here: the checks come first.
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        simulate(**arguments)
