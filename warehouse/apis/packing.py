"""Packing over the API: ``POST /orders/{id}/packages/`` closes a package of picked items.

Only units picked for the order and not yet packed may go in (``invalid_quantity`` otherwise);
lot-tracked products name their lot, typed or from the GS1 label scanned.
"""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ErrorDetail, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from warehouse.apis.receiving import ProductScanField
from warehouse.models import Lot, Package, PackageItem
from warehouse.selectors.orders import lots_by_codes, package_get
from warehouse.selectors.receipts import products_by_scans
from warehouse.services.shipping import PackedItem, package_close
from wms.api.idempotency import PARAMETER as IDEMPOTENCY_KEY
from wms.api.idempotency import idempotent
from wms.api.schema import SCOPE_NOTE, error_responses

MAX_QUANTITY = 100_000_000
MAX_ITEMS = 1_000


class PackageItemSerializer(serializers.ModelSerializer):
    product = serializers.CharField(source="product.sku", read_only=True)
    product_id = serializers.IntegerField(read_only=True)
    lot = serializers.CharField(source="lot.code", read_only=True, allow_null=True)
    lot_id = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = PackageItem
        fields = ["id", "product", "product_id", "lot", "lot_id", "quantity"]
        read_only_fields = fields


class PackageSerializer(serializers.ModelSerializer):
    order_id = serializers.IntegerField(read_only=True)
    packed_by = serializers.CharField(source="packed_by.username", read_only=True, allow_null=True)
    items = PackageItemSerializer(many=True, read_only=True)

    class Meta:
        model = Package
        fields = ["id", "order_id", "number", "packed_by", "closed_at", "items"]
        read_only_fields = fields


class PackedItemInputSerializer(serializers.Serializer):
    product = ProductScanField(
        help_text="SKU, EAN/UPC barcode, or a GS1-128 label (its lot (10) fills `lot`)."
    )
    lot = serializers.CharField(
        max_length=Lot._meta.get_field("code").max_length,
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text="Lot code: required for products tracked by lot, refused for others.",
    )
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY)


def _item_error(index: int, field: str, message: str, code: str) -> ValidationError:
    return ValidationError({index: {field: [ErrorDetail(message, code=code)]}})


class PackageCreateSerializer(serializers.Serializer):
    items = PackedItemInputSerializer(many=True, allow_empty=False, max_length=MAX_ITEMS)

    def validate_items(self, given: list[dict[str, Any]]) -> list[PackedItem]:
        """Products found in one query, lots in another; each item's lot checked against its
        product's tracking."""
        products = products_by_scans(scans=[item["product"] for item in given])
        named: list[tuple[Any, str | None]] = []
        for index, (item, product) in enumerate(zip(given, products, strict=True)):
            scan = item["product"]
            if product is None:
                shown = scan.text[:40] or "(nothing)"
                raise _item_error(
                    index,
                    "product",
                    f"No product has the SKU or barcode {shown}.",
                    "does_not_exist",
                )
            typed = (item.get("lot") or "").strip()
            label = scan.lot if product.is_lot_tracked else None
            if typed and label and typed != label:
                raise _item_error(
                    index, "lot", f"The label says lot {label}, not {typed}.", "invalid"
                )
            code = typed or label or ""
            if code and not product.is_lot_tracked:
                raise _item_error(index, "lot", f"{product.sku} is not tracked by lot.", "invalid")
            if product.is_lot_tracked and not code:
                raise _item_error(
                    index, "lot", f"{product.sku} is tracked by lot: give the lot.", "required"
                )
            named.append((product, code or None))
        lots = lots_by_codes(keys={(p.pk, code) for p, code in named if code})
        items = []
        for index, ((product, code), item) in enumerate(zip(named, given, strict=True)):
            lot = lots.get((product.pk, code)) if code else None
            if code and lot is None:
                raise _item_error(
                    index, "lot", f"{product.sku} has no lot {code}.", "does_not_exist"
                )
            items.append(PackedItem(product.pk, lot.pk if lot else None, item["quantity"]))
        return items


class PackagingMixin:
    """The ``packages`` action of the order viewset (which supplies ``get_object``)."""

    @extend_schema(
        request=PackageCreateSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={201: PackageSerializer, **error_responses(400, 404, 409)},
        description="Close a package of checked items of the order: only units picked and not "
        "yet packed may go in (`invalid_quantity`); the same product and lot may be listed "
        "more than once. 409 for a shipped or cancelled order. Needs permission "
        "`warehouse.ship_order`. " + SCOPE_NOTE,
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def packages(self, request: Request, pk: str) -> Response:
        order = self.get_object()  # type: ignore[attr-defined]
        given = PackageCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        package = package_close(
            order_id=order.pk, user_id=request.user.pk, items=given.validated_data["items"]
        )
        return Response(
            PackageSerializer(package_get(package_id=package.pk)).data,
            status=status.HTTP_201_CREATED,
        )
