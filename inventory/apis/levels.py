"""Stock levels per product and warehouse over the API (read only)."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers

from inventory.models import StockLevel
from inventory.selectors import stock_levels_list
from wms.api.schema import SCOPE_NOTE, error_responses
from wms.api.viewsets import ApiViewSet, filter_text


class StockLevelSerializer(serializers.ModelSerializer):
    product = serializers.CharField(source="product.sku", read_only=True)
    product_id = serializers.IntegerField(read_only=True)
    product_name = serializers.CharField(source="product.name", read_only=True)
    warehouse = serializers.CharField(source="warehouse.code", read_only=True)
    warehouse_id = serializers.IntegerField(read_only=True)

    class Meta:
        model = StockLevel
        fields = [
            "id",
            "product",
            "product_id",
            "product_name",
            "warehouse",
            "warehouse_id",
            "on_hand",
            "reserved",
            "in_receiving",
            "in_qc",
            "quarantined",
            "in_outbound",
            "blocked",
            "available",
            "on_order",
            "updated_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "on_hand": {
                "help_text": "Everything physically in the building: dock, QC and "
                "quarantine included."
            },
            "available": {
                "help_text": "What can be allocated now: on hand less reserved, "
                "receiving, QC, quarantine, outbound and blocked-bin stock."
            },
            "on_order": {"help_text": "Open quantity of sent purchase orders."},
        }


class StockLevelFilters(serializers.Serializer):
    warehouse = filter_text(20, "Warehouse code.")
    product = filter_text(40, "Product SKU.")
    search = filter_text(help_text="Part of the SKU or product name, or the exact barcode.")


@extend_schema_view(
    list=extend_schema(
        parameters=[StockLevelFilters],
        description=SCOPE_NOTE,
        responses={200: StockLevelSerializer(many=True), **error_responses(400)},
    ),
)
class StockLevelViewSet(mixins.ListModelMixin, ApiViewSet):
    """Stock per product and warehouse, in buckets by where it is."""

    queryset = StockLevel.objects.none()
    serializer_class = StockLevelSerializer
    filter_serializer_class = StockLevelFilters

    def get_queryset(self):
        filters = self.filters()
        return stock_levels_list(
            warehouses=self.warehouses(),
            warehouse_code=filters.get("warehouse", ""),
            product_sku=filters.get("product", ""),
            search=filters.get("search", ""),
        )
