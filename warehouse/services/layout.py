"""The layout of a building: a new site with its docks, zones, and locations."""

from typing import Any

from django.db import OperationalError, transaction
from django.db.models import Sum

from inventory.errors import Conflict, DomainError
from inventory.locks import stock_levels_lock
from inventory.models import Warehouse
from inventory.services.audit import (
    audit_record,
    audit_record_create,
    audit_record_update,
    audit_snapshot,
)
from inventory.services.catalog import warehouse_create
from inventory.services.levels import stock_level_apply
from warehouse.locks import locations_lock
from warehouse.models import Location, Quant, Zone
from warehouse.services.virtual import virtual_location

LOCATION_FIELDS = {
    "zone",
    "code",
    "barcode",
    "kind",
    "aisle",
    "rack",
    "shelf",
    "bin",
    "x",
    "y",
    "pick_sequence",
    "capacity_units",
    "home_product",
}
# The places every site needs before the first truck arrives.
STANDARD_LOCATIONS = [
    ("DOCK", "Docks", "RECV-01", Location.Kind.RECEIVING),
    ("QC", "Quality control", "QC-01", Location.Kind.QC),
    ("QUAR", "Quarantine", "QUAR-01", Location.Kind.QUARANTINE),
    ("OUT", "Outbound", "STAGE-01", Location.Kind.STAGING),
    ("OUT", "Outbound", "SHIP-01", Location.Kind.SHIPPING),
]


@transaction.atomic(durable=True)
def warehouse_setup(
    *,
    code: str,
    name: str,
    address: str = "",
    standard_locations: bool = True,
    actor_id: int | None = None,
) -> Warehouse:
    """Create a site with its virtual ledger ends and, by default, a dock, QC, quarantine,
    staging and shipping location, so that receiving and shipping work from day one.
    ``actor_id``: who, for the audit trail (None: the system)."""
    warehouse = warehouse_create(code=code, name=name, address=address, actor_id=actor_id)
    for kind in Location.VIRTUAL_KINDS:
        virtual_location(warehouse_id=warehouse.pk, kind=kind)
    if standard_locations:
        zones: dict[str, Zone] = {}
        for zone_code, zone_name, loc_code, kind in STANDARD_LOCATIONS:
            if zone_code not in zones:
                zones[zone_code] = Zone.objects.create(
                    warehouse=warehouse, code=zone_code, name=zone_name
                )
            Location.objects.create(
                warehouse=warehouse,
                zone=zones[zone_code],
                code=loc_code,
                barcode=loc_code,
                kind=kind,
            )
    return warehouse


def _location_fields(fields: dict[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - LOCATION_FIELDS
    if unknown:
        raise DomainError(f"Unknown fields: {', '.join(sorted(unknown))}.")
    if fields.get("kind") in Location.VIRTUAL_KINDS:
        raise DomainError("Virtual locations are made by the system.", field="kind")
    return fields


@transaction.atomic(durable=True)
def location_create(
    *, warehouse: Warehouse, actor_id: int | None = None, **fields: Any
) -> Location:
    fields = _location_fields(fields)
    fields.setdefault("barcode", fields.get("code", ""))
    zone = fields.get("zone")
    if zone is not None and zone.warehouse_id != warehouse.pk:
        raise DomainError("The zone belongs to another warehouse.", field="zone")
    location = Location(warehouse=warehouse, **fields)
    location.full_clean()
    location.save()
    audit_record_create(
        instance=location,
        object_type="location",
        fields=sorted({*fields, "code", "kind"}),
        actor_id=actor_id,
        label=location.code,
        warehouse_id=warehouse.pk,
    )
    return location


@transaction.atomic(durable=True)
def location_update(*, location: Location, actor_id: int | None = None, **fields: Any) -> Location:
    """Change a location's layout data. Its kind can change only while it is empty, because
    the kind decides which stock-level bucket its stock counts in."""
    fields = _location_fields(fields)
    if location.is_virtual:
        raise DomainError("Virtual locations cannot be edited.", field="location")
    if "kind" in fields and fields["kind"] != location.kind:
        locations_lock(shared_ids=[], exclusive_ids=[location.pk])
        if Quant.objects.filter(location=location, quantity__gt=0).exists():
            raise Conflict(
                f"{location.code} holds stock; empty it before changing its kind.", field="kind"
            )
    before = audit_snapshot(location, fields)
    for name, value in fields.items():
        setattr(location, name, value)
    location.full_clean()
    location.save(update_fields=[*fields, "updated_at"])
    audit_record_update(
        instance=location,
        object_type="location",
        before=before,
        actor_id=actor_id,
        label=location.code,
        warehouse_id=location.warehouse_id,
    )
    return location


def location_set_blocked(
    *, location_id: int, blocked: bool, reason: str = "", actor_id: int | None = None
) -> Location:
    """Block a bin (nothing is put away into it, nothing in it is allocated) or release it.

    Moves the bin's unreserved stock between the levels' available and blocked buckets. Lock
    order is levels -> location; the products in the bin are read before the lock, so a
    product that arrives in between makes us start again (a bounded retry).
    """
    for _attempt in range(5):
        try:
            return _location_set_blocked_once(
                location_id=location_id, blocked=blocked, reason=reason, actor_id=actor_id
            )
        except _ProductsChanged:
            continue
        except OperationalError as exc:  # a deadlock victim: the other side went first
            if "deadlock" not in str(exc):
                raise
    raise Conflict("The bin is too busy to block right now; try again.", field="location")


class _ProductsChanged(Exception):
    pass


@transaction.atomic(durable=True)
def _location_set_blocked_once(
    *, location_id: int, blocked: bool, reason: str, actor_id: int | None
) -> Location:
    warehouse_id = Location.objects.values_list("warehouse_id", flat=True).get(pk=location_id)
    product_ids = set(
        Quant.objects.filter(location_id=location_id).values_list("product_id", flat=True)
    )
    stock_levels_lock(keys=[(p, warehouse_id) for p in product_ids])
    location = locations_lock(shared_ids=[], exclusive_ids=[location_id])[location_id]
    if location.is_virtual or location.kind not in Location.ALLOCATABLE_KINDS:
        raise DomainError("Only storage and pick bins can be blocked.", field="is_blocked")
    rows = (
        Quant.objects.filter(location_id=location_id)
        .values("product_id")
        .annotate(quantity=Sum("quantity"), reserved=Sum("reserved"))
    )
    unreserved = {row["product_id"]: row["quantity"] - row["reserved"] for row in rows}
    if not set(unreserved) <= product_ids:
        raise _ProductsChanged
    if location.is_blocked != blocked:
        sign = 1 if blocked else -1
        for product_id, units in unreserved.items():
            stock_level_apply(
                product_id=product_id, warehouse_id=warehouse_id, deltas={"blocked": sign * units}
            )
    before = audit_snapshot(location, ["is_blocked", "blocked_reason"])
    location.is_blocked = blocked
    location.blocked_reason = reason.strip() if blocked else ""
    location.save(update_fields=["is_blocked", "blocked_reason", "updated_at"])
    _audit_blocked(location, before, actor_id)
    return location


def _audit_blocked(location: Location, before: dict[str, Any], actor_id: int | None) -> None:
    """Blocking or releasing a bin is recorded as such; a new reason alone as a change."""
    after = audit_snapshot(location, before)
    changes = {name: [before[name], after[name]] for name in after if before[name] != after[name]}
    if not changes:
        return
    action = "update"
    if "is_blocked" in changes:
        action = "block" if location.is_blocked else "unblock"
    audit_record(
        action=action,
        object_type="location",
        object_id=location.pk,
        label=location.code,
        actor_id=actor_id,
        warehouse_id=location.warehouse_id,
        changes=changes,
        note=location.blocked_reason,
    )
