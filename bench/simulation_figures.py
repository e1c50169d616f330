"""The simulation's figures, per policy, ABC class and demand pattern, and their table.

- fill rate: units shipped / units demanded (and the same in value);
- days in stock: share of product-days with demand that were served in full;
- cycle service level (CSL): share of replenishment cycles (from one receipt of a product to the
  next; the opening cycle and the one still open at the end count too) without a lost sale;
- average on hand / available / on order: units (and on hand in value, at unit cost) at the end
  of each day, after the day's receipts, averaged over the days;
- orders: purchase orders sent, their lines (product orders) and units.

A day's demand, stock and orders of a product count in the ABC class the forecast warehouse
gave the product the night before, in both warehouses, so both policies are split alike.
"""

from collections import defaultdict
from dataclasses import dataclass, field, fields

from bench.simulation_demand import PATTERN_SHARES, ProductSpec

POLICIES = ("forecast", "min_max")
CLASSES = ("A", "B", "C")
PATTERNS = tuple(name for name, _ in PATTERN_SHARES)
TARGET_SECONDS = 90.0  # for the simulated year of 200 products in two warehouses


@dataclass
class Tally:
    """Sums of one group (a policy's products, one class, one pattern) over the run."""

    demanded: int = 0
    shipped: int = 0
    demanded_value: float = 0.0
    shipped_value: float = 0.0
    demand_days: int = 0
    stockout_days: int = 0
    cycles: int = 0
    stockout_cycles: int = 0
    on_hand: float = 0.0  # summed over the days' ends
    on_hand_value: float = 0.0
    available: float = 0.0
    on_order: float = 0.0
    order_lines: int = 0
    units_ordered: int = 0

    def add(self, other: "Tally") -> None:
        for name in (f.name for f in fields(self)):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class Series:
    """One warehouse's year as it happened, ``[product][day]`` in the catalogue's order."""

    shipped: list[list[int]]
    on_hand: list[list[int]]  # at the end of the day, after its receipts
    available: list[list[int]]
    on_order: list[list[int]]
    ordered: list[list[int]]  # units ordered that night
    received: list[list[bool]]  # a delivery arrived that day (after the shipping)
    # The forecast warehouse's ABC class of each product in force each day: [day][product].
    classes: list[list[str]] = field(default_factory=list)
    purchase_orders: int = 0
    queries: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0  # of the process that ran it (the rest: waiting for PostgreSQL)
    phase_seconds: dict[str, float] = field(default_factory=dict)

    @classmethod
    def empty(cls, *, products: int, days: int) -> "Series":
        def grid(value: object) -> list:
            return [[value] * days for _ in range(products)]

        return cls(grid(0), grid(0), grid(0), grid(0), grid(0), grid(False))


@dataclass(frozen=True)
class Figures:
    demanded: int
    shipped: int
    fill_rate: float
    value_fill_rate: float
    days_in_stock: float
    cycles: int
    cycle_service_level: float
    avg_on_hand: float
    avg_on_hand_value: float
    avg_available: float
    avg_on_order: float
    order_lines: int
    units_ordered: int
    target: float | None  # the class's service level; value-weighted for the whole


@dataclass(frozen=True)
class PolicyResult:
    policy: str
    warehouse: str
    purchase_orders: int
    total: Figures
    by_class: dict[str, Figures]
    by_pattern: dict[str, Figures]
    seconds: float  # this warehouse's days
    cpu_seconds: float
    phase_seconds: dict[str, float]
    queries: int


@dataclass
class SimulationResult:
    days: int
    products: int
    seed: int
    demand_basis: str
    forecast_every: int
    receiving: str
    parallel: bool  # the two warehouses' years ran at once, in two processes
    policies: dict[str, PolicyResult]
    setup_seconds: float
    seconds: float  # the simulated days of both warehouses, setup excluded
    drift_clean: bool
    on_order_clean: bool
    products_by_class: dict[str, int] = field(default_factory=dict)

    @property
    def queries(self) -> int:
        return sum(r.queries for r in self.policies.values())

    def shortfalls(self, policy: str = "forecast") -> list[str]:
        """The classes whose fill rate is below their service level, with the numbers."""
        return [
            f"{policy} class {name}: fill rate {f.fill_rate:.4f} < target {f.target:.2f}"
            for name, f in self.policies[policy].by_class.items()
            if f.demanded and f.target is not None and f.fill_rate < f.target
        ]


# --- figures -------------------------------------------------------------------------------------


def figures(tally: Tally, days: int, target: float | None) -> Figures:
    def share(part: float, whole: float) -> float:
        return part / whole if whole else 1.0

    return Figures(
        demanded=tally.demanded,
        shipped=tally.shipped,
        fill_rate=share(tally.shipped, tally.demanded),
        value_fill_rate=share(tally.shipped_value, tally.demanded_value),
        days_in_stock=1 - share(tally.stockout_days, tally.demand_days or 1),
        cycles=tally.cycles,
        cycle_service_level=1 - share(tally.stockout_cycles, tally.cycles or 1),
        avg_on_hand=tally.on_hand / days,
        avg_on_hand_value=tally.on_hand_value / days,
        avg_available=tally.available / days,
        avg_on_order=tally.on_order / days,
        order_lines=tally.order_lines,
        units_ordered=tally.units_ordered,
        target=target,
    )


def tallies_of(
    specs: list[ProductSpec], series: Series, *, classes: list[list[str]], warmup: int
) -> dict[str, Tally]:
    """A warehouse's series summed per group: "all", each class, each demand pattern."""
    tallies: dict[str, Tally] = defaultdict(Tally)
    for row, spec in enumerate(specs):
        mine: dict[str, Tally] = defaultdict(Tally)  # this product's days, per class in force
        stockout = False
        for day, shipped in enumerate(series.shipped[row]):
            tally = mine[classes[day][row]]
            wanted = spec.demand[warmup + day]
            tally.demanded += wanted
            tally.shipped += shipped
            tally.demand_days += wanted > 0
            tally.stockout_days += shipped < wanted
            stockout |= shipped < wanted
            tally.on_hand += series.on_hand[row][day]
            tally.available += series.available[row][day]
            tally.on_order += series.on_order[row][day]
            tally.order_lines += series.ordered[row][day] > 0
            tally.units_ordered += series.ordered[row][day]
            if series.received[row][day]:  # the cycle ends with the delivery
                tally.cycles += 1
                tally.stockout_cycles += stockout
                stockout = False
        last = mine[classes[-1][row]]  # the cycle still open at the end
        last.cycles += 1
        last.stockout_cycles += stockout
        for name, tally in mine.items():
            tally.demanded_value = tally.demanded * spec.unit_cost
            tally.shipped_value = tally.shipped * spec.unit_cost
            tally.on_hand_value = tally.on_hand * spec.unit_cost
            for group in ("all", name, spec.pattern):
                tallies[group].add(tally)
    return tallies


def policy_result(
    *, policy: str, warehouse: str, series: Series, tallies: dict[str, Tally], days: int
) -> PolicyResult:
    """A policy's figures: the whole, each ABC class against its service level, each pattern."""
    from inventory.services.forecasting import CLASS_SERVICE_LEVELS

    targets = {name: float(CLASS_SERVICE_LEVELS[name]) for name in CLASSES}
    value = sum(tallies[c].demanded_value for c in CLASSES)
    weighted = (
        sum(tallies[c].demanded_value * targets[c] for c in CLASSES) / value if value else None
    )
    return PolicyResult(
        policy=policy,
        warehouse=warehouse,
        purchase_orders=series.purchase_orders,
        total=figures(tallies["all"], days, weighted),
        by_class={c: figures(tallies[c], days, targets[c]) for c in CLASSES},
        by_pattern={p: figures(tallies[p], days, None) for p in PATTERNS},
        seconds=series.seconds,
        cpu_seconds=series.cpu_seconds,
        phase_seconds=dict(series.phase_seconds),
        queries=series.queries,
    )


# --- the table -----------------------------------------------------------------------------------

_COLUMNS = (
    ("policy", 9, "<"),
    ("group", 12, "<"),
    ("demanded", 9, ">"),
    ("fill rate", 9, ">"),
    ("target", 7, ">"),
    ("value fill", 10, ">"),
    ("in stock", 8, ">"),
    ("cycles", 7, ">"),
    ("CSL", 6, ">"),
    ("on hand", 9, ">"),
    ("value", 10, ">"),
    ("available", 9, ">"),
    ("on order", 9, ">"),
    ("POs", 5, ">"),
    ("lines", 6, ">"),
    ("units ord", 9, ">"),
)


def _row(policy: str, group: str, f: Figures, orders: int | None) -> str:
    cells = (
        policy,
        group,
        f"{f.demanded:,}",
        f"{f.fill_rate:.4f}",
        f"{f.target:.3f}" if f.target is not None else "",
        f"{f.value_fill_rate:.4f}",
        f"{f.days_in_stock:.4f}",
        f"{f.cycles:,}",
        f"{f.cycle_service_level:.3f}",
        f"{f.avg_on_hand:,.0f}",
        f"{f.avg_on_hand_value:,.0f}",
        f"{f.avg_available:,.0f}",
        f"{f.avg_on_order:,.0f}",
        f"{orders:,}" if orders is not None else "",
        f"{f.order_lines:,}",
        f"{f.units_ordered:,}",
    )
    return " ".join(
        f"{cell:{align}{width}}" for cell, (_, width, align) in zip(cells, _COLUMNS, strict=True)
    )


def format_table(result: SimulationResult) -> str:
    """The comparison as text: per policy, the whole, each ABC class and each pattern."""
    header = " ".join(f"{name:{align}{width}}" for name, width, align in _COLUMNS)
    out = [
        f"replenishment simulation: {result.days} days, {result.products} products, seed "
        f"{result.seed}; demand recorded as {result.demand_basis}; forecast "
        + ("nightly" if result.forecast_every == 1 else f"every {result.forecast_every} days")
        + f"; receiving {result.receiving}; ABC classes at the end: {result.products_by_class}",
        header,
        "-" * len(header),
    ]
    for policy in POLICIES:
        r = result.policies[policy]
        out.append(_row(policy, "all", r.total, r.purchase_orders))
        out += [_row(policy, f"class {c}", f, None) for c, f in r.by_class.items()]
        out += [_row(policy, p, f, None) for p, f in r.by_pattern.items()]
    out += [
        "fill rate: units shipped / demanded; target: the class's service level (the whole: "
        "weighted by demand value); in stock: product-days with demand served in full; CSL: "
        "replenishment cycles without a lost sale; on hand, value (at unit cost), available, "
        "on order: average at the end of a day; lines: product orders on the POs.",
        f"run time: {result.seconds:.1f} s for the {result.days} days of both warehouses "
        + ("at once, in two processes" if result.parallel else "one after the other")
        + f" (aim for a year: well under {TARGET_SECONDS:.0f} s); setup "
        f"{result.setup_seconds:.1f} s; ledger and levels "
        + ("consistent" if result.drift_clean else "DRIFT")
        + ", on order "
        + ("consistent" if result.on_order_clean else "DRIFT"),
    ]
    for policy in POLICIES:
        r = result.policies[policy]
        phases = ", ".join(f"{name} {s:.1f}" for name, s in sorted(r.phase_seconds.items()))
        out.append(
            f"  {policy}: {r.seconds:.1f} s ({phases}; its process's CPU {r.cpu_seconds:.1f} s), "
            f"{r.queries:,} queries ({r.queries / result.days:.0f} a day)"
        )
    return "\n".join(out)
