"""Small charts drawn on the server as inline SVG: no chart library, nothing to download.

``demand_sparkline`` turns a product's daily demand (oldest first) into weekly totals and the
coordinates of a line through them; the template only writes the numbers into an <svg>.
"""

from collections.abc import Sequence
from dataclasses import dataclass

WIDTH = 96
HEIGHT = 28
PAD = 2.5  # room for the stroke and the end dot


@dataclass(frozen=True)
class Sparkline:
    weekly: list[int]
    points: str  # "x,y x,y ..." for <polyline>
    area: str  # a closed path under the line, for a light fill
    last_x: float
    last_y: float
    width: int = WIDTH
    height: int = HEIGHT

    @property
    def total(self) -> int:
        return sum(self.weekly)

    @property
    def label(self) -> str:
        """What the chart shows, for screen readers and as a tooltip."""
        weeks = len(self.weekly)
        if not self.total:
            return f"No demand in the last {weeks} weeks"
        return f"Units shipped per week, last {weeks} weeks, oldest first: " + ", ".join(
            str(n) for n in self.weekly
        )

    @property
    def trend(self) -> str:
        """up, down or flat: the last four weeks against the four before."""
        half = len(self.weekly) // 2
        before, after = sum(self.weekly[:half]), sum(self.weekly[half:])
        if after > before * 1.15:
            return "up"
        if after < before * 0.85:
            return "down"
        return "flat"


def weekly_totals(daily: Sequence[int], *, days_per_week: int = 7) -> list[int]:
    """Sum whole weeks, counting back from the last day (a partial oldest week is dropped)."""
    weeks = len(daily) // days_per_week
    start = len(daily) - weeks * days_per_week
    return [
        sum(daily[start + w * days_per_week : start + (w + 1) * days_per_week])
        for w in range(weeks)
    ]


def demand_sparkline(daily: Sequence[int]) -> Sparkline:
    weekly = weekly_totals(daily)
    top = max(weekly, default=0) or 1
    step = (WIDTH - 2 * PAD) / max(len(weekly) - 1, 1)
    coords = [
        (round(PAD + i * step, 1), round(HEIGHT - PAD - (HEIGHT - 2 * PAD) * n / top, 1))
        for i, n in enumerate(weekly)
    ]
    if not coords:
        coords = [(PAD, HEIGHT - PAD), (WIDTH - PAD, HEIGHT - PAD)]
    points = " ".join(f"{x},{y}" for x, y in coords)
    base = HEIGHT - PAD
    area = (
        f"M{coords[0][0]},{base} "
        + " ".join(f"L{x},{y}" for x, y in coords)
        + f" L{coords[-1][0]},{base} Z"
    )
    return Sparkline(
        weekly=weekly, points=points, area=area, last_x=coords[-1][0], last_y=coords[-1][1]
    )
