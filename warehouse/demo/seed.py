"""The demo, phase by phase: users, layouts, catalogue, home bins, history, open work,
deliveries expected at MAIN's docks, purchasing (offers, rules, forecasts, suggestions).

Idempotent. Users are created when missing and never changed. Once the MAIN warehouse holds
stock moves the demo is present and everything else is skipped but the expected deliveries,
which are made step by step and found by markers (``warehouse.demo.purchasing``), so a run that
stopped among them finishes them; until then each phase creates only what is missing by natural
key (warehouse and location code, supplier code, SKU), so a run that failed half way resumes.
The history and open work of all sites are one transaction: they are there completely or not at
all.
"""

import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.db import connection, transaction

from inventory.models import Warehouse
from warehouse.demo.batches import Ledger
from warehouse.demo.catalog import CatalogResult, catalog_ensure, product_specs
from warehouse.demo.history import Crew, history_write
from warehouse.demo.layout import site_ensure, site_plans
from warehouse.demo.open_work import OpenWork, open_work_create
from warehouse.demo.pick_faces import pick_face_rules_demo_ensure
from warehouse.demo.profiles import Profile, home_bins_assign, profiles_build
from warehouse.demo.purchasing import demo_deliveries_ensure
from warehouse.demo.replenishment import demo_purchasing_ensure
from warehouse.demo.site import site_load
from warehouse.demo.users import demo_users_default_warehouse, demo_users_ensure
from warehouse.models import StockMove
from warehouse.services.layout import location_set_blocked

MAIN = "MAIN"
DEFAULT_DAYS = 90
# Open count tasks and blocked bins per site (other sites: one count, nothing blocked).
COUNTS = {"MAIN": 5, "EAST": 2}
BLOCKS = {"MAIN": 2, "EAST": 1}

Say = Callable[[str], None]


class _Log:
    """One line per phase, with the seconds it took."""

    def __init__(self, say: Say) -> None:
        self.say = say
        self.started = self.last = time.monotonic()

    def __call__(self, line: str) -> None:
        now = time.monotonic()
        self.say(f"{line} [{now - self.last:.1f} s]")
        self.last = now


def demo_present() -> bool:
    main = Warehouse.objects.filter(code=MAIN).first()
    return main is not None and StockMove.objects.filter(warehouse=main).exists()


def demo_seed(*, scale: float = 1.0, days: int = DEFAULT_DAYS, say: Say = print) -> bool:
    """Load the demo; returns False when it was already present (only users and the expected
    deliveries were ensured)."""
    log = _Log(say)
    users = demo_users_ensure()
    log(
        f"users: {len(users.created)} created ({', '.join(users.created) or 'none'}), "
        f"{len(users.kept)} kept as they were"
    )
    if demo_present():
        log("demo present (MAIN has stock moves): layout, catalogue, stock, open work skipped")
        log(f"pick-face rules: {pick_face_rules_demo_ensure()} min/max rules created")
        _deliveries_ensure(users.ids, log)  # a run that stopped among them finishes them
        _purchasing_ensure(None, log)
        return False
    with _fast_commits():
        plans = site_plans(scale=scale)
        for plan in plans:
            site = site_ensure(plan)
            log(
                f"layout {plan.code}: warehouse {'created' if site.created else 'kept'}, "
                f"{site.locations_created} locations created"
            )
        catalog = catalog_ensure(product_specs(scale=scale))
        log(
            f"catalogue: {catalog.suppliers_created} suppliers and {catalog.products_created} "
            f"products created, {len(catalog.products)} demo products"
        )
        profiles = {plan.code: profiles_build(plan=plan, catalog=catalog) for plan in plans}
        found = Warehouse.objects.in_bulk(list(profiles), field_name="code")
        warehouses = {code: found[code] for code in profiles}
        demo_users_default_warehouse(
            user_ids=list(users.ids.values()), warehouse_id=warehouses[MAIN].pk
        )
        homes = sum(
            home_bins_assign(warehouse=warehouses[code], profiles=site_profiles)
            for code, site_profiles in profiles.items()
        )
        log(f"home bins: {homes} fast movers given a pick-face home")
        log(f"pick-face rules: {pick_face_rules_demo_ensure()} min/max rules created")
        work = _stock_write(warehouses, profiles, users.ids, days, log)
        for location_id, reason in work.to_block:
            location_set_blocked(location_id=location_id, blocked=True, reason=reason)
        log(f"blocked bins: {len(work.to_block)}")
        _deliveries_ensure(users.ids, log)
        _purchasing_ensure(catalog, log)
    say(f"demo loaded in {time.monotonic() - log.started:.1f} s")
    return True


def _stock_write(
    warehouses: dict[str, Warehouse],
    profiles: dict[str, list[Profile]],
    user_ids: dict[str, int],
    days: int,
    log: _Log,
) -> OpenWork:
    """History and open work of every site, in one transaction."""
    crew = Crew(
        receiver=user_ids.get("floor1"),
        picker=user_ids.get("floor2"),
        supervisor=user_ids.get("supervisor"),
    )
    ledger = Ledger()
    total = OpenWork()
    with transaction.atomic():
        for code, warehouse in warehouses.items():
            site = site_load(warehouse=warehouse, profiles=profiles[code])
            open_orders = history_write(site=site, days=days, ledger=ledger, crew=crew)
            work = open_work_create(
                site=site,
                open_orders=open_orders,
                ledger=ledger,
                actor_id=crew.receiver,
                counts=COUNTS.get(code, 1),
                blocks=BLOCKS.get(code, 0),
            )
            total.received += work.received
            total.tasks.update(work.tasks)
            total.to_block += work.to_block
        log(
            f"history: {days} days, {sum(ledger.moves.values())} moves in {ledger.calls} "
            f"batches ({_counts(ledger.moves)}); {ledger.seconds.total():.1f} s in moves_apply"
        )
    log(f"open work: {total.received} receipt lines on the docks; tasks: {_counts(total.tasks)}")
    return total


def _deliveries_ensure(user_ids: dict[str, int], log: _Log) -> None:
    """Purchase orders and a notice for MAIN, with receipts the floor can receive."""
    main = Warehouse.objects.filter(code=MAIN).first()
    if main is None:
        return
    made = demo_deliveries_ensure(
        warehouse=main,
        purchaser_id=user_ids.get("purchaser"),
        clerk_id=user_ids.get("supervisor"),
    )
    log(
        f"deliveries: {made.orders_created} purchase orders created, {made.orders_sent} sent, "
        f"{made.receipts_created} expected receipts created"
    )


def _purchasing_ensure(catalog: CatalogResult | None, log: _Log) -> None:
    """Supplier offers (from the catalogue, on a first load), demand history, reorder rules,
    forecasts and a first review."""
    made = demo_purchasing_ensure(catalog=catalog)
    log(
        f"purchasing: {made.offers} supplier offers, {made.demand_days} days of demand history "
        f"and {made.rules} reorder rules created; {made.forecasts} forecasts, "
        f"{made.suggestions} open reorder suggestions"
    )


def _counts(counter: Counter[str]) -> str:
    return ", ".join(f"{kind} {n}" for kind, n in sorted(counter.items())) or "none"


@contextmanager
def _fast_commits() -> Iterator[None]:
    """Commit without waiting for the disk while seeding: a crash loses at most the last few
    transactions, which a re-run recreates. The hundreds of small layout and catalogue
    transactions then cost no disk flush each."""
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO off")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO DEFAULT")
