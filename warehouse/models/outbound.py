"""Outbound: customer orders, their allocations (reservations per bin and lot), waves and
pick batches, and the packages they leave in."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Now

from inventory.models import BaseModel, Product, Warehouse

from .layout import Location
from .stock import Lot, Quant


class Wave(BaseModel):
    """A set of orders released to the floor together; its picks are batched per picker."""

    class Status(models.TextChoices):
        RELEASED = "released", "Released"
        DONE = "done", "Done"

    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="waves")
    number = models.CharField(max_length=30, unique=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RELEASED)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The key of the form that released it: a repeat finds this wave, not a twin.
    request_key = models.CharField(max_length=64, null=True, blank=True, unique=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.number


class Order(BaseModel):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ALLOCATED = "allocated", "Allocated"
        PARTIALLY_ALLOCATED = "partially_allocated", "Partially allocated"
        BACKORDERED = "backordered", "Backordered"
        PICKING = "picking", "Picking"
        PICKED = "picked", "Picked"
        SHIPPED = "shipped", "Shipped"
        CANCELLED = "cancelled", "Cancelled"

    CLOSED_STATUSES = (Status.SHIPPED, Status.CANCELLED)

    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="orders")
    reference = models.CharField(max_length=60, unique=True)
    customer = models.CharField(max_length=200, blank=True)
    # 1 is the most urgent, as for tasks.
    priority = models.PositiveSmallIntegerField(default=5)
    requested_ship_date = models.DateField(null=True, blank=True)
    carrier = models.CharField(max_length=60, blank=True)
    carrier_cutoff_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    wave = models.ForeignKey(
        Wave, null=True, blank=True, on_delete=models.PROTECT, related_name="orders"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    shipped_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["priority", "requested_ship_date", "created_at", "id"]
        indexes = [
            models.Index(fields=["warehouse", "status"], name="order_wh_status"),
        ]
        permissions = [
            ("release_wave", "Can release waves of orders to the floor"),
            ("ship_order", "Can pack and ship orders"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_closed(self) -> bool:
        return self.status in self.CLOSED_STATUSES


class OrderLine(models.Model):
    """``allocated_quantity`` counts every unit given to the line so far (reserved or already
    picked); what is neither is backordered."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()
    allocated_quantity = models.PositiveIntegerField(default=0)
    picked_quantity = models.PositiveIntegerField(default=0)
    shipped_quantity = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["order", "product"], name="order_line_product_unique"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="order_line_quantity_gt_0"),
            models.CheckConstraint(
                condition=Q(allocated_quantity__lte=F("quantity"))
                & Q(picked_quantity__lte=F("allocated_quantity"))
                & Q(shipped_quantity__lte=F("picked_quantity")),
                name="order_line_progress",
            ),
        ]
        indexes = [
            # Backorders to retry when stock arrives.
            models.Index(
                fields=["product"],
                name="order_line_short",
                condition=Q(allocated_quantity__lt=F("quantity")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.product_id}"

    @property
    def backordered_quantity(self) -> int:
        return self.quantity - self.allocated_quantity


class Allocation(models.Model):
    """Units of one quant promised to one order line, until picked (or released)."""

    line = models.ForeignKey(OrderLine, on_delete=models.CASCADE, related_name="allocations")
    quant = models.ForeignKey(Quant, on_delete=models.PROTECT, related_name="allocations")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    lot = models.ForeignKey(Lot, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()  # still reserved, to pick
    picked_quantity = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(db_default=Now())

    class Meta:
        ordering = ["line", "id"]

    def __str__(self) -> str:
        return f"{self.quantity} of quant {self.quant_id} for line {self.line_id}"


class PickBatch(models.Model):
    """One picker's share of a wave, its picks sorted along the pick path."""

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="batches")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="+")
    sequence = models.PositiveIntegerField()
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    route_metres = models.FloatField(default=0)
    unrouted_metres = models.FloatField(default=0)  # the same picks in order-line order

    class Meta:
        ordering = ["wave", "sequence"]

    def __str__(self) -> str:
        return f"{self.wave_id}/{self.sequence}"


class Package(models.Model):
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="packages")
    number = models.PositiveIntegerField()
    packed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(db_default=Now())
    # The key of the form that closed it: a repeat finds this package, not a twin.
    request_key = models.CharField(max_length=64, null=True, blank=True, unique=True)

    class Meta:
        ordering = ["order", "number"]
        constraints = [
            models.UniqueConstraint(fields=["order", "number"], name="package_number_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.order_id}/{self.number}"


class PackageItem(models.Model):
    package = models.ForeignKey(Package, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    lot = models.ForeignKey(Lot, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"{self.quantity} x {self.product_id}"
