"""The rest of a working day: replenishing the pick face, picking and shipping the day's orders,
cycle counts and damage, consolidating half-empty bins, and clearing out expired stock."""

import math
import random
from datetime import date, timedelta

from warehouse.demo.batches import Ledger
from warehouse.demo.site import Site, at
from warehouse.models import Location, StockMove
from warehouse.services.moves import MoveLine

K = Location.Kind
M = StockMove.Kind
REPLENISH_BELOW = 0.4  # of a home bin's capacity
QUARANTINE_DAYS = 7  # failed goods wait this long for the supplier's decision, then go
DAMAGE_REASONS = ("Damaged in handling", "Packaging crushed", "Dropped from the forklift")


def poisson(rng: random.Random, mean: float) -> int:
    """Units asked for in a day: Poisson for small means, its normal approximation above."""
    if mean <= 0:
        return 0
    if mean > 30:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def replenish(site: Site, day: date, ledger: Ledger, actor_id: int | None) -> None:
    """Before the first wave, top up every home bin that fell below its trigger from reserve."""
    floor, lines = site.floor, []
    for product_id, home in floor.home_of.items():
        if home.occupied >= home.capacity * REPLENISH_BELOW:
            continue
        sources = floor.sources(product_id, day, home_first=False)
        for bin_id, key, units in floor.transfer(sources, home.room, home.id):
            lines.append(MoveLine(key[0], units, bin_id, home.id, key[1]))
    ledger.write(
        kind=M.REPLENISH,
        lines=lines,
        at=at(day, 6, 30),
        actor_id=actor_id,
        reason="Pick face below minimum",
    )


def pick_and_ship(
    site: Site, day: date, factor: float, ledger: Ledger, actor_id: int | None
) -> None:
    """Pick the day's demand (home bin first, then FEFO/FIFO) to staging; ship it at five."""
    floor, staging = site.floor, site.place(K.STAGING)
    picks: list[MoveLine] = []
    for profile in site.profiles:
        orders = poisson(site.rng, profile.daily_demand * factor / profile.line_size)
        if not orders:
            continue
        wanted = sum(1 + poisson(site.rng, profile.line_size - 1) for _ in range(orders))
        sources = floor.sources(profile.product.pk, day)
        for bin_id, key, units in floor.take_in_order(sources, wanted):
            picks.append(MoveLine(key[0], units, bin_id, staging, key[1]))
    ledger.write(
        kind=M.PICK, lines=picks, at=at(day, 14), actor_id=actor_id, reference=f"WAVE-{day:%y%m%d}"
    )
    shipments = [
        MoveLine(ln.product_id, ln.quantity, staging, site.place(K.CUSTOMER), ln.lot_id)
        for ln in picks
    ]
    ledger.write(
        kind=M.SHIP,
        lines=shipments,
        at=at(day, 17),
        actor_id=actor_id,
        reference=f"COLLECT-{day:%y%m%d}",
    )


def count_and_damage(site: Site, day: date, ledger: Ledger, actor_id: int | None) -> None:
    """A cycle count that finds a small difference, and now and then a damaged unit."""
    rng, floor = site.rng, site.floor
    stocked = floor.stocked_bins()
    if not stocked:
        return
    outside = site.place(K.ADJUSTMENT)
    if rng.random() < 0.5:
        counted = rng.choice(stocked)
        key, (quantity, _) = rng.choice(sorted(counted.stock.items()))
        difference = rng.choice((-2, -1, -1, 1, 2))
        if 0 < difference <= counted.room:
            floor.put(counted.id, key, difference, at(day, 15, 30))
            line = MoveLine(key[0], difference, outside, counted.id, key[1])
        else:
            difference = -min(quantity, abs(difference))
            floor.take(counted.id, key, -difference)
            line = MoveLine(key[0], -difference, counted.id, outside, key[1])
        ledger.write(
            kind=M.COUNT,
            lines=[line],
            at=at(day, 15, 30),
            actor_id=actor_id,
            reason="Cycle count difference",
            reference=f"COUNT-{counted.code}",
        )
    if rng.random() < 0.3:
        damaged = rng.choice(stocked)
        if damaged.stock:
            key, (quantity, _) = rng.choice(sorted(damaged.stock.items()))
            units = min(quantity, rng.randint(1, 2))
            floor.take(damaged.id, key, units)
            ledger.write(
                kind=M.ADJUSTMENT,
                at=at(day, 15, 40),
                actor_id=actor_id,
                lines=[MoveLine(key[0], units, damaged.id, outside, key[1])],
                reason=rng.choice(DAMAGE_REASONS),
            )


def consolidate(site: Site, day: date, ledger: Ledger, actor_id: int | None) -> None:
    """Empty one nearly empty reserve bin into another bin of the same product with room."""
    rng, floor = site.rng, site.floor
    spread = sorted(p for p, bins in floor.holding.items() if len(bins) > 1)
    for product_id in rng.sample(spread, min(20, len(spread))):
        held = [floor.bins[i] for i in floor.holding[product_id]]
        reserve = [b for b in held if not b.is_pick and {k[0] for k in b.stock} == {product_id}]
        if len(reserve) < 2:
            continue
        source = min(reserve, key=lambda b: (b.occupied, b.rank))
        target = max((b for b in reserve if b is not source), key=lambda b: (b.room, -b.rank))
        if source.occupied > target.room:
            continue
        takes = [(source.id, key, quantity) for key, (quantity, _) in sorted(source.stock.items())]
        moved = floor.transfer(takes, source.occupied, target.id)
        ledger.write(
            kind=M.TRANSFER,
            at=at(day, 15, 45),
            actor_id=actor_id,
            lines=[MoveLine(k[0], units, b, target.id, k[1]) for b, k, units in moved],
            reason=f"Consolidation into {target.code}",
        )
        return


def clear_out(site: Site, day: date, ledger: Ledger, actor_id: int | None) -> None:
    """Scrap expired lots from the bins and failed goods whose quarantine is over."""
    floor, scrap = site.floor, site.place(K.SCRAP)
    expired = floor.expired(day)
    for bin_id, key, quantity in expired:
        floor.take(bin_id, key, quantity)
    ledger.write(
        kind=M.SCRAP,
        at=at(day, 16),
        actor_id=actor_id,
        reason="Expired",
        lines=[MoveLine(k[0], units, b, scrap, k[1]) for b, k, units in expired],
    )
    cutoff = day - timedelta(days=QUARANTINE_DAYS)
    done = [entry for entry in site.quarantined if entry[0] <= cutoff]
    site.quarantined = [entry for entry in site.quarantined if entry[0] > cutoff]
    quarantine = site.place(K.QUARANTINE)
    ledger.write(
        kind=M.SCRAP,
        at=at(day, 16, 10),
        actor_id=actor_id,
        reason="Destroyed after failed QC",
        lines=[MoveLine(p, units, quarantine, scrap, lot) for _, p, lot, units in done],
    )
