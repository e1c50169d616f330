"""Exceptions on the floor that leave no trace in stock: a scan the handheld refused.

A refused scan changes nothing (its request rolls back), so without a row of its own it would
be forgotten; the supervisor's dashboard counts them per day, and a bin or product that is
scanned wrongly again and again points at a bad label or a confusing slot.
"""

from django.conf import settings
from django.db import models
from django.db.models.functions import Now

from inventory.models import Warehouse

from .tasks import Task


class ScanRefusal(models.Model):
    """One scan refused as wrong: the wrong bin, product or lot, or an unreadable label.

    Insert-only; written in a transaction of its own after the refused request rolled back.
    """

    # Scanned text is kept short: enough to see what was scanned, never a whole pasted page.
    SCANNED_MAX_LENGTH = 100

    warehouse = models.ForeignKey(
        Warehouse, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    task = models.ForeignKey(
        Task,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="scan_refusals",
        db_index=False,
    )
    # Copied from the task: the dashboard counts by kind without a join, and a refusal outside
    # any task (none yet) keeps it blank.
    task_kind = models.CharField(max_length=10, choices=Task.Kind.choices, blank=True)
    # The API's error code: wrong_location, wrong_product, wrong_lot, invalid_barcode.
    code = models.CharField(max_length=30)
    field = models.CharField(max_length=30, blank=True)  # which scan: location, product, lot
    scanned = models.CharField(max_length=SCANNED_MAX_LENGTH, blank=True)
    created_at = models.DateTimeField(db_default=Now(), editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # Today's refusals of a warehouse (the dashboard); the task link is rarely read.
            models.Index(fields=["warehouse", "-created_at"], name="scan_refusal_wh_time"),
        ]

    def __str__(self) -> str:
        return f"{self.code}: {self.scanned!r}"
