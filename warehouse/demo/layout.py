"""The demo's buildings: MAIN, a distribution centre of 22 aisles, and the small EAST depot.

Geometry (metres from the front-left corner): docks, QC and quarantine along the front wall,
a 4 m cross aisle, then aisles 3 m apart running back from it, bins 1 m apart along each aisle.
The pick sequence walks an S: up aisle 1, down aisle 2, up aisle 3..., so a picker following
it never walks back. The pick face is the two lowest shelves of the aisles nearest the docks.
"""

from dataclasses import dataclass

from django.db import transaction

from inventory.models import Warehouse
from warehouse.models import Location, Zone
from warehouse.services.layout import location_create, location_update, warehouse_setup

AISLE_PITCH = 3.0
BIN_PITCH = 1.0
FIRST_BIN_Y = 4.5
# Units per bin by shelf (1 is the floor): pick-face slots are small and quick to replenish;
# reserve holds whole cartons, less on the high shelves.
PICK_CAPACITY = {1: 60, 2: 40}
RESERVE_CAPACITY = {1: 320, 2: 240, 3: 200, 4: 160, 5: 120}

K = Location.Kind


@dataclass(frozen=True)
class SitePlan:
    code: str
    name: str
    address: str
    aisles: int
    racks: int  # racks along one aisle
    shelves: int  # levels of a rack
    bins: int  # bins side by side on one shelf of a rack
    pick_aisles: int
    pick_shelves: int
    docks: int
    product_share: float  # of the catalogue stocked here
    demand_factor: float


@dataclass(frozen=True)
class Spot:
    """One location to create: a bin or one of the docks, benches and lanes."""

    code: str
    kind: str
    zone: str
    x: float
    y: float
    pick_sequence: int = 0
    capacity_units: int | None = None
    aisle: str = ""
    rack: str = ""
    shelf: str = ""
    bin: str = ""


@dataclass(frozen=True)
class SiteResult:
    warehouse: Warehouse
    created: bool
    locations_created: int


def site_plans(*, scale: float) -> list[SitePlan]:
    return [
        SitePlan(
            "MAIN",
            "Main Distribution Centre",
            "Unit 4, Harbour Road Industrial Estate",
            aisles=max(2, round(22 * scale)),
            racks=4,
            shelves=4,
            bins=2,
            pick_aisles=max(1, round(4 * scale)),
            pick_shelves=2,
            docks=3,
            product_share=1.0,
            demand_factor=1.0,
        ),
        SitePlan(
            "EAST",
            "East Depot",
            "12 Mill Lane, Eastfield",
            aisles=max(2, round(5 * scale)),
            racks=3,
            shelves=3,
            bins=2,
            pick_aisles=1,
            pick_shelves=1,
            docks=1,
            product_share=0.15,
            demand_factor=0.4,
        ),
    ]


def bin_spots(plan: SitePlan) -> list[Spot]:
    spots = []
    sequence = 10
    positions = plan.racks * plan.bins
    for aisle in range(1, plan.aisles + 1):
        along = range(positions) if aisle % 2 else range(positions - 1, -1, -1)
        for position in along:
            rack, slot = divmod(position, plan.bins)
            for shelf in range(1, plan.shelves + 1):
                pick = aisle <= plan.pick_aisles and shelf <= plan.pick_shelves
                names = (f"A{aisle:02d}", f"R{rack + 1:02d}", f"S{shelf}", f"B{slot + 1}")
                spots.append(
                    Spot(
                        code="-".join(names),
                        kind=K.PICK if pick else K.STORAGE,
                        zone="PICK" if pick else "RES",
                        x=aisle * AISLE_PITCH,
                        y=FIRST_BIN_Y + position * BIN_PITCH,
                        pick_sequence=sequence,
                        capacity_units=(PICK_CAPACITY if pick else RESERVE_CAPACITY)[shelf],
                        aisle=names[0],
                        rack=names[1],
                        shelf=names[2],
                        bin=names[3],
                    )
                )
                sequence += 1
    return spots


def fixed_spots(plan: SitePlan, *, last_sequence: int) -> list[Spot]:
    """Docks, QC, quarantine, staging and shipping; the first of each comes from the setup."""
    width = (plan.aisles + 1) * AISLE_PITCH
    spots = [
        Spot(f"RECV-{n:02d}", K.RECEIVING, "DOCK", 4.0 + 6.0 * (n - 1), 0.0)
        for n in range(1, plan.docks + 1)
    ]
    spots += [
        Spot("QC-01", K.QC, "QC", 4.0 + 6.0 * plan.docks, 1.0),
        Spot("QUAR-01", K.QUARANTINE, "QUAR", 8.0 + 6.0 * plan.docks, 1.0),
        Spot("STAGE-01", K.STAGING, "OUT", width - 8.0, 1.0, last_sequence + 10),
        Spot("SHIP-01", K.SHIPPING, "OUT", width - 4.0, 0.0, last_sequence + 20),
    ]
    if plan.docks > 1:  # a big site has a second outbound lane
        spots += [
            Spot("STAGE-02", K.STAGING, "OUT", width - 12.0, 1.0, last_sequence + 11),
            Spot("SHIP-02", K.SHIPPING, "OUT", width - 12.0, 0.0, last_sequence + 21),
        ]
    return spots


ZONE_NAMES = {
    "DOCK": "Docks",
    "QC": "Quality control",
    "QUAR": "Quarantine",
    "OUT": "Outbound",
    "PICK": "Pick face",
    "RES": "Reserve racking",
}


def site_ensure(plan: SitePlan) -> SiteResult:
    """Create the site and every location of the plan that is missing (by code).

    Locations that exist are left as they are, so a run that stopped half way resumes.
    """
    warehouse = Warehouse.objects.filter(code=plan.code).first()
    created = warehouse is None
    if warehouse is None:
        warehouse = warehouse_setup(code=plan.code, name=plan.name, address=plan.address)
    zones = _zones_ensure(warehouse)
    bins = bin_spots(plan)
    existing = {
        loc.code: loc
        for loc in Location.objects.filter(warehouse=warehouse).only(
            "id", "code", "x", "y", "kind", "warehouse_id"
        )
    }
    made = 0
    for spot in [*fixed_spots(plan, last_sequence=bins[-1].pick_sequence), *bins]:
        fields = {
            "zone": zones[spot.zone],
            "kind": spot.kind,
            "x": spot.x,
            "y": spot.y,
            "pick_sequence": spot.pick_sequence,
        }
        if spot.code in existing:
            # The setup makes the standard places without coordinates; put them on the plan.
            if existing[spot.code].x == existing[spot.code].y == 0:
                location_update(
                    location=existing[spot.code],
                    x=spot.x,
                    y=spot.y,
                    pick_sequence=spot.pick_sequence,
                )
            continue
        location_create(
            warehouse=warehouse,
            code=spot.code,
            capacity_units=spot.capacity_units,
            aisle=spot.aisle,
            rack=spot.rack,
            shelf=spot.shelf,
            bin=spot.bin,
            **fields,
        )
        made += 1
    return SiteResult(warehouse=warehouse, created=created, locations_created=made)


@transaction.atomic(durable=True)
def _zones_ensure(warehouse: Warehouse) -> dict[str, Zone]:
    # The layout services have no zone_create yet; the setup makes zones the same way.
    for code, name in ZONE_NAMES.items():
        if not Zone.objects.filter(warehouse=warehouse, code=code).exists():
            zone = Zone(warehouse=warehouse, code=code, name=name)
            zone.full_clean()
            zone.save()
    return {zone.code: zone for zone in Zone.objects.filter(warehouse=warehouse)}
