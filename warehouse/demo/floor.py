"""The bins in memory while the demo plans its history: what lies where, and the room left.

Each day is planned against this model first and then written through ``moves_apply``, so the
plan never asks the ledger for stock a bin does not hold or room it does not have. Only bins
are modelled: the docks, QC and staging are emptied on the day they are filled.
"""

import heapq
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

Key = tuple[int, int | None]  # (product_id, lot_id)
Take = tuple[int, Key, int]  # (bin id, key, quantity)


@dataclass
class Bin:
    id: int
    code: str
    capacity: int
    rank: float  # distance from the docks: putaway fills the nearest bins first
    is_pick: bool
    home_product_id: int | None = None
    stock: dict[Key, list] = field(default_factory=dict)  # key -> [quantity, received_at]

    @property
    def occupied(self) -> int:
        return sum(quantity for quantity, _ in self.stock.values())

    @property
    def room(self) -> int:
        return self.capacity - self.occupied


class Floor:
    def __init__(self, bins: list[Bin], lot_expiry: dict[int, date]) -> None:
        self.bins = {b.id: b for b in bins}
        self.lot_expiry = lot_expiry  # shared with the lot registry, filled as lots arrive
        self.holding: dict[int, set[int]] = defaultdict(set)  # product -> bins holding it
        self.home_of = {b.home_product_id: b for b in bins if b.home_product_id}
        # Empty reserve bins, nearest first; stale entries are skipped when popped.
        self._empty = [(b.rank, b.id) for b in bins if self._is_free_reserve(b)]
        heapq.heapify(self._empty)

    @staticmethod
    def _is_free_reserve(b: Bin) -> bool:
        return not b.is_pick and not b.home_product_id and not b.stock

    # --- the two primitives -----------------------------------------------------------------

    def put(self, bin_id: int, key: Key, quantity: int, received_at: datetime) -> None:
        target = self.bins[bin_id]
        slot = target.stock.get(key)
        if slot is None:
            target.stock[key] = [quantity, received_at]
        else:  # like the quant: as old as its oldest units
            slot[0] += quantity
            slot[1] = min(slot[1], received_at)
        self.holding[key[0]].add(bin_id)

    def take(self, bin_id: int, key: Key, quantity: int) -> None:
        source = self.bins[bin_id]
        slot = source.stock[key]
        if quantity > slot[0]:
            raise ValueError(f"plan takes {quantity} from {source.code}, which holds {slot[0]}")
        slot[0] -= quantity
        if slot[0]:
            return
        del source.stock[key]
        if not any(product == key[0] for product, _ in source.stock):
            self.holding[key[0]].discard(bin_id)
        if self._is_free_reserve(source):
            heapq.heappush(self._empty, (source.rank, source.id))

    # --- questions and plans ----------------------------------------------------------------

    def on_hand(self, product_id: int) -> int:
        return sum(
            quantity
            for bin_id in self.holding[product_id]
            for (product, _), (quantity, _) in self.bins[bin_id].stock.items()
            if product == product_id
        )

    def putaway(self, key: Key, quantity: int, received_at: datetime) -> list[tuple[int, int]]:
        """Put up to ``quantity`` away: home bin, bins with the same lot, bins with the same
        product, then the nearest empty reserve bins. Returns [(bin id, units)]; what does
        not fit is left out (the caller receives less)."""
        placed: list[tuple[int, int]] = []
        left = quantity
        for target in self._putaway_candidates(key):
            if left == 0:
                break
            units = min(left, target.room)
            if units > 0:
                self.put(target.id, key, units, received_at)
                placed.append((target.id, units))
                left -= units
        while left and self._empty:
            _, bin_id = heapq.heappop(self._empty)
            target = self.bins[bin_id]
            if not self._is_free_reserve(target):
                continue  # stale: filled since it was pushed
            units = min(left, target.capacity)
            self.put(bin_id, key, units, received_at)
            placed.append((bin_id, units))
            left -= units
        return placed

    def _putaway_candidates(self, key: Key) -> list[Bin]:
        product_id, lot_id = key
        home = self.home_of.get(product_id)
        others = sorted(
            (self.bins[i] for i in self.holding[product_id] if self.bins[i] is not home),
            key=lambda b: (key not in b.stock, b.rank),
        )
        return ([home] if home else []) + others

    def sources(self, product_id: int, today: date, *, home_first: bool = True) -> list[Take]:
        """Every unexpired slot of the product, in the order stock should leave: the home bin
        first (for picks), then earliest expiry (FEFO), then earliest receipt (FIFO)."""
        home = self.home_of.get(product_id)
        slots = []
        for bin_id in self.holding[product_id]:
            b = self.bins[bin_id]
            if not home_first and b is home:
                continue
            for key, (quantity, received_at) in b.stock.items():
                expiry = self.lot_expiry.get(key[1]) if key[1] else None
                if key[0] != product_id or (expiry and expiry < today):
                    continue
                order = (not (home_first and b is home), expiry or date.max, received_at, b.rank)
                slots.append((order, (bin_id, key, quantity)))
        return [take for _, take in sorted(slots, key=lambda s: s[0])]

    def take_in_order(self, sources: list[Take], quantity: int) -> list[Take]:
        """Take ``quantity`` (or what there is) from ``sources`` in order; returns the takes."""
        takes = []
        for bin_id, key, available in sources:
            if quantity == 0:
                break
            units = min(quantity, available)
            self.take(bin_id, key, units)
            takes.append((bin_id, key, units))
            quantity -= units
        return takes

    def transfer(self, sources: list[Take], quantity: int, target_id: int) -> list[Take]:
        """Move up to ``quantity`` from ``sources`` (in order) into one bin; returns the takes.

        The units keep their receipt time, as the quants do.
        """
        moved = []
        for bin_id, key, available in sources:
            if quantity == 0:
                break
            units = min(quantity, available)
            received_at = self.bins[bin_id].stock[key][1]
            self.take(bin_id, key, units)
            self.put(target_id, key, units, received_at)
            moved.append((bin_id, key, units))
            quantity -= units
        return moved

    def expired(self, today: date) -> list[Take]:
        return [
            (b.id, key, quantity)
            for b in self.bins.values()
            for key, (quantity, _) in b.stock.items()
            if key[1] and (expiry := self.lot_expiry.get(key[1])) and expiry < today
        ]

    def stocked_bins(self) -> list[Bin]:
        return [b for b in self.bins.values() if b.stock]
