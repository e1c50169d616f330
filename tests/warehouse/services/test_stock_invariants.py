"""Property-based proof of the stock invariants.

Hypothesis drives random sequences of receipts, transfers, adjustments, reservations and bin
blocks through the real services on PostgreSQL, and after every step checks: no negative
quantity, reserved <= quantity, the ledger sums to every quant, levels equal the sum of quants,
and the database equals a plain-Python model of what each step should have done (a refused
step changes nothing).
"""

import itertools

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from inventory.errors import DomainError
from inventory.models import Product, StockLevel
from tests.factories.inventory import ProductFactory, WarehouseFactory
from tests.factories.warehouse import LocationFactory, dock
from warehouse.models import Location, Lot, Quant
from warehouse.selectors.ledger import stock_drift
from warehouse.services.adjustments import stock_adjust
from warehouse.services.intake import stock_receive
from warehouse.services.layout import location_set_blocked
from warehouse.services.moves import stock_move
from warehouse.services.reservations import quant_reserve, quant_unreserve

_run = itertools.count()
quantities = st.integers(min_value=1, max_value=30)
# Out-of-range inputs the services must refuse without changing anything.
bad_quantities = st.sampled_from([0, -1, -30])


class StockMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        n = next(_run)
        self.warehouse = WarehouseFactory(code=f"HYP{n}")
        self.dock = dock(self.warehouse)
        self.bins = [
            LocationFactory(warehouse=self.warehouse, code=f"H{n}-B{i}", capacity_units=cap)
            for i, cap in enumerate([None, 40, 15])
        ]
        self.locations = [self.dock, *self.bins]
        plain = ProductFactory(sku=f"HYP{n}-PLAIN", barcode=None)
        tracked = ProductFactory(sku=f"HYP{n}-LOT", barcode=None, tracking="lot")
        self.lots = {
            plain.pk: [None],
            tracked.pk: [
                Lot.objects.create(product=tracked, code=f"L{n}-{i}").pk for i in range(2)
            ],
        }
        self.products = [plain, tracked]
        # The model: (product, location, lot) -> [quantity, reserved]
        self.model: dict[tuple[int, int, int | None], list[int]] = {}

    # --- helpers ---------------------------------------------------------------------------

    def _cell(self, product: Product, location: Location, lot_id: int | None) -> list[int]:
        return self.model.setdefault((product.pk, location.pk, lot_id), [0, 0])

    def _lot(self, product: Product, pick: int) -> int | None:
        lots = self.lots[product.pk]
        return lots[pick % len(lots)]

    def _occupied(self, location: Location) -> int:
        return sum(q for (_, loc, _), (q, _) in self.model.items() if loc == location.pk)

    def _blocked(self, location: Location) -> bool:
        return Location.objects.values_list("is_blocked", flat=True).get(pk=location.pk)

    # --- rules -----------------------------------------------------------------------------

    @rule(product=st.integers(0, 1), lot=st.integers(0, 1), quantity=quantities)
    def receive(self, product: int, lot: int, quantity: int) -> None:
        product_obj = self.products[product]
        lot_id = self._lot(product_obj, lot)
        stock_receive(
            location=self.dock, product_id=product_obj.pk, quantity=quantity, lot_id=lot_id
        )
        self._cell(product_obj, self.dock, lot_id)[0] += quantity

    @rule(
        product=st.integers(0, 1),
        lot=st.integers(0, 1),
        source=st.integers(0, 3),
        dest=st.integers(0, 3),
        quantity=quantities,
    )
    def move(self, product: int, lot: int, source: int, dest: int, quantity: int) -> None:
        product_obj = self.products[product]
        lot_id = self._lot(product_obj, lot)
        src, dst = self.locations[source], self.locations[dest]
        cell = self._cell(product_obj, src, lot_id)
        allowed = (
            src.pk != dst.pk
            and cell[0] - cell[1] >= quantity
            and not (dst.kind != Location.Kind.RECEIVING and self._blocked(dst))
            and (dst.capacity_units is None or self._occupied(dst) + quantity <= dst.capacity_units)
        )
        try:
            stock_move(
                product_id=product_obj.pk,
                quantity=quantity,
                from_location_id=src.pk,
                to_location_id=dst.pk,
                lot_id=lot_id,
            )
        except DomainError:
            assert not allowed, "a valid move was refused"
            return
        assert allowed, "an invalid move was accepted"
        cell[0] -= quantity
        self._cell(product_obj, dst, lot_id)[0] += quantity

    @rule(
        product=st.integers(0, 1),
        lot=st.integers(0, 1),
        where=st.integers(0, 3),
        counted=st.integers(0, 40),
    )
    def adjust(self, product: int, lot: int, where: int, counted: int) -> None:
        product_obj = self.products[product]
        lot_id = self._lot(product_obj, lot)
        location = self.locations[where]
        lot_code = Lot.objects.get(pk=lot_id).code if lot_id else None
        cell = self._cell(product_obj, location, lot_id)
        try:
            stock_adjust(
                location=location,
                product=product_obj,
                counted_quantity=counted,
                lot_code=lot_code,
                reason="cycle count",
            )
        except DomainError:
            assert counted < cell[1], "a valid count was refused"
            return
        cell[0] = counted

    @rule(
        product=st.integers(0, 1),
        lot=st.integers(0, 1),
        where=st.integers(1, 3),
        quantity=quantities,
        release=st.booleans(),
    )
    def reserve(self, product: int, lot: int, where: int, quantity: int, release: bool) -> None:
        product_obj = self.products[product]
        lot_id = self._lot(product_obj, lot)
        location = self.locations[where]
        quant = Quant.objects.filter(product=product_obj, location=location, lot_id=lot_id).first()
        if quant is None:
            return
        cell = self._cell(product_obj, location, lot_id)
        service = quant_unreserve if release else quant_reserve
        allowed = (
            cell[1] >= quantity
            if release
            else cell[0] - cell[1] >= quantity and not self._blocked(location)
        )
        try:
            service(quant_id=quant.pk, quantity=quantity)
        except DomainError:
            assert not allowed, "a valid reservation change was refused"
            return
        assert allowed, "an invalid reservation change was accepted"
        cell[1] += -quantity if release else quantity

    @rule(where=st.integers(1, 3), blocked=st.booleans())
    def block(self, where: int, blocked: bool) -> None:
        location_set_blocked(
            location_id=self.locations[where].pk, blocked=blocked, reason="damaged upright"
        )

    @rule(quantity=bad_quantities, product=st.integers(0, 1))
    def refuse_bad_quantity(self, quantity: int, product: int) -> None:
        product_obj = self.products[product]
        lot_id = self._lot(product_obj, 0)
        with pytest.raises(DomainError):
            stock_move(
                product_id=product_obj.pk,
                quantity=quantity,
                from_location_id=self.dock.pk,
                to_location_id=self.bins[0].pk,
                lot_id=lot_id,
            )

    # --- invariants ------------------------------------------------------------------------

    @invariant()
    def database_matches_model(self) -> None:
        actual = {
            (q.product_id, q.location_id, q.lot_id): [q.quantity, q.reserved]
            for q in Quant.objects.filter(warehouse=self.warehouse)
        }
        for key, (quantity, reserved) in actual.items():
            assert quantity >= 0
            assert 0 <= reserved <= quantity
            assert self.model.get(key, [0, 0]) == [quantity, reserved], key
        for key, value in self.model.items():
            assert actual.get(key, [0, 0]) == value, key

    @invariant()
    def ledger_and_levels_agree(self) -> None:
        drift = stock_drift()
        assert drift.is_clean, drift
        for level in StockLevel.objects.filter(warehouse=self.warehouse):
            assert level.available >= 0


@pytest.mark.django_db
def test_random_sequences_of_stock_operations_keep_every_invariant():
    run_state_machine_as_test(
        StockMachine,
        settings=settings(
            max_examples=40,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=False,
        ),
    )
