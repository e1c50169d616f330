"""Pick-face rules over the API: ``/pick-faces/``, the min/max of a product in a pick bin.

Supervisors (who change the layout: ``warehouse.change_location``) create and change rules;
everyone who sees bins or stock levels reads them. Writes validate with a serializer and call
one service (``warehouse.services.pick_faces``), which checks the values and answers by field.
The replenish tasks that follow are the worker's (``warehouse.services.replenish``).
"""

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.exceptions import ErrorDetail, ValidationError
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from warehouse.models import PickFaceRule
from warehouse.selectors.pick_faces import location_by_code, pick_face_rules_list
from warehouse.services.pick_faces import pick_face_rule_create, pick_face_rule_update
from wms.api.fields import ProductSkuField, WarehouseCodeField
from wms.api.idempotency import PARAMETER as IDEMPOTENCY_KEY
from wms.api.idempotency import idempotent
from wms.api.permissions import RequiresPermission
from wms.api.schema import SCOPE_NOTE, error_responses
from wms.api.viewsets import ApiViewSet, filter_text

READ_PERMISSIONS = ("warehouse.view_location", "inventory.view_stocklevel")


class CanReadPickFaces(BasePermission):
    """Whoever sees the bins (supervisors, floor staff) or the stock levels (purchasers)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return bool(
            user and user.is_authenticated and any(user.has_perm(name) for name in READ_PERMISSIONS)
        )


class CanChangeLayout(RequiresPermission):
    """Supervisors: pick-face rules are part of the layout."""

    permission = "warehouse.change_location"


class PickFaceRuleSerializer(serializers.ModelSerializer):
    warehouse = serializers.CharField(source="location.warehouse.code", read_only=True)
    warehouse_id = serializers.IntegerField(source="location.warehouse_id", read_only=True)
    location = serializers.CharField(source="location.code", read_only=True)
    location_id = serializers.IntegerField(read_only=True)
    product = serializers.CharField(source="product.sku", read_only=True)
    product_id = serializers.IntegerField(read_only=True)
    product_name = serializers.CharField(source="product.name", read_only=True)
    on_face = serializers.IntegerField(
        read_only=True, help_text="Units of the product in the bin now."
    )
    coming = serializers.IntegerField(
        read_only=True, help_text="Units open putaway and replenish tasks are bringing."
    )

    class Meta:
        model = PickFaceRule
        fields = [
            "id",
            "warehouse",
            "warehouse_id",
            "location",
            "location_id",
            "product",
            "product_id",
            "product_name",
            "min_quantity",
            "max_quantity",
            "is_active",
            "on_face",
            "coming",
            "replenishments",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class PickFaceRuleChangeSerializer(serializers.Serializer):
    """The changeable fields; ranges and consistency are the service's to check."""

    min_quantity = serializers.IntegerField(
        required=False,
        help_text="Replenish when the face holds (with what is on its way) fewer units.",
    )
    max_quantity = serializers.IntegerField(
        required=False,
        help_text="Replenish up to this; above the minimum, within the bin's capacity.",
    )
    is_active = serializers.BooleanField(required=False)


class PickFaceRuleCreateSerializer(serializers.Serializer):
    warehouse = WarehouseCodeField(help_text="Warehouse code.")
    location = serializers.CharField(max_length=40, help_text="Code of a pick bin.")
    product = ProductSkuField(help_text="Product SKU.")
    min_quantity = serializers.IntegerField(help_text="At least 0.")
    max_quantity = serializers.IntegerField(help_text="Above the minimum.")
    is_active = serializers.BooleanField(required=False, default=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        warehouse = attrs.pop("warehouse")
        location = location_by_code(warehouse_id=warehouse.pk, code=attrs["location"])
        if location is None:
            raise ValidationError(
                {
                    "location": [
                        ErrorDetail(
                            f"{warehouse.code} has no location {attrs['location']}.",
                            code="does_not_exist",
                        )
                    ]
                }
            )
        attrs["location_id"] = location.pk
        attrs["product_id"] = attrs.pop("product").pk
        del attrs["location"]
        return attrs


class PickFaceRuleFilters(serializers.Serializer):
    warehouse = filter_text(20, "Warehouse code.")
    location = filter_text(40, "Location code.")
    product = filter_text(40, "Product SKU.")
    is_active = serializers.BooleanField(required=False, allow_null=True, default=None)


def _read_only(data: Any, names: tuple[str, ...]) -> None:
    """Refuse fields that cannot change, by name, rather than ignore them."""
    given = [name for name in names if hasattr(data, "keys") and name in data]
    if given:
        raise ValidationError(
            {
                name: [ErrorDetail(f"The {name} of a rule cannot change.", code="read_only")]
                for name in given
            }
        )


@extend_schema_view(
    list=extend_schema(
        parameters=[PickFaceRuleFilters],
        description=SCOPE_NOTE,
        responses={200: PickFaceRuleSerializer(many=True), **error_responses(400)},
    ),
    retrieve=extend_schema(responses={200: PickFaceRuleSerializer, **error_responses(404)}),
)
class PickFaceRuleViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """How much of a product a pick bin keeps: below the minimum (counting what is on its way)
    the worker makes replenish tasks from reserve storage, up to the maximum."""

    queryset = PickFaceRule.objects.none()
    serializer_class = PickFaceRuleSerializer
    filter_serializer_class = PickFaceRuleFilters

    def get_permissions(self):
        if self.action in ("list", "retrieve"):
            return [IsAuthenticated(), CanReadPickFaces()]
        return [IsAuthenticated(), CanChangeLayout()]

    def get_queryset(self):
        filters = self.filters()
        return pick_face_rules_list(
            warehouse_ids=self.warehouses().values_list("pk", flat=True),
            warehouse_code=filters.get("warehouse", ""),
            location_code=filters.get("location", ""),
            product_sku=filters.get("product", ""),
            is_active=filters.get("is_active"),
        )

    @extend_schema(
        request=PickFaceRuleCreateSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={201: PickFaceRuleSerializer, **error_responses(400, 409)},
        description="One rule per bin and product (else 409 `rule_exists`). The bin must be "
        "of kind pick (`not_a_pick_face`); quantities are whole numbers, the minimum at least "
        "0 and the maximum above it (`invalid_quantity`, naming the field) and within the "
        "bin's capacity (`over_capacity`). Supervisors only. " + SCOPE_NOTE,
    )
    @idempotent
    def create(self, request: Request) -> Response:
        given = PickFaceRuleCreateSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        given.is_valid(raise_exception=True)
        rule = pick_face_rule_create(actor_id=request.user.pk, **given.validated_data)
        return Response(
            PickFaceRuleSerializer(self._reload(rule.pk)).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        request=PickFaceRuleChangeSerializer,
        responses={200: PickFaceRuleSerializer, **error_responses(400, 404)},
        description="Change the minimum, the maximum or `is_active`; the warehouse, bin and "
        "product are fixed (`read_only`). Supervisors only.",
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        rule = self.get_object()
        _read_only(request.data, ("warehouse", "location", "product"))
        given = PickFaceRuleChangeSerializer(
            data=request.data, partial=True, context=self.get_serializer_context()
        )
        given.is_valid(raise_exception=True)
        pick_face_rule_update(rule_id=rule.pk, actor_id=request.user.pk, **given.validated_data)
        return Response(PickFaceRuleSerializer(self._reload(rule.pk)).data)

    def _reload(self, pk: int) -> PickFaceRule:
        return pick_face_rules_list(
            warehouse_ids=self.warehouses().values_list("pk", flat=True)
        ).get(pk=pk)
