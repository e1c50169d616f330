"""Serializers of the replenishment API (``inventory.apis.replenishment``): what rules and
suggestions read as, the input each write takes, and the list filters."""

from drf_spectacular.utils import inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail, ValidationError

from inventory.apis.purchasing import SupplierCodeField
from inventory.models import ReorderRule, ReorderSuggestion
from inventory.selectors.replenishment import ORDERINGS, URGENCIES
from wms.api.fields import ProductSkuField, WarehouseCodeField
from wms.api.viewsets import filter_text

MAX_BULK = 500


# --- reorder rules ---------------------------------------------------------------------------


class ReorderRuleSerializer(serializers.ModelSerializer):
    product = serializers.CharField(source="product.sku", read_only=True)
    product_id = serializers.IntegerField(read_only=True)
    product_name = serializers.CharField(source="product.name", read_only=True)
    warehouse = serializers.CharField(source="warehouse.code", read_only=True)
    warehouse_id = serializers.IntegerField(read_only=True)
    supplier = serializers.CharField(source="supplier.code", read_only=True, allow_null=True)
    supplier_id = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = ReorderRule
        fields = [
            "id",
            "product",
            "product_id",
            "product_name",
            "warehouse",
            "warehouse_id",
            "policy",
            "min_quantity",
            "max_quantity",
            "supplier",
            "supplier_id",
            "min_order_quantity",
            "pack_multiple",
            "service_level",
            "is_active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ReorderRuleChangeSerializer(serializers.Serializer):
    """The changeable fields; ranges and consistency are checked by the service, so the HTML
    forms and the API give the same answers."""

    policy = serializers.ChoiceField(choices=ReorderRule.Policy.choices, required=False)
    min_quantity = serializers.IntegerField(
        required=False, help_text="Reorder when available + on order falls to this."
    )
    max_quantity = serializers.IntegerField(
        required=False, help_text="Order up to this; at least the minimum."
    )
    supplier = SupplierCodeField(
        required=False,
        allow_null=True,
        help_text="Supplier code; null: the product's cheapest, then fastest, offer.",
    )
    min_order_quantity = serializers.IntegerField(
        required=False, allow_null=True, help_text="At least 1; null: the offer's."
    )
    pack_multiple = serializers.IntegerField(
        required=False, allow_null=True, help_text="At least 1; null: the offer's."
    )
    service_level = serializers.DecimalField(
        max_digits=5,
        decimal_places=4,
        required=False,
        allow_null=True,
        help_text="0.5 to below 1 (forecast policy); null: by ABC class (A .98, B .95, C .90).",
    )
    is_active = serializers.BooleanField(required=False)


class ReorderRuleCreateSerializer(ReorderRuleChangeSerializer):
    product = ProductSkuField(help_text="Product SKU.")
    warehouse = WarehouseCodeField(help_text="Warehouse code.")


class ReorderRuleFilters(serializers.Serializer):
    warehouse = filter_text(20, "Warehouse code.")
    product = filter_text(40, "Product SKU.")
    supplier = filter_text(30, "Supplier code.")
    policy = serializers.ChoiceField(
        choices=ReorderRule.Policy.choices, required=False, allow_blank=True
    )
    is_active = serializers.BooleanField(required=False, allow_null=True, default=None)


# --- reorder suggestions ---------------------------------------------------------------------


class ReorderSuggestionSerializer(serializers.ModelSerializer):
    product = serializers.CharField(source="product.sku", read_only=True)
    product_id = serializers.IntegerField(read_only=True)
    product_name = serializers.CharField(source="product.name", read_only=True)
    warehouse = serializers.CharField(source="warehouse.code", read_only=True)
    warehouse_id = serializers.IntegerField(read_only=True)
    supplier = serializers.CharField(source="supplier.code", read_only=True, allow_null=True)
    supplier_id = serializers.IntegerField(read_only=True, allow_null=True)
    rule_id = serializers.IntegerField(read_only=True, allow_null=True)
    order_quantity = serializers.IntegerField(
        read_only=True, help_text="What approving orders: `quantity` if set, else suggested."
    )
    urgency = serializers.ChoiceField(
        choices=URGENCIES,
        read_only=True,
        help_text="critical: nothing available or runs out within the lead time; soon: within "
        "the lead time plus a review period; later: the rest.",
    )
    purchase_order = serializers.IntegerField(
        source="purchase_order_id", read_only=True, allow_null=True
    )
    purchase_order_number = serializers.CharField(
        source="purchase_order.number", read_only=True, allow_null=True
    )
    decided_by = serializers.CharField(
        source="decided_by.username", read_only=True, allow_null=True
    )

    class Meta:
        model = ReorderSuggestion
        fields = [
            "id",
            "product",
            "product_id",
            "product_name",
            "warehouse",
            "warehouse_id",
            "supplier",
            "supplier_id",
            "rule_id",
            "status",
            "urgency",
            "suggested_quantity",
            "quantity",
            "order_quantity",
            "unit_cost",
            "available",
            "on_order",
            "reorder_point",
            "order_up_to",
            "average_daily",
            "days_of_cover",
            "lead_time_days",
            "reason",
            "reviewed_at",
            "purchase_order",
            "purchase_order_number",
            "decided_by",
            "decided_at",
            "dismiss_reason",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "quantity": {"help_text": "The purchaser's quantity; null: as suggested."},
            "days_of_cover": {"help_text": "Available / average daily demand; null: no demand."},
        }


class ReorderSuggestionFilters(serializers.Serializer):
    warehouse = filter_text(20, "Warehouse code.")
    status = serializers.ChoiceField(
        choices=ReorderSuggestion.Status.choices,
        required=False,
        allow_blank=True,
        help_text="Default: every status.",
    )
    product = filter_text(40, "Product SKU.")
    supplier = filter_text(30, "Supplier code.")
    urgency = serializers.ChoiceField(choices=URGENCIES, required=False, allow_blank=True)
    order = serializers.ChoiceField(
        choices=list(ORDERINGS),
        required=False,
        allow_blank=True,
        help_text="Default: days_of_cover.",
    )


class QuantitySerializer(serializers.Serializer):
    quantity = serializers.IntegerField(help_text="Units to order (at least 1).")


class ApproveSerializer(serializers.Serializer):
    quantity = serializers.IntegerField(
        required=False, help_text="Units to order; default: the edited, else suggested, quantity."
    )


class ApproveManySerializer(serializers.Serializer):
    suggestions = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        allow_empty=False,
        max_length=MAX_BULK,
        help_text="Ids of open suggestions.",
    )
    quantities = serializers.DictField(
        child=serializers.IntegerField(),
        required=False,
        help_text='Optional units per suggestion id, e.g. {"12": 40}.',
    )

    def validate_quantities(self, value: dict[str, int]) -> dict[int, int]:
        try:
            return {int(key): quantity for key, quantity in value.items()}
        except ValueError:
            raise ValidationError(
                ErrorDetail("Key each quantity by a suggestion id.", code="invalid")
            ) from None


class DismissSerializer(serializers.Serializer):
    reason = serializers.CharField(
        required=False, allow_blank=True, max_length=300, help_text="Why (kept with it)."
    )


class ReviewSerializer(serializers.Serializer):
    warehouse = WarehouseCodeField(
        required=False, help_text="Warehouse code; default: every warehouse you work in."
    )


ReviewResultSerializer = inline_serializer(
    "ReviewResult",
    {
        "opened": serializers.IntegerField(),
        "updated": serializers.IntegerField(),
        "closed": serializers.IntegerField(),
    },
)
ApproveManyResultSerializer = inline_serializer(
    "ApproveManyResult",
    {
        "purchase_orders": serializers.ListField(child=serializers.IntegerField()),
        "suggestions": ReorderSuggestionSerializer(many=True),
    },
)
