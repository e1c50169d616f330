"""Supplier offers over the API: what each supplier charges for a product, its lead time,
minimum order quantity and pack multiple.

The reorder review chooses a product's supplier from the active offers when the rule names
none (cheapest, then fastest). Writes validate with a serializer and call one service of
``inventory.services.offers``; purchasers and supervisors (``inventory.manage_replenishment``)
write, whoever may view offers reads. Offers belong to no warehouse, so there is no scope.
"""

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.exceptions import ErrorDetail, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from inventory.apis.purchasing import SupplierCodeField
from inventory.apis.replenishment import CanManageReplenishment
from inventory.models import SupplierProduct
from inventory.selectors.offers import supplier_offers_list
from inventory.services.offers import supplier_offer_create, supplier_offer_update
from wms.api.fields import ProductSkuField
from wms.api.idempotency import PARAMETER as IDEMPOTENCY_KEY
from wms.api.idempotency import idempotent
from wms.api.schema import error_responses
from wms.api.viewsets import ApiViewSet, filter_text


class SupplierOfferSerializer(serializers.ModelSerializer):
    supplier = serializers.CharField(source="supplier.code", read_only=True)
    supplier_id = serializers.IntegerField(read_only=True)
    supplier_name = serializers.CharField(source="supplier.name", read_only=True)
    product = serializers.CharField(source="product.sku", read_only=True)
    product_id = serializers.IntegerField(read_only=True)
    product_name = serializers.CharField(source="product.name", read_only=True)
    effective_lead_time_days = serializers.IntegerField(
        read_only=True, help_text="The offer's lead time, else the supplier's."
    )

    class Meta:
        model = SupplierProduct
        fields = [
            "id",
            "supplier",
            "supplier_id",
            "supplier_name",
            "product",
            "product_id",
            "product_name",
            "supplier_sku",
            "unit_cost",
            "lead_time_days",
            "effective_lead_time_days",
            "min_order_quantity",
            "pack_multiple",
            "is_active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields
        extra_kwargs = {"lead_time_days": {"help_text": "Days; null: the supplier's."}}


@extend_schema_field({"type": "string", "format": "decimal", "example": "12.50"})
class UnitCostField(serializers.DecimalField):
    """Any finite number; its range and decimal places are the service's to check, so every
    caller gets the same ``invalid_cost`` answer."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_digits=None, decimal_places=None, **kwargs)


class SupplierOfferChangeSerializer(serializers.Serializer):
    """The changeable fields; ranges are checked by the service."""

    supplier_sku = serializers.CharField(
        required=False, allow_blank=True, help_text="The supplier's article number."
    )
    unit_cost = UnitCostField(required=False, help_text="Per unit, >= 0, at most 4 decimals.")
    lead_time_days = serializers.IntegerField(
        required=False, allow_null=True, help_text="0 to 3650 days; null: the supplier's."
    )
    min_order_quantity = serializers.IntegerField(required=False, help_text="At least 1.")
    pack_multiple = serializers.IntegerField(
        required=False, help_text="Order in multiples of this (at least 1)."
    )
    is_active = serializers.BooleanField(
        required=False, help_text="false: withdrawn; the review no longer chooses it."
    )


class SupplierOfferCreateSerializer(SupplierOfferChangeSerializer):
    """A new offer of a supplier (by code) for a product (by SKU)."""

    supplier = SupplierCodeField(help_text="Supplier code.")
    product = ProductSkuField(help_text="Product SKU.")


class SupplierOfferFilters(serializers.Serializer):
    product = filter_text(40, "Product SKU.")
    supplier = filter_text(30, "Supplier code.")
    is_active = serializers.BooleanField(required=False, allow_null=True, default=None)


def _read_only(data: Any, names: tuple[str, ...]) -> None:
    """Refuse fields that cannot change, by name, rather than ignore them."""
    given = [name for name in names if hasattr(data, "keys") and name in data]
    if given:
        raise ValidationError(
            {
                name: [
                    ErrorDetail(
                        f"The {name} of an offer cannot change; make a new offer instead.",
                        code="read_only",
                    )
                ]
                for name in given
            }
        )


@extend_schema_view(
    list=extend_schema(
        parameters=[SupplierOfferFilters],
        description="Each product's offers in the order the reorder review prefers them: "
        "cheapest, then fastest.",
        responses={200: SupplierOfferSerializer(many=True), **error_responses(400)},
    ),
    retrieve=extend_schema(responses={200: SupplierOfferSerializer, **error_responses(404)}),
)
class SupplierOfferViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """What suppliers offer: price, lead time, minimum order and pack, per product."""

    queryset = SupplierProduct.objects.none()
    serializer_class = SupplierOfferSerializer
    filter_serializer_class = SupplierOfferFilters

    def get_permissions(self):
        if self.action in ("list", "retrieve"):
            return super().get_permissions()
        return [IsAuthenticated(), CanManageReplenishment()]

    def get_queryset(self):
        filters = self.filters()
        return supplier_offers_list(
            product_sku=filters.get("product", ""),
            supplier_code=filters.get("supplier", ""),
            is_active=filters.get("is_active"),
        )

    def _reload(self, pk: int) -> dict[str, Any]:
        return SupplierOfferSerializer(supplier_offers_list().get(pk=pk)).data

    @extend_schema(
        request=SupplierOfferCreateSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={201: SupplierOfferSerializer, **error_responses(400, 409)},
        description="One offer per supplier and product (else 409 `offer_exists`, with the "
        "existing `offer`'s id). Unit cost >= 0 with at most 4 decimals (`invalid_cost`); "
        "lead time 0 to 3650 days or null; MOQ and pack at least 1 (`invalid_quantity`); "
        "supplier and product must be active (`supplier_inactive`, `product_inactive`). "
        "Needs `inventory.manage_replenishment` (purchasers, supervisors).",
    )
    @idempotent
    def create(self, request: Request) -> Response:
        given = SupplierOfferCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        offer = supplier_offer_create(actor_id=request.user.pk, **given.validated_data)
        return Response(self._reload(offer.pk), status=status.HTTP_201_CREATED)

    @extend_schema(
        request=SupplierOfferChangeSerializer,
        responses={200: SupplierOfferSerializer, **error_responses(400, 404)},
        description="Change some fields; supplier and product are fixed (`read_only`). "
        "`is_active: false` withdraws the offer; `true` brings it back if its supplier and "
        "product are active.",
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        offer = self.get_object()
        _read_only(request.data, ("supplier", "product"))
        given = SupplierOfferChangeSerializer(data=request.data, partial=True)
        given.is_valid(raise_exception=True)
        offer = supplier_offer_update(offer=offer, actor_id=request.user.pk, **given.validated_data)
        return Response(self._reload(offer.pk))
