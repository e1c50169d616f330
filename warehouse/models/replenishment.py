"""Pick-face replenishment: how much of a product a pick bin keeps (its min/max).

When a pick face holds less than its minimum (counting units already on their way to it), the
worker plans replenish tasks that bring it back up to its maximum from reserve storage
(``warehouse.services.replenish``).
"""

from django.db import models
from django.db.models import F, Q

from inventory.models import BaseModel, Product

from .layout import Location


class PickFaceRule(BaseModel):
    """The min/max of one product in one pick bin (a bin of kind ``pick``; the services check
    the kind, a constraint cannot look at another table).

    Rules are switched off (``is_active``), never deleted: ``replenishments`` numbers the
    replenish tasks made for the face, and the tasks' origin keys carry that number.
    """

    location = models.ForeignKey(
        Location,
        on_delete=models.PROTECT,
        related_name="pick_face_rules",
        limit_choices_to={"kind": Location.Kind.PICK},
        # No index of its own: pick_face_rule_unique leads with the location.
        db_index=False,
    )
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="pick_face_rules")
    min_quantity = models.PositiveIntegerField(
        help_text="Replenish when the face holds (and is sent) fewer units than this."
    )
    max_quantity = models.PositiveIntegerField(help_text="Replenish up to this many units.")
    is_active = models.BooleanField(default=True)
    # Replenish tasks made for this face so far: the <n> of their origin keys.
    replenishments = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["location", "product"]
        constraints = [
            models.UniqueConstraint(fields=["location", "product"], name="pick_face_rule_unique"),
            models.CheckConstraint(
                condition=Q(min_quantity__gte=0), name="pick_face_rule_min_gte_0"
            ),
            models.CheckConstraint(
                condition=Q(max_quantity__gt=F("min_quantity")), name="pick_face_rule_max_gt_min"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.location_id}/{self.product_id}: {self.min_quantity}-{self.max_quantity}"
