"""Pick-face rules for the demo: each home bin on the pick face keeps its product between the
trigger the history's mornings replenished at (``REPLENISH_BELOW`` of the bin) and a full bin,
so the worker replenishes the faces the floor picks empty, as the history did."""

import math

from warehouse.demo.floorwork import REPLENISH_BELOW
from warehouse.models import Location
from warehouse.services.pick_faces import PickFaceRuleInput, pick_face_rules_ensure

UNLIMITED_BIN_MAX = 100  # a home bin without a capacity keeps up to this many units


def pick_face_rules_demo_ensure() -> int:
    """A rule for every home bin of kind pick that has none for its product; returns how many
    were created (two statements and the planning locks, however many bins)."""
    homes = Location.objects.filter(kind=Location.Kind.PICK, home_product__isnull=False)
    rules = []
    for location_id, product_id, capacity in homes.values_list(
        "pk", "home_product_id", "capacity_units"
    ):
        high = capacity or UNLIMITED_BIN_MAX
        rules.append(
            PickFaceRuleInput(
                location_id=location_id,
                product_id=product_id,
                min_quantity=min(math.ceil(high * REPLENISH_BELOW), high - 1),
                max_quantity=high,
            )
        )
    return pick_face_rules_ensure(rules=rules)
