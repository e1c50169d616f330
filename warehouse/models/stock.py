"""Stock per bin and lot (quants), lots, and the append-only movement ledger."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Now

from inventory.models import Product, Warehouse

from .layout import Location


class Lot(models.Model):
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="lots")
    code = models.CharField(max_length=40)
    expiry_date = models.DateField(null=True, blank=True)
    received_at = models.DateTimeField(db_default=Now())

    class Meta:
        ordering = ["product", "expiry_date", "code"]
        constraints = [
            models.UniqueConstraint(fields=["product", "code"], name="lot_code_unique"),
        ]

    def __str__(self) -> str:
        return self.code


class Quant(models.Model):
    """How much of one product (and lot) lies in one location, and how much of it is promised.

    A projection of the ledger: only ``warehouse.services.moves`` changes it.
    """

    # No single-column indexes on product and location: quant_unique and
    # quant_location_product lead with them, and every pick writes every index of a quant.
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="quants", db_index=False
    )
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="quants", db_index=False
    )
    lot = models.ForeignKey(Lot, null=True, blank=True, on_delete=models.PROTECT, db_index=False)
    # Denormalised from the location (which never changes warehouse) for warehouse-wide scans;
    # quant_fifo leads with it, so it needs no index of its own.
    warehouse = models.ForeignKey(
        Warehouse, on_delete=models.PROTECT, related_name="quants", db_index=False
    )
    quantity = models.IntegerField(default=0)
    reserved = models.IntegerField(default=0)
    # When the oldest units here arrived in the building: the FIFO key.
    received_at = models.DateTimeField(db_default=Now())

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["product", "location", "lot"],
                name="quant_unique",
                nulls_distinct=False,
            ),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="quant_quantity_gte_0"),
            models.CheckConstraint(condition=Q(reserved__gte=0), name="quant_reserved_gte_0"),
            models.CheckConstraint(
                condition=Q(reserved__lte=F("quantity")), name="quant_reserved_lte_quantity"
            ),
        ]
        indexes = [
            models.Index(fields=["location", "product"], name="quant_location_product"),
            # Not partial (WHERE quantity > 0): an index naming quantity, even in its
            # predicate, makes every change of a quant's quantity a non-HOT update that writes
            # all its indexes again. Empty quants are few; the scan skips them on the heap.
            models.Index(fields=["warehouse", "product", "received_at"], name="quant_fifo"),
            # Lots are traced, most quants have none: indexed only where set.
            models.Index(fields=["lot"], name="quant_lot", condition=Q(lot__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} of {self.product_id} in {self.location_id}"

    @property
    def unreserved(self) -> int:
        return self.quantity - self.reserved


class StockMove(models.Model):
    """One row of the ledger: insert-only (a database trigger refuses UPDATE and DELETE).

    For every non-virtual location, product and lot, moves in less moves out equals the quant.
    """

    class Kind(models.TextChoices):
        RECEIPT = "receipt", "Receipt"
        PUTAWAY = "putaway", "Putaway"
        TRANSFER = "transfer", "Transfer"
        QC = "qc", "QC"
        QUARANTINE = "quarantine", "Quarantine"
        REPLENISH = "replenish", "Replenishment"
        PICK = "pick", "Pick"
        SHIP = "ship", "Shipment"
        ADJUSTMENT = "adjustment", "Adjustment"
        COUNT = "count", "Count"
        SCRAP = "scrap", "Scrap"

    # The ledger's look-ups go through the (column, -created_at) indexes in Meta; a plain
    # index per foreign key as well would be written on every move for nothing.
    warehouse = models.ForeignKey(
        Warehouse, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="moves", db_index=False
    )
    lot = models.ForeignKey(Lot, null=True, blank=True, on_delete=models.PROTECT, db_index=False)
    from_location = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    to_location = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    quantity = models.PositiveIntegerField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    task = models.ForeignKey(
        "warehouse.Task", null=True, blank=True, on_delete=models.PROTECT, related_name="moves"
    )
    reason = models.CharField(max_length=200, blank=True)
    reference = models.CharField(max_length=100, blank=True)
    # Unique by a constraint, not unique=True, which would add a LIKE index nobody queries.
    idempotency_key = models.CharField(max_length=120, null=True, blank=True)
    created_at = models.DateTimeField(db_default=Now(), editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["idempotency_key"], name="move_idempotency_key"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="move_quantity_gt_0"),
            models.CheckConstraint(
                condition=~Q(from_location=F("to_location")), name="move_two_ends"
            ),
        ]
        indexes = [
            models.Index(fields=["product", "-created_at"], name="move_product_time"),
            models.Index(fields=["from_location", "-created_at"], name="move_from_time"),
            models.Index(fields=["to_location", "-created_at"], name="move_to_time"),
            models.Index(fields=["warehouse", "-created_at"], name="move_wh_time"),
            models.Index(fields=["lot"], name="move_lot", condition=Q(lot__isnull=False)),
        ]
        permissions = [("adjust_stock", "Can adjust stock to a counted quantity")]

    def __str__(self) -> str:
        return f"{self.kind} {self.quantity} of {self.product_id}"
