"""Lots: created where goods first appear with a lot code (receipt, count)."""

from collections.abc import Sequence
from datetime import date

from inventory.errors import DomainError, Expired
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


def lots_for_receiving(
    *, entries: Sequence[tuple[Product, str | None, date | None]], today: date
) -> list[Lot | None]:
    """The lot of each received (product, lot code, expiry), creating new lots in one go.

    Caller is in a transaction. Refuses, naming the line: a lot on an untracked product, a
    tracked product without a lot, an expiry-tracked new lot without an expiry, an expiry that
    contradicts the lot's, and expired goods.
    """
    wanted: dict[tuple[int, str], date | None] = {}
    for index, (product, code, expiry) in enumerate(entries):
        code = (code or "").strip()
        where = f"Line {index + 1} ({product.sku})"
        if not product.is_lot_tracked:
            if code or expiry:
                raise DomainError(
                    f"{where}: the product is not tracked by lot or expiry.",
                    field="lot" if code else "expiry",
                )
            continue
        if not code:
            raise DomainError(
                f"{where}: the product is tracked by lot; give the lot code.", field="lot"
            )
        if len(code) > Lot._meta.get_field("code").max_length:
            raise DomainError(f"{where}: lot code {code[:20]}... is too long.", field="lot")
        if expiry is not None and expiry < today:
            raise Expired(
                f"{where}: lot {code} expired on {expiry}; expired goods are refused at the dock.",
                field="expiry",
            )
        wanted[(product.pk, code)] = expiry or wanted.get((product.pk, code))
    existing = _lots_by_key(wanted)
    products = {product.pk: product for product, _, _ in entries}
    missing = []
    for (product_id, code), expiry in wanted.items():
        lot = existing.get((product_id, code))
        product = products[product_id]
        if lot is None:
            if product.tracks_expiry and expiry is None:
                raise DomainError(
                    f"{product.sku}: lot {code} is new; give its expiry date.", field="expiry"
                )
            missing.append(Lot(product_id=product_id, code=code, expiry_date=expiry))
            continue
        if expiry and lot.expiry_date and expiry != lot.expiry_date:
            raise DomainError(
                f"{product.sku}: lot {code} expires on {lot.expiry_date}, not {expiry}.",
                field="expiry",
            )
        if lot.expiry_date and lot.expiry_date < today:
            raise Expired(
                f"{product.sku}: lot {code} expired on {lot.expiry_date}; expired "
                "goods are refused at the dock.",
                field="expiry",
            )
    if missing:
        Lot.objects.bulk_create(missing, ignore_conflicts=True)
        existing = _lots_by_key(wanted)
    return [
        existing[(product.pk, (code or "").strip())] if product.is_lot_tracked else None
        for product, code, _ in entries
    ]


def _lots_by_key(wanted: dict[tuple[int, str], date | None]) -> dict[tuple[int, str], Lot]:
    if not wanted:
        return {}
    lots = Lot.objects.filter(
        product_id__in={p for p, _ in wanted}, code__in={c for _, c in wanted}
    )
    return {(lot.product_id, lot.code): lot for lot in lots}
