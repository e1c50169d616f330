"""The simulation's seeded demand: a catalogue of products and a year of daily demand for each.

A mix as a distributor sees it (shares of the products):

- ``fast`` (5 %): fast movers, 40-150 units a day, mildly overdispersed;
- ``smooth`` (35 %): steady demand around a level of 1-25 a day;
- ``seasonal`` (15 %): a yearly sine around the level, amplitude 30-70 %, random phase;
- ``trend`` (15 %): the level drifts linearly over the run, from -50 % to +100 %;
- ``intermittent`` (30 %): no demand on most days (5-30 % of days have some), 1-6 units when
  there is.

Daily quantities are gamma-Poisson (negative binomial): a Poisson draw around a rate that itself
varies from day to day, so the day-to-day deviation is larger than a Poisson's, as in real
order books. Everything is drawn from one ``random.Random(seed)`` in a fixed order: the same seed
gives the same catalogue and the same demand, whatever the machine.
"""

import math
import random
from dataclasses import dataclass

PATTERN_SHARES = (
    ("fast", 0.05),
    ("smooth", 0.35),
    ("seasonal", 0.15),
    ("trend", 0.15),
    ("intermittent", 0.30),
)
# name, lead time in days, share of the products it supplies
SUPPLIERS = (("FAST", 3, 0.3), ("STD", 7, 0.5), ("FAR", 14, 0.2))
# (pack multiple, share): the offer's pack, also its minimum order quantity
PACKS = ((1, 0.6), (6, 0.25), (12, 0.15))


@dataclass(frozen=True)
class ProductSpec:
    """One simulated product: its demand pattern, cost, supplier and pack."""

    index: int
    pattern: str
    unit_cost: float
    supplier: int  # index into SUPPLIERS
    pack: int
    demand: tuple[int, ...]  # units per day, warm-up days first


def _pick(rng: random.Random, weighted: tuple[tuple[object, float], ...]) -> object:
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights=weights)[0]


def poisson(rng: random.Random, rate: float) -> int:
    """A Poisson draw: Knuth's product method for small rates, Hormann's PTRS above 30 (as
    numpy does; Python's ``random`` has no Poisson)."""
    if rate <= 0:
        return 0
    if rate < 30:
        limit, count, product = math.exp(-rate), 0, rng.random()
        while product > limit:
            count += 1
            product *= rng.random()
        return count
    slam, loglam = math.sqrt(rate), math.log(rate)
    b = 0.931 + 2.53 * slam
    a = -0.059 + 0.02483 * b
    invalpha = 1.1239 + 1.1328 / (b - 3.4)
    vr = 0.9277 - 3.6224 / (b - 2)
    while True:
        u = rng.random() - 0.5
        v = rng.random()
        us = 0.5 - abs(u)
        k = math.floor((2 * a / us + b) * u + rate + 0.43)
        if us >= 0.07 and v <= vr:
            return k
        if k < 0 or (us < 0.013 and v > us):
            continue
        if math.log(v) + math.log(invalpha) - math.log(a / (us * us) + b) <= (
            -rate + k * loglam - math.lgamma(k + 1)
        ):
            return k


def _overdispersed(rng: random.Random, mean: float, shape: float) -> int:
    """Gamma-Poisson: variance = mean + mean^2 / shape."""
    if mean <= 0:
        return 0
    return poisson(rng, rng.gammavariate(shape, mean / shape))


def _rate(pattern: str, params: dict[str, float], day: int, total_days: int) -> float:
    level = params["level"]
    if pattern == "seasonal":
        return level * (
            1 + params["amplitude"] * math.sin(2 * math.pi * day / 365 + params["phase"])
        )
    if pattern == "trend":
        return level * (1 + params["growth"] * day / max(total_days - 1, 1))
    return level


def _params(rng: random.Random, pattern: str) -> dict[str, float]:
    if pattern == "fast":
        return {"level": rng.uniform(40, 150), "shape": 20.0}
    if pattern == "intermittent":
        return {"chance": rng.uniform(0.05, 0.30), "size": rng.uniform(0.5, 3.0)}
    params = {"level": math.exp(rng.uniform(math.log(1), math.log(25))), "shape": 5.0}
    if pattern == "seasonal":
        params |= {"amplitude": rng.uniform(0.3, 0.7), "phase": rng.uniform(0, 2 * math.pi)}
    if pattern == "trend":
        params["growth"] = rng.uniform(-0.5, 1.0)
    return params


def _daily(rng: random.Random, pattern: str, params: dict[str, float], days: int) -> list[int]:
    if pattern == "intermittent":
        return [
            1 + poisson(rng, params["size"]) if rng.random() < params["chance"] else 0
            for _ in range(days)
        ]
    return [
        _overdispersed(rng, _rate(pattern, params, day, days), params["shape"])
        for day in range(days)
    ]


def catalogue(*, products: int, days: int, seed: int) -> list[ProductSpec]:
    """``products`` products with ``days`` days of demand each (warm-up included)."""
    rng = random.Random(seed)
    counts = [int(products * share) for _, share in PATTERN_SHARES]
    counts[1] += products - sum(counts)  # rounding goes to the smooth ones
    patterns = [name for (name, _), n in zip(PATTERN_SHARES, counts, strict=True) for _ in range(n)]
    rng.shuffle(patterns)
    specs = []
    for index, pattern in enumerate(patterns):
        params = _params(rng, pattern)
        # Fast movers are cheap consumables; the rest spread over two orders of magnitude.
        cost = math.exp(rng.gauss(0.5 if pattern == "fast" else 2.5, 0.9))
        specs.append(
            ProductSpec(
                index=index,
                pattern=pattern,
                unit_cost=round(max(cost, 0.1), 2),
                supplier=_pick(rng, tuple((i, s[2]) for i, s in enumerate(SUPPLIERS))),
                pack=_pick(rng, PACKS),
                demand=tuple(_daily(rng, pattern, params, days)),
            )
        )
    return specs
