"""Lots over the API: look one up by product and code, and trace it for a recall.

``GET /lots/?product=<sku>&code=<code>`` finds a lot; ``GET /lots/{id}/trace/`` answers where
it came from (receipts: supplier, purchase order, when, by whom; QC), where it went (customer
orders: reserved, picked, packed, shipped, by whom, packages) and where it is now;
``GET /lots/{id}/moves/`` pages through its ledger rows, oldest first.
"""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from warehouse.apis.stock import StockMoveSerializer
from warehouse.models import Lot
from warehouse.selectors.trace import lot_moves, lot_trace, lots_list
from wms.api.permissions import ModelPermissions, RequiresPermission
from wms.api.schema import SCOPE_NOTE, error_responses
from wms.api.viewsets import ApiViewSet, filter_text


class CanReadLedger(RequiresPermission):
    """Supervisors (and purchasers): the movement ledger."""

    permission = "warehouse.view_stockmove"


class LotSerializer(serializers.ModelSerializer):
    product = serializers.CharField(source="product.sku", read_only=True)
    product_id = serializers.IntegerField(read_only=True)
    product_name = serializers.CharField(source="product.name", read_only=True)
    expiry = serializers.DateField(source="expiry_date", read_only=True, allow_null=True)

    class Meta:
        model = Lot
        fields = ["id", "product", "product_id", "product_name", "code", "expiry", "received_at"]
        read_only_fields = fields


class LotFilters(serializers.Serializer):
    product = filter_text(40, "Product SKU.")
    code = filter_text(40, "Lot code, exactly (any case).")
    search = filter_text(40, "Part of the lot code.")


class ReceiptTraceSerializer(serializers.Serializer):
    receipt_id = serializers.IntegerField()
    reference = serializers.CharField()
    kind = serializers.CharField()
    warehouse = serializers.CharField(source="warehouse_code")
    supplier = serializers.CharField(source="supplier_code", allow_blank=True)
    supplier_name = serializers.CharField(allow_blank=True)
    purchase_order_id = serializers.IntegerField(allow_null=True)
    purchase_order = serializers.CharField(source="purchase_order_number", allow_blank=True)
    quantity = serializers.IntegerField()
    first_received_at = serializers.DateTimeField(source="first_at")
    last_received_at = serializers.DateTimeField(source="last_at")
    received_by = serializers.ListField(child=serializers.CharField())


class InspectionTraceSerializer(serializers.Serializer):
    task_id = serializers.IntegerField()
    location = serializers.CharField(source="location_code")
    passed = serializers.IntegerField()
    failed = serializers.IntegerField()
    reason = serializers.CharField(allow_blank=True)
    inspector = serializers.CharField(allow_blank=True)
    at = serializers.DateTimeField()


class PackageTraceSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    quantity = serializers.IntegerField()
    packed_by = serializers.CharField(allow_blank=True)
    closed_at = serializers.DateTimeField()


class OrderTraceSerializer(serializers.Serializer):
    order_id = serializers.IntegerField()
    reference = serializers.CharField()
    customer = serializers.CharField(allow_blank=True)
    warehouse = serializers.CharField(source="warehouse_code")
    status = serializers.CharField()
    reserved = serializers.IntegerField(help_text="Units of the lot still reserved for it.")
    picked = serializers.IntegerField()
    packed = serializers.IntegerField()
    shipped = serializers.IntegerField()
    picked_by = serializers.ListField(child=serializers.CharField())
    first_picked_at = serializers.DateTimeField(allow_null=True)
    shipped_at = serializers.DateTimeField(allow_null=True)
    shipped_by = serializers.ListField(child=serializers.CharField())
    packages = PackageTraceSerializer(many=True)


class PlaceTraceSerializer(serializers.Serializer):
    location_id = serializers.IntegerField()
    location = serializers.CharField(source="location_code")
    kind = serializers.CharField()
    zone = serializers.CharField(source="zone_code", allow_blank=True)
    warehouse = serializers.CharField(source="warehouse_code")
    quantity = serializers.IntegerField()
    reserved = serializers.IntegerField()
    is_blocked = serializers.BooleanField()


class TotalsTraceSerializer(serializers.Serializer):
    received = serializers.IntegerField(help_text="From suppliers.")
    shipped = serializers.IntegerField(help_text="To customers.")
    scrapped = serializers.IntegerField()
    found = serializers.IntegerField(help_text="Added by counts and adjustments.")
    lost = serializers.IntegerField(help_text="Removed by counts and adjustments.")
    on_hand = serializers.IntegerField(help_text="In the building now.")
    reserved = serializers.IntegerField()


class LotTraceSerializer(serializers.Serializer):
    lot = LotSerializer()
    totals = TotalsTraceSerializer()
    receipts = ReceiptTraceSerializer(many=True)
    inspections = InspectionTraceSerializer(many=True)
    orders = OrderTraceSerializer(many=True)
    locations = PlaceTraceSerializer(many=True, source="places")
    customers = serializers.ListField(child=serializers.CharField())
    moves_count = serializers.IntegerField(help_text="Rows in the lot's ledger: see `moves/`.")


TRACE_ACCESS = "Needs `warehouse.view_lot` and `warehouse.view_stockmove` (supervisors). "


@extend_schema_view(
    list=extend_schema(
        parameters=[LotFilters],
        description="Lots that moved in the user's warehouses, newest first. " + SCOPE_NOTE,
        responses={200: LotSerializer(many=True), **error_responses(400)},
    ),
    retrieve=extend_schema(responses={200: LotSerializer, **error_responses(404)}),
)
class LotViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Lots of lot-tracked products, and their traces."""

    queryset = Lot.objects.none()
    serializer_class = LotSerializer
    filter_serializer_class = LotFilters

    def get_permissions(self):
        if self.action in ("trace", "moves"):
            return [IsAuthenticated(), ModelPermissions(), CanReadLedger()]
        return super().get_permissions()

    def get_queryset(self):
        filters = self.filters()
        return lots_list(
            warehouses=self.warehouses(),
            product_sku=filters.get("product", ""),
            code=filters.get("code", ""),
            search=filters.get("search", ""),
        )

    @extend_schema(
        responses={200: LotTraceSerializer, **error_responses(404)},
        description="Upstream (receipts, QC), downstream (customer orders, packages, "
        "shipments) and where the lot is now, in the user's warehouses. "
        + TRACE_ACCESS
        + SCOPE_NOTE,
    )
    @action(detail=True, methods=["get"])
    def trace(self, request: Request, pk: str) -> Response:
        lot = self.get_object()  # 404 outside the user's warehouses
        trace = lot_trace(lot=lot, warehouses=self.warehouses())
        return Response(LotTraceSerializer(trace).data)

    @extend_schema(
        responses={200: StockMoveSerializer(many=True), **error_responses(404)},
        description="The lot's ledger rows, oldest first, paginated. " + TRACE_ACCESS,
    )
    @action(detail=True, methods=["get"])
    def moves(self, request: Request, pk: str) -> Response:
        lot = self.get_object()
        page = self.paginate_queryset(
            lot_moves(lot=lot, warehouses=self.warehouses()).select_related("product", "lot")
        )
        return self.get_paginated_response(StockMoveSerializer(page, many=True).data)
