"""Purchase orders over the API: list, detail, create (a draft), send and cancel.

Writes validate with a serializer and call one service of ``inventory.services.purchasing``.
Purchasers (``inventory.manage_purchasing``) create, send and cancel; whoever may see purchase
orders or receives goods at the dock may read them.
"""

from typing import Any

from django.db.models import Model
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ErrorDetail, ValidationError
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from inventory.models import PurchaseOrder, PurchaseOrderLine
from inventory.selectors import supplier_by_code
from inventory.selectors.purchasing import purchase_orders_list
from inventory.services.purchasing import (
    OrderLineInput,
    purchase_order_cancel,
    purchase_order_create,
    purchase_order_send,
)
from wms.api.fields import NaturalKeyField, ProductSkuField, WarehouseCodeField
from wms.api.idempotency import PARAMETER as IDEMPOTENCY_KEY
from wms.api.idempotency import idempotent
from wms.api.permissions import RequiresPermission
from wms.api.schema import SCOPE_NOTE, error_responses
from wms.api.viewsets import ApiViewSet, filter_text

# Far beyond any order; keeps sums of quantities inside the database's integer range.
MAX_QUANTITY = 100_000_000
MAX_LINES = 1_000


class CanManagePurchasing(RequiresPermission):
    """Purchasers: create, send and cancel purchase orders."""

    permission = "inventory.manage_purchasing"


class CanReadPurchaseOrders(BasePermission):
    """Those who may see purchase orders, and the dock staff who receive against them."""

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return bool(
            user
            and user.is_authenticated
            and (
                user.has_perm("inventory.view_purchaseorder")
                or user.has_perm("warehouse.receive_goods")
            )
        )


class SupplierCodeField(NaturalKeyField):
    noun = "supplier"
    max_length = 30

    def lookup(self, value: str) -> Model | None:
        return supplier_by_code(code=value)


# --- reading ---------------------------------------------------------------------------------


class PurchaseOrderLineSerializer(serializers.ModelSerializer):
    product = serializers.CharField(source="product.sku", read_only=True)
    product_id = serializers.IntegerField(read_only=True)
    product_name = serializers.CharField(source="product.name", read_only=True)
    open_quantity = serializers.IntegerField(
        read_only=True, help_text="Still to come: quantity less received (never negative)."
    )

    class Meta:
        model = PurchaseOrderLine
        fields = [
            "id",
            "product",
            "product_id",
            "product_name",
            "quantity",
            "received_quantity",
            "open_quantity",
            "unit_cost",
        ]
        read_only_fields = fields


class PurchaseOrderSerializer(serializers.ModelSerializer):
    supplier = serializers.CharField(source="supplier.code", read_only=True)
    supplier_id = serializers.IntegerField(read_only=True)
    warehouse = serializers.CharField(source="warehouse.code", read_only=True)
    warehouse_id = serializers.IntegerField(read_only=True)
    created_by = serializers.CharField(
        source="created_by.username", read_only=True, allow_null=True
    )
    lines = PurchaseOrderLineSerializer(many=True, read_only=True)

    class Meta:
        model = PurchaseOrder
        fields = [
            "id",
            "number",
            "supplier",
            "supplier_id",
            "warehouse",
            "warehouse_id",
            "status",
            "expected_date",
            "notes",
            "created_by",
            "sent_at",
            "closed_at",
            "created_at",
            "updated_at",
            "lines",
        ]
        read_only_fields = fields


class PurchaseOrderFilters(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=PurchaseOrder.Status.choices, required=False, allow_blank=True
    )
    supplier = filter_text(30, "Supplier code.")
    warehouse = filter_text(20, "Warehouse code.")


# --- writing ---------------------------------------------------------------------------------


class PurchaseOrderLineInputSerializer(serializers.Serializer):
    product = ProductSkuField(help_text="Product SKU.")
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY)
    unit_cost = serializers.DecimalField(
        max_digits=12,
        decimal_places=4,
        min_value=0,
        required=False,
        allow_null=True,
        help_text="Price per unit agreed with the supplier; default: the product's unit cost.",
    )


class PurchaseOrderCreateSerializer(serializers.Serializer):
    supplier = SupplierCodeField(help_text="Supplier code.")
    warehouse = WarehouseCodeField(help_text="Code of the warehouse the goods are for.")
    expected_date = serializers.DateField(
        required=False, allow_null=True, help_text="When the goods should arrive (YYYY-MM-DD)."
    )
    notes = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    lines = PurchaseOrderLineInputSerializer(many=True, allow_empty=False, max_length=MAX_LINES)

    def validate_lines(self, lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
        seen: set[int] = set()
        for number, line in enumerate(lines, start=1):
            if line["product"].pk in seen:
                raise ValidationError(
                    ErrorDetail(
                        f"Line {number}: {line['product'].sku} is already on this order; "
                        "give each product one line.",
                        code="duplicate_product",
                    )
                )
            seen.add(line["product"].pk)
        return lines


@extend_schema_view(
    list=extend_schema(
        parameters=[PurchaseOrderFilters],
        description="Newest first. " + SCOPE_NOTE,
        responses={200: PurchaseOrderSerializer(many=True), **error_responses(400)},
    ),
    retrieve=extend_schema(responses={200: PurchaseOrderSerializer, **error_responses(404)}),
)
class PurchaseOrderViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """What we ordered from suppliers, line by line, with what has arrived so far."""

    queryset = PurchaseOrder.objects.none()
    serializer_class = PurchaseOrderSerializer
    filter_serializer_class = PurchaseOrderFilters

    def get_permissions(self):
        if self.action in ("list", "retrieve"):
            return [IsAuthenticated(), CanReadPurchaseOrders()]
        return [IsAuthenticated(), CanManagePurchasing()]

    def get_queryset(self):
        filters = self.filters()
        return purchase_orders_list(
            warehouses=self.warehouses(),
            warehouse_code=filters.get("warehouse", ""),
            supplier_code=filters.get("supplier", ""),
            status=filters.get("status", ""),
        )

    @extend_schema(
        request=PurchaseOrderCreateSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={201: PurchaseOrderSerializer, **error_responses(400)},
        description="A draft order: nothing is on order until it is sent. Each product once "
        "(else `duplicate_product`). Needs permission `inventory.manage_purchasing` "
        "(purchasers). " + SCOPE_NOTE,
    )
    @idempotent
    def create(self, request: Request) -> Response:
        given = PurchaseOrderCreateSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        given.is_valid(raise_exception=True)
        data = given.validated_data
        order = purchase_order_create(
            supplier=data["supplier"],
            warehouse=data["warehouse"],
            lines=[
                OrderLineInput(line["product"], line["quantity"], line.get("unit_cost"))
                for line in data["lines"]
            ],
            expected_date=data.get("expected_date"),
            notes=data.get("notes", ""),
            created_by_id=request.user.pk,
        )
        return Response(self._reload(order.pk), status=status.HTTP_201_CREATED)

    @extend_schema(
        request=None,
        responses={200: PurchaseOrderSerializer, **error_responses(404, 409)},
        description="Draft -> sent: the lines now count as `on_order` in the stock levels. "
        "Sending a sent order changes nothing; any other status is a 409.",
    )
    @action(detail=True, methods=["post"])
    def send(self, request: Request, pk: str) -> Response:
        order = self.get_object()
        purchase_order_send(purchase_order_id=order.pk)
        return Response(self._reload(order.pk))

    @extend_schema(
        request=None,
        responses={200: PurchaseOrderSerializer, **error_responses(404, 409)},
        description="Cancel an order not fully received: what was still open leaves "
        "`on_order`. Cancelling a cancelled order changes nothing; a received order is a 409.",
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str) -> Response:
        order = self.get_object()
        purchase_order_cancel(purchase_order_id=order.pk)
        return Response(self._reload(order.pk))

    def _reload(self, pk: int) -> dict[str, Any]:
        order = purchase_orders_list(warehouses=self.warehouses()).get(pk=pk)
        return PurchaseOrderSerializer(order).data
