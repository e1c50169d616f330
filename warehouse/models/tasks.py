"""Directed work for floor staff: putaway, pick, QC, replenish and count tasks."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from inventory.models import BaseModel, Product, Warehouse

from .layout import Location
from .stock import Lot


class Task(BaseModel):
    class Kind(models.TextChoices):
        PUTAWAY = "putaway", "Putaway"
        PICK = "pick", "Pick"
        QC = "qc", "QC inspection"
        REPLENISH = "replenish", "Replenish"
        COUNT = "count", "Count"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ASSIGNED = "assigned", "Assigned"
        DONE = "done", "Done"
        CANCELLED = "cancelled", "Cancelled"

    ACTIVE_STATUSES = (Status.OPEN, Status.ASSIGNED)

    # Warehouse and assignee look-ups use task_wh_status_kind and task_assignee_status.
    warehouse = models.ForeignKey(
        Warehouse, on_delete=models.PROTECT, related_name="tasks", db_index=False
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    # 1 is the most urgent; claim takes the lowest number first, then the oldest.
    priority = models.PositiveSmallIntegerField(default=5)
    product = models.ForeignKey(
        Product, null=True, blank=True, on_delete=models.PROTECT, related_name="tasks"
    )
    lot = models.ForeignKey(
        Lot, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    quantity = models.PositiveIntegerField(default=0)
    quantity_done = models.PositiveIntegerField(default=0)
    source_location = models.ForeignKey(
        Location, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    destination_location = models.ForeignKey(
        Location, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="wms_tasks",
        db_index=False,
    )
    # What caused it: the task it follows from (QC -> putaway, short pick -> count) and a
    # document reference ("receipt:12", "order:SO-1001"); later flows add their own links.
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        db_index=False,
    )
    reference = models.CharField(max_length=100, blank=True)
    receipt_item = models.ForeignKey(
        "warehouse.ReceiptItem",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tasks",
        db_index=False,
    )
    order = models.ForeignKey(
        "warehouse.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="tasks"
    )
    order_line = models.ForeignKey(
        "warehouse.OrderLine", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    allocation = models.ForeignKey(
        "warehouse.Allocation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tasks",
    )
    batch = models.ForeignKey(
        "warehouse.PickBatch",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tasks",
    )
    route_sequence = models.PositiveIntegerField(default=0)  # position on the batch's route
    # Unique per cause, so a planner that runs twice creates nothing twice.
    # Unique by a constraint in Meta (no LIKE index: a task's update writes every index).
    origin_key = models.CharField(max_length=120, null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    notes = models.CharField(max_length=300, blank=True)
    assigned_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["priority", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["origin_key"], name="task_origin_key"),
            models.CheckConstraint(
                condition=Q(quantity_done__lte=models.F("quantity")) | Q(quantity=0),
                name="task_done_lte_quantity",
            ),
            models.CheckConstraint(
                condition=~Q(status="assigned") | Q(assignee__isnull=False),
                name="task_assigned_has_assignee",
            ),
        ]
        indexes = [
            # The claim queue: open tasks of a warehouse, most urgent and oldest first.
            models.Index(
                fields=["warehouse", "kind", "priority", "created_at"],
                name="task_claim_queue",
                condition=Q(status="open"),
            ),
            models.Index(fields=["assignee", "status"], name="task_assignee_status"),
            models.Index(fields=["warehouse", "status", "kind"], name="task_wh_status_kind"),
            # Today's finished work (the supervisor's dashboard): only done tasks are in it.
            models.Index(
                fields=["warehouse", "completed_at"],
                name="task_done_time",
                condition=Q(status="done"),
            ),
            # Links most tasks lack, indexed only where set: a task changing status writes
            # an entry in every index whose condition it meets, and picks are most tasks.
            *(
                models.Index(
                    fields=[name], name=f"task_{name}", condition=Q(**{f"{name}__isnull": False})
                )
                for name in ("lot", "parent", "receipt_item", "created_by")
            ),
        ]
        permissions = [
            ("work_task", "Can claim and complete own tasks"),
            ("control_task", "Can assign, reprioritise and cancel any task"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES
