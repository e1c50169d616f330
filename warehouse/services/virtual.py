"""Virtual locations: the outside ends of the ledger (suppliers, customers, adjustments, scrap)."""

from warehouse.models import Location

# "~" cannot start a user-made code (inventory.models.code_validator), so these never collide.
_CODES = {
    Location.Kind.SUPPLIER: "~SUPPLIERS",
    Location.Kind.CUSTOMER: "~CUSTOMERS",
    Location.Kind.ADJUSTMENT: "~ADJUSTMENTS",
    Location.Kind.SCRAP: "~SCRAP",
}


def virtual_location(*, warehouse_id: int, kind: str) -> Location:
    """The warehouse's virtual location of ``kind``, created on first use."""
    if kind not in _CODES:
        raise ValueError(f"{kind!r} is not a virtual location kind")
    location, _ = Location.objects.get_or_create(
        warehouse_id=warehouse_id,
        code=_CODES[kind],
        defaults={"kind": kind, "barcode": _CODES[kind]},
    )
    return location
