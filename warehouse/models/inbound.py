"""Inbound: expected receipts, what was received at the dock, and QC inspections."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now

from inventory.models import (
    BaseModel,
    Product,
    PurchaseOrder,
    PurchaseOrderLine,
    Supplier,
    Warehouse,
)

from .layout import Location
from .stock import Lot, StockMove


class Receipt(BaseModel):
    """A delivery we expect (from a purchase order or an advance notice) or one that just
    turned up (unplanned), received at one dock."""

    class Kind(models.TextChoices):
        PURCHASE_ORDER = "purchase_order", "Purchase order"
        ADVANCE_NOTICE = "advance_notice", "Advance shipping notice"
        UNPLANNED = "unplanned", "Unplanned delivery"

    class Status(models.TextChoices):
        EXPECTED = "expected", "Expected"
        RECEIVING = "receiving", "Receiving"
        CLOSED = "closed", "Closed"
        CANCELLED = "cancelled", "Cancelled"

    OPEN_STATUSES = (Status.EXPECTED, Status.RECEIVING)

    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="receipts")
    reference = models.CharField(max_length=40)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.EXPECTED)
    purchase_order = models.ForeignKey(
        PurchaseOrder, null=True, blank=True, on_delete=models.PROTECT, related_name="receipts"
    )
    supplier = models.ForeignKey(
        Supplier, null=True, blank=True, on_delete=models.PROTECT, related_name="receipts"
    )
    dock = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    expected_date = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    # The key of the form (or request) that created it: a repeat finds this row, not a twin.
    request_key = models.CharField(max_length=64, null=True, blank=True, unique=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["warehouse", "reference"], name="receipt_reference_unique"
            ),
        ]
        indexes = [models.Index(fields=["warehouse", "status"], name="receipt_wh_status")]
        permissions = [("receive_goods", "Can receive goods at the dock")]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class ReceiptLine(models.Model):
    """One product of a receipt: how many we expect, how many arrived so far."""

    receipt = models.ForeignKey(Receipt, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    purchase_order_line = models.ForeignKey(
        PurchaseOrderLine, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    expected_quantity = models.PositiveIntegerField(default=0)  # 0: not announced
    received_quantity = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["receipt", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["receipt", "product"], name="receipt_line_product_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.received_quantity}/{self.expected_quantity} of {self.product_id}"


class ReceiptItem(models.Model):
    """One confirmed scan at the dock: units of a product (and lot) now on the dock.

    The unit of planning: the worker plans each item once (``planned_at``), creating its QC
    task or its putaway tasks.
    """

    line = models.ForeignKey(ReceiptLine, on_delete=models.PROTECT, related_name="items")
    lot = models.ForeignKey(Lot, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    move = models.OneToOneField(StockMove, on_delete=models.PROTECT, related_name="+")
    needs_qc = models.BooleanField(default=False)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(db_default=Now())
    planned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="receipt_item_quantity_gt_0"),
        ]
        indexes = [
            models.Index(
                fields=["line"], name="receipt_item_unplanned", condition=Q(planned_at__isnull=True)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} received on line {self.line_id}"


class QcInspection(models.Model):
    """The result of inspecting what a QC task brought to the bench."""

    task = models.OneToOneField("warehouse.Task", on_delete=models.PROTECT, related_name="qc")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    lot = models.ForeignKey(Lot, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    passed_quantity = models.PositiveIntegerField()
    failed_quantity = models.PositiveIntegerField()
    reason = models.CharField(max_length=200, blank=True)
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(db_default=Now())
    planned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(failed_quantity=0) | ~Q(reason=""), name="qc_fail_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"QC of task {self.task_id}: {self.passed_quantity} passed"
