"""Reorder rules: create and change them, with every bad value refused by name.

Fields (keyword arguments): ``product`` / ``product_id``, ``warehouse`` / ``warehouse_id``,
``policy`` (``min_max`` or ``forecast``), ``min_quantity``, ``max_quantity``, ``supplier`` /
``supplier_id`` (None: the cheapest, then fastest, offer), ``min_order_quantity`` and
``pack_multiple`` (None: the offer's, else 1), ``service_level`` (None: by ABC class) and
``is_active``. Product and warehouse are fixed once the rule exists.
"""

from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction

from inventory.errors import Conflict, DomainError, InvalidQuantity
from inventory.locks import reorder_rule_lock
from inventory.models import Product, ReorderRule, Supplier, Warehouse
from inventory.services.audit import audit_record_create, audit_record_update, audit_snapshot

MAX_QUANTITY = 100_000_000
FIELDS = {
    "policy",
    "min_quantity",
    "max_quantity",
    "supplier_id",
    "min_order_quantity",
    "pack_multiple",
    "service_level",
    "is_active",
}
KEY_FIELDS = {"product_id", "warehouse_id"}
# Objects may be given instead of their ids.
OBJECT_FIELDS = {"product": "product_id", "warehouse": "warehouse_id", "supplier": "supplier_id"}


class RuleExists(Conflict):
    code = "rule_exists"


class SupplierInactive(DomainError):
    code = "supplier_inactive"


def _ids(fields: dict[str, Any]) -> dict[str, Any]:
    """``product=<Product>`` -> ``product_id=<pk>`` (None stays None)."""
    given = dict(fields)
    for name, id_name in OBJECT_FIELDS.items():
        if name in given:
            if id_name in given:
                raise DomainError(f"Give {name} or {id_name}, not both.", field=name)
            value = given.pop(name)
            given[id_name] = value.pk if value is not None else None
    return given


def _whole(fields: dict[str, Any], name: str, *, minimum: int, optional: bool = False) -> None:
    if name not in fields:
        return
    value = fields[name]
    if value is None and optional:
        return
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidQuantity(f"{_label(name)} must be a whole number.", field=name)
    if value < minimum:
        raise InvalidQuantity(
            f"{_label(name)} must be at least {minimum}, not {value}.", field=name
        )
    if value > MAX_QUANTITY:
        raise InvalidQuantity(f"{_label(name)} must be at most {MAX_QUANTITY:,}.", field=name)


def _label(name: str) -> str:
    return {
        "min_quantity": "The minimum",
        "max_quantity": "The maximum",
        "min_order_quantity": "The minimum order quantity",
        "pack_multiple": "The pack multiple",
    }.get(name, name)


def _validate(fields: dict[str, Any], rule: ReorderRule) -> None:
    """Check the given fields against each other and against ``rule``'s other values."""
    if "policy" in fields and fields["policy"] not in ReorderRule.Policy.values:
        raise DomainError(
            f"The policy must be one of {', '.join(ReorderRule.Policy.values)}.", field="policy"
        )
    _whole(fields, "min_quantity", minimum=0)
    _whole(fields, "max_quantity", minimum=0)
    _whole(fields, "min_order_quantity", minimum=1, optional=True)
    _whole(fields, "pack_multiple", minimum=1, optional=True)
    low = fields.get("min_quantity", rule.min_quantity)
    high = fields.get("max_quantity", rule.max_quantity)
    if low > high:
        raise InvalidQuantity(
            f"The maximum ({high}) must not be below the minimum ({low}).",
            field="max_quantity" if "max_quantity" in fields else "min_quantity",
        )
    if fields.get("service_level") is not None:
        fields["service_level"] = _service_level(fields["service_level"])
    if fields.get("supplier_id") is not None:
        supplier = Supplier.objects.filter(pk=fields["supplier_id"]).first()
        if supplier is None:
            raise DomainError(f"There is no supplier {fields['supplier_id']}.", field="supplier")
        if not supplier.is_active and supplier.pk != rule.supplier_id:
            raise SupplierInactive(f"Supplier {supplier.code} is not active.", field="supplier")
    if "is_active" in fields and not isinstance(fields["is_active"], bool):
        raise DomainError("is_active must be true or false.", field="is_active")


def _service_level(value: Any) -> Decimal:
    try:
        level = Decimal(str(value))
    except InvalidOperation:
        raise DomainError("The service level must be a number.", field="service_level") from None
    if not (Decimal("0.5") <= level < 1):
        raise DomainError(
            f"The service level must be at least 0.5 and below 1 (0.95 for 95 %), not {value}.",
            field="service_level",
        )
    return level.quantize(Decimal("0.0001"))


@transaction.atomic(durable=True)
def reorder_rule_create(*, actor_id: int | None = None, **fields: Any) -> ReorderRule:
    """A reorder rule for one product in one warehouse (one rule per pair: RuleExists, 409).

    Raises InvalidQuantity (negative, MOQ or pack below 1, min above max), DomainError
    (unknown product, warehouse or supplier, a bad policy or service level),
    SupplierInactive, RuleExists.
    """
    given = _ids(fields)
    unknown = set(given) - FIELDS - KEY_FIELDS
    if unknown:
        raise DomainError(f"Unknown fields: {', '.join(sorted(unknown))}.")
    for name, model, noun in (
        ("product_id", Product, "product"),
        ("warehouse_id", Warehouse, "warehouse"),
    ):
        if given.get(name) is None:
            raise DomainError(f"Choose a {noun}.", field=noun)
        if not model.objects.filter(pk=given[name]).exists():
            raise DomainError(f"There is no {noun} {given[name]}.", field=noun)
    rule = ReorderRule(product_id=given["product_id"], warehouse_id=given["warehouse_id"])
    _validate(given, rule)
    existing = ReorderRule.objects.filter(
        product_id=rule.product_id, warehouse_id=rule.warehouse_id
    ).first()
    if existing is not None:
        raise RuleExists(
            "This product already has a reorder rule in this warehouse; change that one.",
            field="product",
            rule=existing.pk,
        )
    for name, value in given.items():
        setattr(rule, name, value)
    rule.save()
    rule = ReorderRule.objects.select_related("product", "warehouse", "supplier").get(pk=rule.pk)
    audit_record_create(
        instance=rule,
        object_type="reorder_rule",
        fields=sorted(FIELDS | KEY_FIELDS),
        actor_id=actor_id,
        label=_audit_label(rule),
        warehouse_id=rule.warehouse_id,
    )
    return rule


def _audit_label(rule: ReorderRule) -> str:
    return f"{rule.product.sku} @ {rule.warehouse.code}"


@transaction.atomic(durable=True)
def reorder_rule_update(
    *, rule: ReorderRule, actor_id: int | None = None, **fields: Any
) -> ReorderRule:
    """Change some fields of a rule (not its product or warehouse). Same errors as create."""
    given = _ids(fields)
    fixed = set(given) & KEY_FIELDS
    if fixed:
        name = sorted(fixed)[0].removesuffix("_id")
        raise DomainError(
            f"The {name} of a rule cannot change; make a new rule instead.", field=name
        )
    unknown = set(given) - FIELDS
    if unknown:
        raise DomainError(f"Unknown fields: {', '.join(sorted(unknown))}.")
    locked = reorder_rule_lock(rule_id=rule.pk)
    _validate(given, locked)
    before = audit_snapshot(locked, given)
    for name, value in given.items():
        setattr(locked, name, value)
    if given:
        locked.save(update_fields=[*given, "updated_at"])
        audit_record_update(
            instance=locked,
            object_type="reorder_rule",
            before=before,
            actor_id=actor_id,
            label=_audit_label(locked),
            warehouse_id=locked.warehouse_id,
        )
    return ReorderRule.objects.select_related("product", "warehouse", "supplier").get(pk=locked.pk)
