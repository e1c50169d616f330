"""Master data over the API: products and suppliers (warehouses: warehouse.apis.layout).

Every write validates with a serializer and calls one service; serializers never save.
"""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from inventory.models import Product, Supplier
from inventory.selectors import products_list, suppliers_search
from inventory.services.catalog import (
    product_create,
    product_update,
    supplier_create,
    supplier_update,
)
from wms.api.idempotency import PARAMETER as IDEMPOTENCY_KEY
from wms.api.idempotency import idempotent
from wms.api.schema import error_responses
from wms.api.viewsets import ApiViewSet, filter_text

# --- products --------------------------------------------------------------------------------


class ProductSerializer(serializers.ModelSerializer):
    class Meta:
        model = Product
        fields = [
            "id",
            "sku",
            "name",
            "barcode",
            "unit_of_measure",
            "unit_cost",
            "requires_qc",
            "tracking",
            "is_active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        extra_kwargs = {
            "barcode": {"help_text": "EAN-8, UPC-A, EAN-13 or GTIN-14 with a valid check digit."},
        }


class ProductFilters(serializers.Serializer):
    sku = filter_text(40, "Exact SKU.")
    barcode = filter_text(14, "Exact barcode.")
    search = filter_text(help_text="Part of the SKU or name, or the exact barcode.")


@extend_schema_view(
    list=extend_schema(
        parameters=[ProductFilters],
        responses={200: ProductSerializer(many=True), **error_responses(400)},
    ),
    retrieve=extend_schema(responses={200: ProductSerializer, **error_responses(404)}),
)
class ProductViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    queryset = Product.objects.none()
    serializer_class = ProductSerializer
    filter_serializer_class = ProductFilters

    def get_queryset(self):
        return products_list(**self.filters())

    @extend_schema(
        parameters=[IDEMPOTENCY_KEY], responses={201: ProductSerializer, **error_responses(400)}
    )
    @idempotent
    def create(self, request: Request) -> Response:
        given = ProductSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        product = product_create(actor_id=request.user.pk, **given.validated_data)
        return Response(ProductSerializer(product).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        responses={200: ProductSerializer, **error_responses(400, 404)},
        description="Change some fields. `tracking` cannot change while the product is in stock.",
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        given = ProductSerializer(self.get_object(), data=request.data, partial=True)
        given.is_valid(raise_exception=True)
        product = product_update(
            product=given.instance, actor_id=request.user.pk, **given.validated_data
        )
        return Response(ProductSerializer(product).data)


# --- suppliers -------------------------------------------------------------------------------


class SupplierSerializer(serializers.ModelSerializer):
    # A lead time beyond ten years is a typing error, and would overflow date arithmetic.
    lead_time_days = serializers.IntegerField(min_value=0, max_value=3650, required=False)

    class Meta:
        model = Supplier
        fields = [
            "id",
            "code",
            "name",
            "lead_time_days",
            "requires_qc",
            "email",
            "is_active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]


class SupplierFilters(serializers.Serializer):
    code = filter_text(30, "Exact supplier code.")
    search = filter_text(help_text="Part of the code or name.")


@extend_schema_view(
    list=extend_schema(
        parameters=[SupplierFilters],
        responses={200: SupplierSerializer(many=True), **error_responses(400)},
    ),
    retrieve=extend_schema(responses={200: SupplierSerializer, **error_responses(404)}),
)
class SupplierViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    queryset = Supplier.objects.none()
    serializer_class = SupplierSerializer
    filter_serializer_class = SupplierFilters

    def get_queryset(self):
        return suppliers_search(**self.filters())

    @extend_schema(
        parameters=[IDEMPOTENCY_KEY], responses={201: SupplierSerializer, **error_responses(400)}
    )
    @idempotent
    def create(self, request: Request) -> Response:
        given = SupplierSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        supplier = supplier_create(actor_id=request.user.pk, **given.validated_data)
        return Response(SupplierSerializer(supplier).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: SupplierSerializer, **error_responses(400, 404)})
    def partial_update(self, request: Request, pk: str) -> Response:
        given = SupplierSerializer(self.get_object(), data=request.data, partial=True)
        given.is_valid(raise_exception=True)
        supplier = supplier_update(
            supplier=given.instance, actor_id=request.user.pk, **given.validated_data
        )
        return Response(SupplierSerializer(supplier).data)
