"""The inside of a building: zones and locations (docks, bins, QC, quarantine, staging...)."""

from django.db import models
from django.db.models import Q

from inventory.models import BaseModel, Product, Warehouse, code_validator


class Zone(BaseModel):
    """An area of one warehouse with one purpose: the docks, a pick face, reserve racking."""

    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="zones")
    code = models.CharField(max_length=20, validators=[code_validator])
    name = models.CharField(max_length=120)

    class Meta:
        ordering = ["warehouse", "code"]
        constraints = [
            models.UniqueConstraint(fields=["warehouse", "code"], name="zone_code_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Location(BaseModel):
    """A place stock can be: a bin on a shelf, a dock, a QC bench, or a virtual edge.

    Virtual locations (supplier, customer, adjustment, scrap) hold no quants; they are the
    other end of the ledger rows that bring stock into or out of the building, so that every
    move has two ends.
    """

    class Kind(models.TextChoices):
        RECEIVING = "receiving", "Receiving dock"
        STORAGE = "storage", "Storage bin"
        PICK = "pick", "Pick face"
        QC = "qc", "QC inspection"
        QUARANTINE = "quarantine", "Quarantine"
        STAGING = "staging", "Staging"
        SHIPPING = "shipping", "Shipping dock"
        SUPPLIER = "supplier", "Virtual: suppliers"
        CUSTOMER = "customer", "Virtual: customers"
        ADJUSTMENT = "adjustment", "Virtual: inventory adjustments"
        SCRAP = "scrap", "Virtual: scrapped"

    VIRTUAL_KINDS = frozenset({Kind.SUPPLIER, Kind.CUSTOMER, Kind.ADJUSTMENT, Kind.SCRAP})
    # Stock here can be reserved for orders (unless the bin is blocked).
    ALLOCATABLE_KINDS = frozenset({Kind.STORAGE, Kind.PICK})

    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="locations")
    zone = models.ForeignKey(
        Zone, null=True, blank=True, on_delete=models.PROTECT, related_name="locations"
    )
    code = models.CharField(max_length=40, validators=[code_validator])
    barcode = models.CharField(max_length=64)
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.STORAGE)
    aisle = models.CharField(max_length=10, blank=True)
    rack = models.CharField(max_length=10, blank=True)
    shelf = models.CharField(max_length=10, blank=True)
    bin = models.CharField(max_length=10, blank=True)
    # Metres from the warehouse's origin; used for putaway distance and pick paths.
    x = models.FloatField(default=0)
    y = models.FloatField(default=0)
    pick_sequence = models.PositiveIntegerField(default=0)
    capacity_units = models.PositiveIntegerField(null=True, blank=True)  # null: unlimited
    is_blocked = models.BooleanField(default=False)
    blocked_reason = models.CharField(max_length=200, blank=True)
    home_product = models.ForeignKey(
        Product, null=True, blank=True, on_delete=models.SET_NULL, related_name="home_bins"
    )

    class Meta:
        ordering = ["warehouse", "pick_sequence", "code"]
        constraints = [
            models.UniqueConstraint(fields=["warehouse", "code"], name="location_code_unique"),
            models.UniqueConstraint(
                fields=["warehouse", "barcode"], name="location_barcode_unique"
            ),
            models.CheckConstraint(
                condition=Q(capacity_units__isnull=True) | Q(capacity_units__gt=0),
                name="location_capacity_positive",
            ),
        ]
        indexes = [
            models.Index(fields=["warehouse", "kind"], name="location_wh_kind"),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def is_virtual(self) -> bool:
        return self.kind in self.VIRTUAL_KINDS

    @property
    def is_allocatable(self) -> bool:
        return self.kind in self.ALLOCATABLE_KINDS and not self.is_blocked
