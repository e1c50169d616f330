"""The warehouse map: the layout drawn from the locations' x/y, coloured by how full each bin
is or by how often it is picked from; hovering, tapping or focusing a bin shows what is in it
(static/js/dashboard.js fetches the bin's fragment).

The layout is computed here (metres to SVG units) so the template only draws rectangles. The
colouring is chosen with ``?colour=occupancy|picks``; the toggle swaps the map with htmx and
works as plain links without it. A big site is drawn one section of the floor at a time
(``?section=N``, aisles left to right; see the selectors), chosen the same way. A bin's
contents come as a small fragment (``bin_detail_view``), also found by code with the "find a
bin" form for keyboard users.
"""

import math
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from inventory.views.shell import role_page, wants_fragment
from warehouse.models import Location
from warehouse.selectors.warehouse_map import (
    PICK_DAYS,
    MapLocation,
    bin_contents,
    map_location_by_code,
    map_location_get,
    map_locations,
    map_sections,
)

TEMPLATE = "warehouse/supervisor/map.html"
DETAIL = "warehouse/supervisor/map_bin.html"
PERMISSION = "warehouse.control_task"
COLOURINGS = {"occupancy": "Occupancy", "picks": f"Picks, last {PICK_DAYS} days"}
SCALE = 20  # SVG units per metre
MARGIN = 2.5  # metres around the layout (room for aisle and zone labels)
SPOT_WIDTH = 3.0  # metres: a dock, bench or lane that is not a bin (room for its code)


@require_GET
@vary_on_headers("HX-Request")
@role_page(PERMISSION, url_name="supervisor-map")
def map_page(request: HttpRequest) -> HttpResponse:
    """The whole layout of the current warehouse; for htmx (the colour toggle) the map only."""
    warehouse = request.shell.current  # type: ignore[attr-defined]
    colour = request.GET.get("colour", "occupancy")
    problems = []
    if colour not in COLOURINGS:
        problems.append(f"There is no colouring “{colour[:40]}”; showing occupancy.")
        colour = "occupancy"
    sections = map_sections(warehouse_id=warehouse.pk)
    number, problem = section_number(request.GET.get("section"), count=len(sections))
    if problem:
        problems.append(problem)
    section = sections[number - 1] if sections else None
    locations = map_locations(
        warehouse_id=warehouse.pk, with_picks=colour == "picks", section=section
    )
    base = reverse("supervisor-map")
    here = f"&section={number}" if len(sections) > 1 else ""
    problem = " ".join(problems)
    context = {
        "layout": layout_build(locations, colour=colour),
        "colour": colour,
        "colourings": [
            (key, label, f"{base}?colour={key}{here}") for key, label in COLOURINGS.items()
        ],
        "sections": [
            (s.number, s.label, s.locations, f"{base}?colour={colour}&section={s.number}")
            for s in sections
        ]
        if len(sections) > 1
        else [],
        "section": number,
        "problem": problem,
        "legend": LEGENDS[colour],
        "pick_days": PICK_DAYS,
    }
    if wants_fragment(request):
        return render(request, f"{TEMPLATE}#map", context, status=422 if problem else 200)
    return render(request, TEMPLATE, context, status=422 if problem else 200)


def section_number(raw: str | None, *, count: int) -> tuple[int, str]:
    """The section asked for (from 1), or the first with what was wrong with the asking."""
    if raw is None or raw == "":
        return 1, ""
    try:
        number = int(raw)
    except ValueError:
        return 1, f"There is no section “{raw[:40]}”; showing the first."
    if not 1 <= number <= max(count, 1):
        return 1, f"There is no section {number} (1 to {max(count, 1)}); showing the first."
    return number, ""


@require_GET
@vary_on_headers("HX-Request")
@role_page(PERMISSION, url_name="supervisor-map")
def bin_detail_view(request: HttpRequest, location_id: int) -> HttpResponse:
    """What one location holds (a fragment for the map; a small page without htmx)."""
    warehouse = request.shell.current  # type: ignore[attr-defined]
    location = map_location_get(warehouse_id=warehouse.pk, location_id=location_id)
    if location is None:
        raise Http404(f"No location {location_id} in {warehouse.code}.")
    return _detail(request, location)


@require_GET
@vary_on_headers("HX-Request")
@role_page(PERMISSION, url_name="supervisor-map")
def bin_find_view(request: HttpRequest) -> HttpResponse:
    """Find a location by code or barcode; an unknown code says so (422) and changes nothing."""
    warehouse = request.shell.current  # type: ignore[attr-defined]
    code = (request.GET.get("code") or "").strip()[:64]
    location = map_location_by_code(warehouse_id=warehouse.pk, code=code)
    if location is None:
        error = f"No bin “{code}” in {warehouse.code}." if code else "Type a bin code first."
        return _render_detail(request, {"error": error, "code": code}, status=422)
    return _detail(request, location)


def _detail(request: HttpRequest, location: Location) -> HttpResponse:
    quants = list(bin_contents(location_id=location.pk))
    units = sum(quant.quantity for quant in quants)
    capacity = location.capacity_units
    context = {
        "location": location,
        "quants": quants,
        "units": units,
        "percent": round(units * 100 / capacity) if capacity else None,
        "pick_days": PICK_DAYS,
    }
    return _render_detail(request, context)


def _render_detail(request: HttpRequest, context: dict[str, Any], status: int = 200):
    if wants_fragment(request):
        return render(request, f"{DETAIL}#bin", context, status=status)
    return render(request, DETAIL, context, status=status)


# --- the layout ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Shape:
    """One location drawn: a rectangle in SVG units with its colour class and its words."""

    id: int
    x: float
    y: float
    width: float
    height: float
    css: str
    label: str  # the accessible name and the tooltip
    text: str  # drawn inside (docks, benches: their code); bins are too small for words


@dataclass(frozen=True)
class Caption:
    x: float
    y: float
    text: str


@dataclass(frozen=True)
class ZoneBox:
    x: float
    y: float
    width: float
    height: float
    code: str
    name: str
    label_y: float  # under the outline; nested zones' labels are stacked, not overlaid


@dataclass(frozen=True)
class Layout:
    view_box: str
    width: float
    height: float
    shapes: list[Shape]
    aisles: list[Caption]
    zones: list[ZoneBox]
    bins: int
    units: int
    capacity: int

    @property
    def percent(self) -> int | None:
        return round(self.units * 100 / self.capacity) if self.capacity else None

    @property
    def min_width(self) -> int:
        """Narrower than this the map scrolls in its frame instead of shrinking bins out of
        reach of a finger or a mouse (about 0.6 of full size, never more than the map)."""
        return round(min(self.width, max(self.width * 0.6, 480)))


def _pitch(values: list[float], default: float = 1.0) -> float:
    """The smallest gap between distinct coordinates: how far apart neighbouring bins are."""
    distinct = sorted(set(values))
    gaps = [b - a for a, b in zip(distinct, distinct[1:], strict=False) if b - a > 0.05]
    return min(gaps) if gaps else default


def layout_build(locations: list[MapLocation], *, colour: str) -> Layout:
    """Place every location: bins at their x/y (the shelves of one spot side by side), other
    places (docks, benches, lanes) as wider labelled boxes; zones as outlines around their
    locations; aisle names above the aisles."""
    bins = [loc for loc in locations if loc.is_bin]
    bin_w = min(max(_pitch([b.x for b in bins]) * 0.7, 0.6), 2.4)
    bin_h = min(max(_pitch([b.y for b in bins]) * 0.85, 0.5), 2.0)
    spots: dict[tuple[float, float, bool], list[MapLocation]] = defaultdict(list)
    for loc in locations:
        spots[(loc.x, loc.y, loc.is_bin)].append(loc)
    most_picks = max((loc.picks for loc in locations), default=0)
    boxes: list[tuple[MapLocation, float, float, float, float]] = []  # metres
    for (x, y, is_bin), members in spots.items():
        width, height = (bin_w, bin_h) if is_bin else (max(SPOT_WIDTH, bin_w), max(bin_h, 0.9))
        part = width / len(members)
        for n, loc in enumerate(members):
            boxes.append((loc, x - width / 2 + n * part, y - height / 2, part, height))
    if not boxes:
        return Layout("0 0 100 50", 100, 50, [], [], [], 0, 0, 0)
    left = min(b[1] for b in boxes) - MARGIN
    top = min(b[2] for b in boxes) - MARGIN
    right = max(b[1] + b[3] for b in boxes) + 2.5 * MARGIN  # zone labels run rightwards
    bottom = max(b[2] + b[4] for b in boxes) + MARGIN

    def at(value: float, origin: float) -> float:
        return round((value - origin) * SCALE, 1)

    shapes = [
        Shape(
            id=loc.id,
            x=at(bx, left) + 1,
            y=at(by, top) + 1,
            width=max(round(bw * SCALE, 1) - 2, 1),
            height=max(round(bh * SCALE, 1) - 2, 1),
            css=_css(loc, colour=colour, most_picks=most_picks),
            label=_label(loc, colour=colour),
            text=_inside(loc, bw),
        )
        for loc, bx, by, bw, bh in boxes
    ]
    return Layout(
        view_box=f"0 0 {at(right, left)} {at(bottom, top)}",
        width=at(right, left),
        height=at(bottom, top),
        shapes=shapes,
        aisles=_aisles(boxes, left=left, top=top),
        zones=_zones(boxes, left=left, top=top),
        bins=len(bins),
        units=sum(b.units for b in bins),
        capacity=sum(b.capacity or 0 for b in bins if b.capacity),
    )


def _inside(loc: MapLocation, width_m: float) -> str:
    """The code drawn inside a dock, bench or lane when it fits (11 px letters, about 6.5 wide);
    bins are too small for words: their code is in the tooltip and the accessible name."""
    fits = width_m * SCALE >= 6.5 * len(loc.code) + 6
    return loc.code if not loc.is_bin and fits else ""


def _aisles(boxes: list, *, left: float, top: float) -> list[Caption]:
    spans: dict[str, list[float]] = {}
    for loc, x, y, w, _h in boxes:
        if loc.is_bin and loc.aisle:
            span = spans.setdefault(loc.aisle, [x, y, x + w])
            span[0], span[1], span[2] = min(span[0], x), min(span[1], y), max(span[2], x + w)
    return [
        Caption(round(((x0 + x1) / 2 - left) * SCALE, 1), round((y - 0.4 - top) * SCALE, 1), name)
        for name, (x0, y, x1) in sorted(spans.items())
    ]


def _zones(boxes: list, *, left: float, top: float) -> list[ZoneBox]:
    """An outline around each zone's locations, widest first so smaller ones draw on top."""
    extents: dict[str, list] = {}
    for loc, x, y, w, h in boxes:
        if not loc.zone_code:
            continue
        box = extents.setdefault(loc.zone_code, [x, y, x + w, y + h, loc.zone_name])
        box[0], box[1] = min(box[0], x), min(box[1], y)
        box[2], box[3] = max(box[2], x + w), max(box[3], y + h)
    pad = 0.35
    zones: list[ZoneBox] = []

    def area(item: tuple[str, list]) -> float:
        x0, y0, x1, y1, _name = item[1]
        return (x1 - x0) * (y1 - y0)

    for code, (x0, y0, x1, y1, name) in sorted(extents.items(), key=area, reverse=True):
        x, bottom = round((x0 - pad - left) * SCALE, 1), round((y1 + pad - top) * SCALE, 1)
        below = sum(1 for z in zones if abs(z.x - x) < 160 and abs(z.y + z.height - bottom) < 20)
        zones.append(
            ZoneBox(
                x=x,
                y=round((y0 - pad - top) * SCALE, 1),
                width=round((x1 - x0 + 2 * pad) * SCALE, 1),
                height=round((y1 - y0 + 2 * pad) * SCALE, 1),
                code=code,
                name=name,
                label_y=bottom + 14 + 14 * below,
            )
        )
    return zones


def _css(loc: MapLocation, *, colour: str, most_picks: int) -> str:
    classes = ["map-loc", "map-loc--bin" if loc.is_bin else "map-loc--place"]
    if loc.kind == Location.Kind.PICK:
        classes.append("map-loc--face")
    if loc.is_blocked:
        classes.append("map-loc--blocked")
    if colour == "picks":
        level = math.ceil(5 * loc.picks / most_picks) if loc.picks else 0
        classes.append(f"map-f{level}")
    elif loc.occupancy is None:
        classes.append("map-nocap" if loc.units else "map-o0")
    else:
        share = loc.occupancy
        level = 0 if not loc.units else 5 if share > 1 else max(1, math.ceil(share * 4))
        classes.append(f"map-o{level}")
    return " ".join(classes)


def _label(loc: MapLocation, *, colour: str) -> str:
    if colour == "picks":
        figure = f"{loc.picks} pick{'s' if loc.picks != 1 else ''} in {PICK_DAYS} days"
    elif loc.capacity:
        figure = f"{loc.units} of {loc.capacity} units ({round(loc.units * 100 / loc.capacity)} %)"
    else:
        figure = f"{loc.units} units"
    blocked = ", blocked" if loc.is_blocked else ""
    return f"{loc.code}: {figure}{blocked}"


@dataclass(frozen=True)
class LegendItem:
    css: str
    label: str


LEGENDS = {
    "occupancy": [
        LegendItem("map-o0", "Empty"),
        LegendItem("map-o1", "Up to 25 %"),
        LegendItem("map-o2", "Up to 50 %"),
        LegendItem("map-o3", "Up to 75 %"),
        LegendItem("map-o4", "Up to full"),
        LegendItem("map-o5", "Over capacity"),
        LegendItem("map-nocap", "Stock, no capacity set"),
    ],
    "picks": [
        LegendItem("map-f0", "Not picked"),
        LegendItem("map-f1", "Up to 20 % of the busiest bin shown"),
        LegendItem("map-f2", "Up to 40 %"),
        LegendItem("map-f3", "Up to 60 %"),
        LegendItem("map-f4", "Up to 80 %"),
        LegendItem("map-f5", "The busiest"),
    ],
}
