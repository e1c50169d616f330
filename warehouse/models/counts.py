"""Cycle counts: what a counter found in a bin, against what the books said at that moment."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now

from inventory.models import BaseModel, Product, Warehouse

from .layout import Location
from .stock import Lot, StockMove
from .tasks import Task


class BinCount(BaseModel):
    """One blind count of one product (and lot) in one bin: the result of a count task.

    ``expected_quantity`` is the quant as the books had it when the count was submitted (the
    counter never sees it). An approved difference is applied relative to that snapshot, so
    picks and moves between the count and the approval are neither undone nor counted twice.
    """

    class Status(models.TextChoices):
        EXACT = "exact", "Matched the books"
        RECOUNT = "recount", "Recount asked"
        PENDING = "pending", "Waiting for approval"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    # A decision is still to be taken on these; the others are closed.
    OPEN_STATUSES = (Status.RECOUNT, Status.PENDING)

    task = models.OneToOneField(Task, on_delete=models.PROTECT, related_name="bin_count")
    # Look-ups by warehouse go through bincount_wh_time.
    warehouse = models.ForeignKey(
        Warehouse, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+", db_index=False)
    lot = models.ForeignKey(
        Lot, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    expected_quantity = models.PositiveIntegerField()
    counted_quantity = models.PositiveIntegerField()
    counted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    counted_at = models.DateTimeField(db_default=Now())
    # The first count of the bin when this one is its recount.
    recount_of = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="recount"
    )
    status = models.CharField(max_length=10, choices=Status.choices)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.CharField(max_length=200, blank=True)
    # What the approval changed in the bin (counted - expected), and the ledger row it wrote.
    adjusted_quantity = models.IntegerField(null=True, blank=True)
    adjustment = models.ForeignKey(
        StockMove,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )

    class Meta:
        ordering = ["-counted_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["approved", "rejected"])
                | Q(decided_at__isnull=True, adjustment__isnull=True),
                name="bincount_decision_only_when_decided",
            ),
        ]
        indexes = [
            models.Index(fields=["warehouse", "-counted_at"], name="bincount_wh_time"),
            models.Index(
                fields=["warehouse", "counted_at"],
                name="bincount_pending",
                condition=Q(status="pending"),
            ),
        ]

    def __str__(self) -> str:
        return f"count of {self.product_id} in {self.location_id}: {self.counted_quantity}"

    @property
    def difference(self) -> int:
        return self.counted_quantity - self.expected_quantity
