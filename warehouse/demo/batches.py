"""Writing the planned history: one ``moves_apply`` call per kind of work and time of day.

Batching many lines per call is what makes 90 days take seconds: the level, location and quant
locks are taken once per batch instead of once per line.
"""

import time
from collections import Counter
from collections.abc import Iterable
from datetime import datetime

from warehouse.services.moves import MoveLine, moves_apply


class Ledger:
    def __init__(self) -> None:
        self.moves: Counter[str] = Counter()
        self.calls = 0
        self.seconds: Counter[str] = Counter()

    def write(
        self,
        *,
        kind: str,
        lines: Iterable[MoveLine],
        at: datetime | None,
        actor_id: int | None = None,
        reason: str = "",
        reference: str = "",
    ) -> None:
        """Apply ``lines`` as one back-dated batch (``at`` None: the database clock)."""
        merged = _merge(lines)
        if not merged:
            return
        started = time.perf_counter()
        moves_apply(
            lines=merged,
            kind=kind,
            occurred_at=at,
            actor_id=actor_id,
            reason=reason,
            reference=reference,
        )
        self.seconds[kind] += time.perf_counter() - started
        self.moves[kind] += len(merged)
        self.calls += 1


def _merge(lines: Iterable[MoveLine]) -> list[MoveLine]:
    """Lines with the same product, lot and ends become one ledger row."""
    merged: dict[tuple, MoveLine] = {}
    for line in lines:
        key = (
            line.product_id,
            line.lot_id,
            line.from_location_id,
            line.to_location_id,
            line.received_at,
        )
        if key in merged:
            old = merged[key]
            merged[key] = MoveLine(
                old.product_id,
                old.quantity + line.quantity,
                old.from_location_id,
                old.to_location_id,
                old.lot_id,
                received_at=old.received_at,
            )
        else:
            merged[key] = line
    return list(merged.values())
