"""Pick-face rules (the min/max of a product in a pick bin): create and change them, with every
bad value refused by name. The planner that acts on them is ``warehouse.services.replenish``.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from inventory.errors import Conflict, DomainError, InvalidQuantity, NotFound, OverCapacity
from inventory.models import AuditEvent, Product
from inventory.services.audit import (
    audit_record_create,
    audit_record_many,
    audit_record_update,
    audit_snapshot,
)
from warehouse.locks import pick_faces_planning_lock
from warehouse.models import Location, PickFaceRule
from wms.db import rows_insert

MAX_QUANTITY = 100_000_000
CHANGEABLE = ("min_quantity", "max_quantity", "is_active")


class NotAPickFace(DomainError):
    code = "not_a_pick_face"


class RuleExists(Conflict):
    code = "rule_exists"


@dataclass(frozen=True)
class PickFaceRuleInput:
    location_id: int
    product_id: int
    min_quantity: int
    max_quantity: int
    is_active: bool = True


@transaction.atomic(durable=True)
def pick_face_rule_create(
    *,
    location_id: int,
    product_id: int,
    min_quantity: int,
    max_quantity: int,
    is_active: bool = True,
    actor_id: int | None = None,
) -> PickFaceRule:
    """A min/max for one product in one pick bin (one rule per bin and product).

    Raises NotFound (no such bin or product), NotAPickFace (the bin is not of kind pick),
    InvalidQuantity (not whole numbers, a negative minimum, a maximum not above the minimum),
    OverCapacity (a maximum the bin cannot hold), RuleExists (409).
    """
    location = Location.objects.filter(pk=location_id).first()
    if location is None:
        raise NotFound(f"There is no location {location_id}.", field="location")
    pick_faces_planning_lock(warehouse_ids=[location.warehouse_id])
    if not Product.objects.filter(pk=product_id).exists():
        raise NotFound(f"There is no product {product_id}.", field="product")
    _check_face(location)
    _check_quantities(location=location, low=min_quantity, high=max_quantity, given=set(CHANGEABLE))
    _check_active(is_active)
    if PickFaceRule.objects.filter(location_id=location_id, product_id=product_id).exists():
        raise RuleExists(
            f"{location.code} already has a rule for this product; change that one.",
            field="product",
        )
    rule = PickFaceRule.objects.create(
        location=location,
        product_id=product_id,
        min_quantity=min_quantity,
        max_quantity=max_quantity,
        is_active=is_active,
    )
    audit_record_create(
        instance=rule,
        object_type="pick_face_rule",
        fields=["location", "product", *CHANGEABLE],
        actor_id=actor_id,
        label=_audit_label(rule),
        warehouse_id=location.warehouse_id,
    )
    return rule


def _audit_label(rule: PickFaceRule) -> str:
    return f"{rule.location.code}: {rule.product.sku}"


@transaction.atomic(durable=True)
def pick_face_rule_update(
    *, rule_id: int, actor_id: int | None = None, **changes: Any
) -> PickFaceRule:
    """Change a rule's ``min_quantity``, ``max_quantity`` or ``is_active``; the bin and product
    are fixed. Checked against the rule's other values, under the warehouse's planning lock so
    two changes cannot each pass against the other's old value. Raises as the create does."""
    unknown = set(changes) - set(CHANGEABLE)
    if unknown:
        name = sorted(unknown)[0]
        raise DomainError(f"The {name} of a pick-face rule cannot change.", field=name)
    found = PickFaceRule.objects.filter(pk=rule_id).values_list("location__warehouse_id").first()
    if found is None:
        raise NotFound(f"There is no pick-face rule {rule_id}.", field="rule")
    pick_faces_planning_lock(warehouse_ids=[found[0]])
    rule = PickFaceRule.objects.select_related("location", "product").get(pk=rule_id)
    _check_quantities(
        location=rule.location,
        low=changes.get("min_quantity", rule.min_quantity),
        high=changes.get("max_quantity", rule.max_quantity),
        given=set(changes),
    )
    if "is_active" in changes:
        _check_active(changes["is_active"])
    fields = [name for name in CHANGEABLE if name in changes]
    if not fields:
        return rule
    before = audit_snapshot(rule, fields)
    for name in fields:
        setattr(rule, name, changes[name])
    rule.save(update_fields=[*fields, "updated_at"])
    audit_record_update(
        instance=rule,
        object_type="pick_face_rule",
        before=before,
        actor_id=actor_id,
        label=_audit_label(rule),
        warehouse_id=rule.location.warehouse_id,
    )
    return rule


@transaction.atomic(durable=True)
def pick_face_rules_ensure(
    *, rules: Sequence[PickFaceRuleInput], actor_id: int | None = None
) -> int:
    """Create the rules that do not exist yet (by bin and product), checked as one by one, in
    one statement; existing rules are left as they are (and audited, in one more statement).
    Returns how many were created."""
    if not rules:
        return 0
    locations = Location.objects.in_bulk({rule.location_id for rule in rules})
    missing = {rule.location_id for rule in rules} - set(locations)
    if missing:
        raise NotFound(f"There is no location {min(missing)}.", field="location")
    pick_faces_planning_lock(warehouse_ids={loc.warehouse_id for loc in locations.values()})
    for rule in rules:
        location = locations[rule.location_id]
        _check_face(location)
        _check_quantities(
            location=location, low=rule.min_quantity, high=rule.max_quantity, given=set()
        )
    made = rows_insert(
        objs=[
            PickFaceRule(
                location_id=rule.location_id,
                product_id=rule.product_id,
                min_quantity=rule.min_quantity,
                max_quantity=rule.max_quantity,
                is_active=rule.is_active,
            )
            for rule in rules
        ],
        on_conflict="ON CONFLICT (location_id, product_id) DO NOTHING",
        returning=("id", "location_id", "product_id", "min_quantity", "max_quantity", "is_active"),
    )
    _audit_created_many(made, locations, actor_id)
    return len(made)


def _audit_created_many(
    made: list[tuple], locations: dict[int, Location], actor_id: int | None
) -> None:
    skus = dict(Product.objects.filter(pk__in={row[2] for row in made}).values_list("pk", "sku"))
    audit_record_many(
        events=[
            AuditEvent(
                action="create",
                object_type="pick_face_rule",
                object_id=pk,
                object_label=f"{locations[location_id].code}: {skus[product_id]}",
                actor_id=actor_id,
                warehouse_id=locations[location_id].warehouse_id,
                changes={
                    "location": [None, locations[location_id].code],
                    "product": [None, skus[product_id]],
                    "min_quantity": [None, low],
                    "max_quantity": [None, high],
                    "is_active": [None, active],
                },
            )
            for pk, location_id, product_id, low, high, active in made
        ]
    )


# --- checks ----------------------------------------------------------------------------------


def _check_face(location: Location) -> None:
    if location.kind != Location.Kind.PICK:
        raise NotAPickFace(
            f"{location.code} is a {location.get_kind_display().lower()}, not a pick bin: "
            "min/max rules are for bins of kind pick.",
            field="location",
        )


def _check_quantities(*, location: Location, low: Any, high: Any, given: set[str]) -> None:
    """``given``: the fields the caller sent, so the error names the one that was changed."""
    for name, value in (("min_quantity", low), ("max_quantity", high)):
        label = "minimum" if name == "min_quantity" else "maximum"
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidQuantity(f"The {label} must be a whole number.", field=name)
        if value < 0:
            raise InvalidQuantity(f"The {label} must be at least 0, not {value}.", field=name)
        if value > MAX_QUANTITY:
            raise InvalidQuantity(f"The {label} must be at most {MAX_QUANTITY:,}.", field=name)
    if high <= low:
        field = "min_quantity" if "min_quantity" in given and "max_quantity" not in given else None
        raise InvalidQuantity(
            f"The maximum ({high}) must be above the minimum ({low}).",
            field=field or "max_quantity",
        )
    if location.capacity_units is not None and high > location.capacity_units:
        raise OverCapacity(
            f"{location.code} holds at most {location.capacity_units} units; the maximum "
            f"({high}) cannot be more.",
            field="max_quantity",
        )


def _check_active(value: Any) -> None:
    if not isinstance(value, bool):
        raise DomainError("is_active must be true or false.", field="is_active")
