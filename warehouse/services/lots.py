"""Lots: created where goods first appear with a lot code (receipt, count)."""

from datetime import date

from inventory.errors import DomainError
from inventory.models import Product
from warehouse.models import Lot


def lot_resolve(
    *, product: Product, code: str | None, expiry_date: date | None = None, create: bool = False
) -> Lot | None:
    """The product's lot named ``code``; None for products not tracked by lot.

    With ``create``, an unknown code becomes a new lot (with the expiry given). A tracked
    product without a code, or an expiry-tracked product's new lot without an expiry, is an
    error naming the field.
    """
    code = (code or "").strip()
    if not product.is_lot_tracked:
        if code:
            raise DomainError(f"{product.sku} is not tracked by lot.", field="lot")
        return None
    if not code:
        raise DomainError(f"{product.sku} is tracked by lot: give the lot code.", field="lot")
    lot = Lot.objects.filter(product=product, code=code).first()
    if lot is not None:
        if expiry_date and lot.expiry_date and expiry_date != lot.expiry_date:
            raise DomainError(
                f"Lot {code} of {product.sku} expires on {lot.expiry_date}, not {expiry_date}.",
                field="expiry",
            )
        return lot
    if not create:
        raise DomainError(f"{product.sku} has no lot {code}.", field="lot")
    if product.tracks_expiry and expiry_date is None:
        raise DomainError(
            f"{product.sku} is tracked by expiry: give the expiry date.", field="expiry"
        )
    lot, _ = Lot.objects.get_or_create(
        product=product, code=code, defaults={"expiry_date": expiry_date}
    )
    return lot
