"""Supplier offers: what a supplier charges for a product, how soon it comes, in what lots.

The reorder review takes a product's supplier from its active offers when the rule names none
(the cheapest unit cost, then the shortest lead time), with the offer's minimum order quantity
and pack multiple unless the rule sets its own. Purchasers keep the offers here; an offer is
withdrawn by deactivating it (``is_active=False``), never deleted, so the history stays.

Fields (keyword arguments): ``supplier`` / ``supplier_id`` and ``product`` / ``product_id``
(both fixed once the offer exists), ``supplier_sku`` (the supplier's own article number),
``unit_cost`` (>= 0, at most 4 decimal places), ``lead_time_days`` (>= 0; None: the supplier's
lead time), ``min_order_quantity`` and ``pack_multiple`` (>= 1) and ``is_active``.
"""

from decimal import ROUND_DOWN, Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction

from inventory.errors import Conflict, DomainError, InvalidQuantity
from inventory.locks import supplier_offer_lock
from inventory.models import Product, Supplier, SupplierProduct
from inventory.services.audit import audit_record_create, audit_record_update, audit_snapshot
from inventory.services.rules import SupplierInactive

MAX_QUANTITY = 100_000_000
# As for suppliers: a lead time beyond ten years is a typing error.
MAX_LEAD_TIME_DAYS = 3650
# The column holds 12 digits, 4 of them decimals.
MAX_UNIT_COST = Decimal("99999999.9999")
COST_PLACES = Decimal("0.0001")
SUPPLIER_SKU_LENGTH = SupplierProduct._meta.get_field("supplier_sku").max_length

FIELDS = {
    "supplier_sku",
    "unit_cost",
    "lead_time_days",
    "min_order_quantity",
    "pack_multiple",
    "is_active",
}
KEY_FIELDS = {"supplier_id", "product_id"}
# Objects may be given instead of their ids.
OBJECT_FIELDS = {"supplier": "supplier_id", "product": "product_id"}


class OfferExists(Conflict):
    code = "offer_exists"


class ProductInactive(DomainError):
    code = "product_inactive"


class InvalidCost(DomainError):
    code = "invalid_cost"


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


def _label(name: str) -> str:
    return {
        "lead_time_days": "The lead time (days)",
        "min_order_quantity": "The minimum order quantity",
        "pack_multiple": "The pack multiple",
    }[name]


def _whole(
    fields: dict[str, Any],
    name: str,
    *,
    minimum: int,
    maximum: int = MAX_QUANTITY,
    optional: bool = False,
    error: type[DomainError] = InvalidQuantity,
) -> None:
    if name not in fields:
        return
    value = fields[name]
    if value is None and optional:
        return
    if isinstance(value, bool) or not isinstance(value, int):
        raise error(f"{_label(name)} must be a whole number.", field=name)
    if value < minimum:
        raise error(f"{_label(name)} must be at least {minimum}, not {value}.", field=name)
    if value > maximum:
        raise error(f"{_label(name)} must be at most {maximum:,}, not {value:,}.", field=name)


def _unit_cost(value: Any) -> Decimal:
    """A price per unit: a finite number >= 0 with at most 4 decimal places."""
    if isinstance(value, bool) or value is None:
        raise InvalidCost("The unit cost must be a number, e.g. 12.50.", field="unit_cost")
    try:
        cost = Decimal(str(value).strip())
    except InvalidOperation:
        raise InvalidCost(
            "The unit cost must be a number, e.g. 12.50.", field="unit_cost"
        ) from None
    if not cost.is_finite():
        raise InvalidCost("The unit cost must be a number, e.g. 12.50.", field="unit_cost")
    if cost < 0:
        raise InvalidCost(f"The unit cost must not be negative, not {value}.", field="unit_cost")
    if cost > MAX_UNIT_COST:  # first: quantizing 1E+30 would overflow the decimal context
        raise InvalidCost(f"The unit cost must be at most {MAX_UNIT_COST:,}.", field="unit_cost")
    if cost != cost.quantize(COST_PLACES, rounding=ROUND_DOWN):
        raise InvalidCost(
            f"The unit cost may have at most 4 decimal places, not {value}.", field="unit_cost"
        )
    return cost.quantize(COST_PLACES)


def _supplier_sku(value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise DomainError("The supplier's SKU must be text.", field="supplier_sku")
    value = value.strip()
    if len(value) > SUPPLIER_SKU_LENGTH:
        raise DomainError(
            f"The supplier's SKU may have at most {SUPPLIER_SKU_LENGTH} characters.",
            field="supplier_sku",
        )
    return value


def _validate(fields: dict[str, Any]) -> None:
    """Check the given fields one by one; normalises ``unit_cost`` and ``supplier_sku``."""
    if "unit_cost" in fields:
        fields["unit_cost"] = _unit_cost(fields["unit_cost"])
    if "supplier_sku" in fields:
        fields["supplier_sku"] = _supplier_sku(fields["supplier_sku"])
    _whole(
        fields,
        "lead_time_days",
        minimum=0,
        maximum=MAX_LEAD_TIME_DAYS,
        optional=True,
        error=DomainError,
    )
    _whole(fields, "min_order_quantity", minimum=1)
    _whole(fields, "pack_multiple", minimum=1)
    if "is_active" in fields and not isinstance(fields["is_active"], bool):
        raise DomainError("is_active must be true or false.", field="is_active")


def _check_active(*, supplier: Supplier, product: Product) -> None:
    """Only active suppliers and products get (or get back) an active offer."""
    if not supplier.is_active:
        raise SupplierInactive(f"Supplier {supplier.code} is not active.", field="supplier")
    if not product.is_active:
        raise ProductInactive(f"Product {product.sku} is not active.", field="product")


def _exists(existing: SupplierProduct, supplier: Supplier, product: Product) -> OfferExists:
    hint = "change that one" if existing.is_active else "reactivate that one (is_active)"
    return OfferExists(
        f"Supplier {supplier.code} already has an offer for {product.sku}; {hint}.",
        field="product",
        offer=existing.pk,
    )


def _reload(pk: int) -> SupplierProduct:
    return SupplierProduct.objects.select_related("supplier", "product").get(pk=pk)


@transaction.atomic(durable=True)
def supplier_offer_create(*, actor_id: int | None = None, **fields: Any) -> SupplierProduct:
    """A supplier's offer for a product (one per pair: OfferExists, 409).

    Raises DomainError (unknown or missing supplier or product, a bad lead time or supplier
    SKU, unknown fields), InvalidCost (negative, more than 4 decimal places, not a number),
    InvalidQuantity (MOQ or pack below 1), SupplierInactive, ProductInactive, OfferExists.
    """
    given = _ids(fields)
    unknown = set(given) - FIELDS - KEY_FIELDS
    if unknown:
        raise DomainError(f"Unknown fields: {', '.join(sorted(unknown))}.")
    found: dict[str, Any] = {}
    for name, model, noun in (
        ("supplier_id", Supplier, "supplier"),
        ("product_id", Product, "product"),
    ):
        if given.get(name) is None:
            raise DomainError(f"Choose a {noun}.", field=noun)
        found[noun] = model.objects.filter(pk=given[name]).first()
        if found[noun] is None:
            raise DomainError(f"There is no {noun} {given[name]}.", field=noun)
    supplier, product = found["supplier"], found["product"]
    _check_active(supplier=supplier, product=product)
    _validate(given)
    existing = SupplierProduct.objects.filter(supplier=supplier, product=product).first()
    if existing is not None:
        raise _exists(existing, supplier, product)
    offer = SupplierProduct(**given)
    try:
        with transaction.atomic():  # a savepoint: the same pair created at the same moment
            offer.save()
    except IntegrityError as error:
        if getattr(getattr(error.__cause__, "diag", None), "constraint_name", "") != "offer_unique":
            raise
        existing = SupplierProduct.objects.get(supplier=supplier, product=product)
        raise _exists(existing, supplier, product) from None
    offer = _reload(offer.pk)
    audit_record_create(
        instance=offer,
        object_type="supplier_offer",
        fields=sorted(FIELDS | KEY_FIELDS),
        actor_id=actor_id,
        label=_audit_label(offer),
    )
    return offer


def _audit_label(offer: SupplierProduct) -> str:
    return f"{offer.supplier.code} offers {offer.product.sku}"


@transaction.atomic(durable=True)
def supplier_offer_update(
    *, offer: SupplierProduct, actor_id: int | None = None, **fields: Any
) -> SupplierProduct:
    """Change some fields of an offer (not its supplier or product); ``is_active=False``
    withdraws it, ``True`` brings it back (only for an active supplier and product).

    Takes the offer's row lock. Same errors as create, but no OfferExists.
    """
    given = _ids(fields)
    fixed = set(given) & KEY_FIELDS
    if fixed:
        name = sorted(fixed)[0].removesuffix("_id")
        raise DomainError(
            f"The {name} of an offer cannot change; make a new offer instead.", field=name
        )
    unknown = set(given) - FIELDS
    if unknown:
        raise DomainError(f"Unknown fields: {', '.join(sorted(unknown))}.")
    locked = supplier_offer_lock(offer_id=offer.pk)
    _validate(given)
    if given.get("is_active") and not locked.is_active:
        _check_active(supplier=locked.supplier, product=locked.product)
    before = audit_snapshot(locked, given)
    for name, value in given.items():
        setattr(locked, name, value)
    if given:
        locked.save(update_fields=[*given, "updated_at"])
        audit_record_update(
            instance=locked,
            object_type="supplier_offer",
            before=before,
            actor_id=actor_id,
            label=_audit_label(locked),
        )
    return _reload(locked.pk)
