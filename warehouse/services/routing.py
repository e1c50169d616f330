"""Pick paths: the S-shape route through the aisles, and walking distances.

The layout model: aisles run along y; an aisle is the set of bins sharing ``Location.aisle``
(its x is theirs). Pickers move between aisles along a front cross aisle (the smallest y of the
layout) and a back cross aisle (the largest y). Distances are in metres, rectilinear.

S-shape (traversal): visit the aisles that have picks from left to right; walk each one end
to end, up the first, down the next, and so on; pick within an aisle in walking direction; if
an odd number of aisles is visited, the last one is entered and left from the same end. It is
the route most pickers follow without being told, and needs no solver.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Stop:
    """A place to walk to: ``key`` identifies the pick (a task id), ``aisle`` groups bins."""

    key: int
    aisle: str
    x: float
    y: float
    sequence: int = 0


@dataclass(frozen=True)
class Layout:
    front: float  # y of the front cross aisle
    back: float  # y of the back cross aisle
    depot: tuple[float, float]  # where the picker starts and ends (the staging area)


def s_shape(stops: Sequence[Stop], layout: Layout) -> list[Stop]:
    """The stops in S-shape order."""
    aisles: dict[str, list[Stop]] = defaultdict(list)
    for stop in stops:
        aisles[stop.aisle].append(stop)
    ordered_aisles = sorted(
        aisles.values(), key=lambda group: (min(s.x for s in group), group[0].aisle)
    )
    route: list[Stop] = []
    for index, group in enumerate(ordered_aisles):
        upwards = index % 2 == 0
        route.extend(sorted(group, key=lambda s: (s.y, s.sequence, s.key), reverse=not upwards))
    return route


def walk(
    a: tuple[float, float, str | None], b: tuple[float, float, str | None], layout: Layout
) -> float:
    """Metres from a to b: along the aisle if both are in it, else via the nearer cross aisle."""
    (ax, ay, a_aisle), (bx, by, b_aisle) = a, b
    if a_aisle is not None and a_aisle == b_aisle:
        return abs(ay - by)
    # abs: the depot may lie beyond a cross aisle (the staging lane in front of the racks).
    via_front = abs(ay - layout.front) + abs(by - layout.front)
    via_back = abs(layout.back - ay) + abs(layout.back - by)
    return abs(ax - bx) + min(via_front, via_back)


def route_metres(stops: Sequence[Stop], layout: Layout) -> float:
    """Walking distance from the depot through the stops in the given order and back."""
    depot = (*layout.depot, None)
    points = [depot, *[(s.x, s.y, s.aisle) for s in stops], depot]
    return sum(walk(points[i], points[i + 1], layout) for i in range(len(points) - 1))
