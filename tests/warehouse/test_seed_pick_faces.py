"""The demo's pick faces get min/max rules, and the planner replenishes the demo sensibly."""

import math
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count

from warehouse.demo.floorwork import REPLENISH_BELOW
from warehouse.models import Location, PickFaceRule, Task
from warehouse.services.replenish import pick_faces_replenish


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_every_home_pick_bin_gets_a_rule_once_and_the_planner_tops_the_faces_up():
    out = seed("--scale", "0.05", "--days", "5")

    homes = Location.objects.filter(kind=Location.Kind.PICK, home_product__isnull=False)
    rules = {r.location_id: r for r in PickFaceRule.objects.all()}
    assert homes.count() > 0
    assert f"pick-face rules: {len(rules)} min/max rules created" in out
    for home in homes:
        rule = rules[home.pk]
        assert rule.product_id == home.home_product_id
        assert rule.max_quantity == home.capacity_units
        assert rule.min_quantity == math.ceil(home.capacity_units * REPLENISH_BELOW)

    again = seed("--scale", "0.05", "--days", "5")
    assert "pick-face rules: 0 min/max rules created" in again

    tasks = pick_faces_replenish()
    assert pick_faces_replenish() == []  # idempotent on the demo too
    for task in Task.objects.filter(pk__in=[t.pk for t in tasks]).select_related(
        "source_location", "destination_location"
    ):
        assert task.source_location.kind == Location.Kind.STORAGE
        assert task.destination_location.home_product_id == task.product_id
    doubled = (
        Task.objects.filter(kind=Task.Kind.REPLENISH, status__in=Task.ACTIVE_STATUSES)
        .values("destination_location", "product")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    # Several tasks for one face only when one need takes units from several bins.
    for row in doubled:
        keys = Task.objects.filter(
            kind=Task.Kind.REPLENISH,
            status__in=Task.ACTIVE_STATUSES,
            destination_location=row["destination_location"],
        ).values_list("origin_key", flat=True)
        assert all(key.startswith("replenish:") for key in keys), keys
