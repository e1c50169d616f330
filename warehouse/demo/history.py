"""The past ``days`` of one site, day by day, written to the ledger with back-dated moves.

A working day (the site is closed on Sundays): replenish the pick face at 06:30, unload the
trucks that are due from 06:00, inspect at 09:00, put away at 10:30 (and after QC at 13:00),
pick at 14:00, count and tidy up in the afternoon, ship at 17:00, then order what runs low.
Every step is planned on the in-memory floor first, then written as one batch per kind.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone

from warehouse.demo import floorwork, inbound
from warehouse.demo.batches import Ledger
from warehouse.demo.inbound import PurchaseOrder
from warehouse.demo.site import Site

# Orders per weekday, Monday first: busy Fridays, a short Saturday, closed on Sunday.
WEEKDAY_FACTOR = (1.1, 1.0, 1.0, 1.05, 1.2, 0.35, 0.0)
SUNDAY = 6


@dataclass(frozen=True)
class Crew:
    """Who does what in the history (the demo users)."""

    receiver: int | None
    picker: int | None
    supervisor: int | None


def history_write(*, site: Site, days: int, ledger: Ledger, crew: Crew) -> list[PurchaseOrder]:
    """Write ``days`` of history ending yesterday; returns the orders still on their way."""
    today = timezone.localdate()
    first = today - timedelta(days=days)
    open_orders: list[PurchaseOrder] = []
    opened = False
    for offset in range(days):
        day = first + timedelta(days=offset)
        if day.weekday() == SUNDAY and opened:
            continue
        due = []
        if day.weekday() < 5:  # trucks come on weekdays; Saturday's wait for Monday
            due = [order for order in open_orders if order.arrives <= day]
            open_orders = [order for order in open_orders if order.arrives > day]
        if not opened:
            due = inbound.opening_orders(site, day) + due
            opened = True
        # Demand grows a little over the period, as a healthy business's does.
        factor = WEEKDAY_FACTOR[day.weekday()] * (0.9 + 0.2 * offset / days)
        _working_day(site, day, due, factor, ledger, crew)
        inbound.purchase_day(site, day, open_orders)
    return open_orders


def _working_day(
    site: Site, day: date, due: list[PurchaseOrder], factor: float, ledger: Ledger, crew: Crew
) -> None:
    floorwork.replenish(site, day, ledger, crew.receiver)
    inbound.receive_day(site, day, due, ledger, crew.receiver)
    floorwork.pick_and_ship(site, day, factor, ledger, crew.picker)
    if day.weekday() < 5:
        floorwork.count_and_damage(site, day, ledger, crew.supervisor)
        floorwork.consolidate(site, day, ledger, crew.receiver)
    floorwork.clear_out(site, day, ledger, crew.supervisor)
