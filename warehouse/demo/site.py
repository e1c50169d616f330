"""One site as the history sees it: its special locations, its bins in memory, its lots."""

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from inventory.models import Warehouse
from warehouse.demo.floor import Bin, Floor
from warehouse.demo.profiles import Profile
from warehouse.models import Location, Quant
from warehouse.services.lots import lot_resolve
from warehouse.services.virtual import virtual_location

K = Location.Kind
DEFAULT_SHELF_LIFE_DAYS = 365


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """A moment of a working day, in the site's time zone."""
    return datetime.combine(day, time(hour, minute), tzinfo=timezone.get_current_timezone())


class LotBook:
    """Creates the lots goods arrive with, coded by receipt date, and remembers expiries."""

    def __init__(self) -> None:
        self.expiry: dict[int, date] = {}
        self._codes: set[tuple[int, str]] = set()

    def new(self, profile: Profile, received: date) -> int | None:
        product = profile.product
        if not product.is_lot_tracked:
            return None
        number = 1
        while (product.pk, code := f"L{received:%y%m%d}-{number}") in self._codes:
            number += 1
        self._codes.add((product.pk, code))
        expiry = None
        if product.tracks_expiry:
            days = profile.spec.shelf_life_days or DEFAULT_SHELF_LIFE_DAYS
            expiry = received + timedelta(days=days)
        lot = lot_resolve(product=product, code=code, expiry_date=expiry, create=True)
        if lot.expiry_date:
            self.expiry[lot.pk] = lot.expiry_date
        return lot.pk


@dataclass
class Site:
    warehouse: Warehouse
    floor: Floor
    profiles: list[Profile]
    lots: LotBook
    docks: list[Location]
    places: dict[str, Location]  # the first QC, quarantine, staging location and the virtuals
    rng: random.Random
    quarantined: list[tuple[date, int, int | None, int]] = field(default_factory=list)

    def place(self, kind: str) -> int:
        return self.places[kind].pk


def site_load(*, warehouse: Warehouse, profiles: list[Profile]) -> Site:
    """Read the site's locations (and any stock already in its bins) into memory."""
    locations = list(Location.objects.filter(warehouse=warehouse).order_by("code"))
    docks = [loc for loc in locations if loc.kind == K.RECEIVING]
    places = {}
    for loc in locations:
        places.setdefault(loc.kind, loc)
    for kind in Location.VIRTUAL_KINDS:
        places[kind] = virtual_location(warehouse_id=warehouse.pk, kind=kind)
    origin = docks[0]
    bins = [
        Bin(
            id=loc.pk,
            code=loc.code,
            capacity=loc.capacity_units,
            rank=abs(loc.x - origin.x) + abs(loc.y - origin.y) + loc.pick_sequence / 100_000,
            is_pick=loc.kind == K.PICK,
            home_product_id=loc.home_product_id,
        )
        for loc in locations
        if loc.kind in Location.ALLOCATABLE_KINDS and loc.capacity_units and not loc.is_blocked
    ]
    lots = LotBook()
    floor = Floor(bins, lots.expiry)
    # A site that already holds stock (a run resumed after a failure) is planned around it.
    for quant in Quant.objects.filter(location_id__in=floor.bins, quantity__gt=0).select_related(
        "lot"
    ):
        floor.put(
            quant.location_id, (quant.product_id, quant.lot_id), quant.quantity, quant.received_at
        )
        if quant.lot and quant.lot.expiry_date:
            lots.expiry[quant.lot_id] = quant.lot.expiry_date
    return Site(
        warehouse=warehouse,
        floor=floor,
        profiles=profiles,
        lots=lots,
        docks=docks,
        places=places,
        rng=random.Random(f"history-{warehouse.code}"),
    )
