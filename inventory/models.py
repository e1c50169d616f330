"""What we have and what we must buy: sites, products, suppliers and stock levels.

This app never looks inside a building; the warehouse app reports to it through
``inventory.services``.
"""

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Now

code_validator = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9._/-]*$",
    "Use letters, digits and . _ / - only, starting with a letter or digit.",
)


class BaseModel(models.Model):
    created_at = models.DateTimeField(db_default=Now(), editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class Warehouse(BaseModel):
    """A stocking site: one building with its own layout and stock."""

    code = models.CharField(max_length=20, unique=True, validators=[code_validator])
    name = models.CharField(max_length=120)
    address = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Supplier(BaseModel):
    code = models.CharField(max_length=30, unique=True, validators=[code_validator])
    name = models.CharField(max_length=200)
    lead_time_days = models.PositiveIntegerField(default=7)
    # Inbound goods from this supplier are inspected whatever the product.
    requires_qc = models.BooleanField(default=False)
    email = models.EmailField(blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Product(BaseModel):
    class Tracking(models.TextChoices):
        NONE = "none", "Not tracked"
        LOT = "lot", "By lot"
        LOT_EXPIRY = "lot_expiry", "By lot and expiry date"

    class UnitOfMeasure(models.TextChoices):
        EACH = "ea", "Each"
        PACK = "pk", "Pack"
        BOX = "box", "Box"
        CASE = "cs", "Case"
        KILOGRAM = "kg", "Kilogram"
        LITRE = "l", "Litre"
        METRE = "m", "Metre"

    sku = models.CharField("SKU", max_length=40, unique=True, validators=[code_validator])
    name = models.CharField(max_length=200)
    # EAN-13 / UPC-A / GTIN-14 as printed under the bars; validated by the product services.
    barcode = models.CharField(max_length=14, unique=True, null=True, blank=True)
    unit_of_measure = models.CharField(
        max_length=4, choices=UnitOfMeasure.choices, default=UnitOfMeasure.EACH
    )
    unit_cost = models.DecimalField(
        max_digits=12, decimal_places=4, default=0, validators=[MinValueValidator(0)]
    )
    requires_qc = models.BooleanField("requires QC", default=False)
    tracking = models.CharField(max_length=12, choices=Tracking.choices, default=Tracking.NONE)
    # FEFO allocation leaves lots that expire sooner than this for other uses.
    min_shelf_life_days = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["sku"]
        constraints = [
            models.CheckConstraint(condition=Q(unit_cost__gte=0), name="product_unit_cost_gte_0"),
            models.CheckConstraint(
                condition=Q(barcode__regex=r"^[0-9]{8,14}$") | Q(barcode__isnull=True),
                name="product_barcode_digits",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sku} {self.name}"

    @property
    def is_lot_tracked(self) -> bool:
        return self.tracking != self.Tracking.NONE

    @property
    def tracks_expiry(self) -> bool:
        return self.tracking == self.Tracking.LOT_EXPIRY


class StockLevel(models.Model):
    """Stock of one product in one warehouse, in buckets by where it physically is.

    A projection of the quants, changed in the same transaction as every stock move. The row is
    also the lock that serialises all stock changes of one SKU in one warehouse.
    ``available`` is what can be allocated now: on hand less reserved, less what is on the dock,
    in QC, in quarantine, picked and waiting to ship, or unreserved in blocked bins.
    """

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="stock_levels")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="stock_levels")
    on_hand = models.IntegerField(default=0)
    reserved = models.IntegerField(default=0)
    in_receiving = models.IntegerField(default=0)
    in_qc = models.IntegerField(default=0)
    quarantined = models.IntegerField(default=0)
    in_outbound = models.IntegerField(default=0)
    blocked = models.IntegerField(default=0)
    on_order = models.IntegerField(default=0)
    available = models.GeneratedField(
        expression=F("on_hand")
        - F("reserved")
        - F("in_receiving")
        - F("in_qc")
        - F("quarantined")
        - F("in_outbound")
        - F("blocked"),
        output_field=models.IntegerField(),
        db_persist=True,
    )
    updated_at = models.DateTimeField(auto_now=True)

    BUCKETS = ("in_receiving", "in_qc", "quarantined", "in_outbound", "blocked")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["product", "warehouse"], name="stocklevel_unique"),
            models.CheckConstraint(
                condition=Q(on_hand__gte=0)
                & Q(reserved__gte=0)
                & Q(in_receiving__gte=0)
                & Q(in_qc__gte=0)
                & Q(quarantined__gte=0)
                & Q(in_outbound__gte=0)
                & Q(blocked__gte=0)
                & Q(on_order__gte=0),
                name="stocklevel_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(
                    on_hand__gte=F("reserved")
                    + F("in_receiving")
                    + F("in_qc")
                    + F("quarantined")
                    + F("in_outbound")
                    + F("blocked")
                ),
                name="stocklevel_available_non_negative",
            ),
        ]
        indexes = [models.Index(fields=["warehouse", "product"], name="stocklevel_wh_product")]

    def __str__(self) -> str:
        return f"{self.product_id}@{self.warehouse_id}: {self.on_hand} on hand"


class UserScope(models.Model):
    """Which warehouses a user works in: the ones assigned, or all (present and future)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="scope"
    )
    all_warehouses = models.BooleanField(default=False)
    warehouses = models.ManyToManyField(Warehouse, blank=True, related_name="user_scopes")
    default_warehouse = models.ForeignKey(
        Warehouse, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"scope of {self.user_id}"


class PurchaseOrder(BaseModel):
    """What we ordered from a supplier for one warehouse; receiving updates it line by line."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SENT = "sent", "Sent"
        PARTIALLY_RECEIVED = "partially_received", "Partially received"
        RECEIVED = "received", "Received"
        CANCELLED = "cancelled", "Cancelled"

    # Goods may still arrive against these: they count as on order.
    OPEN_STATUSES = (Status.SENT, Status.PARTIALLY_RECEIVED)

    number = models.CharField(max_length=30, unique=True)
    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="orders")
    warehouse = models.ForeignKey(
        Warehouse, on_delete=models.PROTECT, related_name="purchase_orders"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    expected_date = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["warehouse", "status"], name="po_wh_status")]
        permissions = [("manage_purchasing", "Can create, send and cancel purchase orders")]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class PurchaseOrderLine(models.Model):
    purchase_order = models.ForeignKey(
        PurchaseOrder, on_delete=models.CASCADE, related_name="lines"
    )
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()
    received_quantity = models.PositiveIntegerField(default=0)
    unit_cost = models.DecimalField(max_digits=12, decimal_places=4, default=0)

    class Meta:
        ordering = ["purchase_order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["purchase_order", "product"], name="po_line_product_unique"
            ),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="po_line_quantity_gt_0"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.product_id}"

    @property
    def open_quantity(self) -> int:
        """Still to come; an over-receipt leaves nothing open (never negative)."""
        return max(self.quantity - self.received_quantity, 0)


class DemandRecord(models.Model):
    """Units shipped per product, warehouse and day: the history forecasts are made from."""

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="demand")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="demand")
    date = models.DateField()
    quantity = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["product", "warehouse", "date"]
        constraints = [
            models.UniqueConstraint(
                fields=["product", "warehouse", "date"], name="demand_record_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} of {self.product_id} on {self.date}"


class SupplierProduct(BaseModel):
    """A supplier's offer for a product: price, lead time, minimum order and pack size.

    The review picks a product's supplier from these when its rule names none: the cheapest
    unit cost, then the shortest lead time.
    """

    supplier = models.ForeignKey(Supplier, on_delete=models.CASCADE, related_name="offers")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="offers")
    supplier_sku = models.CharField(max_length=60, blank=True)
    unit_cost = models.DecimalField(
        max_digits=12, decimal_places=4, default=0, validators=[MinValueValidator(0)]
    )
    # None: the supplier's own lead time.
    lead_time_days = models.PositiveIntegerField(null=True, blank=True)
    min_order_quantity = models.PositiveIntegerField(default=1)
    pack_multiple = models.PositiveIntegerField(default=1)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["product", "unit_cost", "supplier"]
        constraints = [
            models.UniqueConstraint(fields=["supplier", "product"], name="offer_unique"),
            models.CheckConstraint(condition=Q(unit_cost__gte=0), name="offer_cost_gte_0"),
            models.CheckConstraint(condition=Q(min_order_quantity__gte=1), name="offer_moq_gte_1"),
            models.CheckConstraint(condition=Q(pack_multiple__gte=1), name="offer_pack_gte_1"),
        ]
        indexes = [models.Index(fields=["product", "is_active"], name="offer_product_active")]

    def __str__(self) -> str:
        return f"{self.supplier_id} offers {self.product_id}"


class ReorderRule(BaseModel):
    """When and how much to buy of one product for one warehouse.

    ``min_max``: reorder when available + on order falls to ``min_quantity``, up to
    ``max_quantity``. ``forecast``: the reorder point and order-up-to level come from the
    nightly demand forecast (lead-time demand + safety stock), the min and max are the floor.
    """

    class Policy(models.TextChoices):
        MIN_MAX = "min_max", "Manual min/max"
        FORECAST = "forecast", "Forecast-driven"

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="reorder_rules")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.CASCADE, related_name="reorder_rules")
    policy = models.CharField(max_length=10, choices=Policy.choices, default=Policy.MIN_MAX)
    min_quantity = models.PositiveIntegerField(default=0)
    max_quantity = models.PositiveIntegerField(default=0)
    # None: the product's cheapest, then fastest, active offer.
    supplier = models.ForeignKey(
        Supplier, null=True, blank=True, on_delete=models.PROTECT, related_name="reorder_rules"
    )
    # None: the offer's (else 1).
    min_order_quantity = models.PositiveIntegerField(null=True, blank=True)
    pack_multiple = models.PositiveIntegerField(null=True, blank=True)
    # None: by the product's ABC class (A 0.98, B 0.95, C 0.90).
    service_level = models.DecimalField(max_digits=5, decimal_places=4, null=True, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["warehouse", "product"]
        constraints = [
            models.UniqueConstraint(fields=["product", "warehouse"], name="reorder_rule_unique"),
            models.CheckConstraint(
                condition=Q(max_quantity__gte=F("min_quantity")), name="reorder_rule_min_lte_max"
            ),
            models.CheckConstraint(
                condition=Q(min_order_quantity__isnull=True) | Q(min_order_quantity__gte=1),
                name="reorder_rule_moq_gte_1",
            ),
            models.CheckConstraint(
                condition=Q(pack_multiple__isnull=True) | Q(pack_multiple__gte=1),
                name="reorder_rule_pack_gte_1",
            ),
            models.CheckConstraint(
                condition=Q(service_level__isnull=True)
                | Q(service_level__gte=0.5, service_level__lt=1),
                name="reorder_rule_service_level",
            ),
        ]
        indexes = [models.Index(fields=["warehouse", "product"], name="reorder_rule_wh_product")]
        permissions = [("manage_replenishment", "Can write reorder rules and decide suggestions")]

    def __str__(self) -> str:
        return f"rule {self.product_id}@{self.warehouse_id}"


class DemandForecast(models.Model):
    """The nightly forecast of one product's demand in one warehouse, and what follows from it.

    ``reorder_point`` = average daily demand x lead time + safety stock, where safety stock =
    z(service level) x daily deviation x sqrt(lead time); ``order_up_to`` adds a review cycle's
    demand on top.
    """

    class Method(models.TextChoices):
        EWMA = "ewma", "Exponentially weighted"
        NEW = "new", "Too little history: plain average"
        NONE = "none", "No demand"

    class AbcClass(models.TextChoices):
        A = "A", "A"
        B = "B", "B"
        C = "C", "C"

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="forecasts")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.CASCADE, related_name="forecasts")
    method = models.CharField(max_length=5, choices=Method.choices, default=Method.NONE)
    history_days = models.PositiveIntegerField(default=0)
    average_daily = models.FloatField(default=0)
    deviation_daily = models.FloatField(default=0)
    abc_class = models.CharField(max_length=1, choices=AbcClass.choices, default=AbcClass.C)
    service_level = models.FloatField(default=0.9)
    lead_time_days = models.PositiveIntegerField(default=0)
    safety_stock = models.FloatField(default=0)
    reorder_point = models.PositiveIntegerField(default=0)
    order_up_to = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField(db_default=Now())

    class Meta:
        ordering = ["warehouse", "product"]
        constraints = [
            models.UniqueConstraint(fields=["product", "warehouse"], name="forecast_unique"),
        ]
        indexes = [models.Index(fields=["warehouse", "product"], name="forecast_wh_product")]

    def __str__(self) -> str:
        return f"forecast {self.product_id}@{self.warehouse_id}: {self.average_daily:.2f}/day"


class ReorderSuggestion(BaseModel):
    """What the review proposes to buy: at most one open suggestion per product and warehouse,
    updated by later reviews until a purchaser approves or dismisses it."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        APPROVED = "approved", "Approved"
        DISMISSED = "dismissed", "Dismissed"

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="suggestions")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.CASCADE, related_name="suggestions")
    rule = models.ForeignKey(
        ReorderRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # None: no active offer for the product; the purchaser must choose one.
    supplier = models.ForeignKey(
        Supplier, null=True, blank=True, on_delete=models.PROTECT, related_name="suggestions"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    # What the review computed, and what the purchaser set (None: as suggested).
    suggested_quantity = models.PositiveIntegerField()
    quantity = models.PositiveIntegerField(null=True, blank=True)
    unit_cost = models.DecimalField(max_digits=12, decimal_places=4, default=0)
    # The figures behind it, as of the last review.
    available = models.IntegerField(default=0)
    on_order = models.IntegerField(default=0)
    reorder_point = models.PositiveIntegerField(default=0)
    order_up_to = models.PositiveIntegerField(default=0)
    average_daily = models.FloatField(default=0)
    days_of_cover = models.FloatField(null=True, blank=True)  # None: no demand
    lead_time_days = models.PositiveIntegerField(default=0)
    reason = models.TextField()
    reviewed_at = models.DateTimeField(db_default=Now())
    purchase_order = models.ForeignKey(
        PurchaseOrder, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    dismiss_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["days_of_cover", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["product", "warehouse"],
                condition=Q(status="open"),
                name="suggestion_one_open",
            ),
            models.CheckConstraint(
                condition=Q(suggested_quantity__gt=0), name="suggestion_quantity_gt_0"
            ),
            models.CheckConstraint(
                condition=Q(quantity__isnull=True) | Q(quantity__gt=0),
                name="suggestion_edited_quantity_gt_0",
            ),
        ]
        indexes = [
            models.Index(fields=["warehouse", "status"], name="suggestion_wh_status"),
            models.Index(fields=["supplier", "status"], name="suggestion_supplier_status"),
        ]

    def __str__(self) -> str:
        return f"suggest {self.suggested_quantity} of {self.product_id}@{self.warehouse_id}"

    @property
    def order_quantity(self) -> int:
        return self.quantity if self.quantity is not None else self.suggested_quantity


class AuditEvent(models.Model):
    """Who changed what, and when: one row per change of master data (products, suppliers,
    warehouses, locations, reorder rules, supplier offers, pick-face rules) and per supervisor
    action on a task (assign, priority, cancel, release).

    Written by the services that make the change, in the same transaction, through
    ``inventory.services.audit.audit_record`` (never by signals). Append-only: a trigger
    refuses UPDATE and DELETE (migration 0005_audit). ``object_type`` and ``action`` are plain
    strings (their labels live in the service), so a new kind of record needs no migration.
    ``changes`` maps each changed field to ``[before, after]`` (None on a create's "before").
    """

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # audit_actor_time covers it
    )
    at = models.DateTimeField(db_default=Now(), editable=False)
    action = models.CharField(max_length=30)
    object_type = models.CharField(max_length=30)
    object_id = models.BigIntegerField()
    object_label = models.CharField(max_length=200, blank=True)
    # The warehouse the object belongs to; None for what every warehouse shares (products...).
    warehouse = models.ForeignKey(
        Warehouse,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # audit_wh_time covers it
    )
    changes = models.JSONField(default=dict, blank=True)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            # An object's history (a task's, a bin's), newest first.
            models.Index(fields=["object_type", "object_id", "-at"], name="audit_object_time"),
            models.Index(fields=["warehouse", "-at"], name="audit_wh_time"),
            models.Index(fields=["actor", "-at"], name="audit_actor_time"),
            models.Index(fields=["-at", "-id"], name="audit_time"),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.object_type} {self.object_id}"
