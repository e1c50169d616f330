"""Directed putaway: which bins should stock waiting at the dock (or QC) go to?

The rules, in order, each filling as much as its bins have room for:
1. the product's **home bin**, if it has room;
2. **consolidate**: storage bins already holding the same product and lot, nearest first;
3. the **nearest storage bin** with room, empty or part-filled (x/y distance from where the
   stock waits).
What no bin can hold is returned as a slot without a bin: the worker chooses one on the floor.

Room is capacity less what the bin holds less what open putaway and replenish tasks are already
bringing to it; blocked bins are never chosen. The strategy reads the warehouse once and then
plans in memory, so planning a receipt of a thousand lines costs the same few queries as one.
Callers serialise planning per warehouse (``warehouse.locks.putaway_planning_lock``) so that
the room they see is not being promised by someone else at the same moment.
"""

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import F, IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from warehouse.models import Location, Quant, Task

HOME_BIN = "home bin"
CONSOLIDATE = "consolidate with the same lot"
NEAREST = "nearest bin with room"
NO_ROOM = "no bin has room: choose one"


@dataclass(frozen=True)
class PutawaySlot:
    location: Location | None  # None: nothing had room for these units
    quantity: int
    rule: str


@dataclass
class _Bin:
    location: Location
    room: int | None  # None: unlimited
    distance: float

    def take(self, wanted: int) -> int:
        taken = wanted if self.room is None else min(wanted, self.room)
        if self.room is not None:
            self.room -= taken
        return taken


class PutawayStrategy:
    """Plans putaway for stock waiting at ``origin``; one instance per planning transaction."""

    def __init__(self, *, origin: Location, product_ids: Iterable[int]) -> None:
        self.origin = origin
        self.bins = {b.location.pk: b for b in self._bins_with_room(origin)}
        product_ids = set(product_ids)
        self.home_bins: dict[int, list[int]] = defaultdict(list)
        for bin_ in self.bins.values():
            if bin_.location.home_product_id in product_ids:
                self.home_bins[bin_.location.home_product_id].append(bin_.location.pk)
        self.holding: dict[tuple[int, int | None], list[int]] = defaultdict(list)
        for product_id, lot_id, location_id in Quant.objects.filter(
            location_id__in=self.bins, product_id__in=product_ids, quantity__gt=0
        ).values_list("product_id", "lot_id", "location_id"):
            self.holding[(product_id, lot_id)].append(location_id)
        self.nearest = sorted(
            (b for b in self.bins.values() if b.location.kind == Location.Kind.STORAGE),
            key=lambda b: (b.distance, b.location.pick_sequence, b.location.code),
        )

    @staticmethod
    def _bins_with_room(origin: Location) -> list[_Bin]:
        stored = (
            Quant.objects.filter(location=OuterRef("pk"))
            .values("location")
            .annotate(total=Sum("quantity"))
            .values("total")
        )
        incoming = (
            Task.objects.filter(
                destination_location=OuterRef("pk"),
                status__in=Task.ACTIVE_STATUSES,
                kind__in=[Task.Kind.PUTAWAY, Task.Kind.REPLENISH],
            )
            .values("destination_location")
            .annotate(total=Sum(F("quantity") - F("quantity_done")))
            .values("total")
        )
        zero = Value(0, output_field=IntegerField())
        rows = (
            Location.objects.filter(
                warehouse_id=origin.warehouse_id,
                kind__in=Location.ALLOCATABLE_KINDS,
                is_blocked=False,
            )
            .annotate(
                stored=Coalesce(Subquery(stored, output_field=IntegerField()), zero),
                incoming=Coalesce(Subquery(incoming, output_field=IntegerField()), zero),
            )
            .filter(
                Q(capacity_units__isnull=True) | Q(capacity_units__gt=F("stored") + F("incoming"))
            )
        )
        return [
            _Bin(
                location=row,
                room=None
                if row.capacity_units is None
                else row.capacity_units - row.stored - row.incoming,
                distance=math.dist((origin.x, origin.y), (row.x, row.y)),
            )
            for row in rows
        ]

    def plan(self, *, product_id: int, lot_id: int | None, quantity: int) -> list[PutawaySlot]:
        """Bins and quantities for ``quantity`` units; the room they take is spent here."""
        slots: list[PutawaySlot] = []
        left = quantity
        candidates = [
            (HOME_BIN, self._by_distance(self.home_bins.get(product_id, []))),
            (
                CONSOLIDATE,
                self._by_distance(self.holding.get((product_id, lot_id), []), storage_only=True),
            ),
            (NEAREST, self.nearest),
        ]
        for rule, bins in candidates:
            for bin_ in bins:
                if left == 0:
                    break
                taken = bin_.take(left)
                if taken:
                    slots.append(PutawaySlot(bin_.location, taken, rule))
                    left -= taken
        if left:
            slots.append(PutawaySlot(None, left, NO_ROOM))
        return _merge(slots)

    def _by_distance(self, location_ids: list[int], *, storage_only: bool = False) -> list[_Bin]:
        bins = [self.bins[pk] for pk in location_ids if pk in self.bins]
        if storage_only:
            bins = [b for b in bins if b.location.kind == Location.Kind.STORAGE]
        return sorted(bins, key=lambda b: (b.distance, b.location.code))


def _merge(slots: list[PutawaySlot]) -> list[PutawaySlot]:
    """One slot per bin, keeping the rule that chose it first."""
    merged: dict[int | None, PutawaySlot] = {}
    for slot in slots:
        key = slot.location.pk if slot.location else None
        if key in merged:
            first = merged[key]
            merged[key] = PutawaySlot(first.location, first.quantity + slot.quantity, first.rule)
        else:
            merged[key] = slot
    return list(merged.values())
