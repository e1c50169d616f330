"""Receipts over the API: a delivery received in one request, and the receipts to read.

``POST /receipts/`` creates the receipt and books every line onto the dock in one transaction
(``warehouse.services.receipt_api``): refused input leaves nothing behind. QC and putaway
tasks follow from the worker once the receipt is committed.
"""

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.exceptions import ErrorDetail, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from inventory.apis.purchasing import SupplierCodeField
from inventory.gs1 import InvalidBarcode, ScanCode, parse_scan
from inventory.models import Product
from inventory.selectors.purchasing import purchase_order_get
from warehouse.models import Lot, Receipt, ReceiptItem, ReceiptLine
from warehouse.selectors.receipts import products_by_scans, receipts_list
from warehouse.selectors.stock import location_by_code
from warehouse.services.receipt_api import delivery_receive
from warehouse.services.receiving import ReceivedEntry
from wms.api.fields import WarehouseCodeField, user_warehouses
from wms.api.idempotency import PARAMETER as IDEMPOTENCY_KEY
from wms.api.idempotency import idempotent, service_key
from wms.api.permissions import RequiresPermission
from wms.api.schema import SCOPE_NOTE, error_responses
from wms.api.viewsets import ApiViewSet, filter_text

# Far beyond any delivery; keeps sums of quantities inside the database's integer range.
MAX_QUANTITY = 100_000_000
MAX_LINES = 1_000


class CanReceiveGoods(RequiresPermission):
    """Floor staff and supervisors: book deliveries at the dock."""

    permission = "warehouse.receive_goods"


def _error(field: str, message: str, code: str = "invalid") -> ValidationError:
    return ValidationError({field: [ErrorDetail(message, code=code)]})


# --- reading ---------------------------------------------------------------------------------


class ReceiptLineSerializer(serializers.ModelSerializer):
    product = serializers.CharField(source="product.sku", read_only=True)
    product_id = serializers.IntegerField(read_only=True)
    product_name = serializers.CharField(source="product.name", read_only=True)
    expected_quantity = serializers.IntegerField(
        read_only=True, help_text="Announced by the order or notice; 0: not announced."
    )

    class Meta:
        model = ReceiptLine
        fields = [
            "id",
            "product",
            "product_id",
            "product_name",
            "expected_quantity",
            "received_quantity",
        ]
        read_only_fields = fields


class ReceiptItemSerializer(serializers.ModelSerializer):
    product = serializers.CharField(source="line.product.sku", read_only=True)
    product_id = serializers.IntegerField(source="line.product_id", read_only=True)
    lot = serializers.CharField(source="lot.code", read_only=True, allow_null=True)
    lot_id = serializers.IntegerField(read_only=True, allow_null=True)
    expiry = serializers.DateField(source="lot.expiry_date", read_only=True, allow_null=True)
    location = serializers.CharField(source="location.code", read_only=True)
    location_id = serializers.IntegerField(read_only=True)
    needs_qc = serializers.BooleanField(
        read_only=True, help_text="Goes to QC inspection before putaway."
    )
    planned = serializers.SerializerMethodField(
        help_text="The worker has made its QC or putaway tasks."
    )

    class Meta:
        model = ReceiptItem
        fields = [
            "id",
            "product",
            "product_id",
            "lot",
            "lot_id",
            "expiry",
            "quantity",
            "location",
            "location_id",
            "needs_qc",
            "planned",
            "created_at",
        ]
        read_only_fields = fields

    def get_planned(self, item: ReceiptItem) -> bool:
        return item.planned_at is not None


class ReceiptSerializer(serializers.ModelSerializer):
    warehouse = serializers.CharField(source="warehouse.code", read_only=True)
    warehouse_id = serializers.IntegerField(read_only=True)
    purchase_order = serializers.IntegerField(
        source="purchase_order_id", read_only=True, allow_null=True, help_text="Its id."
    )
    purchase_order_number = serializers.CharField(
        source="purchase_order.number", read_only=True, allow_null=True
    )
    supplier = serializers.CharField(source="supplier.code", read_only=True, allow_null=True)
    supplier_id = serializers.IntegerField(read_only=True, allow_null=True)
    dock = serializers.CharField(source="dock.code", read_only=True)
    dock_id = serializers.IntegerField(read_only=True)
    lines = ReceiptLineSerializer(many=True, read_only=True)
    items = serializers.SerializerMethodField(
        help_text="What was received, scan by scan: on the dock until QC or putaway moves it."
    )

    class Meta:
        model = Receipt
        fields = [
            "id",
            "reference",
            "warehouse",
            "warehouse_id",
            "kind",
            "status",
            "purchase_order",
            "purchase_order_number",
            "supplier",
            "supplier_id",
            "dock",
            "dock_id",
            "expected_date",
            "created_at",
            "updated_at",
            "closed_at",
            "lines",
            "items",
        ]
        read_only_fields = fields

    @extend_schema_field(ReceiptItemSerializer(many=True))
    def get_items(self, receipt: Receipt) -> list[dict[str, Any]]:
        items = sorted(
            (item for line in receipt.lines.all() for item in line.items.all()),
            key=lambda item: item.pk,
        )
        return ReceiptItemSerializer(items, many=True).data


class ReceiptFilters(serializers.Serializer):
    warehouse = filter_text(20, "Warehouse code.")
    status = serializers.ChoiceField(
        choices=Receipt.Status.choices, required=False, allow_blank=True
    )
    kind = serializers.ChoiceField(choices=Receipt.Kind.choices, required=False, allow_blank=True)
    purchase_order = serializers.IntegerField(
        required=False, min_value=1, help_text="Id of the purchase order."
    )


# --- receiving -------------------------------------------------------------------------------


@extend_schema_field(OpenApiTypes.STR)
class ProductScanField(serializers.Field):
    """A product as scanned or typed: SKU, EAN/UPC barcode, or a GS1 label (with lot, expiry).

    Parsed here (a bad label is ``invalid_barcode``); the products of all lines are looked up
    together by the receipt serializer, in one query.
    """

    default_error_messages = {
        "invalid": "Give the product as text: SKU, barcode or GS1 label.",
        "blank": "This field may not be blank.",
        "max_length": "A scan has at most {max_length} characters.",
    }
    MAX_LENGTH = 200

    def to_internal_value(self, data: Any) -> ScanCode:
        if not isinstance(data, str) or "\x00" in data:
            self.fail("invalid")
        if not data.strip():
            self.fail("blank")
        if len(data) > self.MAX_LENGTH:
            self.fail("max_length", max_length=self.MAX_LENGTH)
        try:
            return parse_scan(data)
        except InvalidBarcode as error:
            raise ValidationError([ErrorDetail(error.message, code=error.code)]) from error

    def to_representation(self, value: Any) -> str:
        return value.text


class ReceivedLineSerializer(serializers.Serializer):
    product = ProductScanField(
        help_text="SKU, EAN-13/UPC barcode, or a GS1-128 label; a label's lot (10) and "
        "expiry (17) fill `lot` and `expiry` when they are not given."
    )
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY)
    lot = serializers.CharField(
        max_length=Lot._meta.get_field("code").max_length,
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text="Lot code: required for products tracked by lot, refused for others.",
    )
    expiry = serializers.DateField(
        required=False,
        allow_null=True,
        help_text="YYYY-MM-DD; required for a new lot of a product tracked by expiry. "
        "Expired goods are refused (`expired`).",
    )


def _line_error(index: int, field: str, message: str, code: str) -> ValidationError:
    """An error about one field of one line, shaped as DRF shapes nested line errors."""
    return ValidationError({index: {field: [ErrorDetail(message, code=code)]}})


def _received_line(index: int, line: dict[str, Any], product: Product | None) -> dict[str, Any]:
    """One line with its product found and the label's lot and expiry merged in (those the
    product tracks: a label's lot on an untracked product is not a reason to refuse it)."""
    scan: ScanCode = line["product"]
    if product is None:
        shown = scan.text[:40] or "(nothing)"
        raise _line_error(
            index, "product", f"No product has the SKU or barcode {shown}.", "does_not_exist"
        )
    label_lot = scan.lot if product.is_lot_tracked else None
    label_expiry = scan.expiry if product.tracks_expiry else None
    lot = (line.get("lot") or "").strip()
    if label_lot and lot and label_lot != lot:
        raise _line_error(index, "lot", f"The label says lot {label_lot}, not {lot}.", "invalid")
    expiry = line.get("expiry")
    if label_expiry and expiry and label_expiry != expiry:
        raise _line_error(
            index, "expiry", f"The label says the goods expire on {label_expiry}.", "invalid"
        )
    return {
        "product": product,
        "quantity": line["quantity"],
        "lot": lot or label_lot or None,
        "expiry": expiry or label_expiry,
    }


class ReceiptCreateSerializer(serializers.Serializer):
    warehouse = WarehouseCodeField(help_text="Code of the warehouse the goods arrived at.")
    purchase_order = serializers.IntegerField(
        min_value=1,
        required=False,
        allow_null=True,
        help_text="Id of the sent purchase order the goods are for; none: unplanned delivery.",
    )
    supplier = SupplierCodeField(
        required=False,
        allow_null=True,
        help_text="Supplier code of an unplanned delivery (its QC rule applies); with a "
        "purchase order, the order's supplier.",
    )
    dock = serializers.CharField(
        max_length=40,
        required=False,
        allow_blank=True,
        help_text="Code of the receiving dock; default: the warehouse's first dock.",
    )
    close = serializers.BooleanField(
        default=False,
        help_text="Close the receipt once received (nothing more will arrive on it); what is "
        "missing stays open on the purchase order.",
    )
    lines = ReceivedLineSerializer(many=True, allow_empty=False, max_length=MAX_LINES)

    def validate_lines(self, given: list[dict[str, Any]]) -> list[dict[str, Any]]:
        products = products_by_scans(scans=[line["product"] for line in given])
        lines = [
            _received_line(index, line, product)
            for index, (line, product) in enumerate(zip(given, products, strict=True))
        ]
        seen: set[tuple[int, str | None]] = set()
        for number, line in enumerate(lines, start=1):
            key = (line["product"].pk, line["lot"])
            if key in seen:
                lot = f" lot {line['lot']}" if line["lot"] else ""
                raise ValidationError(
                    ErrorDetail(
                        f"Line {number}: {line['product'].sku}{lot} is already listed; give "
                        "each product (and lot) one line with the whole quantity.",
                        code="duplicate_line",
                    )
                )
            seen.add(key)
        return lines

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        warehouse = attrs["warehouse"]
        order_id = attrs.get("purchase_order")
        if order_id is not None:
            order = purchase_order_get(purchase_order_id=order_id)
            scope = user_warehouses(self.context["request"])
            if order is None or not scope.filter(pk=order.warehouse_id).exists():
                raise _error(
                    "purchase_order", f"There is no purchase order {order_id}.", "does_not_exist"
                )
            supplier = attrs.get("supplier")
            if supplier is not None and supplier.pk != order.supplier_id:
                raise _error(
                    "supplier",
                    f"{order.number} is from {order.supplier.code}, not {supplier.code}.",
                )
            attrs["purchase_order"] = order
        code = (attrs.get("dock") or "").strip()
        attrs["dock"] = None
        if code:
            attrs["dock"] = location_by_code(warehouse_id=warehouse.pk, code=code)
            if attrs["dock"] is None:
                raise _error("dock", f"{warehouse.code} has no location {code}.", "does_not_exist")
        return attrs


@extend_schema_view(
    list=extend_schema(
        parameters=[ReceiptFilters],
        description="Newest first. " + SCOPE_NOTE,
        responses={200: ReceiptSerializer(many=True), **error_responses(400)},
    ),
    retrieve=extend_schema(responses={200: ReceiptSerializer, **error_responses(404)}),
)
class ReceiptViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Deliveries: expected ones (from purchase orders and notices) and what arrived."""

    queryset = Receipt.objects.none()
    serializer_class = ReceiptSerializer
    filter_serializer_class = ReceiptFilters

    def get_permissions(self):
        if self.action == "create":
            return [IsAuthenticated(), CanReceiveGoods()]
        return super().get_permissions()

    def get_queryset(self):
        filters = self.filters()
        return receipts_list(
            warehouses=self.warehouses(),
            warehouse_code=filters.get("warehouse", ""),
            status=filters.get("status", ""),
            kind=filters.get("kind", ""),
            purchase_order_id=filters.get("purchase_order"),
        )

    @extend_schema(
        request=ReceiptCreateSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={201: ReceiptSerializer, **error_responses(400, 409)},
        description="A delivery that arrived: creates its receipt and puts every line on the "
        "dock at once (on hand, not available; in the ledger; on the purchase order, whose "
        "`on_order` drops). QC and putaway tasks follow from the worker. All or nothing: any "
        "refused line leaves no receipt and no stock. Refusals: `not_on_order` (a product "
        "the order does not have), `over_receipt` (more than ordered plus the tolerance), "
        "`expired`, `duplicate_line`, `invalid_barcode`, a missing lot or expiry of a tracked "
        "product; 409 for a draft, cancelled or received order. Needs permission "
        "`warehouse.receive_goods` (floor staff, supervisors). " + SCOPE_NOTE,
    )
    @idempotent
    def create(self, request: Request) -> Response:
        given = ReceiptCreateSerializer(data=request.data, context=self.get_serializer_context())
        given.is_valid(raise_exception=True)
        data = given.validated_data
        receipt = delivery_receive(
            warehouse=data["warehouse"],
            purchase_order=data.get("purchase_order"),
            supplier=data.get("supplier"),
            dock=data["dock"],
            close=data["close"],
            entries=[
                ReceivedEntry(line["product"], line["quantity"], line["lot"], line["expiry"])
                for line in data["lines"]
            ],
            user_id=request.user.pk,
            idempotency_key=service_key(request),
        )
        if not _made_now(receipt):  # a repeat: the first call's receipt, read in the user's scope
            receipt = receipts_list(warehouses=self.warehouses()).get(pk=receipt.pk)
        return Response(ReceiptSerializer(receipt).data, status=status.HTTP_201_CREATED)


def _made_now(receipt: Receipt) -> bool:
    """The receipt this request made comes with its lines and their items at hand (the
    service's prefetch cache): reading them back would only repeat what it just wrote."""
    return "lines" in getattr(receipt, "_prefetched_objects_cache", {})
