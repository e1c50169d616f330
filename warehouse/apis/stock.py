"""Stock over the API: quants per bin and lot, the ledger (read only), and adjustments."""

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.exceptions import ErrorDetail, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from warehouse.models import Quant, StockMove
from warehouse.selectors.stock import location_by_code, moves_list, quants_list
from warehouse.services.adjustments import stock_adjust
from wms.api.fields import ProductSkuField, WarehouseCodeField
from wms.api.idempotency import PARAMETER as IDEMPOTENCY_KEY
from wms.api.idempotency import idempotent, service_key
from wms.api.permissions import CanAdjustStock
from wms.api.schema import SCOPE_NOTE, error_responses
from wms.api.viewsets import ApiViewSet, filter_text

# Far beyond any bin; keeps sums of quantities inside the database's integer range.
MAX_QUANTITY = 100_000_000

# --- quants ----------------------------------------------------------------------------------


class QuantSerializer(serializers.ModelSerializer):
    product = serializers.CharField(source="product.sku", read_only=True)
    product_id = serializers.IntegerField(read_only=True)
    product_name = serializers.CharField(source="product.name", read_only=True)
    location = serializers.CharField(source="location.code", read_only=True)
    location_id = serializers.IntegerField(read_only=True)
    warehouse = serializers.CharField(source="warehouse.code", read_only=True)
    warehouse_id = serializers.IntegerField(read_only=True)
    lot = serializers.CharField(source="lot.code", read_only=True, allow_null=True)
    lot_id = serializers.IntegerField(read_only=True, allow_null=True)
    expiry = serializers.DateField(source="lot.expiry_date", read_only=True, allow_null=True)
    unreserved = serializers.IntegerField(read_only=True)

    class Meta:
        model = Quant
        fields = [
            "id",
            "product",
            "product_id",
            "product_name",
            "location",
            "location_id",
            "warehouse",
            "warehouse_id",
            "lot",
            "lot_id",
            "expiry",
            "quantity",
            "reserved",
            "unreserved",
            "received_at",
        ]
        read_only_fields = fields


class QuantFilters(serializers.Serializer):
    warehouse = filter_text(20, "Warehouse code.")
    product = filter_text(40, "Product SKU.")
    location = filter_text(40, "Location code.")
    search = filter_text(help_text="Part of SKU, product name, location or lot code.")


@extend_schema_view(
    list=extend_schema(
        parameters=[QuantFilters],
        description=SCOPE_NOTE,
        responses={200: QuantSerializer(many=True), **error_responses(400)},
    ),
    retrieve=extend_schema(responses={200: QuantSerializer, **error_responses(404)}),
)
class QuantViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Stock on hand per bin and lot (empty quants are left out), bins in pick-path order."""

    queryset = Quant.objects.none()
    serializer_class = QuantSerializer
    filter_serializer_class = QuantFilters

    def get_queryset(self):
        filters = self.filters()
        return quants_list(
            warehouses=self.warehouses(),
            warehouse_code=filters.get("warehouse", ""),
            product_sku=filters.get("product", ""),
            location_code=filters.get("location", ""),
            search=filters.get("search", ""),
        )


# --- the ledger ------------------------------------------------------------------------------


class StockMoveSerializer(serializers.ModelSerializer):
    warehouse = serializers.CharField(source="warehouse.code", read_only=True)
    warehouse_id = serializers.IntegerField(read_only=True)
    product = serializers.CharField(source="product.sku", read_only=True)
    product_id = serializers.IntegerField(read_only=True)
    lot = serializers.CharField(source="lot.code", read_only=True, allow_null=True)
    from_location = serializers.CharField(source="from_location.code", read_only=True)
    from_location_id = serializers.IntegerField(read_only=True)
    to_location = serializers.CharField(source="to_location.code", read_only=True)
    to_location_id = serializers.IntegerField(read_only=True)
    actor = serializers.CharField(source="actor.username", read_only=True, allow_null=True)
    task = serializers.IntegerField(source="task_id", read_only=True, allow_null=True)

    class Meta:
        model = StockMove
        fields = [
            "id",
            "kind",
            "warehouse",
            "warehouse_id",
            "product",
            "product_id",
            "lot",
            "from_location",
            "from_location_id",
            "to_location",
            "to_location_id",
            "quantity",
            "actor",
            "task",
            "reason",
            "reference",
            "created_at",
        ]
        read_only_fields = fields


class StockMoveFilters(serializers.Serializer):
    warehouse = filter_text(20, "Warehouse code.")
    product = filter_text(40, "Product SKU.")
    location = filter_text(40, "Location code, as source or destination.")
    kind = serializers.ChoiceField(choices=StockMove.Kind.choices, required=False, allow_blank=True)
    since = serializers.DateTimeField(
        required=False, help_text="ISO 8601 date-time; moves at or after it."
    )


@extend_schema_view(
    list=extend_schema(
        parameters=[StockMoveFilters],
        description=SCOPE_NOTE,
        responses={200: StockMoveSerializer(many=True), **error_responses(400)},
    ),
    retrieve=extend_schema(responses={200: StockMoveSerializer, **error_responses(404)}),
)
class StockMoveViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """The append-only movement ledger, newest first."""

    queryset = StockMove.objects.none()
    serializer_class = StockMoveSerializer
    filter_serializer_class = StockMoveFilters

    def get_queryset(self):
        filters = self.filters()
        warehouses = self.warehouses()
        if "warehouse" in filters:
            warehouses = warehouses.filter(code=filters["warehouse"])
        return moves_list(
            warehouses=warehouses,
            product_sku=filters.get("product", ""),
            location_code=filters.get("location", ""),
            kind=filters.get("kind", ""),
            since=filters.get("since"),
        )


# --- adjustments -----------------------------------------------------------------------------


class AdjustmentSerializer(serializers.Serializer):
    warehouse = WarehouseCodeField()
    location = serializers.CharField(max_length=40, help_text="Location code.")
    product = ProductSkuField(help_text="Product SKU.")
    lot = serializers.CharField(
        max_length=40,
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text="Lot code (lot-tracked products).",
    )
    counted_quantity = serializers.IntegerField(min_value=0, max_value=MAX_QUANTITY)
    reason = serializers.CharField(max_length=200)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        location = location_by_code(warehouse_id=attrs["warehouse"].pk, code=attrs["location"])
        if location is None:
            raise ValidationError(
                {
                    "location": [
                        ErrorDetail(
                            f"{attrs['warehouse'].code} has no location {attrs['location']}.",
                            code="does_not_exist",
                        )
                    ]
                }
            )
        attrs["location"] = location
        return attrs


class AdjustmentResultSerializer(serializers.Serializer):
    warehouse = serializers.CharField(source="location.warehouse.code")
    location = serializers.CharField(source="location.code")
    product = serializers.CharField(source="product.sku")
    lot = serializers.CharField(source="lot_code", allow_null=True)
    previous_quantity = serializers.IntegerField()
    counted_quantity = serializers.IntegerField()
    difference = serializers.IntegerField(help_text="counted less previous.")
    move = serializers.IntegerField(
        source="move.pk",
        allow_null=True,
        help_text="Id of the ledger row; null when nothing changed.",
    )


class AdjustmentViewSet(ApiViewSet):
    """Set a bin's stock of one product (and lot) to what was counted."""

    permission_classes = [IsAuthenticated, CanAdjustStock]
    serializer_class = AdjustmentSerializer

    @extend_schema(
        parameters=[IDEMPOTENCY_KEY],
        responses={201: AdjustmentResultSerializer, **error_responses(400)},
        description="Supervisors only (permission `warehouse.adjust_stock`). Writes one "
        "`adjustment` move for the difference. Refused with `insufficient_stock` when the "
        "count is below the units reserved for orders. " + SCOPE_NOTE,
    )
    @idempotent
    def create(self, request: Request) -> Response:
        given = AdjustmentSerializer(data=request.data, context=self.get_serializer_context())
        given.is_valid(raise_exception=True)
        data = given.validated_data
        result = stock_adjust(
            location=data["location"],
            product=data["product"],
            counted_quantity=data["counted_quantity"],
            reason=data["reason"],
            lot_code=data.get("lot") or None,
            actor_id=request.user.pk,
            idempotency_key=service_key(request),
        )
        return Response(AdjustmentResultSerializer(result).data, status=status.HTTP_201_CREATED)
