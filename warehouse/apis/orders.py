"""Outbound orders over the API: take an order, read it with its progress, ship, cancel.

``POST /orders/`` is idempotent by ``reference``: an order posted again answers the order
taken the first time (200), whatever the new body says. Allocation follows from the worker
once the order is committed; the order's lines then show what is allocated, where (bin and
lot), what is picked and what is backordered. Packing lives in ``warehouse.apis.packing``.
"""

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ErrorDetail, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from inventory.errors import Conflict
from inventory.gs1 import ScanCode
from warehouse.apis.packing import PackageSerializer, PackagingMixin
from warehouse.apis.receiving import ProductScanField
from warehouse.models import Allocation, Order, OrderLine, Task
from warehouse.selectors.orders import orders_in_scope, orders_list
from warehouse.selectors.receipts import products_by_scans
from warehouse.services.orders import OrderLineInput, order_cancel, order_create
from warehouse.services.shipping import order_ship
from wms.api.fields import WarehouseCodeField, user_warehouses
from wms.api.idempotency import PARAMETER as IDEMPOTENCY_KEY
from wms.api.idempotency import idempotent
from wms.api.permissions import RequiresPermission
from wms.api.schema import SCOPE_NOTE, error_responses
from wms.api.viewsets import ApiViewSet, filter_text

# Far beyond any order; keeps sums of quantities inside the database's integer range.
MAX_QUANTITY = 100_000_000
MAX_LINES = 1_000


class CanChangeOrders(RequiresPermission):
    """Supervisors: cancel orders."""

    permission = "warehouse.change_order"


class CanShipOrders(RequiresPermission):
    """Floor staff and supervisors: pack and ship orders."""

    permission = "warehouse.ship_order"


class ReferenceTaken(Conflict):
    code = "reference_taken"


# --- reading ---------------------------------------------------------------------------------


class AllocationSerializer(serializers.ModelSerializer):
    location = serializers.CharField(source="location.code", read_only=True)
    location_id = serializers.IntegerField(read_only=True)
    lot = serializers.CharField(source="lot.code", read_only=True, allow_null=True)
    lot_id = serializers.IntegerField(read_only=True, allow_null=True)
    expiry = serializers.DateField(source="lot.expiry_date", read_only=True, allow_null=True)
    quantity = serializers.IntegerField(
        read_only=True, help_text="Still reserved in the bin, to pick."
    )
    picked_quantity = serializers.IntegerField(read_only=True, help_text="Picked from it so far.")

    class Meta:
        model = Allocation
        fields = [
            "id",
            "location",
            "location_id",
            "lot",
            "lot_id",
            "expiry",
            "quantity",
            "picked_quantity",
            "created_at",
        ]
        read_only_fields = fields


class OrderLineSerializer(serializers.ModelSerializer):
    product = serializers.CharField(source="product.sku", read_only=True)
    product_id = serializers.IntegerField(read_only=True)
    product_name = serializers.CharField(source="product.name", read_only=True)
    allocated_quantity = serializers.IntegerField(
        read_only=True, help_text="Every unit given to the line so far: reserved or picked."
    )
    backordered_quantity = serializers.IntegerField(
        read_only=True, help_text="Waiting for stock: quantity less allocated."
    )
    allocations = AllocationSerializer(many=True, read_only=True)

    class Meta:
        model = OrderLine
        fields = [
            "id",
            "product",
            "product_id",
            "product_name",
            "quantity",
            "allocated_quantity",
            "picked_quantity",
            "shipped_quantity",
            "backordered_quantity",
            "allocations",
        ]
        read_only_fields = fields


class OrderPickTaskSerializer(serializers.ModelSerializer):
    product = serializers.CharField(source="product.sku", read_only=True)
    lot = serializers.CharField(source="lot.code", read_only=True, allow_null=True)
    source_location = serializers.CharField(source="source_location.code", read_only=True)
    source_location_id = serializers.IntegerField(read_only=True)
    destination_location = serializers.CharField(
        source="destination_location.code", read_only=True, allow_null=True
    )
    assignee = serializers.CharField(source="assignee.username", read_only=True, allow_null=True)
    batch = serializers.IntegerField(
        source="batch_id", read_only=True, allow_null=True, help_text="Its pick batch's id."
    )

    class Meta:
        model = Task
        fields = [
            "id",
            "status",
            "product",
            "lot",
            "quantity",
            "quantity_done",
            "source_location",
            "source_location_id",
            "destination_location",
            "assignee",
            "batch",
            "route_sequence",
            "completed_at",
        ]
        read_only_fields = fields


class OrderSerializer(serializers.ModelSerializer):
    warehouse = serializers.CharField(source="warehouse.code", read_only=True)
    warehouse_id = serializers.IntegerField(read_only=True)
    wave = serializers.CharField(source="wave.number", read_only=True, allow_null=True)
    wave_id = serializers.IntegerField(read_only=True, allow_null=True)
    created_by = serializers.CharField(
        source="created_by.username", read_only=True, allow_null=True
    )
    lines = OrderLineSerializer(many=True, read_only=True)
    pick_tasks = OrderPickTaskSerializer(
        many=True, read_only=True, help_text="Every pick task of the order, done ones included."
    )
    packages = PackageSerializer(many=True, read_only=True)

    class Meta:
        model = Order
        fields = [
            "id",
            "reference",
            "warehouse",
            "warehouse_id",
            "status",
            "priority",
            "customer",
            "requested_ship_date",
            "carrier",
            "carrier_cutoff_at",
            "wave",
            "wave_id",
            "created_by",
            "created_at",
            "updated_at",
            "shipped_at",
            "cancelled_at",
            "lines",
            "pick_tasks",
            "packages",
        ]
        read_only_fields = fields


class OrderFilters(serializers.Serializer):
    warehouse = filter_text(20, "Warehouse code.")
    status = serializers.ChoiceField(choices=Order.Status.choices, required=False, allow_blank=True)
    reference = filter_text(60, "The order's reference (exact).")
    wave = filter_text(30, "The wave's number (`W-000012`) or id.")


# --- taking an order -------------------------------------------------------------------------


def _line_error(index: int, field: str, message: str, code: str) -> ValidationError:
    """An error about one field of one line, shaped as DRF shapes nested line errors."""
    return ValidationError({index: {field: [ErrorDetail(message, code=code)]}})


class OrderLineInputSerializer(serializers.Serializer):
    product = ProductScanField(help_text="SKU or EAN/UPC barcode of the product.")
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY)


class OrderCreateSerializer(serializers.Serializer):
    reference = serializers.CharField(
        max_length=Order._meta.get_field("reference").max_length,
        help_text="The order's number in the sending system; unique.",
    )
    warehouse = WarehouseCodeField(help_text="Code of the warehouse that ships it.")
    priority = serializers.IntegerField(
        min_value=1, max_value=9, default=5, help_text="1 is the most urgent; default 5."
    )
    requested_ship_date = serializers.DateField(
        required=False, allow_null=True, help_text="YYYY-MM-DD."
    )
    customer = serializers.CharField(
        max_length=Order._meta.get_field("customer").max_length, required=False, allow_blank=True
    )
    carrier = serializers.CharField(
        max_length=Order._meta.get_field("carrier").max_length, required=False, allow_blank=True
    )
    carrier_cutoff_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        help_text="When the carrier collects (ISO 8601); waves may be released by it.",
    )
    lines = OrderLineInputSerializer(many=True, allow_empty=False, max_length=MAX_LINES)

    def validate_lines(self, given: list[dict[str, Any]]) -> list[OrderLineInput]:
        scans: list[ScanCode] = [line["product"] for line in given]
        lines: list[OrderLineInput] = []
        seen: set[int] = set()
        for index, (line, product) in enumerate(
            zip(given, products_by_scans(scans=scans), strict=True)
        ):
            shown = line["product"].text[:40] or "(nothing)"
            if product is None:
                raise _line_error(
                    index,
                    "product",
                    f"No product has the SKU or barcode {shown}.",
                    "does_not_exist",
                )
            if product.pk in seen:
                raise _line_error(
                    index,
                    "product",
                    f"Line {index + 1}: {product.sku} is already on this order; give each "
                    "product one line.",
                    "duplicate_product",
                )
            seen.add(product.pk)
            lines.append(OrderLineInput(product, line["quantity"]))
        return lines


class OrderCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=200, required=False, allow_blank=True, help_text="Why; kept on its tasks."
    )


@extend_schema_view(
    list=extend_schema(
        parameters=[OrderFilters],
        description="Newest first, each with its lines, allocations, pick tasks and packages. "
        + SCOPE_NOTE,
        responses={200: OrderSerializer(many=True), **error_responses(400)},
    ),
    retrieve=extend_schema(responses={200: OrderSerializer, **error_responses(404)}),
)
class OrderViewSet(PackagingMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Customer orders: what to ship, how far allocation, picking and shipping have got."""

    queryset = Order.objects.none()
    serializer_class = OrderSerializer
    filter_serializer_class = OrderFilters

    def get_permissions(self):
        if self.action == "cancel":
            return [IsAuthenticated(), CanChangeOrders()]
        if self.action in ("ship", "packages"):
            return [IsAuthenticated(), CanShipOrders()]
        return super().get_permissions()  # view_order to read, add_order to create

    def get_queryset(self):
        if self.action not in ("list", "retrieve"):
            return orders_in_scope(warehouses=self.warehouses())
        filters = self.filters()
        return orders_list(
            warehouses=self.warehouses(),
            warehouse_code=filters.get("warehouse", ""),
            status=filters.get("status", ""),
            reference=filters.get("reference", ""),
            wave=filters.get("wave", ""),
        )

    @extend_schema(
        request=OrderCreateSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={
            201: OrderSerializer,
            200: OrderSerializer,
            **error_responses(400, 409),
        },
        description="Take an order (201); allocation follows at once in the background. A "
        "`reference` taken before answers that order unchanged (200), so a client may post "
        "again safely; a reference of an order in a warehouse outside the user's scope is a "
        "409 `reference_taken`. Each product once (`duplicate_product`); products by SKU or "
        "barcode. Needs permission `warehouse.add_order` (supervisors). " + SCOPE_NOTE,
    )
    @idempotent
    def create(self, request: Request) -> Response:
        given = OrderCreateSerializer(data=request.data, context=self.get_serializer_context())
        given.is_valid(raise_exception=True)
        data = given.validated_data
        taken = order_create(
            warehouse=data["warehouse"],
            reference=data["reference"],
            lines=data["lines"],
            priority=data["priority"],
            requested_ship_date=data.get("requested_ship_date"),
            customer=data.get("customer", ""),
            carrier=data.get("carrier", ""),
            carrier_cutoff_at=data.get("carrier_cutoff_at"),
            created_by_id=request.user.pk,
        )
        if not user_warehouses(request).filter(pk=taken.order.warehouse_id).exists():
            raise ReferenceTaken(
                f"The reference {taken.order.reference} is taken by an order outside your "
                "warehouses.",
                field="reference",
            )
        return Response(
            self._reload(taken.order.pk),
            status=status.HTTP_201_CREATED if taken.created else status.HTTP_200_OK,
        )

    @extend_schema(
        request=None,
        responses={200: OrderSerializer, **error_responses(404, 409)},
        description="Ship what is picked: it leaves the building (ledger rows to the "
        "customer), lines get their `shipped_quantity`, inventory records the demand; what was "
        "never picked is released. 409 while picks are open or when nothing is picked, and "
        "for a cancelled order; shipping a shipped order answers it unchanged. Needs "
        "permission `warehouse.ship_order`. " + SCOPE_NOTE,
    )
    @action(detail=True, methods=["post"])
    def ship(self, request: Request, pk: str) -> Response:
        order = self.get_object()  # 404 outside the user's warehouses
        order_ship(order_id=order.pk, user_id=request.user.pk)
        return Response(self._reload(order.pk))

    @extend_schema(
        request=OrderCancelSerializer,
        responses={200: OrderSerializer, **error_responses(400, 404, 409)},
        description="Cancel: reservations released, open picks cancelled, goods already "
        "picked go back to storage by putaway tasks. A shipped order is a 409; cancelling a "
        "cancelled order answers it unchanged. Needs permission `warehouse.change_order` "
        "(supervisors). " + SCOPE_NOTE,
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str) -> Response:
        order = self.get_object()
        given = OrderCancelSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        order_cancel(order_id=order.pk, reason=given.validated_data.get("reason", ""))
        return Response(self._reload(order.pk))

    def _reload(self, pk: int) -> dict[str, Any]:
        order = orders_list(warehouses=self.warehouses()).get(pk=pk)
        return OrderSerializer(order).data
